//! Accepting a deletion: the resource block goes, with the comment lines written just above it,
//! and the references to it that remain in its module are named so the user can settle them.

use std::path::Path;

use hcl::edit::structure::Block;
use hcl::edit::Span;

use super::edit::{line_of, Splice};

/// The splice that removes `block` from `text`, and the 1-based line it started on.
pub fn block(text: &str, block: &Block) -> Option<(usize, Splice)> {
    let span = block.span()?;
    let ident = block.ident.span().map_or(span.start, |s| s.start);
    let mut start = line_start(text, ident);
    // Comment lines directly above describe the block: they go with it.
    while start > 0 {
        let above = line_start(text, start - 1);
        let line = text[above..start].trim();
        if line.starts_with('#') || line.starts_with("//") {
            start = above;
        } else {
            break;
        }
    }
    let mut end = text[span.end..].find('\n').map_or(text.len(), |i| span.end + i + 1);
    // One blank line between blocks stays one: the blank line after goes when one is before.
    let blank_before = start == 0 || text[..start].ends_with("\n\n");
    let next_end = text[end..].find('\n').map(|i| end + i + 1);
    if let Some(next) = next_end.filter(|&n| blank_before && text[end..n].trim().is_empty()) {
        end = next;
    }
    Some((line_of(text, ident), Splice { range: start..end, text: String::new() }))
}

/// `file:line` of each mention of `rtype.name` in the `.tf` files of `dir` outside `removed`
/// (a byte range of `file`): what still refers to the block once it is gone.
pub fn references(dir: &Path, rtype: &str, name: &str, file: &Path, removed: &std::ops::Range<usize>) -> Vec<String> {
    let needle = format!("{rtype}.{name}");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "tf"));
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let Ok(text) = crate::text::read(&path) else { continue };
        let same = path == file;
        for (at, _) in text.match_indices(&needle) {
            let before = text[..at].chars().next_back();
            let after = text[at + needle.len()..].chars().next();
            let part_of_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            // `data.aws_ami.base` and `aws_instance.web2` are other things.
            if part_of_word(before) || before == Some('.') || part_of_word(after) {
                continue;
            }
            if same && removed.contains(&at) {
                continue;
            }
            out.push(format!("{}:{}", crate::suppress::clean(&path).display(), line_of(&text, at)));
        }
    }
    out
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_and_its_comment_go_and_one_blank_line_stays() {
        let text = "a = 1\n\n# The replica.\nresource \"aws_instance\" \"r\" {\n  ami = \"x\"\n}\n\noutput \"o\" {\n  value = aws_instance.r.id\n}\n";
        let body = hcl::edit::parser::parse_body(text).unwrap();
        let b = body.get_blocks("resource").next().unwrap();
        let (line, splice) = block(text, b).unwrap();
        assert_eq!(line, 4);
        let after = super::super::edit::apply(text, &[splice]);
        assert_eq!(after, "a = 1\n\noutput \"o\" {\n  value = aws_instance.r.id\n}\n");
        assert!(hcl::edit::parser::parse_body(&after).is_ok());
    }
}
