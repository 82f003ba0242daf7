//! The page shell every HTML page shares, and the HTML error page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::Error;

/// The embedded stylesheet, served at `/static/site.css` (screen and print).
pub const SITE_CSS: &str = include_str!("../../static/site.css");

/// Render a template into an HTML response; a template error becomes a 500 page.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => Error::Internal(anyhow::anyhow!("template: {e}")).into_response(),
    }
}

/// Render a template into an HTML response with `status` (e.g. 422 for a form with problems); a
/// template error becomes a 500 page.
pub fn render_with_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut resp = render(t);
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    resp
}

/// The response with `Cache-Control: no-store`: neither the browser nor the page cache keeps it
/// (a page that shows a secret once, names personal data, or shows work in progress).
pub fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    resp
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    status: u16,
    detail: String,
    errors: Vec<(String, String)>,
}

/// The HTML page for an error: status, what went wrong, and each field problem.
pub fn error_page(e: &Error) -> Html<String> {
    let errors = match e {
        Error::Validation(fe) | Error::InvalidParameters(fe) => fe.iter().map(|(f, m)| (f.to_string(), m.to_string())).collect(),
        _ => vec![],
    };
    let page = ErrorPage { title: e.title(), status: e.status().as_u16(), detail: e.to_string(), errors };
    Html(page.render().unwrap_or_else(|_| format!("<h1>{}</h1>", e.status())))
}
