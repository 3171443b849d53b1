//! Help Scout webhooks in Rust: signatures, the event catalogue, lazy payload records and
//! the Mailbox API 2.0 webhook client. The `python` feature adds the PyO3 bindings that the
//! `helpscout` Python package is built on; everything else is plain Rust.

pub mod client;
pub mod datetime;
pub mod envelope;
pub mod error;
pub mod events;
pub mod limits;
pub mod models;
pub mod payload;
pub mod record;
pub mod signature;

#[cfg(feature = "python")]
mod bindings;
