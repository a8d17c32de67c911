//! Rules about the governance exceptions themselves.

pub mod expired;
