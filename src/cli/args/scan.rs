//! The commands that read live AWS or Terraform state: `scan`, `watch`, `check` and `state`.

use clap::Args;

use super::{
    parse_duration, FormatArgs, HistoryArgs, LockArgs, NotifyArgs, RecordArgs, ScoringArgs, SuppressArgs, DB_CREATED,
};
use crate::check::FailOn;
use crate::exit::Gate;
use crate::output::{CheckFormat, Format};

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Terraform state file (format 4, Terraform 0.12+), a quoted glob pattern, - (standard
    /// input), s3://bucket/key or 's3://bucket/prefix/**/*.tfstate', an http backend's https://
    /// address, or tfc://[HOST/]ORG/WORKSPACE (HCP Terraform); repeatable. OpenTofu-encrypted
    /// states open with TF_ENCRYPTION. Without it: the config's workspaces, or the state that
    /// --tf-dir's backend or cloud block names.
    #[arg(long = "state", short = 's', value_name = "PATH")]
    pub states: Vec<String>,

    /// Scan only this config workspace (repeatable); default every workspace.
    #[arg(long = "workspace", short = 'w', value_name = "NAME")]
    pub workspaces: Vec<String>,

    /// How many config workspaces to scan at once (1 to 64): each lists its own account while
    /// the others do, and they record into the history in turn. Default `parallel` in the
    /// config, else 4. Reports are printed in the config's order whatever finishes first.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=crate::config::MAX_PARALLEL as i64))]
    pub parallel: Option<u16>,

    #[command(flatten)]
    pub lock: LockArgs,

    /// Also scan this region for unmanaged resources (repeatable). Regions the states use are
    /// always scanned.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,

    #[command(flatten)]
    pub record: RecordArgs,

    /// Report AWS-created defaults (default VPC and subnets, each VPC's `default` security group)
    /// as unmanaged.
    #[arg(long)]
    pub include_defaults: bool,

    #[command(flatten)]
    pub suppress: SuppressArgs,

    #[command(flatten)]
    pub format: FormatArgs<Format>,

    /// For cron: no progress bar, and nothing on stdout when there is nothing to say (in sync,
    /// nothing resolved). Errors still go to stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// What makes the exit code non-zero: drift (every change, the default), or
    /// severity:LEVEL (low, medium, high, critical) for only the changes of that severity or
    /// more. Severity combines what a change does (impact rules) with how unusual it is.
    #[arg(long, value_name = "WHAT", default_value = "drift", value_parser = parse_gate)]
    pub fail_on: Gate,

    #[command(flatten)]
    pub scoring: ScoringArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

#[derive(Debug, Args)]
#[command(mut_arg("db", |a| a.help(DB_CREATED)))]
pub struct WatchArgs {
    /// The SQS queue's URL. Default: each watched workspace's `queue`. Without --workspace and
    /// with several workspaces, it picks the workspaces whose `queue` it is.
    #[arg(long, value_name = "SQS_QUEUE_URL")]
    pub queue: Option<String>,

    /// Terraform state to compare against, as for `scan` (repeatable). Without it: the config
    /// workspace's states, or the state that --tf-dir's backend names.
    #[arg(long = "state", short = 's', value_name = "PATH")]
    pub states: Vec<String>,

    /// The config workspaces to watch (repeatable). Default: every workspace with a `queue`;
    /// workspaces naming the same queue share one poll of it, each event routed to those of
    /// its account.
    #[arg(long = "workspace", short = 'w', value_name = "NAME")]
    pub workspaces: Vec<String>,

    #[command(flatten)]
    pub history: HistoryArgs,

    #[command(flatten)]
    pub suppress: SuppressArgs,

    /// Report AWS-created defaults (default VPC and subnets, each VPC's `default` security group)
    /// as unmanaged.
    #[arg(long)]
    pub include_defaults: bool,

    /// Also run a whole scan this often (6h, 30m), for changes that make no CloudTrail event.
    /// Default off.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub full_scan_every: Option<std::time::Duration>,

    /// Serve Prometheus metrics on http://HOST:PORT/metrics, and /healthz.
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// Long-poll wait of each receive (1s to 20s).
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_duration)]
    pub wait: std::time::Duration,

    /// Hold what is queued until the oldest change has waited this long (0s to 5m), then tell it
    /// together, so changes of one cause arriving over several polls are one alert. Longer groups
    /// more and tells later (each alert up to the window later); 0s tells after every poll.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub window: std::time::Duration,

    #[command(flatten)]
    pub lock: LockArgs,

    #[command(flatten)]
    pub scoring: ScoringArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

#[derive(Debug, Args)]
#[command(
    mut_arg("db", |a| a.help("History to score planned changes against (read only; a missing one is not created and \
        the changes are not scored). Default `history` in the config, else .driftscan/history.db")),
    mut_arg("ignore_file", |a| a.help("Drift not to report, in `.driftignore` syntax, as for `scan` (the drift \
        Terraform saw and the drift the live scan finds alike). Without this flag ./.driftignore is read when it exists")),
    mut_arg("tf_dir", |a| a.help("Terraform sources whose `lifecycle { ignore_changes }` the drift honours, as for `scan`")),
)]
pub struct CheckArgs {
    /// The plan as JSON: `terraform show -json tfplan > plan.json`, or `-` to read it from stdin.
    #[arg(long, value_name = "PATH")]
    pub plan: String,

    /// No AWS calls: use only the plan (its resource_drift) and the history. Without it the
    /// plan's resources are compared with live AWS too, which catches drift a `-refresh=false`
    /// plan cannot see.
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub history: HistoryArgs,

    /// What fails the job (exit 2, or 3 for an anomaly): never, drift, clobber or anomaly, each
    /// also failing on what is worse (drift < clobber < anomaly); or severity:LEVEL (low,
    /// medium, high, critical): a drift or planned change of that severity or more, the
    /// severity combining what it does (impact rules) with how unusual it is.
    #[arg(long, value_name = "WHAT", default_value = "clobber", value_parser = parse_fail_on)]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub suppress: SuppressArgs,

    #[command(flatten)]
    pub format: FormatArgs<CheckFormat>,

    /// No progress bar, even on a terminal.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub scoring: ScoringArgs,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    /// Terraform state file, quoted glob pattern, - (standard input), s3://, https:// (http
    /// backend) or tfc://[HOST/]ORG/WORKSPACE; repeatable.
    #[arg(long = "state", short = 's', value_name = "PATH", required = true)]
    pub states: Vec<String>,

    #[command(flatten)]
    pub format: FormatArgs<Format>,
}

fn parse_fail_on(s: &str) -> std::result::Result<FailOn, String> {
    s.parse()
}

fn parse_gate(s: &str) -> std::result::Result<Gate, String> {
    s.parse()
}
