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

/// [`load_report`] of what `vis` lets a viewer see: partnerships whose page, impact figures or
/// wins are not published (and where the viewer has no role) are left out of the counts, the
/// measures and the wins respectively, before any figure is computed.
pub async fn load_report_for(db: &Db, include_illustrative: bool, vis: &crate::auth::access::Visibility) -> Result<report::Report, Error> {
    use crate::auth::access::Part;
    let mut input = store::views::report_input(db, include_illustrative, chrono::Utc::now().date_naive()).await?;
    let page = crate::auth::access::hidden_slugs(db, vis, Part::Page).await?;
    let impact = crate::auth::access::hidden_slugs(db, vis, Part::Impact).await?;
    let wins = crate::auth::access::hidden_slugs(db, vis, Part::Wins).await?;
    input.partnerships.retain(|p| !page.contains(&p.slug));
    input.measures.retain(|m| !impact.contains(&m.partnership_slug));
    input.wins.retain(|w| !wins.contains(&w.partnership_slug));
    Ok(report::build(&input))
}
