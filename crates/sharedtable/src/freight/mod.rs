//! Freight pooling: a partnership's member manufacturers post the week's shipments; the
//! `freight-engine` crate pools them into shared truck routes (PDPTW), prices each shipment
//! going alone, and splits the savings among members. This module keeps the shipments, the
//! fleet and cost settings and the plans (`store.rs`), runs planning as a background job
//! (`jobs.rs`), and serves the pages (`pages.rs`) and the API (`api.rs`). An approved plan
//! records its savings, truck miles avoided and CO2 avoided as observations of the partnership's
//! measures through the network module, linked back to the plan.

pub mod alone_form;
pub mod api;
pub mod demo;
pub mod import;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod store;


use crate::db::{Db, Id};
use crate::network::model::{Partnership, PartnershipFields};
use crate::network::store::forms::{member_organizations, OrgChoice};
use crate::web::Error;
use model::{FleetLimits, MemberChoice, Settings, Shipment};

/// Every route of the freight module (pages and API).
pub fn routes() -> crate::auth::access::Routes {
    pages::routes().merge(api::routes())
}

/// The freight tables whose changes the audit log records, each with a record of it in words.
pub const AUDITED_TABLES: &[(&str, &str)] = &[("freight_shipments", "shipment"), ("freight_settings", "freight settings"), ("freight_plans", "freight plan")];

/// Where record `id` of the freight table `table` of the partnership `slug` is shown, when it
/// still exists: a shipment's edit form, the settings form, a plan's page. `None` otherwise.
pub async fn record_href(db: &Db, table: &str, id: Id, slug: &str) -> Result<Option<String>, Error> {
    let base = format!("/partnerships/{slug}/freight");
    Ok(match table {
        "freight_shipments" => store::shipment_exists(db, id).await?.then(|| format!("{base}/shipments/{id}/edit")),
        "freight_settings" => store::settings(db, id).await?.map(|_| format!("{base}/settings")),
        "freight_plans" => match store::plan(db, id).await {
            Ok(_) => Some(format!("{base}/plans/{id}")),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        _ => None,
    })
}

/// A partnership as the freight pages and API need it: the record, its members, its settings.
pub struct Context {
    pub partnership: Partnership,
    /// Organizations that are or were members (a shipment's member must be one).
    pub members: Vec<OrgChoice>,
    pub settings: Settings,
    /// `None` while the partnership uses the default settings (none saved yet).
    pub settings_version: Option<i64>,
}

impl Context {
    /// Members as shipments name them.
    pub fn member_choices(&self) -> Vec<MemberChoice> {
        self.members.iter().map(|m| MemberChoice { id: m.id, name: m.name.clone() }).collect()
    }
    /// The largest truck of the fleet.
    pub fn fleet_limits(&self) -> Option<FleetLimits> {
        FleetLimits::of(&self.settings.fleet)
    }
    /// The name of a member organization ("unknown organization" if it is no longer one).
    pub fn member_name(&self, id: Id) -> String {
        self.members.iter().find(|m| m.id == id).map(|m| m.name.clone()).unwrap_or_else(|| format!("organization {id}"))
    }
    fn member_illustrative(&self, id: Id) -> bool {
        self.members.iter().any(|m| m.id == id && m.illustrative)
    }
    /// Where the freight pages of the partnership are.
    pub fn base_path(&self) -> String {
        format!("/partnerships/{}/freight", self.partnership.fields.slug)
    }
}

/// Load a partnership by slug or id, with its members and freight settings (the defaults of
/// [`jobs::default_settings`] when none are saved). Errors: `NotFound`.
pub async fn context(db: &Db, key: &str) -> Result<Context, Error> {
    let partnership = match key.parse::<Id>() {
        Ok(id) => crate::network::store::get::<PartnershipFields>(db, id).await?,
        Err(_) => crate::network::store::views::partnership_by_slug(db, key).await?,
    };
    let members = member_organizations(db, partnership.id()).await?;
    let (settings, settings_version) = match store::settings(db, partnership.id()).await? {
        Some((s, v)) => (s, Some(v)),
        None => (jobs::default_settings(), None),
    };
    Ok(Context { partnership, members, settings, settings_version })
}

/// A partnership's shipments with their members' names.
pub async fn shipments(db: &Db, ctx: &Context) -> Result<Vec<Shipment>, Error> {
    Ok(store::shipments(db, ctx.partnership.id()).await?.into_iter().map(|s| with_member(ctx, s)).collect())
}

/// A stored shipment with its member's name.
pub fn with_member(ctx: &Context, s: store::StoredShipment) -> Shipment {
    Shipment {
        id: s.id,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
        member_name: ctx.member_name(s.fields.organization_id),
        member_illustrative: ctx.member_illustrative(s.fields.organization_id),
        fields: s.fields,
    }
}

/// Run at server start and then every [`jobs::ABANDONED_AFTER`] by every server: plan jobs that
/// a stopped server left queued or running (their tasks died with it; nothing has raised their
/// heartbeat for [`jobs::ABANDONED_AFTER`]) are marked failed with the reason, while jobs that
/// another server on the same database is still computing are left alone. Returns how many
/// were marked.
pub async fn recover_jobs(db: &Db) -> Result<u64, Error> {
    store::fail_abandoned(db, jobs::ABANDONED_AFTER).await
}
