//! Portfolio: every repository under `<root>/organizations/<org>/<repo>/`, checked with the
//! hook's rules and cache, and the files platform teams read (seeds 000 and 001).
//!
//! - [`discover`]: which repositories there are (symbolic links kept inside the root);
//! - [`scan`]: check them in parallel with one shared cache, one [`record::RepoRecord`]
//!   each;
//! - [`catalog`]: `.metaHub/catalog/catalog.json` (inventory, summary, changes);
//! - [`checkpoint`]: `.metaHub/checkpoints/` snapshots, baseline, prune;
//! - [`drift`]: two checkpoints compared, classed by [`ack`]nowledgements, as the weekly
//!   Markdown report and GitHub outputs;
//! - [`backstage`]: the portfolio as Backstage catalog entities;
//! - [`dashboard`]: the HTML page of trends built from the catalog and checkpoints;
//! - [`shard`]: a portfolio split over machines, and its parts assembled.

pub mod ack;
pub mod backstage;
pub mod catalog;
pub mod checkpoint;
pub mod command;
pub mod dashboard;
pub mod discover;
pub mod drift;
pub mod record;
pub mod scan;
pub mod shard;
