//! YAML streams as JSON values plus a line map.
//!
//! Every YAML input (manifests, `.meta/repo.yaml`, `.govern.yaml`) is parsed once with
//! saphyr, which keeps node positions, and turned into one [`Document`] per `---`
//! document: a `serde_json::Value` that rules and JSON Schema read, and a map from JSON
//! pointer to the 1-based line where that key or item is written, so any finding or schema
//! error can name its line.

use std::collections::HashMap;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

/// One YAML document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document's data; YAML tags are dropped, aliases resolve as saphyr resolves them.
    pub value: Value,
    /// JSON pointer ("" for the root, "/spec/containers/0/image") → 1-based line of the key
    /// (for mapping members) or of the item (for sequence items).
    pub lines: HashMap<String, u32>,
    /// 1-based line where the document starts.
    pub start_line: u32,
}

impl Document {
    /// The line of `pointer`, or of its nearest ancestor that has one.
    pub fn line_of(&self, pointer: &str) -> u32 {
        let mut p = pointer;
        loop {
            if let Some(&l) = self.lines.get(p) {
                return l;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.start_line,
            }
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The parser's description.
    pub message: String,
}

/// Parses a YAML stream into documents. Errors carry the 1-based line and column of the
/// first syntax error (duplicate keys are errors, as in YAML 1.2).
pub fn parse_stream(text: &str) -> Result<Vec<Document>, SyntaxError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| SyntaxError {
        line: e.marker().line() as u32,
        column: e.marker().col() as u32 + 1,
        message: e.info().to_string(),
    })?;
    Ok(docs
        .iter()
        .map(|d| {
            let mut lines = HashMap::new();
            let start_line = d.span.start.line().max(1) as u32;
            lines.insert(String::new(), start_line);
            let value = convert(d, String::new(), &mut lines);
            Document {
                value,
                lines,
                start_line,
            }
        })
        .collect())
}

/// Escapes one JSON pointer token (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn scalar_to_json(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

fn key_text(node: &MarkedYaml<'_>) -> String {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => s.to_string(),
        YamlData::Value(Scalar::Null) => "null".into(),
        YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
        YamlData::Value(Scalar::Integer(i)) => i.to_string(),
        YamlData::Value(Scalar::FloatingPoint(f)) => f.to_string(),
        YamlData::Representation(s, _, _) => s.to_string(),
        YamlData::Tagged(_, inner) => key_text(inner),
        other => format!("{:?}", std::mem::discriminant(other)),
    }
}

fn convert(node: &MarkedYaml<'_>, pointer: String, lines: &mut HashMap<String, u32>) -> Value {
    match &node.data {
        YamlData::Value(s) => scalar_to_json(s),
        YamlData::Representation(s, _, _) => Value::String(s.to_string()),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{pointer}/{i}");
                    lines.insert(p.clone(), item.span.start.line() as u32);
                    convert(item, p, lines)
                })
                .collect(),
        ),
        YamlData::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter() {
                let key = key_text(k);
                let p = format!("{pointer}/{}", escape_token(&key));
                lines.insert(p.clone(), k.span.start.line() as u32);
                let value = convert(v, p, lines);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        YamlData::Tagged(_, inner) => convert(inner, pointer, lines),
        _ => Value::Null,
    }
}

/// The JSON pointer (RFC 6901) of a serde path, for [`Document::line_of`]: `/limits/1`.
pub fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for s in path.iter() {
        out.push('/');
        match s {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&escape_token(key)),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_keys_and_items() {
        let docs =
            parse_stream("a: 1\nb:\n  - x\n  - name: y\n    c: 2\n---\nkind: Pod\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].lines["/a"], 1);
        assert_eq!(docs[0].lines["/b/1"], 4);
        assert_eq!(docs[0].lines["/b/1/c"], 5);
        assert_eq!(docs[1].lines["/kind"], 7);
        assert_eq!(docs[0].line_of("/b/1/missing"), 4);
    }

    #[test]
    fn syntax_error_has_line() {
        let e = parse_stream("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
    }
}
