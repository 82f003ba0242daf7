//! The core module: the sector partnership network. Partnerships, organizations, memberships,
//! people, priorities, action teams, initiatives, meetings, measures, observations and wins; the
//! health check; the impact report.

pub mod api;
pub mod bulk;
pub mod entity;
pub mod form_spec;
pub mod forms;
pub mod health;
pub mod model;
pub mod seed;
pub mod store;
pub mod upload;

use axum::Router;

use crate::web::AppState;

/// Every route of the network module (pages, forms, import and API).
pub fn routes() -> Router<AppState> {
    Router::new().merge(api::routes()).merge(forms::routes()).merge(upload::routes())
}
