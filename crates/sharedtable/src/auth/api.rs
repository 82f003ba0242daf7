//! The account part of the JSON API: `GET /api/v1/me`, who the credentials belong to, and the
//! OpenAPI description of authentication (the `bearerAuth` security scheme).

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::Serialize;
use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{HttpMethod, OpenApi, PathItem};
use utoipa::{PartialSchema, ToSchema};

use super::access::{Routes, Rule};
use super::{Role, Scope, Via};
use crate::db::Id;
use crate::network::api::{json_response, problem_response, schema_ref, PREFIX};
use crate::web::Error;

/// The name of the security scheme in the OpenAPI document.
pub const BEARER_AUTH: &str = "bearerAuth";

/// The account API routes.
pub fn routes() -> Routes {
    Routes::new().get(&format!("{PREFIX}/me"), Rule::SignedIn, get(me))
}

/// A role of the signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MeRole {
    /// The partnership's id.
    pub partnership_id: Id,
    pub role: Role,
}

/// Who the request's credentials belong to. The email address is personal data and is not
/// returned.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Me {
    pub user_id: Id,
    /// The name shown to others.
    pub display_name: String,
    /// Whether the user manages every account and partnership.
    pub network_admin: bool,
    /// The user's role in each partnership they have one in, by partnership id.
    pub roles: Vec<MeRole>,
    /// What this request's credentials may do: `read` (GET only) or `write`. A browser session
    /// may do everything the user may (`write`).
    #[schema(examples("read", "write"))]
    pub scope: String,
    /// `token` (a personal access token) or `session` (a browser session).
    #[schema(examples("token", "session"))]
    pub via: String,
}

async fn me() -> Result<Response, Error> {
    let v = super::viewer();
    let acc = v.account.as_ref().ok_or_else(|| Error::Unauthorized("send a personal access token: Authorization: Bearer TOKEN".into()))?;
    let (scope, via) = match &acc.via {
        Via::Token { scope, .. } => (*scope, "token"),
        Via::Session { .. } => (Scope::Write, "session"),
    };
    let body = Me {
        user_id: acc.user_id,
        display_name: acc.display_name.clone(),
        network_admin: acc.network_admin,
        roles: acc.roles.iter().map(|(p, r)| MeRole { partnership_id: *p, role: *r }).collect(),
        scope: scope.as_str().into(),
        via: via.into(),
    };
    Ok(Json(body).into_response())
}

/// Add `/api/v1/me`, the `bearerAuth` security scheme (`Authorization: Bearer st_pat_...`) and a
/// word on authentication to the OpenAPI document. The document's top-level `security` (an empty
/// requirement beside `bearerAuth`: with a token or without, as an anonymous visitor who sees
/// what partnerships made public) is the default; [`super::access::document`] then gives each
/// operation its own from its access rule.
pub fn document(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER_AUTH,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("st_pat_...")
                .description(Some(
                    "A personal access token (`sharedtable token create`, or the account page): `Authorization: Bearer st_pat_...`. \
                     Scope `read` allows GET only; scope `write` everything the account may do.",
                ))
                .build(),
        ),
    );
    let mut referenced = Vec::new();
    Me::schemas(&mut referenced);
    for (name, schema) in referenced {
        components.schemas.entry(name).or_insert(schema);
    }
    components.schemas.insert("Me".into(), Me::schema());
    components.schemas.insert("MeRole".into(), MeRole::schema());
    doc.security = Some(vec![SecurityRequirement::default(), SecurityRequirement::new(BEARER_AUTH, Vec::<String>::new())]);
    let more = "Authentication: send a personal access token as `Authorization: Bearer st_pat_...` (security scheme `bearerAuth`); \
                make one on your account page (`/account`) or with `sharedtable token create --email E --scope read|write`. \
                A `read` token may only GET; a `write` token may do everything its account may do. Without a token the API \
                answers as to an anonymous visitor: what each partnership has made public. An unknown or revoked token is \
                refused (401), a request the account may not make is refused (403).";
    doc.info.description = Some(match doc.info.description.take() {
        Some(d) => format!("{d} {more}"),
        None => more.to_string(),
    });
    let op = OperationBuilder::new()
        .tag("meta")
        .operation_id(Some("get_me"))
        .summary(Some("Who the credentials belong to"))
        .description(Some("The signed-in user: id, display name, whether a network admin, their roles by partnership, and what the credentials may do. The email address is not returned."))
        .security(SecurityRequirement::new(BEARER_AUTH, Vec::<String>::new()))
        .response("200", json_response("The user.", schema_ref("Me")))
        .response("401", problem_response("No credentials, or a token that is unknown, revoked, or whose account is disabled."));
    doc.paths.paths.insert(format!("{PREFIX}/me"), PathItem::new(HttpMethod::Get, op));
}
