//! The freight JSON API under `/api/v1/partnerships/{id}/freight` (`{id}` is the partnership's
//! id or slug):
//!
//! - `GET .../shipments`: every shipment; `POST .../shipments`: create one (201, `Location`,
//!   `ETag`); `GET|PUT|DELETE .../shipments/{shipment}`: read, replace (`If-Match` required),
//!   delete (`If-Match` required), like the network API's records.
//! - `POST .../import`: a CSV or XLSX file as the body (or the `file` part of a multipart form):
//!   200 `{"written": n}`, or 422 with one `errors` entry per problem (`field` = `FILE row N
//!   column C`), nothing written.
//! - `GET .../settings`, `PUT .../settings` (JSON of [`Settings`]; `If-Match` with the settings'
//!   ETag once they have been saved).
//! - `POST .../plans` (`{"week": "YYYY-MM-DD"}` optional): 202 with the job document and
//!   `Location`; poll `GET .../plans/{plan}` until `status` is `done` (or `failed`); `GET
//!   .../plans` lists them. `POST .../plans/{plan}/approve` records the plan's figures as
//!   observations (200 with their ids).
//!
//! Errors are RFC 9457 problem documents naming each wrong field.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;

use crate::auth::access::{Routes, Rule};
use chrono::NaiveDate;
use serde_json::{json, Map, Value};
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ContentBuilder, HttpMethod, KnownFormat, OpenApi, PathItem, Required, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};

use super::model::*;
use super::store::{self, PlanRow};
use super::{context, jobs, with_member, Context};
use crate::db::Id;
use crate::network::api::{etag, json_response, problem_response, schema_ref, string_schema, PREFIX};
use crate::network::bulk::Source;
use crate::web::error::body_error;
use crate::web::{AppState, Error, FieldErrors};

/// The freight API routes, with the same access as the pages (see `freight::pages::routes`).
pub fn routes() -> Routes {
    let base = format!("{PREFIX}/partnerships/{{id}}/freight");
    let (read, edit, convene) = (Rule::PartnershipMember, Rule::PartnershipPlanEditor, Rule::PartnershipConvener);
    use Method as M;
    Routes::new()
        .add(&format!("{base}/shipments"), &[(M::GET, read), (M::POST, edit)], get(list_shipments).post(create_shipment))
        .add(&format!("{base}/shipments/{{shipment}}"), &[(M::GET, read), (M::PUT, edit), (M::DELETE, edit)], get(read_shipment).put(replace_shipment).delete(delete_shipment))
        .add(&format!("{base}/import"), &[(M::POST, edit)], post(import))
        .add(&format!("{base}/settings"), &[(M::GET, read), (M::PUT, convene)], get(read_settings).put(replace_settings))
        .add(&format!("{base}/plans"), &[(M::GET, read), (M::POST, edit)], get(list_plans).post(create_plan))
        .get(&format!("{base}/plans/{{plan}}"), read, get(read_plan))
        .add(&format!("{base}/plans/{{plan}}/approve"), &[(M::POST, convene)], post(approve_plan))
}

fn api_base(ctx: &Context) -> String {
    format!("{PREFIX}/partnerships/{}/freight", ctx.partnership.id())
}

/// A shipment as the API returns it.
pub fn shipment_json(s: &Shipment) -> Value {
    let f = &s.fields;
    json!({
        "id": s.id, "version": s.version, "created_at": crate::db::timestamp_text(&s.created_at), "updated_at": crate::db::timestamp_text(&s.updated_at),
        "partnership_id": f.partnership_id, "organization_id": f.organization_id, "member_name": s.member_name, "member_illustrative": s.member_illustrative,
        "reference": f.reference, "pickup": f.pickup, "delivery": f.delivery, "pallets": f.pallets, "weight_lb": f.weight_lb,
        "pickup_earliest": local_text(f.pickup_earliest), "pickup_latest": local_text(f.pickup_latest),
        "delivery_earliest": local_text(f.delivery_earliest), "delivery_latest": local_text(f.delivery_latest),
        "pickup_service_minutes": f.pickup_service_minutes, "delivery_service_minutes": f.delivery_service_minutes, "notes": f.notes,
    })
}

fn with_etag(mut resp: Response, version: i64) -> Response {
    resp.headers_mut().insert(header::ETAG, etag(version));
    resp
}

fn json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>, what: &str) -> Result<Map<String, Value>, Error> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !(mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))) {
        return Err(Error::UnsupportedMediaType(format!("send the {what} as JSON with Content-Type: application/json")));
    }
    let bytes = body.map_err(|e| body_error("the body", e))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::BadRequest(format!("the body must be a JSON object: the {what}"))),
        Err(e) => Err(Error::BadRequest(format!("the body is not valid JSON: {e}"))),
    }
}

/// A shipment's input from a JSON object: each field a string or a number; `organization_id` is
/// accepted for `member`. Unknown names are refused.
fn shipment_input(map: Map<String, Value>) -> Result<ShipmentInput, Error> {
    let mut input = ShipmentInput::default();
    let mut errs = FieldErrors::default();
    for (k, v) in map {
        let text = match &v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Null => String::new(),
            _ => {
                errs.add(&k, "must be a string or a number");
                continue;
            }
        };
        let key = if k == "organization_id" { "member" } else { k.as_str() };
        if !input.set(key, &text) {
            errs.add(&k, format!("is not a field of a shipment (fields: organization_id or member, {})", SHIPMENT_COLUMNS[1..].join(", ")));
        }
    }
    errs.into_result()?;
    Ok(input)
}

async fn list_shipments(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let items: Vec<Value> = super::shipments(&state.db, &ctx).await?.iter().map(shipment_json).collect();
    Ok(Json(json!({"items": items, "total": items.len()})).into_response())
}

async fn create_shipment(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let input = shipment_input(json_body(&headers, body, "shipment")?)?;
    let fields = parse_shipment(ctx.partnership.id(), &input, &ctx.member_choices(), ctx.fleet_limits().as_ref()).map_err(Error::Validation)?;
    let s = with_member(&ctx, store::create_shipment(&state.db, fields).await?);
    let mut resp = (StatusCode::CREATED, Json(shipment_json(&s))).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("{}/shipments/{}", api_base(&ctx), s.id)) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(with_etag(resp, s.version))
}

async fn load_shipment(state: &AppState, ctx: &Context, raw: &str) -> Result<store::StoredShipment, Error> {
    let id: Id = raw.parse().map_err(|m: String| Error::invalid_parameter("shipment", m))?;
    let s = store::shipment(&state.db, id).await?;
    if s.fields.partnership_id != ctx.partnership.id() {
        return Err(Error::NotFound(format!("shipment {id} of this partnership")));
    }
    Ok(s)
}

async fn read_shipment(State(state): State<AppState>, Path((id, shipment)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let s = with_member(&ctx, load_shipment(&state, &ctx, &shipment).await?);
    Ok(with_etag(Json(shipment_json(&s)).into_response(), s.version))
}

async fn replace_shipment(
    State(state): State<AppState>,
    Path((id, shipment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let stored = load_shipment(&state, &ctx, &shipment).await?;
    let expected = crate::network::api::if_match_version(&headers, true)?;
    let input = shipment_input(json_body(&headers, body, "shipment")?)?;
    let fields = parse_shipment(ctx.partnership.id(), &input, &ctx.member_choices(), ctx.fleet_limits().as_ref()).map_err(Error::Validation)?;
    let s = with_member(&ctx, store::update_shipment(&state.db, stored.id, Some(expected.unwrap_or(stored.version)), fields).await?);
    Ok(with_etag(Json(shipment_json(&s)).into_response(), s.version))
}

async fn delete_shipment(State(state): State<AppState>, Path((id, shipment)): Path<(String, String)>, headers: HeaderMap) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let stored = load_shipment(&state, &ctx, &shipment).await?;
    let expected = crate::network::api::if_match_version(&headers, true)?;
    store::delete_shipment(&state.db, stored.id, expected).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

const XLSX_TYPE: &str = crate::network::upload::XLSX_TYPE;

async fn import(State(state): State<AppState>, Path(id): Path<String>, req: Request) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (name, bytes) = if mime == "multipart/form-data" {
        let mp = Multipart::from_request(req, &state).await;
        super::pages::file_part(mp).await?.unwrap_or_else(|| ("upload.csv".into(), Bytes::new()))
    } else if mime == "text/csv" || mime == XLSX_TYPE {
        let bytes = Bytes::from_request(req, &state).await.map_err(|e| body_error("the body", e))?;
        (if mime == "text/csv" { "upload.csv" } else { "upload.xlsx" }.to_string(), bytes)
    } else {
        return Err(Error::UnsupportedMediaType(format!("send the shipments file with Content-Type text/csv or {XLSX_TYPE} (or as the `file` part of multipart/form-data)")));
    };
    if bytes.is_empty() {
        let mut fe = FieldErrors::default();
        fe.add("file", "is empty: send a CSV or XLSX file whose first row names the columns");
        return Err(Error::Validation(fe));
    }
    match super::import::import(&state.db, &ctx, Source::bytes(&name, bytes)).await? {
        Ok(n) => Ok(Json(json!({"written": n})).into_response()),
        Err(problems) => Ok(crate::network::upload::rejected_import(&problems)),
    }
}

async fn read_settings(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let resp = Json(json!({"saved": ctx.settings_version.is_some(), "settings": ctx.settings})).into_response();
    Ok(match ctx.settings_version {
        Some(v) => with_etag(resp, v),
        None => resp,
    })
}

async fn replace_settings(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let expected = crate::network::api::if_match_version(&headers, ctx.settings_version.is_some())?;
    let map = json_body(&headers, body, "settings")?;
    let mut s: Settings = serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let mut fe = FieldErrors::default();
        let path = e.path().to_string();
        fe.add(if path == "." { "settings" } else { &path }, e.inner().to_string());
        Error::Validation(fe)
    })?;
    jobs::check_settings(&mut s).into_result()?;
    let version = store::save_settings(&state.db, ctx.partnership.id(), expected.or(ctx.settings_version), &s).await?;
    Ok(with_etag(Json(json!({"saved": true, "settings": s})).into_response(), version))
}

/// The job document of a plan: status, progress, the result when done, and links.
pub fn plan_document(ctx: &Context, row: &PlanRow) -> Result<Value, Error> {
    let result = row.result.as_ref().map(|r| r.0.clone()).unwrap_or(Value::Null);
    let shipments = row.request.0.get("shipments").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
    let page = format!("{}/plans/{}", ctx.base_path(), row.id);
    Ok(json!({
        "id": row.id,
        "partnership_id": row.partnership_id,
        "week_start": row.week_start,
        "status": row.status(),
        "progress": row.progress,
        "error": row.error,
        "shipments": shipments,
        "created_at": crate::db::timestamp_text(&row.created_at),
        "started_at": row.started_at.as_ref().map(crate::db::timestamp_text),
        "finished_at": row.finished_at.as_ref().map(crate::db::timestamp_text),
        "approved_at": row.approved_at.as_ref().map(crate::db::timestamp_text),
        "result": result,
        "links": {
            "self": format!("{}/plans/{}", api_base(ctx), row.id),
            "page": page,
            "routes_csv": format!("{page}/routes.csv"),
            "plan_json": format!("{page}/plan.json"),
        }
    }))
}

fn job_response(ctx: &Context, row: &PlanRow, status: StatusCode) -> Result<Response, Error> {
    let mut resp = (status, Json(plan_document(ctx, row)?)).into_response();
    if row.status().in_progress() {
        resp = super::pages::no_store(resp);
    }
    Ok(resp)
}

async fn list_plans(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let rows = store::plans(&state.db, ctx.partnership.id()).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut d = plan_document(&ctx, r).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut d {
                m.remove("result");
            }
            d
        })
        .collect();
    let busy = rows.iter().any(|r| r.status().in_progress());
    let resp = Json(json!({"items": items, "total": items.len()})).into_response();
    Ok(if busy { super::pages::no_store(resp) } else { resp })
}

async fn create_plan(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let has_body = body.as_ref().map(|b| !b.iter().all(u8::is_ascii_whitespace)).unwrap_or(true);
    let map = if has_body { json_body(&headers, body, "plan request")? } else { Map::new() };
    let mut week = None;
    for (k, v) in map {
        match (k.as_str(), v) {
            ("week", Value::String(s)) => {
                week = Some(NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                    let mut fe = FieldErrors::default();
                    fe.add("week", format!("'{s}' is not a date YYYY-MM-DD"));
                    Error::Validation(fe)
                })?)
            }
            ("week", Value::Null) => {}
            (k, _) => {
                let mut fe = FieldErrors::default();
                fe.add(k, if k == "week" { "must be a date YYYY-MM-DD".to_string() } else { "is not a field of a plan request (fields: week)".to_string() });
                return Err(Error::Validation(fe));
            }
        }
    }
    let row = jobs::start(&state, &ctx, week).await?;
    let mut resp = job_response(&ctx, &row, StatusCode::ACCEPTED)?;
    if let Ok(loc) = HeaderValue::from_str(&format!("{}/plans/{}", api_base(&ctx), row.id)) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

async fn load_plan(state: &AppState, ctx: &Context, raw: &str) -> Result<PlanRow, Error> {
    let id: Id = raw.parse().map_err(|m: String| Error::invalid_parameter("plan", m))?;
    let row = store::plan(&state.db, id).await?;
    if row.partnership_id != ctx.partnership.id() {
        return Err(Error::NotFound(format!("plan {id} of this partnership")));
    }
    Ok(row)
}

async fn read_plan(State(state): State<AppState>, Path((id, plan)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let row = load_plan(&state, &ctx, &plan).await?;
    job_response(&ctx, &row, StatusCode::OK)
}

async fn approve_plan(State(state): State<AppState>, Path((id, plan)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &id).await?;
    let row = load_plan(&state, &ctx, &plan).await?;
    let ids = jobs::approve(&state.db, &ctx, row.id).await?;
    let row = store::plan(&state.db, row.id).await?;
    let mut doc = plan_document(&ctx, &row)?;
    if let Value::Object(m) = &mut doc {
        m.insert("observation_ids".into(), json!(ids));
    }
    Ok(Json(doc).into_response())
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

fn path_param(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(string_schema()))
        .build()
}

/// A path parameter that is a record id: a UUID; anything else is a 400 naming it.
fn uuid_param(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))))
        .build()
}

fn if_match_param(required: bool) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("If-Match")
        .parameter_in(ParameterIn::Header)
        .required(if required { Required::True } else { Required::False })
        .description(Some("The ETag of your last read (e.g. \"3\"), or *."))
        .schema(Some(crate::network::api::if_match_schema()))
        .build()
}

/// An operation under a partnership: every one answers 404 when the partnership (id or slug)
/// does not exist.
fn op(id: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .tag("freight")
        .operation_id(Some(id))
        .summary(Some(summary))
        .parameter(path_param("id", "The partnership's id (UUID) or slug."))
        .response("404", problem_response("No such partnership."))
}

fn json_body_doc(description: &str, schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new().required(Some(Required::True)).description(Some(description)).content("application/json", ContentBuilder::new().schema(Some(schema)).build()).build()
}

/// Add the freight paths and schemas to the OpenAPI document.
pub fn document(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut referenced = Vec::new();
    Settings::schemas(&mut referenced);
    AllocationResult::schemas(&mut referenced);
    for (name, schema) in referenced {
        components.schemas.entry(name).or_insert(schema);
    }
    components.schemas.insert("FreightSettings".into(), Settings::schema());
    components.schemas.insert("Town".into(), Town::schema());
    components.schemas.insert("AloneCost".into(), AloneCost::schema());
    components.schemas.insert("MemberShare".into(), MemberShare::schema());
    components.schemas.insert("AllocationResult".into(), AllocationResult::schema());
    let mut input = ObjectBuilder::new().description(Some(
        "A shipment as sent: every field a string or number. `member` (or `organization_id`) is the member organization's id or its name. Times are local, YYYY-MM-DDTHH:MM.",
    ));
    for c in SHIPMENT_COLUMNS {
        input = input.property(*c, string_schema());
    }
    for c in SHIPMENT_REQUIRED {
        input = input.required(*c);
    }
    components.schemas.insert("ShipmentInput".into(), input.into());
    let mut shipment = ObjectBuilder::new()
        .description(Some("A stored shipment, places geocoded from the bundled GeoNames gazetteer."))
        .property("id", string_schema())
        .property("version", ObjectBuilder::new().schema_type(Type::Integer))
        .property("partnership_id", string_schema())
        .property("organization_id", string_schema())
        .property("member_name", string_schema())
        .property("member_illustrative", ObjectBuilder::new().schema_type(Type::Boolean))
        .property("reference", string_schema())
        .property("pickup", schema_ref("Town"))
        .property("delivery", schema_ref("Town"))
        .property("pallets", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
        .property("weight_lb", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)));
    for c in ["pickup_earliest", "pickup_latest", "delivery_earliest", "delivery_latest", "created_at", "updated_at"] {
        shipment = shipment.property(c, string_schema());
    }
    shipment = shipment.property("notes", ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])).description(Some("null when none were given.")));
    for c in ["pickup_service_minutes", "delivery_service_minutes"] {
        shipment = shipment.property(c, ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)));
    }
    // `shipment_json` writes every property, `notes` as null when there are none.
    for c in ["id", "version", "created_at", "updated_at", "partnership_id", "organization_id", "member_name", "member_illustrative", "reference", "pickup", "delivery", "pallets", "weight_lb"] {
        shipment = shipment.required(c);
    }
    for c in ["pickup_earliest", "pickup_latest", "delivery_earliest", "delivery_latest", "pickup_service_minutes", "delivery_service_minutes", "notes"] {
        shipment = shipment.required(c);
    }
    components.schemas.insert("Shipment".into(), shipment.into());
    components.schemas.insert(
        "FreightPlanJob".into(),
        ObjectBuilder::new()
            .description(Some("A plan job: poll it until status is done or failed. `result` (when done) holds the routes (each stop with arrival and departure minutes from Monday 00:00 of the week, and the load after it), the unassigned shipments with reasons, each shipment's going-alone cost with its explanation, the savings, truck miles and CO2 avoided with the emission factor and its source, and the split among members."))
            .property("id", string_schema())
            .property("partnership_id", string_schema())
            .property("week_start", string_schema())
            .property("status", string_schema().enum_values(Some(["queued", "running", "done", "failed", "approved"])))
            .property("progress", ObjectBuilder::new().schema_type(Type::Number).minimum(Some(0)).maximum(Some(1)))
            .property("error", string_schema())
            .property("shipments", ObjectBuilder::new().schema_type(Type::Integer))
            .property("result", ObjectBuilder::new().description(Some("The plan and its economics when done; null before.")))
            .property("links", ObjectBuilder::new().description(Some("self, page, routes_csv, plan_json")))
            .required("id")
            .required("status")
            .required("progress")
            .into(),
    );

    let base = format!("{PREFIX}/partnerships/{{id}}/freight");
    let shipment_param = || uuid_param("shipment", "The shipment's id (UUID).");
    let mut coll = PathItem::new(
        HttpMethod::Get,
        op("list_freight_shipments", "List a partnership's shipments").response("200", json_response("Every shipment, by pickup time.", ObjectBuilder::new().property("items", utoipa::openapi::schema::ArrayBuilder::new().items(schema_ref("Shipment"))).property("total", ObjectBuilder::new().schema_type(Type::Integer)).into())).response("404", problem_response("No such partnership.")).build(),
    );
    coll.merge_operations(PathItem::new(
        HttpMethod::Post,
        op("create_freight_shipment", "Post a shipment")
            .request_body(Some(json_body_doc("The shipment.", schema_ref("ShipmentInput"))))
            .response("201", json_response("Created.", schema_ref("Shipment")))
            .response("400", problem_response("The body is not a JSON object."))
            .response("413", problem_response("The body is larger than 10 MiB."))
            .response("415", problem_response("The body is not JSON."))
            .response("422", problem_response("Fields are wrong (an unknown place, a window that ends before it starts, a load no truck carries, no pallets); each is named."))
            .build(),
    ));
    doc.paths.paths.insert(format!("{base}/shipments"), coll);
    let mut item = PathItem::new(
        HttpMethod::Get,
        op("get_freight_shipment", "Read a shipment")
            .parameter(shipment_param())
            .response("200", json_response("The shipment; ETag is its version.", schema_ref("Shipment")))
            .response("400", problem_response("The shipment id is not a UUID."))
            .response("404", problem_response("No such partnership, or no such shipment of it."))
            .build(),
    );
    item.merge_operations(PathItem::new(
        HttpMethod::Put,
        op("update_freight_shipment", "Replace a shipment")
            .parameter(shipment_param())
            .parameter(if_match_param(true))
            .request_body(Some(json_body_doc("The shipment.", schema_ref("ShipmentInput"))))
            .response("200", json_response("The updated shipment.", schema_ref("Shipment")))
            .response("400", problem_response("The shipment id or If-Match is malformed, or the body is not a JSON object."))
            .response("404", problem_response("No such partnership, or no such shipment of it."))
            .response("412", problem_response("Changed since the version If-Match names."))
            .response("413", problem_response("The body is larger than 10 MiB."))
            .response("415", problem_response("The body is not JSON."))
            .response("422", problem_response("Fields are wrong; each is named."))
            .response("428", problem_response("If-Match is missing."))
            .build(),
    ));
    item.merge_operations(PathItem::new(
        HttpMethod::Delete,
        op("delete_freight_shipment", "Delete a shipment")
            .parameter(shipment_param())
            .parameter(if_match_param(true))
            .response("204", ResponseBuilder::new().description("Deleted."))
            .response("400", problem_response("The shipment id or If-Match is malformed."))
            .response("404", problem_response("No such partnership, or no such shipment of it."))
            .response("412", problem_response("Changed since the version If-Match names."))
            .response("428", problem_response("If-Match is missing."))
            .build(),
    ));
    doc.paths.paths.insert(format!("{base}/shipments/{{shipment}}"), item);
    let binary = |media: &str| ObjectBuilder::new().schema_type(Type::String).content_media_type(media).build();
    doc.paths.paths.insert(
        format!("{base}/import"),
        PathItem::new(
            HttpMethod::Post,
            op("import_freight_shipments", "Import a shipments file: every row, or nothing")
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .description(Some(format!("CSV or XLSX with the columns {}.", SHIPMENT_COLUMNS.join(", "))))
                        .content("text/csv", ContentBuilder::new().schema(Some(binary("text/csv"))).build())
                        .content(XLSX_TYPE, ContentBuilder::new().schema(Some(binary(XLSX_TYPE))).build())
                        .content("multipart/form-data", ContentBuilder::new().schema(Some(ObjectBuilder::new().property("file", binary("application/octet-stream")).required("file").build())).build())
                        .build(),
                ))
                .response("200", json_response("Every row was written.", ObjectBuilder::new().property("written", ObjectBuilder::new().schema_type(Type::Integer)).into()))
                .response("400", problem_response("The body or the multipart form cannot be read."))
                .response("413", problem_response("The file is larger than 10 MiB."))
                .response("415", problem_response("Another content type."))
                .response("422", problem_response("Rows have problems, each named `FILE row N column C`; nothing was written."))
                .build(),
        ),
    );
    let mut settings = PathItem::new(
        HttpMethod::Get,
        op("get_freight_settings", "Read the fleet and cost settings").response("200", json_response("{\"saved\": bool, \"settings\": FreightSettings}; ETag once saved.", ObjectBuilder::new().property("saved", ObjectBuilder::new().schema_type(Type::Boolean)).property("settings", schema_ref("FreightSettings")).into())).build(),
    );
    settings.merge_operations(PathItem::new(
        HttpMethod::Put,
        op("update_freight_settings", "Replace the fleet and cost settings")
            .parameter(if_match_param(false))
            .request_body(Some(json_body_doc("The settings. The travel matrix CSV is checked (every row readable, no negative value).", schema_ref("FreightSettings"))))
            .response("200", json_response("Saved.", ObjectBuilder::new().property("settings", schema_ref("FreightSettings")).into()))
            .response("400", problem_response("If-Match is malformed, or the body is not a JSON object."))
            .response("412", problem_response("Changed since the version If-Match names."))
            .response("413", problem_response("The body is larger than 10 MiB."))
            .response("415", problem_response("The body is not JSON."))
            .response("422", problem_response("Settings are wrong; each is named (e.g. fleet[0].depot_city, matrix_csv)."))
            .response("428", problem_response("If-Match is missing (the settings have been saved before)."))
            .build(),
    ));
    doc.paths.paths.insert(format!("{base}/settings"), settings);
    let mut plans = PathItem::new(HttpMethod::Get, op("list_freight_plans", "List plan jobs, newest first").response("200", json_response("Jobs without their results.", ObjectBuilder::new().into())).build());
    plans.merge_operations(PathItem::new(
        HttpMethod::Post,
        op("create_freight_plan", "Plan a week (a background job)")
            .request_body(Some(json_body_doc("Optional: {\"week\": \"YYYY-MM-DD\"}, the Monday of the week; the first week with shipments when absent.", ObjectBuilder::new().property("week", string_schema()).into())))
            .response("202", json_response("The job; Location is where to poll it.", schema_ref("FreightPlanJob")))
            .response("400", problem_response("The body is not a JSON object."))
            .response("413", problem_response("The body is larger than 10 MiB."))
            .response("415", problem_response("The body is not JSON."))
            .response("409", problem_response("Another plan of this partnership is still queued or running (named)."))
            .response("422", problem_response("The week cannot be planned (no shipments, more than 1,000, a week outside 2000 to 2100, a matrix missing a pair, ...); each problem names the shipment and field."))
            .response("429", problem_response("The server is computing its most plans at once (2); try again in a minute."))
            .build(),
    ));
    doc.paths.paths.insert(format!("{base}/plans"), plans);
    doc.paths.paths.insert(
        format!("{base}/plans/{{plan}}"),
        PathItem::new(
            HttpMethod::Get,
            op("get_freight_plan", "Poll a plan job")
                .parameter(uuid_param("plan", "The plan's id (UUID)."))
                .response("200", json_response("The job.", schema_ref("FreightPlanJob")))
                .response("400", problem_response("The plan id is not a UUID."))
                .response("404", problem_response("No such partnership, or no such plan of it."))
                .build(),
        ),
    );
    doc.paths.paths.insert(
        format!("{base}/plans/{{plan}}/approve"),
        PathItem::new(
            HttpMethod::Post,
            op("approve_freight_plan", "Approve a finished plan: record its figures as observations")
                .parameter(uuid_param("plan", "The plan's id (UUID)."))
                .response("200", json_response("The approved job with `observation_ids`.", schema_ref("FreightPlanJob")))
                .response("400", problem_response("The plan id is not a UUID."))
                .response("404", problem_response("No such partnership, or no such plan of it."))
                .response("409", problem_response("The plan is not done, or already approved."))
                .build(),
        ),
    );
    doc.tags.get_or_insert_with(Vec::new).push(TagBuilder::new().name("freight").description(Some("Freight pooling: shipments, settings, plan jobs")).build());
}
