//! `driftscan fix`: turns recorded drift into the source change that settles it.
//!
//! Accepting a drift edits the `.tf` file so it declares what is live; reverting leaves the
//! sources alone and names the targeted `terraform apply` that puts AWS back. Only literal values
//! written in the resource's own block are edited ([`edit`]); anything else (a variable, an
//! expression, a block shared by `count` instances) is named with its `file:line` and left alone.
//! Every edited file is parsed again before it is offered, so `fix` never hands back a file
//! Terraform could not read.

pub mod edit;
pub mod literal;
pub mod remove;
pub mod render;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use hcl::edit::structure::{Block, Body};
use hcl::edit::Span;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::history::ChangeRow;
use crate::terraform::sources::Sources;
use edit::{Outcome, Splice};

/// What the user chose for the selected changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The code should say what is live.
    Accept,
    /// AWS should be put back as the code says.
    Revert,
}

/// What `fix` did, or would do, for one change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: i64,
    pub kind: String,
    pub address: Option<String>,
    pub attribute: Option<String>,
    /// Where the edit is, or where the value that could not be edited is written (as given to
    /// `--tf-dir`).
    pub file: Option<String>,
    pub line: Option<usize>,
    /// The value as written and as it becomes; `before` is null for an attribute added.
    pub before: Option<String>,
    pub after: Option<String>,
    /// True when the sources change for it.
    pub edited: bool,
    /// Why nothing was edited, or the command to run instead.
    pub note: Option<String>,
}

/// One file whole, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    pub path: PathBuf,
    pub old: String,
    pub new: String,
}

/// Every item, in the order of the changes, and the files that change.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub items: Vec<Item>,
    pub files: Vec<FileEdit>,
}

/// Works out the edits for `changes` in the sources of `sources` (read from disk as they are now).
pub fn plan(changes: &[ChangeRow], sources: &Sources, decision: Decision) -> Result<Plan> {
    let mut texts: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut splices: BTreeMap<PathBuf, Vec<Owned>> = BTreeMap::new();
    let mut items = Vec::new();
    let defaults = default_tags(sources)?;
    for change in changes {
        let mut item = Item {
            id: change.id,
            kind: change.kind.clone(),
            address: change.address.clone(),
            attribute: change.attribute.clone(),
            file: None,
            line: None,
            before: None,
            after: None,
            edited: false,
            note: None,
        };
        let address = change.address.as_deref().unwrap_or_default();
        if decision == Decision::Revert {
            item.note = Some(if address.is_empty() {
                format!("{} {} is not in any state: delete it in AWS, or accept it", change.rtype, change.resource_id)
            } else {
                format!("terraform plan -target='{address}' && terraform apply -target='{address}'")
            });
            items.push(item);
            continue;
        }
        if change.kind == "unmanaged" {
            item.note = Some(format!(
                "{} {} is in no state: adopt it with the import block `scan` prints, or delete it in AWS",
                change.rtype, change.resource_id
            ));
            items.push(item);
            continue;
        }
        let Some(block) = sources.block_for(address) else {
            item.note = Some(format!("{address} is not declared in the --tf-dir sources"));
            items.push(item);
            continue;
        };
        item.file = Some(crate::suppress::clean(&block.file).display().to_string());
        item.line = Some(block.line);
        if !texts.contains_key(&block.file) {
            let text = crate::text::read(&block.file).with_context(|| format!("reading {}", block.file.display()))?;
            texts.insert(block.file.clone(), text);
        }
        let text = &texts[&block.file];
        let body = parse(&block.file, text)?;
        let Some(hcl_block) = find_block(&body, &block.rtype, &block.name) else {
            item.note = Some("the resource block is no longer in the file".into());
            items.push(item);
            continue;
        };
        if address.contains('[') {
            let shared = ["count", "for_each"].into_iter().find(|m| hcl_block.body.has_attribute(m));
            if let Some(meta) = shared.or(address.starts_with("module.").then_some("a module's count/for_each")) {
                let what = change.attribute.as_deref().map_or("it".to_string(), |a| format!("`{a}`"));
                item.note = Some(format!(
                    "{address} is one instance of a block shared through `{meta}`; editing {what} there changes every instance"
                ));
                items.push(item);
                continue;
            }
        }
        let outcome = match (change.kind.as_str(), change.attribute.as_deref(), change.actual.as_ref()) {
            ("drifted", Some(attr), Some(live)) => {
                let tags = defaults.get(&provider_alias(text, hcl_block)).cloned().unwrap_or_default();
                edit::accept(text, hcl_block, attr, live, &tags)
            }
            ("deleted", _, _) => match remove::block(text, hcl_block) {
                Some((line, splice)) => {
                    let dir = block.file.parent().unwrap_or(Path::new("."));
                    let refs = remove::references(dir, &block.rtype, &block.name, &block.file, &splice.range);
                    if !refs.is_empty() {
                        item.note = Some(format!("still referred to at {}", refs.join(", ")));
                    }
                    let before = text[splice.range.clone()].lines().next().unwrap_or_default().to_string();
                    Outcome::Edit { line, before: Some(before), after: String::new(), splices: vec![splice] }
                }
                None => Outcome::NotEditable { line: block.line, why: "no position recorded".into() },
            },
            (kind, _, _) => {
                Outcome::NotEditable { line: block.line, why: format!("{kind} changes are not edited by fix") }
            }
        };
        match outcome {
            Outcome::Edit { line, before, after, splices: s } => {
                item.line = Some(line);
                item.before = before;
                item.after = Some(after);
                item.edited = true;
                splices.entry(block.file.clone()).or_default().extend(s.into_iter().map(|s| (s, items.len())));
            }
            Outcome::NotEditable { line, why } | Outcome::Unchanged { line, why } => {
                item.line = Some(line);
                item.note = Some(why);
            }
        }
        items.push(item);
    }
    let mut files = Vec::new();
    for (path, mut list) in splices {
        let old = texts.remove(&path).unwrap_or_default();
        list.sort_by_key(|(s, i)| (s.range.start, *i));
        let (kept, dropped) = without_overlaps(list);
        let new = edit::apply(&old, &kept.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>());
        let broken = new != old && parse(&path, &new).is_err();
        for (_, i) in dropped.iter().chain(if broken { kept.iter() } else { [].iter() }) {
            let item = &mut items[*i];
            item.edited = false;
            item.note = Some(
                if broken { "the edited file would not parse; edit it by hand" } else { "overlaps another edit" }
                    .into(),
            );
        }
        if !broken && new != old {
            files.push(FileEdit { path, old, new });
        }
    }
    Ok(Plan { items, files })
}

/// A splice and the index of the item it is for.
type Owned = (Splice, usize);

/// Splices in order, less those that overlap one kept before them (they are reported instead).
fn without_overlaps(list: Vec<Owned>) -> (Vec<Owned>, Vec<Owned>) {
    let (mut kept, mut dropped): (Vec<Owned>, Vec<Owned>) = (Vec::new(), Vec::new());
    for (s, i) in list {
        let overlaps = kept.last().is_some_and(|(k, j): &(Splice, usize)| *j != i && s.range.start < k.range.end);
        if overlaps {
            dropped.push((s, i));
        } else {
            kept.push((s, i));
        }
    }
    (kept, dropped)
}

fn parse(path: &Path, text: &str) -> Result<Body> {
    hcl::edit::parser::parse_body(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
        anyhow::anyhow!("{}: cannot parse HCL: {}", path.display(), e.message().lines().next().unwrap_or(""))
    })
}

/// The first `resource "rtype" "name"` block of a file, as [`Sources`] takes the first one.
fn find_block<'a>(body: &'a Body, rtype: &str, name: &str) -> Option<&'a Block> {
    body.get_blocks("resource").find(|b| {
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        labels == [rtype, name]
    })
}

/// The alias of the AWS provider a block uses (`provider = aws.west` gives `west`), `""` for the default.
fn provider_alias(text: &str, block: &Block) -> String {
    let written = block.body.get_attribute("provider").and_then(|a| a.value.span()).map(|s| text[s].trim().to_string());
    written.and_then(|w| w.split_once('.').map(|(_, alias)| alias.to_string())).unwrap_or_default()
}

/// Each AWS provider's literal `default_tags { tags = {...} }`, by alias (`""` for the default).
fn default_tags(sources: &Sources) -> Result<BTreeMap<String, Map<String, Value>>> {
    let mut out = BTreeMap::new();
    let mut files: Vec<&PathBuf> = sources.providers.iter().filter(|p| p.name == "aws").map(|p| &p.file).collect();
    files.dedup();
    for file in files {
        let text = crate::text::read(file).with_context(|| format!("reading {}", file.display()))?;
        for block in parse(file, &text)?.get_blocks("provider") {
            if block.labels.first().map(|l| l.as_str()) != Some("aws") {
                continue;
            }
            let alias = block.body.get_attribute("alias").and_then(|a| literal::value(&a.value));
            let alias = alias.as_ref().and_then(Value::as_str).unwrap_or_default().to_string();
            let tags = block.body.get_blocks("default_tags").find_map(|d| d.body.get_attribute("tags"));
            if let Some(Value::Object(tags)) = tags.and_then(|t| literal::value(&t.value)) {
                out.entry(alias).or_insert(tags);
            }
        }
    }
    Ok(out)
}
