//! The one integration-test binary: each module spawns the real app on an ephemeral port with a
//! fresh SQLite file (see `support`).

mod data;
mod support;
mod api;
mod forms;
mod browser;
mod pages;
mod upload;
mod cache;
mod freight;
mod freight_cli;
mod backup;
mod robustness;
mod access;
mod audit;
mod accounts;
mod hostile;
mod schema_fixes;
