//! Rules about how a YAML file is written rather than what it declares.

pub mod duplicate_key;
