//! The core module: the sector partnership network. Partnerships, organizations, memberships,
//! people, priorities, action teams, initiatives, meetings, measures, observations and wins; the
//! health check; the impact report.

pub mod bulk;
pub mod entity;
pub mod health;
pub mod model;
pub mod seed;
pub mod store;

use axum::Router;

use crate::web::AppState;

/// Every route of the network module (pages and API).
pub fn routes() -> Router<AppState> {
    Router::new()
}
