//! Commit and push rules: commit messages and branch names (seed 003).

pub mod branch_naming;
pub mod conventional;
pub mod imperative;
