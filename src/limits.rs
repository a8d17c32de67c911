//! Size limits per input kind: the most bytes of one Dockerfile, manifest file, metadata
//! file, ADR or configuration file that the structured rules and policies parse. `.govern.yaml` may change them (`limits:`);
//! a larger file is an input error that names the limit, and its text rules still run.

use crate::kinds::FileKind;

/// The default limit of every kind: 16 MiB ([`crate::read::CHECKED_LIMIT`]).
pub const DEFAULT: u64 = crate::read::CHECKED_LIMIT;

/// The most bytes parsed of one file, per kind. Part of the cache keys of every rule and
/// policy that reads a parsed file, so a changed limit never serves an old result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Dockerfiles and Containerfiles.
    pub dockerfile: u64,
    /// YAML and JSON files that hold Kubernetes objects.
    pub manifest: u64,
    /// `.meta/repo.yaml`.
    pub metadata: u64,
    /// ADRs.
    pub adr: u64,
    /// Configuration files only policies read (TOML, INI, HCL2, dotenv, XML, properties).
    pub config: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            dockerfile: DEFAULT,
            manifest: DEFAULT,
            metadata: DEFAULT,
            adr: DEFAULT,
            config: DEFAULT,
        }
    }
}

impl Limits {
    /// The limit of `kind`, in bytes.
    pub fn of(&self, kind: FileKind) -> u64 {
        match kind {
            FileKind::Dockerfile => self.dockerfile,
            FileKind::Manifest => self.manifest,
            FileKind::Metadata => self.metadata,
            FileKind::Adr => self.adr,
            FileKind::Config(_) => self.config,
        }
    }

    /// The field of `limits:` that sets the limit of `kind`.
    pub fn key(kind: FileKind) -> &'static str {
        match kind {
            FileKind::Dockerfile => "dockerfile",
            FileKind::Manifest => "manifest",
            FileKind::Metadata => "metadata",
            FileKind::Adr => "adr",
            FileKind::Config(_) => "config",
        }
    }

    /// Sets the limit named `key` (see [`Limits::key`]); `false` for an unknown key.
    pub fn set(&mut self, key: &str, bytes: u64) -> bool {
        let slot = match key {
            "dockerfile" => &mut self.dockerfile,
            "manifest" => &mut self.manifest,
            "metadata" => &mut self.metadata,
            "adr" => &mut self.adr,
            "config" => &mut self.config,
            _ => return false,
        };
        *slot = bytes;
        true
    }

    /// blake3 over the limits, for cache keys.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"limits\0");
        for v in [
            self.dockerfile,
            self.manifest,
            self.metadata,
            self.adr,
            self.config,
        ] {
            h.update(&v.to_le_bytes());
        }
        *h.finalize().as_bytes()
    }
}

/// Reads a size as `.govern.yaml` writes it: a whole number of bytes (`1048576`) or a
/// number with a unit (`512 KiB`, `16MiB`, `1 GiB`; `KB`/`MB`/`GB` are read as the binary
/// units too). `None` for anything else, zero included.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let n: u64 = number.parse().ok()?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 0,
        "kib" | "ki" | "kb" | "k" => 10,
        "mib" | "mi" | "mb" | "m" => 20,
        "gib" | "gi" | "gb" | "g" => 30,
        _ => return None,
    };
    n.checked_mul(1 << shift).filter(|&b| b > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_written() {
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("512 KiB"), Some(512 << 10));
        assert_eq!(parse_size("16MiB"), Some(16 << 20));
        assert_eq!(parse_size("2 gb"), Some(2 << 30));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("12 parsecs"), None);
        assert_eq!(parse_size("MiB"), None);
        assert_eq!(parse_size("99999999999999999999 GiB"), None);
    }

    #[test]
    fn every_kind_has_a_key_that_sets_it() {
        for kind in [
            FileKind::Dockerfile,
            FileKind::Manifest,
            FileKind::Metadata,
            FileKind::Adr,
            FileKind::Config(crate::formats::Format::Xml),
        ] {
            let mut l = Limits::default();
            assert!(l.set(Limits::key(kind), 7));
            assert_eq!(l.of(kind), 7);
            assert_ne!(l.hash(), Limits::default().hash());
        }
    }
}
