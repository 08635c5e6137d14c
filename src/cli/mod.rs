//! The command line: what the user typed (clap structs in `args`, whose doc comments are the
//! `--help` text), turned once into validated configuration by the handlers in `commands`.
//! Nothing below this module sees clap.

mod args;
mod commands;

use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use crate::exit::Exit;
use args::history::{AckArgs, FixArgs, LearnArgs, NotifyCmdArgs};
use args::report::ReportArgs;
use args::scan::{CheckArgs, ScanArgs, StateArgs, WatchArgs};

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
    #[arg(long, global = true, env = "DRIFTSCAN_NOW", value_parser = args::parse_now)]
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
    /// Filters (--type, --region, --account, --workspace, --anomalous, --open) narrow the list; --format html
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
    /// Move a history between backends: `history copy --from PATH_OR_URL --to PATH_OR_URL`.
    #[command(subcommand)]
    History(args::history::HistoryCommand),
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
        return commands::config::check_file(cli.config.as_deref());
    }
    let file = commands::load_config(cli.config.as_deref())?;
    let file = file.as_ref();
    match cli.command {
        Command::Scan(args) => commands::scan::scan(args, file, now),
        Command::Learn(args) => commands::history::learn(args, file, now),
        Command::Report(args) => commands::report::report(args, file, now),
        Command::Ack(args) => commands::history::ack(args, file, now),
        Command::Fix(args) => commands::history::fix(args, file, now),
        Command::Check(args) => commands::config::check(args, file, now),
        Command::Notify(args) => commands::history::notify(args, file, now),
        Command::Watch(args) => crate::watch::command(commands::scan::watch_config(args, file)?),
        Command::State(args) => commands::config::state(args),
        Command::History(args) => commands::history::copy(args),
        Command::Config(_) => unreachable!("handled above"),
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
