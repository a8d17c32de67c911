//! git-govern: repository governance as a git hook, a CI check and a portfolio report.
//!
//! Data flow, one module per stage:
//! - [`source`]: which bytes are checked (staged blobs, tracked files, given paths);
//! - [`kinds`]: the input-kind registry (what a file is, how it is read);
//! - [`engine`]: plan rule × subject, serve results from the [`cache`] or run the
//!   [`rules`] (on a parsed [`dockerfile`] or [`yaml`] stream), apply [`config`] and
//!   inline suppressions ([`suppress`]);
//! - [`waiver`]: waivers and the secrets allow-list of `.govern.yaml`, applied to the
//!   outcome (never cached);
//! - [`report`]: text, JSON, Markdown, GitHub, SARIF or JUnit output.
//!
//! Commit messages ([`message`]) and branch names go through the same rules registry and
//! reports: the commit-msg and pre-push hooks and `check --commits` are in [`run`].
//!
//! [`portfolio`] runs the same engine over every repository under
//! `<root>/organizations/<org>/<repo>/` (one shared cache) and writes the catalog,
//! checkpoints and drift reports.
//!
//! [`run`] ties them together for the commands; `main.rs` only parses arguments.

pub mod baseline;
pub mod cache;
pub mod check;
pub mod commits;
pub mod components;
pub mod config;
pub mod dockerfile;
pub mod engine;
pub mod error;
pub mod finding;
pub mod formats;
pub mod hooks;
pub mod init;
pub mod kinds;
pub mod kustomize;
pub mod layers;
pub mod limits;
pub mod message;
pub mod output;
pub mod path;
pub mod policy;
pub mod portfolio;
pub mod push;
pub mod read;
pub mod report;
pub mod rules;
pub mod select;
pub mod session;
pub mod source;
pub mod suppress;
pub mod trace;
pub mod waiver;
pub mod words;
pub mod yaml;

pub use error::{Error, Result};
pub use finding::{Finding, Severity};
