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
pub mod pages;
pub mod report;
pub mod seed;
pub mod store;
pub mod upload;


use crate::db::Db;
use crate::web::Error;

pub use pages::report_html;

/// Every route of the network module (pages, forms, import and API).
pub fn routes() -> crate::auth::access::Routes {
    api::routes().merge(forms::routes()).merge(pages::routes()).merge(upload::routes())
}

/// The impact report of the network as of today (UTC), illustrative records included only when
/// asked. For the `/report` page, the CLI (`sharedtable report`) and the API; render it with
/// [`report::to_markdown`], [`report_html`] or serialize it as JSON.
pub async fn load_report(db: &Db, include_illustrative: bool) -> Result<report::Report, Error> {
    let input = store::views::report_input(db, include_illustrative, chrono::Utc::now().date_naive()).await?;
    Ok(report::build(&input))
}
