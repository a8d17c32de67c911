//! git-govern: repository governance as a git hook, a CI check and a portfolio report.
//!
//! Data flow, one module per stage:
//! - [`source`]: which bytes are checked (staged blobs, tracked files, given paths);
//! - [`engine`]: plan rule × subject, serve results from the [`cache`] or run the
//!   [`rules`] (on a parsed [`dockerfile`] or [`yaml`] stream), apply [`config`] and
//!   inline suppressions ([`suppress`]);
//! - [`report`]: text, JSON, Markdown or GitHub output.
//!
//! [`run`] ties them together for the commands; `main.rs` only parses arguments.

pub mod cache;
pub mod config;
pub mod dockerfile;
pub mod engine;
pub mod error;
pub mod finding;
pub mod hooks;
pub mod message;
pub mod path;
pub mod report;
pub mod rules;
pub mod run;
pub mod source;
pub mod suppress;
pub mod waiver;
pub mod yaml;

pub use error::{Error, Result};
pub use finding::{Finding, Severity};
