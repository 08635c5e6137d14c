//! The resource types driftscan covers and, for each, the attributes it compares, the AWS list
//! call that finds it and the live type it is compared with.
//!
//! An attribute is compared only when the live inventory can produce it faithfully: comparing
//! anything else is how drift tools earn false positives.

/// One list call (with its paginator) that finds the live resources of one or more types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Vpcs,
    Subnets,
    SecurityGroups,
    SecurityGroupRules,
    Instances,
    Volumes,
    Addresses,
    RouteTables,
    InternetGateways,
    NatGateways,
    NetworkInterfaces,
    KeyPairs,
    LaunchTemplates,
    NetworkAcls,
}

impl Family {
    /// Every family, in the order scans list them.
    pub const ALL: &'static [Family] = &[
        Family::Vpcs,
        Family::Subnets,
        Family::SecurityGroups,
        Family::SecurityGroupRules,
        Family::Instances,
        Family::Volumes,
        Family::Addresses,
        Family::RouteTables,
        Family::InternetGateways,
        Family::NatGateways,
        Family::NetworkInterfaces,
        Family::KeyPairs,
        Family::LaunchTemplates,
        Family::NetworkAcls,
    ];

    /// The EC2 operation behind the family, for messages.
    pub fn operation(self) -> &'static str {
        match self {
            Family::Vpcs => "DescribeVpcs",
            Family::Subnets => "DescribeSubnets",
            Family::SecurityGroups => "DescribeSecurityGroups",
            Family::SecurityGroupRules => "DescribeSecurityGroupRules",
            Family::Instances => "DescribeInstances",
            Family::Volumes => "DescribeVolumes",
            Family::Addresses => "DescribeAddresses",
            Family::RouteTables => "DescribeRouteTables",
            Family::InternetGateways => "DescribeInternetGateways",
            Family::NatGateways => "DescribeNatGateways",
            Family::NetworkInterfaces => "DescribeNetworkInterfaces",
            Family::KeyPairs => "DescribeKeyPairs",
            Family::LaunchTemplates => "DescribeLaunchTemplates",
            Family::NetworkAcls => "DescribeNetworkAcls",
        }
    }

    /// The covered types this family's listing proves complete or incomplete.
    pub fn types(self) -> impl Iterator<Item = &'static TypeSpec> {
        COVERED.iter().filter(move |s| s.family == self)
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
}

const VPC: &[&str] = &["cidr_block", "instance_tenancy", "enable_dns_support", "enable_dns_hostnames", "tags"];
const SUBNET: &[&str] = &["vpc_id", "cidr_block", "availability_zone", "map_public_ip_on_launch", "tags"];
const VPC_RULE: &[&str] = &[
    "security_group_id",
    "ip_protocol",
    "from_port",
    "to_port",
    "cidr_ipv4",
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
    "description",
    "tags",
];

/// Every covered type, in the order scans report them.
pub const COVERED: &[TypeSpec] = &[
    TypeSpec { name: "aws_vpc", live: "aws_vpc", family: Family::Vpcs, compared: VPC },
    TypeSpec { name: "aws_default_vpc", live: "aws_vpc", family: Family::Vpcs, compared: VPC },
    TypeSpec { name: "aws_subnet", live: "aws_subnet", family: Family::Subnets, compared: SUBNET },
    TypeSpec { name: "aws_default_subnet", live: "aws_subnet", family: Family::Subnets, compared: SUBNET },
    TypeSpec {
        name: "aws_security_group",
        live: "aws_security_group",
        family: Family::SecurityGroups,
        compared: &["name", "description", "vpc_id", "ingress", "egress", "tags"],
    },
    TypeSpec {
        name: "aws_default_security_group",
        live: "aws_security_group",
        family: Family::SecurityGroups,
        compared: &["vpc_id", "ingress", "egress", "tags"],
    },
    TypeSpec {
        // One Terraform rule may hold several sources; `ownership` builds its live counterpart
        // from the group's rules.
        name: "aws_security_group_rule",
        live: "aws_security_group_rule",
        family: Family::SecurityGroups,
        compared: &[
            "security_group_id",
            "type",
            "protocol",
            "from_port",
            "to_port",
            "cidr_blocks",
            "ipv6_cidr_blocks",
            "prefix_list_ids",
            "source_security_group_id",
            "self",
            "description",
        ],
    },
    TypeSpec {
        name: "aws_vpc_security_group_ingress_rule",
        live: "aws_vpc_security_group_ingress_rule",
        family: Family::SecurityGroupRules,
        compared: VPC_RULE,
    },
    TypeSpec {
        name: "aws_vpc_security_group_egress_rule",
        live: "aws_vpc_security_group_egress_rule",
        family: Family::SecurityGroupRules,
        compared: VPC_RULE,
    },
    TypeSpec {
        name: "aws_instance",
        live: "aws_instance",
        family: Family::Instances,
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
        live: "aws_ebs_volume",
        family: Family::Volumes,
        compared: &["size", "type", "availability_zone", "encrypted", "iops", "throughput", "tags"],
    },
    TypeSpec {
        // `instance` and `network_interface` are left out: `aws_eip_association` owns them, and the
        // state of an EIP created before its association says "" until the next refresh.
        name: "aws_eip",
        live: "aws_eip",
        family: Family::Addresses,
        compared: &["domain", "public_ip", "tags"],
    },
    TypeSpec {
        name: "aws_eip_association",
        live: "aws_eip_association",
        family: Family::Addresses,
        compared: &["allocation_id", "instance_id", "network_interface_id"],
    },
    TypeSpec {
        name: "aws_route_table",
        live: "aws_route_table",
        family: Family::RouteTables,
        compared: &["vpc_id", "route", "propagating_vgws", "tags"],
    },
    TypeSpec {
        name: "aws_default_route_table",
        live: "aws_route_table",
        family: Family::RouteTables,
        compared: &["route", "propagating_vgws", "tags"],
    },
    TypeSpec {
        name: "aws_route",
        live: "aws_route",
        family: Family::RouteTables,
        compared: &[
            "route_table_id",
            "destination_cidr_block",
            "destination_ipv6_cidr_block",
            "destination_prefix_list_id",
            "gateway_id",
            "nat_gateway_id",
            "network_interface_id",
            "transit_gateway_id",
            "vpc_peering_connection_id",
            "egress_only_gateway_id",
        ],
    },
    TypeSpec {
        name: "aws_route_table_association",
        live: "aws_route_table_association",
        family: Family::RouteTables,
        compared: &["route_table_id", "subnet_id", "gateway_id"],
    },
    TypeSpec {
        name: "aws_internet_gateway",
        live: "aws_internet_gateway",
        family: Family::InternetGateways,
        compared: &["vpc_id", "tags"],
    },
    TypeSpec {
        name: "aws_nat_gateway",
        live: "aws_nat_gateway",
        family: Family::NatGateways,
        compared: &["allocation_id", "subnet_id", "connectivity_type", "private_ip", "tags"],
    },
    TypeSpec {
        name: "aws_network_interface",
        live: "aws_network_interface",
        family: Family::NetworkInterfaces,
        compared: &["subnet_id", "description", "private_ips", "security_groups", "source_dest_check", "tags"],
    },
    TypeSpec {
        // Terraform's id for a key pair is its name. The public key cannot be read back; the
        // fingerprint AWS computed from it can.
        name: "aws_key_pair",
        live: "aws_key_pair",
        family: Family::KeyPairs,
        compared: &["key_name", "fingerprint", "key_type", "tags"],
    },
    TypeSpec {
        name: "aws_launch_template",
        live: "aws_launch_template",
        family: Family::LaunchTemplates,
        compared: &["name", "default_version", "latest_version", "tags"],
    },
    TypeSpec {
        name: "aws_network_acl",
        live: "aws_network_acl",
        family: Family::NetworkAcls,
        compared: &["vpc_id", "subnet_ids", "ingress", "egress", "tags"],
    },
    TypeSpec {
        name: "aws_default_network_acl",
        live: "aws_network_acl",
        family: Family::NetworkAcls,
        compared: &["ingress", "egress", "tags"],
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

/// The id `terraform import` (and an `import` block) takes for a resource of this type, given
/// the attributes the live side has. Most types import by their id; a few by something else.
pub fn import_id(rtype: &str, id: &str, attributes: &serde_json::Map<String, serde_json::Value>) -> String {
    let text = |k: &str| attributes.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    match rtype {
        // `rtb-..._10.0.0.0/16`
        "aws_route" => {
            let dest = ["destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id"]
                .iter()
                .map(|k| text(k))
                .find(|d| !d.is_empty())
                .unwrap_or_default();
            format!("{}_{}", text("route_table_id"), dest)
        }
        // `subnet-.../rtb-...`
        "aws_route_table_association" => {
            let target =
                [text("subnet_id"), text("gateway_id")].into_iter().find(|t| !t.is_empty()).unwrap_or_default();
            format!("{}/{}", target, text("route_table_id"))
        }
        _ => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_listed_by_a_family_and_compares_the_live_type() {
        for s in COVERED {
            assert!(Family::ALL.contains(&s.family), "{}", s.name);
            let live = spec(s.live).unwrap_or_else(|| panic!("{} compares with uncovered {}", s.name, s.live));
            assert_eq!(live.family, s.family, "{}", s.name);
            assert!(s.compared.iter().all(|a| live.compared.contains(a)), "{}: compares what {} lacks", s.name, s.live);
        }
    }
}
