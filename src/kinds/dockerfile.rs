//! Dockerfiles and Containerfiles, by name (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
//! `Containerfile`), read into stages and instructions by [`crate::dockerfile`].

use super::{FileKind, Kind, Name, ParseFailure, Parsed, ReadCtx};

/// The Dockerfile kind.
pub static KIND: Kind = Kind {
    kind: FileKind::Dockerfile,
    matches,
    read,
    policy_input: true,
};

fn matches(name: &Name) -> bool {
    let n = name.lower;
    n == b"dockerfile"
        || n == b"containerfile"
        || n.ends_with(b".dockerfile")
        || ((n.starts_with(b"dockerfile.") || n.starts_with(b"containerfile."))
            && !NOT_DOCKERFILE_EXTENSIONS
                .iter()
                .any(|ext| n.ends_with(ext.as_bytes())))
}

fn read(text: &str, _: &ReadCtx) -> Result<Parsed, ParseFailure> {
    crate::dockerfile::parse(text)
        .map(Parsed::Dockerfile)
        .map_err(|e| ParseFailure::Error(e.line, format!("cannot read Dockerfile: {}", e.message)))
}

/// Endings that make a `Dockerfile.*` name something else: BuildKit's per-Dockerfile
/// ignore file, documentation, templates that need rendering, backups.
pub const NOT_DOCKERFILE_EXTENSIONS: &[&str] = &[
    // BuildKit's per-Dockerfile ignore file, documentation, templates, backups, data.
    ".dockerignore",
    ".md",
    ".txt",
    ".rst",
    ".adoc",
    ".orig",
    ".bak",
    ".swp",
    ".j2",
    ".jinja",
    ".jinja2",
    ".tmpl",
    ".tpl",
    ".template",
    ".in",
    ".erb",
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".xml",
    ".lock",
    ".log",
    ".patch",
    ".diff",
    ".snap",
    ".html",
    // Source code named after Dockerfiles (a parser's `dockerfile.rs`, `dockerfile.go`, ...).
    ".rs",
    ".go",
    ".py",
    ".pyi",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".jsx",
    ".tsx",
    ".java",
    ".kt",
    ".scala",
    ".rb",
    ".php",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".hpp",
    ".cs",
    ".swift",
    ".lua",
    ".pl",
    ".sh",
    ".bash",
    ".ps1",
    ".bat",
    ".cmd",
    ".el",
    ".hs",
    ".ex",
    ".exs",
    ".clj",
    ".dart",
    ".vim",
    ".sql",
];
