//! The JSON API, version 1, generic over every kind of record ([`Editable`]):
//!
//! - `GET /api/v1/{table}`: a page of records. Query: `page` (from 1), `per_page` (1 to 500,
//!   default 50), `q` (case-insensitive search where the kind has a search column) and one
//!   equality filter per [`Entity::FILTERS`] column. Body `{"items", "page", "per_page",
//!   "total"}`; an RFC 8288 `Link` header gives `first`, `prev`, `next` and `last`.
//! - `POST /api/v1/{table}`: create from the kind's fields (JSON); 201 with `Location` and `ETag`.
//! - `GET /api/v1/{table}/{id}`: one record; `ETag: "<version>"`; `If-None-Match` gives 304.
//! - `PUT /api/v1/{table}/{id}`: replace the fields; `If-Match` is required (428 without it,
//!   412 when the record changed since).
//! - `DELETE /api/v1/{table}/{id}`: delete; `If-Match` required as for `PUT`.
//! - `GET /api/v1/partnerships/{id}/health`: the Next Gen health check.
//! - `POST /api/v1/import`: import a file, all rows or none (handled in `upload.rs`).
//! - `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, built from the same descriptions.
//!
//! Every error is an RFC 9457 `application/problem+json` document naming each wrong field,
//! parameter or header. People's email and phone are personal data: they can be written but
//! the API never returns them (accounts, and who may read them, come later).

use std::str::FromStr;
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;

use crate::auth::access::{Part, Routes, Rule};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ArrayItems, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, HttpMethod, InfoBuilder, KnownFormat, OpenApi, OpenApiBuilder, PathItem,
    Ref, RefOr, Required, ResponseBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use super::entity::Entity;
use super::form_spec::{check_filter, parse_json, Editable, Widget};
use super::health::{self, Indicator};
use super::model::{Meta, PartnershipFields, Record};
use super::store::{self, ListFilter, PageRequest};
use crate::db::Id;
use crate::web::error::body_error;
use crate::web::{AppState, Error, FieldErrors, Problem};

/// Path prefix of every API route.
pub const PREFIX: &str = "/api/v1";
/// Page size when the client gives none.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// Every API route: each kind of record, the health check and the OpenAPI document.
pub fn routes() -> Routes {
    let mut router = Routes::new()
        .get(&format!("{PREFIX}/openapi.json"), Rule::Public, get(openapi_json))
        .get(&format!("{PREFIX}/partnerships/{{id}}/health"), Rule::Published(Part::Page), get(partnership_health));
    macro_rules! add {
        ($t:ty) => {
            router = router.merge(entity_routes::<$t>());
        };
    }
    crate::for_each_entity!(add);
    router
}

fn entity_routes<F: Editable>() -> Routes {
    let t = F::TABLE;
    Routes::new()
        .add(&format!("{PREFIX}/{t}"), &[(Method::GET, Rule::Public), (Method::POST, Rule::RecordCreate(t))], get(list::<F>).post(create::<F>))
        .add(
            &format!("{PREFIX}/{t}/{{id}}"),
            &[(Method::GET, Rule::RecordRead(t)), (Method::PUT, Rule::RecordWrite(t)), (Method::DELETE, Rule::RecordWrite(t))],
            get(read::<F>).put(replace::<F>).delete(remove::<F>),
        )
}

/// A record as the API returns it: metadata and fields, flat, without personal fields.
pub fn output<F: Editable>(record: &Record<F>) -> Value {
    let mut v = serde_json::to_value(record).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        for spec in F::FORM.iter().filter(|s| s.personal) {
            map.remove(spec.name);
        }
    }
    v
}

/// The ETag of a record version: `"<version>"`.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn with_etag(mut resp: Response, version: i64) -> Response {
    resp.headers_mut().insert(header::ETAG, etag(version));
    resp
}

/// Parse a record id from the path; a malformed one is a 400 naming `id`.
fn parse_id(path: Result<Path<String>, PathRejection>) -> Result<Id, Error> {
    let Path(raw) = path.map_err(|e| Error::invalid_parameter("id", e.body_text()))?;
    Id::from_str(&raw).map_err(|m| Error::invalid_parameter("id", m))
}

/// The query string as (name, value) pairs; a name given twice is an error.
pub fn query_pairs(uri: &Uri) -> Result<Vec<(String, String)>, Error> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).map_err(|e| Error::BadRequest(format!("the query string cannot be read: {e}")))?;
    let mut errs = FieldErrors::default();
    for (i, (k, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(seen, _)| seen == k) && errs.get(k).is_none() {
            errs.add(k, "is given more than once");
        }
    }
    if !errs.is_empty() {
        return Err(Error::InvalidParameters(errs));
    }
    Ok(pairs)
}

/// Read a list's query: pagination, search and filters. Every wrong parameter is named.
fn list_params<F: Editable>(pairs: &[(String, String)]) -> Result<(ListFilter, PageRequest), Error> {
    let mut errs = FieldErrors::default();
    let mut filter = ListFilter::default();
    let mut page = PageRequest { page: 1, per_page: DEFAULT_PER_PAGE };
    for (k, v) in pairs {
        match k.as_str() {
            "page" => match v.parse::<u32>() {
                Ok(n) if n >= 1 => page.page = n,
                _ => errs.add("page", format!("'{v}' is not a page number: use a whole number from 1")),
            },
            "per_page" => match v.parse::<u32>() {
                Ok(n) if (1..=PageRequest::MAX_PER_PAGE).contains(&n) => page.per_page = n,
                _ => errs.add("per_page", format!("'{v}' is not a page size: use a whole number from 1 to {}", PageRequest::MAX_PER_PAGE)),
            },
            "q" if F::SEARCH.is_some() => filter.search = Some(v.clone()).filter(|s| !s.trim().is_empty()),
            name => match F::FILTERS.iter().find(|f| **f == name) {
                Some(column) => match F::spec(column).map(|spec| check_filter(spec, v)) {
                    Some(Err(m)) => errs.add(name, m),
                    _ => filter.equals.push((column, v.clone())),
                },
                None => errs.add(name, format!("is not a parameter of the {} list; use {}", F::TABLE, list_parameter_names::<F>().join(", "))),
            },
        }
    }
    if errs.is_empty() {
        Ok((filter, page))
    } else {
        Err(Error::InvalidParameters(errs))
    }
}

fn list_parameter_names<F: Editable>() -> Vec<&'static str> {
    let mut names = vec!["page", "per_page"];
    if F::SEARCH.is_some() {
        names.push("q");
    }
    names.extend(F::FILTERS);
    names
}

/// The RFC 8288 `Link` header of a list page: first, prev, next and last, each keeping the
/// list's other parameters.
pub fn link_header(path: &str, pairs: &[(String, String)], page: PageRequest, total: i64) -> String {
    let last = ((total.max(0) as u64).div_ceil(page.per_page as u64)).max(1) as u32;
    let url = |n: u32| {
        let mut q: Vec<(&str, String)> = pairs.iter().filter(|(k, _)| k != "page" && k != "per_page").map(|(k, v)| (k.as_str(), v.clone())).collect();
        q.push(("page", n.to_string()));
        q.push(("per_page", page.per_page.to_string()));
        format!("{path}?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
    };
    let mut links = vec![format!("<{}>; rel=\"first\"", url(1))];
    if page.page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", url((page.page - 1).min(last))));
    }
    if page.page < last {
        links.push(format!("<{}>; rel=\"next\"", url(page.page + 1)));
    }
    links.push(format!("<{}>; rel=\"last\"", url(last)));
    links.join(", ")
}

async fn list<F: Editable>(State(state): State<AppState>, uri: Uri) -> Result<Response, Error> {
    let pairs = query_pairs(&uri)?;
    let (mut filter, page) = list_params::<F>(&pairs)?;
    filter.visible = crate::auth::access::Visibility::current(&state.db).await?.sql_condition(crate::db::Backend::dialect(&state.db), F::TABLE);
    let (rows, total) = store::list::<F>(&state.db, &filter, page).await?;
    let items: Vec<Value> = rows.iter().map(output).collect();
    let link = link_header(uri.path(), &pairs, page, total);
    let mut resp = Json(json!({"items": items, "page": page.page, "per_page": page.per_page, "total": total})).into_response();
    if let Ok(v) = HeaderValue::from_str(&link) {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}

/// Check the content type and read the body as a JSON object. Errors: 415 for a body that is
/// not `application/json` (or `application/*+json`), 413 over the size limit, 400 for text
/// that is not JSON (with line and column) or JSON that is not an object.
fn json_object<F: Entity>(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, Error> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !(mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))) {
        let got = if ct.is_empty() { "no Content-Type".to_string() } else { format!("Content-Type '{ct}'") };
        return Err(Error::UnsupportedMediaType(format!("send the {} as JSON with Content-Type: application/json (got {got})", F::SINGULAR)));
    }
    let bytes = body.map_err(|e| body_error("the body", e))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Error::BadRequest(format!(
            "the body must be a JSON object with the fields of a {}, not {}",
            F::SINGULAR,
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            }
        ))),
        Err(e) => Err(Error::BadRequest(format!("the body is not valid JSON: {e}"))),
    }
}

/// The version `If-Match` names: `Some(n)` for `"n"`, `None` for `*` (any version) and, when it
/// is not `required`, for no header. Errors: 428 when absent and required, 400 when it is not one
/// of this API's ETags. Used by every module's API.
pub fn if_match_version(headers: &HeaderMap, required: bool) -> Result<Option<i64>, Error> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return if required {
            Err(Error::PreconditionRequired(
                "send If-Match with the ETag of your last read (e.g. If-Match: \"3\"), so that changes made since are not overwritten".into(),
            ))
        } else {
            Ok(None)
        };
    };
    let text = raw.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| Error::invalid_parameter("If-Match", format!("'{text}' is not an ETag of this API: send the ETag header of your last read, e.g. \"3\"")))
}

/// Does `If-None-Match` name this version (weak comparison, or `*`)?
fn none_match_hits(headers: &HeaderMap, version: i64) -> bool {
    let Some(text) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else { return false };
    let want = format!("\"{version}\"");
    text.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == want)
}

async fn read<F: Editable>(State(state): State<AppState>, path: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Result<Response, Error> {
    let id = parse_id(path)?;
    let record = store::get::<F>(&state.db, id).await?;
    if none_match_hits(&headers, record.meta.version) {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), record.meta.version));
    }
    Ok(with_etag(Json(output(&record)).into_response(), record.meta.version))
}

async fn create<F: Editable>(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let map = json_object::<F>(&headers, body)?;
    let fields = parse_json::<F>(map, None).map_err(Error::Validation)?;
    crate::auth::access::authorize_new(&state.db, &fields).await?;
    let record = store::create(&state.db, fields).await?;
    let mut resp = (StatusCode::CREATED, Json(output(&record))).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("{PREFIX}/{}/{}", F::TABLE, record.id())) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(with_etag(resp, record.meta.version))
}

async fn replace<F: Editable>(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let id = parse_id(path)?;
    let expected = if_match_version(&headers, true)?;
    let map = json_object::<F>(&headers, body)?;
    let stored = store::get::<F>(&state.db, id).await?;
    if let Some(v) = expected.filter(|v| *v != stored.meta.version) {
        return Err(Error::PreconditionFailed(format!(
            "this {} was changed by someone else (now version {}, your If-Match names version {v}); read it again and apply your change to the new version",
            F::SINGULAR,
            stored.meta.version
        )));
    }
    let fields = parse_json::<F>(map, Some(&stored.fields)).map_err(Error::Validation)?;
    let record = store::update(&state.db, id, Some(expected.unwrap_or(stored.meta.version)), fields).await?;
    Ok(with_etag(Json(output(&record)).into_response(), record.meta.version))
}

async fn remove<F: Editable>(State(state): State<AppState>, path: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Result<Response, Error> {
    let id = parse_id(path)?;
    let expected = if_match_version(&headers, true)?;
    store::delete::<F>(&state.db, id, expected).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The health check of one partnership as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthReport {
    pub partnership_id: Id,
    pub slug: String,
    pub name: String,
    /// The day the check was made (UTC).
    pub checked_on: NaiveDate,
    /// The five Next Gen indicators, each met, not met or unknown, with the reason.
    pub indicators: Vec<Indicator>,
}

async fn partnership_health(State(state): State<AppState>, path: Result<Path<String>, PathRejection>) -> Result<Json<HealthReport>, Error> {
    let id = parse_id(path)?;
    let p = store::get::<PartnershipFields>(&state.db, id).await?;
    let today = chrono::Utc::now().date_naive();
    let input = store::views::health_inputs(&state.db, &[id], today).await?.remove(&id).ok_or_else(|| Error::NotFound(format!("partnership {id}")))?;
    Ok(Json(HealthReport { partnership_id: id, slug: p.fields.slug, name: p.fields.name, checked_on: today, indicators: health::check(&input) }))
}

static OPENAPI_JSON: LazyLock<String> = LazyLock::new(|| serde_json::to_string_pretty(&crate::openapi()).unwrap_or_default());

async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON.as_str()).into_response()
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI document, built from the same descriptions the handlers use.

/// Name of a kind's record schema: its fields type without `Fields`, e.g. `ActionTeam`.
fn record_schema_name<F: Entity>() -> String {
    let n = F::name();
    n.strip_suffix("Fields").unwrap_or(&n).to_string()
}

pub fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

pub fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

pub fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", ContentBuilder::new().schema(Some(schema_ref("Problem"))).build())
        .build()
}

pub fn json_response(description: &str, schema: RefOr<Schema>) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content("application/json", ContentBuilder::new().schema(Some(schema)).build())
}

fn etag_header() -> utoipa::openapi::Header {
    HeaderBuilder::new().schema(Some(string_schema())).description(Some("The record's version in quotes, e.g. \"3\".")).build()
}

fn id_param() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("The record's id (a UUID)."))
        .schema(Some(string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))))
        .build()
}

/// The value `If-Match` takes in this API ([`if_match_version`]): one ETag of this API, `"<version>"`,
/// or `*`. Anything else is a 400.
pub fn if_match_schema() -> ObjectBuilder {
    string_schema().pattern(Some(r#"^(\*|"[0-9]{1,18}")$"#))
}

fn if_match_param() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("If-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::True)
        .description(Some("The ETag of your last read of the record (e.g. \"3\"), or * for any version. Without it: 428; when the record changed since: 412."))
        .schema(Some(if_match_schema()))
        .build()
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a year from 1900 to 2100, a month from 01 to 12 and a
/// day in its month. February 29 is left out of the pattern (it is accepted in leap years).
const PARTIAL_DATE_PATTERN: &str = "^(19[0-9]{2}|20[0-9]{2}|2100)(-((0[13578]|1[02])(-(0[1-9]|[12][0-9]|3[01]))?|(0[469]|11)(-(0[1-9]|[12][0-9]|30))?|02(-(0[1-9]|1[0-9]|2[0-8]))?))?$";

/// The schema of a filter's value, from the field's widget.
fn filter_schema(widget: Widget) -> ObjectBuilder {
    match widget {
        Widget::Related(_) => string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        Widget::Choice(c) => string_schema().enum_values(Some(c().into_iter().map(|(w, _)| w))),
        Widget::Checkbox => ObjectBuilder::new().schema_type(Type::Boolean),
        Widget::PartialDate => string_schema().pattern(Some(PARTIAL_DATE_PATTERN)),
        _ => string_schema(),
    }
}

/// A required one-line text (a name or title) as the model's checks accept it: no control
/// characters, and something besides white space.
pub const REQUIRED_LINE_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
/// A calendar day `YYYY-MM-DD` from 1900 to 2100 (February 29 left out, as in
/// [`PARTIAL_DATE_PATTERN`]).
const DAY_PATTERN: &str = "^(19[0-9]{2}|20[0-9]{2}|2100)-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))$";

/// A web address as the model's checks accept it: `http://` or `https://` and no white space.
const URL_PATTERN: &str = r"^https?://\S*$";
/// An observation's source may also be a path of this site (a value computed here links to it).
const URL_OR_PATH_PATTERN: &str = r"^(https?://\S*|/([^/\s]\S*)?)$";

/// Say in the fields' schema what the model's checks refuse, so that a request the schema allows
/// is not refused for its shape: a required text field holds something besides white space, a web
/// address starts with `http://` or `https://`, and a partnership names at least one state.
/// (The schemathesis run found these: SECURITY.md.)
fn tighten_fields<F: Editable>(obj: &mut utoipa::openapi::schema::Object) {
    for spec in F::FORM.iter() {
        let Some(RefOr::T(Schema::Object(prop))) = obj.properties.get_mut(spec.name) else { continue };
        match spec.widget {
            Widget::Text | Widget::TextArea if spec.required => {
                prop.min_length = Some(1);
                prop.pattern = Some(REQUIRED_LINE_PATTERN.into());
            }
            Widget::Day => prop.pattern = Some(DAY_PATTERN.into()),
            Widget::Url => {
                prop.max_length = Some(2000);
                prop.pattern = Some(if F::TABLE == "observations" { URL_OR_PATH_PATTERN } else { URL_PATTERN }.into());
            }
            _ => {}
        }
    }
    let usps = || crate::codes::STATES.iter().map(|st| st.usps.clone()).collect::<Vec<_>>();
    if F::TABLE == "partnerships" {
        if let Some(RefOr::T(Schema::Array(states))) = obj.properties.get_mut("region_states") {
            states.min_items = Some(1);
            states.items = ArrayItems::RefOrSchema(Box::new(string_schema().enum_values(Some(usps())).into()));
        }
    }
    if F::TABLE == "organizations" {
        if let Some(RefOr::T(Schema::Object(state))) = obj.properties.get_mut("state") {
            let mut values: Vec<Value> = usps().into_iter().map(Value::from).collect();
            values.push(Value::Null);
            state.enum_values = Some(values);
        }
    }
}

/// Add one kind of record to the document: its schemas, its list/create path and its
/// read/replace/delete path.
fn add_entity<F: Editable>(doc: &mut OpenApi) {
    let fields_name = F::name().to_string();
    let record_name = record_schema_name::<F>();
    let page_name = format!("{record_name}Page");
    let components = doc.components.get_or_insert_with(Default::default);

    let original = F::schema();
    // The fields, closed to unknown names (the API refuses them), personal fields write-only.
    let mut fields_schema = original.clone();
    if let RefOr::T(Schema::Object(obj)) = &mut fields_schema {
        obj.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        for spec in F::FORM.iter().filter(|s| s.personal) {
            if let Some(RefOr::T(Schema::Object(prop))) = obj.properties.get_mut(spec.name) {
                prop.write_only = Some(true);
                prop.description = Some("Personal data: accepted on input, never returned.".into());
            }
        }
        // Fields the API fills in when they are absent need not be sent. A required text field is
        // not filled in: absent or blank, it is refused ("is required").
        obj.required.retain(|name| F::spec(name).is_some_and(|s| s.required && !matches!(s.widget, Widget::Checkbox | Widget::Codes(_) | Widget::Lines)));
        tighten_fields::<F>(obj);
    }
    components.schemas.insert(fields_name.clone(), fields_schema);
    let mut referenced = Vec::new();
    F::schemas(&mut referenced);
    for (name, schema) in referenced {
        components.schemas.entry(name).or_insert(schema);
    }
    components.schemas.insert(record_name.clone(), record_schema::<F>(original));
    components.schemas.insert(
        page_name.clone(),
        ObjectBuilder::new()
            .description(Some(format!("A page of {}.", F::TABLE.replace('_', " "))))
            .property("items", ArrayBuilder::new().items(schema_ref(&record_name)))
            .property("page", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
            .property("per_page", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(PageRequest::MAX_PER_PAGE)))
            .property("total", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).description(Some("Records matching, on all pages.")))
            .required("items")
            .required("page")
            .required("per_page")
            .required("total")
            .into(),
    );
    doc.tags.get_or_insert_with(Vec::new).push(
        TagBuilder::new().name(F::TABLE).description(Some(format!("{} records", capitalize(F::SINGULAR)))).build(),
    );

    let singular = F::SINGULAR.replace(' ', "_");
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .description(Some(format!("The fields of the {}. Unknown names are refused; the server sets id, version and timestamps.", F::SINGULAR)))
        .content("application/json", ContentBuilder::new().schema(Some(schema_ref(&fields_name))).build())
        .build();

    // GET list
    let mut list_op = OperationBuilder::new()
        .tag(F::TABLE)
        .operation_id(Some(format!("list_{}", F::TABLE)))
        .summary(Some(format!("List {}", F::TABLE.replace('_', " "))))
        .parameter(
            ParameterBuilder::new()
                .name("page")
                .parameter_in(ParameterIn::Query)
                .description(Some("Page number, from 1."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(u32::MAX)).default(Some(json!(1))))),
        )
        .parameter(
            ParameterBuilder::new()
                .name("per_page")
                .parameter_in(ParameterIn::Query)
                .description(Some("Records per page."))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1))
                        .maximum(Some(PageRequest::MAX_PER_PAGE))
                        .default(Some(json!(DEFAULT_PER_PAGE))),
                )),
        );
    if let Some(col) = F::SEARCH {
        list_op = list_op.parameter(
            ParameterBuilder::new()
                .name("q")
                .parameter_in(ParameterIn::Query)
                .description(Some(format!("Case-insensitive search in {col}.")))
                .schema(Some(string_schema())),
        );
    }
    for col in F::FILTERS {
        let Some(spec) = F::spec(col) else { continue };
        list_op = list_op.parameter(
            ParameterBuilder::new()
                .name(*col)
                .parameter_in(ParameterIn::Query)
                .description(Some(format!("Only records whose {col} equals this.")))
                .schema(Some(filter_schema(spec.widget))),
        );
    }
    let list_op = list_op
        .response(
            "200",
            json_response("A page of records.", schema_ref(&page_name)).header(
                "Link",
                HeaderBuilder::new().schema(Some(string_schema())).description(Some("RFC 8288 links: first, prev, next, last.")).build(),
            ),
        )
        .response("400", problem_response("An unknown parameter or a wrong value; each is named."));

    let create_op = OperationBuilder::new()
        .tag(F::TABLE)
        .operation_id(Some(format!("create_{singular}")))
        .summary(Some(format!("Create a {}", F::SINGULAR)))
        .request_body(Some(body.clone()))
        .response(
            "201",
            json_response("Created.", schema_ref(&record_name))
                .header("ETag", etag_header())
                .header("Location", HeaderBuilder::new().schema(Some(string_schema())).description(Some("The new record's address.")).build()),
        )
        .response("400", problem_response("The body is not a JSON object."))
        .response("413", problem_response("The body is larger than 10 MiB."))
        .response("415", problem_response("The body is not application/json."))
        .response("422", problem_response("Fields are missing, unknown or wrong; each is named."));

    let read_op = OperationBuilder::new()
        .tag(F::TABLE)
        .operation_id(Some(format!("get_{singular}")))
        .summary(Some(format!("Read a {}", F::SINGULAR)))
        .parameter(id_param())
        .parameter(
            ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .description(Some("ETags you hold; when one is current the answer is 304."))
                .schema(Some(string_schema())),
        )
        .response("200", json_response("The record.", schema_ref(&record_name)).header("ETag", etag_header()))
        .response("304", ResponseBuilder::new().description("Not modified since the ETag given.").header("ETag", etag_header()))
        .response("400", problem_response("The id is not a UUID."))
        .response("404", problem_response("No such record."));

    let replace_op = OperationBuilder::new()
        .tag(F::TABLE)
        .operation_id(Some(format!("update_{singular}")))
        .summary(Some(format!("Replace the fields of a {}", F::SINGULAR)))
        .parameter(id_param())
        .parameter(if_match_param())
        .request_body(Some(body))
        .response("200", json_response("The updated record.", schema_ref(&record_name)).header("ETag", etag_header()))
        .response("400", problem_response("The id or If-Match is malformed, or the body is not a JSON object."))
        .response("404", problem_response("No such record."))
        .response("412", problem_response("The record changed since the version If-Match names."))
        .response("413", problem_response("The body is larger than 10 MiB."))
        .response("415", problem_response("The body is not application/json."))
        .response("422", problem_response("Fields are missing, unknown or wrong; each is named."))
        .response("428", problem_response("If-Match is missing."));

    let delete_op = OperationBuilder::new()
        .tag(F::TABLE)
        .operation_id(Some(format!("delete_{singular}")))
        .summary(Some(format!("Delete a {} (and, by the schema, what belongs to it)", F::SINGULAR)))
        .parameter(id_param())
        .parameter(if_match_param())
        .response("204", ResponseBuilder::new().description("Deleted."))
        .response("400", problem_response("The id or If-Match is malformed."))
        .response("404", problem_response("No such record."))
        .response("409", problem_response("Other records still refer to it."))
        .response("412", problem_response("The record changed since the version If-Match names."))
        .response("428", problem_response("If-Match is missing."));

    let mut collection = PathItem::new(HttpMethod::Get, list_op);
    collection.merge_operations(PathItem::new(HttpMethod::Post, create_op));
    let mut item = PathItem::new(HttpMethod::Get, read_op);
    item.merge_operations(PathItem::new(HttpMethod::Put, replace_op));
    item.merge_operations(PathItem::new(HttpMethod::Delete, delete_op));
    doc.paths.paths.insert(format!("{PREFIX}/{}", F::TABLE), collection);
    doc.paths.paths.insert(format!("{PREFIX}/{}/{{id}}", F::TABLE), item);
}

/// The schema of a stored record as the API returns it: the metadata's and the fields'
/// properties in one object, without personal fields (never returned).
fn record_schema<F: Editable>(fields: RefOr<Schema>) -> RefOr<Schema> {
    let mut record = ObjectBuilder::new().description(Some(format!("A stored {}: metadata and fields.", F::SINGULAR))).build();
    for part in [Meta::schema(), fields] {
        if let RefOr::T(Schema::Object(obj)) = part {
            for (name, prop) in obj.properties {
                if F::spec(&name).is_some_and(|s| s.personal) {
                    continue;
                }
                record.properties.insert(name, prop);
            }
            record.required.extend(obj.required.into_iter().filter(|n| !F::spec(n).is_some_and(|s| s.personal)));
        }
    }
    RefOr::T(Schema::Object(record))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The network module's part of the OpenAPI 3.1 document of API v1 (the whole document is
/// [`crate::openapi`]).
pub fn openapi() -> OpenApi {
    let mut components = ComponentsBuilder::new().schema_from::<Meta>().schema_from::<Problem>().schema_from::<HealthReport>().build();
    let mut referenced = Vec::new();
    Problem::schemas(&mut referenced);
    HealthReport::schemas(&mut referenced);
    Meta::schemas(&mut referenced);
    for (name, schema) in referenced {
        components.schemas.entry(name).or_insert(schema);
    }
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Shared Table API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Read and change the records of a Next Gen sector partnership network. Lists take `page` (from 1) and \
                     `per_page` (1 to 500, default 50) and answer with a `Link` header. Every record has an ETag \
                     (`\"<version>\"`); PUT and DELETE need it in `If-Match`. Errors are RFC 9457 problem documents \
                     (`application/problem+json`) naming each wrong field. People's email and phone are personal data: \
                     they can be written but are never returned.",
                ))
                .build(),
        )
        .components(Some(components))
        .build();
    macro_rules! add {
        ($t:ty) => {
            add_entity::<$t>(&mut doc);
        };
    }
    crate::for_each_entity!(add);
    // A partial date's shape, as `PartialDate::parse` accepts it.
    if let Some(RefOr::T(Schema::Object(date))) = doc.components.as_mut().and_then(|c| c.schemas.get_mut("PartialDate")) {
        date.pattern = Some(PARTIAL_DATE_PATTERN.into());
    }
    let health_op = OperationBuilder::new()
        .tag("partnerships")
        .operation_id(Some("get_partnership_health"))
        .summary(Some("The Next Gen health check of a partnership"))
        .description(Some(
            "Five indicators (regional labor market, business-led, industry-identified priorities, coordinated support team, \
             shared up-to-date action plan), each met, not met or unknown, with the reason in words.",
        ))
        .parameter(id_param())
        .response("200", json_response("The health check.", schema_ref("HealthReport")))
        .response("400", problem_response("The id is not a UUID."))
        .response("404", problem_response("No such partnership."));
    doc.paths.paths.insert(format!("{PREFIX}/partnerships/{{id}}/health"), PathItem::new(HttpMethod::Get, health_op));
    super::upload::document(&mut doc);
    let doc_op = OperationBuilder::new()
        .tag("meta")
        .operation_id(Some("get_openapi"))
        .summary(Some("This document"))
        .response("200", json_response("The OpenAPI 3.1 document.", ObjectBuilder::new().into()));
    doc.paths.paths.insert(format!("{PREFIX}/openapi.json"), PathItem::new(HttpMethod::Get, doc_op));
    doc.tags.get_or_insert_with(Vec::new).push(TagBuilder::new().name("meta").description(Some("About the API")).build());
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect_refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|x| collect_refs(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| collect_refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_and_every_ref_resolves() {
        let doc = serde_json::to_value(openapi()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(refs.len() > 100, "{}", refs.len());
        for r in &refs {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
            assert!(doc["components"]["schemas"].get(name).is_some(), "$ref {r} does not resolve");
        }
        // every kind of record has both paths with its operations, and the operation ids are unique
        let mut ids = Vec::new();
        for t in crate::network::entity::TABLES {
            let coll = &doc["paths"][format!("/api/v1/{t}")];
            let item = &doc["paths"][format!("/api/v1/{t}/{{id}}")];
            for op in [&coll["get"], &coll["post"], &item["get"], &item["put"], &item["delete"]] {
                ids.push(op["operationId"].as_str().unwrap_or_else(|| panic!("operation missing for {t}")).to_string());
            }
            assert_eq!(item["put"]["parameters"][1]["name"], "If-Match");
            assert_eq!(item["put"]["parameters"][1]["required"], true);
            assert_eq!(coll["post"]["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem");
            assert!(coll["post"]["responses"]["201"]["headers"]["ETag"].is_object());
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate operation ids");
    }

    #[test]
    fn the_document_describes_filters_closed_bodies_and_personal_data() {
        let doc = serde_json::to_value(openapi()).unwrap();
        let params = doc["paths"]["/api/v1/partnerships"]["get"]["parameters"].as_array().unwrap();
        let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["page", "per_page", "q", "slug", "stage", "sector_label", "illustrative"]);
        let stage = params.iter().find(|p| p["name"] == "stage").unwrap();
        assert_eq!(stage["schema"]["enum"][0], "exploring");
        let person = &doc["components"]["schemas"]["PersonFields"];
        assert_eq!(person["additionalProperties"], false);
        assert_eq!(person["properties"]["email"]["writeOnly"], true);
        assert_eq!(person["properties"]["phone"]["writeOnly"], true);
        let required: Vec<&str> = person["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        // A required text field is required on input too (absent or blank it is refused), and
        // holds something besides white space.
        assert_eq!(required, ["organization_id", "full_name"]);
        assert_eq!((&person["properties"]["full_name"]["minLength"], &person["properties"]["full_name"]["pattern"]), (&json!(1), &json!(REQUIRED_LINE_PATTERN)));
        assert_eq!(doc["components"]["schemas"]["MeetingFields"]["properties"]["held_on"]["pattern"], DAY_PATTERN);
        let org = &doc["components"]["schemas"]["OrganizationFields"]["properties"]["website"];
        assert_eq!((&org["pattern"], &org["maxLength"]), (&json!(URL_PATTERN), &json!(2000)));
        let obs = &doc["components"]["schemas"]["ObservationFields"]["properties"]["source_url"];
        assert_eq!(obs["pattern"], URL_OR_PATH_PATTERN);
        assert_eq!(doc["components"]["schemas"]["PartnershipFields"]["properties"]["region_states"]["minItems"], 1);
        assert_eq!(doc["components"]["schemas"]["PartialDate"]["pattern"], PARTIAL_DATE_PATTERN);
        let rank = &doc["components"]["schemas"]["PriorityFields"]["properties"]["rank"];
        assert_eq!((&rank["minimum"], &rank["maximum"]), (&json!(1), &json!(100)));
        let person = &doc["components"]["schemas"]["Person"];
        assert!(person["properties"]["email"].is_null() && person["properties"]["full_name"].is_object(), "{person}");
        let required: Vec<&str> = person["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(required, ["id", "version", "created_at", "updated_at", "organization_id", "full_name"]);
        assert!(doc["components"]["schemas"]["ActionTeamPage"]["properties"]["items"]["items"]["$ref"] == "#/components/schemas/ActionTeam");
    }

    #[test]
    fn observations_carry_an_optional_illustrative_flag_and_filter() {
        let doc = serde_json::to_value(openapi()).unwrap();
        let obs = &doc["components"]["schemas"]["ObservationFields"];
        assert_eq!(obs["properties"]["illustrative"]["type"], "boolean", "{obs}");
        let required: Vec<&str> = obs["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(required, ["measure_id", "period", "actual"], "older clients may leave the flag out");
        let params = doc["paths"]["/api/v1/observations"]["get"]["parameters"].as_array().unwrap();
        let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["page", "per_page", "measure_id", "period", "illustrative"]);
        let flag = params.iter().find(|p| p["name"] == "illustrative").unwrap();
        assert_eq!(flag["schema"]["type"], "boolean");
    }

    #[test]
    fn link_headers_keep_filters_and_stop_at_the_ends() {
        let pairs = vec![("stage".to_string(), "implementing".to_string()), ("page".to_string(), "2".to_string())];
        let l = link_header("/api/v1/partnerships", &pairs, PageRequest { page: 2, per_page: 2 }, 5);
        assert_eq!(
            l,
            "</api/v1/partnerships?stage=implementing&page=1&per_page=2>; rel=\"first\", \
             </api/v1/partnerships?stage=implementing&page=1&per_page=2>; rel=\"prev\", \
             </api/v1/partnerships?stage=implementing&page=3&per_page=2>; rel=\"next\", \
             </api/v1/partnerships?stage=implementing&page=3&per_page=2>; rel=\"last\""
        );
        let l = link_header("/api/v1/wins", &[], PageRequest { page: 1, per_page: 50 }, 0);
        assert_eq!(l, "</api/v1/wins?page=1&per_page=50>; rel=\"first\", </api/v1/wins?page=1&per_page=50>; rel=\"last\"");
    }
}
