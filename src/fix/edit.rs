//! Format-preserving edits of one attribute of a resource block.
//!
//! An edit is a list of [`Splice`]s: byte ranges of the original text and what replaces them.
//! Only the bytes of the value that changed are touched, so comments, alignment, ordering and
//! every other block stay as they were; a re-serialiser (hcl-rs's `to_string`) would rewrite the
//! whole file. The spans come from hcl-edit, which records where each expression was parsed.

use std::ops::Range;

use hcl::edit::expr::{Expression, Object};
use hcl::edit::structure::Block;
use hcl::edit::Span;
use serde_json::{Map, Value};

use super::literal;

/// Replace `range` of the original text by `text` (an empty range inserts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub range: Range<usize>,
    pub text: String,
}

/// What accepting a live value means for one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The source changes: `before` is the value as written (`None` when the attribute is not
    /// written), `after` the value it becomes.
    Edit { line: usize, before: Option<String>, after: String, splices: Vec<Splice> },
    /// The source cannot be edited safely; `why` names the expression.
    NotEditable { line: usize, why: String },
    /// The source already says what is live (for tags: up to the provider's `default_tags`).
    Unchanged { line: usize, why: String },
}

/// Accepts `live` as the value of `attr` in `block`, which was parsed from `text`. `defaults`
/// are the provider's `default_tags`, left out of `tags` when the live value carries them.
pub fn accept(text: &str, block: &Block, attr: &str, live: &Value, defaults: &Map<String, Value>) -> Outcome {
    let block_line = line_of(text, block.ident.span().map_or(0, |s| s.start));
    let Some(attribute) = block.body.get_attribute(attr) else {
        if block.body.has_blocks(attr) {
            let why = format!("`{attr}` is written as nested blocks, which fix does not edit yet");
            return Outcome::NotEditable { line: block_line, why };
        }
        return insert(text, block, attr, &desired(attr, &Value::Null, live, defaults), block_line);
    };
    let Some(span) = attribute.value.span() else {
        return Outcome::NotEditable { line: block_line, why: format!("`{attr}`: no position recorded") };
    };
    let line = line_of(text, attribute.key.span().map_or(span.start, |s| s.start));
    let written = text[span.clone()].trim();
    let Some(current) = literal::value(&attribute.value) else {
        let why = format!("`{attr} = {}` is not a literal; change what it refers to by hand", one_line(written));
        return Outcome::NotEditable { line, why };
    };
    let want = desired(attr, &current, live, defaults);
    if same(&current, &want) {
        // A scan compares `tags_all`: when the block's own tags match, what differs is a default tag.
        let why = if attr == "tags" {
            "the tags differ only in the provider's default_tags".to_string()
        } else {
            "the source already holds the live value".to_string()
        };
        return Outcome::Unchanged { line, why };
    }
    let splices = match (&attribute.value, &want) {
        (Expression::Object(object), Value::Object(want)) if text[span.clone()].contains('\n') => {
            object_splices(text, object, want).unwrap_or_else(|| whole(&span, &Value::Object(want.clone())))
        }
        _ => whole(&span, &want),
    };
    let after = apply(&text[span.clone()], &shift(&splices, span.start));
    Outcome::Edit { line, before: Some(written.to_string()), after: after.trim().to_string(), splices }
}

/// The value the source should hold: the live one, less the provider's default tags that the
/// resource does not write itself (Terraform merges them in; writing them would duplicate them).
fn desired(attr: &str, current: &Value, live: &Value, defaults: &Map<String, Value>) -> Value {
    match (attr, live) {
        ("tags", Value::Object(live)) => {
            let written = current.as_object();
            let keep = |k: &String, v: &Value| defaults.get(k) != Some(v) || written.is_some_and(|w| w.contains_key(k));
            Value::Object(live.iter().filter(|(k, v)| keep(k, v)).map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        _ => live.clone(),
    }
}

/// Equal, with lists compared as sets: rules, CIDRs and security group ids have no order in AWS.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            let key = |v: &Value| v.to_string();
            let mut x: Vec<String> = x.iter().map(key).collect();
            let mut y: Vec<String> = y.iter().map(key).collect();
            x.sort();
            y.sort();
            x == y
        }
        _ => a == b,
    }
}

fn whole(span: &Range<usize>, value: &Value) -> Vec<Splice> {
    vec![Splice { range: span.clone(), text: literal::render(value) }]
}

/// One line per key of a multi-line object: a changed value is replaced where it stands, a
/// removed key's line is deleted, a new key gets its own line before the closing brace.
/// `None` when the layout does not allow it (two keys on a line); the caller rewrites the value.
fn object_splices(text: &str, object: &Object, want: &Map<String, Value>) -> Option<Vec<Splice>> {
    let mut splices = Vec::new();
    let mut seen = Vec::new();
    let mut indent = None;
    for (key, value) in object.iter() {
        let name = literal::key_text(key)?;
        let key_span = key.span()?;
        let value_span = value.expr().span()?;
        let start = line_start(text, key_span.start);
        let lead = &text[start..key_span.start];
        if !lead.trim().is_empty() {
            return None;
        }
        indent.get_or_insert_with(|| lead.to_string());
        match want.get(&name) {
            Some(v) if literal::value(value.expr()).as_ref() != Some(v) => {
                splices.push(Splice { range: value_span, text: literal::render(v) });
            }
            Some(_) => {}
            None => {
                let end = line_end(text, value_span.end);
                let rest = text[value_span.end..end].trim();
                if !(rest.is_empty() || rest == ",") {
                    return None;
                }
                splices.push(Splice { range: start..end, text: String::new() });
            }
        }
        seen.push(name);
    }
    let span = object.span()?;
    let close = span.end.checked_sub(1).filter(|&i| text.as_bytes()[i] == b'}')?;
    let close_line = line_start(text, close);
    let brace_indent = &text[close_line..close];
    if !brace_indent.trim().is_empty() {
        return None;
    }
    let indent = indent.unwrap_or_else(|| format!("{brace_indent}  "));
    for (k, v) in want.iter().filter(|(k, _)| !seen.contains(k)) {
        let line = format!("{indent}{} = {}\n", literal::key(k), literal::render(v));
        splices.push(Splice { range: close_line..close_line, text: line });
    }
    Some(splices)
}

/// A new `attr = value` line after the block's last attribute, indented as it is.
fn insert(text: &str, block: &Block, attr: &str, value: &Value, block_line: usize) -> Outcome {
    let not = |why: &str| Outcome::NotEditable { line: block_line, why: format!("`{attr}` is not written: {why}") };
    let (Some(last), Some(block_span)) = (block.body.attributes().last(), block.span()) else {
        return not("the block has no attribute to place it beside");
    };
    let (Some(key_span), Some(value_span)) = (last.key.span(), last.value.span()) else {
        return not("no position recorded");
    };
    let at = if text[..value_span.end].ends_with('\n') { value_span.end } else { line_end(text, value_span.end) };
    let lead = &text[line_start(text, key_span.start)..key_span.start];
    // A one-line block (`{ a = 1 }`) has no line of its own to add.
    if at >= block_span.end || !lead.trim().is_empty() {
        return not("the block is written on one line");
    }
    let after = format!("{attr} = {}", literal::render(value));
    let splices = vec![Splice { range: at..at, text: format!("{lead}{after}\n") }];
    Outcome::Edit { line: line_of(text, at), before: None, after, splices }
}

/// `text` with `splices` (sorted, not overlapping) applied.
pub fn apply(text: &str, splices: &[Splice]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for splice in splices {
        out.push_str(&text[at..splice.range.start]);
        out.push_str(&splice.text);
        at = splice.range.end;
    }
    out.push_str(&text[at..]);
    out
}

fn shift(splices: &[Splice], by: usize) -> Vec<Splice> {
    let mut out: Vec<Splice> =
        splices.iter().map(|s| Splice { range: s.range.start - by..s.range.end - by, text: s.text.clone() }).collect();
    out.sort_by_key(|s| s.range.start);
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 1-based line of byte `offset`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just after the newline that ends the line holding `offset` (or the text's end).
fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1)
}
