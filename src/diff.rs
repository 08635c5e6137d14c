//! Declared against live: drifted attributes, deleted and unmanaged resources. Pure: normalised
//! resources in, sorted changes and counts out.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use crate::catalog;
use crate::report::{Change, ChangeKind, Summary, Unscanned};
use crate::resource::Resource;
use crate::terraform::sensitive;

/// What the live inventory covered.
#[derive(Debug, Default)]
pub struct Coverage {
    /// (type, region) pairs listed completely.
    pub scanned: BTreeSet<(String, String)>,
    /// (type, region) pairs that could not be listed.
    pub unscanned: Vec<Unscanned>,
}

/// Diff options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Report AWS-created defaults (default VPC, subnets and security groups) as unmanaged.
    pub include_defaults: bool,
}

/// Compares normalised declared and live resources.
///
/// `owner_unknown` are the children `ownership` could not place; they are counted and sorted
/// with the rest.
pub fn diff(
    declared: &[Resource],
    live: &[Resource],
    coverage: &Coverage,
    opts: Options,
    owner_unknown: Vec<Change>,
) -> (Vec<Change>, Summary) {
    let live_by_key: HashMap<(&str, &str), &Resource> =
        live.iter().map(|r| ((r.rtype.as_str(), r.id.as_str()), r)).collect();
    let mut matched: HashSet<(&str, &str)> = HashSet::new();
    let mut summary = Summary { owner_unknown: owner_unknown.len(), ..Summary::default() };
    let mut changes = owner_unknown;
    let mut drifted_resources = BTreeSet::new();

    for d in declared.iter().filter(|d| catalog::is_covered(&d.rtype) && !d.id.is_empty()) {
        let Some(decl) = &d.declared else { continue };
        let Some(spec) = catalog::spec(&d.rtype) else { continue };
        let region = d.region.clone().unwrap_or_default();
        // `aws_default_vpc` adopts a live `aws_vpc`: it is looked up as the type AWS lists.
        let key = (spec.live, d.id.as_str());
        match live_by_key.get(&key) {
            Some(l) => {
                matched.insert(key);
                summary.managed += 1;
                // A deposed object is an older copy Terraform will destroy: it is managed, but its
                // attributes describe nothing anyone wants.
                if decl.deposed.is_some() {
                    continue;
                }
                for change in attribute_changes(d, l) {
                    drifted_resources.insert(decl.address.clone());
                    changes.push(change);
                }
            }
            None => {
                // Unscanned is not deleted: only a complete listing proves a resource is gone.
                let listed = coverage.scanned.contains(&catalog::coverage_key(&d.rtype, &region));
                if listed && decl.deposed.is_none() {
                    summary.deleted += 1;
                    changes.push(Change {
                        kind: ChangeKind::Deleted,
                        address: Some(decl.address.clone()),
                        rtype: d.rtype.clone(),
                        id: d.id.clone(),
                        region,
                        state: Some(decl.state.clone()),
                        ..Change::default()
                    });
                }
            }
        }
    }

    let managed_ids: HashSet<&str> = matched.iter().map(|(_, id)| *id).collect();
    for l in live {
        if matched.contains(&(l.rtype.as_str(), l.id.as_str())) {
            continue;
        }
        let facts = l.live.clone().unwrap_or_default();
        if facts.owner.is_some() || (facts.aws_default && !opts.include_defaults) {
            continue;
        }
        // A part of an unmanaged resource goes with it: the resource itself is reported.
        if facts.parent.as_deref().is_some_and(|p| !managed_ids.contains(p)) {
            continue;
        }
        summary.unmanaged += 1;
        changes.push(Change {
            kind: ChangeKind::Unmanaged,
            address: None,
            rtype: l.rtype.clone(),
            id: l.id.clone(),
            region: l.region.clone().unwrap_or_default(),
            import: Some(import_block(l)),
            live: settable_live(l),
            ..Change::default()
        });
    }

    summary.drifted = drifted_resources.len();
    summary.unscanned = coverage.unscanned.len();
    let total = summary.managed + summary.unmanaged + summary.deleted;
    summary.coverage_pct =
        if total == 0 { 100.0 } else { (summary.managed as f64 * 1000.0 / total as f64).round() / 10.0 };
    changes.sort_by(|a, b| {
        (a.kind, &a.rtype, &a.address, &a.id, catalog_order(a)).cmp(&(
            b.kind,
            &b.rtype,
            &b.address,
            &b.id,
            catalog_order(b),
        ))
    });
    (changes, summary)
}

/// The Terraform 1.5+ block that adopts an unmanaged resource, named after its `Name` tag when
/// it has one.
pub fn import_block(l: &Resource) -> String {
    let name_tag = l.attributes.get("tags").and_then(|t| t.get("Name")).and_then(Value::as_str);
    let raw = name_tag.unwrap_or(&l.id);
    let mut name: String =
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '_' }).collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    let id = catalog::import_id(&l.rtype, &l.id, &l.attributes);
    format!("import {{\n  to = {}.{}\n  id = {}\n}}", l.rtype, name, Value::from(id))
}

/// The live attributes of `l` a user can set in its type's resource block: the compared ones
/// less those AWS computes ([`catalog::TypeSpec::settable`]), without nulls, and never one that
/// holds a secret (by its name, or redacted already), so nothing secret reaches the history.
pub fn settable_live(l: &Resource) -> Option<Value> {
    let spec = catalog::spec(&l.rtype)?;
    let mut out = serde_json::Map::new();
    for attr in spec.settable() {
        match l.attributes.get(attr) {
            None | Some(Value::Null) => {}
            Some(v) if sensitive::is_secret_name(attr) || sensitive::is_redacted(v) => {}
            Some(v) => {
                out.insert(attr.to_owned(), v.clone());
            }
        }
    }
    Some(Value::Object(out))
}

/// Drifted attributes keep the order the catalog lists them in.
fn catalog_order(c: &Change) -> usize {
    let attr = c.attribute.as_deref().unwrap_or_default();
    catalog::spec(&c.rtype).and_then(|s| s.compared.iter().position(|a| *a == attr)).unwrap_or(usize::MAX)
}

/// One change per compared attribute that both sides know and that differs.
fn attribute_changes(d: &Resource, l: &Resource) -> Vec<Change> {
    let Some(spec) = catalog::spec(&d.rtype) else { return Vec::new() };
    let decl = d.declared.as_ref().expect("declared resource");
    let mut out = Vec::new();
    for attr in spec.compared {
        // A side that does not know an attribute (older provider, API field left out) is no evidence.
        let (Some(want), Some(have)) = (d.attributes.get(*attr), l.attributes.get(*attr)) else { continue };
        let (declared, actual) = if decl.sensitive.contains(*attr) || sensitive::is_redacted(want) {
            if sensitive::digest(have) == *want || (want.is_null() && have.is_null()) {
                continue;
            }
            (Value::from("(sensitive)"), Value::from("(sensitive value changed)"))
        } else {
            if want == have {
                continue;
            }
            (want.clone(), have.clone())
        };
        out.push(Change {
            kind: ChangeKind::Drifted,
            address: Some(decl.address.clone()),
            rtype: d.rtype.clone(),
            id: d.id.clone(),
            region: d.region.clone().or_else(|| l.region.clone()).unwrap_or_default(),
            attribute: Some((*attr).to_owned()),
            declared: Some(declared),
            actual: Some(actual),
            state: Some(decl.state.clone()),
            ..Change::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::fixtures::{declared, live};
    use crate::resource::LiveFacts;
    use serde_json::json;

    fn scanned(types: &[&str]) -> Coverage {
        Coverage {
            scanned: types.iter().map(|t| (t.to_string(), "us-east-1".to_string())).collect(),
            unscanned: vec![],
        }
    }

    #[test]
    fn each_kind_of_change() {
        let d = vec![
            declared("aws_instance", "i-1", "aws_instance.a", json!({"instance_type": "t3.micro", "ami": "ami-1"})),
            declared("aws_instance", "i-2", "aws_instance.b", json!({"instance_type": "t3.micro"})),
        ];
        let l = vec![
            live("aws_instance", "i-1", json!({"instance_type": "t3.large", "ami": "ami-1"}), LiveFacts::default()),
            live("aws_instance", "i-3", json!({}), LiveFacts::default()),
            live("aws_ebs_volume", "vol-1", json!({}), LiveFacts { owner: Some("i-3".into()), ..Default::default() }),
            live("aws_vpc", "vpc-d", json!({}), LiveFacts { aws_default: true, ..Default::default() }),
        ];
        let (changes, summary) =
            diff(&d, &l, &scanned(&["aws_instance", "aws_ebs_volume", "aws_vpc"]), Options::default(), vec![]);
        let kinds: Vec<_> = changes.iter().map(|c| (c.kind, c.id.as_str(), c.attribute.as_deref())).collect();
        assert_eq!(
            kinds,
            vec![
                (ChangeKind::Drifted, "i-1", Some("instance_type")),
                (ChangeKind::Deleted, "i-2", None),
                (ChangeKind::Unmanaged, "i-3", None),
            ]
        );
        assert_eq!((summary.managed, summary.drifted, summary.deleted, summary.unmanaged), (1, 1, 1, 1));
        assert_eq!(summary.coverage_pct, 33.3);

        let (with_defaults, _) =
            diff(&d, &l, &scanned(&["aws_instance", "aws_vpc"]), Options { include_defaults: true }, vec![]);
        assert!(with_defaults.iter().any(|c| c.id == "vpc-d"));
    }

    #[test]
    fn unscanned_type_is_not_deleted() {
        let d = vec![declared("aws_ebs_volume", "vol-1", "aws_ebs_volume.x", json!({}))];
        let (changes, summary) = diff(&d, &[], &scanned(&["aws_instance"]), Options::default(), vec![]);
        assert!(changes.is_empty());
        assert_eq!(summary.deleted, 0);
    }

    #[test]
    fn sensitive_values_are_compared_but_never_shown() {
        let secret = sensitive::digest(&json!("hunter2"));
        let mut d = declared("aws_instance", "i-1", "aws_instance.a", json!({"key_name": secret}));
        d.declared.as_mut().unwrap().sensitive.insert("key_name".into());
        let same = live("aws_instance", "i-1", json!({"key_name": "hunter2"}), LiveFacts::default());
        assert!(diff(&[d.clone()], &[same], &scanned(&["aws_instance"]), Options::default(), vec![]).0.is_empty());
        let other = live("aws_instance", "i-1", json!({"key_name": "swordfish"}), LiveFacts::default());
        let (changes, _) = diff(&[d], &[other], &scanned(&["aws_instance"]), Options::default(), vec![]);
        let text = serde_json::to_string(&changes).unwrap();
        assert_eq!(changes.len(), 1);
        assert!(!text.contains("hunter2") && !text.contains("swordfish"), "{text}");
    }
}
