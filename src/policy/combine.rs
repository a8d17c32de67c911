//! `--combine` (conftest's flag): the file policies judge every checked file at once.
//!
//! The input is one array of `{"path": <repo-relative path>, "contents": <document>}`, one
//! element per document (a YAML stream gives several), in path order, so that a policy can
//! relate files: a Deployment and the Service that should select it. Each finding is filed
//! under the file and line whose values its message quotes (the longest quoted value of at
//! least three characters wins), else under the repository (`.`) as a whole. Combined
//! results are not cached: they depend on every file at once.

use serde_json::{json, Value};

use crate::config::Config;
use crate::engine::{collect, Outcome};
use crate::finding::InputError;
use crate::kinds::{self, FileKind};
use crate::path::RepoPath;
use crate::source::Snapshot;

use super::PolicySet;

/// One quoted value of a combined file: (text, path, 1-based line).
type Candidate = (String, RepoPath, u32);

/// Evaluates the file rules of `policies` once on the combined documents of `snapshot`'s
/// files and adds their findings to `out`; files that cannot be read or parsed are input
/// errors, and an evaluation that fails is one for the repository.
pub fn evaluate(out: &mut Outcome, snapshot: &Snapshot, config: &Config, policies: &PolicySet) {
    let (input, candidates, errors) = combined(snapshot, config);
    out.errors.extend(errors);
    let mut files: Vec<&str> = input.iter().filter_map(|d| d["path"].as_str()).collect();
    files.dedup();
    out.files_checked = out.files_checked.max(files.len());
    let line_of = |_: &str| None;
    match policies.evaluate(&Value::Array(input), false, &line_of) {
        Ok(found) => {
            for f in found {
                let (path, line) = attribute(&candidates, &f.message)
                    .map_or((RepoPath::from_bytes("."), None), |(p, l)| {
                        (p.clone(), Some(l))
                    });
                let mut f = f;
                if f.line.is_none() {
                    f.line = line.and_then(crate::finding::Line::new);
                }
                collect(out, config, &path, &[f]);
            }
        }
        Err(message) => out.errors.push(InputError {
            path: RepoPath::from_bytes("."),
            line: None,
            message: format!("combined input: {message}"),
        }),
    }
    out.sort();
}

/// The file and line of the longest candidate text `message` contains.
fn attribute<'a>(candidates: &'a [Candidate], message: &str) -> Option<(&'a RepoPath, u32)> {
    candidates
        .iter()
        .filter(|(t, _, _)| t.chars().count() >= 3 && message.contains(t.as_str()))
        .max_by_key(|(t, _, l)| (t.len(), std::cmp::Reverse(*l)))
        .map(|(_, p, l)| (p, *l))
}

/// The combined input of the snapshot's files that policies read, their quoted values,
/// and the files that could not be read or parsed.
fn combined(snapshot: &Snapshot, config: &Config) -> (Vec<Value>, Vec<Candidate>, Vec<InputError>) {
    let reader = snapshot.reader();
    let (mut input, mut candidates, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for s in snapshot.subjects.iter() {
        let display = s.path.display();
        if !config.path_selected(&display) {
            continue;
        }
        let Some(kind) = kinds::classify(&s.path, &[]).filter(|k| kinds::get(*k).policy_input)
        else {
            continue;
        };
        let docs = reader
            .read_subject(s)
            .map_err(|e| (0, e.to_string()))
            .and_then(|bytes| documents(kind, &String::from_utf8_lossy(&bytes)));
        match docs {
            Ok(docs) => {
                for (doc, quoted) in docs {
                    input.push(json!({"path": display, "contents": doc}));
                    candidates.extend(quoted.into_iter().map(|(t, l)| (t, s.path.clone(), l)));
                }
            }
            Err((line, message)) => errors.push(InputError {
                path: s.path.clone(),
                line: crate::finding::Line::new(line),
                message,
            }),
        }
    }
    (input, candidates, errors)
}

/// A file's documents with their quoted values, as the per-file policy input reads them.
/// Errors: (1-based line or 0, message).
#[allow(clippy::type_complexity)]
fn documents(
    kind: FileKind,
    text: &str,
) -> Result<Vec<(Value, Vec<(String, u32)>)>, (u32, String)> {
    match kind {
        FileKind::Dockerfile => {
            let df = crate::dockerfile::parse(text).map_err(|e| (e.line, e.message))?;
            let quoted = df
                .instructions
                .iter()
                .map(|i| (i.args.clone(), i.line))
                .collect();
            Ok(vec![(super::input::dockerfile(&df), quoted)])
        }
        FileKind::Config(format) => {
            let doc = format.read(text).map_err(|e| (e.line, e.message))?;
            let quoted = crate::engine::scalar_lines(&doc, text);
            Ok(vec![(doc, quoted)])
        }
        _ => {
            let docs = crate::yaml::parse_stream(text)
                .map_err(|e| (e.line, format!("invalid YAML: {}", e.message)))?;
            Ok(docs
                .iter()
                .filter(|d| !d.value.is_null())
                .map(|d| (d.value.clone(), crate::engine::quoted_values(d)))
                .collect())
        }
    }
}
