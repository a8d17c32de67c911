//! Data documents for policies (`--data PATH`, conftest's `-d`): YAML and JSON files whose
//! content policies read under `data.`, placed as OPA's loader places them.
//!
//! A file given by name is merged at the root of `data` (`services.yaml` holding
//! `services: {…}` is `data.services`); a file found under a given directory is merged at
//! the path of its directory relative to that one (`dir/team/a.yaml` under `data.team`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// One data file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDoc {
    /// Where it is merged: the keys under `data`, outermost first (empty for the root).
    pub prefix: Vec<String>,
    /// The file as given or found, for messages and the cache key.
    pub name: String,
    /// Its text.
    pub text: String,
}

impl DataDoc {
    /// The document as one value rooted at `data` (its content wrapped in its prefix).
    /// Errors (input, with the line): the file is not YAML or JSON, or is not a mapping at
    /// its root, which `data` must be.
    pub fn value(&self) -> Result<Value> {
        let docs = crate::yaml::parse_stream(&self.text).map_err(|e| {
            Error::input(
                &self.name,
                e.line,
                format!("invalid YAML or JSON: {}", e.message),
            )
        })?;
        let mut merged = Map::new();
        for d in docs {
            match d.value {
                Value::Object(o) => merged.extend(o),
                Value::Null => {}
                _ => {
                    return Err(Error::input(
                        &self.name,
                        d.start_line,
                        "a data document must be a mapping at its root".to_string(),
                    ))
                }
            }
        }
        Ok(self
            .prefix
            .iter()
            .rev()
            .fold(Value::Object(merged), |inner, key| {
                Value::Object(Map::from_iter([(key.clone(), inner)]))
            }))
    }
}

/// Whether `p` names a data file (`.yaml`, `.yml`, `.json`).
fn is_data_file(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

/// Reads the data at `path`: the file itself, or every data file under the directory
/// (recursively, sorted by path; symbolic links inside are not followed). With `confine`
/// (a repository's own configuration), a path leading out of that directory is refused.
/// Errors (usage): the path cannot be read or leads out, a named file is not a data file,
/// or a directory holds none.
pub fn read(path: &Path, confine: Option<&Path>) -> Result<Vec<DataDoc>> {
    if let Some(root) = confine {
        if crate::read::leads_out(path, root) {
            return Err(Error::Usage(format!(
                "data path {} leads out of the repository; not read",
                path.display()
            )));
        }
    }
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::Usage(format!("data path {}: {e}", path.display())))?;
    if meta.is_file() {
        if !is_data_file(path) {
            return Err(Error::Usage(format!(
                "data file {} is not .yaml, .yml or .json",
                path.display()
            )));
        }
        return Ok(vec![doc(path, Vec::new())?]);
    }
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Error::Usage(format!("data directory {}: {e}", dir.display())))?;
        for e in entries.flatten() {
            let p = e.path();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(p);
            } else if kind.is_file() && is_data_file(&p) {
                let prefix = p
                    .parent()
                    .and_then(|d| d.strip_prefix(path).ok())
                    .map(|rel| {
                        rel.components()
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(doc(&p, prefix)?);
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(format!(
            "data directory {} holds no .yaml, .yml or .json file",
            path.display()
        )));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn doc(p: &Path, prefix: Vec<String>) -> Result<DataDoc> {
    let text = crate::read::bounded_text(p, crate::read::CONFIG_LIMIT)
        .map_err(|e| Error::Usage(format!("{}: {e}", p.display())))?;
    Ok(DataDoc {
        prefix,
        name: p.display().to_string(),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_at_the_root_and_directories_by_their_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("team/x")).unwrap();
        std::fs::write(
            dir.path().join("services.yaml"),
            "services:\n  ports: [22]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("team/x/owners.json"), "{\"a\": 1}").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not data").unwrap();
        let docs = read(dir.path(), None).unwrap();
        assert_eq!(docs.len(), 2);
        let values: Vec<Value> = docs.iter().map(|d| d.value().unwrap()).collect();
        assert!(values.contains(&serde_json::json!({"services": {"ports": [22]}})));
        assert!(values.contains(&serde_json::json!({"team": {"x": {"a": 1}}})));
        let one = read(&dir.path().join("services.yaml"), None).unwrap();
        assert!(one[0].prefix.is_empty());
        assert!(read(&dir.path().join("notes.txt"), None).is_err());
        let outside = tempfile::tempdir().unwrap();
        assert!(
            read(dir.path(), Some(outside.path())).is_err(),
            "outside the confining root"
        );
        std::fs::write(dir.path().join("bad.yaml"), "- a list\n").unwrap();
        let e = read(&dir.path().join("bad.yaml"), None).unwrap()[0]
            .value()
            .unwrap_err();
        assert!(e.to_string().contains("mapping"), "{e}");
    }
}
