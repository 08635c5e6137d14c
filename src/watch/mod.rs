//! `driftscan watch`: CloudTrail events from an SQS queue, each recorded once, its resources
//! re-read and compared with their declarations, the drift recorded with who made it and told,
//! seconds after AWS delivers the event.
//!
//! - [`message`]: what a message body holds (EventBridge, S3 or CloudTrail notifications, SNS);
//! - [`poll`]: the daemon: long polling, deletion after commit, retries, signals, reloads;
//! - [`reread`]: the declarations and the targeted re-read of one event's resources;
//! - [`window`]: how long what is queued is held so one cause over several polls is one alert;
//! - [`metrics`]: the counters and their `/metrics` and `/healthz` server.
//!
//! Each event is one history transaction under the history lock, taken for that transaction
//! only, so scheduled scans and other watch processes interleave with it.

pub mod message;
pub mod metrics;
mod poll;
pub mod reread;
pub mod window;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use aws_config::SdkConfig;
use chrono::Utc;

use crate::cloudtrail::{self, Loaded, TrailEvent};
use crate::config::Config;
use crate::exit::Exit;
use crate::history::History;
use crate::lock::HistoryLock;
use crate::notify::{self, tell::tell};
use crate::scan::ScanConfig;
use metrics::Metrics;
use reread::Declarations;

/// What watch needs, validated from the command line and the config.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub queue_url: String,
    /// States, rules, credentials and scoring, as a scan of them takes them; `db` is set.
    pub scan: ScanConfig,
    pub db: PathBuf,
    pub notify: notify::Mode,
    /// The config file, for the sinks and routes.
    pub file: Option<Config>,
    pub full_scan_every: Option<Duration>,
    pub metrics_addr: Option<SocketAddr>,
    /// How long one transaction waits for the history lock.
    pub lock_timeout: Duration,
    /// Long-poll wait, at most 20 s (SQS's bound).
    pub wait: Duration,
    /// How long queued notifications are held so that those of one cause go as one alert.
    pub window: Duration,
}

/// Runs until SIGTERM or SIGINT; exit 0 then. Fails at start only (states, history, metrics
/// address); later failures are retried.
pub fn command(cfg: WatchConfig) -> Result<Exit> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(poll::run(cfg))?;
    Ok(Exit::InSync)
}

/// One watch process: its history, its declarations and what it counted.
struct Watcher {
    cfg: WatchConfig,
    sdk: SdkConfig,
    history: History,
    declarations: Declarations,
    metrics: Arc<Metrics>,
    window: window::Window,
}

/// Why a message stays in the queue.
#[derive(Debug)]
enum Left {
    /// It cannot be read: named on stderr, left to the redrive policy.
    Unparsable(String),
    /// AWS or the history failed: it is delivered again after its visibility timeout.
    Failed(anyhow::Error),
}

impl Watcher {
    /// Handles one message body, every event in it committed before it returns `Ok`.
    async fn message(&mut self, body: &str) -> Result<(), Left> {
        let records = match message::decode(body).map_err(Left::Unparsable)? {
            message::Body::Nothing(_) => return Ok(()),
            message::Body::Records(records) => records,
            message::Body::Objects(objects) => {
                let mut loader = cloudtrail::Loader::new();
                for o in &objects {
                    let url = format!("s3://{}/{}", o.bucket, o.key);
                    let bytes = crate::terraform::remote::fetch(&self.sdk, &url).await.map_err(Left::Failed)?;
                    loader.add_bytes(&url, &bytes);
                }
                let loaded = loader.finish();
                if let Some(s) = loaded.skipped.first() {
                    return Err(Left::Unparsable(format!("CloudTrail log {s}")));
                }
                Metrics::add(&self.metrics.events_ignored, loaded.ignored as u64);
                for ev in &loaded.events {
                    self.event(ev).await.map_err(Left::Failed)?;
                }
                return Ok(());
            }
        };
        for record in &records {
            match cloudtrail::classify(record) {
                cloudtrail::Outcome::Change(ev) => self.event(&ev).await.map_err(Left::Failed)?,
                _ => Metrics::add(&self.metrics.events_ignored, 1),
            }
        }
        Ok(())
    }

    /// Records one change event: once, with the re-read of what it changed, in one transaction.
    async fn event(&mut self, ev: &TrailEvent) -> Result<()> {
        if self.history.has_event(&ev.event_id)? {
            Metrics::add(&self.metrics.events_duplicate, 1);
            return Ok(());
        }
        let now = Utc::now();
        let mut reread = self.declarations.reread(&self.cfg.scan, &self.sdk, ev, now).await?;
        let loaded = Loaded { events: vec![ev.clone()], files: 1, records: 1, ..Default::default() };
        let outcome = {
            let _lock = HistoryLock::acquire(&self.cfg.db, self.cfg.lock_timeout)?;
            let now = Utc::now().max(ev.time);
            self.history.record_event(&loaded, Some(&mut reread), &self.cfg.scan.scoring, now)?
        };
        if self.cfg.notify != notify::Mode::Off {
            // The transaction may have queued for the sinks; the window counts from here.
            self.window.queued(Instant::now());
        }
        let m = &self.metrics;
        Metrics::add(&m.events_recorded, outcome.learned.added as u64);
        Metrics::add(&m.drifts_opened, (outcome.opened + outcome.updated) as u64);
        Metrics::add(&m.drifts_resolved, outcome.resolved as u64);
        m.lag((Utc::now() - ev.time).num_milliseconds().max(0) as u64);
        Ok(())
    }

    /// Sends what is queued, under the history lock, and reads back how much is sent and waits.
    /// Whatever the window held goes too.
    fn tell(&mut self) {
        self.window.told();
        if self.cfg.notify == notify::Mode::Off {
            return;
        }
        let db = self.cfg.db.clone();
        let file = self.cfg.file.clone();
        let mode = self.cfg.notify;
        let timeout = self.cfg.lock_timeout;
        tokio::task::block_in_place(|| match HistoryLock::acquire(&db, timeout) {
            Ok(_lock) => tell(file.as_ref(), mode, Utc::now(), || History::open(&db)),
            Err(e) => eprintln!("driftscan: warning: notification: {}", crate::error::one_line(&e)),
        });
        if let Ok((sent, queued)) = self.history.notification_counts() {
            self.metrics.notifications_sent.store(sent, std::sync::atomic::Ordering::Relaxed);
            self.metrics.notifications_queued.store(queued, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    /// The deploy module's rule sends every covered service's writes, and no other service's.
    #[test]
    fn the_terraform_module_names_every_covered_event_source() {
        let module = include_str!("../../deploy/terraform/driftscan-watch/main.tf");
        let start = module.find("event_sources = [").expect("the list");
        let listed: std::collections::BTreeSet<&str> =
            module[start..module[start..].find(']').unwrap() + start].split('"').skip(1).step_by(2).collect();
        let covered: std::collections::BTreeSet<&str> = crate::aws::SERVICES.iter().map(|s| s.event_source).collect();
        assert_eq!(listed, covered);
    }
}
