//! The daemon: each queue long-polled in batches by one loop (all loops of a process in one
//! task: their waits are the SDK's, and the history is written one event at a time anyway),
//! each message deleted once its events are committed;
//! one line per outage, retried with backoff for as long as it lasts; SIGTERM and SIGINT stop
//! the polling, the batch in hand is finished and committed, and the process exits 0.
//!
//! A message that is not deleted comes back after the queue's visibility timeout: a process
//! killed at any moment loses nothing, and what it had committed is recognised by event id
//! and recorded nothing twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use aws_sdk_sqs::Client;
use tokio::sync::watch;

use super::metrics::{self, Metrics};
use super::reread::Declarations;
use super::{route, Left, QueueConfig, Target, WatchConfig, Watcher};
use crate::history::History;
use crate::progress::Progress;

/// SQS hands out at most ten messages per receive.
const BATCH: i32 = 10;
/// The longest wait between retries of a failing call.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

pub(super) async fn run(cfg: WatchConfig) -> Result<()> {
    let metrics = Arc::new(Metrics::default());
    metrics.beat();
    let mut watchers = Vec::new();
    for queue in &cfg.queues {
        watchers.push(Watcher::start(&cfg, queue, metrics.clone()).await?);
    }
    if let Some(addr) = cfg.metrics_addr {
        let bound = metrics::serve(addr, metrics.clone())?;
        eprintln!("driftscan: watch: metrics on http://{bound}/metrics");
    }
    let stop = shutdown_signal();
    futures::future::join_all(watchers.into_iter().map(|w| poll(w, stop.clone()))).await;
    eprintln!("driftscan: watch: stopped; every message taken was committed or left in the queue");
    Ok(())
}

impl Watcher {
    /// Reads the states of the queue's workspaces and asks STS whose each one's credentials are.
    async fn start(cfg: &WatchConfig, queue: &QueueConfig, metrics: Arc<Metrics>) -> Result<Watcher> {
        let mut targets = Vec::new();
        for scan in &queue.workspaces {
            targets.push(Target::load(scan).await?);
        }
        let owner = route::queue_account(&queue.url);
        let consumer = targets.iter().position(|t| owner.is_some() && t.claim.account.as_deref() == owner).unwrap_or(0);
        let sdk = targets[consumer].sdk.clone();
        let history = History::open(&cfg.db)?.queueing(targets[0].scan.queue.clone());
        match &targets[..] {
            [one] if one.scan.workspace.is_none() => {
                eprintln!("driftscan: watch: {}; polling {}", one.describe(), queue.url)
            }
            _ => {
                let named: Vec<String> = targets.iter().map(Target::describe).collect();
                eprintln!("driftscan: watch: polling {} for workspaces {}", queue.url, named.join(", "));
            }
        }
        let window = super::window::Window::new(cfg.window);
        Ok(Watcher { cfg: cfg.clone(), queue: queue.url.clone(), sdk, history, targets, metrics, window })
    }
}

/// Polls one queue until `stop`.
async fn poll(mut w: Watcher, stop: watch::Receiver<bool>) {
    let client = Client::new(&w.sdk);
    // What an earlier run queued and could not send (or was killed before sending) goes first.
    w.tell();
    let mut outage = Outage::default();
    let mut last_full = Instant::now();
    while !*stop.borrow() {
        w.metrics.beat();
        w.reload_if_changed().await;
        if w.cfg.full_scan_every.is_some_and(|every| last_full.elapsed() >= every) {
            w.full_scan().await;
            last_full = Instant::now();
        }
        let receive = client
            .receive_message()
            .queue_url(&w.queue)
            .max_number_of_messages(BATCH)
            .wait_time_seconds(w.cfg.wait.as_secs().min(20) as i32)
            .send();
        // Its own task, so the poll goes on while a window that closes during it is told.
        let mut receive = tokio::spawn(receive);
        let mut stopped = stop.clone();
        let received = tokio::select! {
            r = w.telling(&mut receive) => Some(r),
            // What the poll would have returned stays queued.
            _ = stopped.changed() => None,
        };
        let received = match received {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                Metrics::add(&w.metrics.errors, 1);
                outage.failing("SQS", &format!("ReceiveMessage {}: {e}", w.queue));
                w.pause(&outage, &stop).await;
                continue;
            }
            None => {
                receive.abort();
                break;
            }
        };
        let messages = match received {
            Ok(out) => {
                outage.over("SQS");
                out.messages.unwrap_or_default()
            }
            Err(e) => {
                Metrics::add(&w.metrics.errors, 1);
                let reason = crate::aws::ListError::from(e).0;
                outage.failing("SQS", &format!("ReceiveMessage {}: {reason}", w.queue));
                w.pause(&outage, &stop).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        Metrics::add(&w.metrics.messages_received, messages.len() as u64);
        // Signals are not looked at within a batch: it is finished and committed whole.
        let mut done = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let id = m.message_id.as_deref().unwrap_or("?");
            match w.message(m.body.as_deref().unwrap_or_default()).await {
                Ok(()) => {
                    outage.over("AWS");
                    if let Some(handle) = &m.receipt_handle {
                        done.push((i, handle.clone()));
                    }
                }
                Err(Left::Unparsable(why)) => {
                    Metrics::add(&w.metrics.messages_unparsable, 1);
                    eprintln!("driftscan: watch: message {id}: {why}; left to the queue's redrive policy");
                }
                Err(Left::Failed(e)) => {
                    Metrics::add(&w.metrics.errors, 1);
                    outage.failing("AWS", &format!("message {id}: {}", crate::error::one_line(&e)));
                }
            }
        }
        // Whatever the batch did, what sinks refused before is tried again with this window.
        w.window.queued(Instant::now());
        if w.window.due(Instant::now(), *stop.borrow()) {
            w.tell();
        }
        delete(&client, &mut w, &done, &mut outage, &stop).await;
    }
    if w.window.holding() {
        // Stopping: what the window held is told now; what a sink refuses stays queued in the
        // history for the next start.
        w.tell();
    }
}

/// Deletes the messages whose events are committed, retrying while SQS fails (a message not
/// deleted would only come back and be recognised, but deleting it saves that).
async fn delete(
    client: &Client,
    w: &mut Watcher,
    done: &[(usize, String)],
    outage: &mut Outage,
    stop: &watch::Receiver<bool>,
) {
    if done.is_empty() {
        return;
    }
    let entries: Vec<_> = done
        .iter()
        .filter_map(|(i, h)| DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(h).build().ok())
        .collect();
    for _ in 0..5 {
        match client.delete_message_batch().queue_url(&w.queue).set_entries(Some(entries.clone())).send().await {
            Ok(out) => {
                Metrics::add(&w.metrics.messages_deleted, out.successful.len() as u64);
                outage.over("SQS");
                return;
            }
            Err(e) => {
                Metrics::add(&w.metrics.errors, 1);
                outage.failing("SQS", &format!("DeleteMessageBatch: {}", crate::aws::ListError::from(e).0));
                if *stop.borrow() {
                    return;
                }
                w.pause(outage, stop).await;
            }
        }
    }
}

impl Watcher {
    /// Waits for `f`, telling each window that closes meanwhile rather than after it.
    async fn telling<F: std::future::Future>(&mut self, f: F) -> F::Output {
        tokio::pin!(f);
        loop {
            let closes = self.window.closes().map(tokio::time::Instant::from_std);
            tokio::select! {
                out = &mut f => return out,
                _ = sleep_until(closes), if closes.is_some() => self.tell(),
            }
        }
    }

    /// Waits out a failure's backoff, the window told as it closes.
    async fn pause(&mut self, outage: &Outage, stop: &watch::Receiver<bool>) {
        self.telling(outage.wait(stop)).await
    }

    /// Reads the states again when one was rewritten; a state that cannot be read now (half
    /// written) keeps the declarations of before, and is tried again next turn.
    async fn reload_if_changed(&mut self) {
        for t in &mut self.targets {
            let now = t.declarations.stamp_now().await;
            if now == t.declarations.stamp {
                continue;
            }
            let ws = t.scan.workspace.as_deref().map_or(String::new(), |w| format!("workspace {w}: "));
            match Declarations::load(&t.scan, &t.sdk).await {
                Ok(d) => {
                    eprintln!("driftscan: watch: {ws}states changed; {} declared resources", d.count());
                    t.claim.regions = d.regions().clone();
                    t.declarations = d;
                }
                Err(e) => {
                    Metrics::add(&self.metrics.errors, 1);
                    let why = crate::error::one_line(&e);
                    eprintln!("driftscan: warning: watch: {ws}keeping the states of before: {why}");
                    t.declarations.stamp = now;
                }
            }
        }
    }

    /// A normal scan of each of the queue's workspaces, as `driftscan scan` makes it, for what
    /// no event tells.
    async fn full_scan(&mut self) {
        for t in &self.targets {
            let lock = crate::lock::HistoryLock::acquire(&self.cfg.db, self.cfg.lock_timeout);
            let result = match lock {
                Ok(_lock) => crate::scan::run(&t.scan, chrono::Utc::now(), &Progress::for_stderr(true)).await,
                Err(e) => Err(e),
            };
            let ws = t.scan.workspace.as_deref().map_or(String::new(), |w| format!(" of workspace {w}"));
            match result {
                Ok(r) => eprintln!(
                    "driftscan: watch: full scan{ws}: {} managed, {} opened, {} resolved",
                    r.summary.managed, r.summary.opened, r.summary.resolved
                ),
                Err(e) => {
                    Metrics::add(&self.metrics.errors, 1);
                    eprintln!("driftscan: warning: watch: full scan{ws}: {}", crate::error::one_line(&e));
                }
            }
        }
        self.tell();
    }
}

/// Sleeps until `at`; never wakes when there is nothing to wait for.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A `watch` channel that turns true on SIGTERM or SIGINT.
fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let sigterm = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sigterm => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        eprintln!("driftscan: watch: stopping: finishing the batch in hand");
        let _ = tx.send(true);
    });
    rx
}

/// One line when something starts failing and one when it works again, not one per attempt;
/// the wait between attempts doubles up to [`MAX_BACKOFF`].
#[derive(Default)]
struct Outage {
    since: Option<(Instant, &'static str)>,
    backoff: Duration,
}

impl Outage {
    fn failing(&mut self, what: &'static str, why: &str) {
        if self.since.is_none() {
            eprintln!("driftscan: watch: {why}; retrying until it works");
            self.since = Some((Instant::now(), what));
        }
        self.backoff = (self.backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
    }

    fn over(&mut self, what: &'static str) {
        if let Some((since, w)) = self.since.filter(|(_, w)| *w == what) {
            eprintln!("driftscan: watch: {w} works again after {} s", since.elapsed().as_secs());
            self.since = None;
            self.backoff = Duration::ZERO;
        }
    }

    /// Sleeps the backoff, or less when a signal comes.
    async fn wait(&self, stop: &watch::Receiver<bool>) {
        let mut stop = stop.clone();
        if *stop.borrow() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(self.backoff) => {}
            _ = stop.changed() => {}
        }
    }
}
