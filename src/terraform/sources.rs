//! The `.tf` sources of a root module (`--tf-dir`): where each resource is written, what its
//! `lifecycle { ignore_changes }` says, the backend and the providers.
//!
//! Only what a drift report needs is read; nothing is evaluated. A value is taken when it is a
//! literal and left out (`None`, absent) when it is an expression. Files are parsed with hcl-edit
//! (re-exported by hcl-rs as `hcl::edit`) because it keeps byte spans, which give line numbers.
//!
//! Local module calls (`source = "./modules/net"`) are followed, recursively, so their resources
//! get the `module.net.` prefix Terraform gives them in state. Registry, git and other remote
//! sources, and local calls that cannot be followed, are recorded in [`Sources::skipped_modules`].
//! Like Terraform, only `*.tf` files directly in a directory count (no `.tf.json`, no recursion);
//! `*_override.tf` files are read like any other, so the first definition of an address wins.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use hcl::edit::expr::{Expression, TraversalOperator};
use hcl::edit::parser;
use hcl::edit::structure::{Block, Body};
use hcl::edit::Span;

/// Module calls nested deeper than this are skipped; no real configuration comes near it.
const MAX_MODULE_DEPTH: usize = 32;

/// What the `.tf` files of a root module (and the local modules it calls) declare.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sources {
    /// By address without instance keys: `aws_instance.web`, `module.net.aws_subnet.private`.
    pub resources: BTreeMap<String, ResourceBlock>,
    /// The root module's `terraform { backend "..." {} }`, if any; a `cloud {}` block is read as
    /// a backend of kind `cloud`.
    pub backend: Option<Backend>,
    /// The root module's `terraform { encryption { ... } }` (OpenTofu), as the text of its body,
    /// for [`super::encryption`] to read.
    pub encryption: Option<Encryption>,
    /// The root module's `provider` blocks, in file order.
    pub providers: Vec<ProviderBlock>,
    /// Module calls not followed, sorted, as `module.vpc: terraform-aws-modules/vpc/aws` (the
    /// source, plus a reason in parentheses when a local call could not be followed).
    pub skipped_modules: Vec<String>,
}

/// A `resource "type" "name" { ... }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceBlock {
    pub rtype: String,
    pub name: String,
    pub file: PathBuf,
    /// 1-based line of the `resource` keyword.
    pub line: usize,
    pub ignore_changes: IgnoreChanges,
}

/// `lifecycle { ignore_changes = ... }` of a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IgnoreChanges {
    /// No `ignore_changes` (or an empty list).
    #[default]
    None,
    /// `ignore_changes = all` (or `["*"]`, the Terraform 0.11 spelling).
    All,
    /// Attribute paths: `tags` -> `["tags"]`, `tags["Owner"]` and `tags.Owner` -> `["tags", "Owner"]`,
    /// `ingress[0]` -> `["ingress", "0"]`. Bare traversals (0.12+) and strings (0.11) both count.
    Attributes(Vec<Vec<String>>),
}

/// `terraform { backend "kind" { ... } }`, or `terraform { cloud { ... } }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// `s3`, `local`, `remote`, `http`, ..., or `cloud` for a `cloud {}` block.
    pub kind: String,
    /// The literal string, bool and number attributes (`bucket`, `key`, `region`, ...), as text;
    /// those of nested blocks as `block.attribute` (`workspaces.name`).
    pub attributes: BTreeMap<String, String>,
    pub file: PathBuf,
    pub line: usize,
}

/// `terraform { encryption { ... } }`: its body's text, and where it is written.
#[derive(Clone, PartialEq, Eq)]
pub struct Encryption {
    pub body: String,
    pub file: PathBuf,
    pub line: usize,
}

/// The body may hold a passphrase: never shown.
impl std::fmt::Debug for Encryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encryption {{ {}:{} }}", self.file.display(), self.line)
    }
}

/// A `provider "name" { ... }` block of the root module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderBlock {
    pub name: String,
    pub alias: Option<String>,
    /// Only when `region` is a literal string.
    pub region: Option<String>,
    pub file: PathBuf,
    pub line: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    #[error("{file}:{line}:{column}: cannot parse HCL: {why}")]
    Parse { file: PathBuf, line: usize, column: usize, why: String },
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: no .tf files in this directory")]
    Empty { path: PathBuf },
    #[error("{path}: not a directory")]
    NotDir { path: PathBuf },
}

/// Reads the `*.tf` files of `dir` (sorted, not recursive) and of the local modules it calls.
pub fn load_dir(dir: &Path) -> Result<Sources, SourcesError> {
    let meta = fs::metadata(dir).map_err(|source| SourcesError::Io { path: dir.to_path_buf(), source })?;
    if !meta.is_dir() {
        return Err(SourcesError::NotDir { path: dir.to_path_buf() });
    }
    let files = tf_files(dir)?;
    if files.is_empty() {
        return Err(SourcesError::Empty { path: dir.to_path_buf() });
    }
    let mut sources = Sources::default();
    let mut stack = vec![canonical(dir)];
    load_module(&files, "", &mut stack, &mut sources)?;
    sources.skipped_modules.sort();
    Ok(sources)
}

impl Sources {
    /// The block of a state address, instance keys and all: `module.net.aws_subnet.private[0]`,
    /// `aws_instance.web["a.b"]`, `module.app["x"].aws_s3_bucket.logs`.
    pub fn block_for(&self, address: &str) -> Option<&ResourceBlock> {
        self.resources.get(&strip_instance_keys(address))
    }
}

/// Removes every `[...]` from an address; a quoted key may hold dots, brackets and `\"`.
pub fn strip_instance_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut chars = address.chars();
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            '"' if depth > 0 => in_string = true,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The `*.tf` files directly in `dir`, sorted by name.
fn tf_files(dir: &Path) -> Result<Vec<PathBuf>, SourcesError> {
    let io_err = |source| SourcesError::Io { path: dir.to_path_buf(), source };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        if path.extension().is_some_and(|ext| ext == "tf") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn canonical(dir: &Path) -> PathBuf {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Reads one module's files into `sources`. `prefix` is `""` for the root or `module.a.module.b.`;
/// `stack` holds the canonical directories of the calls being followed, to stop at a cycle.
fn load_module(
    files: &[PathBuf],
    prefix: &str,
    stack: &mut Vec<PathBuf>,
    sources: &mut Sources,
) -> Result<(), SourcesError> {
    let is_root = prefix.is_empty();
    for file in files {
        let text = crate::text::read(file).map_err(|source| SourcesError::Io { path: file.clone(), source })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let body = parse(file, text)?;
        let lines = LineIndex::new(text);
        for block in body.blocks() {
            let line = lines.line_of(block);
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            match (block.ident.as_str(), labels.as_slice()) {
                ("resource", [rtype, name]) => {
                    let resource = ResourceBlock {
                        rtype: rtype.to_string(),
                        name: name.to_string(),
                        file: file.clone(),
                        line,
                        ignore_changes: ignore_changes(&block.body),
                    };
                    sources.resources.entry(format!("{prefix}{rtype}.{name}")).or_insert(resource);
                }
                ("terraform", []) if is_root => {
                    if sources.backend.is_none() {
                        sources.backend = terraform_backend(&block.body, file, &lines);
                    }
                    if sources.encryption.is_none() {
                        sources.encryption = block.body.get_blocks("encryption").next().map(|enc| Encryption {
                            // The body between the braces, as written: the encryption module
                            // parses it as OpenTofu does TF_ENCRYPTION.
                            body: enc.body.span().map_or_else(String::new, |span| text[span].to_string()),
                            file: file.clone(),
                            line: lines.line_of(enc),
                        });
                    }
                }
                ("provider", [name]) if is_root => sources.providers.push(ProviderBlock {
                    name: name.to_string(),
                    alias: literal_string(&block.body, "alias"),
                    region: literal_string(&block.body, "region"),
                    file: file.clone(),
                    line,
                }),
                ("module", [name]) => {
                    let address = format!("{prefix}module.{name}");
                    let Some(source) = literal_string(&block.body, "source") else {
                        sources.skipped_modules.push(format!("{address}: (source is not a literal string)"));
                        continue;
                    };
                    let module_dir = file.parent().unwrap_or(Path::new(".")).join(&source);
                    match local_module(&source, &module_dir, stack) {
                        Ok(module_files) => {
                            stack.push(canonical(&module_dir));
                            let result = load_module(&module_files, &format!("{address}."), stack, sources);
                            stack.pop();
                            result?;
                        }
                        Err(None) => sources.skipped_modules.push(format!("{address}: {source}")),
                        Err(Some(why)) => sources.skipped_modules.push(format!("{address}: {source} ({why})")),
                    }
                }
                _ => {} // data, variable, output, locals, moved, import, ...
            }
        }
    }
    Ok(())
}

/// The files of a local module call, or why it is not followed: `Err(None)` for a remote source,
/// `Err(Some(why))` for a local one that cannot be.
fn local_module(source: &str, dir: &Path, stack: &[PathBuf]) -> Result<Vec<PathBuf>, Option<&'static str>> {
    // Terraform's rule: only `./` and `../` (or `.\` and `..\`) mark a local path.
    let is_local = ["./", "../", ".\\", "..\\"].iter().any(|p| source.starts_with(p));
    if !is_local {
        return Err(None);
    }
    if !dir.is_dir() {
        return Err(Some("directory not found"));
    }
    if stack.contains(&canonical(dir)) {
        return Err(Some("module calls itself"));
    }
    if stack.len() > MAX_MODULE_DEPTH {
        return Err(Some("modules nested too deep"));
    }
    match tf_files(dir) {
        Ok(files) if files.is_empty() => Err(Some("no .tf files")),
        Ok(files) => Ok(files),
        Err(_) => Err(Some("cannot read the directory")),
    }
}

fn parse(file: &Path, text: &str) -> Result<Body, SourcesError> {
    parser::parse_body(text).map_err(|e| SourcesError::Parse {
        file: file.to_path_buf(),
        line: e.location().line(),
        column: e.location().column(),
        // The Display form draws the line with a caret; the message alone fits on one line.
        why: e.message().lines().next().unwrap_or("syntax error").to_string(),
    })
}

/// Byte offsets of line starts, to turn spans into 1-based line numbers.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    /// The line of a block's keyword (the block span can start at a leading comment's decor).
    fn line_of(&self, block: &Block) -> usize {
        let offset = block.ident.span().or_else(|| block.span()).map_or(0, |span| span.start);
        self.0.partition_point(|&start| start <= offset).max(1)
    }
}

/// `lifecycle { ignore_changes = ... }` of a resource body.
fn ignore_changes(body: &Body) -> IgnoreChanges {
    let Some(attr) = body.get_blocks("lifecycle").find_map(|b| b.body.get_attribute("ignore_changes")) else {
        return IgnoreChanges::None;
    };
    let elements: Vec<&Expression> = match &attr.value {
        Expression::Array(array) => array.iter().collect(),
        other => vec![other], // `all`, or a single traversal or string
    };
    let mut paths = Vec::new();
    for element in elements {
        match attribute_path(element) {
            Some(path) if is_all(&path) => return IgnoreChanges::All,
            Some(path) => paths.push(path),
            None => {} // Terraform rejects anything else; nothing to ignore
        }
    }
    if paths.is_empty() {
        IgnoreChanges::None
    } else {
        IgnoreChanges::Attributes(paths)
    }
}

fn is_all(path: &[String]) -> bool {
    matches!(path, [one] if one == "all" || one == "*")
}

/// `tags`, `tags["Owner"]`, `tags.Owner`, `ingress[0]` as a path; a string (0.11, and still
/// accepted with a warning by 0.12+) is read as the traversal it spells.
fn attribute_path(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Variable(ident) => Some(vec![ident.as_str().to_string()]),
        Expression::Traversal(traversal) => {
            let mut path = attribute_path(&traversal.expr)?;
            for operator in &traversal.operators {
                path.push(match operator.value() {
                    TraversalOperator::GetAttr(ident) => ident.as_str().to_string(),
                    TraversalOperator::Index(Expression::String(key)) => key.as_str().to_string(),
                    TraversalOperator::Index(Expression::Number(n)) => n.to_string(),
                    TraversalOperator::LegacyIndex(n) => n.to_string(),
                    _ => return None, // splats and computed keys are not attribute paths
                });
            }
            Some(path)
        }
        Expression::String(text) if text.trim() == "*" => Some(vec!["*".to_string()]),
        Expression::String(text) => match parser::parse_expr(text) {
            Ok(inner @ (Expression::Variable(_) | Expression::Traversal(_))) => attribute_path(&inner),
            _ => None,
        },
        _ => None,
    }
}

fn literal_string(body: &Body, key: &str) -> Option<String> {
    match &body.get_attribute(key)?.value {
        Expression::String(s) => Some(s.as_str().to_string()),
        _ => None,
    }
}

/// Attributes whose value is a literal string, bool or number, as text.
fn literal_attributes(body: &Body) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    collect_literals(body, "", &mut out);
    out
}

/// The literal attributes of `body` into `out` under `prefix`, and those of its nested blocks
/// (`workspaces { name = "prod" }` as `workspaces.name`).
fn collect_literals(body: &Body, prefix: &str, out: &mut BTreeMap<String, String>) {
    for attr in body.attributes() {
        let value = match &attr.value {
            Expression::String(s) => s.as_str().to_string(),
            Expression::Bool(b) => b.value().to_string(),
            Expression::Number(n) => n.to_string(),
            _ => continue,
        };
        out.insert(format!("{prefix}{}", attr.key.as_str()), value);
    }
    for block in body.blocks() {
        collect_literals(&block.body, &format!("{prefix}{}.", block.ident.as_str()), out);
    }
}

/// The state's home a `terraform {}` block names: its `backend "kind" {}`, else its `cloud {}`.
fn terraform_backend(body: &Body, file: &Path, lines: &LineIndex) -> Option<Backend> {
    let make = |kind: &str, block: &Block| Backend {
        kind: kind.to_string(),
        attributes: literal_attributes(&block.body),
        file: file.to_path_buf(),
        line: lines.line_of(block),
    };
    if let Some(backend) = body.get_blocks("backend").next() {
        let [kind] = backend.labels.as_slice() else { return None };
        return Some(make(kind.as_str(), backend));
    }
    body.get_blocks("cloud").next().map(|cloud| make("cloud", cloud))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/tf").join(name)
    }

    fn attrs(paths: &[&[&str]]) -> IgnoreChanges {
        IgnoreChanges::Attributes(paths.iter().map(|p| p.iter().map(|s| s.to_string()).collect()).collect())
    }

    #[test]
    fn a_cloud_block_and_an_encryption_block_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let tf = "terraform {\n  cloud {\n    organization = \"acme\"\n    workspaces {\n      name = \"prod\"\n    }\n  }\n  \
                  encryption {\n    key_provider \"pbkdf2\" \"k\" {\n      passphrase = \"a-long-passphrase-here\"\n    }\n  }\n}\n";
        std::fs::write(dir.path().join("versions.tf"), tf).unwrap();
        let s = load_dir(dir.path()).unwrap();
        let backend = s.backend.unwrap();
        assert_eq!((backend.kind.as_str(), backend.line), ("cloud", 2));
        assert_eq!(backend.attributes.get("workspaces.name").map(String::as_str), Some("prod"));
        let enc = s.encryption.unwrap();
        assert_eq!(enc.line, 8);
        assert!(
            enc.body.contains("key_provider \"pbkdf2\" \"k\"") && !enc.body.trim_start().starts_with('{'),
            "{}",
            enc.body
        );
        assert!(!format!("{enc:?}").contains("passphrase-here"));
    }

    #[test]
    fn root_with_backend_providers_resources_and_modules() {
        let root = testdata("root");
        let s = load_dir(&root).unwrap();

        let backend = s.backend.as_ref().unwrap();
        assert_eq!(backend.kind, "s3");
        assert_eq!(backend.file, root.join("versions.tf"));
        assert_eq!(backend.line, 9);
        let get = |k: &str| backend.attributes.get(k).map(String::as_str);
        assert_eq!(get("bucket"), Some("acme-tf-state"));
        assert_eq!(get("key"), Some("network/terraform.tfstate"));
        assert_eq!(get("region"), Some("eu-west-1"));
        assert_eq!(get("encrypt"), Some("true"));
        assert_eq!(get("max_retries"), Some("5"));
        assert_eq!(get("workspace_key_prefix"), None, "an expression is not literal");

        let providers: Vec<_> =
            s.providers.iter().map(|p| (p.name.as_str(), p.alias.as_deref(), p.region.as_deref(), p.line)).collect();
        assert_eq!(
            providers,
            [
                ("aws", None, Some("eu-west-1"), 1),
                ("aws", Some("us"), Some("us-east-1"), 5),
                ("aws", Some("dyn"), None, 10)
            ]
        );
        assert!(s.providers.iter().all(|p| p.file == root.join("main.tf")));

        let addresses: Vec<&str> = s.resources.keys().map(String::as_str).collect();
        assert_eq!(
            addresses,
            [
                "aws_instance.legacy",
                "aws_instance.web",
                "aws_s3_bucket.logs",
                "aws_security_group.app",
                "module.net.aws_subnet.private",
                "module.net.aws_vpc.this",
                "module.net.module.flow.aws_flow_log.this",
                "module.net2.aws_subnet.private",
                "module.net2.aws_vpc.this",
                "module.net2.module.flow.aws_flow_log.this",
            ]
        );
        assert_eq!(
            s.skipped_modules,
            [
                "module.gitmod: git::https://example.com/mod.git?ref=v1",
                "module.missing: ./modules/nope (directory not found)",
                "module.net.module.loop: ../net (module calls itself)",
                "module.net2.module.loop: ../net (module calls itself)",
                "module.vpc: terraform-aws-modules/vpc/aws",
            ]
        );
    }

    #[test]
    fn resource_lines_files_and_ignore_changes() {
        let root = testdata("root");
        let s = load_dir(&root).unwrap();
        let web = &s.resources["aws_instance.web"];
        assert_eq!((web.rtype.as_str(), web.name.as_str()), ("aws_instance", "web"));
        assert_eq!((web.file.clone(), web.line), (root.join("main.tf"), 16));
        assert_eq!(web.ignore_changes, attrs(&[&["tags"], &["tags", "Owner"], &["tags", "Team"], &["ami"]]));

        let logs = &s.resources["aws_s3_bucket.logs"];
        assert_eq!(logs.line, 29);
        assert_eq!(logs.ignore_changes, IgnoreChanges::All);

        let legacy = &s.resources["aws_instance.legacy"];
        assert_eq!(legacy.ignore_changes, attrs(&[&["tags"], &["ami"], &["tags", "Owner"], &["ingress", "0"]]));

        assert_eq!(s.resources["aws_security_group.app"].ignore_changes, IgnoreChanges::All);

        let subnet = &s.resources["module.net.aws_subnet.private"];
        assert_eq!(subnet.file, root.join("modules/net/main.tf"));
        assert_eq!(subnet.line, 5);
        assert_eq!(subnet.ignore_changes, attrs(&[&["map_public_ip_on_launch"]]));
        assert_eq!(s.resources["module.net.aws_vpc.this"].ignore_changes, IgnoreChanges::None);

        assert!(!s.resources.keys().any(|k| k.contains("aws_ami")), "data blocks are not resources");
    }

    #[test]
    fn block_for_strips_instance_keys() {
        let s = load_dir(&testdata("root")).unwrap();
        let name = |a: &str| s.block_for(a).map(|b| b.name.as_str());
        assert_eq!(name("aws_instance.web"), Some("web"));
        assert_eq!(name("module.net.aws_subnet.private[0]"), Some("private"));
        assert_eq!(name("aws_instance.web[\"a.b\"]"), Some("web"));
        assert_eq!(name(r#"aws_instance.web["we]ird.\"key["]"#), Some("web"));
        assert_eq!(name(r#"module.net["x.y"].module.flow[1].aws_flow_log.this"#), Some("this"));
        assert_eq!(name("aws_instance.nope[0]"), None);
        assert_eq!(name("data.aws_ami.ubuntu"), None);
    }

    #[test]
    fn strip_keys() {
        assert_eq!(strip_instance_keys("a.b[0]"), "a.b");
        assert_eq!(strip_instance_keys(r#"module.m["k]"].a.b["x\"]y"]"#), "module.m.a.b");
        assert_eq!(strip_instance_keys("a.b"), "a.b");
    }

    #[test]
    fn broken_hcl_is_one_line_with_file_line_and_column() {
        let dir = testdata("broken");
        let err = load_dir(&dir).unwrap_err();
        let SourcesError::Parse { file, line, column, .. } = &err else { panic!("{err:?}") };
        assert_eq!(file, &dir.join("main.tf"));
        assert_eq!((*line, *column), (6, 9));
        let text = err.to_string();
        assert!(text.starts_with(&format!("{}:6:9: cannot parse HCL: ", dir.join("main.tf").display())), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn empty_missing_and_not_a_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let err = load_dir(tmp.path()).unwrap_err();
        assert!(matches!(err, SourcesError::Empty { .. }), "{err}");
        assert!(err.to_string().ends_with(": no .tf files in this directory"));

        let missing = tmp.path().join("nope");
        assert!(matches!(load_dir(&missing), Err(SourcesError::Io { .. })));

        let file = tmp.path().join("main.tf");
        fs::write(&file, "").unwrap();
        assert!(matches!(load_dir(&file), Err(SourcesError::NotDir { .. })));
        // An empty .tf file is a valid, empty module.
        assert_eq!(load_dir(tmp.path()).unwrap(), Sources::default());
    }

    #[test]
    fn bom_crlf_and_non_tf_files() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("a.tf"), "\u{feff}# c\r\n\r\nresource \"aws_eip\" \"x\" {\r\n}\r\n").unwrap();
        fs::write(tmp.path().join("b.tf.json"), "{").unwrap();
        fs::write(tmp.path().join("notes.txt"), "{").unwrap();
        let s = load_dir(tmp.path()).unwrap();
        assert_eq!(s.resources["aws_eip.x"].line, 3);
    }
}
