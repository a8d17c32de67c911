//! Repository structure rules.

pub mod codeowners;
pub mod required_files;
