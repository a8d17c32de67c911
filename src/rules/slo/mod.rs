//! Service level objective rules.

pub mod defined;
