//! Java properties files, as conftest's `properties` parser gives them: one object of
//! `key: "value"`. `#` and `!` start comments; `=`, `:` or whitespace separate a key from
//! its value; a line ending in an odd number of `\` continues on the next.

use serde_json::{Map, Value};

use super::ReadError;

/// Reads a properties file. Errors: none in practice (every line is a key, possibly
/// with an empty value); the signature matches the other readers.
pub fn read(text: &str) -> Result<Value, ReadError> {
    let mut out = Map::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let mut line = first.trim_start().to_string();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        while continues(&line) {
            line.pop();
            match lines.next() {
                Some(next) => line.push_str(next.trim_start()),
                None => break,
            }
        }
        let split = line
            .char_indices()
            .find(|&(i, c)| matches!(c, '=' | ':' | ' ' | '\t') && !escaped(&line, i))
            .map(|(i, _)| i);
        let (key, value) = match split {
            Some(i) => {
                let rest = line[i..].trim_start_matches([' ', '\t']);
                let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
                (&line[..i], rest.trim_start())
            }
            None => (line.as_str(), ""),
        };
        out.insert(unescape(key), Value::String(unescape(value)));
    }
    Ok(Value::Object(out))
}

/// Whether the byte at `i` is preceded by an odd number of backslashes.
fn escaped(line: &str, i: usize) -> bool {
    line[..i].bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn continues(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_comments_and_continuations() {
        let v = read(
            "# comment\n! also\nsome.key=value\nother : spaced value\nbare\nlong=one \\\n    two\nesc\\=key=x\n",
        )
        .unwrap();
        assert_eq!(v["some.key"], "value");
        assert_eq!(v["other"], "spaced value");
        assert_eq!(v["bare"], "");
        assert_eq!(v["long"], "one two");
        assert_eq!(v["esc=key"], "x");
    }
}
