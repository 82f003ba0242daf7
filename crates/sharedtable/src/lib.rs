//! Shared Table: a self-hostable service where the conveners of Next Gen sector partnerships run
//! their partnership's shared table and a state or national network sees what partnerships
//! achieved. `build_app` assembles the router from each module's routes.

pub mod auth;
pub mod audit;
pub mod codes;
pub mod config;
pub mod db;
pub mod freight;
pub mod network;
pub mod web;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use auth::access::{Routes, Rule};

pub use web::AppState;

/// The whole application: every module's routes, the stylesheet, body limits and headers.
pub fn build_app(state: AppState) -> Router {
    let (router, rules) = all_routes().into_parts();
    let table = std::sync::Arc::new(auth::access::RuleTable::new(&rules));
    router
        .route_layer(middleware::from_fn_with_state((state.clone(), table), auth::access::enforce))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), web::cache::layer))
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(middleware::from_fn(same_origin_writes))
        .layer(middleware::from_fn(refuse_nul_in_address))
        .layer(middleware::from_fn(problem_scope))
        .layer(DefaultBodyLimit::max(web::MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
        ))
        .with_state(state)
}

/// Every route of the application with its access rule (see [`auth::access`]).
pub fn all_routes() -> Routes {
    network::routes()
        .merge(freight::routes())
        .merge(auth::pages::routes())
        .merge(auth::threat_model::routes())
        .merge(audit::routes())
        .get("/static/site.css", Rule::Public, get(site_css))
        .get("/healthz", Rule::Public, get(|| async { "ok" }))
}

/// Every route's method, path and rule, for the route-by-role test and the threat model page.
pub fn route_rules() -> Vec<auth::access::RouteRule> {
    all_routes().into_parts().1
}

async fn site_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], web::layout::SITE_CSS).into_response()
}

async fn method_not_allowed(req: Request) -> web::Error {
    web::Error::MethodNotAllowed(format!("{} is not allowed on {}", req.method(), req.uri().path()))
}

async fn not_found(req: Request) -> web::Error {
    web::Error::NotFound(format!("page {}", req.uri().path()))
}

/// Errors under `/api/` render as problem+json; elsewhere as HTML pages. A body over the limit
/// becomes a 413 in the same style.
async fn problem_scope(req: Request, next: Next) -> Response {
    let wants_json = req.uri().path().starts_with("/api/")
        || req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("json") && !a.contains("html"));
    web::error::WANTS_JSON
        .scope(wants_json, async move {
            let resp = next.run(req).await;
            if resp.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE
                && resp.headers().get(header::CONTENT_TYPE).is_none_or(|ct| ct.as_bytes().starts_with(b"text/plain"))
            {
                return web::Error::PayloadTooLarge(web::MAX_BODY_BYTES).into_response();
            }
            resp
        })
        .await
}

/// Refuse (400) an address whose path or query holds an encoded NUL character (`%00`), naming
/// the query parameter (or `path`): no slug, id, token, search or filter value contains one, and
/// PostgreSQL refuses to compare text holding it, so without this check the same request would
/// answer 404 or an empty list on SQLite and fail on PostgreSQL.
async fn refuse_nul_in_address(req: Request, next: Next) -> Response {
    const WHY: &str = "must not contain the NUL character (%00)";
    let uri = req.uri();
    if uri.path().contains("%00") {
        return web::Error::invalid_parameter("path", WHY).into_response();
    }
    if let Some(query) = uri.query().filter(|q| q.contains("%00")) {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let name = pairs.iter().find(|(k, v)| k.contains('\0') || v.contains('\0')).map(|(k, _)| k.replace('\0', "%00")).unwrap_or_else(|| "query".into());
        return web::Error::invalid_parameter(&name, WHY).into_response();
    }
    next.run(req).await
}

/// Refuse state-changing requests that a browser sends from another site: a `POST`, `PUT`,
/// `PATCH` or `DELETE` whose `Origin` names another host than the request's `Host`, or that the
/// browser marks `Sec-Fetch-Site: cross-site`. Clients that are not browsers send neither header
/// and pass. (Until accounts arrive, this is what stops another web page from editing the
/// network through a visitor's browser.)
async fn same_origin_writes(req: Request, next: Next) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE) {
        let headers = req.headers();
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let cross_origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).is_some_and(|origin| {
            let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or(origin);
            !authority.eq_ignore_ascii_case(host)
        });
        let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site");
        if cross_origin || cross_site {
            return web::Error::Forbidden("this change was sent from another web site and was refused; make it from Shared Table's own pages".into())
                .into_response();
        }
    }
    next.run(req).await
}

/// The whole OpenAPI 3.1 document of API v1: the network module's records, import and health
/// check, the freight module's paths, the audit log, `/me` with the `bearerAuth` security scheme,
/// and who may use each operation (security, 401 and 403, from the routes' access rules).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = network::api::openapi();
    freight::api::document(&mut doc);
    audit::document(&mut doc);
    auth::api::document(&mut doc);
    auth::access::document(&mut doc, &route_rules());
    doc
}

/// Serve the app on `listen` until the process is stopped. Prints the address it serves on.
pub async fn serve(state: AppState, listen: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            "; another program (perhaps another Shared Table) uses that port: stop it, or choose another address with --listen 127.0.0.1:8081 (or SHAREDTABLE_LISTEN)"
        } else {
            ""
        };
        anyhow::anyhow!("cannot listen on {listen}: {e}{hint}")
    })?;
    let addr = listener.local_addr()?;
    let abandoned = freight::recover_jobs(&state.db).await.map_err(|e| anyhow::anyhow!("marking unfinished freight plans: {e}"))?;
    if abandoned > 0 {
        tracing::warn!(plans = abandoned, "freight plans left unfinished by a stopped server were marked failed");
    }
    // Another server on the same database may stop while this one runs: look again now and then.
    let db = state.db.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(freight::jobs::ABANDONED_AFTER).await;
            match freight::recover_jobs(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(plans = n, "freight plans left unfinished by a stopped server were marked failed"),
                Err(e) => tracing::warn!(error = %e, "looking for freight plans left by a stopped server"),
            }
        }
    });
    println!("Shared Table is serving on http://{addr}/");
    axum::serve(listener, build_app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
