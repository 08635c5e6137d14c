//! The command line: what the user typed (clap structs, whose doc comments are the `--help`
//! text), turned once into validated configuration. Nothing below this module sees clap.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::exit::Exit;
use crate::output::{self, Format};
use crate::progress::Progress;
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
                ignore_required: args.ignore_file.is_some(),
                ignore_file: args.ignore_file.unwrap_or_else(|| PathBuf::from(".driftignore")),
                tf_dir: args.tf_dir,
            };
            let progress = Progress::for_stderr(args.quiet);
            let report = runtime()?.block_on(scan::run(&cfg, now, &progress))?;
            emit(&output::scan(&report, args.format))?;
            Ok(if report.has_changes() { Exit::Drift } else { Exit::InSync })
        }
        Command::State(args) => {
            let files = load_states(&args.states)?;
            let resources: Vec<_> = files.into_iter().flat_map(|f| f.resources).collect();
            emit(&output::state(&resources, args.format))?;
            Ok(Exit::InSync)
        }
    }
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
