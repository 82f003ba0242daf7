//! Shared Table: a self-hostable service where the conveners of Next Gen sector partnerships run
//! their partnership's shared table and a state or national network sees what partnerships
//! achieved. `build_app` assembles the router from each module's routes.

pub mod codes;
pub mod config;
pub mod db;
pub mod network;
pub mod web;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

pub use web::AppState;

/// The whole application: every module's routes, the stylesheet, body limits and headers.
pub fn build_app(state: AppState) -> Router {
    Router::new()
        .merge(network::routes())
        .route("/static/site.css", get(site_css))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), web::cache::layer))
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

async fn site_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], web::layout::SITE_CSS).into_response()
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

/// Serve the app on `listen` until the process is stopped. Prints the address it serves on.
pub async fn serve(state: AppState, listen: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    println!("Shared Table is serving on http://{addr}/");
    axum::serve(listener, build_app(state)).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
