//! Import by upload, through the one import pipeline ([`store::bulk::import`]): every row of the
//! file is checked in one transaction and written only when every row is good.
//!
//! - `GET /import`: the import page: a form with the file and the kind of rows, and the layouts
//!   the importer reads. `POST /import` (`multipart/form-data`, parts `file` and `kind`): the
//!   result page with the rows written per table; on a rejected file (422) the page again with
//!   every problem in a table of file, row, column and reason; a missing or empty file (422) a
//!   message on the file field; over the body limit a 413 page.
//! - `POST /api/v1/import` (`?kind=` optional): the body is the file, with `Content-Type`
//!   `text/csv`, `application/json` or the XLSX type ([`FILE_TYPES`]), or `multipart/form-data`
//!   with a `file` part (and optionally a `kind` part). 200 with `{"written": {table: rows},
//!   "total": rows}`; 422 problem+json with one `errors` entry per problem (`field` = `FILE row N
//!   column C`, `message` = the reason); 415 for another content type; 413 over 10 MiB
//!   ([`crate::web::MAX_BODY_BYTES`]); 400 for an unknown parameter or kind.
//!
//! The name a file gets in messages: the file name the browser or the multipart part gives, else
//! `upload.csv`, `upload.json` or `upload.xlsx` after the content type. Its extension tells the
//! format, as for the command line (a name without one: the file's first bytes).

use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;

use crate::auth::access::{Routes, Rule};
use serde_json::{json, Map, Value};
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ContentBuilder, HttpMethod, OpenApi, PathItem, Required};

use super::api::{json_response, problem_response, query_pairs, schema_ref, string_schema, PREFIX};
use super::bulk::{RowError, RowKind, Source};
use super::entity::TABLES;
use super::forms::OptionView;
use super::form_spec::sentence;
use super::store::bulk::{self as store_bulk, ImportError, ImportOptions, ImportSummary};
use crate::web::error::body_error;
use crate::web::layout::{render, render_with_status};
use crate::web::{AppState, Error, FieldErrors};

/// The content type of an XLSX workbook.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Content types the API takes a file in as the whole body, each with the name the file is
/// given in messages (its extension tells the importer the format).
pub const FILE_TYPES: &[(&str, &str)] = &[("text/csv", "upload.csv"), ("application/json", "upload.json"), (XLSX_TYPE, "upload.xlsx")];

/// The import page and the import endpoint of the API.
pub fn routes() -> Routes {
    Routes::new()
        .add("/import", &[(Method::GET, Rule::NetworkAdmin), (Method::POST, Rule::NetworkAdmin)], get(import_form).post(import_page))
        .add(&format!("{PREFIX}/import"), &[(Method::POST, Rule::NetworkAdmin)], post(import_api))
}

// ---------------------------------------------------------------------------------------------
// Reading what was sent

/// A file received: the name messages give it, and its bytes.
struct Received {
    label: String,
    bytes: Bytes,
}

/// What a `multipart/form-data` body holds.
#[derive(Default)]
struct Parts {
    /// The `file` part, when a file was chosen (a browser sends an empty, unnamed part when none was).
    file: Option<Received>,
    /// The `kind` part, if sent.
    kind: Option<String>,
    /// Names of the other parts (not read).
    others: Vec<String>,
}

/// The last segment of a file name as sent (some browsers send a whole path), trimmed.
fn file_label(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or("").trim().to_string()
}

/// The name a file sent with this content type is given (see [`FILE_TYPES`]).
fn label_for_type(content_type: &str) -> Option<&'static str> {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    FILE_TYPES.iter().find(|(t, _)| *t == mime).map(|(_, label)| *label)
}

fn multipart_error(e: MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge(crate::web::MAX_BODY_BYTES)
    } else {
        Error::BadRequest(format!("the multipart/form-data body could not be read: {}", e.body_text()))
    }
}

/// Read the parts of a multipart body: the `file` part whole (the body limit bounds it) and the
/// `kind` part. Errors: 413 over the body limit, 400 for a body that cannot be read.
async fn read_parts(mut multipart: Multipart) -> Result<Parts, Error> {
    let mut parts = Parts::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                let label = field
                    .file_name()
                    .map(file_label)
                    .filter(|l| !l.is_empty())
                    .or_else(|| field.content_type().and_then(label_for_type).map(str::to_string));
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if label.is_some() || !bytes.is_empty() {
                    parts.file = Some(Received { label: label.unwrap_or_else(|| "upload".into()), bytes });
                }
            }
            "kind" => parts.kind = Some(field.text().await.map_err(multipart_error)?),
            _ => parts.others.push(name),
        }
    }
    Ok(parts)
}

/// The kind of rows named (empty: tell it from the header). Errors with the reason.
fn parse_kind(word: &str) -> Result<Option<RowKind>, String> {
    if word.trim().is_empty() {
        return Ok(None);
    }
    RowKind::parse(word).map(Some).ok_or_else(|| format!("'{}' is not a kind of rows; use one of: {}", word.trim(), RowKind::expected()))
}

/// The file to import, or the problem with it (field `file`): `missing` when none was sent, or
/// that it is empty.
fn check_file(file: Option<Received>, missing: &str) -> Result<Source, FieldErrors> {
    let mut errors = FieldErrors::default();
    match file {
        None => errors.add("file", missing),
        Some(f) if f.bytes.is_empty() => {
            errors.add("file", format!("is empty: {} has no bytes; its first row must name the columns", f.label));
        }
        Some(f) => return Ok(Source::bytes(&f.label, f.bytes)),
    }
    Err(errors)
}

/// Run the import of one file. `Ok(Err(problems))`: rejected, nothing written.
async fn run(state: &AppState, source: Source, kind: Option<RowKind>) -> Result<Result<ImportSummary, Vec<RowError>>, Error> {
    match store_bulk::import(&state.db, &[source], &ImportOptions { kind, progress: false }).await {
        Ok(summary) => Ok(Ok(summary)),
        Err(ImportError::Rejected(problems)) => Ok(Err(problems)),
        Err(ImportError::Failed(e)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// The page

/// One column of a layout, as the page lists it.
struct ColumnView {
    name: &'static str,
    required: bool,
}

/// One kind of rows and its columns, as the page lists it.
struct LayoutView {
    word: &'static str,
    label: String,
    columns: Vec<ColumnView>,
}

/// One problem of a rejected file, as the page's table shows it.
struct ProblemView {
    /// The file (with the sheet or JSON table in parentheses).
    file: String,
    /// Empty for a problem with the whole file.
    row: String,
    /// Empty when no one column is at fault.
    column: String,
    reason: String,
    /// The whole problem as one line: `FILE row N column C: reason`.
    line: String,
}

#[derive(Template)]
#[template(path = "network/import.html")]
struct ImportPage {
    kinds: Vec<OptionView>,
    /// (link to the input, message) for the error summary.
    summary: Vec<(String, String)>,
    file_error: Option<String>,
    kind_error: Option<String>,
    /// The file that was rejected, with every problem found in it.
    rejected: Option<String>,
    problems: Vec<ProblemView>,
    layouts: Vec<LayoutView>,
    max_mib: usize,
}

impl ImportPage {
    fn new(kind: &str) -> ImportPage {
        let mut kinds = vec![OptionView { value: String::new(), label: "Tell from the header".into(), selected: kind.trim().is_empty() }];
        for k in RowKind::all() {
            kinds.push(OptionView { value: k.name().to_string(), label: k.label(), selected: k.name() == kind.trim() });
        }
        let layouts = RowKind::all()
            .into_iter()
            .map(|k| {
                let required = k.required_columns();
                LayoutView {
                    word: k.name(),
                    label: k.label(),
                    columns: k.columns().into_iter().map(|c| ColumnView { name: c, required: required.contains(&c) }).collect(),
                }
            })
            .collect();
        ImportPage {
            kinds,
            summary: vec![],
            file_error: None,
            kind_error: None,
            rejected: None,
            problems: vec![],
            layouts,
            max_mib: crate::web::MAX_BODY_BYTES / (1024 * 1024),
        }
    }

    /// Put each field message beside its input and in the summary.
    fn with_errors(mut self, errors: &FieldErrors) -> ImportPage {
        for (field, message) in errors.iter() {
            let (label, slot) = match field {
                "kind" => ("Kind of rows", &mut self.kind_error),
                _ => ("File to import", &mut self.file_error),
            };
            let text = sentence(label, message);
            self.summary.push((format!("#f-{field}"), text.clone()));
            slot.get_or_insert(text);
        }
        self
    }
}

#[derive(Template)]
#[template(path = "network/import_done.html")]
struct ImportDonePage {
    file: String,
    total: usize,
    /// "3 partnerships, 1 organization, ..." ([`ImportSummary::describe`]).
    described: String,
    /// (table in words, rows written) in table order, tables written to only.
    counts: Vec<(String, usize)>,
}

async fn import_form() -> Response {
    render(&ImportPage::new(""))
}

async fn import_page(State(state): State<AppState>, multipart: Result<Multipart, MultipartRejection>) -> Result<Response, Error> {
    let multipart = multipart.map_err(|e| Error::UnsupportedMediaType(format!("send the import form as multipart/form-data ({})", e.body_text())))?;
    let parts = read_parts(multipart).await?;
    let kind_word = parts.kind.unwrap_or_default();
    let mut errors = FieldErrors::default();
    let source = check_file(parts.file, "is required: choose a CSV, JSON or XLSX file").map_err(|e| errors.extend(e)).ok();
    let kind = parse_kind(&kind_word).map_err(|m| errors.add("kind", m)).ok().flatten();
    let Some(source) = source.filter(|_| errors.is_empty()) else {
        return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &ImportPage::new(&kind_word).with_errors(&errors)));
    };
    let file = source.label.clone();
    match run(&state, source, kind).await? {
        Ok(summary) => {
            let none = Default::default();
            let counts = summary.per_source.first().map(|(_, c)| c).unwrap_or(&none);
            let page = ImportDonePage {
                file,
                total: summary.total(),
                described: ImportSummary::describe(counts),
                counts: TABLES.iter().filter_map(|t| counts.get(t).filter(|n| **n > 0).map(|n| (t.replace('_', " "), *n))).collect(),
            };
            Ok(render(&page))
        }
        Err(problems) => {
            let mut page = ImportPage::new(&kind_word);
            page.rejected = Some(file);
            page.problems = problems
                .iter()
                .map(|p| ProblemView {
                    file: p.file_part(),
                    row: p.location.row.map(|r| r.to_string()).unwrap_or_default(),
                    column: p.column.clone().unwrap_or_default(),
                    reason: p.message.clone(),
                    line: p.to_string(),
                })
                .collect();
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The API

fn accepted_types() -> String {
    let types: Vec<&str> = FILE_TYPES.iter().map(|(t, _)| *t).collect();
    format!("{} (or the file as the `file` part of multipart/form-data)", types.join(", "))
}

async fn import_api(State(state): State<AppState>, uri: Uri, req: Request) -> Result<Response, Error> {
    let mut kind_word: Option<String> = None;
    let mut errors = FieldErrors::default();
    for (name, value) in query_pairs(&uri)? {
        match name.as_str() {
            "kind" => kind_word = Some(value),
            other => errors.add(other, "is not a parameter of the import; use kind"),
        }
    }
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (file, missing) = if mime == "multipart/form-data" {
        let multipart = Multipart::from_request(req, &state).await.map_err(|e| Error::BadRequest(format!("the multipart/form-data body cannot be read: {}", e.body_text())))?;
        let parts = read_parts(multipart).await?;
        if let Some(k) = parts.kind {
            match &kind_word {
                Some(q) if q.trim() != k.trim() => errors.add("kind", format!("is '{q}' in the query and '{k}' in the body: give it once")),
                _ => kind_word = Some(k),
            }
        }
        let missing = if parts.others.is_empty() {
            "is required: send the file as the `file` part".to_string()
        } else {
            format!("is required: send the file as the `file` part (the parts sent are named {})", parts.others.join(", "))
        };
        (parts.file, missing)
    } else if let Some(label) = label_for_type(&mime) {
        let bytes = Bytes::from_request(req, &state).await.map_err(|e| body_error("the body", e))?;
        (Some(Received { label: label.to_string(), bytes }), String::new())
    } else {
        let got = if ct.is_empty() { "no Content-Type".to_string() } else { format!("Content-Type '{ct}'") };
        return Err(Error::UnsupportedMediaType(format!("send the file with Content-Type {} (got {got})", accepted_types())));
    };
    let kind = match parse_kind(kind_word.as_deref().unwrap_or("")) {
        Ok(k) => k,
        Err(m) => {
            errors.add("kind", m);
            None
        }
    };
    if !errors.is_empty() {
        return Err(Error::InvalidParameters(errors));
    }
    let source = check_file(file, &missing).map_err(Error::Validation)?;
    match run(&state, source, kind).await? {
        Ok(summary) => {
            let mut written = Map::new();
            for t in TABLES {
                let n = summary.count(t);
                if n > 0 {
                    written.insert(t.to_string(), Value::from(n));
                }
            }
            Ok(Json(json!({"written": written, "total": summary.total()})).into_response())
        }
        Err(problems) => Ok(rejected_import(&problems)),
    }
}

/// Add `POST /api/v1/import` to the OpenAPI document: its parameter, the four request content
/// types and the responses.
pub(super) fn document(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert(
        "ImportResult".into(),
        ObjectBuilder::new()
            .description(Some("What an import wrote, in one transaction."))
            .property(
                "written",
                ObjectBuilder::new()
                    .description(Some("Rows written per table (tables written to only), e.g. {\"partnerships\": 3, \"organizations\": 1}."))
                    .additional_properties(Some(AdditionalProperties::RefOr(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).into()))),
            )
            .property("total", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).description(Some("Rows written in all.")))
            .required("written")
            .required("total")
            .into(),
    );
    let kinds: Vec<&'static str> = RowKind::all().into_iter().map(RowKind::name).collect();
    let binary = |media: &str| ObjectBuilder::new().schema_type(Type::String).content_media_type(media).build();
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .description(Some(
            "The file to import, at most 10 MiB: CSV (a table's export columns, or the network registry layout of \
             partnerships.csv or wins.csv), a JSON export, or an XLSX workbook (each sheet read like a CSV file). \
             Or multipart/form-data with the file as the `file` part and optionally the kind as the `kind` part.",
        ))
        .content("text/csv", ContentBuilder::new().schema(Some(binary("text/csv"))).build())
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .description(Some("A Shared Table export: {\"format\": \"sharedtable-export\", \"version\": 1, \"<table>\": [records], ...}."))
                        .property("format", string_schema().enum_values(Some([super::bulk::EXPORT_FORMAT])))
                        .property("version", ObjectBuilder::new().schema_type(Type::Integer).enum_values(Some([super::bulk::EXPORT_VERSION])))
                        .required("format")
                        .required("version")
                        .build(),
                ))
                .build(),
        )
        .content(XLSX_TYPE, ContentBuilder::new().schema(Some(binary(XLSX_TYPE))).build())
        .content(
            "multipart/form-data",
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .property("file", ObjectBuilder::new().schema_type(Type::String).content_media_type("application/octet-stream"))
                        .property("kind", string_schema().enum_values(Some(kinds.clone())))
                        .required("file")
                        .build(),
                ))
                .build(),
        )
        .build();
    let op = OperationBuilder::new()
        .tag("import")
        .operation_id(Some("import_file"))
        .summary(Some("Import a file: every row, or nothing"))
        .description(Some(
            "Every row is checked (the same checks as any change: fields, references, duplicates) in one transaction, \
             which is committed only when every row is good. A rejected file gets one `errors` entry per problem: \
             `field` is where (`FILE row N column C`, the header being row 1) and `message` the reason.",
        ))
        .parameter(
            ParameterBuilder::new()
                .name("kind")
                .parameter_in(ParameterIn::Query)
                .description(Some("What the rows of a CSV file or sheet are; told from the header when absent."))
                .schema(Some(string_schema().enum_values(Some(kinds)))),
        )
        .request_body(Some(body))
        .response("200", json_response("Every row was written.", schema_ref("ImportResult")))
        .response("400", problem_response("An unknown parameter, an unknown kind, or a body that cannot be read."))
        .response("413", problem_response("The body is larger than 10 MiB."))
        .response("415", problem_response("The body is not one of the accepted content types."))
        .response("422", problem_response("The file is missing or empty, or rows have problems; nothing was written. Each problem is named by file, row and column."));
    doc.paths.paths.insert(format!("{PREFIX}/import"), PathItem::new(HttpMethod::Post, op));
    doc.tags.get_or_insert_with(Vec::new).push(TagBuilder::new().name("import").description(Some("Import files: all rows or none")).build());
}

/// The 422 problem document of an import refused whole: one `errors` entry per row problem
/// (`field` = `FILE row N column C`, `message` = the reason) and a detail saying nothing was
/// written. Every module's import API answers this way.
pub fn rejected_import(problems: &[RowError]) -> Response {
    let mut fe = FieldErrors::default();
    for p in problems {
        fe.add(&p.place(), p.message.clone());
    }
    let mut problem = Error::Validation(fe).problem();
    problem.detail = format!("nothing was imported: {} problem(s) found; fix them and send the file again", problems.len());
    problem.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_types() {
        assert_eq!(file_label("C:\\Users\\ann\\wins.csv"), "wins.csv");
        assert_eq!(file_label("data/partnerships.xlsx "), "partnerships.xlsx");
        assert_eq!(file_label(""), "");
        assert_eq!(label_for_type("text/csv; charset=utf-8"), Some("upload.csv"));
        assert_eq!(label_for_type("Application/JSON"), Some("upload.json"));
        assert_eq!(label_for_type(XLSX_TYPE), Some("upload.xlsx"));
        assert_eq!(label_for_type("text/plain"), None);
    }

    #[test]
    fn kinds_are_parsed_or_explained() {
        assert_eq!(parse_kind(" "), Ok(None));
        assert_eq!(parse_kind("network_wins"), Ok(Some(RowKind::RegistryWins)));
        assert!(parse_kind("gadgets").unwrap_err().starts_with("'gadgets' is not a kind of rows; use one of: partnerships, organizations"));
    }

    #[test]
    fn the_page_lists_every_kind_with_its_columns() {
        let page = ImportPage::new("wins");
        assert_eq!(page.kinds.len(), RowKind::all().len() + 1);
        assert!(page.kinds.iter().filter(|o| o.selected).map(|o| o.value.as_str()).eq(["wins"]));
        let registry = page.layouts.iter().find(|l| l.word == "network_partnerships").unwrap();
        let required: Vec<&str> = registry.columns.iter().filter(|c| c.required).map(|c| c.name).collect();
        assert_eq!(required, ["name", "state", "region", "sector", "source_url"]);
        let html = page.render().unwrap();
        assert!(html.contains("enctype=\"multipart/form-data\""));
        assert!(!html.contains("style="), "CSP: no inline styles");
    }
}

