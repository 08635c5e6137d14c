//! Progress on stderr, drawn only when stderr is a terminal: cron logs and pipes stay clean,
//! and a person at a terminal sees that a long scan is moving.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar that does nothing when nobody watches.
#[derive(Debug, Default)]
pub struct Progress {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl Progress {
    /// Shows progress if stderr is a terminal and `quiet` is off.
    pub fn for_stderr(quiet: bool) -> Self {
        Progress { bar: Mutex::new(None), enabled: !quiet && std::io::stderr().is_terminal() }
    }

    /// Starts a phase of `len` steps.
    pub fn start(&self, phase: &str, len: u64) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix:.bold} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(phase.to_owned());
        // Tick on its own so the elapsed time moves even while every list is still waiting:
        // a scan that looks frozen is the complaint this bar exists to answer.
        bar.enable_steady_tick(std::time::Duration::from_millis(250));
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    /// One step done; `what` names it.
    pub fn inc(&self, what: &str) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.set_message(what.to_owned());
                bar.inc(1);
            }
        }
    }

    /// Ends the phase and clears the bar.
    pub fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}
