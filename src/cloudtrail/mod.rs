//! CloudTrail logs: which covered EC2 resource changed, when, and who changed it.
//!
//! Logs are read as AWS delivers them: a bucket copied to disk
//! (`AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/*.json.gz`) or single files, gzipped or
//! not, `{"Records": [...]}` or a bare array of records. Every successful EC2 write on a covered
//! resource becomes one [`TrailEvent`]; a broken file is [`Skipped`] with a one-line reason and the
//! rest is kept. Objects listed from S3 go through [`Loader::add_bytes`] (or [`merge`]).
//!
//! Events come out sorted by time then id, each event id once, whatever order the files were read
//! in: delivery overlaps and late files are normal in CloudTrail.

mod decode;
pub(crate) mod ids;
mod record;
pub mod s3;

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use ids::{is_write, type_of, KNOWN_EVENTS};

use decode::Content;
use record::Outcome;

/// One successful EC2 write that changed covered resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailEvent {
    /// CloudTrail's `eventID`, unique per event.
    pub event_id: String,
    pub time: DateTime<Utc>,
    /// `awsRegion` as written, even when it is not a region we know.
    pub region: String,
    /// `recipientAccountId`, else the caller's account; empty when the record has neither.
    pub account: String,
    /// The caller's ARN (for an assumed role, the session's), else its principal id, the service
    /// that called on its behalf, or its identity type.
    pub actor: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub event_name: String,
    /// What the event changed, never empty.
    pub resources: Vec<TrailResource>,
}

/// A covered resource by Terraform type and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TrailResource {
    pub rtype: String,
    pub id: String,
}

/// A file that could not be read as CloudTrail, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Path, or S3 key.
    pub name: String,
    /// One line, without the name.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.reason)
    }
}

/// Everything read from a set of log files.
///
/// `records == events.len() + duplicates + ignored` always holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Loaded {
    /// Sorted by (time, event id), each event id once.
    pub events: Vec<TrailEvent>,
    pub skipped: Vec<Skipped>,
    /// Files read, skipped ones included.
    pub files: usize,
    /// Records read, in every file.
    pub records: usize,
    /// Records that are not changes: read-only, failed, other services, or nothing covered.
    pub ignored: usize,
    /// The part of `ignored` that were successful EC2 writes on nothing covered.
    pub uncovered: usize,
    /// Change records whose event id was already read.
    pub duplicates: usize,
}

/// A path given to read that cannot be.
#[derive(Debug, thiserror::Error)]
pub enum TrailError {
    #[error("CloudTrail path {} does not exist", .path.display())]
    Missing { path: PathBuf },
    #[error("cannot read CloudTrail path {}: {reason}", .path.display())]
    Unreadable { path: PathBuf, reason: String },
}

/// Read log files and folders; folders are walked recursively, in name order, for `*.json`,
/// `*.json.gz` and `*.gz` files. A file named directly is read whatever its name.
pub fn load_paths(paths: &[PathBuf]) -> Result<Loaded, TrailError> {
    // Fail on a mistyped path before spending time on the others.
    for path in paths {
        if let Err(e) = fs::metadata(path) {
            return Err(path_error(path, &e));
        }
    }
    let mut loader = Loader::new();
    for path in paths {
        loader.add_path(path)?;
    }
    Ok(loader.finish())
}

/// The change events in one file's content (gzipped or not), sorted and without repeats.
/// `Err` is one line naming the file and saying what is wrong with it.
pub fn parse_bytes(name: &str, bytes: &[u8]) -> Result<Vec<TrailEvent>, String> {
    let mut loader = Loader::new();
    loader.read(bytes).map_err(|reason| format!("{name}: {reason}"))?;
    Ok(loader.finish().events)
}

/// Add one file's events to `into`, keeping events sorted and unique. For many files, a
/// [`Loader`] does the same without re-sorting each time.
pub fn merge(into: &mut Loaded, name: &str, bytes: &[u8]) {
    let mut loader = Loader::resume(std::mem::take(into));
    loader.add_bytes(name, bytes);
    *into = loader.finish();
}

/// Collects files one by one; [`Loader::finish`] sorts.
#[derive(Debug, Default)]
pub struct Loader {
    loaded: Loaded,
    seen: HashSet<String>,
}

impl Loader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Continue from an earlier result: its events count as already read.
    pub fn resume(loaded: Loaded) -> Self {
        let seen = loaded.events.iter().map(|e| e.event_id.clone()).collect();
        Self { loaded, seen }
    }

    /// Read a file or a folder tree. Only a path that cannot be read at all is an error; a file
    /// inside a folder that cannot be read is skipped.
    pub fn add_path(&mut self, path: &Path) -> Result<(), TrailError> {
        let meta = fs::metadata(path).map_err(|e| path_error(path, &e))?;
        if !meta.is_dir() {
            let bytes = fs::read(path).map_err(|e| path_error(path, &e))?;
            self.add_bytes(&path.display().to_string(), &bytes);
            return Ok(());
        }
        fs::read_dir(path).map_err(|e| path_error(path, &e))?;
        let mut files = Vec::new();
        walk(path, &mut files, &mut self.loaded.skipped);
        for file in files {
            match fs::read(&file) {
                Ok(bytes) => self.add_bytes(&file.display().to_string(), &bytes),
                Err(e) => {
                    self.loaded.files += 1;
                    self.skip(&file.display().to_string(), e.to_string());
                }
            }
        }
        Ok(())
    }

    /// Read one file's content; `name` (a path or an S3 key) is what a skip reports.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) {
        if let Err(reason) = self.read(bytes) {
            self.skip(name, reason);
        }
    }

    /// Everything read so far, events sorted by (time, event id).
    pub fn finish(self) -> Loaded {
        let mut loaded = self.loaded;
        loaded.events.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
        loaded
    }

    fn read(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.loaded.files += 1;
        let records = match decode::decode(bytes)? {
            Content::Records(records) => records,
            Content::Digest => return Ok(()),
        };
        let loaded = &mut self.loaded;
        loaded.records += records.len();
        for record in &records {
            match record::classify(record) {
                Outcome::Change(event) => {
                    if self.seen.insert(event.event_id.clone()) {
                        loaded.events.push(*event);
                    } else {
                        loaded.duplicates += 1;
                    }
                }
                Outcome::Uncovered => {
                    loaded.ignored += 1;
                    loaded.uncovered += 1;
                }
                Outcome::Ignored => loaded.ignored += 1,
            }
        }
        Ok(())
    }

    fn skip(&mut self, name: &str, reason: String) {
        self.loaded.skipped.push(Skipped { name: name.to_string(), reason });
    }
}

fn path_error(path: &Path, e: &io::Error) -> TrailError {
    match e.kind() {
        io::ErrorKind::NotFound => TrailError::Missing { path: path.to_path_buf() },
        _ => TrailError::Unreadable { path: path.to_path_buf(), reason: e.to_string() },
    }
}

/// Log files under `dir`, depth first in name order. Symlinked folders are not followed (they
/// can loop); symlinked files are.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    let entries = match fs::read_dir(dir).and_then(|entries| entries.collect::<io::Result<Vec<_>>>()) {
        Ok(entries) => entries,
        Err(e) => {
            skipped.push(Skipped { name: dir.display().to_string(), reason: format!("cannot list folder: {e}") });
            return;
        }
    };
    let mut entries: Vec<(PathBuf, Option<fs::FileType>)> =
        entries.into_iter().map(|entry| (entry.path(), entry.file_type().ok())).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file_type) in entries {
        let Some(file_type) = file_type else { continue };
        if file_type.is_dir() {
            walk(&path, files, skipped);
        } else if is_log_name(&path) && (file_type.is_file() || path.is_file()) {
            files.push(path);
        }
    }
}

fn is_log_name(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.ends_with(".json") || name.ends_with(".gz")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod association_tests;
