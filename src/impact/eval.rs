//! The impact rules on labelled changes (`make eval`): incidents each rule should catch, at its
//! severity, and everyday changes no rule should raise above low. Values are in the forms the
//! scan compares and the forms AWS and Terraform hand over (policy documents as IAM lists them,
//! URL-encoded; rules as Terraform writes them in plans and as the scan's canonical objects).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use super::{assess, Severity, Subject};

/// One labelled change: what it is, and the rule and severity it should get (`None` for a
/// normal change, which should come out low or with no impact).
pub struct Case {
    pub name: &'static str,
    pub rtype: &'static str,
    pub id: &'static str,
    pub kind: &'static str,
    pub attribute: Option<&'static str>,
    pub before: Value,
    pub after: Value,
    pub expect: Option<(&'static str, Severity)>,
}

fn case(
    name: &'static str,
    rtype: &'static str,
    attribute: &'static str,
    before: Value,
    after: Value,
    expect: Option<(&'static str, Severity)>,
) -> Case {
    Case { name, rtype, id: "r-1", kind: "drifted", attribute: Some(attribute), before, after, expect }
}

fn gone(
    name: &'static str,
    rtype: &'static str,
    kind: &'static str,
    id: &'static str,
    expect: Option<(&'static str, Severity)>,
) -> Case {
    Case { name, rtype, id, kind, attribute: None, before: Value::Null, after: Value::Null, expect }
}

fn rule(protocol: &str, from: i64, to: i64, source: &str) -> Value {
    json!({"protocol": protocol, "from_port": from, "to_port": to, "source": source, "description": ""})
}

fn doc(statement: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statement}).to_string().into()
}

/// The labelled changes.
pub fn cases() -> Vec<Case> {
    use Severity::{Critical, High, Medium};
    let office = rule("tcp", 22, 22, "10.0.0.0/8");
    let read = doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}]));
    let own = doc(
        json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}}),
    );
    let tf_block = |cidr: &str, proto: &str, from: i64, to: i64| {
        json!([{"protocol": proto, "from_port": from, "to_port": to,
        "cidr_blocks": [cidr], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}])
    };
    let grants = |uri: Option<&str>| {
        let mut g = vec![json!({"permission": "FULL_CONTROL", "grantee": [{"type": "CanonicalUser", "id": "abc"}]})];
        if let Some(u) = uri {
            g.push(json!({"permission": "READ", "grantee": [{"type": "Group", "uri": u}]}));
        }
        json!([{"grant": g, "owner": [{"id": "abc"}]}])
    };
    let kms =
        json!([{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "k"}]}]);
    let s3 = json!([{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]);
    vec![
        // Incidents.
        case("SSH to the world", "aws_security_group", "ingress", json!([office]), json!([office, rule("tcp", 22, 22, "0.0.0.0/0")]), Some(("world_ingress", High))),
        case("RDP to the world over IPv6", "aws_security_group", "ingress", json!([]), json!([rule("tcp", 3389, 3389, "::/0")]), Some(("world_ingress", High))),
        case("all traffic to the world, Terraform shape", "aws_security_group", "ingress", tf_block("10.0.0.0/8", "-1", 0, 0), tf_block("0.0.0.0/0", "-1", 0, 0), Some(("world_ingress", Critical))),
        case("PostgreSQL to the world", "aws_security_group", "ingress", json!([]), json!([rule("tcp", 5432, 5432, "0.0.0.0/0")]), Some(("world_ingress", High))),
        case("standalone rule widened to the world", "aws_security_group_rule", "cidr_blocks", json!(["10.0.0.0/8"]), json!(["0.0.0.0/0"]), Some(("world_ingress", High))),
        case("database made public", "aws_db_instance", "publicly_accessible", json!(false), json!(true), Some(("publicly_accessible", High))),
        case("subnet maps public IPs", "aws_subnet", "map_public_ip_on_launch", json!(false), json!(true), Some(("public_ip_on_launch", Medium))),
        case("inline policy grants everything, URL-encoded", "aws_iam_role_policy", "policy", read.clone(),
             json!("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"),
             Some(("policy_wildcard", Critical))),
        case("policy grants iam:PassRole on *", "aws_iam_policy", "policy", read.clone(), doc(json!([{"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*"}])), Some(("policy_wildcard", High))),
        case("trust policy lets a foreign account in", "aws_iam_role", "assume_role_policy", own.clone(),
             doc(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "999999999999"]}})), Some(("trust_widened", High))),
        case("trust policy lets anyone in", "aws_iam_role", "assume_role_policy", own.clone(), doc(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}})), Some(("trust_widened", Critical))),
        gone("AdministratorAccess attached out of band", "aws_iam_role_policy_attachment", "unmanaged", "ci/arn:aws:iam::aws:policy/AdministratorAccess", Some(("admin_attached", Critical))),
        gone("access key made out of band", "aws_iam_access_key", "unmanaged", "AKIAEXAMPLE", Some(("new_identity", High))),
        gone("user made out of band", "aws_iam_user", "unmanaged", "mallory", Some(("new_identity", Medium))),
        case("bucket policy open to anyone", "aws_s3_bucket_policy", "policy", Value::Null, doc(json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}])), Some(("trust_widened", Critical))),
        case("bucket ACL grants all users", "aws_s3_bucket_acl", "access_control_policy", grants(None), grants(Some("http://acs.amazonaws.com/groups/global/AllUsers")), Some(("bucket_acl_public", Critical))),
        case("public access block off", "aws_s3_bucket_public_access_block", "block_public_policy", json!(true), json!(false), Some(("public_access_block_off", High))),
        case("versioning suspended", "aws_s3_bucket_versioning", "versioning_configuration", json!([{"status": "Enabled", "mfa_delete": null}]), json!([{"status": "Suspended", "mfa_delete": null}]), Some(("versioning_suspended", Medium))),
        case("default encryption removed", "aws_s3_bucket_server_side_encryption_configuration", "rule", kms.clone(), json!([]), Some(("encryption_removed", High))),
        case("KMS key disabled", "aws_kms_key", "is_enabled", json!(true), json!(false), Some(("kms_key_weakened", High))),
        case("KMS rotation off", "aws_kms_key", "enable_key_rotation", json!(true), json!(false), Some(("kms_key_weakened", Medium))),
        gone("KMS key scheduled for deletion", "aws_kms_key", "deleted", "1234abcd-12ab", Some(("kms_key_weakened", Critical))),
        case("deletion protection off", "aws_db_instance", "deletion_protection", json!(true), json!(false), Some(("deletion_protection_off", High))),
        case("backups turned off", "aws_db_instance", "backup_retention_period", json!(7), json!(0), Some(("backup_retention_lowered", High))),
        case("trail logging off", "aws_cloudtrail", "enable_logging", json!(true), json!(false), Some(("logging_off", High))),
        gone("flow log deleted", "aws_flow_log", "deleted", "fl-1", Some(("logging_off", High))),
        gone("instance deleted outside Terraform", "aws_instance", "deleted", "i-1", Some(("deleted_out_of_band", Medium))),
        // Everyday changes.
        case("tag edit", "aws_security_group", "tags", json!({"Name": "web"}), json!({"Name": "web", "Owner": "ana"}), None),
        case("instance resized", "aws_instance", "instance_type", json!("t3.micro"), json!("t3.large"), None),
        case("SSH from the office", "aws_security_group", "ingress", json!([]), json!([office]), None),
        case("HTTPS to the world", "aws_security_group", "ingress", json!([]), json!([rule("tcp", 443, 443, "0.0.0.0/0")]), None),
        case("world rule removed", "aws_security_group", "ingress", json!([rule("tcp", 22, 22, "0.0.0.0/0")]), json!([]), None),
        case("rule from another group", "aws_security_group", "ingress", json!([]), json!([rule("tcp", 5432, 5432, "sg-0abc")]), None),
        case("egress to the world", "aws_security_group", "egress", json!([]), json!([rule("-1", 0, 0, "0.0.0.0/0")]), None),
        case("read access to one bucket", "aws_iam_policy", "policy", Value::Null, read.clone(), None),
        case("trust policy adds a service", "aws_iam_role", "assume_role_policy", own.clone(),
             doc(json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}},
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}])), None),
        case("trust policy adds a role of the same account", "aws_iam_role", "assume_role_policy", own,
             doc(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::111111111111:role/ci"]}})), None),
        case("a denial of everything", "aws_iam_policy", "policy", read, doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}])), None),
        case("versioning enabled", "aws_s3_bucket_versioning", "versioning_configuration", json!([{"status": "Suspended"}]), json!([{"status": "Enabled"}]), None),
        case("encryption moved to KMS", "aws_s3_bucket_server_side_encryption_configuration", "rule", s3, kms, None),
        case("KMS rotation on", "aws_kms_key", "enable_key_rotation", json!(false), json!(true), None),
        case("deletion protection on", "aws_db_instance", "deletion_protection", json!(false), json!(true), None),
        case("retention raised", "aws_db_instance", "backup_retention_period", json!(1), json!(7), None),
        case("bucket ACL grant to the owner only", "aws_s3_bucket_acl", "access_control_policy", grants(None), grants(None), None),
        case("description edited", "aws_iam_role", "description", json!("ci"), json!("ci role"), None),
        gone("unmanaged instance", "aws_instance", "unmanaged", "i-2", None),
        gone("unmanaged ReadOnlyAccess attachment", "aws_iam_role_policy_attachment", "unmanaged", "ci/arn:aws:iam::aws:policy/ReadOnlyAccess", None),
    ]
}

/// What one case came to.
pub struct Outcome {
    pub name: &'static str,
    pub expect: Option<(&'static str, Severity)>,
    pub got: Option<Severity>,
    pub rules: Vec<&'static str>,
}

impl Outcome {
    /// An incident caught by its rule at its severity or more; a normal change left at low.
    pub fn right(&self) -> bool {
        match self.expect {
            Some((rule, sev)) => self.rules.contains(&rule) && self.got >= Some(sev),
            None => self.got <= Some(Severity::Low),
        }
    }
}

pub fn run() -> Vec<Outcome> {
    cases()
        .into_iter()
        .map(|c| {
            let i = assess(&Subject {
                rtype: c.rtype,
                id: c.id,
                kind: c.kind,
                attribute: c.attribute,
                before: Some(&c.before),
                after: Some(&c.after),
            });
            Outcome { name: c.name, expect: c.expect, got: i.severity, rules: i.rules }
        })
        .collect()
}

/// Each rule's incidents caught and missed, then the false alarms among the everyday changes.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut per_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in super::RULES {
        per_rule.insert(r.name, (0, 0));
    }
    let mut out = String::from("impact rule                  caught  missed\n");
    for o in outcomes {
        if let Some((rule, _)) = o.expect {
            let e = per_rule.entry(rule).or_default();
            if o.right() {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
    }
    for (rule, (hit, miss)) in &per_rule {
        let _ = writeln!(out, "{rule:<28} {hit:>6} {miss:>7}");
    }
    let normal: Vec<&Outcome> = outcomes.iter().filter(|o| o.expect.is_none()).collect();
    let alarms: Vec<&Outcome> = normal.iter().copied().filter(|o| !o.right()).collect();
    let incidents = outcomes.len() - normal.len();
    let caught = outcomes.iter().filter(|o| o.expect.is_some() && o.right()).count();
    let _ = writeln!(
        out,
        "incidents caught at their severity: {caught}/{incidents}; everyday changes above low: {}/{}",
        alarms.len(),
        normal.len()
    );
    for o in outcomes.iter().filter(|o| !o.right()) {
        let _ = writeln!(out, "  wrong: {} (expected {:?}, got {:?} from {:?})", o.name, o.expect, o.got, o.rules);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_labelled_change_comes_out_as_labelled() {
        let outcomes = super::run();
        let wrong: Vec<_> = outcomes.iter().filter(|o| !o.right()).map(|o| (o.name, o.got, o.rules.clone())).collect();
        assert!(wrong.is_empty(), "{wrong:?}\n{}", super::table(&outcomes));
    }
}
