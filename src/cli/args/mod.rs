//! What the user typed, as clap structs whose doc comments are the `--help` text: one file per
//! family of subcommands, and here the flag groups several of them share, each defined once and
//! flattened where it is used (`--db`, the suppression flags, `--format`, the lock, scoring and
//! notification flags) with the value parsers they need.
//!
//! Where a shared flag means something a little different to one command (`check` only reads
//! the history, `report` needs it to exist), that command words its help with `mut_arg`; the
//! flag itself (name, environment variable, type, default) stays the one defined here.

pub mod history;
pub mod report;
pub mod scan;

use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::history::Location;
use crate::lock::HistoryLock;
use crate::notify;

/// The default history, when neither `--db` nor the config names one.
pub const DEFAULT_HISTORY: &str = ".driftscan/history.db";

/// `--db`: the history every command that reads or writes one works on.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// History: a SQLite file, or postgres://USER@HOST:PORT/DB. Default `history` in the config,
    /// else .driftscan/history.db.
    #[arg(long, value_name = "PATH_OR_URL", env = "DRIFTSCAN_DB")]
    pub db: Option<Location>,
}

/// `--db` of the commands that record: a missing history is created.
pub const DB_CREATED: &str =
    "History: a SQLite file, created if missing, or postgres://USER@HOST:PORT/DB. Default `history` in the config, else .driftscan/history.db";

impl HistoryArgs {
    /// `--db` (or `DRIFTSCAN_DB`), else the config's `history`, else the default.
    pub fn path(&self, file: Option<&Config>) -> Location {
        self.db
            .clone()
            .or_else(|| file.and_then(|c| c.history.clone()))
            .unwrap_or_else(|| Location::from(DEFAULT_HISTORY))
    }
}

/// `--db` and `--no-history`, for `scan`: the one command that may also record nothing.
#[derive(Debug, Args)]
#[command(mut_arg("db", |a| a.help(DB_CREATED)))]
pub struct RecordArgs {
    #[command(flatten)]
    pub history: HistoryArgs,

    /// Do not record this scan in the history.
    #[arg(long)]
    pub no_history: bool,
}

impl RecordArgs {
    /// The history to record into, `None` with `--no-history`.
    pub fn path(&self, file: Option<&Config>) -> Option<Location> {
        (!self.no_history).then(|| self.history.path(file))
    }
}

/// What a comparison leaves out: the ignore rules, and the Terraform sources whose
/// `lifecycle { ignore_changes }` it honours (which also say where each resource is written).
#[derive(Debug, Args)]
pub struct SuppressArgs {
    /// Rules for what the scan leaves out, in driftctl's `.driftignore` syntax. Without this flag
    /// `./.driftignore` is read when it exists.
    #[arg(long, value_name = "PATH")]
    pub ignore_file: Option<PathBuf>,

    /// The Terraform root module's directory: `lifecycle { ignore_changes }` is honoured and each
    /// change says where its resource is written (`source`).
    #[arg(long, value_name = "DIR")]
    pub tf_dir: Option<PathBuf>,
}

/// `--format`, over the formats of the command (`F`), its default the format's own.
#[derive(Debug, Args)]
pub struct FormatArgs<F: ValueEnum + Default + Clone + Send + Sync + 'static> {
    /// Output format.
    #[arg(long, value_enum, default_value_t = F::default())]
    pub format: F,
}

/// `--notify`: which recorded changes reach the sinks.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Which recorded changes to send to the sinks (Slack when DRIFTSCAN_SLACK_WEBHOOK is set,
    /// or the config's notify blocks, as its routes say): anomalous ones, every new one (all),
    /// or none (off). A change is told once.
    #[arg(long = "notify", value_name = "WHICH", value_enum, env = "DRIFTSCAN_NOTIFY", default_value_t = notify::Mode::Anomalous)]
    pub mode: notify::Mode,
}

/// For every command that writes the history: runs take turns (see [`crate::lock`]).
#[derive(Debug, Args)]
pub struct LockArgs {
    /// How long to wait for another run that holds the same history (30s, 2m); then exit 1.
    /// Default 30s, or `lock_timeout` in the config.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
}

impl LockArgs {
    /// The timeout in force: the flag's, the config's, or the default.
    pub fn timeout(&self, file: Option<&Config>) -> std::time::Duration {
        self.lock_timeout.or(file.and_then(|c| c.lock_timeout)).unwrap_or(crate::lock::DEFAULT_TIMEOUT)
    }

    /// Takes the lock of the history at `db`, held until the returned guard is dropped.
    pub fn take(&self, db: &Location, file: Option<&Config>) -> Result<HistoryLock> {
        HistoryLock::acquire(db, self.timeout(file))
    }

    /// As [`Self::take`] for a scan of `workspaces` (see [`HistoryLock::acquire_scan`]).
    pub fn take_scan(&self, db: &Location, file: Option<&Config>, workspaces: &[String]) -> Result<HistoryLock> {
        HistoryLock::acquire_scan(db, self.timeout(file), workspaces)
    }
}

/// `--threshold`: where anomalous starts.
#[derive(Debug, Args)]
pub struct ScoringArgs {
    /// Score (0 to 1) from which a change is anomalous; 0.5 is about a one-in-three-hundred
    /// surprise given the history. Default 0.5, or `threshold` in the config.
    #[arg(long, value_name = "SCORE", env = "DRIFTSCAN_THRESHOLD", value_parser = parse_threshold)]
    pub threshold: Option<f64>,
}

impl ScoringArgs {
    pub fn config(&self, file: Option<&Config>) -> crate::scoring::Config {
        let threshold = self.threshold.or(file.and_then(|c| c.threshold)).unwrap_or(crate::scoring::DEFAULT_THRESHOLD);
        crate::scoring::Config { threshold, ..Default::default() }
    }
}

pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::config::parse_duration(s).ok_or_else(|| format!("{s:?}: expected a duration such as 30s, 2m or 250ms"))
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.0..=1.0).contains(&t) => Ok(t),
        _ => Err(format!("{s:?}: expected a score between 0 and 1, such as 0.5")),
    }
}

pub fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; expected RFC 3339 such as 2026-01-31T03:14:00Z"))
}
