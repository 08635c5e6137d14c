//! `driftscan check --plan`: the gate before `terraform apply`. Reads a plan, reports the drift
//! Terraform saw and the drift a live scan of the plan's resources finds, the planned changes
//! with a score from the history, and the clobbers: planned changes that would overwrite
//! out-of-band changes.
//!
//! Nothing is written: the history is only read (scoring without learning, since the changes are
//! not made yet), and a missing history is not created.

mod drift;
mod report;
mod risk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;

pub use report::{CheckReport, Clobber, Drift, FailOn, PlanMeta, Planned, Risk, Seen, Summary};

use crate::catalog;
use crate::diff::Options;
use crate::history::History;
use crate::plan::{self, attrs, Action, AttrChange, Plan};
use crate::progress::Progress;
use crate::report::ChangeKind;
use crate::resource::Resource;
use crate::scan;
use crate::scoring::{self, Observation};
use crate::suppress::Suppress;
use crate::terraform::sensitive;

/// What a check needs, validated from the command line.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// Plan path, or `-` for stdin.
    pub plan: String,
    /// No AWS calls: only the plan and the history.
    pub offline: bool,
    /// History to score planned changes against; read only, never created.
    pub db: crate::history::Location,
    pub scoring: scoring::Config,
    pub fail_on: FailOn,
    /// The ignore file the user named; `None` reads `./.driftignore` when it exists (as a scan).
    pub ignore_file: Option<PathBuf>,
    /// Terraform sources whose `lifecycle { ignore_changes }` the drift honours.
    pub tf_dir: Option<PathBuf>,
}

/// Runs a check as of `now`.
pub async fn run(cfg: &CheckConfig, now: DateTime<Utc>, progress: &Progress) -> Result<CheckReport> {
    let plan = plan::read(&cfg.plan)?;
    // Bad rules or sources, and an unusable history, fail before AWS is called.
    let suppress = Suppress::load(cfg.ignore_file.as_deref(), cfg.tf_dir.as_deref())?;
    let history = if cfg.db.exists()? { Some(History::open(&cfg.db)?) } else { None };
    let mut notes = Vec::new();

    // What the user asked not to hear about in a scan is not heard about here either, whether
    // Terraform reported it or the live scan found it.
    // Terraform's drift first goes through the scan's normalisation and ownership: what a scan
    // would not call drift is not reported, nor counted as clobbered.
    let mut drift: Vec<Drift> =
        drift::from_plan(&plan).into_iter().filter_map(|d| without_ignored(d, &suppress)).collect();
    let live_scan = if cfg.offline {
        "offline"
    } else {
        match live_drift(&plan, &suppress, progress).await? {
            Some((found, unscanned)) => {
                notes.extend(unscanned);
                let known: BTreeSet<(String, String)> = drift
                    .iter()
                    .flat_map(|d| d.attributes.iter().map(|a| (d.address.clone(), a.name.clone())))
                    .collect();
                for mut d in found {
                    // What Terraform already reported is not reported twice.
                    d.attributes.retain(|a| !known.contains(&(d.address.clone(), a.name.clone())));
                    if d.action == Action::Delete || !d.attributes.is_empty() {
                        drift.push(d);
                    }
                }
                "done"
            }
            None => "skipped",
        }
    };
    drift.sort_by(|a, b| (&a.address, a.source).cmp(&(&b.address, b.source)));

    let mut planned: Vec<Planned> = plan.changes.iter().filter(|c| c.action.is_planned()).map(to_planned).collect();
    match &history {
        Some(h) => score(h, &plan, &mut planned, now, &cfg.scoring)?,
        None => notes.push(format!(
            "no history at {}: planned changes are not scored (run `driftscan scan` or `driftscan learn` to build one, or pass --db)",
            cfg.db.display()
        )),
    }
    let clobber = report::clobbers(&planned, &drift);
    let mut out = CheckReport {
        plan: PlanMeta {
            input: plan.input.clone(),
            format_version: plan.format_version.clone(),
            terraform_version: plan.terraform_version.clone(),
        },
        drift,
        planned,
        clobber,
        summary: Summary {
            drift: 0,
            planned: 0,
            clobber: 0,
            anomalous: 0,
            scored: history.is_some(),
            live_scan,
            fail_on: cfg.fail_on,
            result: "pass",
            exit_code: 0,
        },
        notes,
    };
    out.conclude(cfg.fail_on);
    Ok(out)
}

/// Drift Terraform reported, less what `suppress` ignores; `None` when nothing is left of it.
fn without_ignored(mut d: Drift, suppress: &Suppress) -> Option<Drift> {
    let id = d.id.clone().unwrap_or_default();
    if suppress.plan_drift_ignored(&d.rtype, &id, &d.address, None) {
        return None;
    }
    let had = d.attributes.len();
    d.attributes.retain(|a| !suppress.plan_drift_ignored(&d.rtype, &id, &d.address, Some(&a.name)));
    // A deletion stays; an update whose every attribute is ignored is no drift.
    (d.action == Action::Delete || had == 0 || !d.attributes.is_empty()).then_some(d)
}

fn to_planned(c: &plan::ResourceChange) -> Planned {
    Planned {
        address: c.address.clone(),
        rtype: c.rtype.clone(),
        id: c.id.clone(),
        region: c.region.clone(),
        action: c.action,
        action_reason: c.action_reason.clone(),
        deposed: c.deposed.clone(),
        attributes: c.attributes.clone(),
        score: None,
        anomalous: None,
        reasons: Vec::new(),
        risk: Risk::default(),
    }
}

/// Compares the plan's prior state with live AWS, the way a scan does. `None` when the prior
/// state holds no resource of a covered type (nothing to list); else the drift found and a note
/// for each type and region that could not be listed.
async fn live_drift(
    plan: &Plan,
    suppress: &Suppress,
    progress: &Progress,
) -> Result<Option<(Vec<Drift>, Vec<String>)>> {
    let covered: Vec<&Resource> =
        plan.prior.iter().filter(|r| r.is_aws() && catalog::is_covered(&r.rtype) && !r.id.is_empty()).collect();
    if covered.is_empty() {
        return Ok(None);
    }
    let sdk = crate::aws::sdk_config(None).await;
    let default_region = sdk.region().map(|r| r.to_string());
    let declared = covered
        .into_iter()
        .map(|r| scan::with_region(r.clone(), default_region.as_deref(), &plan.input))
        .collect::<Result<Vec<_>>>()?;
    let regions = scan::regions_to_scan(&declared, &[], default_region.as_deref())?;
    let families = suppress.families_for(declared.iter().map(|r| r.rtype.as_str()));
    let compared = scan::compare_live(&sdk, declared, &regions, suppress, &families, Options::default(), progress)
        .await
        .context("live scan of the plan's resources (pass --offline to check the plan alone)")?;

    let sensitive_of: BTreeMap<&str, &BTreeSet<String>> = compared
        .declared
        .iter()
        .filter_map(|r| r.declared.as_ref().map(|d| (d.address.as_str(), &d.sensitive)))
        .collect();
    let mut by_address: BTreeMap<String, Drift> = BTreeMap::new();
    for c in &compared.changes {
        let Some(address) = &c.address else { continue };
        let action = match c.kind {
            ChangeKind::Drifted => Action::Update,
            ChangeKind::Deleted => Action::Delete,
            _ => continue,
        };
        let entry = by_address.entry(address.clone()).or_insert_with(|| Drift {
            address: address.clone(),
            rtype: c.rtype.clone(),
            id: Some(c.id.clone()),
            region: Some(c.region.clone()),
            source: Seen::Live,
            action,
            attributes: Vec::new(),
            risk: Risk::default(),
        });
        if let Some(name) = &c.attribute {
            let secret = sensitive_of.get(address.as_str()).is_some_and(|s| s.contains(name))
                || c.declared.as_ref().is_some_and(sensitive::is_redacted);
            let shown = |v: &Option<Value>| {
                if secret {
                    Value::from(attrs::SENSITIVE)
                } else {
                    v.clone().unwrap_or(Value::Null)
                }
            };
            entry.attributes.push(AttrChange {
                name: name.clone(),
                before: shown(&c.declared),
                after: shown(&c.actual),
                sensitive: secret,
                unknown: false,
                forces_replacement: false,
                relevant: None,
            });
        }
    }
    let notes = compared
        .coverage
        .unscanned
        .iter()
        .map(|u| format!("live scan: {} in {} could not be listed ({})", u.rtype, u.region, u.reason))
        .collect();
    Ok(Some((by_address.into_values().collect(), notes)))
}

/// Scores each planned change against the history as if made now, without learning it.
fn score(h: &History, plan: &Plan, planned: &mut [Planned], now: DateTime<Utc>, cfg: &scoring::Config) -> Result<()> {
    let accounts: BTreeMap<String, String> =
        plan.prior.iter().filter_map(|r| Some((r.id.clone(), r.account()?))).collect();
    let main_account = scan::most_common(&accounts);
    let regions: BTreeMap<&str, &str> =
        plan.prior.iter().filter_map(|r| Some((r.id.as_str(), r.region.as_deref()?))).collect();
    let main_region = scan::most_common(&regions);
    for (p, c) in planned.iter_mut().zip(plan.changes.iter().filter(|c| c.action.is_planned())) {
        let obs = Observation {
            time: now,
            account: c.account.clone().or_else(|| main_account.clone()).unwrap_or_else(|| "unknown".into()),
            region: p.region.clone().or_else(|| main_region.clone()).unwrap_or_else(|| "unknown".into()),
            rtype: p.rtype.clone(),
            resource_id: p.id.clone().unwrap_or_else(|| p.address.clone()),
            actor: None,
        };
        let s = h.score(&obs, cfg).with_context(|| format!("scoring {}", p.address))?;
        p.score = Some((s.score * 100.0).round() / 100.0);
        p.anomalous = Some(s.anomalous);
        p.reasons = s.reasons;
    }
    Ok(())
}
