//! The command line: what the user typed (clap structs, whose doc comments are the `--help`
//! text), turned once into validated configuration. Nothing below this module sees clap.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::aws::access::Access;
use crate::check::{self, CheckConfig, FailOn};
use crate::cloudtrail::s3::{self, S3Location};
use crate::cloudtrail::Loader;
use crate::config::Config;
use crate::digest::{Digest, Filter};
use crate::exit::{Exit, Gate};
use crate::history::{rfc3339, History, Window};
use crate::lock::HistoryLock;
use crate::notify::{self, tell::tell};
use crate::output::{self, CheckFormat, Format, ReportFormat};
use crate::progress::Progress;
use crate::scan::{self, ScanConfig};
use crate::terraform::origin;
use crate::terraform::state::Attributes;

/// Find Terraform drift in live AWS.
///
/// driftscan compares what Terraform state declares with what runs in AWS and reports drifted
/// attributes, deleted resources and unmanaged resources.
///
/// Exit codes: 0 in sync, 1 error, 2 drift found, 3 anomalous drift found.
#[derive(Debug, Parser)]
#[command(name = "driftscan", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Run as of this instant (RFC 3339, e.g. 2026-01-31T03:14:00Z) instead of the clock: for
    /// tests and backfills.
    #[arg(long, global = true, env = "DRIFTSCAN_NOW", value_parser = parse_now)]
    now: Option<DateTime<Utc>>,

    /// Config file (HCL): workspaces to scan (states, credentials, regions) and the history,
    /// threshold and lock timeout they share. Default ./driftscan.hcl, read only when it exists.
    /// Flags given on the command line win over the file.
    #[arg(long, global = true, env = "DRIFTSCAN_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare Terraform state with live AWS and record the result.
    ///
    /// AWS credentials and the default region come from the usual places: environment variables,
    /// profiles (AWS_PROFILE), SSO, instance roles. AWS_ENDPOINT_URL points the scan at another
    /// endpoint, such as a local emulator.
    ///
    /// With a config file (driftscan.hcl) and no --state, every workspace it defines is scanned in
    /// turn, each with its own credentials, into one history; a workspace that fails does not
    /// stop the others, and the exit code is the worst of them (an error counts worst).
    ///
    /// Exit codes: 0 in sync, 2 drift, 3 an anomalous change, 1 error. With --fail-on
    /// severity:LEVEL only changes of that severity or more count (2, or 3 when one of them is
    /// anomalous); the others are still reported and recorded.
    ///
    /// Example: driftscan scan --state infra/terraform.tfstate --state 'envs/*/terraform.tfstate'
    ///
    /// Example: driftscan scan --state 's3://org-tfstate/prod/**/*.tfstate'
    ///
    /// Example: driftscan --config /etc/driftscan/driftscan.hcl scan --quiet --workspace prod
    Scan(ScanArgs),
    /// List the managed resource instances the state files declare, every provider included.
    ///
    /// Shows what a scan will compare. Sensitive values are never printed.
    State(StateArgs),
    /// Record who changed what from CloudTrail logs, and score each change.
    ///
    /// Reads log files as AWS delivers them: a folder tree (AWSLogs/...), single files, plain or
    /// .json.gz, or s3://bucket/prefix. Every successful write to a covered EC2 resource becomes a
    /// change in the history, scored against what came before it; a log read twice adds nothing.
    /// Later scans name the actor of each drift these events explain.
    ///
    /// Example: driftscan learn --cloudtrail s3://org-trail/AWSLogs/123456789012/CloudTrail/
    Learn(LearnArgs),
    /// List the changes recorded in a time window, with scores and reasons.
    ///
    /// Filters (--type, --region, --account, --anomalous, --open) narrow the list; --format html
    /// writes one self-contained page with charts (hour-of-week heatmap, changes per day, the
    /// resources that change most, coverage over time).
    ///
    /// Example: driftscan report --since 7d --format json
    ///
    /// Example: driftscan report --since 30d --format html --output drift.html
    ///
    /// Example: driftscan report --anomalous --open --format markdown
    Report(ReportArgs),
    /// Mark a recorded change as reviewed; --expected also teaches the model it was normal.
    ///
    /// Example: driftscan ack 42 --expected
    Ack(AckArgs),
    /// Turn drift into the source change that settles it: accept what is live, or revert it.
    ///
    /// --accept (the default) edits the .tf files of --tf-dir so they declare the live values,
    /// where the value is a literal in the resource's own block; everything else in the files
    /// stays byte for byte. A value that is not a literal (a variable, an expression, a block
    /// shared by count instances) is named with its file:line on stderr and left alone. The edits
    /// are printed as a unified diff that `git apply` takes from the repository root, unless
    /// --write. Accepted changes are marked reviewed in the history, as `ack` does.
    ///
    /// Example: driftscan scan --tf-dir infra && driftscan fix --open --tf-dir infra | git apply
    Fix(FixArgs),
    /// Gate a Terraform plan before `terraform apply`: drift, clobbers and unusual changes.
    ///
    /// Reads `terraform show -json PLANFILE` output (plan format 0.1 to 1.x) and reports the drift
    /// Terraform saw while refreshing, the drift a live scan of the plan's resources finds now,
    /// every planned change with a score from the history, and the clobbers: planned updates or
    /// replacements that would overwrite a change someone made outside Terraform. Nothing is
    /// written, and sensitive values are never printed.
    ///
    /// Exit codes: 0 pass, 2 drift or clobber (as --fail-on asks; with --fail-on severity:high,
    /// a drift or planned change of high severity or more), 3 anomalous planned change, 1 error (bad plan, AWS not reachable without --offline).
    ///
    /// Example: terraform plan -out tfplan && terraform show -json tfplan | driftscan check --plan -
    Check(CheckArgs),
    /// Send alerts: a sample to each sink (--test, --to NAME for one), or what is still queued.
    ///
    /// Sinks are the config's notify blocks (Slack, PagerDuty, signed webhooks, Teams); without
    /// any, Slack with its webhook in DRIFTSCAN_SLACK_WEBHOOK (an incoming webhook,
    /// https://hooks.slack.com/services/...). scan, learn and ack send by themselves after
    /// recording; what could not be delivered stays queued in the history, and this command (or
    /// the next run) sends it.
    ///
    /// Example: DRIFTSCAN_SLACK_WEBHOOK=https://hooks.slack.com/services/... driftscan notify --test
    Notify(NotifyCmdArgs),
    /// Follow CloudTrail in real time from an SQS queue: each change recorded, re-read and told
    /// seconds after it is made.
    ///
    /// The queue receives EventBridge "AWS API Call via CloudTrail" events, or S3 notifications
    /// of new CloudTrail log objects (either may come through SNS). Each write to a covered
    /// resource is recorded once (by event id) and scored as `learn` does; that resource is
    /// re-read live and compared with its declaration, and its drift is opened, updated or
    /// resolved with the event's actor and time, then told as `scan` tells. A message is
    /// deleted only once its events are committed; one that cannot be read is named on stderr
    /// and left to the queue's redrive policy. SIGTERM or SIGINT: the batch in hand is
    /// finished, then exit 0. A state rewritten (file time, S3 ETag) is read again. With a
    /// config, every workspace with a `queue` is watched; a queue several workspaces name is
    /// polled once and each event goes to the workspaces of its account.
    ///
    /// Example: driftscan watch --queue https://sqs.eu-west-1.amazonaws.com/123456789012/driftscan --state infra/terraform.tfstate --metrics-addr 127.0.0.1:9464
    Watch(WatchArgs),
    /// Work with the config file (driftscan.hcl).
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the config file without calling AWS: every key known, every value well formed,
    /// each workspace's tf_dir parses and names an S3 backend when it has no states, each ignore
    /// file parses. Exit 0 when valid, 1 with `file:line: cause` when not.
    ///
    /// Example: driftscan config check --config /etc/driftscan/driftscan.hcl
    Check,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Terraform state file (format 4, Terraform 0.12+), a quoted glob pattern, - (standard
    /// input), s3://bucket/key or 's3://bucket/prefix/**/*.tfstate', an http backend's https://
    /// address, or tfc://[HOST/]ORG/WORKSPACE (HCP Terraform); repeatable. OpenTofu-encrypted
    /// states open with TF_ENCRYPTION. Without it: the config's workspaces, or the state that
    /// --tf-dir's backend or cloud block names.
    #[arg(long = "state", short = 's', value_name = "PATH")]
    states: Vec<String>,

    /// Scan only this config workspace (repeatable); default every workspace.
    #[arg(long = "workspace", short = 'w', value_name = "NAME")]
    workspaces: Vec<String>,

    /// How many config workspaces to scan at once (1 to 64): each lists its own account while
    /// the others do, and they record into the history in turn. Default `parallel` in the
    /// config, else 4. Reports are printed in the config's order whatever finishes first.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=crate::config::MAX_PARALLEL as i64))]
    parallel: Option<u16>,

    #[command(flatten)]
    lock: LockArgs,

    /// Also scan this region for unmanaged resources (repeatable). Regions the states use are
    /// always scanned.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,

    /// History database (SQLite), created if missing. Default `history` in the config, else
    /// .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    /// Do not record this scan in the history.
    #[arg(long)]
    no_history: bool,

    /// Report AWS-created defaults (default VPC and subnets, each VPC's `default` security group)
    /// as unmanaged.
    #[arg(long)]
    include_defaults: bool,

    /// Rules for what the scan leaves out, in driftctl's `.driftignore` syntax. Without this flag
    /// `./.driftignore` is read when it exists.
    #[arg(long, value_name = "PATH")]
    ignore_file: Option<PathBuf>,

    /// The Terraform root module's directory: `lifecycle { ignore_changes }` is honoured and each
    /// change says where its resource is written (`source`).
    #[arg(long, value_name = "DIR")]
    tf_dir: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// For cron: no progress bar, and nothing on stdout when there is nothing to say (in sync,
    /// nothing resolved). Errors still go to stderr.
    #[arg(long, short = 'q')]
    quiet: bool,

    /// What makes the exit code non-zero: drift (every change, the default), or
    /// severity:LEVEL (low, medium, high, critical) for only the changes of that severity or
    /// more. Severity combines what a change does (impact rules) with how unusual it is.
    #[arg(long, value_name = "WHAT", default_value = "drift", value_parser = parse_gate)]
    fail_on: Gate,

    #[command(flatten)]
    scoring: ScoringArgs,

    #[command(flatten)]
    notify: NotifyArgs,
}

fn parse_fail_on(s: &str) -> std::result::Result<FailOn, String> {
    s.parse()
}

fn parse_gate(s: &str) -> std::result::Result<Gate, String> {
    s.parse()
}

#[derive(Debug, Args)]
struct NotifyArgs {
    /// Which recorded changes to send to the sinks (Slack when DRIFTSCAN_SLACK_WEBHOOK is set,
    /// or the config's notify blocks, as its routes say): anomalous ones, every new one (all),
    /// or none (off). A change is told once.
    #[arg(long = "notify", value_name = "WHICH", value_enum, env = "DRIFTSCAN_NOTIFY", default_value_t = notify::Mode::Anomalous)]
    mode: notify::Mode,
}

/// For every command that writes the history: runs take turns (see [`crate::lock`]).
#[derive(Debug, Args)]
struct LockArgs {
    /// How long to wait for another run that holds the same history (30s, 2m); then exit 1.
    /// Default 30s, or `lock_timeout` in the config.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    lock_timeout: Option<std::time::Duration>,
}

impl LockArgs {
    /// Takes the lock of the history at `db`, held until the returned guard is dropped.
    fn take(&self, db: &Path, file: Option<&Config>) -> Result<HistoryLock> {
        let timeout = self.lock_timeout.or(file.and_then(|c| c.lock_timeout)).unwrap_or(crate::lock::DEFAULT_TIMEOUT);
        HistoryLock::acquire(db, timeout)
    }
}

#[derive(Debug, Args)]
struct WatchArgs {
    /// The SQS queue's URL. Default: each watched workspace's `queue`. Without --workspace and
    /// with several workspaces, it picks the workspaces whose `queue` it is.
    #[arg(long, value_name = "SQS_QUEUE_URL")]
    queue: Option<String>,

    /// Terraform state to compare against, as for `scan` (repeatable). Without it: the config
    /// workspace's states, or the state that --tf-dir's backend names.
    #[arg(long = "state", short = 's', value_name = "PATH")]
    states: Vec<String>,

    /// The config workspaces to watch (repeatable). Default: every workspace with a `queue`;
    /// workspaces naming the same queue share one poll of it, each event routed to those of
    /// its account.
    #[arg(long = "workspace", short = 'w', value_name = "NAME")]
    workspaces: Vec<String>,

    /// History database (SQLite), created if missing. Default `history` in the config, else
    /// .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    /// The Terraform root module's directory, as for `scan`.
    #[arg(long, value_name = "DIR")]
    tf_dir: Option<PathBuf>,

    /// Rules for what is left out, as for `scan`.
    #[arg(long, value_name = "PATH")]
    ignore_file: Option<PathBuf>,

    /// Report AWS-created defaults as unmanaged.
    #[arg(long)]
    include_defaults: bool,

    /// Also run a whole scan this often (6h, 30m), for changes that make no CloudTrail event.
    /// Default off.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    full_scan_every: Option<std::time::Duration>,

    /// Serve Prometheus metrics on http://HOST:PORT/metrics, and /healthz.
    #[arg(long, value_name = "HOST:PORT")]
    metrics_addr: Option<std::net::SocketAddr>,

    /// Long-poll wait of each receive (1s to 20s).
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_duration)]
    wait: std::time::Duration,

    /// Hold what is queued until the oldest change has waited this long (0s to 5m), then tell it
    /// together, so changes of one cause arriving over several polls are one alert. Longer groups
    /// more and tells later (each alert up to the window later); 0s tells after every poll.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    window: std::time::Duration,

    #[command(flatten)]
    lock: LockArgs,

    #[command(flatten)]
    scoring: ScoringArgs,

    #[command(flatten)]
    notify: NotifyArgs,
}

#[derive(Debug, Args)]
struct NotifyCmdArgs {
    /// Send a sample message to check the sinks; records nothing.
    #[arg(long)]
    test: bool,

    /// Only the sink with this name (a notify block's kind or second label).
    #[arg(long, value_name = "NAME")]
    to: Option<String>,

    /// History database (SQLite), for the changes still waiting to be posted.
    /// Default `history` in the config, else .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    #[command(flatten)]
    lock: LockArgs,
}

#[derive(Debug, Args)]
struct ScoringArgs {
    /// Score (0 to 1) from which a change is anomalous; 0.5 is about a one-in-three-hundred
    /// surprise given the history. Default 0.5, or `threshold` in the config.
    #[arg(long, value_name = "SCORE", env = "DRIFTSCAN_THRESHOLD", value_parser = parse_threshold)]
    threshold: Option<f64>,
}

impl ScoringArgs {
    fn config(&self, file: Option<&Config>) -> crate::scoring::Config {
        let threshold = self.threshold.or(file.and_then(|c| c.threshold)).unwrap_or(crate::scoring::DEFAULT_THRESHOLD);
        crate::scoring::Config { threshold, ..Default::default() }
    }
}

#[derive(Debug, Args)]
struct LearnArgs {
    /// CloudTrail log file, folder or s3://bucket/prefix; repeatable.
    #[arg(long = "cloudtrail", value_name = "PATH", required = true)]
    paths: Vec<String>,

    /// History database (SQLite), created if missing. Default `history` in the config, else
    /// .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    #[command(flatten)]
    scoring: ScoringArgs,

    #[command(flatten)]
    notify: NotifyArgs,

    #[command(flatten)]
    lock: LockArgs,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// History database (SQLite). Default `history` in the config, else .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    /// Start of the window: a duration back from now (30m, 24h, 7d, 2w) or an RFC 3339 instant.
    #[arg(long, value_name = "WHEN", default_value = "7d", value_parser = parse_when)]
    since: When,

    /// End of the window (exclusive), same forms as --since; default now.
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    until: Option<When>,

    /// Only changes to this resource type (aws_security_group).
    #[arg(long = "type", value_name = "TYPE")]
    rtype: Option<String>,

    /// Only changes in this region.
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// Only changes in this AWS account (12 digits).
    #[arg(long, value_name = "ACCOUNT")]
    account: Option<String>,

    /// Only changes scored anomalous.
    #[arg(long)]
    anomalous: bool,

    /// Only drifts still open (not resolved; CloudTrail events are never open).
    #[arg(long)]
    open: bool,

    /// Output format. html is one self-contained page (charts included) that opens offline;
    /// markdown suits tickets and pull requests; csv suits spreadsheets.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,

    /// Write the report to this file instead of stdout (replaced whole, never half-written).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct AckArgs {
    /// The change's id, as `report` and `scan --format json` show it.
    id: i64,

    /// The change was expected (planned work): teach the model that such changes are normal.
    #[arg(long)]
    expected: bool,

    /// History database (SQLite). Default `history` in the config, else .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    #[command(flatten)]
    lock: LockArgs,
}

#[derive(Debug, Args)]
struct FixArgs {
    /// The changes to settle, by id as `scan --format json` and `report` show them.
    #[arg(value_name = "CHANGE_ID", required_unless_present = "open")]
    ids: Vec<i64>,

    /// Every drift still open in the history (with the ids given, if any).
    #[arg(long)]
    open: bool,

    /// Make the code say what is live (the default).
    #[arg(long, conflicts_with = "revert")]
    accept: bool,

    /// Put AWS back as the code says: no edit; prints the targeted terraform commands.
    #[arg(long)]
    revert: bool,

    /// The Terraform root module whose sources are edited.
    #[arg(long, value_name = "DIR")]
    tf_dir: PathBuf,

    /// History database (SQLite). Default `history` in the config, else .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    /// Edit the files in place (each replaced whole, never half-written) instead of printing a diff.
    #[arg(long)]
    write: bool,

    /// Output: a unified diff, or JSON per change.
    #[arg(long, value_enum, default_value_t = crate::fix::render::FixFormat::Diff)]
    format: crate::fix::render::FixFormat,

    #[command(flatten)]
    lock: LockArgs,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The plan as JSON: `terraform show -json tfplan > plan.json`, or `-` to read it from stdin.
    #[arg(long, value_name = "PATH")]
    plan: String,

    /// No AWS calls: use only the plan (its resource_drift) and the history. Without it the
    /// plan's resources are compared with live AWS too, which catches drift a `-refresh=false`
    /// plan cannot see.
    #[arg(long)]
    offline: bool,

    /// History to score planned changes against (read only; a missing one is not created and
    /// the changes are not scored).
    /// Default `history` in the config, else .driftscan/history.db.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB")]
    db: Option<PathBuf>,

    /// What fails the job (exit 2, or 3 for an anomaly): never, drift, clobber or anomaly, each
    /// also failing on what is worse (drift < clobber < anomaly); or severity:LEVEL (low,
    /// medium, high, critical): a drift or planned change of that severity or more, the
    /// severity combining what it does (impact rules) with how unusual it is.
    #[arg(long, value_name = "WHAT", default_value = "clobber", value_parser = parse_fail_on)]
    fail_on: FailOn,

    /// Drift not to report, in `.driftignore` syntax, as for `scan` (the drift Terraform saw and
    /// the drift the live scan finds alike). Without this flag ./.driftignore is read when it
    /// exists.
    #[arg(long, value_name = "PATH")]
    ignore_file: Option<PathBuf>,

    /// Terraform sources whose `lifecycle { ignore_changes }` the drift honours, as for `scan`.
    #[arg(long, value_name = "DIR")]
    tf_dir: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,

    /// No progress bar, even on a terminal.
    #[arg(long, short = 'q')]
    quiet: bool,

    #[command(flatten)]
    scoring: ScoringArgs,
}

/// A point in time as the user wrote it: an instant, or a duration back from now.
#[derive(Debug, Clone, Copy)]
enum When {
    At(DateTime<Utc>),
    Ago(chrono::Duration),
}

impl When {
    fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            When::At(t) => t,
            When::Ago(d) => now - d,
        }
    }
}

fn parse_when(s: &str) -> Result<When, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(When::At(t.with_timezone(&Utc)));
    }
    let unit = s.chars().last().unwrap_or(' ');
    let n: i64 = s[..s.len() - unit.len_utf8().min(s.len())]
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 30m, 24h, 7d, 2w or an RFC 3339 instant"))?;
    let d = match unit {
        'm' => chrono::Duration::minutes(n),
        'h' => chrono::Duration::hours(n),
        'd' => chrono::Duration::days(n),
        'w' => chrono::Duration::weeks(n),
        _ => return Err(format!("{s:?}: unknown unit {unit:?}; use m, h, d or w (30m, 24h, 7d, 2w)")),
    };
    Ok(When::Ago(d))
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.0..=1.0).contains(&t) => Ok(t),
        _ => Err(format!("{s:?}: expected a score between 0 and 1, such as 0.5")),
    }
}

#[derive(Debug, Args)]
struct StateArgs {
    /// Terraform state file, quoted glob pattern, - (standard input), s3://, https:// (http
    /// backend) or tfc://[HOST/]ORG/WORKSPACE; repeatable.
    #[arg(long = "state", short = 's', value_name = "PATH", required = true)]
    states: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; expected RFC 3339 such as 2026-01-31T03:14:00Z"))
}

/// Parses the command line, runs the command and says how the process should exit.
pub fn run() -> Result<Exit> {
    // clap exits 2 on a usage error, which a pipeline would read as "drift found".
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Ok(if e.use_stderr() { Exit::Error } else { Exit::InSync });
        }
    };
    let now = cli.now.unwrap_or_else(Utc::now);
    if let Command::Config(ConfigCommand::Check) = cli.command {
        return config_check(cli.config.as_deref());
    }
    let file = load_config(cli.config.as_deref())?;
    let file = file.as_ref();
    match cli.command {
        Command::Scan(args) => scan_command(args, file, now),
        Command::Learn(args) => learn(args, file, now),
        Command::Report(args) => report(args, file, now),
        Command::Ack(args) => {
            let db = history_path(args.db, file);
            let (_lock, history) = existing_history_to_write(&db, &args.lock, file)?;
            // Sinks that follow the lifecycle hear of the acknowledgement (PagerDuty: acknowledge).
            let mut history = history.queueing(notify::tell::queue_for(file, notify::Mode::All));
            let row = history.ack(args.id, args.expected, now, &crate::scoring::Config::default())?;
            tell(file, notify::Mode::All, now, || Ok(history));
            let what = if args.expected { "acknowledged as expected; the model learned it" } else { "marked reviewed" };
            emit(&format!(
                "change {} ({} {} {} in {}) {what}\n",
                row.id, row.kind, row.rtype, row.resource_id, row.region
            ))?;
            Ok(Exit::InSync)
        }
        Command::Fix(args) => fix_command(args, file, now),
        Command::Check(args) => {
            let cfg = CheckConfig {
                plan: args.plan,
                offline: args.offline,
                db: history_path(args.db, file),
                scoring: args.scoring.config(file),
                fail_on: args.fail_on,
                ignore_file: args.ignore_file,
                tf_dir: args.tf_dir,
            };
            let progress = Progress::for_stderr(args.quiet);
            let report = runtime()?.block_on(check::run(&cfg, now, &progress))?;
            emit(&output::check(&report, args.format))?;
            Ok(report.exit(args.fail_on))
        }
        Command::Notify(args) => notify_cmd(args, file, now),
        Command::Watch(args) => crate::watch::command(watch_config(args, file)?),
        Command::State(args) => {
            let options = origin::Options::new(Access::default(), Attributes::All)?;
            let files = runtime()?.block_on(origin::load_states(&args.states, &options))?;
            let resources: Vec<_> = files.into_iter().flat_map(|f| f.resources).collect();
            emit(&output::state(&resources, args.format))?;
            Ok(Exit::InSync)
        }
        Command::Config(_) => unreachable!("handled above"),
    }
}

/// `driftscan fix`: selects the changes, works out the edits, hands them back, and records the
/// accepted ones as reviewed.
fn fix_command(args: FixArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    use crate::fix::{self, render, Decision};
    let db = history_path(args.db, file);
    let (_lock, mut history) = existing_history_to_write(&db, &args.lock, file)?;
    let all = history.changes(&Window::default())?;
    for id in &args.ids {
        if !all.iter().any(|c| c.id == *id) {
            bail!("no change {id} in history {}", db.display());
        }
    }
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|c| args.ids.contains(&c.id) || (args.open && c.source == "scan" && c.status == "open"))
        .collect();
    let sources = crate::terraform::sources::load_dir(&args.tf_dir)?;
    let decision = if args.revert { Decision::Revert } else { Decision::Accept };
    let plan = fix::plan(&chosen, &sources, &args.tf_dir, decision)?;
    if args.write {
        render::write(&plan.files)?;
    }
    match (args.format, args.write) {
        (render::FixFormat::Json, _) => emit(&render::json(&plan))?,
        (render::FixFormat::Diff, false) if plan.files.is_empty() => {}
        (render::FixFormat::Diff, false) => emit(&render::diff(&plan, &std::env::current_dir()?))?,
        (render::FixFormat::Diff, true) => {
            for f in &plan.files {
                eprintln!("wrote {}", f.path.display());
            }
        }
    }
    match (args.format, decision) {
        (render::FixFormat::Json, _) => {}
        // A revert's commands are its output; an accept's notes are about what it left alone.
        (_, Decision::Revert) => emit(&render::notes(&plan))?,
        (_, Decision::Accept) => eprint!("{}", render::notes(&plan)),
    }
    for item in &plan.items {
        match decision {
            Decision::Accept if item.edited => {
                history.ack(item.id, false, now, &crate::scoring::Config::default())?;
            }
            Decision::Revert if item.address.is_some() => history.request_revert(item.id, now)?,
            _ => {}
        }
    }
    Ok(Exit::InSync)
}

/// `--config`, else `./driftscan.hcl` when it exists.
fn load_config(path: Option<&Path>) -> Result<Option<Config>> {
    Ok(match path {
        Some(p) => Config::load(p, true)?,
        None => Config::load(Path::new(crate::config::DEFAULT_PATH), false)?,
    })
}

/// `--db` (or `DRIFTSCAN_DB`), else the config's `history`, else the default.
fn history_path(flag: Option<PathBuf>, file: Option<&Config>) -> PathBuf {
    flag.or_else(|| file.and_then(|c| c.history.clone())).unwrap_or_else(|| PathBuf::from(".driftscan/history.db"))
}

/// The scans this command line asks for: one from the flags when `--state` (or `--tf-dir`) is
/// given or there is no config workspace, else the config's workspaces with the flags on top.
fn scan_configs(args: &ScanArgs, file: Option<&Config>, db: Option<PathBuf>) -> Result<Vec<ScanConfig>> {
    let scoring = args.scoring.config(file);
    let queue = notify::tell::queue_for(file, args.notify.mode);
    let workspaces = file.map(|c| c.workspaces.as_slice()).unwrap_or_default();
    if !args.states.is_empty() || workspaces.is_empty() {
        if !args.workspaces.is_empty() {
            bail!("--workspace needs a config file with workspaces, and no --state");
        }
        if args.states.is_empty() && args.tf_dir.is_none() {
            bail!("nothing to scan: pass --state PATH, a --tf-dir whose terraform block names the state (backend \"s3\", \"http\", \"remote\" or cloud), or a config file with workspaces (--config)");
        }
        return Ok(vec![ScanConfig {
            states: args.states.clone(),
            regions: args.regions.clone(),
            db,
            queue,
            include_defaults: args.include_defaults,
            scoring,
            ignore_file: args.ignore_file.clone(),
            tf_dir: args.tf_dir.clone(),
            workspace: None,
            access: Access::default(),
            state_access: Access::default(),
        }]);
    }
    for name in &args.workspaces {
        if !workspaces.iter().any(|w| &w.name == name) {
            let known: Vec<&str> = workspaces.iter().map(|w| w.name.as_str()).collect();
            bail!("--workspace {name}: no such workspace in the config (it has: {})", known.join(", "));
        }
    }
    let selected = workspaces.iter().filter(|w| args.workspaces.is_empty() || args.workspaces.contains(&w.name));
    Ok(selected
        .map(|ws| {
            let access = Access {
                profile: ws.profile.clone(),
                role_arn: ws.role_arn.clone(),
                external_id: ws.external_id.clone(),
                region: None,
            };
            let state_access = if ws.state_profile.is_some() || ws.state_role_arn.is_some() {
                Access {
                    profile: ws.state_profile.clone(),
                    role_arn: ws.state_role_arn.clone(),
                    external_id: None,
                    region: ws.state_region.clone(),
                }
            } else {
                Access { region: ws.state_region.clone(), ..access.clone() }
            };
            ScanConfig {
                states: ws.states.clone(),
                regions: ws.regions.iter().chain(&args.regions).cloned().collect(),
                db: db.clone(),
                queue: queue.clone(),
                include_defaults: ws.include_defaults || args.include_defaults,
                scoring: scoring.clone(),
                ignore_file: args.ignore_file.clone().or_else(|| ws.ignore_file.clone()),
                tf_dir: args.tf_dir.clone().or_else(|| ws.tf_dir.clone()),
                workspace: Some(ws.name.clone()),
                access,
                state_access,
            }
        })
        .collect())
}

fn scan_command(args: ScanArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let db = (!args.no_history).then(|| history_path(args.db.clone(), file));
    let configs = scan_configs(&args, file, db.clone())?;
    // Held until the run ends: a second run waits here, before any AWS call.
    let _lock = db.as_deref().map(|db| args.lock.take(db, file)).transpose()?;
    let progress = Progress::for_stderr(args.quiet);
    if configs[0].workspace.is_none() {
        let report = runtime()?.block_on(scan::run(&configs[0], now, &progress))?;
        let exit = crate::workspace::exit_of(&report, args.fail_on);
        // --quiet stays quiet only in sync: a change below the --fail-on severity is still news.
        let in_sync = crate::workspace::exit_of(&report, Gate::Drift) == Exit::InSync;
        if !(args.quiet && in_sync && report.resolved.is_empty() && report.unscanned.is_empty()) {
            emit(&output::scan(&report, args.format))?;
        }
        if let Some(db) = &db {
            tell(file, args.notify.mode, now, || History::open(db));
        }
        return Ok(exit);
    }
    let parallel =
        args.parallel.map(usize::from).or(file.and_then(|c| c.parallel)).unwrap_or(crate::config::DEFAULT_PARALLEL);
    let outcomes = runtime()?.block_on(crate::workspace::run_all(&configs, now, &progress, args.fail_on, parallel));
    if !args.quiet || crate::workspace::worth_saying(&outcomes) {
        emit(&crate::workspace::render(&outcomes, args.format))?;
    }
    if let Some(db) = &db {
        tell(file, args.notify.mode, now, || History::open(db));
    }
    Ok(crate::workspace::worst(&outcomes))
}

/// The watch's configuration: its states and credentials as a scan of the same arguments (or
/// workspaces) takes them, grouped by queue: one poll of a queue for every workspace naming it.
fn watch_config(args: WatchArgs, file: Option<&Config>) -> Result<crate::watch::WatchConfig> {
    if args.window > crate::watch::window::MAX {
        bail!("--window: expected 0s to 5m (a longer hold would tell later than a scheduled scan finds the change)");
    }
    let db = history_path(args.db, file);
    let named = !args.workspaces.is_empty();
    let scan_args = ScanArgs {
        states: args.states,
        workspaces: args.workspaces,
        parallel: None,
        lock: LockArgs { lock_timeout: args.lock.lock_timeout },
        regions: Vec::new(),
        db: Some(db.clone()),
        no_history: false,
        include_defaults: args.include_defaults,
        ignore_file: args.ignore_file,
        tf_dir: args.tf_dir,
        format: Format::Table,
        quiet: true,
        fail_on: Gate::Drift,
        scoring: ScoringArgs { threshold: args.scoring.threshold },
        notify: NotifyArgs { mode: args.notify.mode },
    };
    let configs = scan_configs(&scan_args, file, Some(db.clone()))?;
    let workspaces = file.map(|c| c.workspaces.as_slice()).unwrap_or_default();
    let queue_of = |name: &Option<String>| {
        workspaces.iter().find(|w| Some(&w.name) == name.as_ref()).and_then(|w| w.queue.clone())
    };
    let no_queue = "no queue to watch: pass --queue SQS_QUEUE_URL, or set `queue` in the workspace's config block";
    let mut queues: Vec<crate::watch::QueueConfig> = Vec::new();
    let mut add = |url: String, scan: ScanConfig| match queues.iter_mut().find(|q| q.url == url) {
        Some(q) => q.workspaces.push(scan),
        None => queues.push(crate::watch::QueueConfig { url, workspaces: vec![scan] }),
    };
    let alone = configs.len() == 1;
    match args.queue {
        // Named workspaces (or the only one) read the queue given; otherwise it picks those
        // whose `queue` it is.
        Some(q) if named || alone => configs.into_iter().for_each(|c| add(q.clone(), c)),
        Some(q) => {
            let mut any = false;
            for c in configs.into_iter().filter(|c| queue_of(&c.workspace).as_ref() == Some(&q)) {
                add(q.clone(), c);
                any = true;
            }
            if !any {
                bail!("--queue {q}: several workspaces in the config and none has this queue; pass --workspace");
            }
        }
        None => {
            for c in configs {
                match queue_of(&c.workspace) {
                    Some(q) => add(q, c),
                    None if c.workspace.is_none() || named || alone => bail!("{no_queue}"),
                    // Workspaces without a queue are scanned, not watched.
                    None => {}
                }
            }
        }
    }
    if queues.is_empty() {
        bail!("{no_queue}");
    }
    let lock_timeout =
        args.lock.lock_timeout.or(file.and_then(|c| c.lock_timeout)).unwrap_or(crate::lock::DEFAULT_TIMEOUT);
    if !(std::time::Duration::from_secs(1)..=std::time::Duration::from_secs(20)).contains(&args.wait) {
        bail!("--wait: expected 1s to 20s (SQS waits at most 20 s; less than 1 s would poll without waiting)");
    }
    Ok(crate::watch::WatchConfig {
        queues,
        db,
        notify: args.notify.mode,
        file: file.cloned(),
        full_scan_every: args.full_scan_every.filter(|d| !d.is_zero()),
        metrics_addr: args.metrics_addr,
        lock_timeout,
        wait: args.wait,
        window: args.window,
    })
}

/// `driftscan config check`: reads the file and everything it points at that needs no AWS.
fn config_check(path: Option<&Path>) -> Result<Exit> {
    let path = path.unwrap_or(Path::new(crate::config::DEFAULT_PATH));
    let cfg = Config::load(path, true)?.context("unreachable: a required config is never missing")?;
    let mut lines = Vec::new();
    for ws in &cfg.workspaces {
        let at = format!("{}:{}: workspace {}", path.display(), ws.line, ws.name);
        let sources = ws
            .tf_dir
            .as_deref()
            .map(crate::terraform::sources::load_dir)
            .transpose()
            .with_context(|| format!("{at}: tf_dir"))?;
        let states = if ws.states.is_empty() {
            let backend = sources.as_ref().and_then(|s| s.backend.as_ref()).with_context(|| {
                format!("{at}: no states, and tf_dir has no {}", crate::terraform::remote::READABLE)
            })?;
            vec![crate::terraform::remote::backend_state(backend).with_context(|| at.clone())?.url]
        } else {
            ws.states.clone()
        };
        if let Some(ignore) = &ws.ignore_file {
            crate::ignore::IgnoreRules::load(ignore, true).with_context(|| format!("{at}: ignore_file"))?;
        }
        let who = Access { profile: ws.profile.clone(), role_arn: ws.role_arn.clone(), ..Default::default() };
        lines.push(format!(
            "  {}: {} ({}); states: {}",
            ws.name,
            who.describe(),
            region_list(&ws.regions),
            states.join(", ")
        ));
    }
    let history =
        cfg.history.as_deref().map_or_else(|| ".driftscan/history.db (default)".into(), |h| h.display().to_string());
    let mut out = format!("{}: ok; history {history}; {} workspace(s)\n", path.display(), cfg.workspaces.len());
    lines.extend(notify::tell::check_lines(&cfg));
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    emit(&out)?;
    Ok(Exit::InSync)
}

fn region_list(regions: &[String]) -> String {
    if regions.is_empty() {
        "regions from the states".into()
    } else {
        format!("regions {}", regions.join(", "))
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::config::parse_duration(s).ok_or_else(|| format!("{s:?}: expected a duration such as 30s, 2m or 250ms"))
}

fn learn(args: LearnArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let mut loader = Loader::new();
    let mut locations = Vec::new();
    for p in &args.paths {
        match S3Location::parse(p) {
            Some(loc) => locations.push(loc.map_err(anyhow::Error::msg)?),
            None => loader.add_path(Path::new(p))?,
        }
    }
    if !locations.is_empty() {
        runtime()?.block_on(async {
            let sdk = crate::aws::sdk_config(None).await;
            for loc in &locations {
                s3::add_prefix(&sdk, loc, &mut loader).await?;
            }
            anyhow::Ok(())
        })?;
    }
    let loaded = loader.finish();
    // Every file broken is a wrong path or a wrong kind of file, not a quiet day: an error.
    if let Some(first) = loaded.skipped.first().filter(|_| loaded.skipped.len() == loaded.files) {
        bail!("no CloudTrail log could be read ({} of {} files skipped); {first}", loaded.skipped.len(), loaded.files);
    }
    let skipped: Vec<String> = loaded.skipped.iter().map(ToString::to_string).collect();
    for s in &skipped {
        eprintln!("driftscan: skipped {s}");
    }
    if loaded.files == 0 {
        eprintln!("driftscan: no CloudTrail log files under {}", args.paths.join(", "));
    }
    // Held until the events are recorded and told: runs fed by several trails take turns.
    let db = history_path(args.db, file);
    let _lock = args.lock.take(&db, file)?;
    let mut history = History::open(&db)?.queueing(notify::tell::queue_for(file, args.notify.mode));
    let outcome = history.learn(&loaded, now, &args.scoring.config(file)).context("recording CloudTrail events")?;
    emit(&output::learn(&outcome, loaded.files, &skipped, args.format))?;
    tell(file, args.notify.mode, now, || Ok(history));
    Ok(if outcome.anomalous > 0 { Exit::Anomalous } else { Exit::InSync })
}

/// Something that writes a command's data, to stdout or a file.
type WriteOut<'a> = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + 'a>;

fn report(args: ReportArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let history = existing_history(&history_path(args.db, file))?;
    let window = Window { since: Some(args.since.resolve(now)), until: args.until.map(|u| u.resolve(now)) };
    let filter = Filter {
        rtype: args.rtype,
        region: args.region,
        account: args.account,
        anomalous: args.anomalous,
        open: args.open,
    };
    let write: WriteOut = if args.format == ReportFormat::Json {
        // JSON lists changes and counts them, nothing drawn from them all: it is streamed from
        // the history, counted in a first pass over only the columns the filters read, and the
        // rows are read on a second thread while this one writes them.
        let keep = filter.clone();
        let (summary, rows) = history.read_behind(
            window.clone(),
            move |summary: &mut output::Summary, f| {
                if filter.keeps(&f) {
                    summary.add(&f);
                }
            },
            move |r| keep.keep(r),
        )?;
        Box::new(move |out| {
            let rows: output::RowSource = Box::new(move |write| rows.each(write));
            let (since, until) = (window.since.map(rfc3339), window.until.map(rfc3339));
            output::write_report_json(since.as_deref(), until.as_deref(), summary, rows, out)
        })
    } else {
        let rows = history.changes(&window)?;
        let scans = history.scan_points(&window)?;
        let digest = Digest::build(rows, scans, filter, window.since, window.until, now);
        let text = output::report_window(&digest, args.format);
        Box::new(move |out| out.write_all(text.as_bytes()))
    };
    match &args.output {
        Some(path) => {
            write_whole(path, write)?;
            eprintln!("driftscan: wrote {}", path.display());
        }
        None => emit_with(write)?,
    }
    Ok(Exit::InSync)
}

/// Writes what `write` writes to a temporary file beside `path`, then renames it over `path`: a
/// reader never sees half a report.
fn write_whole(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().with_context(|| format!("{}: not a file name", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp{}", name.to_string_lossy(), std::process::id()));
    std::fs::File::create(&tmp)
        .and_then(|f| {
            let mut out = std::io::BufWriter::new(f);
            write(&mut out)?;
            out.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()
        })
        .and_then(|_| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("{}: cannot write the report", path.display()))
}

fn notify_cmd(args: NotifyCmdArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let db = history_path(args.db, file);
    let mut lock = None;
    let history = || {
        let (l, h) = existing_history_to_write(&db, &args.lock, file)?;
        lock = Some(l);
        Ok(h)
    };
    emit(&notify::tell::command(args.test, args.to.as_deref(), file, now, history)?)?;
    Ok(Exit::InSync)
}

/// A history that must already exist: reading one must not create an empty file.
fn existing_history(db: &Path) -> Result<History> {
    if !db.exists() {
        bail!("no history at {}: run `driftscan scan` first, or pass --db", db.display());
    }
    History::open(db)
}

/// A history that must already exist, with its lock, for a command that writes it.
fn existing_history_to_write(db: &Path, lock: &LockArgs, file: Option<&Config>) -> Result<(HistoryLock, History)> {
    if !db.exists() {
        bail!("no history at {}: run `driftscan scan` first, or pass --db", db.display());
    }
    let lock = lock.take(db, file)?;
    Ok((lock, History::open(db)?))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

/// Writes data to stdout; a closed pipe (`driftscan ... | head`) is not an error.
fn emit(text: &str) -> Result<()> {
    emit_with(|out| out.write_all(text.as_bytes()))
}

/// Data to stdout through a buffer, as `write` makes it; a reader that went away (`| head`) is
/// not an error.
fn emit_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--help` and the README say the window's default and why; the constant is where it is
    /// argued for.
    #[test]
    fn the_watch_window_defaults_to_its_constant() {
        let cli = Cli::try_parse_from(["driftscan", "watch"]).unwrap();
        let Command::Watch(args) = cli.command else { panic!("not watch") };
        assert_eq!(args.window, crate::watch::window::DEFAULT);
    }
}
