//! The watch window: what the events of a few polls queued is told together, so one cause
//! spread over several polls (a script changing 40 security groups, its events arriving ten to
//! a receive) is one alert, not one per poll.
//!
//! The window opens when the first change is queued and closes when that oldest change has
//! waited its length; then everything queued is told at once and the next change opens a new
//! window. A stopping daemon tells at once what it holds. Holding costs nothing in safety: the
//! notifications are queued in the history in the transaction that records each change, so a
//! process killed while holding sends them when it starts again.

use std::time::{Duration, Instant};

/// The default length: long enough for the events of one script run that EventBridge delivers
/// over a second to be one alert, short enough that the README's p95 of under 2 s from message
/// sent to Slack post still holds (about 0.2 s of work plus the window).
pub const DEFAULT: Duration = Duration::from_secs(1);
/// The longest window accepted: past five minutes, watch would tell later than the scheduled
/// scans it is meant to beat, and the actor grouping (5 minutes) already spans that much.
pub const MAX: Duration = Duration::from_secs(300);

/// Whether notifications are held, and since when.
#[derive(Debug, Clone)]
pub struct Window {
    length: Duration,
    /// When the oldest change not yet told was queued.
    since: Option<Instant>,
}

impl Window {
    pub fn new(length: Duration) -> Window {
        Window { length, since: None }
    }

    /// A change was queued at `at`; only the first of a window sets when it closes.
    pub fn queued(&mut self, at: Instant) {
        self.since.get_or_insert(at);
    }

    /// Whether anything queued waits to be told.
    pub fn holding(&self) -> bool {
        self.since.is_some()
    }

    /// When the window closes; `None` when nothing is held.
    pub fn closes(&self) -> Option<Instant> {
        self.since.map(|s| s + self.length)
    }

    /// Whether to tell now: the oldest held change has waited the window, or the daemon stops.
    pub fn due(&self, now: Instant, stopping: bool) -> bool {
        self.since.is_some_and(|s| stopping || now.saturating_duration_since(s) >= self.length)
    }

    /// Everything queued was just told (or tried: what a sink refused stays queued in the
    /// history and goes with the next window).
    pub fn told(&mut self) {
        self.since = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn nothing_queued_is_never_due_even_when_stopping() {
        let w = Window::new(S);
        let now = Instant::now();
        assert!(!w.holding());
        assert!(!w.due(now + 10 * S, false));
        assert!(!w.due(now, true));
        assert_eq!(w.closes(), None);
    }

    #[test]
    fn the_oldest_change_sets_when_the_window_closes() {
        let t0 = Instant::now();
        let mut w = Window::new(2 * S);
        w.queued(t0);
        // Later changes join the window; they do not push its end back.
        w.queued(t0 + S);
        w.queued(t0 + S + S / 2);
        assert_eq!(w.closes(), Some(t0 + 2 * S));
        assert!(!w.due(t0 + S + S / 2, false), "held while the oldest has waited less than the window");
        assert!(w.due(t0 + 2 * S, false), "due when the oldest has waited the window");
        assert!(w.due(t0 + 60 * S, false));
    }

    #[test]
    fn a_stopping_daemon_tells_at_once_what_it_holds() {
        let t0 = Instant::now();
        let mut w = Window::new(60 * S);
        w.queued(t0);
        assert!(!w.due(t0, false));
        assert!(w.due(t0, true));
    }

    #[test]
    fn once_told_the_next_change_opens_a_new_window() {
        let t0 = Instant::now();
        let mut w = Window::new(S);
        w.queued(t0);
        assert!(w.due(t0 + S, false));
        w.told();
        assert!(!w.holding() && !w.due(t0 + 5 * S, true));
        w.queued(t0 + 5 * S);
        assert_eq!(w.closes(), Some(t0 + 6 * S));
        assert!(!w.due(t0 + 5 * S + S / 2, false), "the new window counts from its own first change");
    }

    #[test]
    fn a_zero_window_tells_after_every_batch_as_before() {
        let t0 = Instant::now();
        let mut w = Window::new(Duration::ZERO);
        w.queued(t0);
        assert!(w.due(t0, false));
    }

    #[test]
    fn a_clock_read_before_the_change_is_not_due() {
        // Instants taken on another thread may be a hair older than the change's.
        let t0 = Instant::now() + S;
        let mut w = Window::new(S);
        w.queued(t0);
        assert!(!w.due(t0 - S / 2, false));
    }
}
