//! The process's allocator settings. regorus's `allocator-memory-limits` feature (the policy
//! memory guard) makes its vendored mimalloc the global allocator; with mimalloc's defaults
//! a 100,000-file cold check peaks at 102-112 MB against 82 MB with the system allocator.
//! Purging freed memory at once and no transparent huge pages bring it to 80 MB, at no
//! measurable cost in time (bench/run.py).

use std::ffi::{c_int, c_long};

extern "C" {
    /// mimalloc's `mi_option_set` (`mimalloc.h`), linked in by `regorus-mimalloc-sys`.
    fn mi_option_set(option: c_int, value: c_long);
    /// mimalloc's `mi_option_get`.
    fn mi_option_get(option: c_int) -> c_long;
}

/// `mi_option_purge_delay` in `mi_option_t` of the vendored mimalloc.h (default 10 ms).
const PURGE_DELAY: c_int = 15;
/// `mi_option_allow_thp` (default 1).
const ALLOW_THP: c_int = 37;

/// Applies the settings; call first thing in `main`. A mimalloc whose option numbers
/// moved (a new version) is left alone: its defaults are recognised first.
pub fn tune() {
    // SAFETY: both functions take and return plain integers and may be called at any time.
    unsafe {
        if mi_option_get(PURGE_DELAY) == 10 && mi_option_get(ALLOW_THP) == 1 {
            mi_option_set(PURGE_DELAY, 0);
            mi_option_set(ALLOW_THP, 0);
        }
    }
}

/// Settings for a run over many small inputs (the portfolio commands): transparent huge
/// pages off, on Linux (`PR_SET_THP_DISABLE`; a program the process starts inherits it,
/// which changes its speed at most, never its output). mimalloc reads `allow_thp` once,
/// before `main`, so [`tune`] cannot turn them off.
///
/// Where the kernel's setting is `always`, each 2 MiB region mimalloc takes is zeroed
/// whole on first touch: a warm 10,000-repository portfolio check spent a tenth of its
/// kernel time there, and peaked 15 MB higher. The hook keeps them: it decodes one large
/// index, where a huge page spares hundreds of page faults (2 ms of a 100,000-file hook).
pub fn for_many_small_inputs() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers name the options meant: each holds its documented default until set.
    #[test]
    fn option_numbers_match_the_vendored_header() {
        unsafe {
            assert_eq!(mi_option_get(PURGE_DELAY), 10);
            assert_eq!(mi_option_get(ALLOW_THP), 1);
        }
    }
}
