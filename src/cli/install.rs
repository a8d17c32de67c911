//! `git govern install` and `uninstall`: the hook shims in this repository's hooks
//! directory.

use git_govern::{hooks, Error};

use super::env::cwd;

/// Writes the pre-commit, commit-msg and pre-push shims (`force`: over hooks git-govern
/// did not write).
pub fn install(force: bool) -> Result<i32, Error> {
    for p in hooks::install(&cwd()?, force)? {
        println!("installed {}", p.display());
    }
    Ok(0)
}

/// Removes the shims `install` wrote.
pub fn uninstall() -> Result<i32, Error> {
    let removed = hooks::uninstall(&cwd()?)?;
    if removed.is_empty() {
        println!("no git-govern hooks to remove");
    }
    for p in removed {
        println!("removed {}", p.display());
    }
    Ok(0)
}
