//! The one error type of the web layer. It renders an HTML page for browsers and an RFC 9457
//! `application/problem+json` body for API clients (paths under `/api/`).

use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Field-level messages, in the order they were found. The field is the record's field name (for
/// the API) or the form field's name (for pages); imports prefix it with file, row and column.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// Record that `field` is wrong, and why (the message reads after the field name, e.g.
    /// "is required").
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// (field, message) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }
    /// The first message for a field, for showing beside a form input.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
    /// One problem with one field, as a validation error (422).
    pub fn one(field: &str, message: impl Into<String>) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add(field, message);
        e
    }
    /// This list as a validation error (422).
    pub fn into_error(self) -> Error {
        Error::Validation(self)
    }
    /// `Ok(())` when empty, else `Err(Error::Validation(self))`.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }
    /// Prefix every field with a location, e.g. `partnerships.csv row 4`.
    pub fn prefixed(self, prefix: &str) -> FieldErrors {
        FieldErrors(self.0.into_iter().map(|(f, m)| (format!("{prefix}{f}"), m)).collect())
    }
    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }
}

/// Errors a handler can return. Module errors convert into it; nothing panics on input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} not found")]
    NotFound(String),
    #[error("the input has {} problem(s)", .0.len())]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    /// Query parameters, headers or path segments that are wrong (400), each named with the
    /// reason, e.g. (`per_page`, "must be from 1 to 500").
    #[error("{}", .0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
    InvalidParameters(FieldErrors),
    /// Someone changed the record since the client read it (ETag mismatch).
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` is required on updates and deletes through the API.
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The server is busy with work of this kind (e.g. plan jobs); try again later (429).
    #[error("{0}")]
    TooManyRequests(String),
    /// The path exists but not for this HTTP method.
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Error::NotFound("record".into()),
            // PostgreSQL refuses text holding NUL (SQLSTATE 22021, "invalid byte sequence for
            // encoding UTF8: 0x00"): the request's fault, not the server's. Every field and
            // address is checked before it gets here; this catches any text that was not.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("22021") => {
                Error::BadRequest("the request holds text with the NUL character (U+0000), which cannot be stored or looked up: remove it".into())
            }
            other => Error::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Internal(e)
    }
}

impl Error {
    /// A 400 naming one wrong query parameter, header or path segment and the reason.
    pub fn invalid_parameter(name: &str, message: impl Into<String>) -> Error {
        let mut errs = FieldErrors::default();
        errs.add(name, message);
        Error::InvalidParameters(errs)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadRequest(_) | Error::InvalidParameters(_) => StatusCode::BAD_REQUEST,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Error::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short title for the problem type.
    pub fn title(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "Not found",
            Error::Validation(_) => "The input is not valid",
            Error::BadRequest(_) => "Bad request",
            Error::InvalidParameters(_) => "Invalid parameter",
            Error::Conflict(_) => "Conflict",
            Error::PreconditionRequired(_) => "If-Match required",
            Error::PreconditionFailed(_) => "The record has changed",
            Error::Unauthorized(_) => "Sign-in required",
            Error::Forbidden(_) => "Not allowed",
            Error::PayloadTooLarge(_) => "Too large",
            Error::UnsupportedMediaType(_) => "Unsupported media type",
            Error::TooManyRequests(_) => "Too many requests",
            Error::MethodNotAllowed(_) => "Method not allowed",
            Error::Internal(_) => "Internal error",
        }
    }

    /// The RFC 9457 problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let slug = self.title().to_lowercase().replace(' ', "-").replace('-', "_");
        Problem {
            r#type: format!("/problems/{slug}"),
            title: self.title().to_string(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors: match self {
                Error::Validation(fe) | Error::InvalidParameters(fe) => {
                    fe.iter().map(|(f, m)| FieldProblem { field: f.to_string(), message: m.to_string() }).collect()
                }
                _ => vec![],
            },
        }
    }
}

/// An RFC 9457 problem details document, with `errors` listing each field that is wrong.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    pub r#type: String,
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    pub detail: String,
    /// One entry per wrong field (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldProblem>,
}

/// One wrong field of a request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldProblem {
    /// The field name, e.g. `naics_codes`; for imports, `file row N column`.
    pub field: String,
    pub message: String,
}

tokio::task_local! {
    /// Whether the current request wants problem+json (set by middleware for `/api/` paths).
    pub static WANTS_JSON: bool;
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let wants_json = WANTS_JSON.try_with(|j| *j).unwrap_or(true);
        if wants_json {
            self.problem().into_response()
        } else {
            (self.status(), super::layout::error_page(&self)).into_response()
        }
    }
}

impl IntoResponse for Problem {
    /// The document as an `application/problem+json` response with its status.
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        resp
    }
}

/// The error for a request body that could not be read: 413 over the size limit
/// ([`super::MAX_BODY_BYTES`]), else 400 saying why (`what` names the body, e.g. "the form").
pub fn body_error(what: &str, e: BytesRejection) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge(super::MAX_BODY_BYTES)
    } else {
        Error::BadRequest(format!("{what} could not be read: {}", e.body_text()))
    }
}
