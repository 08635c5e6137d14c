//! The commands that write the history besides `scan`: `learn` (CloudTrail), `ack`, `fix`,
//! `notify`, and `history copy`, which moves one.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{FormatArgs, HistoryArgs, LockArgs, NotifyArgs, ScoringArgs, DB_CREATED};
use crate::fix::render::FixFormat;
use crate::history::Location;
use crate::output::Format;

#[derive(Debug, Args)]
#[command(mut_arg("db", |a| a.help(DB_CREATED)))]
pub struct LearnArgs {
    /// CloudTrail log file, folder or s3://bucket/prefix; repeatable.
    #[arg(long = "cloudtrail", value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    #[command(flatten)]
    pub history: HistoryArgs,

    #[command(flatten)]
    pub format: FormatArgs<Format>,

    #[command(flatten)]
    pub scoring: ScoringArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,

    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct AckArgs {
    /// The change's id, as `report` and `scan --format json` show it.
    pub id: i64,

    /// The change was expected (planned work): teach the model that such changes are normal.
    #[arg(long)]
    pub expected: bool,

    #[command(flatten)]
    pub history: HistoryArgs,

    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
// The default set here too: clap keeps one default string for every `FormatArgs<F>`, the first made.
#[command(mut_arg("format", |a| a.help("Output: a unified diff, or JSON per change").default_value("diff")))]
pub struct FixArgs {
    /// The changes to settle, by id as `scan --format json` and `report` show them.
    #[arg(value_name = "CHANGE_ID", required_unless_present = "open")]
    pub ids: Vec<i64>,

    /// Every drift still open in the history (with the ids given, if any).
    #[arg(long)]
    pub open: bool,

    /// Make the code say what is live (the default).
    #[arg(long, conflicts_with = "revert")]
    pub accept: bool,

    /// Put AWS back as the code says: no edit; prints the targeted terraform commands.
    #[arg(long)]
    pub revert: bool,

    /// The Terraform root module whose sources are edited.
    #[arg(long, value_name = "DIR")]
    pub tf_dir: PathBuf,

    #[command(flatten)]
    pub history: HistoryArgs,

    /// Edit the files in place (each replaced whole, never half-written) instead of printing a diff.
    #[arg(long)]
    pub write: bool,

    #[command(flatten)]
    pub format: FormatArgs<FixFormat>,

    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
#[command(mut_arg("db", |a| a.help("History database (SQLite), for the changes still waiting to be posted. \
    Default `history` in the config, else .driftscan/history.db")))]
pub struct NotifyCmdArgs {
    /// Send a sample message to check the sinks; records nothing.
    #[arg(long)]
    pub test: bool,

    /// Only the sink with this name (a notify block's kind or second label).
    #[arg(long, value_name = "NAME")]
    pub to: Option<String>,

    #[command(flatten)]
    pub history: HistoryArgs,

    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Copy every scan, change, event, counter and queued notification from one history to
    /// another, empty one: a SQLite file into PostgreSQL or back. Checked by counts.
    ///
    /// Example: driftscan history copy --from .driftscan/history.db --to postgres://driftscan@db:5432/driftscan
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The history to read: a SQLite file or postgres://USER@HOST:PORT/DB.
    #[arg(long, value_name = "PATH_OR_URL")]
    pub from: Location,
    /// The history to write, which must be empty: a SQLite file (created) or a PostgreSQL URL.
    #[arg(long, value_name = "PATH_OR_URL")]
    pub to: Location,
}
