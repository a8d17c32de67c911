//! conftest's Dockerfile document: the array of instructions its `docker` parser builds
//! from BuildKit's syntax tree, so that a policy written for conftest sees the same values.
//!
//! Each element is `{"Cmd", "SubCmd", "Flags", "Value", "JSON", "Stage"}` as in conftest,
//! plus our `"Line"` (1-based) and `"Original"` (the instruction as written, one line):
//! - `Cmd` is the keyword in lower case; comment lines before an instruction come first as
//!   `{"Cmd": "comment", "Value": [text]}` (an empty `#` line drops those before it).
//! - `Flags` are the leading options as written (`["--from=build"]`), `[]` when none.
//! - `Value` follows BuildKit's reader for the keyword: `RUN`/`CMD`/`ENTRYPOINT`/`SHELL`
//!   keep a shell-form command as **one** string, `COPY`/`ADD`/`VOLUME`/`FROM`/`EXPOSE`
//!   split on whitespace, `ENV`/`LABEL` give `key, value, "="` triples (`""` for the old
//!   `ENV key value` form, quotes kept), `ARG` its words, `USER`/`WORKDIR`/`STOPSIGNAL`/
//!   `MAINTAINER` one string, `HEALTHCHECK` its type then the command; the JSON form gives
//!   the array and sets `JSON`. No arguments give `null`.
//! - `ONBUILD X …` is `Cmd` "onbuild", `SubCmd` "x" and the values of `X`.
//! - `Stage` is the index of the stage (the number of `FROM`s seen, less one, 0 before any).

use serde_json::{json, Value};

use crate::dockerfile::{Dockerfile, Instruction};

/// conftest's Dockerfile document for `df`.
pub fn dockerfile(df: &Dockerfile) -> Value {
    let mut out = Vec::with_capacity(df.instructions.len() + df.comments.len());
    let mut comments = df.comments.iter().peekable();
    let mut froms = 0usize;
    for (i, ins) in df.instructions.iter().enumerate() {
        if ins.keyword == "FROM" {
            froms += 1;
        }
        let stage = froms.saturating_sub(1);
        while let Some(c) = comments.next_if(|c| c.before == i) {
            out.push(json!({
                "Cmd": "comment",
                "SubCmd": "",
                "Flags": null,
                "Value": [c.text],
                "JSON": false,
                "Stage": stage,
                "Line": c.line,
                "Original": format!("# {}", c.text),
            }));
        }
        out.push(instruction(ins, stage, df.escape));
    }
    Value::Array(out)
}

/// One instruction's element.
fn instruction(ins: &Instruction, stage: usize, escape: char) -> Value {
    let cmd = ins.keyword.to_ascii_lowercase();
    let (sub_cmd, value, is_json) = if cmd == "onbuild" {
        let (kw, rest) = split_word(&ins.args);
        let (_, args) = split_flag_words(rest);
        let kw = kw.to_ascii_lowercase();
        let (value, is_json) = values(&kw, args, escape);
        (kw, value, is_json)
    } else {
        let (value, is_json) = values(&cmd, &ins.args, escape);
        (String::new(), value, is_json)
    };
    let original = std::iter::once(ins.keyword.as_str())
        .chain(ins.flag_words.iter().map(String::as_str))
        .chain((!ins.args.is_empty()).then_some(ins.args.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "Cmd": cmd,
        "SubCmd": sub_cmd,
        "Flags": ins.flag_words,
        "Value": value,
        "JSON": is_json,
        "Stage": stage,
        "Line": ins.line,
        "Original": original,
    })
}

/// The `Value` of keyword `cmd` (lower case) with arguments `args`, and whether they were
/// in JSON form.
fn values(cmd: &str, args: &str, escape: char) -> (Value, bool) {
    let args = args.trim();
    let list = |v: Vec<String>| if v.is_empty() { Value::Null } else { json!(v) };
    match cmd {
        "run" | "cmd" | "entrypoint" | "shell" => maybe_json(args),
        "copy" | "add" | "volume" => match json_array(args) {
            Some(v) => (json!(v), true),
            None => (list(whitespace_words(args)), false),
        },
        "from" | "expose" => (list(whitespace_words(args)), false),
        "env" | "label" => (list(name_values(args, escape)), false),
        "arg" => (list(words(args, escape)), false),
        "healthcheck" => {
            let (kind, rest) = split_word(args);
            if kind.is_empty() {
                return (Value::Null, false);
            }
            let (command, is_json) = maybe_json(rest);
            let mut v = vec![json!(kind)];
            if let Value::Array(items) = command {
                v.extend(items);
            }
            (Value::Array(v), is_json)
        }
        _ if args.is_empty() => (Value::Null, false),
        _ => (json!([args]), false),
    }
}

/// BuildKit's "maybe JSON": a JSON array of strings as its items, else the whole text as
/// one item.
fn maybe_json(args: &str) -> (Value, bool) {
    match json_array(args) {
        Some(v) => (json!(v), true),
        None if args.is_empty() => (Value::Null, false),
        None => (json!([args]), false),
    }
}

fn json_array(args: &str) -> Option<Vec<String>> {
    args.starts_with('[')
        .then(|| serde_json::from_str::<Vec<String>>(args).ok())
        .flatten()
}

fn whitespace_words(args: &str) -> Vec<String> {
    args.split_whitespace().map(str::to_string).collect()
}

/// The first whitespace-delimited word and the rest, trimmed.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(p) => (&s[..p], s[p..].trim_start()),
        None => (s, ""),
    }
}

/// Leading `--flag` words and the rest (for the instruction after `ONBUILD`).
fn split_flag_words(mut s: &str) -> (Vec<&str>, &str) {
    let mut flags = Vec::new();
    while s.starts_with("--") {
        let (w, rest) = split_word(s);
        flags.push(w);
        s = rest;
    }
    (flags, s)
}

/// `ENV`/`LABEL` values: `key, value, sep` for each pair; `sep` is "=" for `key=value`
/// words and "" for the old `KEY value` form (the rest of the line is the value).
fn name_values(args: &str, escape: char) -> Vec<String> {
    let ws = words(args, escape);
    let Some(first) = ws.first() else {
        return Vec::new();
    };
    if !first.contains('=') {
        let (key, value) = split_word(args);
        return vec![key.to_string(), value.to_string(), String::new()];
    }
    let mut out = Vec::with_capacity(ws.len() * 3);
    for w in ws {
        let (k, v) = w.split_once('=').unwrap_or((&w, ""));
        out.extend([k.to_string(), v.to_string(), "=".to_string()]);
    }
    out
}

/// Words as BuildKit splits `ENV`, `LABEL` and `ARG` arguments: on whitespace outside
/// quotes, quotes kept, an escaped character kept with its escape.
fn words(s: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            None if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                }
                started = false;
                continue;
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            Some(q) if c == q => quote = None,
            _ => {}
        }
        started = true;
        if c == escape && quote != Some('\'') {
            let Some(next) = chars.next() else {
                break;
            };
            word.push(c);
            word.push(next);
            continue;
        }
        word.push(c);
    }
    if started {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Vec<Value> {
        let df = crate::dockerfile::parse(text).unwrap();
        dockerfile(&df).as_array().unwrap().clone()
    }

    #[test]
    fn values_follow_buildkit_per_keyword() {
        let d = doc(
            "# syntax=docker/dockerfile:1\n# builder\nFROM golang:1.22 AS build\n\
             RUN apk add --no-cache curl && \\\n    rm -rf /var/cache\n\
             ENV A=1 B=\"two words\"\nENV OLD some value\nLABEL x=y\nARG V=1 W\n\
             COPY --from=build --link /a /b\nEXPOSE 80 443\nUSER app:app\n\
             HEALTHCHECK --interval=5s CMD curl -f http://localhost/\n\
             ONBUILD RUN make\nCMD [\"serve\", \"--port\", \"80\"]\n",
        );
        let by = |cmd: &str| d.iter().find(|e| e["Cmd"] == cmd).unwrap().clone();
        assert_eq!(d[0]["Cmd"], "comment");
        assert_eq!(d[0]["Value"], json!(["syntax=docker/dockerfile:1"]));
        assert_eq!(d[1]["Value"], json!(["builder"]));
        assert_eq!(by("from")["Value"], json!(["golang:1.22", "AS", "build"]));
        assert_eq!(
            by("run")["Value"],
            json!(["apk add --no-cache curl &&     rm -rf /var/cache"])
        );
        assert_eq!(by("run")["JSON"], false);
        assert_eq!(
            by("env")["Value"],
            json!(["A", "1", "=", "B", "\"two words\"", "="])
        );
        let old = d.iter().filter(|e| e["Cmd"] == "env").nth(1).unwrap();
        assert_eq!(old["Value"], json!(["OLD", "some value", ""]));
        assert_eq!(by("label")["Value"], json!(["x", "y", "="]));
        assert_eq!(by("arg")["Value"], json!(["V=1", "W"]));
        assert_eq!(by("copy")["Flags"], json!(["--from=build", "--link"]));
        assert_eq!(by("copy")["Value"], json!(["/a", "/b"]));
        assert_eq!(by("expose")["Value"], json!(["80", "443"]));
        assert_eq!(by("user")["Value"], json!(["app:app"]));
        assert_eq!(
            by("healthcheck")["Value"],
            json!(["CMD", "curl -f http://localhost/"])
        );
        assert_eq!(by("onbuild")["SubCmd"], "run");
        assert_eq!(by("onbuild")["Value"], json!(["make"]));
        assert_eq!(by("cmd")["Value"], json!(["serve", "--port", "80"]));
        assert_eq!(by("cmd")["JSON"], true);
        assert_eq!(by("run")["Flags"], json!([]));
    }

    #[test]
    fn stages_count_froms_and_comments_belong_to_what_follows() {
        let d = doc(
            "ARG BASE=alpine\nFROM $BASE AS a\nRUN true\n\n# second\n#\n# kept\nFROM a\nRUN x\n",
        );
        let cmds: Vec<(String, i64)> = d
            .iter()
            .map(|e| {
                (
                    e["Cmd"].as_str().unwrap().to_string(),
                    e["Stage"].as_i64().unwrap(),
                )
            })
            .collect();
        let expect = [
            ("arg", 0),
            ("from", 0),
            ("run", 0),
            ("comment", 1),
            ("from", 1),
            ("run", 1),
        ];
        assert_eq!(cmds, expect.map(|(c, s)| (c.to_string(), s)).to_vec());
        assert_eq!(d[3]["Value"], json!(["kept"]));
        assert_eq!(d[3]["Line"], 7);
    }
}
