//! CODEOWNERS: where GitHub and GitLab look for it. The repository rule
//! `structure.codeowners` reads it.

/// The places a CODEOWNERS file may live, in the order GitHub looks.
pub const LOCATIONS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];
