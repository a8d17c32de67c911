//! Reads of files that a repository or a command line names (files checked on disk,
//! `.govern.yaml`, `--config`, schemas, policies, the commit message file): regular files
//! only, so a FIFO or a device is never opened and nothing blocks; and at most a limit of
//! bytes, so `/dev/zero` or a 100 MB file named like a config ends with an error.

use std::io::{self, Read};
use std::path::Path;

/// The most bytes read from a configuration, schema, policy or commit message file.
pub const CONFIG_LIMIT: u64 = 4 << 20;

/// The most bytes of a file checked by the structured rules (Dockerfiles, manifests,
/// metadata, ADRs); larger files are an input error naming the limit.
pub const CHECKED_LIMIT: u64 = 16 << 20;

/// Reads `path` (following symbolic links) if it is a regular file of at most `limit`
/// bytes. Errors: `InvalidInput` for anything else, in words ("not a regular file (a FIFO,
/// socket or device)", "larger than 4 MiB"); the I/O error otherwise.
pub fn bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            if meta.is_dir() {
                "a directory, not a file"
            } else {
                "not a regular file (a FIFO, socket or device), so it is not read"
            },
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("larger than {}, the limit for this file", size(limit)),
        ));
    }
    Ok(bytes)
}

/// Whether `path`, links resolved, lies outside `root` (false when either cannot be
/// resolved: reading it then fails on its own).
pub fn leads_out(path: &Path, root: &Path) -> bool {
    std::fs::canonicalize(path)
        .ok()
        .zip(std::fs::canonicalize(root).ok())
        .is_some_and(|(p, r)| !p.starts_with(r))
}

/// Errors (`InvalidInput`) when `path` is a symbolic link that leads out of `root`, or
/// cannot be resolved: a repository must not make git-govern read a file outside it (a
/// committed `.govern.yaml` linked to `/etc/passwd` would otherwise land in a CI log).
pub fn within(root: &Path, path: &Path) -> io::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_symlink() {
        return Ok(());
    }
    let outside = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "a symbolic link that leads out of the repository; not followed",
        )
    };
    let target = std::fs::canonicalize(path).map_err(|_| outside())?;
    let root = std::fs::canonicalize(root)?;
    if target.starts_with(&root) {
        Ok(())
    } else {
        Err(outside())
    }
}

/// `limit` in words: "1 GiB", "4 MiB", "512 KiB", "100 bytes".
pub fn size(limit: u64) -> String {
    match limit {
        l if l >= 1 << 30 && l % (1 << 30) == 0 => format!("{} GiB", l >> 30),
        l if l >= 1 << 20 && l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l if l >= 1 << 10 && l % (1 << 10) == 0 => format!("{} KiB", l >> 10),
        l => format!("{l} bytes"),
    }
}

/// [`bounded`] as UTF-8 text. Errors: as [`bounded`], and `InvalidData` for bytes that are
/// not UTF-8.
pub fn bounded_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(bounded(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_large_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 2048]).unwrap();
        assert_eq!(bounded(&big, 4096).unwrap().len(), 2048);
        let e = bounded(&big, 1024).unwrap_err();
        assert!(e.to_string().contains("larger than 1 KiB"), "{e}");
        assert!(bounded(dir.path(), 10).is_err());
        #[cfg(unix)]
        {
            let e = bounded(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }
}
