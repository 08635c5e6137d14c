//! `fix --accept` on sources in a temporary folder: which bytes change, which do not, and what is
//! refused; and a property test that an edited file always parses.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::{plan, Decision, Plan};
use crate::history::ChangeRow;
use crate::terraform::sources::load_dir;

const MAIN: &str = r#"provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { ManagedBy = "terraform" }
  }
}

variable "size" {
  default = "t3.small"
}

# The web tier.
resource "aws_instance" "web" {
  count         = 2
  instance_type = "t3.micro" # sized for the demo
  ami           = "ami-1"
}

resource "aws_instance" "api" {
  instance_type          = var.size
  ami                    = "ami-2"   # pinned
  vpc_security_group_ids = ["sg-1", "sg-2"]
  tags = {
    Name = "api"
    Team = "core"
    Old  = "gone"
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "main" }
}
"#;

fn row(id: i64, address: &str, attribute: &str, declared: Value, actual: Value) -> ChangeRow {
    let mut row = crate::digest::tests::row(id, "2026-12-01T00:00:00Z", "drifted", false, "open");
    row.address = Some(address.into());
    row.attribute = Some(attribute.into());
    row.declared = Some(declared);
    row.actual = Some(actual);
    row
}

/// An unmanaged security group with the live attributes a scan kept.
fn unmanaged(id: i64, live: Value) -> ChangeRow {
    let mut row = crate::digest::tests::row(id, "2026-12-01T00:00:00Z", "unmanaged", false, "open");
    row.address = None;
    row.resource_id = format!("sg-{id}");
    row.live = Some(live);
    row
}

fn fix(dir: &Path, text: &str, changes: &[ChangeRow]) -> Plan {
    std::fs::write(dir.join("main.tf"), text).unwrap();
    plan(changes, &load_dir(dir).unwrap(), dir, Decision::Accept).unwrap()
}

#[test]
fn literals_change_in_place_and_nothing_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let changes = [
        row(1, "aws_instance.api", "ami", json!("ami-2"), json!("ami-3")),
        row(
            2,
            "aws_instance.api",
            "tags",
            json!({}),
            json!({"Name": "api", "Team": "edge", "New": "x", "ManagedBy": "terraform"}),
        ),
        row(3, "aws_instance.api", "vpc_security_group_ids", json!([]), json!(["sg-2", "sg-1"])),
        row(
            4,
            "aws_vpc.main",
            "tags",
            json!({}),
            json!({"Name": "main", "Owner": "console", "ManagedBy": "terraform"}),
        ),
        row(5, "aws_vpc.main", "enable_dns_hostnames", json!(false), json!(true)),
    ];
    let plan = fix(dir.path(), MAIN, &changes);
    let want = MAIN
        .replace(r#""ami-2"   # pinned"#, r#""ami-3"   # pinned"#)
        .replace("    Team = \"core\"\n", "    Team = \"edge\"\n")
        .replace("    Old  = \"gone\"\n", "    New = \"x\"\n")
        .replace(r#"{ Name = "main" }"#, r#"{ Name = "main", Owner = "console" }"#)
        .replace(
            "  tags       = { Name = \"main\", Owner = \"console\" }\n",
            "  tags       = { Name = \"main\", Owner = \"console\" }\n  enable_dns_hostnames = true\n",
        );
    assert_eq!(plan.files.len(), 1);
    assert_eq!(plan.files[0].new, want);
    let edited: Vec<(i64, bool)> = plan.items.iter().map(|i| (i.id, i.edited)).collect();
    // The security groups are the same set in another order: nothing to change.
    assert_eq!(edited, [(1, true), (2, true), (3, false), (4, true), (5, true)]);
    assert_eq!(plan.items[0].line, Some(21));
    assert_eq!(plan.items[0].before.as_deref(), Some("\"ami-2\""));
    assert_eq!(plan.items[0].after.as_deref(), Some("\"ami-3\""));
    assert_eq!(plan.items[4].before, None);
}

#[test]
fn expressions_and_shared_blocks_are_named_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let changes = [
        row(1, "aws_instance.api", "instance_type", json!("t3.small"), json!("t3.large")),
        row(2, "aws_instance.web[0]", "instance_type", json!("t3.micro"), json!("t3.large")),
        row(3, "aws_vpc.main", "tags", json!({"Name": "main", "ManagedBy": "terraform"}), json!({"Name": "main"})),
        row(4, "aws_vpc.other", "cidr_block", json!("10.0.0.0/16"), json!("10.1.0.0/16")),
    ];
    let plan = fix(dir.path(), MAIN, &changes);
    assert!(plan.files.is_empty());
    let notes: Vec<(Option<usize>, &str)> = plan.items.iter().map(|i| (i.line, i.note.as_deref().unwrap())).collect();
    assert_eq!(notes[0], (Some(20), "`instance_type = var.size` is not a literal; change what it refers to by hand"));
    assert_eq!(notes[1].0, Some(13));
    assert!(notes[1].1.contains("shared through `count`"), "{}", notes[1].1);
    // A default tag removed by hand: the resource's own tags cannot say so.
    assert_eq!(notes[2], (Some(32), "the tags differ only in the provider's default_tags"));
    assert_eq!(notes[3], (None, "aws_vpc.other is not declared in the --tf-dir sources"));
}

#[test]
fn revert_edits_nothing_and_names_the_targeted_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
    let changes = [row(1, "aws_instance.api", "ami", json!("ami-2"), json!("ami-3"))];
    let plan = plan(&changes, &load_dir(dir.path()).unwrap(), dir.path(), Decision::Revert).unwrap();
    assert!(plan.files.is_empty());
    assert_eq!(
        plan.items[0].note.as_deref(),
        Some("terraform plan -target='aws_instance.api' && terraform apply -target='aws_instance.api'")
    );
}

#[test]
fn an_unmanaged_resource_is_adopted_in_imports_tf_once() {
    let dir = tempfile::tempdir().unwrap();
    let live = json!({"name": "batch", "description": "d", "vpc_id": "vpc-1", "tags": {"Name": "batch"}});
    let plan = fix(dir.path(), MAIN, &[unmanaged(5, live.clone())]);
    assert_eq!(plan.files.len(), 1);
    let file = &plan.files[0];
    assert!(file.created && file.path.ends_with("imports.tf") && file.old.is_empty());
    assert!(file.new.starts_with("import {\n  to = aws_security_group.batch\n  id = \"sg-5\"\n}\n"), "{}", file.new);
    assert!(
        file.new.contains("resource \"aws_security_group\" \"batch\" {\n  name        = \"batch\"\n"),
        "{}",
        file.new
    );
    assert_eq!(plan.items[0].address.as_deref(), Some("aws_security_group.batch"));
    assert!(plan.items[0].edited);
    let diff = super::render::diff(&plan, dir.path());
    assert!(diff.contains("new file mode 100644\n--- /dev/null\n+++ b/"), "{diff}");
    // Written, it is not written twice; a resource declared under that name already is left alone.
    super::render::write(&plan.files).unwrap();
    let again = fix(dir.path(), MAIN, &[unmanaged(5, live)]);
    assert!(
        again.files.is_empty()
            && again.items[0].note.as_deref() == Some("aws_security_group.batch is in imports.tf already")
    );
    let taken = json!({"cidr_block": "10.1.0.0/16", "tags": {"Name": "main"}});
    let mut vpc = unmanaged(6, taken);
    vpc.rtype = "aws_vpc".into();
    vpc.resource_id = "vpc-6".into();
    let plan = fix(dir.path(), MAIN, &[vpc]);
    assert!(plan.items[0].note.as_deref().is_some_and(|n| n.contains("aws_vpc.main is declared already")));
}

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        ".*".prop_map(Value::String),
        Just(Value::Null),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".*", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the live values (quotes, `${`, newlines, odd keys), the edited file parses, and
    /// reads back with the live value where the literal was.
    #[test]
    fn an_edited_file_always_parses(
        ami in any_value(),
        tags in prop::collection::btree_map(".*", ".*", 0..5),
        new in any_value(),
        name in ".*",
        rules in prop::collection::vec(any_value(), 0..3),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let tags = Value::Object(tags.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
        let changes = [
            row(1, "aws_instance.api", "ami", json!("ami-2"), ami.clone()),
            row(2, "aws_instance.api", "tags", json!({}), tags.clone()),
            row(3, "aws_vpc.main", "something_new", json!(null), new),
            unmanaged(4, json!({"name": name, "tags": tags, "ingress": rules})),
        ];
        let plan = fix(dir.path(), MAIN, &changes);
        for file in &plan.files {
            let body = hcl::edit::parser::parse_body(&file.new);
            prop_assert!(body.is_ok(), "{}", file.new);
            let body = body.unwrap();
            if file.path.ends_with("imports.tf") {
                prop_assert!(file.created && body.blocks().count() == 2, "{}", file.new);
                continue;
            }
            let api = super::find_block(&body, "aws_instance", "api").unwrap();
            let written = super::literal::value(&api.body.get_attribute("ami").unwrap().value);
            prop_assert_eq!(written, Some(ami.clone()));
        }
    }
}
