//! The resource types driftscan covers and, for each, the attributes it compares.
//!
//! An attribute is compared only when the live inventory can produce it faithfully: comparing
//! anything else is how drift tools earn false positives.

/// One covered Terraform resource type.
#[derive(Debug, Clone, Copy)]
pub struct TypeSpec {
    /// Terraform type name.
    pub name: &'static str,
    /// Attributes compared, by Terraform name, in report order. `tags` compares `tags_all`
    /// when the state has it, so provider `default_tags` are not drift.
    pub compared: &'static [&'static str],
}

/// Every covered type, in the order scans list them.
pub const COVERED: &[TypeSpec] = &[
    TypeSpec {
        name: "aws_vpc",
        compared: &["cidr_block", "instance_tenancy", "enable_dns_support", "enable_dns_hostnames", "tags"],
    },
    TypeSpec {
        name: "aws_subnet",
        compared: &["vpc_id", "cidr_block", "availability_zone", "map_public_ip_on_launch", "tags"],
    },
    TypeSpec { name: "aws_security_group", compared: &["name", "description", "vpc_id", "ingress", "egress", "tags"] },
    TypeSpec {
        name: "aws_instance",
        compared: &[
            "instance_type",
            "ami",
            "subnet_id",
            "vpc_security_group_ids",
            "key_name",
            "iam_instance_profile",
            "monitoring",
            "private_ip",
            "tags",
        ],
    },
    TypeSpec {
        name: "aws_ebs_volume",
        compared: &["size", "type", "availability_zone", "encrypted", "iops", "throughput", "tags"],
    },
];

/// The spec of a covered type, or `None` when driftscan does not compare that type yet.
pub fn spec(rtype: &str) -> Option<&'static TypeSpec> {
    COVERED.iter().find(|s| s.name == rtype)
}

/// Whether live inventory covers this type.
pub fn is_covered(rtype: &str) -> bool {
    spec(rtype).is_some()
}
