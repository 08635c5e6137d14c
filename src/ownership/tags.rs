//! A tag declared as `aws_ec2_tag` is that resource's, not its parent's: the parent's state
//! (`tags_all`) does not hold it while AWS does, and a change of it would otherwise be reported
//! twice, once per resource. The key leaves the parent's `tags` on both sides.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::aws::ec2::tags::{split_id, TAG};
use crate::resource::Resource;

/// Takes every key an `aws_ec2_tag` declares out of its resource's `tags`.
pub(super) fn ec2_tags(declared: &mut [Resource], live: &mut [Resource]) {
    let mut owned: HashMap<String, HashSet<String>> = HashMap::new();
    for d in declared.iter().filter(|d| d.rtype == TAG) {
        if let Some((resource, key)) = split_id(&d.id) {
            owned.entry(resource.to_owned()).or_default().insert(key.to_owned());
        }
    }
    if owned.is_empty() {
        return;
    }
    for r in declared.iter_mut().chain(live.iter_mut()).filter(|r| r.rtype != TAG) {
        let Some(keys) = owned.get(&r.id) else { continue };
        if let Some(Value::Object(tags)) = r.attributes.get_mut("tags") {
            tags.retain(|k, _| !keys.contains(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::fixtures::{declared, live};
    use serde_json::json;

    #[test]
    fn a_key_an_ec2_tag_declares_leaves_its_parent_on_both_sides() {
        let mut d = vec![
            declared("aws_vpc", "vpc-1", "aws_vpc.main", json!({"tags": {"Name": "main"}})),
            declared("aws_ec2_tag", "vpc-1,Cost", "aws_ec2_tag.cost", json!({"key": "Cost", "value": "a"})),
        ];
        let mut l = vec![
            live("aws_vpc", "vpc-1", json!({"tags": {"Name": "main", "Cost": "b"}}), Default::default()),
            live("aws_vpc", "vpc-2", json!({"tags": {"Cost": "b"}}), Default::default()),
        ];
        ec2_tags(&mut d, &mut l);
        assert_eq!(l[0].attributes["tags"], json!({"Name": "main"}));
        assert_eq!(l[1].attributes["tags"], json!({"Cost": "b"}), "another resource keeps its tag");
        assert_eq!(d[0].attributes["tags"], json!({"Name": "main"}));
    }
}
