//! The `.driftignore` file: which resources, and which attributes of them, a scan leaves out.
//!
//! The syntax is driftctl's, so its users can bring their file along. One rule a line, blank lines
//! and lines starting with `#` skipped (a `#` later in a line is part of the rule, as in driftctl),
//! surrounding whitespace trimmed, a UTF-8 BOM and CRLF endings accepted:
//!
//! | rule | ignores |
//! |---|---|
//! | `aws_instance.i-0123` | one resource, by type and id |
//! | `aws_eip.*` or `aws_eip` | every resource of a type (one segment names a whole type) |
//! | `aws_*.i-*` | `*` matches any run of characters, anywhere in any segment |
//! | `aws_instance.i-0123.tags.Owner` | one attribute, or one key of a map attribute, and all below it |
//! | `aws_s3_bucket.logs\.example\.com` | `\.` is a dot inside a segment; `\\` a backslash, `\*` a star |
//! | `*` then `!aws_s3_bucket.*` | everything except S3 buckets: `!` re-includes |
//!
//! # Order and negation
//!
//! The last rule that matches decides, as in a `.gitignore`. driftctl builds go-git's gitignore
//! matcher from the lines in file order (`pkg/filter/driftignore.go`), and that matcher walks the
//! patterns from last to first and stops at the first that matches, ignoring on a plain pattern and
//! re-including on a `!` one (`plumbing/format/gitignore/matcher.go`). driftctl's own test data shows
//! it: `*` then `!*.bar` keeps `bar` fields, and `*` then `!iam_user.*` keeps IAM users. A negation
//! therefore only undoes broader rules *above* it; a rule below a negation wins over it again.
//!
//! # Where driftscan is stricter or more precise than driftctl
//!
//! - driftctl glob-matched the whole `type.id.path` string, so a `*` could run across dots
//!   (`aws_instance.*.Owner` also hit `tags.Owner`). Here a rule is split into segments first: the
//!   type segment matches the type, the id segment the whole id (a `*` there does span the dots of a
//!   bucket name), and each later segment one element of the attribute path.
//! - Lines driftctl silently skipped are errors here (`aws_instance..x`, a lone `!`, a trailing
//!   `\`), with the file and line, since a rule that quietly does nothing hides drift.
//! - As in driftctl, matching is case-sensitive and a rule on a resource also covers all its fields.

use std::io;
use std::path::{Path, PathBuf};

/// A `.driftignore` that could not be read or has a line that is not a rule.
#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    #[error("{path}:{line}: {why}")]
    Syntax { path: PathBuf, line: usize, why: String },
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// The rules of one `.driftignore`, in file order.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

impl IgnoreRules {
    /// Parses the text of an ignore file; `path` is only used in error messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, IgnoreError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rules = Vec::new();
        // `lines` drops the `\r` of a CRLF ending; `trim` takes care of a stray one.
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let rule = Rule::parse(line).map_err(|why| IgnoreError::Syntax {
                path: path.to_path_buf(),
                line: index + 1,
                why,
            })?;
            rules.push(rule);
        }
        Ok(IgnoreRules { rules })
    }

    /// Reads and parses an ignore file. A missing file is no rules when `required` is false (the
    /// implicit `./.driftignore`), and an error when it is true (a file the user named).
    pub fn load(path: &Path, required: bool) -> Result<Self, IgnoreError> {
        match crate::text::read(path) {
            Ok(text) => Self::parse(path, &text),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !required => Ok(Self::default()),
            Err(source) => Err(IgnoreError::Io { path: path.to_path_buf(), source }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The number of rules (comments and blank lines do not count).
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True only when every resource of `rtype` is ignored for sure, so the type need not even be
    /// listed from AWS. Conservative: any negation that names a matching type (even one on a single
    /// field) below the broad rule keeps the type listed.
    pub fn type_ignored(&self, rtype: &str) -> bool {
        for rule in self.rules.iter().rev().filter(|r| r.rtype.matches(rtype)) {
            if rule.negated {
                return false;
            }
            if rule.path.is_empty() && rule.id.is_match_all() {
                return true;
            }
            // A narrower ignore rule neither settles the whole type nor undoes the rules above it.
        }
        false
    }

    /// Whether the resource as a whole is ignored: the last rule naming it without a field decides.
    pub fn resource_ignored(&self, rtype: &str, id: &str) -> bool {
        self.rules.iter().rev().find(|r| r.path.is_empty() && r.matches_resource(rtype, id)).is_some_and(|r| !r.negated)
    }

    /// Whether a change at `path` (`["tags", "Owner"]`, `["instance_type"]`) of the resource is
    /// ignored. An ignored resource ignores all its fields; a rule on `tags` covers `tags.Owner`.
    /// Ask with the most precise path you have, so that `!…tags.Owner` below `…tags` can apply.
    pub fn field_ignored(&self, rtype: &str, id: &str, path: &[&str]) -> bool {
        self.resource_ignored(rtype, id)
            || self.rules.iter().rev().find(|r| r.covers_field(rtype, id, path)).is_some_and(|r| !r.negated)
    }
}

/// One line: `[!]type[.id[.path...]]`, each segment a glob.
#[derive(Debug, Clone)]
struct Rule {
    negated: bool,
    rtype: Glob,
    id: Glob,
    path: Vec<Glob>,
}

impl Rule {
    fn parse(line: &str) -> Result<Rule, String> {
        let (negated, body) = match line.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        if body.is_empty() {
            return Err("a lone `!` negates nothing: write `!type.id`".to_string());
        }
        // A Terraform type is letters, digits and underscores; anything else in the first
        // segment is a typo or a file that is not an ignore file, and would silently match nothing.
        let type_part = body.split('.').next().unwrap_or_default();
        if let Some(bad) = type_part.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '*')) {
            return Err(format!(
                "{type_part:?} is not a resource type (unexpected {bad:?}): write `type.id`, e.g. aws_instance.i-0123"
            ));
        }
        let mut segments = split_segments(body)?.into_iter();
        let rtype = segments.next().expect("split_segments returns at least one segment");
        // `aws_iam_user` alone names the whole type, as driftctl reads it (`type` and `type.*`).
        let id = segments.next().unwrap_or_else(Glob::match_all);
        Ok(Rule { negated, rtype, id, path: segments.collect() })
    }

    fn matches_resource(&self, rtype: &str, id: &str) -> bool {
        self.rtype.matches(rtype) && self.id.matches(id)
    }

    /// The rule's field path is a prefix of `path` (an empty one covers every field).
    fn covers_field(&self, rtype: &str, id: &str, path: &[&str]) -> bool {
        self.path.len() <= path.len()
            && self.matches_resource(rtype, id)
            && self.path.iter().zip(path).all(|(glob, element)| glob.matches(element))
    }
}

/// Splits on unescaped dots and resolves escapes; every segment must be non-empty.
fn split_segments(body: &str) -> Result<Vec<Glob>, String> {
    let mut segments = Vec::new();
    let mut current = Vec::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => current.push(Piece::Char(escaped)),
                None => return Err("unfinished escape: the line ends with a lone `\\`".to_string()),
            },
            '*' => {
                // driftctl folds `**` into `*`; a run of stars matches what one star does.
                if current.last() != Some(&Piece::Star) {
                    current.push(Piece::Star);
                }
            }
            '.' => segments.push(finish_segment(&mut current, segments.len())?),
            c => current.push(Piece::Char(c)),
        }
    }
    segments.push(finish_segment(&mut current, segments.len())?);
    Ok(segments)
}

fn finish_segment(current: &mut Vec<Piece>, index: usize) -> Result<Glob, String> {
    if current.is_empty() {
        let what = match index {
            0 => "the resource type",
            1 => "the resource id",
            _ => "an attribute name",
        };
        return Err(format!(
            "empty segment where {what} should be (two dots in a row, or a dot at an end?); \
             write a dot inside an id as `\\.`"
        ));
    }
    Ok(Glob(std::mem::take(current)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Char(char),
    Star,
}

/// A glob where `*` matches any run of characters (dots included) and everything else is literal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Glob(Vec<Piece>);

impl Glob {
    fn match_all() -> Glob {
        Glob(vec![Piece::Star])
    }

    fn is_match_all(&self) -> bool {
        self.0 == [Piece::Star]
    }

    /// Iterative matching with one backtrack point (the last star): linear in practice, never
    /// exponential like the naive recursion.
    fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let pat = &self.0;
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pat.get(p) {
                Some(Piece::Star) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Piece::Char(c)) if *c == text[t] => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        pat[p..].iter().all(|piece| *piece == Piece::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> IgnoreRules {
        IgnoreRules::parse(Path::new(".driftignore"), text).unwrap()
    }

    fn syntax_error(text: &str) -> String {
        IgnoreRules::parse(Path::new("x/.driftignore"), text).unwrap_err().to_string()
    }

    fn testdata(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/ignore").join(name)
    }

    #[test]
    fn resource_rule() {
        let r = rules("aws_instance.i-123\n");
        assert_eq!(r.len(), 1);
        assert!(r.resource_ignored("aws_instance", "i-123"));
        assert!(!r.resource_ignored("aws_instance", "i-1234"));
        assert!(!r.resource_ignored("aws_ebs_volume", "i-123"));
        assert!(r.field_ignored("aws_instance", "i-123", &["tags", "Owner"]));
        assert!(!r.type_ignored("aws_instance"));
    }

    #[test]
    fn type_rule_with_star_or_alone() {
        for text in ["aws_eip.*", "aws_eip", "aws_eip.**"] {
            let r = rules(text);
            assert!(r.type_ignored("aws_eip"), "{text}");
            assert!(r.resource_ignored("aws_eip", "eipalloc-1"), "{text}");
            assert!(!r.type_ignored("aws_eip_association"), "{text}");
        }
    }

    #[test]
    fn field_rules() {
        let r = rules("aws_instance.i-123.tags.Owner\naws_instance.*.user_data\n");
        assert!(!r.resource_ignored("aws_instance", "i-123"));
        assert!(r.field_ignored("aws_instance", "i-123", &["tags", "Owner"]));
        assert!(!r.field_ignored("aws_instance", "i-123", &["tags", "Team"]));
        // The rule is on one key: the map as a whole is not ignored.
        assert!(!r.field_ignored("aws_instance", "i-123", &["tags"]));
        assert!(r.field_ignored("aws_instance", "i-9", &["user_data"]));
        assert!(!r.field_ignored("aws_instance", "i-9", &["tags", "Owner"]));
        assert!(!r.type_ignored("aws_instance"));
    }

    #[test]
    fn a_map_rule_covers_its_keys() {
        let r = rules("aws_instance.i-123.tags");
        assert!(r.field_ignored("aws_instance", "i-123", &["tags"]));
        assert!(r.field_ignored("aws_instance", "i-123", &["tags", "Owner"]));
        assert!(!r.field_ignored("aws_instance", "i-123", &["tags_all"]));
    }

    #[test]
    fn wildcards_in_the_middle_of_segments() {
        let r = rules("aws_*.i-*\n*_policy.arn:aws:iam::*:policy/*\naws_instance.*.tag*.Own*r");
        assert!(r.resource_ignored("aws_instance", "i-123"));
        assert!(r.resource_ignored("aws_spot_instance_request", "i-9"));
        assert!(!r.resource_ignored("aws_instance", "x-123"));
        assert!(!r.resource_ignored("google_compute_instance", "i-123"));
        assert!(r.resource_ignored("aws_iam_policy", "arn:aws:iam::123456789012:policy/a/b"));
        assert!(r.field_ignored("aws_instance", "x-1", &["tags", "Owner"]));
        assert!(r.field_ignored("aws_instance", "x-1", &["tags_all", "Owner"]));
        assert!(!r.field_ignored("aws_instance", "x-1", &["tags", "Owners"]));
        assert!(!r.type_ignored("aws_instance"));
    }

    #[test]
    fn a_star_in_the_id_spans_dots_but_not_segments() {
        let r = rules("aws_s3_bucket.logs-*\naws_instance.*.Owner");
        assert!(r.resource_ignored("aws_s3_bucket", "logs-eu.example.com"));
        assert!(r.field_ignored("aws_instance", "i-1", &["Owner"]));
        // driftctl's flat glob would have matched this one; segments keep rules to what they say.
        assert!(!r.field_ignored("aws_instance", "i-1", &["tags", "Owner"]));
    }

    #[test]
    fn glob_matching() {
        let g = |s: &str| split_segments(s).unwrap().remove(0);
        assert!(g("*").matches(""));
        assert!(g("a*b*c").matches("aXXbYYc"));
        assert!(g("a*b*c").matches("abc"));
        assert!(!g("a*b*c").matches("aXXbYY"));
        assert!(g("*ab").matches("aab"));
        assert!(!g("ab").matches("abc"));
        assert!(g("a\\*").matches("a*"));
        assert!(!g("a\\*").matches("ab"));
        assert!(g("é*").matches("été"));
    }

    #[test]
    fn negation_last_matching_rule_wins() {
        // driftctl's own example: everything except IAM users.
        let r = rules("*\n!aws_iam_user.*\n");
        assert!(r.resource_ignored("aws_instance", "i-1"));
        assert!(!r.resource_ignored("aws_iam_user", "alice"));
        assert!(r.type_ignored("aws_instance"));
        assert!(!r.type_ignored("aws_iam_user"));

        // A rule below the negation wins over it again.
        let r = rules("aws_iam_user.*\n!aws_iam_user.alice\naws_iam_user.al*\n");
        assert!(r.resource_ignored("aws_iam_user", "alice"));
        // Every user is in fact ignored, but seeing that needs more than one rule: stay listed.
        assert!(!r.type_ignored("aws_iam_user"));

        // A negation above the broad rule is overridden by it.
        let r = rules("!aws_iam_user.alice\naws_iam_user.*\n");
        assert!(r.resource_ignored("aws_iam_user", "alice"));
        assert!(r.type_ignored("aws_iam_user"));

        // A negation with nothing above it to undo changes nothing.
        let r = rules("!aws_iam_user.alice\n");
        assert!(!r.resource_ignored("aws_iam_user", "alice"));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn negating_fields() {
        // driftctl's `*` then `!*.bar`: bar resources come back, with all their fields.
        let r = rules("*\n!*.bar\n");
        assert!(!r.resource_ignored("res_type", "bar"));
        assert!(!r.field_ignored("res_type", "bar", &["struct", "baz"]));
        assert!(r.field_ignored("res_type", "foo", &["struct", "baz"]));
        assert!(!r.type_ignored("res_type"));

        let r = rules("aws_instance.i-1.tags\n!aws_instance.i-1.tags.Owner\n");
        assert!(r.field_ignored("aws_instance", "i-1", &["tags", "Team"]));
        assert!(!r.field_ignored("aws_instance", "i-1", &["tags", "Owner"]));

        // An ignored resource ignores all its fields, whatever a field negation says.
        let r = rules("aws_instance.i-1\n!aws_instance.i-1.tags\n");
        assert!(r.field_ignored("aws_instance", "i-1", &["tags"]));
    }

    #[test]
    fn type_ignored_is_conservative() {
        // Only a narrower rule: some resources are still listed.
        assert!(!rules("aws_eip.eipalloc-1").type_ignored("aws_eip"));
        // A field rule on every resource leaves the resources themselves in.
        assert!(!rules("aws_eip.*.tags").type_ignored("aws_eip"));
        // A negation of one field after a type-wide rule keeps the type listed.
        assert!(!rules("aws_eip.*\n!aws_eip.eipalloc-1.tags").type_ignored("aws_eip"));
        // A negation whose type pattern merely could match keeps it listed.
        assert!(!rules("*\n!aws_*.keep-*").type_ignored("aws_eip"));
        assert!(rules("*\n!gcp_*.keep-*").type_ignored("aws_eip"));
        // `*` ignores everything; a narrower rule after it changes nothing.
        assert!(rules("*\naws_eip.x").type_ignored("aws_eip"));
        // An id wildcard that is not a bare `*` is not every resource.
        assert!(!rules("aws_eip.eipalloc-*").type_ignored("aws_eip"));
        assert!(!IgnoreRules::default().type_ignored("aws_eip"));
    }

    #[test]
    fn escaped_dots_and_backslashes() {
        let r = rules("aws_s3_bucket.my\\.bucket\\.example\\.com\nresource_type.idwith\\\\\nx.a\\\\.field");
        assert!(r.resource_ignored("aws_s3_bucket", "my.bucket.example.com"));
        assert!(!r.resource_ignored("aws_s3_bucket", "my"));
        assert!(r.resource_ignored("resource_type", "idwith\\"));
        // `\\` is a backslash, so the dot after it splits.
        assert!(r.field_ignored("x", "a\\", &["field"]));
        assert!(!r.resource_ignored("x", "a\\"));
        let r = rules("aws_instance.i-1.tags.kubernetes\\.io/role");
        assert!(r.field_ignored("aws_instance", "i-1", &["tags", "kubernetes.io/role"]));
        assert!(!r.field_ignored("aws_instance", "i-1", &["tags", "kubernetes"]));
    }

    #[test]
    fn comments_blank_lines_and_whitespace() {
        let r = rules("# header\n\n   \n  aws_eip.a  \n\t# indented comment\n!aws_eip.b\t\n");
        assert_eq!(r.len(), 2);
        assert!(r.resource_ignored("aws_eip", "a"));
        // A `#` later in a line is part of the rule, as in driftctl.
        let r = rules("aws_eip.a # why");
        assert!(!r.resource_ignored("aws_eip", "a"));
        assert!(r.resource_ignored("aws_eip", "a # why"));
        assert!(rules("# only\n\n").is_empty());
    }

    #[test]
    fn crlf_and_bom() {
        let r = rules("\u{feff}aws_eip.a\r\n# c\r\naws_instance.i-1.tags\r\n");
        assert_eq!(r.len(), 2);
        assert!(r.resource_ignored("aws_eip", "a"));
        assert!(r.field_ignored("aws_instance", "i-1", &["tags"]));
        // The BOM is not glued to the first rule's type.
        assert!(!r.resource_ignored("\u{feff}aws_eip", "a"));
        // Line numbers still count CRLF lines.
        assert!(
            syntax_error("a.b\r\n\r\na..b\r\n").starts_with("x/.driftignore:3: empty segment where the resource id")
        );
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        assert!(syntax_error("aws_instance..x").starts_with("x/.driftignore:1: empty segment where the resource id"));
        assert!(syntax_error("ok.a\naws_instance.i-1..tags")
            .starts_with("x/.driftignore:2: empty segment where an attribute"));
        assert!(syntax_error(".id").starts_with("x/.driftignore:1: empty segment where the resource type"));
        assert!(syntax_error("aws_eip.").contains("empty segment"));
        assert_eq!(syntax_error("\n!\n"), "x/.driftignore:2: a lone `!` negates nothing: write `!type.id`");
        assert_eq!(syntax_error("aws_eip.a\\"), "x/.driftignore:1: unfinished escape: the line ends with a lone `\\`");
        // `\\` at the end is a complete escape.
        assert!(rules("aws_eip.a\\\\").resource_ignored("aws_eip", "a\\"));
    }

    #[test]
    fn load_missing_optional_required_and_fixture() {
        let missing = testdata("does-not-exist");
        assert!(IgnoreRules::load(&missing, false).unwrap().is_empty());
        let err = IgnoreRules::load(&missing, true).unwrap_err();
        assert!(matches!(err, IgnoreError::Io { .. }));
        assert!(err.to_string().starts_with(&format!("{}: cannot read: ", missing.display())));

        let r = IgnoreRules::load(&testdata("driftctl.driftignore"), true).unwrap();
        assert_eq!(r.len(), 7);
        assert!(r.type_ignored("aws_eip"));
        assert!(r.resource_ignored("aws_s3_bucket", "logs.example.com"));
        assert!(r.field_ignored("aws_instance", "i-0abc", &["tags", "Owner"]));
        assert!(!r.resource_ignored("aws_iam_user", "break-glass"));
        assert!(r.resource_ignored("aws_iam_user", "ci-bot"));
        assert!(!r.type_ignored("aws_iam_user"));

        let err = IgnoreRules::load(&testdata("broken.driftignore"), true).unwrap_err();
        assert!(matches!(err, IgnoreError::Syntax { line: 4, .. }), "{err}");
    }
}
