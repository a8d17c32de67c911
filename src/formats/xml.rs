//! XML, as conftest's `xml` parser (goxml2json) gives it: `{root: element}`, where an
//! element with neither attributes nor children is its text, and otherwise an object of
//! its children by local name (an array when a name repeats), its attributes as `-name`
//! and its text, if any, as `#content`. Values stay text. Entities other than XML's five
//! and character references are kept as written: nothing a DTD declares is expanded.

use serde_json::{Map, Value};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{line_at, ReadError};

/// An element being read: its name, children and attributes, and text.
struct Open {
    name: String,
    fields: Map<String, Value>,
    text: String,
}

/// Reads an XML document. Errors: malformed XML, at its line; no root element.
pub fn read(text: &str) -> Result<Value, ReadError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root = Map::new();
    loop {
        let at = reader.buffer_position() as usize;
        let err = |e: &dyn std::fmt::Display| {
            ReadError::new(line_at(text, at), format!("invalid XML: {e}"))
        };
        match reader.read_event().map_err(|e| err(&e))? {
            Event::Start(e) => stack.push(open(&e).map_err(|e| err(&e))?),
            Event::Empty(e) => {
                let node = open(&e).map_err(|e| err(&e))?;
                close(node, &mut stack, &mut root);
            }
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    close(node, &mut stack, &mut root);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| err(&e))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| err(&e))?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name = r.decode().map_err(|e| err(&e))?;
                    match r.resolve_char_ref().ok().flatten() {
                        Some(c) => top.text.push(c),
                        None => top
                            .text
                            .push_str(predefined(&name).unwrap_or(&format!("&{name};"))),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if root.is_empty() {
        return Err(ReadError::new(0, "invalid XML: no root element"));
    }
    Ok(Value::Object(root))
}

/// XML's five predefined entities.
fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

fn open(e: &quick_xml::events::BytesStart) -> Result<Open, quick_xml::Error> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut fields = Map::new();
    for a in e.attributes() {
        let a = a.map_err(quick_xml::Error::from)?;
        let key = format!("-{}", String::from_utf8_lossy(a.key.local_name().as_ref()));
        fields.insert(
            key,
            Value::String(
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)?
                    .into_owned(),
            ),
        );
    }
    Ok(Open {
        name,
        fields,
        text: String::new(),
    })
}

/// Turns a finished element into its value and files it under its parent (or the root).
fn close(node: Open, stack: &mut [Open], root: &mut Map<String, Value>) {
    let text = node.text.trim();
    let value = if node.fields.is_empty() {
        Value::String(text.to_string())
    } else {
        let mut fields = node.fields;
        if !text.is_empty() {
            fields.insert("#content".into(), Value::String(text.to_string()));
        }
        Value::Object(fields)
    };
    let parent = match stack.last_mut() {
        Some(p) => &mut p.fields,
        None => root,
    };
    match parent.get_mut(&node.name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            parent.insert(node.name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_attributes_repeats_and_text() {
        let v = read(
            "<?xml version=\"1.0\"?>\n<project xmlns=\"urn:x\" xmlns:xsi=\"urn:i\" xsi:schemaLocation=\"urn:s\">\n\
             <name>A &amp; B</name>\n<build><plugins>\n<plugin><artifactId>one</artifactId><version>1</version></plugin>\n\
             <plugin><artifactId>two</artifactId></plugin>\n</plugins></build>\n<flag/>\n<note lang=\"en\">hi</note>\n</project>\n",
        )
        .unwrap();
        let p = &v["project"];
        assert_eq!(p["-xmlns"], "urn:x");
        assert_eq!(p["-schemaLocation"], "urn:s");
        assert_eq!(p["name"], "A & B");
        assert_eq!(p["build"]["plugins"]["plugin"][1]["artifactId"], "two");
        assert_eq!(p["build"]["plugins"]["plugin"][0]["version"], "1");
        assert_eq!(p["flag"], "");
        assert_eq!(p["note"]["-lang"], "en");
        assert_eq!(p["note"]["#content"], "hi");
        let e = read("<a>\n<b></c>\n</a>\n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }

    #[test]
    fn declared_entities_are_not_expanded() {
        let v = read("<!DOCTYPE a [<!ENTITY x \"boom\">]>\n<a>&x;</a>\n").unwrap();
        assert_eq!(v["a"], "&x;");
    }
}
