//! Repository-relative paths as bytes.
//!
//! Git stores path names as bytes without an encoding, so a path is kept as `Vec<u8>`
//! ('/'-separated, no leading "./") and only turned into text when shown to a person,
//! lossily, with invalid bytes as U+FFFD.

use std::borrow::Cow;
use std::fmt;

/// A path relative to the repository root, '/'-separated, as bytes (not necessarily UTF-8).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RepoPath(Vec<u8>);

impl RepoPath {
    /// Wraps bytes that are already repo-relative and '/'-separated.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        RepoPath(bytes.into())
    }

    /// Builds a repo path from a relative filesystem path (separators normalised to '/').
    pub fn from_relative(path: &std::path::Path) -> Self {
        let mut out = Vec::new();
        for (i, c) in path.components().enumerate() {
            if i > 0 {
                out.push(b'/');
            }
            out.extend_from_slice(c.as_os_str().as_encoded_bytes());
        }
        RepoPath(out)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text shown to users: lossy UTF-8.
    pub fn display(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// The text reports print: [`RepoPath::display`] with any secret the `secrets.*`
    /// rules would find in it redacted (a file named after a token is reported, not shown).
    pub fn shown(&self) -> Cow<'_, str> {
        match self.display() {
            Cow::Borrowed(b) => crate::rules::secrets::redact::redact(b),
            Cow::Owned(o) => Cow::Owned(crate::rules::secrets::redact::redact(&o).into_owned()),
        }
    }

    /// The last component.
    pub fn file_name(&self) -> &[u8] {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.0[i + 1..],
            None => &self.0,
        }
    }

    /// Everything before the last '/', or "" at the top level.
    pub fn parent(&self) -> &[u8] {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.0[..i],
            None => b"",
        }
    }

    /// The components between the root and the file name.
    pub fn dirs(&self) -> impl Iterator<Item = &[u8]> {
        let parent = self.parent();
        parent.split(|&b| b == b'/').filter(|c| !c.is_empty())
    }

    /// Joins this path (taken as a directory) with a relative name; "" joins to `name`.
    pub fn join(dir: &[u8], name: &[u8]) -> RepoPath {
        if dir.is_empty() {
            RepoPath(name.to_vec())
        } else {
            let mut v = dir.to_vec();
            v.push(b'/');
            v.extend_from_slice(name);
            RepoPath(v)
        }
    }

    /// The path as an OS path (bytes taken as they are on Unix).
    pub fn to_os_path(&self) -> std::path::PathBuf {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&self.0))
        }
        #[cfg(not(unix))]
        {
            std::path::PathBuf::from(self.display().into_owned())
        }
    }
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl serde::Serialize for RepoPath {
    /// Serialized as text (lossy UTF-8), as every report shows it.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.display())
    }
}

impl fmt::Debug for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.display())
    }
}
