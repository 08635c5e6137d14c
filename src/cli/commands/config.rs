//! The commands that record nothing: `config check` (the file and what it points at), `check`
//! (a plan before `terraform apply`) and `state` (what the states declare).

use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use super::{emit, runtime};
use crate::aws::access::Access;
use crate::check::{self, CheckConfig};
use crate::cli::args::scan::{CheckArgs, StateArgs};
use crate::config::Config;
use crate::exit::Exit;
use crate::notify;
use crate::output;
use crate::progress::Progress;
use crate::terraform::origin;
use crate::terraform::state::Attributes;

/// `driftscan config check`: reads the file and everything it points at that needs no AWS.
pub fn check_file(path: Option<&Path>) -> Result<Exit> {
    let path = path.unwrap_or(Path::new(crate::config::DEFAULT_PATH));
    let cfg = Config::load(path, true)?.context("unreachable: a required config is never missing")?;
    let mut lines = Vec::new();
    for ws in &cfg.workspaces {
        let at = format!("{}:{}: workspace {}", path.display(), ws.line, ws.name);
        let sources = ws
            .tf_dir
            .as_deref()
            .map(crate::terraform::sources::load_dir)
            .transpose()
            .with_context(|| format!("{at}: tf_dir"))?;
        let states = if ws.states.is_empty() {
            let backend = sources.as_ref().and_then(|s| s.backend.as_ref()).with_context(|| {
                format!("{at}: no states, and tf_dir has no {}", crate::terraform::remote::READABLE)
            })?;
            vec![crate::terraform::remote::backend_state(backend).with_context(|| at.clone())?.url]
        } else {
            ws.states.clone()
        };
        if let Some(ignore) = &ws.ignore_file {
            crate::ignore::IgnoreRules::load(ignore, true).with_context(|| format!("{at}: ignore_file"))?;
        }
        let who = Access { profile: ws.profile.clone(), role_arn: ws.role_arn.clone(), ..Default::default() };
        lines.push(format!(
            "  {}: {} ({}); states: {}",
            ws.name,
            who.describe(),
            region_list(&ws.regions),
            states.join(", ")
        ));
    }
    let history = cfg
        .history
        .as_ref()
        .map_or_else(|| format!("{} (default)", crate::cli::args::DEFAULT_HISTORY), |h| h.display().to_string());
    let mut out = format!("{}: ok; history {history}; {} workspace(s)\n", path.display(), cfg.workspaces.len());
    lines.extend(notify::tell::check_lines(&cfg));
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    emit(&out)?;
    Ok(Exit::InSync)
}

fn region_list(regions: &[String]) -> String {
    if regions.is_empty() {
        "regions from the states".into()
    } else {
        format!("regions {}", regions.join(", "))
    }
}

/// `driftscan check`: the plan gate; its report's exit code as `--fail-on` asks.
pub fn check(args: CheckArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let cfg = CheckConfig {
        plan: args.plan,
        offline: args.offline,
        db: args.history.path(file),
        scoring: args.scoring.config(file),
        fail_on: args.fail_on,
        ignore_file: args.suppress.ignore_file,
        tf_dir: args.suppress.tf_dir,
    };
    let progress = Progress::for_stderr(args.quiet);
    let report = runtime()?.block_on(check::run(&cfg, now, &progress))?;
    emit(&output::check(&report, args.format.format))?;
    Ok(report.exit(args.fail_on))
}

/// `driftscan state`: the managed resources the states declare.
pub fn state(args: StateArgs) -> Result<Exit> {
    let options = origin::Options::new(Access::default(), Attributes::All)?;
    let files = runtime()?.block_on(origin::load_states(&args.states, &options))?;
    let resources: Vec<_> = files.into_iter().flat_map(|f| f.resources).collect();
    emit(&output::state(&resources, args.format.format))?;
    Ok(Exit::InSync)
}
