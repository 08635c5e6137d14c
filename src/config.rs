//! The config file, `driftscan.hcl`: workspaces (each a set of states scanned with one set of AWS
//! credentials), the settings every run shares (history, threshold, lock timeout), and where
//! alerts go (`notify` sinks and `route` blocks, read in `config/alerts.rs`).
//!
//! Read with hcl-edit (re-exported by hcl-rs as `hcl::edit`) rather than serde, because it keeps
//! byte spans: every unknown key and bad value is reported as `file:line: cause`. Nothing is
//! evaluated; every value must be a literal. Relative paths are taken from the config file's
//! folder, so a scheduler can run driftscan from anywhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hcl::edit::expr::Expression;
use hcl::edit::parser;
use hcl::edit::structure::{Attribute, Block, Body, Structure};
use hcl::edit::Span;

mod alerts;

pub use alerts::{SinkConfig, SinkSpec, PAGERDUTY_EVENTS_URL};

/// The file read when `--config` is not given; a missing default file means "no config".
pub const DEFAULT_PATH: &str = "driftscan.hcl";

/// A config file, read and validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file it came from, as given.
    pub path: PathBuf,
    /// `history`: the history every workspace records into, a SQLite file (relative to the
    /// config's folder) or a `postgres://` URL.
    pub history: Option<crate::history::Location>,
    /// `threshold`: the anomaly threshold (0 to 1).
    pub threshold: Option<f64>,
    /// `lock_timeout`: how long a run waits for another run holding the history.
    pub lock_timeout: Option<Duration>,
    /// `parallel`: how many workspaces one `scan` runs at once.
    pub parallel: Option<usize>,
    /// `slack { webhook_env = "..." }`: the variable holding the webhook notifications go to.
    pub slack: Option<Slack>,
    /// `workspace "name" { ... }` blocks, in file order.
    pub workspaces: Vec<Workspace>,
    /// `notify "KIND" ["NAME"] { ... }` sinks, in file order; none means the Slack default.
    pub sinks: Vec<SinkConfig>,
    /// `route { ... }` blocks, tried in file order.
    pub routes: Vec<crate::notify::route::Route>,
}

/// `slack { ... }`: the webhook URL is a secret, so the file names the variable holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slack {
    pub webhook_env: String,
}

/// One `workspace "name" { ... }` block: what to scan, and as whom.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workspace {
    pub name: String,
    /// 1-based line of the block, for messages.
    pub line: usize,
    /// State files, globs, `s3://bucket/key` or `s3://bucket/prefix/**/*.tfstate`, an http
    /// backend's `https://` address, or `tfc://[HOST/]ORG/WORKSPACE`.
    pub states: Vec<String>,
    /// Terraform root module: `ignore_changes`, `source`, its `encryption` block, and its backend
    /// (or `cloud`) block when `states` is empty.
    pub tf_dir: Option<PathBuf>,
    /// AWS profile for the scanned account.
    pub profile: Option<String>,
    /// Role assumed (from the profile's or the default credentials) for the scanned account.
    pub role_arn: Option<String>,
    /// `ExternalId` for the role, when its trust policy asks for one.
    pub external_id: Option<String>,
    /// Regions scanned besides those the states name.
    pub regions: Vec<String>,
    pub ignore_file: Option<PathBuf>,
    pub include_defaults: bool,
    /// Credentials for reading `s3://` states, when they differ from the scanned account's.
    pub state_profile: Option<String>,
    pub state_role_arn: Option<String>,
    /// Region of the state bucket.
    pub state_region: Option<String>,
    /// The SQS queue `driftscan watch` reads this workspace's CloudTrail events from.
    pub queue: Option<String>,
}

/// Why a config file is unusable: always one line, naming the file and, when known, the line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: cannot parse HCL: {why}")]
    Parse { path: PathBuf, line: usize, column: usize, why: String },
    #[error("{path}:{line}: {why}")]
    Invalid { path: PathBuf, line: usize, why: String },
}

/// The most workspaces one scan runs at once: each holds its AWS clients and its listings in
/// memory, and more than this would mostly queue on the history's writer anyway.
pub const MAX_PARALLEL: usize = 64;

/// Workspaces scanned at once when neither `--parallel` nor `parallel` says.
pub const DEFAULT_PARALLEL: usize = 4;

const TOP_KEYS: &[&str] =
    &["history", "threshold", "lock_timeout", "parallel", "slack", "notify", "route", "workspace"];
const WORKSPACE_KEYS: &[&str] = &[
    "states",
    "tf_dir",
    "profile",
    "role_arn",
    "external_id",
    "regions",
    "ignore_file",
    "include_defaults",
    "state_profile",
    "state_role_arn",
    "state_region",
    "queue",
];

impl Config {
    /// Reads `path`. With `required == false` (the default path) a missing file is `Ok(None)`.
    pub fn load(path: &Path, required: bool) -> Result<Option<Config>, ConfigError> {
        match crate::text::read(path) {
            Ok(text) => Config::parse(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(None),
            Err(source) => Err(ConfigError::Io { path: path.to_path_buf(), source }),
        }
    }

    /// Parses the text of a config file; `path` names it in errors and anchors relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let body = parser::parse_body(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            line: e.location().line(),
            column: e.location().column(),
            why: e.message().lines().next().unwrap_or("syntax error").to_string(),
        })?;
        let r = Reader { path, base: path.parent().unwrap_or(Path::new("")), lines: LineIndex::new(text) };
        r.config(&body)
    }
}

/// What reading needs besides the syntax tree: the file's name, folder and line starts.
struct Reader<'a> {
    path: &'a Path,
    base: &'a Path,
    lines: LineIndex,
}

impl Reader<'_> {
    fn err(&self, span: Option<std::ops::Range<usize>>, why: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { path: self.path.to_path_buf(), line: self.lines.line(span), why: why.into() }
    }

    fn config(&self, body: &Body) -> Result<Config, ConfigError> {
        let mut cfg = Config { path: self.path.to_path_buf(), ..Default::default() };
        let mut seen = BTreeSet::new();
        let mut slack_line = None;
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    self.once(&mut seen, key, a.key.span(), TOP_KEYS, "at the top level")?;
                    match key {
                        "history" => {
                            let v = self.string(a)?;
                            let loc = crate::history::Location::in_config(&v, self.base)
                                .map_err(|e| self.err(a.value.span(), format!("history: {e}")))?;
                            cfg.history = Some(loc);
                        }
                        "threshold" => {
                            let t = self.number(a)?;
                            if !(0.0..=1.0).contains(&t) {
                                return Err(self.err(a.value.span(), format!("threshold: {t} is not between 0 and 1")));
                            }
                            cfg.threshold = Some(t);
                        }
                        "lock_timeout" => cfg.lock_timeout = Some(self.duration(a)?),
                        "parallel" => {
                            let n = self.number(a)?;
                            if n.fract() != 0.0 || !(1.0..=MAX_PARALLEL as f64).contains(&n) {
                                let why = format!("parallel: {n} is not a whole number from 1 to {MAX_PARALLEL}");
                                return Err(self.err(a.value.span(), why));
                            }
                            cfg.parallel = Some(n as usize);
                        }
                        _ => return Err(self.not_attribute(a)),
                    }
                }
                Structure::Block(b) => match b.ident.as_str() {
                    "workspace" => {
                        let ws = self.workspace(b)?;
                        if let Some(other) = cfg.workspaces.iter().find(|w| w.name == ws.name) {
                            return Err(self.err(
                                b.ident.span(),
                                format!("workspace {:?} is defined twice (first at line {})", ws.name, other.line),
                            ));
                        }
                        cfg.workspaces.push(ws);
                    }
                    "slack" => {
                        self.once(&mut seen, "slack", b.ident.span(), TOP_KEYS, "at the top level")?;
                        cfg.slack = Some(self.slack(b)?);
                        slack_line = Some(self.lines.line(b.ident.span()));
                    }
                    "notify" => cfg.sinks.push(self.sink(b)?),
                    "route" => cfg.routes.push(self.route(b)?),
                    other => return Err(self.unknown(other, b.ident.span(), TOP_KEYS, "at the top level")),
                },
            }
        }
        self.check_alerts(&cfg, slack_line)?;
        Ok(cfg)
    }

    fn slack(&self, b: &Block) -> Result<Slack, ConfigError> {
        self.no_labels(b)?;
        let mut webhook_env = None;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) if a.key.as_str() == "webhook_env" => webhook_env = Some(self.string(a)?),
                Structure::Attribute(a) => {
                    return Err(self.unknown(a.key.as_str(), a.key.span(), &["webhook_env"], "in slack"))
                }
                Structure::Block(inner) => {
                    return Err(self.unknown(inner.ident.as_str(), inner.ident.span(), &["webhook_env"], "in slack"))
                }
            }
        }
        let webhook_env = webhook_env.ok_or_else(|| {
            self.err(b.ident.span(), "slack needs webhook_env, the environment variable holding the webhook URL")
        })?;
        Ok(Slack { webhook_env })
    }

    fn workspace(&self, b: &Block) -> Result<Workspace, ConfigError> {
        let name = match b.labels.as_slice() {
            [label] => label.as_str().to_string(),
            _ => return Err(self.err(b.ident.span(), "workspace needs one name: workspace \"prod\" { ... }")),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(self
                .err(b.ident.span(), format!("workspace name {name:?}: use letters, digits, '-', '_' and '.' only")));
        }
        let mut ws = Workspace { name: name.clone(), line: self.lines.line(b.ident.span()), ..Default::default() };
        let mut seen = BTreeSet::new();
        let context = format!("in workspace {name:?}");
        for s in b.body.iter() {
            let a = match s {
                Structure::Attribute(a) => a,
                Structure::Block(inner) => {
                    return Err(self.unknown(inner.ident.as_str(), inner.ident.span(), WORKSPACE_KEYS, &context))
                }
            };
            let key = a.key.as_str();
            self.once(&mut seen, key, a.key.span(), WORKSPACE_KEYS, &context)?;
            match key {
                "states" => {
                    ws.states = self.strings(a)?;
                    for (i, s) in ws.states.clone().iter().enumerate() {
                        if let Some(rest) = s.strip_prefix("s3://") {
                            if rest.split('/').next().unwrap_or("").is_empty() || !rest.contains('/') {
                                return Err(
                                    self.err(a.value.span(), format!("states: {s:?}: expected s3://bucket/key"))
                                );
                            }
                        } else if !["https://", "http://", "tfc://"].iter().any(|p| s.starts_with(p)) {
                            // A path is relative to the config; an http backend or HCP Terraform
                            // address is taken as written.
                            ws.states[i] = self.base.join(s).display().to_string();
                        }
                    }
                }
                "tf_dir" => ws.tf_dir = Some(self.path_value(a)?),
                "profile" => ws.profile = Some(self.string(a)?),
                "role_arn" => ws.role_arn = Some(self.role_arn(a)?),
                "external_id" => ws.external_id = Some(self.string(a)?),
                "regions" => {
                    ws.regions = self.strings(a)?;
                    if let Some(bad) = ws.regions.iter().find(|r| !is_region(r)) {
                        return Err(self.err(
                            a.value.span(),
                            format!("regions: {bad:?} is not an AWS region name such as \"eu-west-1\""),
                        ));
                    }
                }
                "ignore_file" => ws.ignore_file = Some(self.path_value(a)?),
                "include_defaults" => ws.include_defaults = self.boolean(a)?,
                "state_profile" => ws.state_profile = Some(self.string(a)?),
                "state_role_arn" => ws.state_role_arn = Some(self.role_arn(a)?),
                "state_region" => {
                    let r = self.string(a)?;
                    if !is_region(&r) {
                        return Err(self.err(a.value.span(), format!("state_region: {r:?} is not an AWS region name")));
                    }
                    ws.state_region = Some(r);
                }
                "queue" => {
                    let q = self.string(a)?;
                    if !q.starts_with("https://") && !q.starts_with("http://") {
                        return Err(self.err(
                            a.value.span(),
                            format!(
                                "queue: {q:?} is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)"
                            ),
                        ));
                    }
                    ws.queue = Some(q);
                }
                _ => unreachable!("`once` accepts only known keys"),
            }
        }
        if ws.states.is_empty() && ws.tf_dir.is_none() {
            return Err(self.err(
                b.ident.span(),
                format!(
                    "workspace {name:?} has neither states nor a tf_dir whose backend or cloud block names the state"
                ),
            ));
        }
        if ws.external_id.is_some() && ws.role_arn.is_none() {
            return Err(self.err(b.ident.span(), format!("workspace {name:?}: external_id needs role_arn")));
        }
        Ok(ws)
    }

    /// Rejects an unknown or repeated key.
    fn once(
        &self,
        seen: &mut BTreeSet<String>,
        key: &str,
        span: Option<std::ops::Range<usize>>,
        known: &[&str],
        context: &str,
    ) -> Result<(), ConfigError> {
        if !known.contains(&key) {
            return Err(self.unknown(key, span, known, context));
        }
        if !seen.insert(key.to_string()) {
            return Err(self.err(span, format!("{key} is set twice {context}")));
        }
        Ok(())
    }

    fn unknown(&self, key: &str, span: Option<std::ops::Range<usize>>, known: &[&str], context: &str) -> ConfigError {
        self.err(span, format!("unknown key {key:?} {context}; known keys: {}", known.join(", ")))
    }

    fn not_attribute(&self, a: &Attribute) -> ConfigError {
        self.err(a.key.span(), format!("{} is a block: write {} {{ ... }}", a.key.as_str(), a.key.as_str()))
    }

    fn no_labels(&self, b: &Block) -> Result<(), ConfigError> {
        if b.labels.is_empty() {
            Ok(())
        } else {
            Err(self.err(b.ident.span(), format!("{} takes no label", b.ident.as_str())))
        }
    }

    fn string(&self, a: &Attribute) -> Result<String, ConfigError> {
        match &a.value {
            Expression::String(s) if !s.is_empty() => Ok(s.as_str().to_string()),
            Expression::String(_) => Err(self.err(a.value.span(), format!("{} is empty", a.key.as_str()))),
            other => {
                Err(self.err(a.value.span(), format!("{}: expected a string, found {}", a.key.as_str(), kind(other))))
            }
        }
    }

    fn path_value(&self, a: &Attribute) -> Result<PathBuf, ConfigError> {
        Ok(self.base.join(self.string(a)?))
    }

    fn strings(&self, a: &Attribute) -> Result<Vec<String>, ConfigError> {
        let Expression::Array(items) = &a.value else {
            return Err(self.err(
                a.value.span(),
                format!(
                    "{}: expected a list of strings such as [\"a\", \"b\"], found {}",
                    a.key.as_str(),
                    kind(&a.value)
                ),
            ));
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item {
                Expression::String(s) if !s.is_empty() => out.push(s.as_str().to_string()),
                other => {
                    return Err(self.err(
                        other.span().or(a.value.span()),
                        format!("{}: expected a non-empty string, found {}", a.key.as_str(), kind(other)),
                    ))
                }
            }
        }
        if out.is_empty() {
            return Err(self.err(a.value.span(), format!("{} is an empty list", a.key.as_str())));
        }
        Ok(out)
    }

    fn number(&self, a: &Attribute) -> Result<f64, ConfigError> {
        match &a.value {
            Expression::Number(n) => n.value().as_f64().ok_or_else(|| self.err(a.value.span(), "not a number")),
            other => {
                Err(self.err(a.value.span(), format!("{}: expected a number, found {}", a.key.as_str(), kind(other))))
            }
        }
    }

    fn boolean(&self, a: &Attribute) -> Result<bool, ConfigError> {
        match &a.value {
            Expression::Bool(b) => Ok(*b.value()),
            other => {
                Err(self
                    .err(a.value.span(), format!("{}: expected true or false, found {}", a.key.as_str(), kind(other))))
            }
        }
    }

    /// `"30s"`, `"2m"`, or a number of seconds.
    fn duration(&self, a: &Attribute) -> Result<Duration, ConfigError> {
        let bad =
            || self.err(a.value.span(), format!("{}: expected a duration such as \"30s\" or \"2m\"", a.key.as_str()));
        match &a.value {
            Expression::Number(n) => {
                n.value().as_f64().filter(|s| *s >= 0.0).map(Duration::from_secs_f64).ok_or_else(bad)
            }
            Expression::String(s) => parse_duration(s).ok_or_else(bad),
            _ => Err(bad()),
        }
    }

    fn role_arn(&self, a: &Attribute) -> Result<String, ConfigError> {
        let arn = self.string(a)?;
        if account_of_role(&arn).is_none() {
            return Err(self.err(
                a.value.span(),
                format!(
                    "{}: {arn:?} is not a role ARN such as \"arn:aws:iam::123456789012:role/driftscan\"",
                    a.key.as_str()
                ),
            ));
        }
        Ok(arn)
    }
}

/// The account of a role ARN: `arn:aws:iam::123456789012:role/name` -> `123456789012`.
pub fn account_of_role(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()) =>
        {
            Some(account)
        }
        _ => None,
    }
}

/// `30s`, `2m`, `1h`, or plain seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = n.parse().ok().filter(|n: &f64| *n >= 0.0)?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

/// `us-east-1`, `eu-west-2`, `us-gov-west-1`, `ap-southeast-3`: letters, dashes, a final number.
fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn kind(e: &Expression) -> &'static str {
    match e {
        Expression::Null(_) => "null",
        Expression::Bool(_) => "a bool",
        Expression::Number(_) => "a number",
        Expression::String(_) => "a string",
        Expression::Array(_) => "a list",
        Expression::Object(_) => "an object",
        Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => "a template (nothing is evaluated)",
        _ => "an expression (nothing is evaluated; write a literal)",
    }
}

/// Byte offsets of line starts, to turn spans into 1-based line numbers.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    fn line(&self, span: Option<std::ops::Range<usize>>) -> usize {
        let offset = span.map_or(0, |s| s.start);
        self.0.partition_point(|&start| start <= offset).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("conf/driftscan.hcl"), text).map_err(|e| e.to_string())
    }

    const FULL: &str = r#"# every key
history      = "/var/lib/driftscan/history.db"
threshold    = 0.7
lock_timeout = "2m"
parallel     = 8

slack {
  webhook_env = "DRIFTSCAN_SLACK_WEBHOOK"
}

workspace "prod" {
  states           = ["s3://org-tfstate/prod/**/*.tfstate", "local/terraform.tfstate"]
  tf_dir           = "infra/prod"
  role_arn         = "arn:aws:iam::111111111111:role/driftscan"
  external_id      = "drift"
  profile          = "org"
  regions          = ["us-east-1", "eu-west-1"]
  ignore_file      = "prod.driftignore"
  include_defaults = true
  state_profile    = "state-reader"
  state_role_arn   = "arn:aws:iam::999999999999:role/state-reader"
  state_region     = "eu-central-1"
  queue            = "https://sqs.us-east-1.amazonaws.com/111111111111/driftscan"
}

workspace "staging" {
  tf_dir = "infra/staging"
}
"#;

    #[test]
    fn remote_addresses_in_states_are_taken_as_written() {
        let c = parse(
            "workspace \"w\" {\n  states = [\"tfc://acme/prod\", \"https://gitlab.com/api/v4/projects/7/terraform/state/p\", \"-\"]\n}\n",
        )
        .unwrap();
        let states = &c.workspaces[0].states;
        assert_eq!(states[..2], ["tfc://acme/prod", "https://gitlab.com/api/v4/projects/7/terraform/state/p"]);
        assert_eq!(states[2], "conf/-", "a config's - is a file of that name, not standard input");
    }

    #[test]
    fn every_key_is_read_and_paths_follow_the_file() {
        let c = parse(FULL).unwrap();
        assert_eq!(c.history, Some(crate::history::Location::File(PathBuf::from("/var/lib/driftscan/history.db"))));
        assert_eq!(c.threshold, Some(0.7));
        assert_eq!(c.lock_timeout, Some(Duration::from_secs(120)));
        assert_eq!(c.parallel, Some(8));
        assert_eq!(c.slack, Some(Slack { webhook_env: "DRIFTSCAN_SLACK_WEBHOOK".into() }));
        let p = &c.workspaces[0];
        assert_eq!((p.name.as_str(), p.line), ("prod", 11));
        assert_eq!(p.states, ["s3://org-tfstate/prod/**/*.tfstate", "conf/local/terraform.tfstate"]);
        assert_eq!(p.tf_dir, Some(PathBuf::from("conf/infra/prod")));
        assert_eq!(p.ignore_file, Some(PathBuf::from("conf/prod.driftignore")));
        assert_eq!(p.regions, ["us-east-1", "eu-west-1"]);
        assert!(p.include_defaults);
        assert_eq!(p.state_region.as_deref(), Some("eu-central-1"));
        assert_eq!(p.queue.as_deref(), Some("https://sqs.us-east-1.amazonaws.com/111111111111/driftscan"));
        assert_eq!(c.workspaces[1].name, "staging");
        assert!(c.workspaces[1].states.is_empty());
    }

    #[test]
    fn mistakes_name_the_file_and_line() {
        let cases = [
            ("histroy = \"x\"\n", "conf/driftscan.hcl:1: unknown key \"histroy\" at the top level"),
            ("threshold = 2\n", "conf/driftscan.hcl:1: threshold: 2 is not between 0 and 1"),
            ("threshold = \"high\"\n", "conf/driftscan.hcl:1: threshold: expected a number, found a string"),
            (
                "\nworkspace \"a\" {\n  states = [\"x\"]\n  regoins = [\"us-east-1\"]\n}\n",
                "conf/driftscan.hcl:4: unknown key \"regoins\" in workspace \"a\"",
            ),
            ("workspace \"a\" {\n  states = \"x\"\n}\n", "conf/driftscan.hcl:2: states: expected a list of strings"),
            (
                "workspace \"a\" {\n  states = [\"x\"]\n  regions = [\"mars-1\"]\n}\n",
                "conf/driftscan.hcl:3: regions: \"mars-1\" is not an AWS region",
            ),
            (
                "workspace \"a\" {\n  states = [\"x\"]\n  role_arn = \"arn:aws:iam::12:role/x\"\n}\n",
                "conf/driftscan.hcl:3: role_arn: \"arn:aws:iam::12:role/x\" is not a role ARN",
            ),
            (
                "workspace \"a\" {\n  profile = \"p\"\n}\n",
                "conf/driftscan.hcl:1: workspace \"a\" has neither states nor a tf_dir",
            ),
            (
                "workspace \"a\" { tf_dir = \"x\" }\nworkspace \"a\" { tf_dir = \"y\" }\n",
                "conf/driftscan.hcl:2: workspace \"a\" is defined twice (first at line 1)",
            ),
            ("workspace { tf_dir = \"x\" }\n", "conf/driftscan.hcl:1: workspace needs one name"),
            (
                "workspace \"a\" {\n  tf_dir = \"x\"\n  queue = \"driftscan\"\n}\n",
                "conf/driftscan.hcl:3: queue: \"driftscan\" is not an SQS queue URL",
            ),
            (
                "workspace \"a\" {\n  tf_dir = \"x\"\n  tf_dir = \"y\"\n}\n",
                "conf/driftscan.hcl:3:3: cannot parse HCL: invalid attribute; expected unique attribute key",
            ),
            (
                "workspace \"a\" {\n  tf_dir = var.dir\n}\n",
                "conf/driftscan.hcl:2: tf_dir: expected a string, found an expression",
            ),
            (
                "workspace \"a\" {\n  states = [\"s3://\"]\n}\n",
                "conf/driftscan.hcl:2: states: \"s3://\": expected s3://bucket/key",
            ),
            ("lock_timeout = \"soon\"\n", "conf/driftscan.hcl:1: lock_timeout: expected a duration"),
            ("parallel = 0\n", "conf/driftscan.hcl:1: parallel: 0 is not a whole number from 1 to 64"),
            ("parallel = 2.5\n", "conf/driftscan.hcl:1: parallel: 2.5 is not a whole number from 1 to 64"),
            ("slack {\n  channel = \"#x\"\n}\n", "conf/driftscan.hcl:2: unknown key \"channel\" in slack"),
            ("workspace \"a\" {\n  states = [\n", "conf/driftscan.hcl:2:14: cannot parse HCL"),
        ];
        for (text, want) in cases {
            let got = parse(text).err().unwrap_or_default();
            assert!(got.starts_with(want), "{text:?}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn durations_and_role_accounts() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("12"), Some(Duration::from_secs(12)));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(account_of_role("arn:aws:iam::222222222222:role/scan"), Some("222222222222"));
        assert_eq!(account_of_role("arn:aws:iam::222222222222:user/scan"), None);
    }
}
