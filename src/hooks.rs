//! Installing and removing the git hook shims (`git govern install` / `uninstall`).
//!
//! The hooks directory is the one git uses (`git rev-parse --git-path hooks`), so
//! `core.hooksPath` and linked worktrees are honoured. A hook is ours when it contains
//! [`MARKER`]; any other hook is left alone unless `--force`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The line that identifies a hook written by git-govern.
pub const MARKER: &str = "# installed by git-govern";

/// The hooks git-govern provides.
pub const HOOKS: &[&str] = &["pre-commit", "commit-msg", "pre-push"];

/// The shim for `hook` (the same text as `hooks/<hook>` in this repository).
pub fn shim(hook: &str) -> String {
    format!(
        "#!/bin/sh\n{MARKER}: runs `git govern hook {hook}` (remove with `git govern uninstall`)\n\
if ! command -v git-govern >/dev/null 2>&1; then\n  \
echo \"git-govern: not found on PATH; install it (cargo install --path <git-govern checkout>) or skip once with --no-verify\" >&2\n  \
exit 1\nfi\nexec git-govern hook {hook} \"$@\"\n"
    )
}

/// The hooks directory git uses for the repository at `cwd`.
pub fn hooks_dir(cwd: &Path) -> Result<PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--git-path", "hooks"])
        .current_dir(cwd)
        .output()
        .map_err(|e| Error::io("running git rev-parse", e))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "{} is not in a git repository",
            cwd.display()
        )));
    }
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(if p.is_absolute() { p } else { cwd.join(p) })
}

/// Writes the shims (pre-commit, commit-msg, pre-push); returns the paths written. Refuses
/// (usage error, nothing written) to replace a hook that git-govern did not write, unless
/// `force`.
pub fn install(cwd: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let dir = hooks_dir(cwd)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    if !force {
        for hook in HOOKS {
            let p = dir.join(hook);
            if std::fs::read_to_string(&p).is_ok_and(|t| !t.contains(MARKER)) {
                return Err(Error::Usage(format!(
                    "{} exists and was not written by git-govern; move it away or use --force to replace it (nothing was installed)",
                    p.display()
                )));
            }
        }
    }
    let mut written = Vec::new();
    for hook in HOOKS {
        let p = dir.join(hook);
        crate::output::write_atomic(&p, shim(hook).as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| Error::io(format!("chmod {}", p.display()), e))?;
        }
        written.push(p);
    }
    Ok(written)
}

/// Removes the shims git-govern wrote; returns the paths removed. Other hooks stay.
pub fn uninstall(cwd: &Path) -> Result<Vec<PathBuf>> {
    let dir = hooks_dir(cwd)?;
    let mut removed = Vec::new();
    for hook in HOOKS {
        let p = dir.join(hook);
        if std::fs::read_to_string(&p).is_ok_and(|t| t.contains(MARKER)) {
            std::fs::remove_file(&p)
                .map_err(|e| Error::io(format!("removing {}", p.display()), e))?;
            removed.push(p);
        }
    }
    Ok(removed)
}
