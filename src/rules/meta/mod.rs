//! Repository metadata rules: `.meta/repo.yaml` exists and is valid.

pub mod present;
pub mod schema;
