//! The subcommands' handlers: each turns its parsed arguments and the config file into the
//! library's configuration, runs it, writes the output and says how the process exits. Here, what
//! they share: the config file, the history they open, the runtime, and writing to stdout.

pub mod config;
pub mod history;
pub mod report;
pub mod scan;

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::args::LockArgs;
use crate::config::Config;
use crate::history::{History, Location};
use crate::lock::HistoryLock;

/// `--config`, else `./driftscan.hcl` when it exists.
pub fn load_config(path: Option<&Path>) -> Result<Option<Config>> {
    Ok(match path {
        Some(p) => Config::load(p, true)?,
        None => Config::load(Path::new(crate::config::DEFAULT_PATH), false)?,
    })
}

/// A history that must already exist: reading one must not create an empty file.
fn existing_history(db: &Location) -> Result<History> {
    if !db.exists()? {
        bail!("no history at {}: run `driftscan scan` first, or pass --db", db.display());
    }
    History::open(db)
}

/// A history that must already exist, with its lock, for a command that writes it.
fn existing_history_to_write(db: &Location, lock: &LockArgs, file: Option<&Config>) -> Result<(HistoryLock, History)> {
    if !db.exists()? {
        bail!("no history at {}: run `driftscan scan` first, or pass --db", db.display());
    }
    let lock = lock.take(db, file)?;
    Ok((lock, History::open(db)?))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

/// Something that writes a command's data, to stdout or a file.
type WriteOut<'a> = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + 'a>;

/// Writes data to stdout; a closed pipe (`driftscan ... | head`) is not an error.
fn emit(text: &str) -> Result<()> {
    emit_with(|out| out.write_all(text.as_bytes()))
}

/// Data to stdout through a buffer, as `write` makes it; a reader that went away (`| head`) is
/// not an error.
fn emit_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

/// Writes what `write` writes to a temporary file beside `path`, then renames it over `path`: a
/// reader never sees half a report.
fn write_whole(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().with_context(|| format!("{}: not a file name", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp{}", name.to_string_lossy(), std::process::id()));
    std::fs::File::create(&tmp)
        .and_then(|f| {
            let mut out = std::io::BufWriter::new(f);
            write(&mut out)?;
            out.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()
        })
        .and_then(|_| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("{}: cannot write the report", path.display()))
}
