//! `driftscan watch`: CloudTrail events from an SQS queue, each recorded once, its resources
//! re-read and compared with their declarations, the drift recorded with who made it and told,
//! seconds after AWS delivers the event.
//!
//! - [`message`]: what a message body holds (EventBridge, S3 or CloudTrail notifications, SNS);
//! - [`poll`]: the daemon: long polling, deletion after commit, retries, signals, reloads;
//! - [`reread`]: the declarations and the targeted re-read of one event's resources;
//! - [`route`]: which workspaces of a queue an event is for (one queue shared by accounts);
//! - [`window`]: how long what is queued is held so one cause over several polls is one alert;
//! - [`metrics`]: the counters and their `/metrics` and `/healthz` server.
//!
//! Each event is one history transaction under the history lock, taken for that transaction
//! only, so scheduled scans and other watch processes interleave with it. One process polls
//! each of its queues once, whatever the number of workspaces that name it.

pub mod message;
pub mod metrics;
mod poll;
pub mod reread;
pub mod route;
pub mod window;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use aws_config::SdkConfig;
use chrono::Utc;

use crate::aws::access;
use crate::cloudtrail::{self, Loaded, TrailEvent};
use crate::config::Config;
use crate::exit::Exit;
use crate::history::History;
use crate::lock::HistoryLock;
use crate::notify::{self, tell::tell};
use crate::scan::ScanConfig;
use metrics::Metrics;
use reread::Declarations;
use route::{Claim, Unrouted};

/// What watch needs, validated from the command line and the config.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// The queues to poll, each once, each with the workspaces its events are routed to.
    pub queues: Vec<QueueConfig>,
    pub db: crate::history::Location,
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

/// One queue and the workspaces that name it.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub url: String,
    /// Never empty: states, rules, credentials and scoring of each, as a scan of them takes
    /// them (`db` set); the one scan of the flags when there is no config workspace.
    pub workspaces: Vec<ScanConfig>,
}

/// Runs until SIGTERM or SIGINT; exit 0 then. Fails at start only (states, history, metrics
/// address); later failures are retried.
pub fn command(cfg: WatchConfig) -> Result<Exit> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(poll::run(cfg))?;
    Ok(Exit::InSync)
}

/// The poller of one queue: its history connection, its workspaces and what it counted.
struct Watcher {
    cfg: WatchConfig,
    queue: String,
    /// The credentials the queue is read with (and the log objects it names): those of the
    /// workspace of the queue's own account, else of the first workspace naming it.
    sdk: SdkConfig,
    history: History,
    targets: Vec<Target>,
    metrics: Arc<Metrics>,
    window: window::Window,
}

/// One workspace of a queue: its declarations, its credentials, and what it claims.
struct Target {
    scan: ScanConfig,
    sdk: SdkConfig,
    claim: Claim,
    declarations: Declarations,
}

impl AsRef<Claim> for Target {
    fn as_ref(&self) -> &Claim {
        &self.claim
    }
}

impl Target {
    async fn load(scan: &ScanConfig) -> Result<Target> {
        let named = |e: anyhow::Error| match &scan.workspace {
            Some(ws) => e.context(format!("workspace {ws}")),
            None => e,
        };
        let sdk = scan.access.sdk_config().await;
        let declarations = Declarations::load(scan, &sdk).await.map_err(named)?;
        let account = match access::account_id(&sdk).await {
            Ok(a) => Some(a),
            Err(e) => {
                let ws = scan.workspace.as_deref().map_or(String::new(), |w| format!("workspace {w}: "));
                eprintln!(
                    "driftscan: warning: watch: {ws}{}; it takes the events no workspace of a known account claims",
                    crate::error::one_line(&e)
                );
                None
            }
        };
        let claim = Claim { account, regions: declarations.regions().clone() };
        Ok(Target { scan: scan.clone(), sdk, claim, declarations })
    }

    /// For the start line: `prod (111111111111, 36 declared)`.
    fn describe(&self) -> String {
        let account = self.claim.account.as_deref().unwrap_or("account unknown");
        let declared = self.declarations.count();
        match &self.scan.workspace {
            Some(ws) => format!("{ws} ({account}, {declared} declared)"),
            None => format!("{declared} declared resources ({account})"),
        }
    }
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
        let (records, account) = match message::decode(body).map_err(Left::Unparsable)? {
            message::Body::Nothing(_) => return Ok(()),
            message::Body::Records { records, account } => (records, account),
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
                cloudtrail::Outcome::Change(mut ev) => {
                    if let Some(a) = &account {
                        ev.account = a.clone();
                    }
                    self.event(&ev).await.map_err(Left::Failed)?
                }
                _ => Metrics::add(&self.metrics.events_ignored, 1),
            }
        }
        Ok(())
    }

    /// Records one change event: once, with the re-read of what it changed by each workspace
    /// it is routed to, in one transaction.
    async fn event(&mut self, ev: &TrailEvent) -> Result<()> {
        let targets = &self.targets;
        let to = match route::route(targets, ev, |i, id| targets[i].declarations.declares(id)) {
            Ok(to) => to,
            Err(Unrouted::Account) => {
                Metrics::add(&self.metrics.unrouted_account, 1);
                return Ok(());
            }
            Err(Unrouted::Region) => Vec::new(),
        };
        if self.history.has_event(&ev.event_id)? {
            Metrics::add(&self.metrics.events_duplicate, 1);
            return Ok(());
        }
        if to.is_empty() {
            Metrics::add(&self.metrics.unrouted_region, 1);
        }
        let now = Utc::now();
        let mut rereads = Vec::with_capacity(to.len());
        for i in to {
            let t = &self.targets[i];
            rereads.push(t.declarations.reread(&t.scan, &t.sdk, ev, now).await?);
        }
        let loaded = Loaded { events: vec![ev.clone()], files: 1, records: 1, ..Default::default() };
        // Every workspace's scoring is the run's (flags and top-level keys).
        let scoring = &self.targets[0].scan.scoring;
        let outcome = {
            let _lock = HistoryLock::acquire(&self.cfg.db, self.cfg.lock_timeout)?;
            let now = Utc::now().max(ev.time);
            self.history.record_event(&loaded, &mut rereads, scoring, now)?
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
