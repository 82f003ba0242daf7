//! The one integration-test binary: each module spawns the real app on an ephemeral port with a
//! fresh SQLite file (see `support`).

mod support;
mod pages;
