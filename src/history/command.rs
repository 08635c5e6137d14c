//! `driftscan history`: commands on the history itself, apart from what it records.

use anyhow::Result;
use clap::{Args, Subcommand};

use super::{copy, Location};
use crate::exit::Exit;

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Copy every scan, change, event, counter and queued notification from one history to
    /// another, empty one: a SQLite file into PostgreSQL or back. Checked by counts.
    ///
    /// Example: driftscan history copy --from .driftscan/history.db --to postgres://driftscan@db:5432/driftscan
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The history to read: a SQLite file or postgres://USER@HOST:PORT/DB.
    #[arg(long, value_name = "PATH_OR_URL")]
    from: Location,
    /// The history to write, which must be empty: a SQLite file (created) or a PostgreSQL URL.
    #[arg(long, value_name = "PATH_OR_URL")]
    to: Location,
}

pub fn run(cmd: HistoryCommand) -> Result<Exit> {
    match cmd {
        HistoryCommand::Copy(a) => {
            let copied = copy::copy(&a.from, &a.to)?;
            let rows: Vec<String> = copied.tables.iter().map(|(t, n)| format!("{n} {t}")).collect();
            println!("copied {} to {}: {}", a.from.display(), a.to.display(), rows.join(", "));
            Ok(Exit::InSync)
        }
    }
}
