//! Freight pooling engine: member manufacturers post shipments, the engine pools them into shared
//! truck routes (a pickup-and-delivery vehicle routing problem with time windows and capacity,
//! PDPTW, solved with the `vrp-core` / `vrp-pragmatic` crates), prices each shipment going alone,
//! and splits the joint savings among members. Pure functions over plain data: no I/O.

pub mod allocation;
pub mod baseline;
pub mod check;
pub mod emissions;
pub mod evaluate;
pub mod lilim;
pub mod model;
pub mod solve;
pub mod travel;

pub use model::*;
