//! What `driftscan fix` hands back: a unified diff for `git apply`, the files written in place,
//! or JSON; and the one-line notes for what it did not edit.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use super::{FileEdit, Plan};

/// How `fix` hands back its edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum FixFormat {
    /// A unified diff that `git apply` takes from the repository root.
    #[default]
    Diff,
    /// Per change: file, line, before, after, or why it was not edited.
    Json,
}

/// A unified diff of every edited file, with paths from the root of the git repository that
/// holds the current directory (else from the current directory), so `git apply` takes it there.
pub fn diff(plan: &Plan, cwd: &Path) -> String {
    let root = repository_root(cwd);
    let mut out = String::new();
    for file in &plan.files {
        let shown = relative(&file.path, cwd, root.as_deref());
        let a = format!("a/{shown}");
        let b = format!("b/{shown}");
        let text = similar::TextDiff::from_lines(&file.old, &file.new);
        out.push_str(&format!("diff --git {a} {b}\n"));
        out.push_str(&text.unified_diff().context_radius(3).header(&a, &b).to_string());
    }
    out
}

/// One line per change that was not edited, with where and why, or with what remains to do
/// (references to a removed block; the command of a revert).
pub fn notes(plan: &Plan) -> String {
    let mut out = String::new();
    for item in plan.items.iter().filter(|i| !i.edited || i.note.is_some()) {
        let what = match (&item.address, &item.attribute) {
            (Some(a), Some(attr)) => format!("{a} {attr}"),
            (Some(a), None) => a.clone(),
            _ => item.kind.clone(),
        };
        let at = match (&item.file, item.line) {
            (Some(f), Some(l)) => format!("{f}:{l}: "),
            _ => String::new(),
        };
        out.push_str(&format!("#{} {what}: {at}{}\n", item.id, item.note.as_deref().unwrap_or("not edited")));
    }
    out
}

/// Per change: file, line, before, after, or why it was not edited.
pub fn json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(&json!({ "changes": plan.items })).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes every edited file in place, each whole or not at all: written beside, synced, then
/// renamed over the original, keeping its permissions.
pub fn write(files: &[FileEdit]) -> Result<()> {
    for file in files {
        let dir = file.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = file.path.file_name().with_context(|| format!("{}: not a file name", file.path.display()))?;
        let tmp = dir.join(format!(".{}.driftscan-fix{}", name.to_string_lossy(), std::process::id()));
        let permissions = std::fs::metadata(&file.path).map(|m| m.permissions());
        std::fs::File::create(&tmp)
            .and_then(|mut f| {
                f.write_all(file.new.as_bytes())?;
                if let Ok(p) = &permissions {
                    f.set_permissions(p.clone())?;
                }
                f.sync_all()
            })
            .and_then(|_| std::fs::rename(&tmp, &file.path))
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
            .with_context(|| format!("{}: cannot write", file.path.display()))?;
    }
    Ok(())
}

/// The nearest directory at or above `cwd` holding `.git` (a directory, or a file in a worktree).
fn repository_root(cwd: &Path) -> Option<PathBuf> {
    let cwd = std::fs::canonicalize(cwd).ok()?;
    cwd.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}

/// `path` from `root` when it lies below it, else as given; always with `/`.
fn relative(path: &Path, cwd: &Path, root: Option<&Path>) -> String {
    let absolute = std::fs::canonicalize(cwd.join(path)).unwrap_or_else(|_| cwd.join(path));
    let shown = root.and_then(|r| absolute.strip_prefix(r).ok()).unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}
