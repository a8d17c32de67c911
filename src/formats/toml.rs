//! TOML, as conftest's `toml` parser gives it: tables are objects, arrays arrays, dates
//! and times their RFC 3339 text.

use serde_json::{Map, Value};

use super::{line_at, ReadError};

/// Reads a TOML document. Errors: invalid TOML, at the line the parser names.
pub fn read(text: &str) -> Result<Value, ReadError> {
    let table: ::toml::Table = ::toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_at(text, s.start));
        ReadError::new(line, format!("invalid TOML: {}", e.message()))
    })?;
    Ok(table_value(table))
}

fn table_value(t: ::toml::Table) -> Value {
    Value::Object(
        t.into_iter()
            .map(|(k, v)| (k, value(v)))
            .collect::<Map<_, _>>(),
    )
}

fn value(v: ::toml::Value) -> Value {
    match v {
        ::toml::Value::String(s) => Value::String(s),
        ::toml::Value::Integer(i) => Value::from(i),
        ::toml::Value::Float(f) => {
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        ::toml::Value::Boolean(b) => Value::Bool(b),
        ::toml::Value::Datetime(d) => Value::String(d.to_string()),
        ::toml::Value::Array(a) => Value::Array(a.into_iter().map(value).collect()),
        ::toml::Value::Table(t) => table_value(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_arrays_and_dates() {
        let v = read(
            "[entryPoints.http]\naddress = \":80\"\n[entryPoints.http.tls]\ncipherSuites = [\"A\", \"B\"]\n\
             [[servers]]\nport = 8080\nratio = 0.5\nsince = 1979-05-27T07:32:00Z\n",
        )
        .unwrap();
        assert_eq!(v["entryPoints"]["http"]["address"], ":80");
        assert_eq!(v["entryPoints"]["http"]["tls"]["cipherSuites"][1], "B");
        assert_eq!(v["servers"][0]["port"], 8080);
        assert_eq!(v["servers"][0]["ratio"], 0.5);
        assert_eq!(v["servers"][0]["since"], "1979-05-27T07:32:00Z");
        let e = read("a = 1\nb = \n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }
}
