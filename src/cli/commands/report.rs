//! `report`: a window of the history, filtered, in the format asked for, to stdout or a file.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::{emit_with, existing_history, write_whole, WriteOut};
use crate::cli::args::report::ReportArgs;
use crate::config::Config;
use crate::digest::{Digest, Filter};
use crate::exit::Exit;
use crate::fleet::Fleet;
use crate::history::{rfc3339, Window};
use crate::output::{self, ReportFormat};

pub fn report(args: ReportArgs, file: Option<&Config>, now: DateTime<Utc>) -> Result<Exit> {
    let history = existing_history(&args.history.path(file))?;
    let window = Window { since: Some(args.since.resolve(now)), until: args.until.map(|u| u.resolve(now)) };
    let fleet = Fleet::read(&history)?;
    let workspace_accounts = match &args.workspace {
        Some(w) => fleet.accounts_of(std::slice::from_ref(w))?,
        None => Default::default(),
    };
    let filter = Filter {
        rtype: args.rtype,
        region: args.region,
        account: args.account,
        workspace: args.workspace,
        workspace_accounts,
        anomalous: args.anomalous,
        open: args.open,
    };
    let format = args.format.format;
    let write: WriteOut = if format == ReportFormat::Json {
        // JSON lists changes and counts them, nothing drawn from them all: it is streamed from
        // the history, counted in a first pass over only the columns the filters read, and the
        // rows are read on a second thread while this one writes them.
        let keep = filter.clone();
        let (summary, rows) = history.read_behind(
            window.clone(),
            move |summary: &mut output::Summary, f| {
                if filter.keeps(&f) {
                    summary.add(&f);
                }
            },
            move |r| keep.keep(r),
        )?;
        Box::new(move |out| {
            let rows: output::RowSource = Box::new(move |write| rows.each(write));
            let (since, until) = (window.since.map(rfc3339), window.until.map(rfc3339));
            output::write_report_json(since.as_deref(), until.as_deref(), summary, rows, out)
        })
    } else {
        let rows = history.changes(&window)?;
        let scans = history.scan_points(&window)?;
        let digest = Digest::build(rows, scans, filter, window.since, window.until, now).with_fleet(fleet);
        let text = output::report_window(&digest, format);
        Box::new(move |out| out.write_all(text.as_bytes()))
    };
    match &args.output {
        Some(path) => {
            write_whole(path, write)?;
            eprintln!("driftscan: wrote {}", path.display());
        }
        None => emit_with(write)?,
    }
    Ok(Exit::InSync)
}
