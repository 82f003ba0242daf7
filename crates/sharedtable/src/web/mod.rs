//! Shared web parts: the error type (HTML page or problem+json), the page layout, pagination,
//! and the app state handed to every handler.

pub mod error;
pub mod layout;

pub use error::{Error, FieldErrors, Problem};

use crate::db::Db;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
}

/// Largest request body accepted, in bytes (forms, JSON and uploads): 10 MiB.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
