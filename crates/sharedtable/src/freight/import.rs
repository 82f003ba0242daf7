//! Import of a shipments file (CSV or XLSX, columns [`SHIPMENT_COLUMNS`]) into a partnership's
//! board: read with the network module's file reader (same quoting, workbook limits and
//! messages), every row parsed and checked like a shipment typed into the form, every problem
//! reported as `FILE row N column C: reason`, and all rows written in one transaction only when
//! there is no problem at all.

use std::collections::HashMap;

use super::model::{parse_shipment, ShipmentFields, ShipmentInput, SHIPMENT_COLUMNS, SHIPMENT_REQUIRED};
use super::{store, Context};
use crate::db::Db;
use crate::network::bulk::{read_plain_table, RowError, Source};
use crate::web::Error;

/// What an import did: rows written, or every problem found (nothing written).
pub type ImportOutcome = Result<usize, Vec<RowError>>;

/// Parse every row of a shipments file for `ctx`'s partnership. Pure apart from the file
/// itself; `taken` are the references already on the board.
pub fn parse_file(ctx: &Context, source: &Source, taken: &[String]) -> Result<Vec<ShipmentFields>, Vec<RowError>> {
    let (rows, mut problems) = read_plain_table(source, "freight shipments", SHIPMENT_COLUMNS, SHIPMENT_REQUIRED);
    let members = ctx.member_choices();
    let limits = ctx.fleet_limits();
    let mut seen: HashMap<String, usize> = taken.iter().map(|r| (r.to_lowercase(), 0)).collect();
    let mut out = Vec::new();
    for row in rows {
        let mut input = ShipmentInput::default();
        for (col, text) in &row.cells {
            input.set(col, text);
        }
        match parse_shipment(ctx.partnership.id(), &input, &members, limits.as_ref()) {
            Ok(s) => {
                let key = s.reference.to_lowercase();
                match seen.get(&key) {
                    Some(0) => problems.push(row.location.error(Some("reference"), format!("'{}' is already the reference of a shipment on the board", s.reference))),
                    Some(first) => problems.push(row.location.error(Some("reference"), format!("'{}' is also the reference of row {first}", s.reference))),
                    None => {
                        seen.insert(key, row.location.row.unwrap_or(0));
                        out.push(s);
                    }
                }
            }
            Err(errs) => {
                for (field, message) in errs.iter() {
                    problems.push(row.location.error(Some(field), message));
                }
            }
        }
    }
    if problems.is_empty() && out.is_empty() {
        problems.push(RowError { location: crate::network::bulk::Location { source: 0, file: source.label.as_str().into(), part: None, row: None }, column: None, message: "has no shipment rows below its header".into() });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by_key(|p| p.location.row.unwrap_or(0));
        Err(problems)
    }
}

/// Import a shipments file into `ctx`'s partnership: every row or none, with one audit entry
/// naming the file and the rows written.
pub async fn import(db: &Db, ctx: &Context, source: Source) -> Result<ImportOutcome, Error> {
    let taken = store::references(db, ctx.partnership.id()).await?;
    let shipments = match parse_file(ctx, &source, &taken) {
        Ok(s) => s,
        Err(problems) => return Ok(Err(problems)),
    };
    Ok(Ok(store::insert_shipments(db, ctx.partnership.id(), &source.label, &shipments).await?))
}
