//! Phase timings on stderr, switched on by the command line (`GOVERN_TRACE`): where a
//! run's time goes.
//!
//! Each [`phase`] call prints one line, `govern-trace: <ms since the first call> ms
//! (+<ms since the previous call>) <what just finished>`, with times in milliseconds of
//! wall time. Unset (the default), a call costs one relaxed atomic load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

static ON: AtomicBool = AtomicBool::new(false);
static CLOCK: Mutex<Option<(Instant, Instant)>> = Mutex::new(None);

/// Turns phase lines on or off for the rest of the process.
pub fn enable(on: bool) {
    ON.store(on, Ordering::Relaxed);
}

/// Whether phase lines are printed.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Marks the end of the phase `what` (e.g. "read the index: 100003 entries").
pub fn phase(what: impl FnOnce() -> String) {
    if !enabled() {
        return;
    }
    let now = Instant::now();
    let mut clock = CLOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (start, last) = clock.get_or_insert((now, now));
    eprintln!(
        "govern-trace: {:8.1} ms (+{:7.1}) {}",
        (now - *start).as_secs_f64() * 1e3,
        (now - *last).as_secs_f64() * 1e3,
        what()
    );
    *last = now;
}
