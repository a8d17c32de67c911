//! Counted nouns for messages and reports, shared by the reports and the portfolio's
//! drift report.

/// "1 violation" / "2 violations", "1 repository" / "2 repositories" (a final `y` after a
/// consonant becomes `ies`).
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        return format!("{n} {word}");
    }
    let mut chars = word.chars().rev();
    match (chars.next(), chars.next()) {
        (Some('y'), Some(c)) if !"aeiou".contains(c) => {
            format!("{n} {}ies", &word[..word.len() - 1])
        }
        _ => format!("{n} {word}s"),
    }
}
