//! Evaluate: parse one file once and run its rules and file policies on it; run the
//! repository policies on the repository document. Results carry no paths (they are
//! cached by content); inline suppressions are marked here.

use serde_json::Value;

use crate::cache::Cached;
use crate::config::Config;
use crate::finding::{InputError, Line, RawFinding};
use crate::kinds::{self, FileKind, ParseFailure, Parsed, ReadCtx};
use crate::path::RepoPath;
use crate::policy::PolicySet;
use crate::rules::{Check, Ctx, RepoSchema, Rule};
use crate::suppress;
use crate::yaml;

/// Parses one file and runs `rules` on it. Results are in `rules` order; a rule has no
/// result (`None`) when the file could not be parsed for it, and the error says why. Text
/// rules (`secrets.*`) still run on a file whose structure is broken.
#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate(
    kind: Option<FileKind>,
    context: &str,
    path: &RepoPath,
    bytes: &[u8],
    rules: &[&'static Rule],
    config: &Config,
    schema: &RepoSchema,
    policies: Option<&PolicySet>,
) -> (Vec<Option<Cached>>, Option<Cached>, Option<InputError>) {
    let binary = kinds::text::is_binary(bytes);
    let text = String::from_utf8_lossy(bytes);
    let run_one = |r: &Rule, f: &dyn Fn(&Ctx) -> Vec<RawFinding>| -> Cached {
        let ctx = Ctx {
            options: &config.rule(r).options,
            repo_schema: schema,
        };
        let mut fs = f(&ctx);
        suppress::apply(&text, &mut fs);
        redact_all(&mut fs);
        Cached::Findings(fs)
    };
    // The structured rules' input, parsed once.
    let parsed = if binary {
        Err(ParseFailure::Skip("binary file".into()))
    } else if let Some(failure) = too_large(kind, bytes, &text, &config.limits) {
        Err(failure)
    } else {
        let ctx = ReadCtx {
            context,
            json: kinds::is_json(path),
        };
        kinds::read(kind, &text, &ctx)
    };
    let mut error = match &parsed {
        Err(ParseFailure::Error(line, message)) => Some(InputError {
            path: path.clone(),
            line: Line::new(*line),
            message: message.clone(),
        }),
        _ => None,
    };
    let policy_result = policies.and_then(|set| match &parsed {
        Err(ParseFailure::Skip(reason)) => Some(Cached::Skipped(reason.clone())),
        Err(ParseFailure::Error(..)) => None,
        Ok(p) => match evaluate_policies(set, kind, p, &text, kinds::is_json(path)) {
            Ok(mut fs) => {
                suppress::apply(&text, &mut fs);
                redact_all(&mut fs);
                Some(Cached::Findings(fs))
            }
            Err((line, message)) => {
                error.get_or_insert(InputError {
                    path: path.clone(),
                    line: Line::new(line),
                    message,
                });
                None
            }
        },
    });
    let results = rules
        .iter()
        .map(|r| match (&r.check, &parsed) {
            (Check::Text(f), _) => Some(if !kinds::text::readable(bytes) {
                Cached::Findings(Vec::new())
            } else {
                run_one(r, &|ctx| f(&text, ctx))
            }),
            (_, Err(ParseFailure::Error(..))) => None,
            (_, Err(ParseFailure::Skip(reason))) => Some(Cached::Skipped(reason.clone())),
            (Check::Dockerfile(f), Ok(Parsed::Dockerfile(df))) => {
                Some(run_one(r, &|ctx| f(df, ctx)))
            }
            (Check::Manifest(f), Ok(Parsed::Manifest(docs))) => {
                Some(run_one(r, &|ctx| f(docs, ctx)))
            }
            (Check::Metadata(f), Ok(Parsed::Metadata(docs))) => {
                let doc = docs.first().filter(|d| !d.value.is_null());
                Some(run_one(r, &|ctx| f(doc, ctx)))
            }
            (Check::Adr(f), Ok(Parsed::Adr(adr))) => Some(run_one(r, &|ctx| f(adr, ctx))),
            _ => Some(Cached::Findings(Vec::new())),
        })
        .collect();
    (results, policy_result, error)
}

/// Redacts the messages and help of `fs` before they are cached (see
/// [`crate::rules::secrets::redact`]).
fn redact_all(fs: &mut [RawFinding]) {
    use crate::rules::secrets::redact::redact;
    for f in fs {
        if let std::borrow::Cow::Owned(m) = redact(&f.message) {
            f.message = m;
        }
        if let std::borrow::Cow::Owned(h) = redact(&f.help) {
            f.help = h;
        }
    }
}

/// The input error of a structured file over its kind's limit (16 MiB unless `limits:`
/// says otherwise; a YAML or JSON file only when it looks like a manifest): parsing it
/// would cost seconds and gigabytes for no finding a person could act on.
fn too_large(
    kind: Option<FileKind>,
    bytes: &[u8],
    text: &str,
    limits: &crate::limits::Limits,
) -> Option<ParseFailure> {
    let kind = kind?;
    let limit = limits.of(kind);
    if (bytes.len() as u64) <= limit
        || (kind == FileKind::Manifest && !(text.contains("apiVersion") && text.contains("kind")))
    {
        return None;
    }
    Some(ParseFailure::Error(
        0,
        format!(
            "larger than {}, the most git-govern reads of one {}; not checked \
             (`limits: {{{}: …}}` in .govern.yaml raises it)",
            crate::read::size(limit),
            kind.noun(),
            crate::limits::Limits::key(kind)
        ),
    ))
}

/// Evaluates the policies on a parsed file: one input for a Dockerfile or a configuration
/// file, one per YAML document. Lines come from the policy or from the values a message
/// quotes. Errors: (1-based line or 0, message) of a file that does not parse or an
/// evaluation that failed.
fn evaluate_policies(
    set: &PolicySet,
    kind: Option<FileKind>,
    parsed: &Parsed,
    text: &str,
    json: bool,
) -> Result<Vec<RawFinding>, (u32, String)> {
    let no_line = |m: String| (0, m);
    let reparsed;
    let docs: &[yaml::Document] = match parsed {
        Parsed::Dockerfile(df) => {
            let candidates: Vec<(String, u32)> = df
                .instructions
                .iter()
                .flat_map(|i| {
                    let mut c = vec![(i.args.clone(), i.line)];
                    c.extend(i.args.split_whitespace().map(|a| (a.to_string(), i.line)));
                    c.extend(i.json.iter().flatten().map(|a| (a.clone(), i.line)));
                    c
                })
                .collect();
            return set
                .evaluate(&crate::policy::input::dockerfile(df), false, &|m| {
                    crate::policy::lines(&candidates, m)
                })
                .map_err(no_line);
        }
        Parsed::Config => {
            let Some(FileKind::Config(format)) = kind else {
                return Ok(Vec::new());
            };
            let doc = format.read(text).map_err(|e| (e.line, e.message))?;
            let candidates = scalar_lines(&doc, text);
            return set
                .evaluate(&doc, false, &|m| crate::policy::lines(&candidates, m))
                .map_err(no_line);
        }
        Parsed::Manifest(d) | Parsed::Metadata(d) => d,
        Parsed::NotManifest => {
            reparsed = yaml::parse_stream(text).unwrap_or_default();
            &reparsed
        }
        // JSON is YAML, so the YAML reader gives it a line map too.
        Parsed::Nothing if json => match yaml::parse_stream(text) {
            Ok(d) => {
                reparsed = d;
                &reparsed
            }
            Err(e) => return Err((e.line, format!("invalid JSON: {}", e.message))),
        },
        Parsed::Adr(_) | Parsed::Nothing => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for d in docs.iter().filter(|d| !d.value.is_null()) {
        let candidates = quoted_values(d);
        let start = d.start_line;
        out.extend(
            set.evaluate(&d.value, false, &|m| {
                crate::policy::lines(&candidates, m).or(Some(start))
            })
            .map_err(no_line)?,
        );
    }
    Ok(out)
}

/// The most scalar values of a configuration document looked up for lines.
const SCALARS_LOOKED_UP: usize = 2_000;

/// The scalar values of a configuration document (which has no line map) with the first
/// line of `text` that holds each, for finding the line a policy message quotes.
pub(crate) fn scalar_lines(doc: &Value, text: &str) -> Vec<(String, u32)> {
    let mut scalars = Vec::new();
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        if scalars.len() >= SCALARS_LOOKED_UP {
            break;
        }
        match v {
            Value::String(s) if s.chars().count() >= 3 => scalars.push(s.clone()),
            Value::Number(n) => scalars.push(n.to_string()),
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    scalars
        .into_iter()
        .filter_map(|s| {
            let at = text.find(s.as_str())?;
            Some((s, crate::formats::line_at(text, at)))
        })
        .collect()
}

/// The scalar values of a YAML document with their lines, for finding the line a policy
/// message quotes. The type tags (`kind`, `apiVersion`) are left out: they name every
/// object of their kind, so the name or the other quoted values say more about where the
/// problem is.
pub(crate) fn quoted_values(d: &yaml::Document) -> Vec<(String, u32)> {
    d.lines
        .iter()
        .filter(|(ptr, _)| !matches!(ptr.as_str(), "/kind" | "/apiVersion"))
        .filter_map(|(ptr, line)| match d.value.pointer(ptr)? {
            Value::String(s) => Some((s.clone(), *line)),
            Value::Number(n) => Some((n.to_string(), *line)),
            _ => None,
        })
        .collect()
}

/// Evaluates the `govern.repo` policies once on the repository document; findings name
/// `.meta/repo.yaml` (or "." without one) and the metadata line a message quotes.
pub(super) fn repository_policies(
    view: &dyn crate::source::view::RepoView,
    policies: &PolicySet,
    adr_dirs: &[String],
) -> (RepoPath, Result<Vec<RawFinding>, String>) {
    let (doc, meta) = crate::policy::input::repository(view, adr_dirs, &policies.repo_fields);
    let candidates = meta.as_ref().map(quoted_values).unwrap_or_default();
    let path = RepoPath::from_bytes(if meta.is_some() {
        kinds::metadata::PATH
    } else {
        "."
    });
    let found = policies.evaluate(&doc, true, &|m| crate::policy::lines(&candidates, m));
    (path, found)
}
