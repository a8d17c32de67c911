//! Architecture decision records: Markdown files directly in an ADR directory (seed 003),
//! other than a README, an index or a template. Their rules read the text.

use super::{FileKind, Kind, Name, ParseFailure, Parsed, ReadCtx};

/// Directories where ADRs are looked for, unless `adr.*` options name others.
pub const DEFAULT_DIRS: &[&str] = &[
    "docs/adr",
    "doc/adr",
    "adr",
    "docs/decisions",
    "docs/architecture/decisions",
];

/// The ADR kind.
pub static KIND: Kind = Kind {
    kind: FileKind::Adr,
    matches,
    read,
    policy_input: false,
};

fn matches(name: &Name) -> bool {
    let n = name.lower;
    n.ends_with(b".md")
        && !matches!(n, b"readme.md" | b"index.md" | b"template.md")
        && name
            .adr_dirs
            .iter()
            .any(|d| name.path.parent() == d.as_bytes())
}

fn read(_: &str, _: &ReadCtx) -> Result<Parsed, ParseFailure> {
    Ok(Parsed::Adr)
}
