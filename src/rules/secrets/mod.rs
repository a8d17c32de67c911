//! Secret detection (`secrets.*`): high-confidence credential patterns in any text file.
//!
//! Every rule reports where a credential is and what kind it is, never the credential:
//! messages carry at most the fixed, public prefix of a token type (`AKIA`, `ghp_`) and
//! the length, so neither reports nor the cache ever hold a secret. Each finding carries a
//! fingerprint (16 hex digits of a keyed blake3 of the rule id and the secret) that
//! `.govern.yaml` can allow-list under `secrets.allow_fingerprints`.

pub mod aws_access_key;
pub mod azure_storage_key;
pub mod generic_assignment;
pub mod github_token;
pub mod gitlab_token;
pub mod private_key;
pub mod redact;
pub mod slack_token;
pub mod url_password;

use regex::Regex;

use crate::finding::RawFinding;

/// The context string of the fingerprint key derivation; changing it changes every
/// fingerprint.
const FINGERPRINT_CONTEXT: &str = "git-govern 2026-11 secret finding fingerprint";

/// The allow-list fingerprint of `secret` found by `rule`: 16 lower-case hex digits.
pub fn fingerprint(rule: &str, secret: &str) -> String {
    let mut h = blake3::Hasher::new_derive_key(FINGERPRINT_CONTEXT);
    h.update(rule.as_bytes());
    h.update(&[0]);
    h.update(secret.as_bytes());
    h.finalize().to_hex()[..16].to_string()
}

/// Shannon entropy of `s` in bits per character (0 for an empty string).
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// 1-based (line, column) of byte offset `at` in `text`; the column counts characters.
pub fn position(text: &str, at: usize) -> (u32, u32) {
    let before = &text[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() as u32 + 1)
}

/// A secret found at byte offset `at`, described without its value.
pub fn finding(
    rule: &str,
    text: &str,
    at: usize,
    secret: &str,
    what: String,
    help: &str,
) -> RawFinding {
    let (line, column) = position(text, at);
    let mut f = RawFinding::new(rule, Some(line), what, help);
    f.column = Some(column);
    f.fingerprint = Some(fingerprint(rule, secret));
    f
}

/// Reports every match of `re` (whose group `secret` — or whole match — is the secret) whose
/// random part passes `keep`; `describe` builds the message from the secret's length.
pub fn scan_tokens(
    rule: &str,
    text: &str,
    re: &Regex,
    keep: impl Fn(&str) -> bool,
    describe: impl Fn(&regex::Captures) -> String,
    help: &str,
) -> Vec<RawFinding> {
    re.captures_iter(text)
        .filter_map(|c| {
            let m = c.name("secret").unwrap_or_else(|| c.get(0).expect("match"));
            keep(m.as_str()).then(|| finding(rule, text, m.start(), m.as_str(), describe(&c), help))
        })
        .collect()
}

/// Whether a token's random part looks like a placeholder rather than a credential: runs
/// of one character (`xxxx`, `0000`) or low entropy.
pub fn placeholder(random: &str) -> bool {
    let lower = random.to_ascii_lowercase();
    lower.contains("xxxx")
        || lower.contains("0000")
        || lower.contains("example")
        || lower.contains("your")
        || entropy(random) < 3.0
}

/// Shared help text: what to do with a leaked credential.
pub const HELP: &str = "Remove it from the file, revoke or rotate it (it may already be in history or a push), and load it at run time from a secret store or the environment. If it is a test fixture, allow-list its path (`secrets.allow_paths`) or fingerprint (`secrets.allow_fingerprints`) in .govern.yaml.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(position("ab\ncdé f", 8), (2, 5));
        assert!(entropy("aaaa") < 0.1);
        assert!(entropy("q7Vx9LmP2sKd") > 3.5);
        assert_eq!(fingerprint("r", "s").len(), 16);
        assert_ne!(fingerprint("r", "s"), fingerprint("r", "t"));
    }
}
