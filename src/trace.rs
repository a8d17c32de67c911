//! Phase timings on stderr when `GOVERN_TRACE` is set: where a run's time goes.
//!
//! Each [`phase`] call prints one line, `govern-trace: <ms since the first call> ms
//! (+<ms since the previous call>) <what just finished>`, with times in milliseconds of
//! wall time. Unset (the default), a call costs one relaxed atomic load.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Instant;

static STATE: AtomicU8 = AtomicU8::new(0); // 0 unknown, 1 off, 2 on
static CLOCK: Mutex<Option<(Instant, Instant)>> = Mutex::new(None);

/// Whether tracing is on (`GOVERN_TRACE` set to anything but empty or `0`).
pub fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let on = std::env::var_os("GOVERN_TRACE").is_some_and(|v| !v.is_empty() && v != "0");
            STATE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
    }
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
