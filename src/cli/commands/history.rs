//! The commands that write the history besides `scan`: `learn` records CloudTrail, `ack` marks a
//! change reviewed, `fix` settles drift in the sources, `notify` sends what is queued; and
//! `history copy` moves a whole history between backends.

use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};

use super::{emit, existing_history_to_write, runtime};
use crate::cli::args::history::{AckArgs, FixArgs, HistoryCommand, LearnArgs, NotifyCmdArgs};
use crate::cloudtrail::s3::{self, S3Location};
use crate::cloudtrail::Loader;
use crate::config::Config;
use crate::exit::Exit;
use crate::history::{History, Window};
use crate::notify::{self, tell::tell};
use crate::output;

pub fn learn(args: LearnArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
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
    let db = args.history.path(file);
    let _lock = args.lock.take(&db, file)?;
    let mut history = History::open(&db)?.queueing(notify::tell::queue_for(file, args.notify.mode));
    let outcome = history.learn(&loaded, now, &args.scoring.config(file)).context("recording CloudTrail events")?;
    emit(&output::learn(&outcome, loaded.files, &skipped, args.format.format))?;
    tell(file, args.notify.mode, now, || Ok(history));
    Ok(if outcome.anomalous > 0 { Exit::Anomalous } else { Exit::InSync })
}

pub fn ack(args: AckArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let db = args.history.path(file);
    let (_lock, history) = existing_history_to_write(&db, &args.lock, file)?;
    // Sinks that follow the lifecycle hear of the acknowledgement (PagerDuty: acknowledge).
    let mut history = history.queueing(notify::tell::queue_for(file, notify::Mode::All));
    let row = history.ack(args.id, args.expected, now, &crate::scoring::Config::default())?;
    tell(file, notify::Mode::All, now, || Ok(history));
    let what = if args.expected { "acknowledged as expected; the model learned it" } else { "marked reviewed" };
    emit(&format!("change {} ({} {} {} in {}) {what}\n", row.id, row.kind, row.rtype, row.resource_id, row.region))?;
    Ok(Exit::InSync)
}

pub fn notify(args: NotifyCmdArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let db = args.history.path(file);
    let mut lock = None;
    let history = || {
        let (l, h) = existing_history_to_write(&db, &args.lock, file)?;
        lock = Some(l);
        Ok(h)
    };
    emit(&notify::tell::command(args.test, args.to.as_deref(), file, now, history)?)?;
    Ok(Exit::InSync)
}

/// `driftscan fix`: selects the changes, works out the edits, hands them back, and records the
/// accepted ones as reviewed.
pub fn fix(args: FixArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    use crate::fix::{self, render, Decision};
    let db = args.history.path(file);
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
    let format = args.format.format;
    match (format, args.write) {
        (render::FixFormat::Json, _) => emit(&render::json(&plan))?,
        (render::FixFormat::Diff, false) if plan.files.is_empty() => {}
        (render::FixFormat::Diff, false) => emit(&render::diff(&plan, &std::env::current_dir()?))?,
        (render::FixFormat::Diff, true) => {
            for f in &plan.files {
                eprintln!("wrote {}", f.path.display());
            }
        }
    }
    match (format, decision) {
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

/// `history copy`: every row of one history into another, empty one, checked by counts.
pub fn copy(cmd: HistoryCommand) -> Result<Exit> {
    match cmd {
        HistoryCommand::Copy(a) => {
            let copied = crate::history::copy::copy(&a.from, &a.to)?;
            let rows: Vec<String> = copied.tables.iter().map(|(t, n)| format!("{n} {t}")).collect();
            println!("copied {} to {}: {}", a.from.display(), a.to.display(), rows.join(", "));
            Ok(Exit::InSync)
        }
    }
}
