//! Files the user asked for (reports, catalogs, checkpoints, hook shims), written
//! atomically so that a reader never sees half of one.

use std::path::Path;

use crate::error::{Error, Result};

/// Writes `contents` to `path` atomically: a temporary file in the same directory, then a
/// rename, so readers never see a half-written file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(format!("writing in {}", dir.display()), e))?;
    tmp.write_all(contents)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.error))?;
    Ok(())
}
