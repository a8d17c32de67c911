//! Commit messages as git hands them over, split into the parts the commit rules read.
//!
//! The commit-msg hook receives the message file *before* git cleans it up, so comment
//! lines (`#`, or `core.commentChar` / `core.commentString`), everything from the
//! `git commit -v` scissors line down, CRLF line ends and surrounding blank lines are all
//! still there. [`Message::parse`] drops what git would drop and keeps, for every line
//! that remains, its 1-based line number in the file, so findings point at the file.
//! Messages read from history ([`Message::from_history`]) are already clean: nothing is
//! treated as a comment there.

/// One kept line of a message: its 1-based line number in the file and its text (no line
/// end, trailing whitespace removed as git's cleanup does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the message file.
    pub number: u32,
    /// The text, without the line end and trailing whitespace.
    pub text: String,
}

/// A commit message: the lines git would record, from the subject to the last non-blank
/// line, blank lines inside kept (as empty text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The kept lines; empty when the message is empty.
    pub lines: Vec<Line>,
}

/// The scissors marker that `git commit -v` puts after the comment prefix.
const SCISSORS: &str = " ------------------------ >8 ------------------------";

impl Message {
    /// Parses a message file. `comment` is the comment prefix in force (`"#"` unless
    /// `core.commentChar`/`core.commentString` says otherwise); lines that start with it are
    /// dropped, and everything from the scissors line down. Bytes that are not UTF-8 are
    /// replaced with U+FFFD.
    pub fn parse(bytes: &[u8], comment: &str) -> Message {
        let text = String::from_utf8_lossy(bytes);
        let scissors = format!("{comment}{SCISSORS}");
        let mut kept = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line == scissors {
                break;
            }
            if !comment.is_empty() && line.starts_with(comment) {
                continue;
            }
            kept.push(Line {
                number: i as u32 + 1,
                text: line.trim_end().to_string(),
            });
        }
        Self::trimmed(kept)
    }

    /// A message read from history (`git log`): no comment lines, no scissors.
    pub fn from_history(text: &str) -> Message {
        let kept = text
            .split('\n')
            .enumerate()
            .map(|(i, raw)| Line {
                number: i as u32 + 1,
                text: raw.strip_suffix('\r').unwrap_or(raw).trim_end().to_string(),
            })
            .collect();
        Self::trimmed(kept)
    }

    fn trimmed(mut lines: Vec<Line>) -> Message {
        while lines.last().is_some_and(|l| l.text.is_empty()) {
            lines.pop();
        }
        let first = lines
            .iter()
            .position(|l| !l.text.is_empty())
            .unwrap_or(lines.len());
        lines.drain(..first);
        Message { lines }
    }

    /// The first line, `None` for an empty message.
    pub fn subject(&self) -> Option<&Line> {
        self.lines.first()
    }

    /// Whether nothing but comments and whitespace is left.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The paragraphs after the subject line, in order, each a run of non-blank lines.
    pub fn paragraphs(&self) -> Vec<&[Line]> {
        let mut out = Vec::new();
        let rest = self.lines.get(1..).unwrap_or(&[]);
        let mut start = None;
        for (i, l) in rest.iter().enumerate() {
            match (l.text.is_empty(), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    out.push(&rest[s..i]);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push(&rest[s..]);
        }
        out
    }
}

/// The comment prefix for a repository's config values: `core.commentString` wins over
/// `core.commentChar` (as in git ≥ 2.45); `"auto"` means git picked a character not used
/// at the start of any line, which the message itself reveals through git's own
/// instructions ("Please enter the commit message…") or the scissors line; the default is
/// `"#"`.
pub fn comment_prefix(configured: Option<&str>, bytes: &[u8]) -> String {
    match configured {
        Some("auto") => {
            let text = String::from_utf8_lossy(bytes);
            for line in text.lines() {
                let line = line.strip_suffix('\r').unwrap_or(line);
                for marker in [" Please enter the commit message", SCISSORS] {
                    if let Some(at) = line.find(marker) {
                        if at > 0 && line[..at].chars().count() == 1 {
                            return line[..at].to_string();
                        }
                    }
                }
            }
            "#".to_string()
        }
        Some(s) if !s.is_empty() => s.to_string(),
        _ => "#".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_scissors_crlf_and_blank_edges() {
        let m = Message::parse(
            b"\r\nfeat: add x\r\n\r\nbody  \r\n# comment\r\n# ------------------------ >8 ------------------------\r\ndiff --git a b\r\n",
            "#",
        );
        let texts: Vec<&str> = m.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["feat: add x", "", "body"]);
        assert_eq!(m.subject().unwrap().number, 2);
        assert_eq!(m.paragraphs().len(), 1);
    }

    #[test]
    fn custom_and_auto_comment_prefix() {
        let m = Message::parse(b"fix: y\n; note\n#123 kept\n", ";");
        assert_eq!(m.lines.len(), 2);
        let file = b"fix: y\n\n% Please enter the commit message for your changes.\n";
        assert_eq!(comment_prefix(Some("auto"), file), "%");
        assert_eq!(comment_prefix(None, file), "#");
    }
}
