//! `scan` and `watch`: which scans a command line asks for (one from the flags, or the config's
//! workspaces with the flags on top), run and recorded.

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};

use super::{emit, runtime};
use crate::aws::access::Access;
use crate::cli::args::scan::{ScanArgs, WatchArgs};
use crate::cli::args::{ScoringArgs, SuppressArgs};
use crate::config::Config;
use crate::exit::{Exit, Gate};
use crate::history::{History, Location};
use crate::notify::{self, tell::tell};
use crate::output;
use crate::progress::Progress;
use crate::scan::{self, ScanConfig};

/// What [`scan_configs`] reads of a command line: `scan`'s flags, or those of `watch` that mean
/// the same.
struct Wanted<'a> {
    states: &'a [String],
    workspaces: &'a [String],
    regions: &'a [String],
    include_defaults: bool,
    suppress: &'a SuppressArgs,
    scoring: &'a ScoringArgs,
    notify: notify::Mode,
}

impl<'a> Wanted<'a> {
    fn of_scan(args: &'a ScanArgs) -> Self {
        Wanted {
            states: &args.states,
            workspaces: &args.workspaces,
            regions: &args.regions,
            include_defaults: args.include_defaults,
            suppress: &args.suppress,
            scoring: &args.scoring,
            notify: args.notify.mode,
        }
    }
}

pub fn scan(args: ScanArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let db = args.record.path(file);
    let configs = scan_configs(&Wanted::of_scan(&args), file, db.clone())?;
    // Held until the run ends: a second run (of one of these workspaces, in a shared history)
    // waits here, before any AWS call.
    let workspaces: Vec<String> = configs.iter().map(|c| c.workspace.clone().unwrap_or_default()).collect();
    let _lock = db.as_ref().map(|db| args.lock.take_scan(db, file, &workspaces)).transpose()?;
    let progress = Progress::for_stderr(args.quiet);
    let format = args.format.format;
    if configs[0].workspace.is_none() {
        let report = runtime()?.block_on(scan::run(&configs[0], now, &progress))?;
        let exit = crate::workspace::exit_of(&report, args.fail_on);
        // --quiet stays quiet only in sync: a change below the --fail-on severity is still news.
        let in_sync = crate::workspace::exit_of(&report, Gate::Drift) == Exit::InSync;
        if !(args.quiet && in_sync && report.resolved.is_empty() && report.unscanned.is_empty()) {
            emit(&output::scan(&report, format))?;
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
        emit(&crate::workspace::render(&outcomes, format))?;
    }
    if let Some(db) = &db {
        tell(file, args.notify.mode, now, || History::open(db));
    }
    Ok(crate::workspace::worst(&outcomes))
}

/// The watch's configuration: its states and credentials as a scan of the same arguments (or
/// workspaces) takes them, grouped by queue: one poll of a queue for every workspace naming it.
pub fn watch_config(args: WatchArgs, file: Option<&Config>) -> Result<crate::watch::WatchConfig> {
    if args.window > crate::watch::window::MAX {
        bail!("--window: expected 0s to 5m (a longer hold would tell later than a scheduled scan finds the change)");
    }
    let db = args.history.path(file);
    let named = !args.workspaces.is_empty();
    let wanted = Wanted {
        states: &args.states,
        workspaces: &args.workspaces,
        regions: &[],
        include_defaults: args.include_defaults,
        suppress: &args.suppress,
        scoring: &args.scoring,
        notify: args.notify.mode,
    };
    let configs = scan_configs(&wanted, file, Some(db.clone()))?;
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
        lock_timeout: args.lock.timeout(file),
        wait: args.wait,
        window: args.window,
    })
}

/// The scans this command line asks for: one from the flags when `--state` (or `--tf-dir`) is
/// given or there is no config workspace, else the config's workspaces with the flags on top.
fn scan_configs(args: &Wanted, file: Option<&Config>, db: Option<Location>) -> Result<Vec<ScanConfig>> {
    let scoring = args.scoring.config(file);
    let queue = notify::tell::queue_for(file, args.notify);
    let workspaces = file.map(|c| c.workspaces.as_slice()).unwrap_or_default();
    if !args.states.is_empty() || workspaces.is_empty() {
        if !args.workspaces.is_empty() {
            bail!("--workspace needs a config file with workspaces, and no --state");
        }
        if args.states.is_empty() && args.suppress.tf_dir.is_none() {
            bail!("nothing to scan: pass --state PATH, a --tf-dir whose terraform block names the state (backend \"s3\", \"http\", \"remote\" or cloud), or a config file with workspaces (--config)");
        }
        return Ok(vec![ScanConfig {
            states: args.states.to_vec(),
            regions: args.regions.to_vec(),
            db,
            queue,
            include_defaults: args.include_defaults,
            scoring,
            ignore_file: args.suppress.ignore_file.clone(),
            tf_dir: args.suppress.tf_dir.clone(),
            workspace: None,
            access: Access::default(),
            state_access: Access::default(),
        }]);
    }
    for name in args.workspaces {
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
                regions: ws.regions.iter().chain(args.regions).cloned().collect(),
                db: db.clone(),
                queue: queue.clone(),
                include_defaults: ws.include_defaults || args.include_defaults,
                scoring: scoring.clone(),
                ignore_file: args.suppress.ignore_file.clone().or_else(|| ws.ignore_file.clone()),
                tf_dir: args.suppress.tf_dir.clone().or_else(|| ws.tf_dir.clone()),
                workspace: Some(ws.name.clone()),
                access,
                state_access,
            }
        })
        .collect())
}
