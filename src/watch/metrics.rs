//! What watch counts, and a tiny HTTP server for it: Prometheus text on `/metrics` and a
//! liveness answer on `/healthz`. Two fixed pages need no HTTP framework: a thread reads the
//! request line and writes one response per connection.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

/// How long the poll loop may go without a turn before `/healthz` says it is stuck: longer
/// than a long poll, a batch and a history lock wait.
const STUCK_AFTER: Duration = Duration::from_secs(180);

/// Counters since the process started; every field a Prometheus counter unless said.
#[derive(Debug, Default)]
pub struct Metrics {
    pub messages_received: AtomicU64,
    pub messages_deleted: AtomicU64,
    /// Messages that could not be read, left to the queue's redrive policy.
    pub messages_unparsable: AtomicU64,
    pub events_recorded: AtomicU64,
    /// Events already in the history (a message delivered again).
    pub events_duplicate: AtomicU64,
    /// Records that are no change to a covered resource: reads, failures, other services.
    pub events_ignored: AtomicU64,
    /// Changes of an account no watched workspace is for: recorded nowhere.
    pub unrouted_account: AtomicU64,
    /// Changes of a watched account in a region none of its workspaces scans: recorded, not
    /// compared.
    pub unrouted_region: AtomicU64,
    pub drifts_opened: AtomicU64,
    pub drifts_resolved: AtomicU64,
    /// Gauges, read from the history after each batch's notifications.
    pub notifications_sent: AtomicU64,
    pub notifications_queued: AtomicU64,
    /// SQS, AWS or history errors (each retried).
    pub errors: AtomicU64,
    /// Lag from an event's CloudTrail time to its recording, in milliseconds: sum and count.
    pub lag_ms_sum: AtomicU64,
    pub lag_count: AtomicU64,
    /// Gauge: the last event's lag.
    pub lag_ms_last: AtomicU64,
    /// Gauge: when the poll loop last took a turn, Unix seconds.
    pub heartbeat: AtomicU64,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The poll loop is alive now.
    pub fn beat(&self) {
        self.heartbeat.store(unix_now(), Ordering::Relaxed);
    }

    pub fn lag(&self, ms: u64) {
        Self::add(&self.lag_ms_sum, ms);
        Self::add(&self.lag_count, 1);
        self.lag_ms_last.store(ms, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let secs = |ms: u64| ms as f64 / 1000.0;
        let rows: [(&str, &str, &str, String); 14] = [
            ("messages_received_total", "counter", "SQS messages received", get(&self.messages_received).to_string()),
            (
                "messages_deleted_total",
                "counter",
                "SQS messages deleted after their commit",
                get(&self.messages_deleted).to_string(),
            ),
            (
                "messages_unparsable_total",
                "counter",
                "messages left to the redrive policy",
                get(&self.messages_unparsable).to_string(),
            ),
            ("events_recorded_total", "counter", "CloudTrail changes recorded", get(&self.events_recorded).to_string()),
            ("events_duplicate_total", "counter", "events already recorded", get(&self.events_duplicate).to_string()),
            (
                "events_ignored_total",
                "counter",
                "records that change no covered resource",
                get(&self.events_ignored).to_string(),
            ),
            (
                "drifts_opened_total",
                "counter",
                "drifts opened or moved by a re-read",
                get(&self.drifts_opened).to_string(),
            ),
            (
                "drifts_resolved_total",
                "counter",
                "drifts resolved by a re-read",
                get(&self.drifts_resolved).to_string(),
            ),
            (
                "notifications_sent",
                "gauge",
                "notifications sent, in the history",
                get(&self.notifications_sent).to_string(),
            ),
            (
                "notifications_queued",
                "gauge",
                "notifications waiting to be sent",
                get(&self.notifications_queued).to_string(),
            ),
            ("errors_total", "counter", "SQS, AWS and history errors, each retried", get(&self.errors).to_string()),
            (
                "event_lag_seconds_sum",
                "counter",
                "seconds from event time to recording, summed",
                secs(get(&self.lag_ms_sum)).to_string(),
            ),
            ("event_lag_seconds_count", "counter", "events whose lag is summed", get(&self.lag_count).to_string()),
            ("event_lag_seconds_last", "gauge", "the last event's lag", secs(get(&self.lag_ms_last)).to_string()),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in rows {
            out.push_str(&format!("# HELP driftscan_watch_{name} {help}\n# TYPE driftscan_watch_{name} {kind}\n"));
            out.push_str(&format!("driftscan_watch_{name} {value}\n"));
        }
        let name = "driftscan_watch_events_unrouted_total";
        out.push_str(&format!(
            "# HELP {name} changes routed to no workspace of their queue, by reason\n# TYPE {name} counter\n"
        ));
        for (reason, counter) in [("account", &self.unrouted_account), ("region", &self.unrouted_region)] {
            out.push_str(&format!("{name}{{reason=\"{reason}\"}} {}\n", get(counter)));
        }
        out
    }

    fn healthy(&self) -> bool {
        unix_now().saturating_sub(self.heartbeat.load(Ordering::Relaxed)) < STUCK_AFTER.as_secs()
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Serves `metrics` on `addr` from a thread of its own; fails when the address cannot be bound.
pub fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> Result<SocketAddr> {
    let listener = TcpListener::bind(addr).with_context(|| format!("--metrics-addr {addr}: cannot listen"))?;
    let bound = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // A slow client must not hold the others up for long.
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = answer(stream, &metrics);
        }
    });
    Ok(bound)
}

fn answer(mut stream: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("");
    let (status, kind, body) = match path {
        "/metrics" => ("200 OK", "text/plain; version=0.0.4", metrics.render()),
        "/healthz" if metrics.healthy() => ("200 OK", "text/plain", "ok\n".to_owned()),
        "/healthz" => ("503 Service Unavailable", "text/plain", "the poll loop is stuck\n".to_owned()),
        _ => ("404 Not Found", "text/plain", "not found: try /metrics or /healthz\n".to_owned()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_help_type_and_a_value() {
        let m = Metrics::default();
        Metrics::add(&m.events_recorded, 3);
        m.lag(1500);
        let text = m.render();
        assert!(text.contains("driftscan_watch_events_recorded_total 3\n"), "{text}");
        assert!(text.contains("driftscan_watch_event_lag_seconds_sum 1.5\n"), "{text}");
        let samples: Vec<_> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(samples.len(), 16);
        assert_eq!(text.lines().filter(|l| l.starts_with("# TYPE")).count(), 15);
        assert!(text.contains("driftscan_watch_events_unrouted_total{reason=\"account\"} 0\n"), "{text}");
        assert!(!m.healthy(), "no turn taken yet");
        m.beat();
        assert!(m.healthy());
    }
}
