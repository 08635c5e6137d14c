//! Impact: what a change does, as opposed to how unusual it is (`scoring`).
//!
//! A change (its type, id, kind, attribute and before/after values) is matched against
//! [`RULES`], one table of named rules. Each rule that fires gives a [`Severity`] and a plain
//! sentence citing the values that made it fire ("ingress tcp 22-22 from 0.0.0.0/0 opens SSH to
//! the internet"). The change's impact is the highest severity among them, its reasons all of
//! them, highest first. A change no rule matches (a tag edit, an instance resized) has no impact.
//!
//! Rules read values in the form the scan compares them: security group rules as canonical rule
//! objects (`normalise::explode_rule`), policy documents as canonical JSON (`policy::canonical`),
//! or, for values stored before that form existed, as JSON text, which is parsed the same way.
//! Rules are pure and cheap: a report applies them to every change it reads, so nothing needs
//! storing in the history.
//!
//! [`severity`] then combines impact with the learned score (see its docs for the rule).

mod data;
pub mod eval;
mod identity;
mod network;
mod safety;
pub mod severity;
mod values;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use severity::combine;

/// How bad a change is, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// One level up, critical staying critical.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The change a rule looks at. `kind` is the report's kind: `drifted`, `deleted`, `unmanaged`,
/// `owner_unknown` or `event`.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub rtype: &'a str,
    pub id: &'a str,
    pub kind: &'a str,
    pub attribute: Option<&'a str>,
    /// What Terraform declares (drifted only).
    pub before: Option<&'a Value>,
    /// What AWS has now (drifted only).
    pub after: Option<&'a Value>,
}

impl Subject<'_> {
    fn before(&self) -> &Value {
        self.before.unwrap_or(&Value::Null)
    }
    fn after(&self) -> &Value {
        self.after.unwrap_or(&Value::Null)
    }
    fn attr(&self) -> &str {
        self.attribute.unwrap_or("")
    }
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub reason: String,
}

/// A named rule: the area it belongs to, and the check that reads the change.
pub struct Rule {
    pub name: &'static str,
    pub area: &'static str,
    /// What the rule looks for, in words (for the README and `make eval`).
    pub about: &'static str,
    pub check: fn(&Subject) -> Vec<Finding>,
}

/// Every rule, by area. The severities each rule gives are in its check and its tests.
pub const RULES: &[Rule] = &[
    Rule {
        name: "world_ingress",
        area: "network",
        about: "ingress from 0.0.0.0/0 or ::/0; admin (22, 3389) and database ports called out",
        check: network::world_ingress,
    },
    Rule {
        name: "public_ip_on_launch",
        area: "network",
        about: "a subnet now maps public IPs on launch",
        check: network::public_ip_on_launch,
    },
    Rule {
        name: "publicly_accessible",
        area: "network",
        about: "an instance or database made publicly accessible",
        check: network::publicly_accessible,
    },
    Rule {
        name: "policy_wildcard",
        area: "identity",
        about: "a policy now allowing `*`, `iam:*` or `iam:PassRole`",
        check: identity::policy_wildcard,
    },
    Rule {
        name: "trust_widened",
        area: "identity",
        about: "a trust or resource policy now letting `*` or a new account in",
        check: identity::trust_widened,
    },
    Rule {
        name: "admin_attached",
        area: "identity",
        about: "an administrator managed policy attached",
        check: identity::admin_attached,
    },
    Rule {
        name: "new_identity",
        area: "identity",
        about: "a user or access key made outside Terraform",
        check: identity::new_identity,
    },
    Rule {
        name: "bucket_acl_public",
        area: "data",
        about: "a bucket ACL granting all users or all AWS accounts",
        check: data::bucket_acl_public,
    },
    Rule {
        name: "public_access_block_off",
        area: "data",
        about: "an S3 public access block setting turned off or removed",
        check: data::public_access_block_off,
    },
    Rule {
        name: "versioning_suspended",
        area: "data",
        about: "bucket versioning suspended",
        check: data::versioning_suspended,
    },
    Rule {
        name: "encryption_removed",
        area: "data",
        about: "bucket default encryption removed",
        check: data::encryption_removed,
    },
    Rule {
        name: "kms_key_weakened",
        area: "data",
        about: "a KMS key disabled, scheduled for deletion, or its rotation turned off",
        check: data::kms_key_weakened,
    },
    Rule {
        name: "deletion_protection_off",
        area: "safety",
        about: "deletion or termination protection turned off",
        check: safety::deletion_protection_off,
    },
    Rule {
        name: "backup_retention_lowered",
        area: "safety",
        about: "backup retention lowered",
        check: safety::backup_retention_lowered,
    },
    Rule {
        name: "logging_off",
        area: "safety",
        about: "logging or flow logs turned off or removed",
        check: safety::logging_off,
    },
    Rule {
        name: "deleted_out_of_band",
        area: "safety",
        about: "a declared resource deleted outside Terraform",
        check: safety::deleted_out_of_band,
    },
];

/// What a change does: the highest severity any rule gave, and every reason, highest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impact {
    /// `None` when no rule matched.
    pub severity: Option<Severity>,
    pub reasons: Vec<String>,
    /// The rules that fired, in the order of their reasons.
    pub rules: Vec<&'static str>,
}

/// Applies every rule to one change.
pub fn assess(s: &Subject) -> Impact {
    let mut found: Vec<(Finding, &'static str)> =
        RULES.iter().flat_map(|r| (r.check)(s).into_iter().map(move |f| (f, r.name))).collect();
    // Highest first; the table's order breaks ties, so output is stable.
    found.sort_by_key(|f| std::cmp::Reverse(f.0.severity));
    let mut out = Impact { severity: found.first().map(|f| f.0.severity), ..Impact::default() };
    for (f, rule) in found {
        if !out.reasons.contains(&f.reason) {
            out.reasons.push(f.reason);
            out.rules.push(rule);
        }
    }
    out
}

fn finding(severity: Severity, reason: impl Into<String>) -> Finding {
    Finding { severity, reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tag_edit_has_no_impact() {
        let (b, a) = (json!({"Name": "web"}), json!({"Name": "web2"}));
        let s = Subject {
            rtype: "aws_security_group",
            id: "sg-1",
            kind: "drifted",
            attribute: Some("tags"),
            before: Some(&b),
            after: Some(&a),
        };
        assert_eq!(assess(&s), Impact::default());
    }

    #[test]
    fn reasons_are_highest_first_and_rule_names_unique() {
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
        let before = json!([]);
        let after = json!([
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0", "description": ""},
            {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0", "description": ""}]);
        let s = Subject {
            rtype: "aws_security_group",
            id: "sg-1",
            kind: "drifted",
            attribute: Some("ingress"),
            before: Some(&before),
            after: Some(&after),
        };
        let i = assess(&s);
        assert_eq!(i.severity, Some(Severity::High));
        assert!(i.reasons[0].contains("SSH"), "{:?}", i.reasons);
        assert_eq!(i.reasons.len(), 2);
    }
}
