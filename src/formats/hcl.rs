//! HCL2 (Terraform), as conftest's `hcl2` parser (hcl2json) gives it: attributes are
//! values; a block `type "a" "b" { … }` is appended to the array at `type.a.b`, one object
//! per block; an expression that is not a literal (a reference, a call, a template with
//! interpolations) is its source text in `${…}`, as hcl2json writes it.

use hcl::expr::{Expression, ObjectKey, TemplateExpr};
use hcl::structure::{Body, Structure};
use serde_json::{Map, Value};

use super::ReadError;

/// Reads an HCL2 file. Errors: invalid HCL, at the line the parser names.
pub fn read(text: &str) -> Result<Value, ReadError> {
    let body = hcl::parse(text).map_err(|e| {
        let line = match &e {
            hcl::Error::Parse(p) => p.location().line() as u32,
            _ => 0,
        };
        ReadError::new(line, format!("invalid HCL: {}", first_line(&e.to_string())))
    })?;
    Ok(Value::Object(body_object(body)))
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

fn body_object(body: Body) -> Map<String, Value> {
    let mut out = Map::new();
    for s in body {
        match s {
            Structure::Attribute(a) => {
                out.insert(a.key.to_string(), expression(a.expr));
            }
            Structure::Block(b) => {
                let mut slot = out
                    .entry(b.identifier.to_string())
                    .or_insert_with(|| empty_for(b.labels.is_empty()));
                for label in &b.labels {
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    let last = std::ptr::eq(label, b.labels.last().expect("labels not empty"));
                    slot = slot
                        .as_object_mut()
                        .expect("an object")
                        .entry(label.as_str().to_string())
                        .or_insert_with(|| empty_for(last));
                }
                if !slot.is_array() {
                    *slot = Value::Array(Vec::new());
                }
                if let Value::Array(items) = slot {
                    items.push(Value::Object(body_object(b.body)));
                }
            }
        }
    }
    out
}

/// What a block's slot starts as: the array of its instances at the last label, else the
/// object of the next labels.
fn empty_for(last: bool) -> Value {
    if last {
        Value::Array(Vec::new())
    } else {
        Value::Object(Map::new())
    }
}

fn expression(e: Expression) -> Value {
    match e {
        Expression::Null => Value::Null,
        Expression::Bool(b) => Value::Bool(b),
        Expression::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Expression::String(s) => Value::String(s),
        Expression::Array(items) => Value::Array(items.into_iter().map(expression).collect()),
        Expression::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (key(k), expression(v)))
                .collect(),
        ),
        Expression::TemplateExpr(t) => Value::String(match *t {
            TemplateExpr::QuotedString(s) => s,
            TemplateExpr::Heredoc(h) => h.template,
        }),
        other => Value::String(format!("${{{}}}", source(&other))),
    }
}

fn key(k: ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(i) => i.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s,
        ObjectKey::Expression(e) => source(&e),
        _ => String::new(),
    }
}

/// An expression as HCL source text.
fn source(e: &Expression) -> String {
    hcl::format::to_string(e).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_nest_by_label_into_arrays() {
        let v = read(
            "resource \"aws_alb_listener\" \"front\" {\n  protocol = \"HTTP\"\n  port = 80\n}\n\
             resource \"aws_alb_listener\" \"back\" {\n  protocol = \"HTTPS\"\n  arn = aws_lb.main.arn\n  name = \"x-${var.env}\"\n}\n\
             terraform {\n  required_version = \">= 1.0\"\n}\nlocals {\n  tags = { team = \"a\" }\n}\n",
        )
        .unwrap();
        let l = &v["resource"]["aws_alb_listener"];
        assert_eq!(l["front"][0]["protocol"], "HTTP");
        assert_eq!(l["front"][0]["port"], 80);
        assert_eq!(l["back"][0]["arn"], "${aws_lb.main.arn}");
        assert_eq!(l["back"][0]["name"], "x-${var.env}");
        assert_eq!(v["terraform"][0]["required_version"], ">= 1.0");
        assert_eq!(v["locals"][0]["tags"]["team"], "a");
        let e = read("resource \"a\" {\n  x = \n}\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
    }
}
