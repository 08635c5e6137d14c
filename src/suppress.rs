//! What the user asked not to hear about, applied to a scan: `.driftignore` rules and the
//! `lifecycle { ignore_changes }` of the Terraform sources, plus where each declared resource is
//! written (`source`).
//!
//! Pure: rules and sources in, resources and changes out. The scan calls it at three points:
//! [`Suppress::families`] before listing (a type ignored entirely is not even listed),
//! [`Suppress::resources`] after `ownership` and before `diff` (ignored resources leave both
//! sides, ignored attributes and map keys leave the comparison), and [`Suppress::annotate`] on
//! the changes `diff` made.
//!
//! Ignoring works before the diff rather than on its changes so the counts stay true: an ignored
//! resource is neither managed, drifted, deleted nor unmanaged. It runs after `ownership`, which
//! must see every declaration to place live rules and routes, or ignoring one rule would make
//! its live counterpart drift of the group.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::catalog::{self, Family};
use crate::ignore::IgnoreRules;
use crate::report::Change;
use crate::resource::Resource;
use crate::terraform::sources::{IgnoreChanges, Sources};

/// The ignore rules and the Terraform sources of one scan.
#[derive(Debug, Clone, Default)]
pub struct Suppress {
    pub rules: IgnoreRules,
    pub sources: Option<Sources>,
}

/// The ignore file read when none is named, if it exists.
const DEFAULT_IGNORE_FILE: &str = ".driftignore";

impl Suppress {
    /// Reads what a run is told not to report: the ignore file the user named (missing is an
    /// error), else `./.driftignore` when there is one; and the `ignore_changes` of the sources
    /// in `tf_dir`. Bad rules or sources fail here, before AWS is called.
    pub fn load(ignore_file: Option<&Path>, tf_dir: Option<&Path>) -> anyhow::Result<Suppress> {
        let rules = match ignore_file {
            Some(named) => IgnoreRules::load(named, true)?,
            None => IgnoreRules::load(Path::new(DEFAULT_IGNORE_FILE), false)?,
        };
        Ok(Suppress { rules, sources: tf_dir.map(crate::terraform::sources::load_dir).transpose()? })
    }

    /// The families to list: those with a type not ignored entirely, and those another listed
    /// family needs.
    pub fn families(&self) -> Vec<Family> {
        self.families_among(catalog::families().into_iter())
    }

    /// [`Self::families`] holding one of `types`, and those they need: a check compares only
    /// what its plan declares, so it lists no more (it never reports unmanaged resources).
    pub fn families_for<'a>(&self, types: impl IntoIterator<Item = &'a str>) -> Vec<Family> {
        let holding: HashSet<Family> = types.into_iter().filter_map(catalog::spec).map(|s| s.family).collect();
        self.families_among(catalog::families().into_iter().filter(|f| holding.contains(f)))
    }

    fn families_among(&self, families: impl Iterator<Item = Family>) -> Vec<Family> {
        let mut keep: HashSet<Family> =
            families.filter(|f| f.types().any(|s| !self.rules.type_ignored(s.name))).collect();
        // What one list finds decides whether another's resources are owned (a NAT gateway's
        // interface, a group's rules): a kept list brings the lists it needs.
        loop {
            let needed: Vec<Family> = keep
                .iter()
                .flat_map(|f| f.needs.iter().filter_map(|n| catalog::family(n)))
                .filter(|of| !keep.contains(of))
                .collect();
            if needed.is_empty() {
                break;
            }
            keep.extend(needed);
        }
        catalog::families().into_iter().filter(|f| keep.contains(f)).collect()
    }

    /// Whether a declared resource is ignored as a whole by the ignore file.
    pub fn declared_ignored(&self, r: &Resource) -> bool {
        self.rules.resource_ignored(&r.rtype, &r.id)
    }

    /// Drops ignored resources from both sides and ignored attributes from the comparison;
    /// `owner_unknown` changes about something ignored go too. Run on normalised resources.
    ///
    /// A declared resource is ignored by its Terraform type (`aws_default_vpc.vpc-1`), and its
    /// live counterpart goes with it; a live resource nobody declares, by the type it is listed as.
    pub fn resources(&self, declared: &mut Vec<Resource>, live: &mut Vec<Resource>, owner_unknown: &mut Vec<Change>) {
        let live_index: HashMap<(String, String), usize> =
            live.iter().enumerate().map(|(i, r)| ((r.rtype.clone(), r.id.clone()), i)).collect();
        let mut drop_live: HashSet<usize> = HashSet::new();
        let mut drop_declared: HashSet<usize> = HashSet::new();
        for (di, d) in declared.iter_mut().enumerate() {
            let live_type = catalog::spec(&d.rtype).map_or(d.rtype.as_str(), |s| s.live);
            let li = live_index.get(&(live_type.to_owned(), d.id.clone())).copied();
            let live_ignored = li.is_some_and(|li| self.rules.resource_ignored(&live[li].rtype, &live[li].id));
            if self.declared_ignored(d) || live_ignored {
                drop_declared.insert(di);
                drop_live.extend(li);
                continue;
            }
            let ignore_changes = self.ignore_changes(d);
            let (rtype, id) = (d.rtype.clone(), d.id.clone());
            let ignored = |path: &[&str]| self.attribute_ignored(&rtype, &id, ignore_changes, path);
            strip_fields(d, li.map(|li| &mut live[li]), ignored);
        }
        for (li, l) in live.iter().enumerate() {
            if self.rules.resource_ignored(&l.rtype, &l.id) {
                drop_live.insert(li);
            }
        }
        drop_indexes(declared, &drop_declared);
        drop_indexes(live, &drop_live);
        owner_unknown.retain(|c| !self.change_ignored(c, declared));
    }

    /// `source` (`file:line` of the resource block) on every change of a declared resource.
    pub fn annotate(&self, changes: &mut [Change]) {
        let Some(sources) = &self.sources else { return };
        for c in changes.iter_mut() {
            let Some(block) = c.address.as_deref().and_then(|a| sources.block_for(a)) else { continue };
            c.source = Some(format!("{}:{}", clean(&block.file).display(), block.line));
        }
    }

    /// Whether drift Terraform itself reported in a plan is ignored: the whole resource when
    /// `attr` is `None`, else that top-level attribute of it. The same rules as a scan's: the
    /// ignore file by type and id, and the `ignore_changes` of the block at `address`.
    pub fn plan_drift_ignored(&self, rtype: &str, id: &str, address: &str, attr: Option<&str>) -> bool {
        if self.rules.resource_ignored(rtype, id) {
            return true;
        }
        attr.is_some_and(|attr| self.attribute_ignored(rtype, id, self.ignore_changes_at(address), &[attr]))
    }

    /// Whether an attribute path of a resource is left out: by the ignore file (under either
    /// name of the tag map) or by its block's `ignore_changes`.
    fn attribute_ignored(&self, rtype: &str, id: &str, ignore_changes: Option<&IgnoreChanges>, path: &[&str]) -> bool {
        self.rules.field_ignored(rtype, id, path)
            || self.rules.field_ignored(rtype, id, &aliased(path))
            || ignore_changes.is_some_and(|ic| lifecycle_ignores(ic, path))
    }

    fn ignore_changes(&self, d: &Resource) -> Option<&IgnoreChanges> {
        self.ignore_changes_at(&d.declared.as_ref()?.address)
    }

    /// The `ignore_changes` of the block that declares `address`, when the sources were read.
    fn ignore_changes_at(&self, address: &str) -> Option<&IgnoreChanges> {
        Some(&self.sources.as_ref()?.block_for(address)?.ignore_changes)
    }

    /// An `owner_unknown` change names the rule (or its group) and the group's attribute.
    fn change_ignored(&self, c: &Change, declared: &[Resource]) -> bool {
        let attr = c.attribute.as_deref().unwrap_or_default();
        if self.rules.resource_ignored(&c.rtype, &c.id) || self.rules.field_ignored(&c.rtype, &c.id, &[attr]) {
            return true;
        }
        // The group or table it is part of (named `(id)` in the detail) may ignore the attribute.
        let part_of =
            |d: &&Resource| d.id == c.id || c.detail.as_deref().is_some_and(|t| t.contains(&format!("({})", d.id)));
        declared.iter().filter(part_of).any(|d| {
            self.rules.field_ignored(&d.rtype, &d.id, &[attr])
                || self.ignore_changes(d).is_some_and(|ic| lifecycle_ignores(ic, &[attr]))
        })
    }
}

fn drop_indexes(list: &mut Vec<Resource>, drop: &HashSet<usize>) {
    if !drop.is_empty() {
        *list =
            std::mem::take(list).into_iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, r)| r).collect();
    }
}

/// `tags` is compared from `tags_all`: a rule on either name means the same map.
fn aliased<'a>(path: &[&'a str]) -> Vec<&'a str> {
    let mut out = path.to_vec();
    if let Some(first) = out.first_mut() {
        *first = match *first {
            "tags" => "tags_all",
            "tags_all" => "tags",
            other => other,
        };
    }
    out
}

/// Whether `lifecycle { ignore_changes }` covers an attribute path (one or two elements).
fn lifecycle_ignores(ic: &IgnoreChanges, path: &[&str]) -> bool {
    match ic {
        IgnoreChanges::None => false,
        IgnoreChanges::All => true,
        IgnoreChanges::Attributes(paths) => paths.iter().any(|p| {
            let p: Vec<&str> = p.iter().map(String::as_str).collect();
            let head = match p.first() {
                Some(&"tags_all") => "tags",
                Some(h) => h,
                None => return false,
            };
            if path.first().map(|a| if *a == "tags_all" { "tags" } else { a }) != Some(head) {
                return false;
            }
            // `ingress[0]` names a list element; lists are compared as sets after normalisation,
            // so no element can be told from another and the whole list is ignored.
            let indexes_a_list = p.get(1).is_some_and(|k| k.parse::<usize>().is_ok());
            p.len() == 1 || indexes_a_list || (path.len() >= 2 && p[1] == path[1])
        }),
    }
}

/// Removes ignored attributes from the declared side (diff compares only what both sides know)
/// and ignored keys of map attributes from both, so drift on the other keys is still seen.
fn strip_fields(d: &mut Resource, mut live: Option<&mut Resource>, ignored: impl Fn(&[&str]) -> bool) {
    let attrs: Vec<String> = d.attributes.keys().cloned().collect();
    for attr in attrs {
        if ignored(&[&attr]) {
            d.attributes.remove(&attr);
            continue;
        }
        let mut keys: Vec<String> = Vec::new();
        for side in [Some(&*d), live.as_deref()].into_iter().flatten() {
            if let Some(Value::Object(map)) = side.attributes.get(&attr) {
                keys.extend(map.keys().cloned());
            }
        }
        let gone: Vec<String> = keys.into_iter().filter(|k| ignored(&[&attr, k])).collect();
        if gone.is_empty() {
            continue;
        }
        for side in [Some(&mut *d), live.as_deref_mut()].into_iter().flatten() {
            if let Some(Value::Object(map)) = side.attributes.get_mut(&attr) {
                map.retain(|k, _| !gone.contains(k));
                if map.is_empty() {
                    // As `empty_is_absent` would have it.
                    side.attributes.insert(attr.clone(), Value::Null);
                }
            }
        }
    }
}

/// `dir/./modules/net/../net/main.tf` -> `dir/modules/net/main.tf`, without touching the disk.
pub(crate) fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ChangeKind;
    use crate::resource::fixtures::declared;
    use crate::resource::LiveFacts;
    use crate::terraform::sources::ResourceBlock;

    fn live(rtype: &str, id: &str, a: Value) -> Resource {
        crate::resource::fixtures::live(rtype, id, a, LiveFacts::default())
    }
    use serde_json::json;

    fn with_rules(text: &str) -> Suppress {
        Suppress { rules: IgnoreRules::parse(Path::new(".driftignore"), text).unwrap(), sources: None }
    }

    fn with_lifecycle(address: &str, ignore_changes: IgnoreChanges) -> Suppress {
        let (rtype, name) = address.rsplit_once('.').unwrap();
        let block = ResourceBlock {
            rtype: rtype.rsplit('.').next().unwrap().into(),
            name: name.into(),
            file: PathBuf::from("tf/./modules/net/../net/main.tf"),
            line: 7,
            ignore_changes,
        };
        let mut sources = Sources::default();
        sources.resources.insert(address.into(), block);
        Suppress { sources: Some(sources), ..Suppress::default() }
    }

    fn ids(list: &[Resource]) -> Vec<&str> {
        list.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn an_ignored_resource_leaves_both_sides() {
        let s = with_rules("aws_instance.i-1\naws_eip.*\naws_default_vpc.vpc-d\n");
        let mut d = vec![
            declared("aws_instance", "i-1", "aws_instance.a", json!({})),
            declared("aws_instance", "i-2", "aws_instance.b", json!({})),
            declared("aws_default_vpc", "vpc-d", "aws_default_vpc.d", json!({})),
        ];
        let mut l = vec![
            live("aws_instance", "i-1", json!({})),
            live("aws_instance", "i-2", json!({})),
            live("aws_eip", "eipalloc-9", json!({})),
            // Listed as the type it is compared with: goes with its ignored declaration.
            live("aws_vpc", "vpc-d", json!({})),
            live("aws_vpc", "vpc-other", json!({})),
        ];
        s.resources(&mut d, &mut l, &mut vec![]);
        assert_eq!(ids(&d), ["i-2"]);
        assert_eq!(ids(&l), ["i-2", "vpc-other"]);
    }

    #[test]
    fn a_live_type_rule_also_takes_the_declaration_it_matches() {
        // Otherwise the declaration would be reported deleted.
        let s = with_rules("aws_vpc.*");
        let mut d = vec![declared("aws_default_vpc", "vpc-d", "aws_default_vpc.d", json!({}))];
        let mut l = vec![live("aws_vpc", "vpc-d", json!({}))];
        s.resources(&mut d, &mut l, &mut vec![]);
        assert!(d.is_empty() && l.is_empty());
    }

    #[test]
    fn an_ignored_tag_key_leaves_both_sides_and_other_tag_drift_is_seen() {
        let s = with_rules("aws_vpc.vpc-1.tags.Owner\naws_vpc.vpc-1.enable_dns_hostnames");
        let mut d = vec![declared(
            "aws_vpc",
            "vpc-1",
            "aws_vpc.main",
            json!({"tags": {"Name": "main"}, "enable_dns_hostnames": true, "cidr_block": "10.0.0.0/16"}),
        )];
        let mut l = vec![live(
            "aws_vpc",
            "vpc-1",
            json!({"tags": {"Name": "renamed", "Owner": "console"}, "enable_dns_hostnames": false, "cidr_block": "10.0.0.0/16"}),
        )];
        s.resources(&mut d, &mut l, &mut vec![]);
        assert_eq!(
            Value::Object(d[0].attributes.clone()),
            json!({"tags": {"Name": "main"}, "cidr_block": "10.0.0.0/16"})
        );
        assert_eq!(l[0].attributes["tags"], json!({"Name": "renamed"}));

        // Only the ignored key differed: both sides agree, and empty maps read as absent.
        let s = with_rules("aws_vpc.vpc-1.tags_all.Owner");
        let mut d = vec![declared("aws_vpc", "vpc-1", "aws_vpc.main", json!({"tags": null}))];
        let mut l = vec![live("aws_vpc", "vpc-1", json!({"tags": {"Owner": "console"}}))];
        s.resources(&mut d, &mut l, &mut vec![]);
        assert_eq!(d[0].attributes["tags"], l[0].attributes["tags"]);
    }

    #[test]
    fn lifecycle_ignore_changes_attributes_keys_lists_and_all() {
        let attrs = |paths: &[&[&str]]| {
            IgnoreChanges::Attributes(paths.iter().map(|p| p.iter().map(|s| s.to_string()).collect()).collect())
        };
        let decl = || {
            declared(
                "aws_security_group",
                "sg-1",
                "module.net.aws_security_group.web[0]",
                json!({"name": "web", "description": "d", "tags": {"Name": "web", "Owner": "a"}, "ingress": [1]}),
            )
        };
        let run = |s: Suppress| {
            let mut d = vec![decl()];
            let mut l = vec![live(
                "aws_security_group",
                "sg-1",
                json!({"name": "web", "tags": {"Name": "web", "Owner": "b"}, "ingress": [2]}),
            )];
            s.resources(&mut d, &mut l, &mut vec![]);
            let mut keys: Vec<String> = d[0].attributes.keys().cloned().collect();
            keys.sort();
            (keys, d[0].attributes.get("tags").cloned(), l[0].attributes.get("tags").cloned())
        };
        let address = "module.net.aws_security_group.web";
        let (keys, ..) = run(with_lifecycle(address, attrs(&[&["description"], &["ingress", "0"]])));
        assert_eq!(keys, ["name", "tags"]);
        let (keys, d, l) = run(with_lifecycle(address, attrs(&[&["tags_all", "Owner"]])));
        assert_eq!(keys, ["description", "ingress", "name", "tags"]);
        assert_eq!((d, l), (Some(json!({"Name": "web"})), Some(json!({"Name": "web"}))));
        let (keys, ..) = run(with_lifecycle(address, IgnoreChanges::All));
        assert!(keys.is_empty());
        let (keys, ..) = run(with_lifecycle("aws_security_group.other", IgnoreChanges::All));
        assert_eq!(keys.len(), 4);
    }

    #[test]
    fn source_is_the_block_of_the_address_without_instance_keys() {
        let s = with_lifecycle("module.net.aws_subnet.private", IgnoreChanges::None);
        let mut changes = vec![
            Change { address: Some("module.net.aws_subnet.private[1]".into()), ..Change::default() },
            Change { address: Some("aws_subnet.other".into()), ..Change::default() },
            Change { kind: ChangeKind::Unmanaged, ..Change::default() },
        ];
        s.annotate(&mut changes);
        let got: Vec<Option<&str>> = changes.iter().map(|c| c.source.as_deref()).collect();
        assert_eq!(got, [Some("tf/modules/net/main.tf:7"), None, None]);
    }

    #[test]
    fn ignored_owner_unknown_changes_go() {
        let s = with_rules("aws_vpc_security_group_ingress_rule.sgr-1\naws_security_group.sg-2.egress");
        let d = declared("aws_security_group", "sg-2", "aws_security_group.b", json!({}));
        let mut unknown = vec![
            Change { rtype: "aws_vpc_security_group_ingress_rule".into(), id: "sgr-1".into(), ..Change::default() },
            Change {
                rtype: "aws_vpc_security_group_egress_rule".into(),
                id: "sgr-2".into(),
                attribute: Some("egress".into()),
                detail: Some("part of aws_security_group.b (sg-2), which ...".into()),
                ..Change::default()
            },
            Change { rtype: "aws_vpc_security_group_ingress_rule".into(), id: "sgr-3".into(), ..Change::default() },
        ];
        s.resources(&mut vec![d], &mut vec![], &mut unknown);
        assert_eq!(unknown.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["sgr-3"]);
    }

    #[test]
    fn ignored_types_are_not_listed_unless_another_list_needs_them() {
        assert_eq!(Suppress::default().families(), catalog::families());
        let s = with_rules("aws_key_pair\naws_launch_template.*\naws_nat_gateway.*\n");
        let f = s.families();
        assert!(!ops(&f).contains(&"DescribeKeyPairs") && !ops(&f).contains(&"DescribeLaunchTemplates"));
        // Interfaces and addresses a NAT gateway owns are known from the NAT gateway list.
        assert!(ops(&f).contains(&"DescribeNatGateways"));
        // One type of a family still wanted keeps the family listed.
        let s = with_rules("aws_vpc.*");
        assert!(s.families().iter().any(|f| f.operation == "DescribeVpcs"));
        assert!(with_rules("*").families().is_empty());
        assert!(!with_rules("*\n!aws_instance.*").families().iter().any(|f| f.operation == "DescribeVpcs"));
    }

    fn ops(families: &[Family]) -> Vec<&'static str> {
        families.iter().map(|f| f.operation).collect()
    }

    #[test]
    fn a_check_lists_the_families_of_what_it_declares_and_what_they_need() {
        let none = Suppress::default();
        assert_eq!(ops(&none.families_for(["aws_instance", "aws_instance", "random_pet"])), ["DescribeInstances"]);
        assert_eq!(
            ops(&none.families_for(["aws_security_group"])),
            ["DescribeSecurityGroups", "DescribeSecurityGroupRules"]
        );
        assert_eq!(
            ops(&none.families_for(["aws_network_interface", "aws_vpc"])),
            // A VPC's tie to the region's own DHCP options is told apart with the options listed.
            ["DescribeVpcs", "DescribeNatGateways", "DescribeNetworkInterfaces", "DescribeDhcpOptions"]
        );
        assert!(none.families_for([]).is_empty());
        assert!(with_rules("aws_instance").families_for(["aws_instance"]).is_empty());
    }
}
