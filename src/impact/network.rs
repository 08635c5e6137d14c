//! Network exposure: ingress from anywhere, public IPs on launch, publicly accessible resources.

use serde_json::Value;

use super::values::{items, truthy};
use super::{finding, Finding, Severity, Subject};
use crate::normalise::explode_rule;

const WORLD: &[&str] = &["0.0.0.0/0", "::/0"];

/// Ports whose exposure is called out by name: remote administration first, then databases and
/// caches that are never meant to face the internet.
const NAMED_PORTS: &[(i64, &str, Severity)] = &[
    (22, "SSH", Severity::High),
    (3389, "RDP", Severity::High),
    (23, "Telnet", Severity::High),
    (5985, "WinRM", Severity::High),
    (3306, "MySQL", Severity::High),
    (5432, "PostgreSQL", Severity::High),
    (1433, "SQL Server", Severity::High),
    (1521, "Oracle", Severity::High),
    (27017, "MongoDB", Severity::High),
    (6379, "Redis", Severity::High),
    (9200, "Elasticsearch", Severity::High),
    (11211, "Memcached", Severity::High),
    (5439, "Redshift", Severity::High),
];

/// Web ports: open to the world on purpose more often than not.
const WEB_PORTS: &[i64] = &[80, 443];

/// A security group's ingress rules (canonical objects, one source each) now letting the whole
/// internet in, where the declared rules did not; a standalone rule whose CIDR became the world.
pub fn world_ingress(s: &Subject) -> Vec<Finding> {
    match (s.rtype, s.attr()) {
        ("aws_security_group" | "aws_default_security_group", "ingress") => {
            let before = canonical_rules(s.before(), s.id);
            canonical_rules(s.after(), s.id).iter().filter(|r| !before.contains(r)).filter_map(group_rule).collect()
        }
        ("aws_security_group_rule", "cidr_blocks" | "ipv6_cidr_blocks")
        | ("aws_vpc_security_group_ingress_rule", "cidr_ipv4" | "cidr_ipv6") => {
            let before = items(s.before());
            items(s.after())
                .into_iter()
                .filter_map(Value::as_str)
                .filter(|c| WORLD.contains(c) && !before.iter().any(|b| b.as_str() == Some(c)))
                .map(|c| {
                    finding(Severity::High, format!("{} now allows ingress from {c}, the whole internet", s.attr()))
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Rules as the scan compares them, one source each: a plan or an old history row may hold them
/// as Terraform writes them (`cidr_blocks`, several sources in one block).
fn canonical_rules(v: &Value, own_id: &str) -> Vec<Value> {
    items(v)
        .into_iter()
        .flat_map(|r| if r.get("source").is_some() { vec![r.clone()] } else { explode_rule(r, own_id) })
        .collect()
}

/// One canonical rule `{"protocol", "from_port", "to_port", "source"}` opened to the world.
fn group_rule(rule: &Value) -> Option<Finding> {
    let source = rule.get("source")?.as_str()?;
    if !WORLD.contains(&source) {
        return None;
    }
    let protocol = rule.get("protocol").and_then(Value::as_str).unwrap_or("-1");
    let from = rule.get("from_port").and_then(Value::as_i64).unwrap_or(0);
    let to = rule.get("to_port").and_then(Value::as_i64).unwrap_or(from);
    let shown = format!("ingress {protocol} {from}-{to} from {source}");
    if protocol == "-1" || (from <= 0 && to >= 65535) {
        return Some(finding(Severity::Critical, format!("{shown} opens every port to the internet")));
    }
    if protocol == "icmp" || protocol == "1" || protocol == "58" || protocol == "icmpv6" {
        return Some(finding(Severity::Low, format!("{shown} lets the internet ping")));
    }
    let named: Vec<&(i64, &str, Severity)> = NAMED_PORTS.iter().filter(|(p, ..)| (from..=to).contains(p)).collect();
    if let Some(worst) = named.iter().map(|n| n.2).max() {
        let names: Vec<String> = named.iter().map(|(p, n, _)| format!("{n} ({p})")).collect();
        return Some(finding(worst, format!("{shown} opens {} to the internet", names.join(", "))));
    }
    if (from..=to).all(|p| WEB_PORTS.contains(&p)) {
        return Some(finding(Severity::Low, format!("{shown} opens a web port to the internet")));
    }
    Some(finding(Severity::Medium, format!("{shown} opens ports to the internet")))
}

/// A subnet whose instances now get a public IP address by default.
pub fn public_ip_on_launch(s: &Subject) -> Vec<Finding> {
    if s.attr() == "map_public_ip_on_launch" && truthy(s.after()) == Some(true) && truthy(s.before()) != Some(true) {
        return vec![finding(
            Severity::Medium,
            "map_public_ip_on_launch turned on: instances launched here get a public IP",
        )];
    }
    Vec::new()
}

/// A database, instance or cluster now reachable from outside its VPC.
pub fn publicly_accessible(s: &Subject) -> Vec<Finding> {
    let attr = s.attr();
    if matches!(attr, "publicly_accessible" | "associate_public_ip_address")
        && truthy(s.after()) == Some(true)
        && truthy(s.before()) != Some(true)
    {
        return vec![finding(
            Severity::High,
            format!("{attr} turned on: {} {} is reachable from the internet", s.rtype, s.id),
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(protocol: &str, from: i64, to: i64, source: &str) -> Value {
        json!({"protocol": protocol, "from_port": from, "to_port": to, "source": source, "description": ""})
    }

    fn ingress(before: Value, after: Value) -> Vec<Finding> {
        let s = Subject {
            rtype: "aws_security_group",
            id: "sg-1",
            kind: "drifted",
            attribute: Some("ingress"),
            before: Some(&before),
            after: Some(&after),
        };
        world_ingress(&s)
    }

    #[test]
    fn world_ingress_severity_by_port_in_every_rule_shape() {
        let office = rule("tcp", 22, 22, "10.0.0.0/8");
        let f = ingress(json!([office]), json!([office, rule("tcp", 22, 22, "0.0.0.0/0")]));
        assert_eq!(f, [finding(Severity::High, "ingress tcp 22-22 from 0.0.0.0/0 opens SSH (22) to the internet")]);
        let f = ingress(json!([]), json!([rule("tcp", 3389, 3389, "::/0")]));
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].reason.contains("RDP (3389)"), "{}", f[0].reason);
        let f = ingress(json!([]), json!([rule("tcp", 5000, 6000, "0.0.0.0/0")]));
        assert!(f[0].reason.contains("PostgreSQL") || f[0].reason.contains("Redis"), "{}", f[0].reason);
        assert_eq!(ingress(json!([]), json!([rule("-1", 0, 0, "0.0.0.0/0")]))[0].severity, Severity::Critical);
        assert_eq!(ingress(json!([]), json!([rule("tcp", 0, 65535, "0.0.0.0/0")]))[0].severity, Severity::Critical);
        assert_eq!(ingress(json!([]), json!([rule("tcp", 443, 443, "0.0.0.0/0")]))[0].severity, Severity::Low);
        assert_eq!(ingress(json!([]), json!([rule("udp", 1194, 1194, "0.0.0.0/0")]))[0].severity, Severity::Medium);
        assert_eq!(ingress(json!([]), json!([rule("icmp", -1, -1, "0.0.0.0/0")]))[0].severity, Severity::Low);
    }

    #[test]
    fn rules_already_declared_or_not_from_the_world_are_no_exposure() {
        let open = rule("tcp", 22, 22, "0.0.0.0/0");
        assert!(ingress(json!([open]), json!([open])).is_empty(), "declared exposure is Terraform's");
        assert!(ingress(json!([open]), json!([])).is_empty(), "a rule removed exposes nothing");
        assert!(ingress(json!([]), json!([rule("tcp", 22, 22, "sg-0abc"), rule("tcp", 22, 22, "self")])).is_empty());
        assert!(ingress(json!(null), json!(null)).is_empty());
    }

    #[test]
    fn standalone_rules_whose_cidr_became_the_world() {
        let (b, a) = (json!(["10.0.0.0/8"]), json!(["10.0.0.0/8", "0.0.0.0/0"]));
        let s = Subject {
            rtype: "aws_security_group_rule",
            id: "sgrule-1",
            kind: "drifted",
            attribute: Some("cidr_blocks"),
            before: Some(&b),
            after: Some(&a),
        };
        assert_eq!(world_ingress(&s)[0].severity, Severity::High);
        let (b, a) = (json!("10.0.0.0/8"), json!("0.0.0.0/0"));
        let s = Subject {
            rtype: "aws_vpc_security_group_ingress_rule",
            attribute: Some("cidr_ipv4"),
            before: Some(&b),
            after: Some(&a),
            ..s
        };
        assert_eq!(world_ingress(&s).len(), 1);
    }

    #[test]
    fn public_ips_and_public_access() {
        let (f, t) = (json!(false), json!(true));
        let s = Subject {
            rtype: "aws_subnet",
            id: "subnet-1",
            kind: "drifted",
            attribute: Some("map_public_ip_on_launch"),
            before: Some(&f),
            after: Some(&t),
        };
        assert_eq!(public_ip_on_launch(&s)[0].severity, Severity::Medium);
        assert!(public_ip_on_launch(&Subject { before: Some(&t), after: Some(&f), ..s }).is_empty());
        let s = Subject { rtype: "aws_db_instance", id: "db-1", attribute: Some("publicly_accessible"), ..s };
        assert_eq!(publicly_accessible(&s)[0].severity, Severity::High);
    }
}
