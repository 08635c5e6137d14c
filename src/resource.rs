//! The one type that crosses module borders: a resource, declared or live, with its attributes
//! under their Terraform names.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// A resource as driftscan compares it. The Terraform parser fills the declared side, the AWS
/// inventory the live side; both use Terraform's type and attribute names.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Terraform resource type, e.g. `aws_instance`.
    pub rtype: String,
    /// The provider's id (`i-0abc...`, `sg-...`).
    pub id: String,
    /// AWS region; `None` for resources of other providers or with no region to be found.
    pub region: Option<String>,
    /// Attributes under their Terraform names.
    pub attributes: Map<String, Value>,
    /// Declared side only: where and how Terraform declares it.
    pub declared: Option<Declaration>,
    /// Live side only: what owns it when Terraform does not have to.
    pub live: Option<LiveFacts>,
}

/// Where a declared resource comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// Full address, `module.net.aws_subnet.private[0]`.
    pub address: String,
    /// Short provider name with alias, `aws` or `aws.west`.
    pub provider: String,
    /// Deposed key when the object is a deposed one (create_before_destroy left it behind).
    pub deposed: Option<String>,
    /// The state file that declares it.
    pub state: String,
    /// Top-level attribute names Terraform marks sensitive; their values are hashed at parse time.
    pub sensitive: BTreeSet<String>,
}

/// Facts about a live resource that decide whether it can be unmanaged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveFacts {
    /// Created by AWS itself (default VPC, default subnets, each VPC's `default` group).
    pub aws_default: bool,
    /// Another resource owns it (an instance owns its attached volumes): never unmanaged.
    pub owner: Option<String>,
    /// Part of another resource (a rule of a group, a route of a table): it is reported unmanaged
    /// only when `ownership` decides that no declaration can hold it.
    pub parent: Option<String>,
}

impl Resource {
    /// Address for people: the Terraform address when declared, else `type.id`.
    pub fn label(&self) -> String {
        match &self.declared {
            Some(d) => d.address.clone(),
            None => format!("{}.{}", self.rtype, self.id),
        }
    }

    /// The AWS account from the resource's ARN (`arn:aws:ec2:us-east-1:123456789012:vpc/...`).
    pub fn account(&self) -> Option<String> {
        let arn = self.attributes.get("arn")?.as_str()?;
        let account = arn.split(':').nth(4)?;
        (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
    }

    /// Whether this resource belongs to the AWS provider.
    pub fn is_aws(&self) -> bool {
        self.rtype.starts_with("aws_")
    }
}

/// Resources for unit tests: one place builds them, in us-east-1.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// Declared in state `s` at `address`.
    pub fn declared(rtype: &str, id: &str, address: &str, a: Value) -> Resource {
        Resource {
            declared: Some(Declaration {
                address: address.into(),
                provider: "aws".into(),
                deposed: None,
                state: "s".into(),
                sensitive: Default::default(),
            }),
            ..bare(rtype, id, a)
        }
    }

    /// Found live, with `facts`.
    pub fn live(rtype: &str, id: &str, a: Value, facts: LiveFacts) -> Resource {
        Resource { live: Some(facts), ..bare(rtype, id, a) }
    }

    /// Neither side: for passes that look at attributes only.
    pub fn bare(rtype: &str, id: &str, a: Value) -> Resource {
        Resource {
            rtype: rtype.into(),
            id: id.into(),
            region: Some("us-east-1".into()),
            attributes: a.as_object().cloned().unwrap_or_default(),
            declared: None,
            live: None,
        }
    }
}
