//! The command line: what the user typed (clap structs, whose doc comments are the `--help`
//! text), turned once into validated configuration. Nothing below this module sees clap.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::cloudtrail::s3::{self, S3Location};
use crate::cloudtrail::Loader;
use crate::digest::{Digest, Filter};
use crate::exit::Exit;
use crate::history::{History, Window};
use crate::notify::{self, Notifier, Retry, Webhook};
use crate::output::{self, Format, ReportFormat};
use crate::progress::Progress;
use crate::report::Status;
use crate::scan::{self, ScanConfig};
use crate::terraform::load_states;

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
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare Terraform state with live AWS and record the result.
    ///
    /// AWS credentials and the default region come from the usual places: environment variables,
    /// profiles (AWS_PROFILE), SSO, instance roles. AWS_ENDPOINT_URL points the scan at another
    /// endpoint, such as a local emulator.
    ///
    /// Example: driftscan scan --state infra/terraform.tfstate --state 'envs/*/terraform.tfstate'
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
    /// Post to Slack: a sample message (--test), or the changes whose delivery failed earlier.
    ///
    /// The webhook comes from DRIFTSCAN_SLACK_WEBHOOK (an incoming webhook,
    /// https://hooks.slack.com/services/...). scan and learn post by themselves after recording;
    /// a message that could not be delivered stays queued in the history, and this command (or
    /// the next scan or learn) sends it.
    ///
    /// Example: DRIFTSCAN_SLACK_WEBHOOK=https://hooks.slack.com/services/... driftscan notify --test
    Notify(NotifyCmdArgs),
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Terraform state file (format 4, Terraform 0.12+) or a quoted glob pattern; repeatable.
    #[arg(long = "state", short = 's', value_name = "PATH", required = true)]
    states: Vec<String>,

    /// Also scan this region for unmanaged resources (repeatable). Regions the states use are
    /// always scanned.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,

    /// History database (SQLite), created if missing.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB", default_value = ".driftscan/history.db")]
    db: PathBuf,

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

    /// No progress bar, even on a terminal.
    #[arg(long, short = 'q')]
    quiet: bool,

    #[command(flatten)]
    scoring: ScoringArgs,

    #[command(flatten)]
    notify: NotifyArgs,
}

#[derive(Debug, Args)]
struct NotifyArgs {
    /// Which recorded changes to post to Slack, when DRIFTSCAN_SLACK_WEBHOOK is set: anomalous
    /// ones, every new one (all), or none (off). A change is posted once.
    #[arg(long = "notify", value_name = "WHICH", value_enum, env = "DRIFTSCAN_NOTIFY", default_value_t = notify::Mode::Anomalous)]
    mode: notify::Mode,
}

#[derive(Debug, Args)]
struct NotifyCmdArgs {
    /// Send a sample message to check the webhook; records nothing.
    #[arg(long)]
    test: bool,

    /// History database (SQLite), for the changes still waiting to be posted.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB", default_value = ".driftscan/history.db")]
    db: PathBuf,
}

#[derive(Debug, Args)]
struct ScoringArgs {
    /// Score (0 to 1) from which a change is anomalous; 0.5 is about a one-in-three-hundred
    /// surprise given the history.
    #[arg(long, value_name = "SCORE", env = "DRIFTSCAN_THRESHOLD", default_value_t = crate::scoring::DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    threshold: f64,
}

impl ScoringArgs {
    fn config(&self) -> crate::scoring::Config {
        crate::scoring::Config { threshold: self.threshold, ..Default::default() }
    }
}

#[derive(Debug, Args)]
struct LearnArgs {
    /// CloudTrail log file, folder or s3://bucket/prefix; repeatable.
    #[arg(long = "cloudtrail", value_name = "PATH", required = true)]
    paths: Vec<String>,

    /// History database (SQLite), created if missing.
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB", default_value = ".driftscan/history.db")]
    db: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    #[command(flatten)]
    scoring: ScoringArgs,

    #[command(flatten)]
    notify: NotifyArgs,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// History database (SQLite).
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB", default_value = ".driftscan/history.db")]
    db: PathBuf,

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

    /// History database (SQLite).
    #[arg(long, value_name = "PATH", env = "DRIFTSCAN_DB", default_value = ".driftscan/history.db")]
    db: PathBuf,
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
    /// Terraform state file or quoted glob pattern; repeatable.
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
    match cli.command {
        Command::Scan(args) => {
            let cfg = ScanConfig {
                states: args.states,
                regions: args.regions,
                db: (!args.no_history).then_some(args.db),
                include_defaults: args.include_defaults,
                scoring: args.scoring.config(),
                ignore_required: args.ignore_file.is_some(),
                ignore_file: args.ignore_file.unwrap_or_else(|| PathBuf::from(".driftignore")),
                tf_dir: args.tf_dir,
            };
            let progress = Progress::for_stderr(args.quiet);
            let report = runtime()?.block_on(scan::run(&cfg, now, &progress))?;
            emit(&output::scan(&report, args.format))?;
            if let Some(db) = &cfg.db {
                let recorded: Vec<notify::Recorded> = report
                    .changes
                    .iter()
                    .filter(|c| matches!(c.status, Some(Status::Opened | Status::Updated)))
                    .filter_map(|c| Some(notify::Recorded { id: c.change_id?, anomalous: c.anomalous == Some(true) }))
                    .collect();
                tell(args.notify.mode, now, &recorded, || History::open(db));
            }
            Ok(if report.has_anomalies() {
                Exit::Anomalous
            } else if report.has_changes() {
                Exit::Drift
            } else {
                Exit::InSync
            })
        }
        Command::Learn(args) => learn(args, now),
        Command::Report(args) => report(args, now),
        Command::Ack(args) => {
            let mut history = existing_history(&args.db)?;
            let row = history.ack(args.id, args.expected, now, &crate::scoring::Config::default())?;
            let what = if args.expected { "acknowledged as expected; the model learned it" } else { "marked reviewed" };
            emit(&format!(
                "change {} ({} {} {} in {}) {what}\n",
                row.id, row.kind, row.rtype, row.resource_id, row.region
            ))?;
            Ok(Exit::InSync)
        }
        Command::Notify(args) => notify_cmd(args, now),
        Command::State(args) => {
            let files = load_states(&args.states)?;
            let resources: Vec<_> = files.into_iter().flat_map(|f| f.resources).collect();
            emit(&output::state(&resources, args.format))?;
            Ok(Exit::InSync)
        }
    }
}

fn learn(args: LearnArgs, now: DateTime<Utc>) -> Result<Exit> {
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
    let skipped: Vec<String> = loaded.skipped.iter().map(ToString::to_string).collect();
    for s in &skipped {
        eprintln!("driftscan: skipped {s}");
    }
    let mut history = History::open(&args.db)?;
    let outcome = history.learn(&loaded, now, &args.scoring.config()).context("recording CloudTrail events")?;
    emit(&output::learn(&outcome, loaded.files, &skipped, args.format))?;
    let recorded: Vec<notify::Recorded> =
        outcome.changes.iter().map(|c| notify::Recorded { id: c.id, anomalous: c.anomalous }).collect();
    tell(args.notify.mode, now, &recorded, || Ok(history));
    Ok(if outcome.anomalous > 0 { Exit::Anomalous } else { Exit::InSync })
}

fn report(args: ReportArgs, now: DateTime<Utc>) -> Result<Exit> {
    let history = existing_history(&args.db)?;
    let window = Window { since: Some(args.since.resolve(now)), until: args.until.map(|u| u.resolve(now)) };
    let rows = history.changes(&window)?;
    let scans = history.scan_points(&window)?;
    let filter = Filter {
        rtype: args.rtype,
        region: args.region,
        account: args.account,
        anomalous: args.anomalous,
        open: args.open,
    };
    let digest = Digest::build(rows, scans, filter, window.since, window.until, now);
    let text = output::report_window(&digest, args.format);
    match &args.output {
        Some(path) => {
            write_whole(path, &text)?;
            eprintln!("driftscan: wrote {}", path.display());
        }
        None => emit(&text)?,
    }
    Ok(Exit::InSync)
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader never
/// sees half a report.
fn write_whole(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().with_context(|| format!("{}: not a file name", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp{}", name.to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("{}: cannot write the report", path.display()))
}

/// Posts a run's changes to Slack when a webhook is set. Never fails the run: whatever goes
/// wrong is one warning on stderr, with the webhook address redacted, and the changes stay queued.
fn tell(
    mode: notify::Mode,
    now: DateTime<Utc>,
    recorded: &[notify::Recorded],
    history: impl FnOnce() -> Result<History>,
) {
    if mode == notify::Mode::Off {
        return;
    }
    let webhook = match Webhook::from_env() {
        None => return,
        Some(Ok(w)) => w,
        Some(Err(e)) => return eprintln!("driftscan: warning: nothing posted to Slack: {e}"),
    };
    let notifier = Notifier { webhook, retry: Retry::default(), mode };
    let outcome = history().and_then(|mut h| notifier.after_run(&mut h, recorded, now));
    match outcome {
        Ok(o) => {
            if let Some(e) = o.failed {
                eprintln!("driftscan: warning: Slack did not take the message ({e}); it stays queued and the next run sends it");
            }
        }
        Err(e) => eprintln!("driftscan: warning: Slack notification: {}", notifier.webhook.redact(&format!("{e:#}"))),
    }
}

fn notify_cmd(args: NotifyCmdArgs, now: DateTime<Utc>) -> Result<Exit> {
    let webhook = match Webhook::from_env() {
        None => bail!("DRIFTSCAN_SLACK_WEBHOOK is not set: create an incoming webhook in Slack and export its address"),
        Some(w) => w.map_err(anyhow::Error::msg)?,
    };
    let notifier = Notifier { webhook, retry: Retry::default(), mode: notify::Mode::Anomalous };
    if args.test {
        let posted = notifier.test_message(now);
        if let Some(e) = posted.error {
            bail!("Slack did not take the test message: {e}");
        }
        emit("Slack accepted the test message.\n")?;
        return Ok(Exit::InSync);
    }
    let mut history = existing_history(&args.db)?;
    let outcome = notifier.send_pending(&mut history, now)?;
    if let Some(e) = outcome.failed {
        bail!("Slack did not take the message: {e}; the changes stay queued");
    }
    emit(&format!("{} queued changes posted to Slack.\n", outcome.told))?;
    Ok(Exit::InSync)
}

/// A history that must already exist: reading one must not create an empty file.
fn existing_history(db: &Path) -> Result<History> {
    if !db.exists() {
        bail!("no history at {}: run `driftscan scan` first, or pass --db", db.display());
    }
    History::open(db)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

/// Writes data to stdout; a closed pipe (`driftscan ... | head`) is not an error.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}
