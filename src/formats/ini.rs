//! INI, as conftest's `ini` parser (go-ini) gives it: one object per section, keys as
//! written, values that read as numbers or booleans converted; keys before the first
//! section (go-ini's `DEFAULT`) are left out, as conftest leaves them out.

use serde_json::{Map, Value};

use super::ReadError;

/// The section configparser files keys without a section under.
const DEFAULT: &str = "default";

/// Reads an INI file. Errors: a line that is neither a section, a key nor a comment.
pub fn read(text: &str) -> Result<Value, ReadError> {
    let mut ini = configparser::ini::Ini::new_cs();
    ini.set_default_section(DEFAULT);
    let sections = ini
        .read(text.to_string())
        .map_err(|e| ReadError::new(error_line(&e), format!("invalid INI: {e}")))?;
    let mut out = Map::new();
    for (name, keys) in sections {
        if name == DEFAULT {
            continue;
        }
        let section: Map<String, Value> = keys
            .into_iter()
            .map(|(k, v)| (k, v.map_or(Value::String(String::new()), |v| typed(&v))))
            .collect();
        out.insert(name, Value::Object(section));
    }
    Ok(Value::Object(out))
}

/// go-ini's conversion as conftest applies it: a number literal becomes a number, `true`/
/// `false` (any case, and Go's `1`/`t`… are numbers first) a boolean, the rest stays text.
fn typed(v: &str) -> Value {
    let t = v.trim();
    if let Ok(f) = t.parse::<f64>() {
        if t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        {
            return serde_json::Number::from_f64(f).map_or(Value::String(v.into()), Value::Number);
        }
    }
    match t.to_ascii_lowercase().as_str() {
        "true" | "t" => Value::Bool(true),
        "false" | "f" => Value::Bool(false),
        _ => Value::String(v.to_string()),
    }
}

/// configparser says "line N" in its messages.
fn error_line(message: &str) -> u32 {
    message
        .split("line ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_with_typed_values() {
        let v = read(
            "app_mode = development\n\n[server]\nprotocol = http\nhttp_port = 3000\n\n\
             [auth.basic]\nenabled = true\n; a comment\n# another\n[alerting]\nenabled = False\n",
        )
        .unwrap();
        assert_eq!(v["server"]["protocol"], "http");
        assert_eq!(v["server"]["http_port"], 3000.0);
        assert_eq!(v["auth.basic"]["enabled"], true);
        assert_eq!(v["alerting"]["enabled"], false);
        assert!(v.get("default").is_none() && v.get("app_mode").is_none());
    }
}
