//! Repository metadata: `.meta/repo.yaml` (seed 000), read as YAML documents; at the root
//! it describes the repository, below it a monorepo component ([`crate::components`]).

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
    let p = name.path.as_bytes();
    p == PATH.as_bytes() || (p.ends_with(PATH.as_bytes()) && p[p.len() - PATH.len() - 1] == b'/')
}

fn read(text: &str, _: &ReadCtx) -> Result<Parsed, ParseFailure> {
    crate::yaml::parse_stream(text)
        .map(Parsed::Metadata)
        .map_err(ParseFailure::yaml)
}
