//! Repository structure rules.

pub mod codeowners;
pub mod component_owners;
pub mod required_files;
