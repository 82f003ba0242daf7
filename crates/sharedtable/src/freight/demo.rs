//! The illustrative freight week of the demo: twelve **invented** member manufacturers of the
//! real Kingman and Mohave Manufacturing Association (each organization `illustrative`, its name
//! ending "(illustrative)") in real Mohave County towns, and their shipments of the week of
//! Monday 2 March 2026 to real destinations. The files are written by
//! `examples/kingman_freight_week.rs` and bundled with the binary:
//! `data/demo/kingman-freight-week.members.csv` and `.shipments.csv` (the freight import
//! layout, read through the same import as an upload).

use super::model::{geocode, Settings};
use super::{import, jobs, store, Context};
use crate::audit;
use crate::db::{self, Db, Id};
use crate::network::bulk::Source;
use crate::network::model::{MembershipFields, MembershipRole, Meta, OrgKind, OrganizationFields};
use crate::network::store::forms::OrgChoice;
use crate::web::Error;

/// The slug of the real partnership the demo week belongs to.
pub const PARTNERSHIP_SLUG: &str = "kingman-and-mohave-manufacturing-association";
/// The bundled members file.
pub const MEMBERS_CSV: &str = include_str!("../../../../data/demo/kingman-freight-week.members.csv");
/// The bundled shipments file.
pub const SHIPMENTS_CSV: &str = include_str!("../../../../data/demo/kingman-freight-week.shipments.csv");

/// What [`load`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub partnership: String,
    pub members: usize,
    pub shipments: usize,
}

/// 53 ft vans in the illustrative fleet.
const DEMO_VANS: u32 = 3;

fn meta() -> Meta {
    let now = db::now();
    Meta { id: Id::new(), version: 1, created_at: now, updated_at: now }
}

/// Load the illustrative week into the Kingman and Mohave partnership in one transaction: the
/// member organizations and their memberships (through the network module's record checks), then
/// every shipment (through the freight import's parsing). `Ok(None)` when the partnership is
/// not in the database or already has shipments. The audit log gets one import entry for the
/// members and shipments, and one for the settings. Errors: a bundled row that does not pass the
/// checks (named), or the database.
pub async fn load(db: &Db) -> Result<Option<DemoSummary>, Error> {
    let partnership = match crate::network::store::views::partnership_by_slug(db, PARTNERSHIP_SLUG).await {
        Ok(p) => p,
        Err(Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if store::shipment_count(db, partnership.id()).await? > 0 {
        return Ok(None);
    }
    let mut tx = db::begin_write(db).await?;
    let mut members: Vec<OrgChoice> = Vec::new();
    let mut rdr = csv::Reader::from_reader(MEMBERS_CSV.as_bytes());
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| Error::Internal(anyhow::anyhow!("kingman-freight-week.members.csv row {}: {e}", i + 2)))?;
        let (name, city, state) = (rec[0].to_string(), rec[3].to_string(), rec[4].to_string());
        let town = geocode(&city, &state).map_err(|(_, m)| Error::Internal(anyhow::anyhow!("kingman-freight-week.members.csv row {} column city: {m}", i + 2)))?;
        let org = OrganizationFields {
            name: name.clone(),
            kind: OrgKind::parse(&rec[1]).unwrap_or(OrgKind::Business),
            naics_code: Some(rec[2].to_string()),
            city: Some(town.city.clone()),
            state: Some(town.state.clone()),
            latitude: Some(town.latitude),
            longitude: Some(town.longitude),
            employee_count: rec[5].parse().ok(),
            website: None,
            illustrative: true,
        };
        let m = meta();
        crate::network::store::insert_without_audit_in(&mut tx, &m, &org).await?;
        let membership = MembershipFields { partnership_id: partnership.id(), organization_id: m.id, role: MembershipRole::IndustryMember, started: None, ended: None };
        crate::network::store::insert_without_audit_in(&mut tx, &meta(), &membership).await?;
        members.push(OrgChoice { id: m.id, name, kind: OrgKind::Business, illustrative: true });
    }
    // The illustrative fleet the members share: three 53 ft vans and one box truck at the
    // Kingman yard (the defaults have two vans).
    let mut settings: Settings = jobs::default_settings();
    if let Some(van) = settings.fleet.first_mut() {
        van.count = DEMO_VANS;
    }
    store::save_settings_in(&mut tx, partnership.id(), None, &settings).await?;
    let ctx = Context { partnership: partnership.clone(), members, settings, settings_version: None };
    let shipments = import::parse_file(&ctx, &Source::bundled("kingman-freight-week.shipments.csv", SHIPMENTS_CSV.as_bytes()), &[])
        .map_err(|problems| Error::Internal(anyhow::anyhow!("{}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))))?;
    store::insert_shipments_in(&mut tx, &shipments).await?;
    // One audit entry for the members and shipments loaded (the settings have their own).
    let change = audit::Change {
        action: audit::Action::Import,
        table: audit::IMPORT_TABLE.into(),
        entity_id: Some(Id::new()),
        partnership_id: Some(partnership.id()),
        before: None,
        after: Some(serde_json::json!({
            "files": ["kingman-freight-week.members.csv", "kingman-freight-week.shipments.csv"],
            "rows": {"organizations": ctx.members.len(), "memberships": ctx.members.len(), "freight_shipments": shipments.len()},
        })),
        summary: format!(
            "Loaded the illustrative freight week: {} member organizations, their memberships and {} shipments",
            ctx.members.len(),
            shipments.len()
        ),
    };
    audit::record(&mut tx, change).await?;
    db::commit(tx).await?;
    Ok(Some(DemoSummary { partnership: partnership.fields.name, members: ctx.members.len(), shipments: shipments.len() }))
}
