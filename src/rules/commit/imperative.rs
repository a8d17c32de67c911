//! The imperative-mood heuristic of `commit.conventional`.
//!
//! A subject's first word is judged only when it is the past tense or the gerund of a verb
//! on [`VERBS`], the verbs that commit subjects actually start with. Anything else passes:
//! nouns that end in -ing or -ed (`logging`, `formatting`, `embed`, `speed`) and verbs we do
//! not know. That keeps false positives low at the price of missing rare verbs.

/// Base forms of verbs that commit subjects start with. A past tense or gerund of one of
/// these is reported; nouns that look like gerunds (`formatting`, `logging`, `testing`,
/// `caching`, `naming`, `routing`, `building`) are deliberately absent.
pub const VERBS: &[&str] = &[
    "accept",
    "add",
    "adjust",
    "align",
    "allow",
    "apply",
    "avoid",
    "bump",
    "change",
    "check",
    "clarify",
    "clean",
    "close",
    "collect",
    "combine",
    "complete",
    "convert",
    "copy",
    "correct",
    "create",
    "declare",
    "default",
    "define",
    "delete",
    "deprecate",
    "detect",
    "disable",
    "downgrade",
    "drop",
    "enable",
    "enforce",
    "ensure",
    "expose",
    "extend",
    "extract",
    "fix",
    "handle",
    "ignore",
    "implement",
    "improve",
    "include",
    "increase",
    "initialize",
    "inline",
    "install",
    "integrate",
    "introduce",
    "limit",
    "merge",
    "migrate",
    "modify",
    "move",
    "optimize",
    "optimise",
    "pin",
    "prevent",
    "provide",
    "reduce",
    "refactor",
    "register",
    "reject",
    "release",
    "remove",
    "rename",
    "reorganize",
    "replace",
    "require",
    "resolve",
    "restore",
    "restructure",
    "return",
    "reuse",
    "revert",
    "rework",
    "simplify",
    "skip",
    "sort",
    "split",
    "stop",
    "support",
    "switch",
    "tidy",
    "trim",
    "tweak",
    "unify",
    "update",
    "upgrade",
    "use",
    "validate",
    "wrap",
];

/// Irregular past tenses of verbs that commit subjects start with, with their base form.
pub const IRREGULAR: &[(&str, &str)] = &[
    ("made", "make"),
    ("wrote", "write"),
    ("rewrote", "rewrite"),
    ("took", "take"),
    ("gave", "give"),
    ("got", "get"),
    ("brought", "bring"),
    ("built", "build"),
    ("rebuilt", "rebuild"),
    ("sent", "send"),
    ("ran", "run"),
    ("began", "begin"),
    ("broke", "break"),
    ("chose", "choose"),
    ("did", "do"),
    ("found", "find"),
    ("forgot", "forget"),
    ("kept", "keep"),
    ("left", "leave"),
    ("undid", "undo"),
    ("went", "go"),
];

/// If `word` (a subject's first word, any case, punctuation at its ends ignored) is the past
/// tense or gerund of a known verb, returns the base form to suggest; else `None`.
pub fn non_imperative(word: &str) -> Option<&'static str> {
    let w = word
        .trim_matches(|c: char| !c.is_alphabetic())
        .to_lowercase();
    if let Some((_, base)) = IRREGULAR.iter().find(|(p, _)| *p == w) {
        return Some(base);
    }
    let stem = w
        .strip_suffix("ed")
        .or_else(|| w.strip_suffix("ing"))
        .filter(|s| s.len() >= 2)?;
    let mut candidates = vec![stem.to_string(), format!("{stem}e")];
    // Doubled final consonant: stopped, dropping, pinned.
    let b = stem.as_bytes();
    if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] {
        candidates.push(stem[..stem.len() - 1].to_string());
    }
    // applied, copied, unified: -ied → -y.
    if w.ends_with("ied") {
        candidates.push(format!("{}y", &w[..w.len() - 3]));
    }
    candidates
        .iter()
        .find_map(|c| VERBS.iter().find(|v| **v == c.as_str()).copied())
}

#[cfg(test)]
mod tests {
    use super::non_imperative;

    #[test]
    fn forms() {
        for (word, base) in [
            ("added", "add"),
            ("Fixing", "fix"),
            ("updated", "update"),
            ("updating", "update"),
            ("stopped", "stop"),
            ("dropping", "drop"),
            ("applied", "apply"),
            ("made", "make"),
            ("removes", ""),
        ] {
            assert_eq!(non_imperative(word).unwrap_or(""), base, "{word}");
        }
        for word in [
            "add",
            "fix",
            "logging",
            "formatting",
            "embed",
            "speed",
            "string",
            "testing",
            "need",
            "caching",
            "bring",
        ] {
            assert_eq!(non_imperative(word), None, "{word}");
        }
    }
}
