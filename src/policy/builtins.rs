//! conftest's built-in functions, as regorus extensions: `parse_config(parser, text)`,
//! `parse_config_file(path)` and `parse_combined_config_files(paths)`.
//!
//! Parsers are named as conftest names them: `yaml`, `json`, `dockerfile` and the
//! configuration formats (`toml`, `ini`, `hcl2`, `dotenv`, `xml`, `properties`); a file's
//! parser follows from its name as for inputs. A relative path is looked up next to the
//! policy files (conftest resolves it against the calling policy's directory; regorus does
//! not say which policy calls, so each policy directory is tried in order), then in the
//! repository. A file outside both the repository and the policy directories is refused,
//! links included: policies do not read the rest of the machine.
//!
//! The functions that read files make a policy's result depend on more than its input, so
//! a run whose policies call them does not use the result cache ([`reads_files`]).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::Source;

/// Where the file-reading functions may look during one evaluation.
#[derive(Debug, Clone, Default)]
pub struct FileAccess {
    /// The repository root (files may be read inside it).
    pub root: PathBuf,
    /// The directories holding the policy files, absolute, in load order.
    pub policy_dirs: Vec<PathBuf>,
}

thread_local! {
    static ACCESS: RefCell<Option<FileAccess>> = const { RefCell::new(None) };
}

/// Runs `f` with `access` in force for the file-reading functions on this thread.
pub fn with_files<R>(access: &FileAccess, f: impl FnOnce() -> R) -> R {
    ACCESS.with(|a| *a.borrow_mut() = Some(access.clone()));
    let out = f();
    ACCESS.with(|a| *a.borrow_mut() = None);
    out
}

/// Whether some of `sources` calls a function that reads files.
pub fn reads_files(sources: &[Source]) -> bool {
    sources.iter().any(|s| {
        s.text.contains("parse_config_file(") || s.text.contains("parse_combined_config_files(")
    })
}

/// Adds the three functions to `engine` (before any policy that calls them is added).
pub fn register(engine: &mut regorus::Engine) {
    let added = [
        engine.add_extension(
            "parse_config".into(),
            2,
            Box::new(|args: Vec<regorus::Value>| {
                let parser = string_arg(&args[0], "parse_config: the parser")?;
                let text = string_arg(&args[1], "parse_config: the configuration")?;
                to_rego(one(parse(&parser, &text).map_err(anyhow::Error::msg)?))
            }),
        ),
        engine.add_extension(
            "parse_config_file".into(),
            1,
            Box::new(|args: Vec<regorus::Value>| {
                let path = string_arg(&args[0], "parse_config_file: the path")?;
                to_rego(one(read_file(&path).map_err(anyhow::Error::msg)?.1))
            }),
        ),
        engine.add_extension(
            "parse_combined_config_files".into(),
            1,
            Box::new(|args: Vec<regorus::Value>| {
                let paths = args[0].as_array().map_err(|_| {
                    anyhow::Error::msg("parse_combined_config_files: expects an array of paths")
                })?;
                let mut combined = Vec::new();
                for p in paths.iter() {
                    let path = string_arg(p, "parse_combined_config_files: a path")?;
                    // A YAML stream gives one entry per document, as conftest combines.
                    for contents in read_file(&path).map_err(anyhow::Error::msg)?.1 {
                        combined.push(json!({"path": path, "contents": contents}));
                    }
                }
                to_rego(Value::Array(combined))
            }),
        ),
    ];
    debug_assert!(added.iter().all(Result::is_ok), "extensions are added once");
}

fn string_arg(v: &regorus::Value, what: &str) -> anyhow::Result<String> {
    v.as_string()
        .map(|s| s.to_string())
        .map_err(|_| anyhow::Error::msg(format!("{what} must be a string")))
}

fn to_rego(v: Value) -> anyhow::Result<regorus::Value> {
    regorus::Value::from_json_str(&v.to_string())
}

/// One document, or the array of a YAML stream's documents.
fn one(mut docs: Vec<Value>) -> Value {
    if docs.len() == 1 {
        docs.remove(0)
    } else {
        Value::Array(docs)
    }
}

/// Parses `text` with the parser conftest calls `parser`: its documents (several only for
/// a YAML stream). Errors: an unknown parser, or text that is not valid for it.
pub fn parse(parser: &str, text: &str) -> Result<Vec<Value>, String> {
    match parser {
        "yaml" | "yml" | "json" => Ok(crate::yaml::parse_stream(text)
            .map_err(|e| format!("invalid {parser} at line {}: {}", e.line, e.message))?
            .into_iter()
            .map(|d| d.value)
            .collect()),
        "dockerfile" => crate::dockerfile::parse(text)
            .map(|df| vec![super::input::dockerfile(&df)])
            .map_err(|e| format!("invalid Dockerfile at line {}: {}", e.line, e.message)),
        _ => {
            let format = crate::formats::ALL
                .iter()
                .find(|f| f.name() == parser || (parser == "hcl" && f.name() == "hcl2"))
                .ok_or_else(|| format!("unknown parser {parser:?}"))?;
            format
                .read(text)
                .map(|v| vec![v])
                .map_err(|e| format!("{} (line {})", e.message, e.line))
        }
    }
}

/// The parser for a file, by its name.
fn parser_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name == "dockerfile" || name.starts_with("dockerfile.") || name.ends_with(".dockerfile") {
        return Some("dockerfile");
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        return Some("yaml");
    }
    if name.ends_with(".json") {
        return Some("json");
    }
    crate::formats::Format::of_name(name.as_bytes()).map(|f| f.name())
}

/// Finds, checks and parses the file `path` names. Errors: no file there, a file outside
/// the repository and the policy directories, one no parser reads, or one that does not
/// parse.
fn read_file(path: &str) -> Result<(PathBuf, Vec<Value>), String> {
    let access = ACCESS
        .with(|a| a.borrow().clone())
        .ok_or("reading files is not available here")?;
    let wanted = Path::new(path);
    let candidates: Vec<PathBuf> = if wanted.is_absolute() {
        vec![wanted.to_path_buf()]
    } else {
        access
            .policy_dirs
            .iter()
            .chain(std::iter::once(&access.root))
            .map(|d| d.join(wanted))
            .collect()
    };
    let found = candidates
        .iter()
        .find(|c| c.is_file())
        .ok_or_else(|| format!("{path}: no such file next to the policies or in the repository"))?;
    let real = std::fs::canonicalize(found).map_err(|e| format!("{path}: {e}"))?;
    let allowed = std::iter::once(&access.root)
        .chain(&access.policy_dirs)
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .any(|d| real.starts_with(d));
    if !allowed {
        return Err(format!(
            "{path}: outside the repository and the policy directories; not read"
        ));
    }
    let parser = parser_of(&real).ok_or_else(|| format!("{path}: no parser reads this file"))?;
    let text = crate::read::bounded_text(&real, crate::read::CHECKED_LIMIT)
        .map_err(|e| format!("{path}: {e}"))?;
    Ok((
        real,
        parse(parser, &text).map_err(|e| format!("{path}: {e}"))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_with(policy: &str) -> regorus::Engine {
        let mut e = regorus::Engine::new();
        register(&mut e);
        e.add_policy("p.rego".into(), policy.into()).unwrap();
        e
    }

    #[test]
    fn parse_config_reads_every_named_format() {
        let mut e = engine_with(
            "package t\n\nimport rego.v1\n\n\
             port := parse_config(\"toml\", \"[server]\\nport = 8080\\n\").server.port\n\
             user := parse_config(\"dockerfile\", \"FROM a\\nUSER app\\n\")[1].Value[0]\n\
             kind := parse_config(\"yaml\", \"kind: Pod\\n\").kind\n",
        );
        let get = |e: &mut regorus::Engine, r: &str| e.eval_rule(format!("data.t.{r}")).unwrap();
        assert_eq!(get(&mut e, "port"), regorus::Value::from(8080i64));
        assert_eq!(get(&mut e, "user"), regorus::Value::from("app"));
        assert_eq!(get(&mut e, "kind"), regorus::Value::from("Pod"));
        assert!(parse("edn", "{}").unwrap_err().contains("unknown parser"));
    }

    #[test]
    fn files_are_read_next_to_the_policies_and_never_outside() {
        let repo = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join("policy")).unwrap();
        std::fs::write(repo.path().join("policy/limits.yaml"), "max: 3\n").unwrap();
        std::fs::write(repo.path().join("app.toml"), "name = \"shop\"\n").unwrap();
        std::fs::write(outside.path().join("secret.yaml"), "token: x\n").unwrap();
        let access = FileAccess {
            root: repo.path().to_path_buf(),
            policy_dirs: vec![repo.path().join("policy")],
        };
        let mut e = engine_with(
            "package t\n\nimport rego.v1\n\n\
             max := parse_config_file(\"limits.yaml\").max\n\
             names := [c.contents.name | some c in parse_combined_config_files([\"app.toml\"])]\n",
        );
        with_files(&access, || {
            assert_eq!(
                e.eval_rule("data.t.max".into()).unwrap(),
                regorus::Value::from(3i64)
            );
            let names = e.eval_rule("data.t.names".into()).unwrap();
            assert_eq!(
                names
                    .to_json_str()
                    .unwrap()
                    .replace(char::is_whitespace, ""),
                "[\"shop\"]"
            );
        });
        let secret = outside.path().join("secret.yaml");
        let err = with_files(&access, || read_file(&secret.to_string_lossy())).unwrap_err();
        assert!(err.contains("outside the repository"), "{err}");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&secret, repo.path().join("link.yaml")).unwrap();
            let err = with_files(&access, || read_file("link.yaml")).unwrap_err();
            assert!(err.contains("outside the repository"), "{err}");
        }
        assert!(
            read_file("limits.yaml").is_err(),
            "no access outside an evaluation"
        );
    }
}
