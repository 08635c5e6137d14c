//! The configuration of an unmanaged resource, as `terraform plan -generate-config-out` would
//! write it, without Terraform: its `import` block and a `resource` block holding the live
//! attributes a user can set (the history keeps them for unmanaged changes: see
//! `diff::settable_live`). Computed attributes (`arn`, `id`, a key pair's fingerprint) are not
//! in that list, so they are never written.
//!
//! Values are written as HCL literals ([`literal::render`]); a list of objects (a security
//! group's rules, a route table's routes) is written as one nested block per object, as
//! Terraform's inline blocks are. Security group rules are kept by the scan in their canonical
//! form, one source per rule; they are written back in the provider's form (`cidr_blocks`,
//! `ipv6_cidr_blocks`, `prefix_list_ids`, `security_groups`, `self`).

use serde_json::{Map, Value};

use super::literal;
use crate::resource::Resource;

/// The file unmanaged resources are adopted in, in the `--tf-dir` folder.
pub const FILE: &str = "imports.tf";

/// The `import` and `resource` blocks that adopt `id` of `rtype` with its settable `live`
/// attributes, under the name the `import` block takes from the `Name` tag. Returns the
/// resource's address and the text.
pub fn adopt(rtype: &str, id: &str, live: &Map<String, Value>) -> (String, String) {
    let resource = Resource {
        rtype: rtype.to_owned(),
        id: id.to_owned(),
        region: None,
        attributes: live.clone(),
        declared: None,
        live: None,
    };
    let import = crate::diff::import_block(&resource);
    let address = import.lines().find_map(|l| l.trim().strip_prefix("to = ")).unwrap_or(rtype).to_owned();
    let name = address.rsplit('.').next().unwrap_or("imported");
    let mut text = format!("{import}\n\nresource \"{rtype}\" \"{name}\" {{\n");
    let (blocks, attributes): (Vec<_>, Vec<_>) = live.iter().partition(|(_, v)| is_blocks(v));
    let width = attributes.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &attributes {
        text.push_str(&format!("  {k:width$} = {}\n", literal::render(v)));
    }
    for (k, v) in blocks {
        for object in v.as_array().into_iter().flatten().filter_map(Value::as_object) {
            text.push_str(&format!("\n  {k} {{\n"));
            let fields = if is_canonical_rule(object) { provider_rule(object) } else { object.clone() };
            let width = fields.keys().map(String::len).max().unwrap_or(0);
            for (fk, fv) in fields.iter().filter(|(_, v)| !v.is_null()) {
                text.push_str(&format!("    {fk:width$} = {}\n", literal::render(fv)));
            }
            text.push_str("  }\n");
        }
    }
    text.push_str("}\n");
    (address, text)
}

/// A non-empty list of objects whose keys are identifiers: written as nested blocks (a key
/// that is not one could not name a block's attribute, so such a list stays a literal).
fn is_blocks(v: &Value) -> bool {
    let block = |o: &Value| o.as_object().is_some_and(|o| o.keys().all(|k| literal::key(k) == *k));
    v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(block))
}

/// A security group rule as the scan compares it (`normalise::explode_rule`): one `source`.
fn is_canonical_rule(o: &Map<String, Value>) -> bool {
    o.contains_key("source") && o.contains_key("protocol")
}

/// A canonical rule in the provider's block form: its source goes to the list that holds that
/// kind of source.
fn provider_rule(o: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for k in ["from_port", "to_port", "protocol", "description"] {
        if let Some(v) = o.get(k) {
            out.insert(k.to_owned(), v.clone());
        }
    }
    let source = o.get("source").and_then(Value::as_str).unwrap_or_default();
    let (key, value) = match source {
        "self" => ("self", Value::Bool(true)),
        s if s.starts_with("pl-") => ("prefix_list_ids", Value::from(vec![s])),
        s if s.starts_with("sg-") => ("security_groups", Value::from(vec![s])),
        s if s.contains(':') => ("ipv6_cidr_blocks", Value::from(vec![s])),
        s => ("cidr_blocks", Value::from(vec![s])),
    };
    out.insert(key.to_owned(), value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parses(text: &str) -> hcl::edit::structure::Body {
        text.parse().unwrap_or_else(|e| panic!("does not parse: {e}\n{text}"))
    }

    #[test]
    fn a_security_group_is_written_with_its_rules_as_blocks_and_parses() {
        let live = json!({
            "name": "web-2", "description": "web \"two\" ${not_interpolated}", "vpc_id": "vpc-1",
            "ingress": [
                {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0", "description": ""},
                {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "sg-9", "description": "lb"},
                {"protocol": "-1", "from_port": 0, "to_port": 0, "source": "::/0", "description": ""}
            ],
            "egress": [],
            "tags": {"Name": "web 2", "cost center": "7"}
        });
        let (address, text) = adopt("aws_security_group", "sg-2", live.as_object().unwrap());
        assert_eq!(address, "aws_security_group.web_2");
        let body = parses(&text);
        let blocks: Vec<_> = body.blocks().collect();
        assert_eq!(blocks[0].ident.as_str(), "import");
        assert_eq!(blocks[1].ident.as_str(), "resource");
        let resource = &blocks[1].body;
        let attrs: Vec<&str> = resource.attributes().map(|a| a.key.as_str()).collect();
        assert_eq!(attrs, ["name", "description", "vpc_id", "egress", "tags"], "{text}");
        let rules: Vec<_> = resource.blocks().collect();
        assert_eq!(rules.len(), 3, "{text}");
        assert!(text.contains("    cidr_blocks = [\"0.0.0.0/0\"]\n"), "{text}");
        assert!(text.contains("    security_groups = [\"sg-9\"]\n"), "{text}");
        assert!(text.contains("    ipv6_cidr_blocks = [\"::/0\"]\n"), "{text}");
        assert!(text.contains(r#"tags        = { Name = "web 2", "cost center" = "7" }"#), "{text}");
        assert!(text.contains(r#""web \"two\" $${not_interpolated}""#), "never an interpolation: {text}");
    }

    #[test]
    fn only_settable_attributes_are_written() {
        // What the scan keeps for a key pair: the catalog's settable attributes of the type.
        let spec = crate::catalog::spec("aws_key_pair").unwrap();
        let settable: Vec<&str> = spec.settable().collect();
        assert!(!settable.contains(&"fingerprint"), "{settable:?}");
        for rtype in ["aws_instance", "aws_security_group", "aws_eip", "aws_launch_template", "aws_vpc"] {
            let spec = crate::catalog::spec(rtype).unwrap();
            let settable: Vec<&str> = spec.settable().collect();
            for computed in ["arn", "id", "owner_id", "fingerprint", "latest_version", "public_ip"] {
                assert!(!settable.contains(&computed), "{rtype} writes {computed}");
            }
        }
        let live = Resource {
            rtype: "aws_eip".into(),
            id: "eipalloc-1".into(),
            region: None,
            attributes: json!({"domain": "vpc", "public_ip": "203.0.113.9", "tags": {"Name": "nat"}})
                .as_object()
                .unwrap()
                .clone(),
            declared: None,
            live: None,
        };
        let kept = crate::diff::settable_live(&live).unwrap();
        assert_eq!(kept, json!({"domain": "vpc", "tags": {"Name": "nat"}}));
        let (_, text) = adopt("aws_eip", "eipalloc-1", kept.as_object().unwrap());
        parses(&text);
        assert!(!text.contains("public_ip"), "{text}");
    }
}
