//! dotenv files, as conftest's `dotenv` parser gives them: one object of `KEY: "value"`.
//!
//! Our own reader rather than a crate: the dotenv crates expand `${VAR}` from the process
//! environment, and a governance check must neither read it nor put its values in a
//! report. Understood: `export ` prefixes, `#` comments (whole lines, and after a space in
//! unquoted values), single quotes (literal), double quotes (`\n`, `\"` escapes, may span
//! lines), `KEY=` (empty). `${VAR}` stays as written.

use serde_json::{Map, Value};

use super::ReadError;

/// Reads a dotenv file. Errors: a line that is not `KEY=value`, or an unclosed quote.
pub fn read(text: &str) -> Result<Value, ReadError> {
    let mut out = Map::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, rest)) = line
            .find(['=', ':'])
            .map(|at| (&line[..at], &line[at + 1..]))
        else {
            return Err(ReadError::new(
                i as u32 + 1,
                format!("not KEY=value: {line:?}"),
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(ReadError::new(i as u32 + 1, format!("invalid key {key:?}")));
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => quoted(q, &rest[1..], &mut lines)
                .ok_or_else(|| ReadError::new(i as u32 + 1, format!("unclosed {q} quote")))?,
            _ => unquoted(rest),
        };
        out.insert(key.to_string(), Value::String(value));
    }
    Ok(Value::Object(out))
}

/// An unquoted value: up to ` #`, trimmed.
fn unquoted(rest: &str) -> String {
    let end = rest.find(" #").unwrap_or(rest.len());
    rest[..end].trim().to_string()
}

/// A quoted value starting after its quote `q`, continued on the next lines until the
/// closing quote; `None` without one.
fn quoted<'a>(
    q: char,
    first: &'a str,
    more: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Option<String> {
    let mut value = String::new();
    let mut line = first;
    loop {
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' if q == '"' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => value.push('\\'),
                },
                c if c == q => return Some(value),
                c => value.push(c),
            }
        }
        value.push('\n');
        line = more.next()?.1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_quotes_and_no_expansion() {
        let v = read(
            "# settings\nAPP_NAME=demo\nexport MYSQL_USER = root\nEMPTY=\nGREETING=\"hello\\nworld\"\n\
             LITERAL='a \\n b'\nPATHS=${HOME}/bin # comment\nMULTI=\"one\ntwo\"\n",
        )
        .unwrap();
        assert_eq!(v["APP_NAME"], "demo");
        assert_eq!(v["MYSQL_USER"], "root");
        assert_eq!(v["EMPTY"], "");
        assert_eq!(v["GREETING"], "hello\nworld");
        assert_eq!(v["LITERAL"], "a \\n b");
        assert_eq!(v["PATHS"], "${HOME}/bin");
        assert_eq!(v["MULTI"], "one\ntwo");
        assert_eq!(read("A=1\nno equals sign\n").unwrap_err().line, 2);
        assert_eq!(read("A=\"open\n").unwrap_err().line, 1);
    }
}
