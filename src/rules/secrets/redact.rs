//! Redaction: the text of every finding and input error passes through [`redact`] before
//! it is printed or cached, so that a secret inside an image name, a CODEOWNERS owner, a
//! commit subject or a policy message is reported by `secrets.*` and shown by no rule.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::rules::{Check, Ctx, Options, RepoSchema, Rule};

/// What stands where a secret was.
pub const MARK: &str = "[redacted]";

/// The text rules (`secrets.*`) with their default options: the detectors.
static DETECTORS: LazyLock<Vec<(&'static Rule, Options)>> = LazyLock::new(|| {
    crate::rules::ALL
        .iter()
        .filter(|r| matches!(r.check, Check::Text(_)))
        .map(|r| {
            let opts = crate::rules::options::read(r.id.as_str(), r.options, None)
                .expect("default options read");
            (*r, opts)
        })
        .collect()
});

static SCHEMA: LazyLock<RepoSchema> = LazyLock::new(RepoSchema::builtin);

/// `text` with every secret the `secrets.*` rules find (with their default options)
/// replaced by [`MARK`], from where the rule places it to the end of its run of token
/// characters; borrowed when there is none.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (rule, options) in DETECTORS.iter() {
        let Check::Text(f) = rule.check else { continue };
        let ctx = Ctx {
            options,
            repo_schema: &SCHEMA,
        };
        for found in f(text, &ctx) {
            let (Some(line), Some(column)) = (found.line, found.column) else {
                continue;
            };
            if let Some(start) = offset(text, line.get(), column) {
                let len = text[start..]
                    .find(|c: char| !(c.is_alphanumeric() || "_-+/=.%!~*$#".contains(c)))
                    .unwrap_or(text.len() - start);
                spans.push((start, start + len.max(1)));
            }
        }
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if start < at {
            at = at.max(end);
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(MARK);
        at = end;
    }
    out.push_str(&text[at.min(text.len())..]);
    Cow::Owned(out)
}

/// The byte offset of 1-based `line` and character `column` in `text`.
fn offset(text: &str, line: u32, column: u32) -> Option<usize> {
    let line_start = if line == 1 {
        0
    } else {
        text.match_indices('\n').nth(line as usize - 2)?.0 + 1
    };
    let rest = &text[line_start..];
    let skip = rest
        .char_indices()
        .nth(column as usize - 1)
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_messages_are_replaced() {
        let token = format!("ghp_{}", "Zx81kQ2mPq7VbN4cRt6YwL0sHj3DfG5aKe9U");
        let msg = format!("base image `registry.example.com/{token}/app:latest` uses `latest`");
        let red = redact(&msg);
        assert!(!red.contains(&token), "{red}");
        assert!(red.contains("registry.example.com/[redacted]"), "{red}");
        assert_eq!(redact("nothing to hide here"), "nothing to hide here");
        // govern:ignore secrets.url-password a made-up password for this test
        let url = "pull from postgres://app:Qm7vTz2LwX9pKe4R@db:5432/app now";
        assert_eq!(
            redact(url),
            "pull from postgres://app:[redacted]@db:5432/app now"
        );
    }
}
