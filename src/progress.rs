//! Progress bars of the long commands (indicatif, on stderr). A bar is drawn only when stderr
//! is a terminal and `--quiet` was not given, so logs and pipes get no escape codes.
//! `HWCOST_PROGRESS=always` draws them into a non-terminal stderr too (for tests, and for logs
//! recorded on purpose); `--quiet` still wins.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

static QUIET: AtomicBool = AtomicBool::new(false);

/// The environment variable that draws progress off a terminal (value `always`).
pub const FORCE_ENV: &str = "HWCOST_PROGRESS";

/// `--quiet`: no progress bar for the rest of the process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn forced() -> bool {
    std::env::var(FORCE_ENV).is_ok_and(|v| v == "always")
}

/// True when a progress bar would be drawn.
pub fn visible() -> bool {
    !QUIET.load(Ordering::Relaxed) && (forced() || std::io::stderr().is_terminal())
}

/// stderr as a terminal whatever it is: what `HWCOST_PROGRESS=always` draws on.
#[derive(Debug)]
struct RawStderr;

impl TermLike for RawStderr {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.write_str(&format!("\x1b[{n}A"))
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.write_str(&format!("\x1b[{n}B"))
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.write_str(&format!("\x1b[{n}C"))
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.write_str(&format!("\x1b[{n}D"))
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        std::io::stderr().write_all(s.as_bytes())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.write_str("\r\x1b[2K")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Where bars draw: stderr (a terminal), stderr forced, or nowhere.
fn target() -> ProgressDrawTarget {
    if !visible() {
        ProgressDrawTarget::hidden()
    } else if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::term_like(Box::new(RawStderr))
    }
}

/// A bar of `total` steps with the indicatif `template`; hidden unless [`visible`].
pub fn bar(total: u64, template: &str) -> ProgressBar {
    styled(
        ProgressBar::with_draw_target(Some(total), target()),
        template,
    )
}

fn styled(bar: ProgressBar, template: &str) -> ProgressBar {
    if !bar.is_hidden() {
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
    }
    bar
}

/// A spinner with a message, for work of unknown length (a synthesis run); hidden unless
/// [`visible`]. It ticks by itself until finished.
pub fn spinner(message: String) -> ProgressBar {
    let s = stage_spinner("{spinner} {msg} {elapsed}");
    s.set_message(message);
    s
}

/// A self-ticking spinner with the indicatif `template` (its `{msg}` set by the caller as the
/// work moves from stage to stage); hidden unless [`visible`].
pub fn stage_spinner(template: &str) -> ProgressBar {
    spinner_on(target(), template)
}

fn spinner_on(target: ProgressDrawTarget, template: &str) -> ProgressBar {
    let s = styled(ProgressBar::with_draw_target(None, target), template);
    if !s.is_hidden() {
        s.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn quiet_hides_every_bar() {
        set_quiet(true);
        assert!(!visible());
        assert!(bar(10, "{bar}").is_hidden());
        assert!(spinner("synth".into()).is_hidden());
        assert!(stage_spinner("{msg}").is_hidden());
        set_quiet(false);
    }

    /// A terminal that records what is drawn.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<String>>);

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The stage spinner of the synthesis flow shows each stage's message on a terminal.
    #[test]
    fn a_stage_spinner_draws_its_stages_on_a_terminal() {
        let rec = Recorder::default();
        let s = spinner_on(
            ProgressDrawTarget::term_like(Box::new(rec.clone())),
            "{spinner} unit: {msg}",
        );
        assert!(!s.is_hidden());
        s.set_message("synthesis (yosys)");
        std::thread::sleep(std::time::Duration::from_millis(450));
        s.set_message("timing (OpenSTA)");
        std::thread::sleep(std::time::Duration::from_millis(450));
        s.finish_and_clear();
        let text = rec.0.lock().unwrap().clone();
        assert!(text.contains("unit: synthesis (yosys)"), "{text:?}");
        assert!(text.contains("unit: timing (OpenSTA)"), "{text:?}");
        let hidden = spinner_on(ProgressDrawTarget::hidden(), "{msg}");
        assert!(hidden.is_hidden());
    }
}
