//! Repository metadata: `.meta/repo.yaml` (seed 000), read as YAML documents.

use super::{FileKind, Kind, Name, ParseFailure, Parsed, ReadCtx};

/// The path of the repository metadata file (seed 000).
pub const PATH: &str = ".meta/repo.yaml";

/// The metadata kind.
pub static KIND: Kind = Kind {
    kind: FileKind::Metadata,
    matches,
    read,
    policy_input: true,
};

fn matches(name: &Name) -> bool {
    name.path.as_bytes() == PATH.as_bytes()
}

fn read(text: &str, _: &ReadCtx) -> Result<Parsed, ParseFailure> {
    crate::yaml::parse_stream(text)
        .map(Parsed::Metadata)
        .map_err(ParseFailure::yaml)
}
