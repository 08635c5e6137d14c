//! The declarations watch compares against, reloaded when a state changes, and the targeted
//! re-read of the resources one CloudTrail event changed: the event's region and the lists of
//! the changed types only, through the scan's own comparison (`scan::compare_live`), keeping
//! only what is about those resources.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anyhow::Result;
use aws_config::SdkConfig;
use chrono::{DateTime, Utc};

use crate::catalog;
use crate::cloudtrail::TrailEvent;
use crate::diff::Options;
use crate::history::{rfc3339, Reread};
use crate::progress::Progress;
use crate::report::{Report, ScanMeta, Summary};
use crate::resource::Resource;
use crate::scan::{self, ScanConfig};
use crate::suppress::Suppress;
use crate::terraform::origin;

/// What the states declare, as of their last read.
pub struct Declarations {
    suppress: Suppress,
    /// Covered AWS resources, regions set, not normalised.
    declared: Vec<Resource>,
    /// The states read, as a change names them.
    states: Vec<String>,
    /// The account of each declared resource whose ARN says.
    accounts: BTreeMap<String, String>,
    /// The states to read and how, as the scan works them out.
    sources: (Vec<String>, origin::Options),
    /// What the states looked like when read: see [`stamp`].
    pub stamp: Vec<String>,
    /// The regions a scan of these states lists (the config's `regions` included).
    regions: BTreeSet<String>,
}

impl Declarations {
    /// Reads the states and the ignore rules as a scan does. Fails as a scan fails on them.
    pub async fn load(cfg: &ScanConfig, sdk: &SdkConfig) -> Result<Declarations> {
        let suppress = Suppress::load(cfg.ignore_file.as_deref(), cfg.tf_dir.as_deref())?;
        let (states, options) = scan::state_sources(cfg, suppress.sources.as_ref())?;
        // Read before the states: a state rewritten while it is read is read again next time.
        let stamp = stamp(&states, &options).await;
        let files = origin::load_states(&states, &options).await?;
        let states_arg = states;
        let default_region = sdk.region().map(|r| r.to_string());
        let mut declared = Vec::new();
        for file in &files {
            for r in file.resources.iter().filter(|r| r.is_aws() && catalog::is_covered(&r.rtype)) {
                declared.push(scan::with_region(r.clone(), default_region.as_deref(), &file.path)?);
            }
        }
        let accounts = declared.iter().filter_map(|r| Some((r.id.clone(), r.account()?))).collect();
        let states = files.iter().map(|f| f.path.clone()).collect();
        let states_named = states_arg;
        let regions = scan::regions_to_scan(&declared, &cfg.regions, default_region.as_deref())
            .unwrap_or_default()
            .into_iter()
            .collect();
        Ok(Declarations { suppress, declared, states, accounts, sources: (states_named, options), stamp, regions })
    }

    /// What the states look like now; another value than [`Self::stamp`] means reload.
    pub async fn stamp_now(&self) -> Vec<String> {
        stamp(&self.sources.0, &self.sources.1).await
    }

    /// How many resources are declared.
    pub fn count(&self) -> usize {
        self.declared.len()
    }

    /// Whether the states declare the resource `id`.
    pub fn declares(&self, id: &str) -> bool {
        self.declared.iter().any(|r| r.id == id)
    }

    /// The regions a scan of these states lists.
    pub fn regions(&self) -> &BTreeSet<String> {
        &self.regions
    }

    /// Re-reads the resources `ev` changed and compares them with their declarations: the
    /// changes about them (drifted, deleted, or unmanaged when no state declares them).
    pub async fn reread(
        &self,
        cfg: &ScanConfig,
        sdk: &SdkConfig,
        ev: &TrailEvent,
        now: DateTime<Utc>,
    ) -> Result<Reread> {
        let targets: HashSet<String> = ev.resources.iter().map(|r| r.id.clone()).collect();
        let families = self.suppress.families_for(ev.resources.iter().map(|r| r.rtype.as_str()));
        let listed: HashSet<&str> = families.iter().flat_map(|f| f.types()).map(|s| s.name).collect();
        let in_reach = |r: &&Resource| {
            listed.contains(r.rtype.as_str())
                && matches!(r.region.as_deref(), Some(region) if region == ev.region || region == catalog::GLOBAL)
        };
        let declared: Vec<Resource> = self.declared.iter().filter(in_reach).cloned().collect();
        let regions = [ev.region.clone()];
        let opts = Options { include_defaults: cfg.include_defaults };
        let quiet = Progress::for_stderr(true);
        let compared =
            scan::compare_targets(sdk, declared, &regions, &self.suppress, &families, opts, Some(&targets), &quiet)
                .await?;
        let mut changes: Vec<_> = compared.changes.into_iter().filter(|c| targets.contains(&c.id)).collect();
        self.suppress.annotate(&mut changes);
        for c in &mut changes {
            let account = self.accounts.get(&c.id).cloned();
            c.account = account.or_else(|| Some(ev.account.clone()).filter(|a| !a.is_empty()));
            c.workspace = cfg.workspace.clone();
        }
        let report = Report {
            scan: ScanMeta {
                id: None,
                started_at: rfc3339(now),
                finished_at: rfc3339(now),
                regions: regions.to_vec(),
                states: self.states.clone(),
                workspace: cfg.workspace.clone(),
                account: Some(ev.account.clone()).filter(|a| !a.is_empty()),
            },
            summary: Summary { api_calls: compared.api_calls, ..compared.summary },
            changes,
            resolved: Vec::new(),
            unscanned: compared.coverage.unscanned.clone(),
        };
        Ok(Reread { report, coverage: compared.coverage, targets })
    }
}

/// What the states look like without reading them: a local file's modification time and
/// size, an S3 object's ETag. Another stamp means a state was rewritten (`terraform apply`).
/// A source that cannot be looked at (standard input, HTTP backends) is read once.
pub async fn stamp(states: &[String], options: &origin::Options) -> Vec<String> {
    let mut out = Vec::new();
    let mut sdk = None;
    for pattern in states {
        if pattern.starts_with("s3://") {
            if sdk.is_none() {
                sdk = Some(options.access.sdk_config().await);
            }
            let sdk = sdk.as_ref().expect("set above");
            let urls = crate::terraform::remote::expand(sdk, pattern).await.unwrap_or_default();
            let client = aws_sdk_s3::Client::new(sdk);
            for url in urls {
                let Some((bucket, key)) = url.trim_start_matches("s3://").split_once('/') else { continue };
                let etag = client.head_object().bucket(bucket).key(key).send().await.ok().and_then(|o| o.e_tag);
                out.push(format!("{url} {}", etag.unwrap_or_default()));
            }
        } else if !pattern.contains("://") && pattern != origin::STDIN {
            let paths: Vec<_> = glob::glob(pattern).map(|g| g.flatten().collect()).unwrap_or_default();
            for p in paths {
                let meta = std::fs::metadata(&p).ok();
                let modified = meta.as_ref().and_then(|m| m.modified().ok());
                out.push(format!("{} {:?} {}", p.display(), modified, meta.map_or(0, |m| m.len())));
            }
        }
    }
    out
}
