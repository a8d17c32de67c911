//! The input-kind registry: every kind of file git-govern understands, each in its own
//! module owning its name matching, its reader and its parsed form.
//!
//! Plan classifies a path with [`classify`] (by name alone), evaluate reads it once with
//! [`read`], and the policy input documents ask the same registry which files are
//! Dockerfiles, manifests or ADRs. Text is not a kind: the text rules ([`text`]) read
//! every file whatever its kind. CODEOWNERS ([`codeowners`]) is read by the repository
//! rules, not planned per file.
//!
//! Adding a kind: a module with a `static KIND: Kind`, a line in [`ALL`], a [`FileKind`]
//! variant and a [`Parsed`] variant for its parsed form (the compiler then lists the
//! `match`es a rule family for it extends: `rules::Check`).

pub mod adr;
pub mod codeowners;
pub mod config;
pub mod dockerfile;
pub mod manifest;
pub mod metadata;
pub mod text;

use crate::path::RepoPath;
use crate::yaml;

/// The kinds of file that file rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A Dockerfile or Containerfile ([`dockerfile`]).
    Dockerfile,
    /// A YAML or JSON file that may hold Kubernetes objects ([`manifest`]).
    Manifest,
    /// `.meta/repo.yaml` ([`metadata`]).
    Metadata,
    /// A Markdown file in an ADR directory ([`adr`]).
    Adr,
    /// A configuration file only policies read ([`config`]).
    Config(crate::formats::Format),
}

impl FileKind {
    /// One file of the kind in words, for messages: "Dockerfile", "manifest file",
    /// "metadata file", "ADR".
    pub fn noun(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "Dockerfile",
            FileKind::Manifest => "manifest file",
            FileKind::Metadata => "metadata file",
            FileKind::Adr => "ADR",
            FileKind::Config(_) => "configuration file",
        }
    }
}

/// What name matching sees of a path.
pub struct Name<'a> {
    /// The repo-relative path.
    pub path: &'a RepoPath,
    /// Its file name in ASCII lower case.
    pub lower: &'a [u8],
    /// The ADR directories in force (repo-relative).
    pub adr_dirs: &'a [String],
}

/// What a reader knows besides the text.
pub struct ReadCtx<'a> {
    /// The file's context tag (e.g. [`manifest::HELM_CONTEXT`]), empty for none.
    pub context: &'a str,
    /// Whether the file name ends in `.json`.
    pub json: bool,
}

/// One kind of input.
pub struct Kind {
    /// The kind.
    pub kind: FileKind,
    /// Whether a path is of this kind, by name alone.
    pub matches: fn(&Name) -> bool,
    /// Reads a file's text into its parsed form. Errors: the file is broken (an input
    /// error with its line), or passed over on purpose.
    pub read: fn(&str, &ReadCtx) -> Result<Parsed, ParseFailure>,
    /// Whether the file policies get its parsed form as input (conftest's inputs).
    pub policy_input: bool,
}

/// The files policies read, in words (for messages and `--help`).
pub const POLICY_INPUTS: &str =
    "Dockerfiles, YAML and JSON, .meta/repo.yaml, TOML, INI, HCL2 (.tf, .tfvars, .hcl), \
     dotenv (.env), XML and Java properties files";

/// Every kind, in matching order: the first that matches a path decides its kind.
pub static ALL: &[&Kind] = &[
    &metadata::KIND,
    &dockerfile::KIND,
    &manifest::KIND,
    &adr::KIND,
    &config::TOML,
    &config::INI,
    &config::HCL2,
    &config::DOTENV,
    &config::XML,
    &config::PROPERTIES,
];

/// The registry entry of `kind`.
pub fn get(kind: FileKind) -> &'static Kind {
    ALL.iter()
        .copied()
        .find(|k| k.kind == kind)
        .expect("every FileKind is registered")
}

/// Decides which kind of file `path` is, by name alone. `adr_dirs` are repo-relative.
pub fn classify(path: &RepoPath, adr_dirs: &[String]) -> Option<FileKind> {
    // The name in lower case, on the stack for the usual lengths (this runs for every file).
    let raw = path.file_name();
    let mut buf = [0u8; 64];
    let owned;
    let lower: &[u8] = if raw.len() <= buf.len() {
        buf[..raw.len()].copy_from_slice(raw);
        buf[..raw.len()].make_ascii_lowercase();
        &buf[..raw.len()]
    } else {
        owned = raw.to_ascii_lowercase();
        &owned
    };
    let name = Name {
        path,
        lower,
        adr_dirs,
    };
    ALL.iter().find(|k| (k.matches)(&name)).map(|k| k.kind)
}

/// Whether `path`'s name ends in `.json` (any case).
pub fn is_json(path: &RepoPath) -> bool {
    path.file_name().to_ascii_lowercase().ends_with(b".json")
}

/// A file read for the structured rules of its kind.
pub enum Parsed {
    /// A Dockerfile's stages and instructions.
    Dockerfile(crate::dockerfile::Dockerfile),
    /// The documents of a manifest file.
    Manifest(Vec<yaml::Document>),
    /// A YAML file without Kubernetes objects: the manifest rules find nothing.
    NotManifest,
    /// The documents of `.meta/repo.yaml`.
    Metadata(Vec<yaml::Document>),
    /// An ADR's headings and lines.
    Adr(adr::Adr),
    /// A configuration file, parsed when a policy reads it ([`config`]).
    Config,
    /// No structured rule reads this file (text rules only).
    Nothing,
}

/// Why the structured rules of a file do not run.
pub enum ParseFailure {
    /// Passed over on purpose (binary, templated): the reason.
    Skip(String),
    /// The file is broken: (1-based line, message).
    Error(u32, String),
}

impl ParseFailure {
    /// A YAML syntax error as a broken file.
    pub fn yaml(e: yaml::SyntaxError) -> ParseFailure {
        ParseFailure::Error(
            e.line,
            format!("invalid YAML at column {}: {}", e.column, e.message),
        )
    }
}

/// Reads `text` as `kind` (nothing for a file of no kind).
pub fn read(kind: Option<FileKind>, text: &str, ctx: &ReadCtx) -> Result<Parsed, ParseFailure> {
    match kind {
        None => Ok(Parsed::Nothing),
        Some(k) => (get(k).read)(text, ctx),
    }
}
