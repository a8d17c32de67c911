//! Dockerfile reader: text → instructions → stages.
//!
//! Understands parser directives (`# escape=`), line continuations (with comments and
//! blank lines inside them), JSON and shell forms, leading `--flag=value` options,
//! `FROM … AS name`, global `ARG` defaults used in `FROM`, heredocs (`<<EOF`, `<<-EOF`,
//! quoted words, several on one line), and multi-stage builds where a stage built `FROM`
//! an earlier stage inherits its USER and HEALTHCHECK. Rules read [`Dockerfile::stages`].

use std::collections::HashMap;

/// One instruction, possibly spread over several physical lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword, e.g. "FROM", "USER".
    pub keyword: String,
    /// 1-based line where the instruction starts.
    pub line: u32,
    /// `--name=value` options before the arguments, in order (`--name` alone has value "").
    pub flags: Vec<(String, String)>,
    /// The same options as written (`--from=build`, `--link`), as BuildKit keeps them.
    pub flag_words: Vec<String>,
    /// The arguments after the flags, continuation lines joined, trimmed.
    pub args: String,
    /// The arguments in JSON (exec) form, when they are a JSON array of strings.
    pub json: Option<Vec<String>>,
    /// Heredoc bodies attached to this instruction, in marker order.
    pub heredocs: Vec<Heredoc>,
}

/// A heredoc body (`<<EOF … EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word.
    pub word: String,
    /// 1-based line of the first body line.
    pub first_line: u32,
    /// The body, lines joined with '\n' (leading tabs removed for `<<-`).
    pub body: String,
}

/// A build stage: one `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// 0-based position among the stages.
    pub index: usize,
    /// 1-based line of the `FROM`.
    pub from_line: u32,
    /// The image as written after `FROM` (flags removed).
    pub base_raw: String,
    /// The image with global `ARG` defaults substituted; `None` when a variable has no default.
    pub base: Option<String>,
    /// The lower-cased `AS` name.
    pub name: Option<String>,
    /// The earlier stage this one is built `FROM`, if any.
    pub parent: Option<usize>,
    /// Indexes into [`Dockerfile::instructions`] of this stage's instructions (after FROM).
    pub instructions: Vec<usize>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// All instructions in order, including those before the first FROM (ARG).
    pub instructions: Vec<Instruction>,
    /// The stages in order; the last one is the image that is shipped.
    pub stages: Vec<Stage>,
    /// Global `ARG` defaults (declared before the first FROM).
    pub global_args: HashMap<String, Option<String>>,
    /// The comment lines outside instructions, in order (parser directives included, as
    /// BuildKit records them; an empty `#` line drops those before it).
    pub comments: Vec<Comment>,
    /// The escape character (`\\`, or `` ` `` by directive).
    pub escape: char,
}

/// A comment line, as BuildKit attaches it to the instruction after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// 1-based line.
    pub line: u32,
    /// The text after `#`, trimmed.
    pub text: String,
    /// Index into [`Dockerfile::instructions`] of the instruction it precedes.
    pub before: usize,
}

/// Why a Dockerfile could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

impl Dockerfile {
    /// The stage that is shipped (the last one), if the file has any FROM.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Walks from `stage` up through the stages it is built FROM, nearest first.
    pub fn lineage<'a>(&'a self, stage: &'a Stage) -> Vec<&'a Stage> {
        let mut out = vec![stage];
        let mut cur = stage;
        while let Some(p) = cur.parent {
            if p >= cur.index {
                break; // defensive: parents are always earlier
            }
            cur = &self.stages[p];
            out.push(cur);
        }
        out
    }

    /// The last instruction with `keyword` in the stage or, failing that, in the stages it
    /// inherits from (as the image would carry it).
    pub fn effective<'a>(&'a self, stage: &'a Stage, keyword: &str) -> Option<&'a Instruction> {
        for s in self.lineage(stage) {
            if let Some(&i) = s
                .instructions
                .iter()
                .rev()
                .find(|&&i| self.instructions[i].keyword == keyword)
            {
                return Some(&self.instructions[i]);
            }
        }
        None
    }

    /// The image the lineage of `stage` finally starts from (a real image, not a stage).
    pub fn root_base<'a>(&'a self, stage: &'a Stage) -> &'a Stage {
        self.lineage(stage).last().copied().unwrap_or(stage)
    }

    /// Expands `$VAR`/`${VAR}`/`${VAR:-d}`/`${VAR:+x}` in `text` with the ARG and ENV
    /// values visible at the end of `stage` (global ARG defaults included). `None` when a
    /// variable has no known value.
    pub fn expand_in_stage(&self, stage: &Stage, text: &str) -> Option<String> {
        let mut vars: HashMap<String, Option<String>> = HashMap::new();
        for s in self.lineage(stage).into_iter().rev() {
            for &i in &s.instructions {
                let ins = &self.instructions[i];
                match ins.keyword.as_str() {
                    "ARG" => {
                        for (k, v) in parse_assignments(&ins.args) {
                            let v = v.or_else(|| self.global_args.get(&k).cloned().flatten());
                            vars.insert(k, v);
                        }
                    }
                    "ENV" => {
                        for (k, v) in parse_assignments(&ins.args) {
                            vars.insert(k, v);
                        }
                    }
                    _ => {}
                }
            }
        }
        expand(text, &|name| vars.get(name).cloned().flatten())
    }
}

/// Parses Dockerfile text. Errors name the line of an unknown instruction, a heredoc
/// without its terminator, or a `FROM` without an image.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let (mut i, escape) = directives(&lines)?;
    let mut instructions = Vec::new();
    let mut comments = Vec::new();
    let mut pending: Vec<(u32, String)> = Vec::new();
    for (n, l) in lines[..i].iter().enumerate() {
        pending.push((n as u32 + 1, l.trim()[1..].trim().to_string()));
    }
    while i < lines.len() {
        let first = lines[i].trim_start();
        if let Some(c) = first.strip_prefix('#') {
            match c.trim() {
                "" => pending.clear(),
                text => pending.push((i as u32 + 1, text.to_string())),
            }
        }
        if first.is_empty() || first.starts_with('#') {
            i += 1;
            continue;
        }
        let before = instructions.len();
        comments.extend(
            pending
                .drain(..)
                .map(|(line, text)| Comment { line, text, before }),
        );
        instructions.push(instruction(&lines, &mut i, escape)?);
    }
    let mut df = build_stages(instructions)?;
    df.comments = comments;
    df.escape = escape;
    Ok(df)
}

/// The parser directives at the very top (before any comment, blank line or
/// instruction): the index of the first line after them and the escape character.
fn directives(lines: &[&str]) -> Result<(usize, char), ParseError> {
    let mut escape = '\\';
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        let Some(rest) = t.strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = rest.split_once('=') else {
            break;
        };
        let key = k.trim().to_ascii_lowercase();
        if !matches!(key.as_str(), "escape" | "syntax" | "check") {
            break;
        }
        if key == "escape" {
            match v.trim() {
                "`" => escape = '`',
                "\\" => escape = '\\',
                other => {
                    return Err(ParseError {
                        line: i as u32 + 1,
                        message: format!(
                            "invalid escape directive {other:?}: only \\ and ` are allowed"
                        ),
                    })
                }
            }
        }
        i += 1;
    }
    Ok((i, escape))
}

/// Joins the continuation lines of the instruction starting at `*i` (comments and blank
/// lines inside it are dropped, as BuildKit does) and moves `*i` past them.
fn logical_line(lines: &[&str], i: &mut usize, escape: char) -> String {
    let mut logical = String::new();
    loop {
        let t = lines[*i].trim_end();
        if let Some(body) = t.strip_suffix(escape) {
            logical.push_str(body);
            *i += 1;
            while *i < lines.len()
                && (lines[*i].trim().is_empty() || lines[*i].trim_start().starts_with('#'))
            {
                *i += 1;
            }
            if *i >= lines.len() {
                return logical;
            }
        } else {
            logical.push_str(t);
            *i += 1;
            return logical;
        }
    }
}

/// Reads the instruction starting at `*i`, with its heredoc bodies, and moves `*i` past it.
fn instruction(lines: &[&str], i: &mut usize, escape: char) -> Result<Instruction, ParseError> {
    let line = *i as u32 + 1;
    let logical = logical_line(lines, i, escape);
    let logical = logical.trim();
    let (kw, rest) = match logical.find(char::is_whitespace) {
        Some(p) => (&logical[..p], logical[p..].trim_start()),
        None => (logical, ""),
    };
    let keyword = kw.to_ascii_uppercase();
    if !KEYWORDS.contains(&keyword.as_str()) {
        return Err(ParseError {
            line,
            message: format!("unknown instruction {kw:?}"),
        });
    }
    let (flags, args) = split_flags(rest);
    let flag_words = rest[..rest.len() - args.len()]
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let json = parse_json_form(args);
    let mut heredocs = Vec::new();
    if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") && json.is_none() {
        for (word, strip_tabs) in heredoc_markers(args) {
            heredocs.push(heredoc(lines, i, word, strip_tabs, line)?);
        }
    }
    Ok(Instruction {
        keyword,
        line,
        flags,
        flag_words,
        args: args.to_string(),
        json,
        heredocs,
    })
}

/// Reads a heredoc body from `*i` up to its terminator `word` and moves `*i` past it.
/// Errors: no terminator (at the instruction's `line`).
fn heredoc(
    lines: &[&str],
    i: &mut usize,
    word: String,
    strip_tabs: bool,
    line: u32,
) -> Result<Heredoc, ParseError> {
    let body_start = *i;
    let mut body = Vec::new();
    while *i < lines.len() {
        let l = lines[*i];
        let cmp = if strip_tabs {
            l.trim_start_matches('\t')
        } else {
            l
        };
        *i += 1;
        if cmp == word {
            return Ok(Heredoc {
                word,
                first_line: body_start as u32 + 1,
                body: body.join("\n"),
            });
        }
        body.push(cmp);
    }
    Err(ParseError {
        line,
        message: format!("heredoc <<{word} is never terminated (expected a line \"{word}\")"),
    })
}

fn build_stages(instructions: Vec<Instruction>) -> Result<Dockerfile, ParseError> {
    let mut stages: Vec<Stage> = Vec::new();
    let mut global_args = HashMap::new();
    for (idx, ins) in instructions.iter().enumerate() {
        if ins.keyword == "FROM" {
            let mut words = ins.args.split_whitespace();
            let Some(image) = words.next() else {
                return Err(ParseError {
                    line: ins.line,
                    message: "FROM needs an image".into(),
                });
            };
            let name = match (words.next(), words.next()) {
                (Some(a), Some(n)) if a.eq_ignore_ascii_case("as") => Some(n.to_ascii_lowercase()),
                (None, _) => None,
                _ => {
                    return Err(ParseError {
                        line: ins.line,
                        message: format!(
                            "cannot read FROM {:?}: expected `FROM image [AS name]`",
                            ins.args
                        ),
                    })
                }
            };
            let base = expand(image, &|v| global_args.get(v).cloned().flatten());
            let lookup = base.as_deref().unwrap_or(image).to_ascii_lowercase();
            let parent = stages
                .iter()
                .rposition(|s| s.name.as_deref() == Some(lookup.as_str()));
            stages.push(Stage {
                index: stages.len(),
                from_line: ins.line,
                base_raw: image.to_string(),
                base,
                name,
                parent,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(idx);
        } else if ins.keyword == "ARG" {
            for (k, v) in parse_assignments(&ins.args) {
                global_args.insert(k, v);
            }
        }
    }
    Ok(Dockerfile {
        instructions,
        stages,
        global_args,
        comments: Vec::new(),
        escape: '\\',
    })
}

fn split_flags(rest: &str) -> (Vec<(String, String)>, &str) {
    let mut flags = Vec::new();
    let mut s = rest;
    while let Some(after) = s.strip_prefix("--") {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let tok = &after[..end];
        let (k, v) = tok.split_once('=').unwrap_or((tok, ""));
        flags.push((k.to_ascii_lowercase(), v.to_string()));
        s = after[end..].trim_start();
    }
    (flags, s.trim())
}

fn parse_json_form(args: &str) -> Option<Vec<String>> {
    let t = args.trim();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// Heredoc markers in an instruction's arguments, in order: (word, strip leading tabs).
fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let b = args.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'<'
            && b[i + 1] == b'<'
            && (i == 0 || b[i - 1] != b'<')
            && b.get(i + 2) != Some(&b'<')
        {
            let mut j = i + 2;
            let strip = b.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = match b.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    j += 1;
                    Some(q)
                }
                _ => None,
            };
            let w0 = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let word = &args[w0..j];
            let starts_ok = word
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
            let quote_ok = match quote {
                Some(q) => b.get(j) == Some(&q),
                None => true,
            };
            if starts_ok && quote_ok {
                out.push((word.to_string(), strip));
                i = j + usize::from(quote.is_some());
                continue;
            }
        }
        i += 1;
    }
    out
}

/// `ARG`/`ENV` arguments as (name, value): `A=1 B="x y"`, `A`, and the legacy `ENV A value`.
pub fn parse_assignments(args: &str) -> Vec<(String, Option<String>)> {
    let words = shell_words(args);
    if words.len() >= 2 && !words[0].contains('=') && words.iter().skip(1).all(|w| !w.contains('='))
    {
        // Legacy `ENV NAME value with spaces` (only ENV uses it; ARG never has two words).
        return vec![(words[0].clone(), Some(words[1..].join(" ")))];
    }
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w, None),
        })
        .collect()
}

/// Splits on whitespace, honouring single and double quotes (quotes removed).
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                has = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                has = true;
            }
            (_, c) => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// Expands shell-style variables with `lookup`; `None` if a needed variable is unknown.
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(p) = rest.find('$') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let close = inner.find('}')?;
            let expr = &inner[..close];
            rest = &inner[close + 1..];
            let (name, op, word) = split_modifier(expr);
            let val = lookup(name);
            let resolved = match op {
                ":-" => val
                    .filter(|v| !v.is_empty())
                    .or_else(|| Some(word.to_string())),
                "-" => val.or_else(|| Some(word.to_string())),
                ":+" => Some(if val.as_deref().is_some_and(|v| !v.is_empty()) {
                    word.to_string()
                } else {
                    String::new()
                }),
                "+" => Some(if val.is_some() {
                    word.to_string()
                } else {
                    String::new()
                }),
                _ => val,
            };
            out.push_str(&resolved?);
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(&lookup(&after[..end])?);
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    Some(out)
}

fn split_modifier(expr: &str) -> (&str, &str, &str) {
    for op in [":-", ":+", "-", "+"] {
        if let Some(p) = expr.find(op) {
            return (&expr[..p], op, &expr[p + op.len()..]);
        }
    }
    (expr, "", "")
}

/// How a base image reference is pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// `scratch`: the empty image.
    Scratch,
    /// `image@sha256:…`.
    Digest,
    /// `image:tag` with a tag other than `latest`.
    Tag(String),
    /// `image:latest`.
    Latest,
    /// `image` alone, which means `image:latest`.
    Untagged,
}

/// Classifies an image reference (`[registry[:port]/]path[:tag][@digest]`).
pub fn image_pin(image: &str) -> Pin {
    if image.eq_ignore_ascii_case("scratch") {
        return Pin::Scratch;
    }
    if image.contains('@') {
        return Pin::Digest;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) => Pin::Latest,
        Some((_, tag)) if !tag.is_empty() => Pin::Tag(tag.to_string()),
        _ => Pin::Untagged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_with_comments_and_escape_directive() {
        let df =
            parse("# escape=`\nFROM alpine:3\nRUN echo a `\n# inside\n\n  && echo b\nUSER app\n")
                .unwrap();
        assert_eq!(df.instructions.len(), 3);
        assert_eq!(df.instructions[1].args, "echo a   && echo b");
        assert_eq!(df.instructions[2].line, 7);
    }

    #[test]
    fn heredocs_several_on_a_line_and_dash() {
        let src = "FROM alpine:3\nRUN <<A cat - <<-\"B\"\nUSER root\nA\n\tUSER root\n\tB\n# after\nUSER app\n";
        let df = parse(src).unwrap();
        let kws: Vec<_> = df.instructions.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["FROM", "RUN", "USER"]);
        assert_eq!(df.instructions[1].heredocs.len(), 2);
        assert_eq!(df.instructions[2].line, 8);
    }

    #[test]
    fn unterminated_heredoc_is_an_error() {
        let e = parse("FROM a:1\nRUN <<EOF\necho\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn arg_defaults_and_stage_parents() {
        let df = parse("ARG V=3.12\nFROM python:${V}-slim AS build\nFROM build\n").unwrap();
        assert_eq!(df.stages[0].base.as_deref(), Some("python:3.12-slim"));
        assert_eq!(df.stages[1].parent, Some(0));
    }

    #[test]
    fn pins() {
        assert_eq!(image_pin("localhost:5000/app"), Pin::Untagged);
        assert_eq!(image_pin("localhost:5000/app:1.2"), Pin::Tag("1.2".into()));
        assert_eq!(image_pin("nginx:latest"), Pin::Latest);
        assert_eq!(image_pin("nginx@sha256:abc"), Pin::Digest);
        assert_eq!(image_pin("SCRATCH"), Pin::Scratch);
    }
}
