//! Files the user asked for (reports, catalogs, checkpoints, hook shims), written
//! atomically so that a reader never sees half of one.

use std::path::Path;

use crate::error::{Error, Result};

/// Writes `contents` to `path` atomically: a temporary file in the same directory, then a
/// rename, so readers never see a half-written file. The file is created as any file the
/// user writes (mode 0666 less the umask), not with a temporary file's private 0600, so
/// that a teammate or a web server publishing it can read it.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    temp_beside(path, contents)?
        .persist(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.error))?;
    Ok(())
}

/// Writes `contents` to `path` atomically, as [`write_atomic`], but only if nothing is at
/// `path`: the rename does not replace (so a file that appears meanwhile is kept too).
/// Errors: `path` exists (`AlreadyExists`), or a write that fails.
pub fn write_new(path: &Path, contents: &[u8]) -> Result<()> {
    temp_beside(path, contents)?
        .persist_noclobber(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.error))?;
    Ok(())
}

/// A temporary file holding `contents` in `path`'s directory (created if missing), with
/// the mode of a file the user writes.
fn temp_beside(path: &Path, contents: &[u8]) -> Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // open(2) applies the umask to this mode.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io(format!("writing in {}", dir.display()), e))?;
    tmp.write_all(contents)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    Ok(tmp)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_written_file_is_readable_by_others_under_the_usual_umask() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("catalog.json");
        super::write_atomic(&p, b"{}\n").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        // The test process runs under the umask it was given (022 or 002 in practice):
        // group and others can read, nobody may execute.
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
        assert_eq!(mode & 0o111, 0, "{mode:o}");
        assert_eq!(std::fs::read(&p).unwrap(), b"{}\n");
    }
}
