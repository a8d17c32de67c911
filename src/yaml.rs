//! YAML streams as JSON values plus a line map.
//!
//! Every YAML input (manifests, `.meta/repo.yaml`, `.govern.yaml`) is parsed once with
//! saphyr, which keeps node positions, and turned into one [`Document`] per `---`
//! document: a `serde_json::Value` that rules and JSON Schema read, and a map from JSON
//! pointer to the 1-based line where that key or item is written, so any finding or schema
//! error can name its line.

use std::collections::HashMap;

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};
use saphyr_parser::{Event, Parser, SpannedEventReceiver};
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
    /// Keys a mapping of the document gives more than once, in order of the repeat. The
    /// value is the last one given, as kubectl reads such a file, and [`Document::lines`]
    /// points at the last key.
    pub duplicates: Vec<DuplicateKey>,
}

/// A key given twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// JSON pointer of the key (`/spec/selector`).
    pub pointer: String,
    /// The key as written.
    pub key: String,
    /// 1-based line of the earlier key.
    pub first_line: u32,
    /// 1-based line of this, the later key.
    pub line: u32,
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

/// How deeply collections may nest in one document. Kubernetes objects, CRD schemas
/// included, stay far below it; the limit keeps every later step (conversion, schema
/// validation, rules, policies), which walk values recursively, within a thread's stack.
pub const MAX_DEPTH: usize = 256;

/// Parses a YAML stream into documents. Errors carry the 1-based line and column of the
/// first syntax error, or of the collection nested deeper than [`MAX_DEPTH`]. A key
/// repeated in a mapping is no error: the last value wins and the repeat is listed in
/// [`Document::duplicates`].
pub fn parse_stream(text: &str) -> Result<Vec<Document>, SyntaxError> {
    let mut loader = YamlLoader::<MarkedYaml>::default();
    loader.allow_duplicate_keys(true);
    let mut recv = Receiver {
        loader,
        frames: Vec::new(),
        docs: Vec::new(),
        too_deep: None,
    };
    let scan = |e: saphyr::ScanError| SyntaxError {
        line: e.marker().line() as u32,
        column: e.marker().col() as u32 + 1,
        message: e.info().to_string(),
    };
    // The parser's own `load` recurses once per nesting level; reading its events one by
    // one lets the receiver stop at the depth limit with the stack untouched.
    for next in Parser::new_from_str(text) {
        let (event, span) = next.map_err(scan)?;
        recv.on_event(event, span);
        if recv.too_deep.is_some() {
            break;
        }
    }
    if let Some((line, column)) = recv.too_deep {
        return Err(SyntaxError {
            line,
            column,
            message: format!("collections nest deeper than {MAX_DEPTH} levels here"),
        });
    }
    if let Some(e) = recv.loader.error() {
        return Err(scan(e.clone()));
    }
    let found = recv.docs;
    Ok(recv
        .loader
        .into_documents()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut lines = HashMap::new();
            let start_line = d.span.start.line().max(1) as u32;
            lines.insert(String::new(), start_line);
            let value = convert(d, String::new(), &mut lines);
            let duplicates = found.get(i).cloned().unwrap_or_default();
            for dup in &duplicates {
                lines.insert(dup.pointer.clone(), dup.line);
            }
            Document {
                value,
                lines,
                start_line,
                duplicates,
            }
        })
        .collect())
}

/// Where the event stream is inside one collection.
enum Frame {
    /// A mapping: the keys seen (text → line), whether the next node is a key, and the
    /// current key's pointer token.
    Map {
        keys: HashMap<String, u32>,
        expect_key: bool,
        token: String,
    },
    /// A sequence: the index of the next item.
    Seq { index: usize },
}

/// Feeds saphyr's loader and, on the way, finds repeated keys per document and stops
/// at a collection nested deeper than [`MAX_DEPTH`].
struct Receiver<'a> {
    loader: YamlLoader<'a, MarkedYaml<'a>>,
    frames: Vec<Frame>,
    docs: Vec<Vec<DuplicateKey>>,
    /// Line and column of the first collection nested too deep; events after it are
    /// dropped.
    too_deep: Option<(u32, u32)>,
}

impl<'a> SpannedEventReceiver<'a> for Receiver<'a> {
    fn on_event(&mut self, ev: Event<'a>, span: saphyr_parser::Span) {
        let line = span.start.line() as u32;
        if self.too_deep.is_some() {
            return;
        }
        if matches!(ev, Event::MappingStart(..) | Event::SequenceStart(..))
            && self.frames.len() >= MAX_DEPTH
        {
            self.too_deep = Some((line, span.start.col() as u32 + 1));
            return;
        }
        match &ev {
            Event::DocumentStart(_) => {
                self.frames.clear();
                self.docs.push(Vec::new());
            }
            Event::Scalar(text, ..) => {
                self.key(text, line);
                self.done();
            }
            Event::Alias(_) => {
                self.key("", line);
                self.done();
            }
            Event::MappingStart(..) => {
                self.key("", line);
                self.frames.push(Frame::Map {
                    keys: HashMap::new(),
                    expect_key: true,
                    token: String::new(),
                });
            }
            Event::SequenceStart(..) => {
                self.key("", line);
                self.frames.push(Frame::Seq { index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
                self.done();
            }
            _ => {}
        }
        self.loader.on_event(ev, span);
    }
}

impl Receiver<'_> {
    /// Notes a node that starts at `line`: when it is a mapping's key (`text`; empty for a
    /// key that is not a scalar), records it, and a repeat of it.
    fn key(&mut self, text: &str, line: u32) {
        let pointer = self.pointer();
        let Some(Frame::Map {
            keys,
            expect_key: true,
            token,
        }) = self.frames.last_mut()
        else {
            return;
        };
        *token = escape_token(text);
        if text.is_empty() || text == "<<" {
            return;
        }
        if let Some(&first_line) = keys.get(text) {
            if let Some(doc) = self.docs.last_mut() {
                doc.push(DuplicateKey {
                    pointer: format!("{pointer}/{}", escape_token(text)),
                    key: text.to_string(),
                    first_line,
                    line,
                });
            }
        }
        keys.insert(text.to_string(), line);
    }

    /// A node ended: the parent mapping now waits for its next key or value; the parent
    /// sequence for its next item.
    fn done(&mut self) {
        match self.frames.last_mut() {
            Some(Frame::Map { expect_key, .. }) => *expect_key = !*expect_key,
            Some(Frame::Seq { index }) => *index += 1,
            None => {}
        }
    }

    /// The JSON pointer of the collection being read.
    fn pointer(&self) -> String {
        let mut out = String::new();
        let last = self.frames.len().saturating_sub(1);
        for frame in &self.frames[..last] {
            out.push('/');
            match frame {
                Frame::Map { token, .. } => out.push_str(token),
                Frame::Seq { index } => out.push_str(&index.to_string()),
            }
        }
        out
    }
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
    fn repeated_keys_keep_the_last_value_and_are_listed() {
        let text = "kind: Service\nspec:\n  ports:\n    - port: 80\n      port: 81\n  type: A\n  selector: {app: a}\n  type: B\n---\nkind: Pod\nkind: Job\n";
        let docs = parse_stream(text).unwrap();
        assert_eq!(docs[0].value["spec"]["type"], "B");
        assert_eq!(docs[0].value["spec"]["ports"][0]["port"], 81);
        let dup = |pointer: &str, key: &str, first_line, line| DuplicateKey {
            pointer: pointer.into(),
            key: key.into(),
            first_line,
            line,
        };
        assert_eq!(
            docs[0].duplicates,
            [
                dup("/spec/ports/0/port", "port", 4, 5),
                dup("/spec/type", "type", 6, 8)
            ]
        );
        assert_eq!(docs[0].lines["/spec/type"], 8);
        assert_eq!(docs[1].duplicates, [dup("/kind", "kind", 10, 11)]);
        assert_eq!(docs[1].value["kind"], "Job");
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_error_at_its_line() {
        let deep = format!("a:\n  b: {}x{}\n", "[".repeat(5000), "]".repeat(5000));
        // Flow collections meet the scanner's own limit first; block ones, ours.
        let e = parse_stream(&deep).unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        let ok = format!(
            "a: {}x{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(parse_stream(&ok).is_ok());
    }

    #[test]
    fn deep_block_mappings_stop_without_recursion() {
        let text: String = (0..3300)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        // A small stack: the reader must not recurse per level.
        let r = std::thread::Builder::new()
            .stack_size(128 << 10)
            .spawn(move || parse_stream(&text).map_err(|e| e.line))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(r.unwrap_err(), MAX_DEPTH as u32 + 1);
    }

    #[test]
    fn syntax_error_has_line() {
        let e = parse_stream("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
    }
}
