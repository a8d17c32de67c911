//! Architecture Decision Record rules (seed 003's ADR template and process).

pub mod format;
pub mod present;

use serde_json::Value;

use crate::kinds::adr::DEFAULT_DIRS as DEFAULT_ADR_DIRS;

/// The ADR directories in force: the `dirs` option of `adr.*`, else the defaults.
pub fn dirs(options: Option<&Value>) -> Vec<String> {
    let given: Vec<String> = options
        .and_then(|o| o.get("dirs"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(|s| s.trim_matches('/').to_string()))
                .collect()
        })
        .unwrap_or_default();
    if given.is_empty() {
        DEFAULT_ADR_DIRS.iter().map(|s| s.to_string()).collect()
    } else {
        given
    }
}
