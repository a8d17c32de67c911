//! Repository structure rules.

pub mod required_files;
