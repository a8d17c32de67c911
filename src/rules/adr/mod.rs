//! Architecture Decision Record rules (seed 003's ADR template and process).

pub mod format;
pub mod present;
pub mod template;

use crate::kinds::adr::DEFAULT_DIRS as DEFAULT_ADR_DIRS;

/// The ADR directories that `config` gives ADR files: the `dirs` option of `adr.format`
/// (see [`dirs`]).
pub fn dirs_in(config: &crate::config::Config) -> Vec<String> {
    dirs(
        &config
            .rule(&format::RULE)
            .options
            .get::<format::Options>()
            .dirs,
    )
}

/// The ADR directories in force: `given` (the `dirs` option of `adr.*`, slashes trimmed),
/// else the defaults.
pub fn dirs(given: &[String]) -> Vec<String> {
    if given.is_empty() {
        DEFAULT_ADR_DIRS.iter().map(|s| s.to_string()).collect()
    } else {
        given
            .iter()
            .map(|s| s.trim_matches('/').to_string())
            .collect()
    }
}
