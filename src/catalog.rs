//! The inventory's one shape: every covered resource type, declared once in the module of its
//! AWS service (`aws::ec2::TYPES`, `aws::iam::TYPES`, ...), with the list call that finds it,
//! that call's scope, the attributes compared and the id `terraform import` takes. Everything
//! else (normalising, suppressing, diffing, coverage, CloudTrail) reads it from here.
//!
//! An attribute is compared only when the live inventory can produce it faithfully: comparing
//! anything else is how drift tools earn false positives.

use std::sync::LazyLock;

use serde_json::{Map, Value};

/// The AWS service behind a list call: each has its own SDK client and module under `aws/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Ec2,
    Iam,
    S3,
    Kms,
    Eks,
    Ecs,
    Rds,
    Lambda,
    Elbv2,
    Elb,
    AutoScaling,
    Sqs,
    Sns,
    Dynamodb,
    Logs,
    Ecr,
    SecretsManager,
    Route53,
    ApiGateway,
    CloudWatch,
    EventBridge,
}

/// Where a list call's answer holds: one region, or the whole account (IAM, the S3 bucket list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Regional,
    Global,
}

/// The region label of what a global list finds complete: coverage, unscanned entries and the
/// resources of global services (IAM) carry it instead of a region.
pub const GLOBAL: &str = "global";

/// One list call (with its paginator) that finds the live resources of one or more types.
#[derive(Debug)]
pub struct ListSpec {
    /// The operation, for messages and call counts; unique, it names the list.
    pub operation: &'static str,
    pub service: Service,
    pub scope: Scope,
    /// Lists whose answer this one's ownership needs (a NAT gateway owns interfaces): they are
    /// listed too, even when every type of theirs is ignored.
    pub needs: &'static [&'static str],
}

/// A list, compared and hashed by its operation name.
pub type Family = &'static ListSpec;

impl PartialEq for ListSpec {
    fn eq(&self, other: &Self) -> bool {
        self.operation == other.operation
    }
}
impl Eq for ListSpec {}
impl std::hash::Hash for ListSpec {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.operation.hash(state);
    }
}

impl ListSpec {
    /// The covered types this list's answer proves complete or incomplete.
    pub fn types(&'static self) -> impl Iterator<Item = &'static TypeSpec> {
        covered().iter().filter(move |s| s.family == self)
    }

    /// The operation behind the list, for messages.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

/// The id `terraform import` takes for a live resource of a type, from its attributes.
pub type ImportId = fn(id: &str, attributes: &Map<String, Value>) -> String;

/// One covered Terraform resource type.
#[derive(Debug, Clone, Copy)]
pub struct TypeSpec {
    /// Terraform type name.
    pub name: &'static str,
    /// The type the live inventory reports it as: `aws_default_vpc` adopts a VPC AWS made, so it
    /// is compared with the live `aws_vpc` of the same id.
    pub live: &'static str,
    /// The list call that finds it.
    pub family: Family,
    /// Attributes compared, by Terraform name, in report order. `tags` compares `tags_all`
    /// when the state has it, so provider `default_tags` are not drift.
    pub compared: &'static [&'static str],
    /// How its import id is made; `None` imports by the id.
    pub import: Option<ImportId>,
    /// How both sides' id is made from the attributes, for types whose Terraform id is made up
    /// (`role-20240101...` for a policy attachment): `None` matches by the id. It is also the
    /// import id unless `import` says otherwise.
    pub identity: Option<ImportId>,
    /// Compared attributes that hold policy documents: compared as documents (see
    /// [`crate::policy`]), not as text.
    pub documents: &'static [&'static str],
    /// Compared attributes AWS sets and a configuration cannot (a key pair's fingerprint): left
    /// out of the resource block `fix` generates for an unmanaged resource.
    pub computed: &'static [&'static str],
}

impl TypeSpec {
    /// A type listed by `family` and compared on `compared`, live under its own name.
    pub const fn new(name: &'static str, family: Family, compared: &'static [&'static str]) -> TypeSpec {
        TypeSpec { name, live: name, family, compared, import: None, identity: None, documents: &[], computed: &[] }
    }

    /// Compared with the live resources of another type (`aws_default_vpc` with `aws_vpc`).
    pub const fn adopts(self, live: &'static str) -> TypeSpec {
        TypeSpec { live, ..self }
    }

    /// Imported by an id made from its attributes.
    pub const fn imported_by(self, import: ImportId) -> TypeSpec {
        TypeSpec { import: Some(import), ..self }
    }

    /// Matched by an id made from its attributes, not by Terraform's.
    pub const fn identified_by(self, identity: ImportId) -> TypeSpec {
        TypeSpec { identity: Some(identity), ..self }
    }

    /// With attributes that hold policy documents.
    pub const fn with_documents(self, documents: &'static [&'static str]) -> TypeSpec {
        TypeSpec { documents, ..self }
    }

    /// With compared attributes that AWS computes (see [`TypeSpec::computed`]).
    pub const fn with_computed(self, computed: &'static [&'static str]) -> TypeSpec {
        TypeSpec { computed, ..self }
    }

    /// The compared attributes a user can set, in report order: what a generated resource
    /// block may hold.
    pub fn settable(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.compared.iter().copied().filter(|a| !self.computed.contains(a))
    }

    /// Where the list that finds it holds.
    pub fn scope(&self) -> Scope {
        self.family.scope
    }
}

/// Every covered type, service by service, in the order scans report them.
pub fn covered() -> &'static [TypeSpec] {
    static COVERED: LazyLock<Vec<TypeSpec>> =
        LazyLock::new(|| crate::aws::SERVICES.iter().flat_map(|s| s.types.iter().copied()).collect());
    &COVERED
}

/// Every list, service by service, in the order scans run them.
pub fn families() -> Vec<Family> {
    crate::aws::SERVICES.iter().flat_map(|s| s.lists.iter()).collect()
}

/// The list named by its operation.
pub fn family(operation: &str) -> Option<Family> {
    crate::aws::SERVICES.iter().flat_map(|s| s.lists.iter()).find(|l| l.operation == operation)
}

/// The spec of a covered type, or `None` when driftscan does not compare that type yet.
pub fn spec(rtype: &str) -> Option<&'static TypeSpec> {
    covered().iter().find(|s| s.name == rtype)
}

/// Whether live inventory covers this type.
pub fn is_covered(rtype: &str) -> bool {
    spec(rtype).is_some()
}

/// Whether the type is listed once per account rather than per region.
pub fn is_global(rtype: &str) -> bool {
    spec(rtype).is_some_and(|s| s.scope() == Scope::Global)
}

/// Whether the type's resources belong to no region (IAM's, Route53's, the account's S3 public
/// access block): they carry [`GLOBAL`].
pub fn in_no_region(rtype: &str) -> bool {
    spec(rtype).is_some_and(|s| {
        matches!(s.family.service, Service::Iam | Service::Route53)
            || s.family.operation == crate::aws::s3::ACCOUNT_LIST
    })
}

/// The (type, region) key coverage is kept under: a global type's listing holds for the whole
/// account, whatever region its resources are in.
pub fn coverage_key(rtype: &str, region: &str) -> (String, String) {
    let region = if is_global(rtype) { GLOBAL } else { region };
    (rtype.to_owned(), region.to_owned())
}

/// The id `terraform import` (and an `import` block) takes for a resource of this type, given
/// the attributes the live side has. Most types import by their id; a few by something else.
pub fn import_id(rtype: &str, id: &str, attributes: &Map<String, Value>) -> String {
    match spec(rtype).and_then(|s| s.import.or(s.identity)) {
        Some(make) => make(id, attributes),
        None => id.to_owned(),
    }
}

/// A route's fields as an inline `route` block of `aws_route_table` names them, and as the
/// standalone `aws_route` resource does: one table, read both ways.
pub const ROUTE_FIELDS: &[(&str, &str)] = &[
    ("cidr_block", "destination_cidr_block"),
    ("ipv6_cidr_block", "destination_ipv6_cidr_block"),
    ("destination_prefix_list_id", "destination_prefix_list_id"),
    ("gateway_id", "gateway_id"),
    ("nat_gateway_id", "nat_gateway_id"),
    ("network_interface_id", "network_interface_id"),
    ("transit_gateway_id", "transit_gateway_id"),
    ("vpc_peering_connection_id", "vpc_peering_connection_id"),
    ("egress_only_gateway_id", "egress_only_gateway_id"),
];

/// A string attribute, `""` when absent: for import ids.
pub fn text_of(attributes: &Map<String, Value>, key: &str) -> String {
    attributes.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_listed_by_a_family_and_compares_the_live_type() {
        let all = families();
        for s in covered() {
            assert!(all.contains(&s.family), "{}", s.name);
            let live = spec(s.live).unwrap_or_else(|| panic!("{} compares with uncovered {}", s.name, s.live));
            assert_eq!(live.family, s.family, "{}", s.name);
            assert!(s.compared.iter().all(|a| live.compared.contains(a)), "{}: compares what {} lacks", s.name, s.live);
        }
    }

    #[test]
    fn each_type_and_list_is_declared_once() {
        let mut names: Vec<&str> = covered().iter().map(|s| s.name).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before, "a type is declared twice");
        let mut ops: Vec<&str> = families().iter().map(|f| f.operation).collect();
        ops.sort_unstable();
        ops.dedup();
        assert_eq!(ops.len(), families().len(), "a list is declared twice");
        for f in families() {
            assert!(f.needs.iter().all(|n| family(n).is_some()), "{} needs an unknown list", f.operation);
        }
    }

    #[test]
    fn global_types_share_one_coverage_key() {
        assert_eq!(coverage_key("aws_vpc", "eu-west-1").1, "eu-west-1");
        assert_eq!(coverage_key("aws_iam_role", "us-east-1").1, GLOBAL);
        assert!(in_no_region("aws_route53_record") && in_no_region("aws_iam_role"));
        assert!(!in_no_region("aws_s3_bucket"), "a bucket is listed once but lives in a region");
        assert!(in_no_region("aws_s3_account_public_access_block"), "the account's block holds everywhere");
    }
}
