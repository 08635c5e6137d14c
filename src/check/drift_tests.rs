//! Terraform's drift through the scan's passes, on plans shaped as `terraform show -json`
//! writes them (format 1.2, Terraform 1.9): the spellings that are no drift, separately declared
//! rules, and the drift that is left, shown as a scan shows it.

use serde_json::{json, Value};

use super::from_plan;
use crate::check::Drift;
use crate::output::values::describe;
use crate::plan::{self, Action};

const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";
const SG: &str = "sg-0c351afd5a771fb0";

fn rule(port: i64, cidr: &str) -> Value {
    json!({"cidr_blocks": [cidr], "description": "", "from_port": port, "ipv6_cidr_blocks": [], "prefix_list_ids": [],
           "protocol": "tcp", "security_groups": [], "self": false, "to_port": port})
}

fn group(ingress: Value, tags: Value, description: Value) -> Value {
    json!({"id": SG, "arn": format!("arn:aws:ec2:us-east-1:123456789012:security-group/{SG}"), "name": "web",
           "description": description, "vpc_id": "vpc-0a1b", "ingress": ingress, "egress": [], "tags": tags,
           "tags_all": {"Team": "web"}})
}

fn drift_entry(address: &str, rtype: &str, before: Value, after: Value) -> Value {
    let name = address.rsplit('.').next().unwrap();
    json!({"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": PROVIDER,
           "change": {"actions": ["update"], "before": before, "after": after,
                      "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}})
}

fn prior(address: &str, rtype: &str, values: Value) -> Value {
    json!({"address": address, "mode": "managed", "type": rtype, "name": address.rsplit('.').next().unwrap(),
           "provider_name": PROVIDER, "values": values, "sensitive_values": {}})
}

/// A plan with `drift` seen by Terraform over a prior state of `resources`.
fn plan(drift: Vec<Value>, resources: Vec<Value>, relevant: Option<Value>) -> plan::Plan {
    let mut doc = json!({
        "format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": [], "resource_drift": drift,
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": resources}}}
    });
    if let Some(r) = relevant {
        doc["relevant_attributes"] = r;
    }
    plan::parse("plan.json", doc.to_string().as_bytes()).unwrap()
}

fn names(d: &Drift) -> Vec<&str> {
    d.attributes.iter().map(|a| a.name.as_str()).collect()
}

#[test]
fn empty_spellings_are_no_drift_on_any_type() {
    let before = group(json!([rule(443, "0.0.0.0/0")]), Value::Null, Value::Null);
    let after = group(json!([rule(443, "0.0.0.0/0")]), json!({}), json!(""));
    let logs = |policies: Value| json!({"id": "/app", "name": "/app", "tags": null, "resource_policies": policies});
    let p = plan(
        vec![
            drift_entry("aws_security_group.web", "aws_security_group", before, after.clone()),
            drift_entry("aws_cloudwatch_log_group.app", "aws_cloudwatch_log_group", logs(Value::Null), logs(json!([]))),
        ],
        vec![prior("aws_security_group.web", "aws_security_group", after)],
        None,
    );
    assert_eq!(p.drift.len(), 2, "Terraform reports both");
    assert_eq!(from_plan(&p), vec![], "a scan reports neither");
}

#[test]
fn rules_declared_as_separate_resources_are_not_drift_of_the_group() {
    let ssh = rule(22, "10.0.0.0/8");
    let separate = json!({"id": "sgrule-1", "security_group_id": SG, "type": "ingress", "protocol": "tcp",
                          "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8"], "description": ""});
    let refreshed = group(json!([ssh]), json!({}), json!("web"));
    let seen = drift_entry(
        "aws_security_group.web",
        "aws_security_group",
        group(json!([]), json!({}), json!("web")),
        refreshed.clone(),
    );
    let the_group = prior("aws_security_group.web", "aws_security_group", refreshed);
    let p = plan(
        vec![seen.clone()],
        vec![the_group.clone(), prior("aws_security_group_rule.ssh", "aws_security_group_rule", separate)],
        None,
    );
    assert_eq!(p.drift.len(), 1, "Terraform reports the group's ingress");
    assert_eq!(from_plan(&p), vec![]);
    // Without the separate rule, the same rule is inline drift of the group.
    let alone = from_plan(&plan(vec![seen], vec![the_group], None));
    assert_eq!(alone.len(), 1);
    assert_eq!(describe(&alone[0].attributes[0].before, &alone[0].attributes[0].after), ["+ tcp 22-22 10.0.0.0/8"]);
}

#[test]
fn inline_rules_added_outside_terraform_read_as_the_scan_shows_them() {
    let before = group(json!([rule(443, "0.0.0.0/0")]), json!({"Team": "web"}), json!("web"));
    let after = group(json!([rule(443, "0.0.0.0/0"), rule(22, "0.0.0.0/0")]), json!({"Team": "web"}), json!("web"));
    let p = plan(
        vec![drift_entry("aws_security_group.web", "aws_security_group", before, after.clone())],
        vec![prior("aws_security_group.web", "aws_security_group", after)],
        None,
    );
    let got = from_plan(&p);
    assert_eq!(got.len(), 1);
    assert_eq!(names(&got[0]), ["ingress"]);
    let a = &got[0].attributes[0];
    assert_eq!(describe(&a.before, &a.after), ["+ tcp 22-22 0.0.0.0/0"]);
    assert_eq!(a.relevant, None, "a plan without relevant_attributes does not say");
}

#[test]
fn tags_and_tags_all_are_one_drift_and_relevant_attributes_say_what_the_plan_touches() {
    let vpc = |name: &str, cidr: &str| json!({"id": "vpc-0a1b", "cidr_block": cidr, "tags": {"Name": name}, "tags_all": {"Name": name}, "enable_dns_support": true});
    let deleted = json!({"address": "aws_eip.old", "mode": "managed", "type": "aws_eip", "name": "old",
                         "provider_name": PROVIDER, "change": {"actions": ["delete"], "before": {"id": "eipalloc-1"}, "after": null}});
    let p = plan(
        vec![drift_entry("aws_vpc.main", "aws_vpc", vpc("main", "10.0.0.0/16"), vpc("prod", "10.1.0.0/16")), deleted],
        vec![prior("aws_vpc.main", "aws_vpc", vpc("prod", "10.1.0.0/16"))],
        Some(json!([{"resource": "aws_vpc.main", "attribute": ["tags_all", "Name"]}])),
    );
    let got = from_plan(&p);
    assert_eq!(got.len(), 2);
    assert_eq!(names(&got[0]), ["cidr_block", "tags"]);
    let relevant: Vec<_> = got[0].attributes.iter().map(|a| a.relevant).collect();
    assert_eq!(relevant, [Some(false), Some(true)]);
    assert_eq!(got[0].attributes[1].after, json!({"Name": "prod"}));
    assert_eq!((got[1].address.as_str(), got[1].action), ("aws_eip.old", Action::Delete), "a deletion is kept");
}
