//! Progress bars of the long commands (indicatif, on stderr). A bar is drawn only when stderr
//! is a terminal and `--quiet` was not given, so logs and pipes get no escape codes.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no progress bar for the rest of the process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// True when a progress bar would be drawn.
pub fn visible() -> bool {
    !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

/// A bar of `total` steps with the indicatif `template`; hidden unless [`visible`].
pub fn bar(total: u64, template: &str) -> ProgressBar {
    if !visible() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// A spinner with a message, for work of unknown length (a synthesis run); hidden unless
/// [`visible`]. It ticks by itself until finished.
pub fn spinner(message: String) -> ProgressBar {
    if !visible() {
        return ProgressBar::hidden();
    }
    let s = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        s.set_style(style);
    }
    s.set_message(message);
    s.enable_steady_tick(std::time::Duration::from_millis(200));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hides_every_bar() {
        set_quiet(true);
        assert!(!visible());
        assert!(bar(10, "{bar}").is_hidden());
        assert!(spinner("synth".into()).is_hidden());
        set_quiet(false);
    }
}
