//! One scan, start to finish: states -> live inventory -> normalise -> diff -> history.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use aws_config::SdkConfig;
use chrono::{DateTime, Utc};

use crate::aws::access::{self, Access};
use crate::aws::{self, Wanted};
use crate::catalog::{self, Family};
use crate::diff::{self, Coverage, Options};
use crate::history::{History, Queue};
use crate::normalise::normalise_all;
use crate::ownership;
use crate::progress::Progress;
use crate::report::{Change, Report, ScanMeta, Summary};
use crate::resource::Resource;
use crate::scoring;
use crate::suppress::Suppress;
use crate::terraform::state::Attributes;
use crate::terraform::{encryption, origin, remote, sources};

/// What a scan needs to know, validated from the command line.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// State paths or glob patterns.
    pub states: Vec<String>,
    /// Regions to scan besides those the states name.
    pub regions: Vec<String>,
    /// History database; `None` records nothing.
    pub db: Option<crate::history::Location>,
    /// Where the recorded changes are queued to be told (per sink, as routed), in the recording
    /// transaction.
    pub queue: Option<Queue>,
    /// Report AWS-created defaults as unmanaged.
    pub include_defaults: bool,
    /// How changes are scored when recorded.
    pub scoring: scoring::Config,
    /// The ignore file the user named; `None` reads `./.driftignore` when it exists.
    pub ignore_file: Option<PathBuf>,
    /// Terraform sources to read `ignore_changes` and `source` from; with no `states`, its
    /// `backend "s3"` block names the state.
    pub tf_dir: Option<PathBuf>,
    /// The config workspace this scan is for; `None` in a run without a config.
    pub workspace: Option<String>,
    /// Credentials for the scanned account.
    pub access: Access,
    /// Credentials for reading `s3://` states.
    pub state_access: Access,
}

/// Runs a scan as of `now`.
pub async fn run(cfg: &ScanConfig, now: DateTime<Utc>, progress: &Progress) -> Result<Report> {
    let clock = Instant::now();
    // Bad rules or sources fail here, before AWS is called and before the history is touched.
    let suppress = Suppress::load(cfg.ignore_file.as_deref(), cfg.tf_dir.as_deref())?;
    let (states, options) = state_sources(cfg, suppress.sources.as_ref())?;
    let files = origin::load_states(&states, &options).await?;
    let sdk = cfg.access.sdk_config().await;
    // In a workspace, unmanaged resources belong to the account the credentials are for.
    let account = match &cfg.workspace {
        Some(ws) => match access::account_id(&sdk).await {
            Ok(a) => Some(a),
            Err(e) => {
                eprintln!("driftscan: warning: workspace {ws}: {}", crate::error::one_line(&e));
                None
            }
        },
        None => None,
    };
    let default_region = sdk.region().map(|r| r.to_string());

    let mut declared: Vec<Resource> = Vec::new();
    let mut not_compared: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        for r in file.resources.iter().filter(|r| r.is_aws()) {
            if catalog::is_covered(&r.rtype) {
                declared.push(with_region(r.clone(), default_region.as_deref(), &file.path)?);
            } else {
                *not_compared.entry(r.rtype.clone()).or_default() += 1;
            }
        }
    }
    let regions = regions_to_scan(&declared, &cfg.regions, default_region.as_deref())?;

    // An existing history is opened before calling AWS, so an unusable one fails fast; a new one
    // is created only once there is a scan to record, so a failed scan leaves nothing behind.
    let open = |db: &crate::history::Location| History::open(db).map(|h| h.queueing(cfg.queue.clone()));
    let mut history = match &cfg.db {
        Some(db) if db.exists()? => Some(open(db)?),
        _ => None,
    };

    // ARNs are not compared, so they are read before normalising drops them.
    let accounts: BTreeMap<String, String> =
        declared.iter().filter_map(|r| Some((r.id.clone(), r.account()?))).collect();
    let opts = Options { include_defaults: cfg.include_defaults };
    let Compared { declared, live, coverage, mut changes, mut summary, api_calls } =
        compare_live(&sdk, declared, &regions, &suppress, &suppress.families(), opts, progress).await?;

    suppress.annotate(&mut changes);
    let main_account = account.clone().or_else(|| most_common(&accounts));
    for c in &mut changes {
        c.account = accounts.get(&c.id).cloned().or_else(|| main_account.clone());
        c.workspace = cfg.workspace.clone();
    }
    summary.api_calls = api_calls;
    summary.not_compared = not_compared.values().sum();
    summary.not_compared_types = not_compared;
    let finished = now + chrono::Duration::from_std(clock.elapsed()).unwrap_or_default();
    let mut report = Report {
        scan: ScanMeta {
            id: None,
            started_at: crate::history::rfc3339(now),
            finished_at: crate::history::rfc3339(finished),
            regions,
            states: files.iter().map(|f| f.path.clone()).collect(),
            workspace: cfg.workspace.clone(),
            account,
        },
        summary,
        changes,
        resolved: Vec::new(),
        unscanned: coverage.unscanned.clone(),
    };
    if history.is_none() {
        history = cfg.db.as_ref().map(open).transpose()?;
    }
    if let Some(h) = history.as_mut() {
        let id = h.record(&mut report, &declared, &live, &coverage, &cfg.scoring, now).context("recording the scan")?;
        report.scan.id = Some(id);
    }
    // After recording: severity reads the score the history gave.
    report.assess();
    Ok(report)
}

/// The states to read, and how: those configured, else the one the backend (or `cloud`) block
/// of the Terraform sources names (an S3 bucket in its region when the block says, an `http`
/// backend with the block's credentials); encrypted states open with `TF_ENCRYPTION` over the
/// sources' `encryption` block.
pub(crate) fn state_sources(cfg: &ScanConfig, tf: Option<&sources::Sources>) -> Result<(Vec<String>, origin::Options)> {
    let mut options = origin::Options {
        access: cfg.state_access.clone(),
        http_auth: None,
        encryption: encryption::load(tf.and_then(|s| s.encryption.as_ref()))?,
        which: Attributes::Compared,
    };
    if !cfg.states.is_empty() {
        return Ok((cfg.states.clone(), options));
    }
    let dir = cfg.tf_dir.as_deref().map(|d| d.display().to_string()).unwrap_or_default();
    let Some(backend) = tf.and_then(|s| s.backend.as_ref()) else {
        bail!(
            "no state to read: pass --state, or a --tf-dir whose terraform block names it with a {} ({dir} has none)",
            remote::READABLE
        );
    };
    let named = remote::backend_state(backend)?;
    if options.access.region.is_none() {
        options.access.region = named.region;
    }
    options.http_auth = named.auth;
    Ok((vec![named.url], options))
}

/// The value most entries have (the account most declared resources are in, the region most
/// planned changes are in); `None` for an empty map.
pub fn most_common<K, V: AsRef<str>>(map: &BTreeMap<K, V>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in map.values() {
        *counts.entry(v.as_ref()).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(v, _)| v.to_owned())
}

/// A declared AWS resource with its region set: its own (ARN, `region`, zone), else the default.
/// `origin` names where it was declared, for the error when neither tells.
pub fn with_region(mut r: Resource, default_region: Option<&str>, origin: &str) -> Result<Resource> {
    // IAM's resources are in no region: its one list holds for the whole account.
    if catalog::in_no_region(&r.rtype) {
        r.region = Some(catalog::GLOBAL.to_owned());
    }
    if r.region.is_none() {
        r.region = Some(default_region.map(str::to_owned).with_context(|| {
            format!(
                "{origin}: {}: no ARN or zone tells its region, and no default region is set (AWS_REGION or a profile's region)",
                r.label()
            )
        })?);
    }
    Ok(r)
}

/// The regions to list: every region a declared resource is in, plus `extra`; the default region
/// when there is nothing else.
pub fn regions_to_scan(declared: &[Resource], extra: &[String], default_region: Option<&str>) -> Result<Vec<String>> {
    let mut regions: BTreeSet<String> =
        declared.iter().filter_map(|r| r.region.clone()).filter(|r| r != catalog::GLOBAL).collect();
    regions.extend(extra.iter().cloned());
    if regions.is_empty() {
        regions.extend(default_region.map(str::to_owned));
    }
    // A state of global resources alone (IAM) is still scanned: its lists need no region.
    let global_only = declared.iter().any(|r| r.region.as_deref() == Some(catalog::GLOBAL));
    if regions.is_empty() && !global_only {
        bail!("no region to scan: the states name none; pass --region or set AWS_REGION");
    }
    Ok(regions.into_iter().collect())
}

/// Declared resources compared with live AWS: what a scan and `check` share.
#[derive(Debug)]
pub struct Compared {
    /// The declared side, normalised, without what was suppressed.
    pub declared: Vec<Resource>,
    /// The live side, normalised, without what was suppressed.
    pub live: Vec<Resource>,
    pub coverage: Coverage,
    /// Sorted changes, as [`diff::diff`] makes them (sources not yet annotated).
    pub changes: Vec<Change>,
    pub summary: Summary,
    /// Requests sent, by operation.
    pub api_calls: BTreeMap<String, u64>,
}

/// Lists `families` of live AWS in `regions` and compares them with `declared` (covered AWS
/// types, regions set): inventory, normalisation, ownership of rules and routes, suppression, diff.
///
/// Fails only when nothing at all could be listed; what could not be listed is in `coverage`.
pub async fn compare_live(
    sdk: &SdkConfig,
    declared: Vec<Resource>,
    regions: &[String],
    suppress: &Suppress,
    families: &[Family],
    opts: Options,
    progress: &Progress,
) -> Result<Compared> {
    compare_targets(sdk, declared, regions, suppress, families, opts, None, progress).await
}

/// [`compare_live`] with the lists that can filter by id asked for `only` those ids (see
/// [`aws::inventory_of`]): the live side of a targeted re-read. Only the changes about `only`
/// mean anything then; the caller keeps those.
#[allow(clippy::too_many_arguments)]
pub async fn compare_targets(
    sdk: &SdkConfig,
    declared: Vec<Resource>,
    regions: &[String],
    suppress: &Suppress,
    families: &[Family],
    opts: Options,
    only: Option<&std::collections::HashSet<String>>,
    progress: &Progress,
) -> Result<Compared> {
    let mut wanted = Wanted::new();
    for r in declared.iter().filter(|r| !suppress.declared_ignored(r)) {
        let live_type = catalog::spec(&r.rtype).map_or(r.rtype.as_str(), |s| s.live);
        let ids = wanted.entry(live_type.to_owned()).or_default();
        ids.insert(r.id.clone());
        // A made-up id says nothing of its parent; the matched one does (a Lambda permission's
        // `function/statement` names the function whose policy must be read).
        if let Some(identity) = catalog::spec(&r.rtype).and_then(|s| s.identity) {
            ids.insert(identity(&r.id, &r.attributes));
        }
    }
    let inv = aws::inventory_of(sdk, regions, families, &wanted, only, progress).await;
    if inv.coverage.scanned.is_empty() && !families.is_empty() {
        let first = inv.coverage.unscanned.first().map(|u| format!("{} in {}: {}", u.rtype, u.region, u.reason));
        bail!("nothing could be scanned ({})", first.unwrap_or_else(|| "no lists ran".into()));
    }
    let (mut declared, mut live) = (declared, inv.resources);
    normalise_all(&mut declared);
    normalise_all(&mut live);
    let mut owner_unknown = ownership::decide(&mut declared, &mut live);
    suppress.resources(&mut declared, &mut live, &mut owner_unknown);
    let (changes, summary) = diff::diff(&declared, &live, &inv.coverage, opts, owner_unknown);
    Ok(Compared { declared, live, coverage: inv.coverage, changes, summary, api_calls: inv.api_calls })
}
