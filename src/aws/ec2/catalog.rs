//! The EC2 lists and the Terraform types each one answers for: one declaration per type.

use serde_json::{Map, Value};

use super::{network_acls, tags, volumes};
use crate::aws::ServiceSpec;
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};

const fn regional(operation: &'static str, needs: &'static [&'static str]) -> ListSpec {
    ListSpec { operation, service: Service::Ec2, scope: Scope::Regional, needs }
}

// A VPC's association with the region's own DHCP options is AWS's.
const VPCS: ListSpec = regional("DescribeVpcs", &["DescribeDhcpOptions"]);
const DHCP_OPTIONS: ListSpec = regional("DescribeDhcpOptions", &[]);
const SUBNETS: ListSpec = regional("DescribeSubnets", &[]);
// A group's inline rules are placed against the rules listed on their own.
const SECURITY_GROUPS: ListSpec = regional("DescribeSecurityGroups", &["DescribeSecurityGroupRules"]);
const SECURITY_GROUP_RULES: ListSpec = regional("DescribeSecurityGroupRules", &[]);
const INSTANCES: ListSpec = regional("DescribeInstances", &[]);
const VOLUMES: ListSpec = regional("DescribeVolumes", &[]);
const IMAGES: ListSpec = regional("DescribeImages", &[]);
const SNAPSHOTS: ListSpec = regional("DescribeSnapshots", &[]);
// A NAT gateway owns its address association and its interface.
const ADDRESSES: ListSpec = regional("DescribeAddresses", &["DescribeNatGateways"]);
const ROUTE_TABLES: ListSpec = regional("DescribeRouteTables", &[]);
// A default VPC's gateway is AWS's.
const INTERNET_GATEWAYS: ListSpec = regional("DescribeInternetGateways", &["DescribeVpcs"]);
const NAT_GATEWAYS: ListSpec = regional("DescribeNatGateways", &[]);
const NETWORK_INTERFACES: ListSpec = regional("DescribeNetworkInterfaces", &["DescribeNatGateways"]);
const KEY_PAIRS: ListSpec = regional("DescribeKeyPairs", &[]);
const LAUNCH_TEMPLATES: ListSpec = regional("DescribeLaunchTemplates", &[]);
const NETWORK_ACLS: ListSpec = regional("DescribeNetworkAcls", &[]);
const VPC_ENDPOINTS: ListSpec = regional("DescribeVpcEndpoints", &[]);
const PEERINGS: ListSpec = regional("DescribeVpcPeeringConnections", &[]);
const VPN_GATEWAYS: ListSpec = regional("DescribeVpnGateways", &[]);
const CUSTOMER_GATEWAYS: ListSpec = regional("DescribeCustomerGateways", &[]);
const EGRESS_ONLY_GATEWAYS: ListSpec = regional("DescribeEgressOnlyInternetGateways", &[]);
const TAGS: ListSpec = regional("DescribeTags", &[]);
const FLOW_LOGS: ListSpec = regional("DescribeFlowLogs", &[]);
const PLACEMENT_GROUPS: ListSpec = regional("DescribePlacementGroups", &[]);
const TRANSIT_GATEWAYS: ListSpec = regional("DescribeTransitGateways", &[]);
const TRANSIT_ATTACHMENTS: ListSpec = regional("DescribeTransitGatewayVpcAttachments", &[]);

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Ec2,
    event_source: "ec2.amazonaws.com",
    // EC2's events are many and have a generic fallback of their own: `cloudtrail::ids`.
    events: &[],
    lists: &[
        VPCS,
        SUBNETS,
        SECURITY_GROUPS,
        SECURITY_GROUP_RULES,
        INSTANCES,
        VOLUMES,
        ADDRESSES,
        ROUTE_TABLES,
        INTERNET_GATEWAYS,
        NAT_GATEWAYS,
        NETWORK_INTERFACES,
        KEY_PAIRS,
        LAUNCH_TEMPLATES,
        NETWORK_ACLS,
        VPC_ENDPOINTS,
        PEERINGS,
        VPN_GATEWAYS,
        CUSTOMER_GATEWAYS,
        EGRESS_ONLY_GATEWAYS,
        TAGS,
        FLOW_LOGS,
        PLACEMENT_GROUPS,
        TRANSIT_GATEWAYS,
        TRANSIT_ATTACHMENTS,
        DHCP_OPTIONS,
        IMAGES,
        SNAPSHOTS,
    ],
    types: TYPES,
};

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
const ROUTE_TABLE: &[&str] = &["vpc_id", "route", "propagating_vgws", "tags"];
const NETWORK_ACL: &[&str] = &["vpc_id", "subnet_ids", "ingress", "egress", "tags"];

const TYPES: &[TypeSpec] = &[
    TypeSpec::new("aws_vpc", &VPCS, VPC),
    TypeSpec::new("aws_default_vpc", &VPCS, VPC).adopts("aws_vpc"),
    TypeSpec::new("aws_subnet", &SUBNETS, SUBNET),
    TypeSpec::new("aws_default_subnet", &SUBNETS, SUBNET).adopts("aws_subnet"),
    TypeSpec::new(
        "aws_security_group",
        &SECURITY_GROUPS,
        &["name", "description", "vpc_id", "ingress", "egress", "tags"],
    ),
    TypeSpec::new("aws_default_security_group", &SECURITY_GROUPS, &["vpc_id", "ingress", "egress", "tags"])
        .adopts("aws_security_group"),
    // One Terraform rule may hold several sources; `ownership` builds its live counterpart from
    // the group's rules.
    TypeSpec::new(
        "aws_security_group_rule",
        &SECURITY_GROUPS,
        &[
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
    ),
    TypeSpec::new("aws_vpc_security_group_ingress_rule", &SECURITY_GROUP_RULES, VPC_RULE),
    TypeSpec::new("aws_vpc_security_group_egress_rule", &SECURITY_GROUP_RULES, VPC_RULE),
    TypeSpec::new(
        "aws_instance",
        &INSTANCES,
        &[
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
    ),
    TypeSpec::new(
        "aws_ebs_volume",
        &VOLUMES,
        &["size", "type", "availability_zone", "encrypted", "iops", "throughput", "tags"],
    ),
    // Its id is the provider's hash of the three; a change of any is a new attachment.
    TypeSpec::new("aws_volume_attachment", &VOLUMES, &["device_name", "instance_id", "volume_id"])
        .imported_by(volumes::attachment_import_id),
    // Only declared ones are looked up (see `images`).
    TypeSpec::new(
        "aws_ami",
        &IMAGES,
        &[
            "name",
            "description",
            "architecture",
            "virtualization_type",
            "root_device_name",
            "ena_support",
            "boot_mode",
            "imds_support",
            "tags",
        ],
    ),
    TypeSpec::new("aws_ebs_snapshot", &SNAPSHOTS, &["volume_id", "description", "encrypted", "volume_size", "tags"])
        .with_computed(&["encrypted", "volume_size"]),
    // `instance` and `network_interface` are left out: `aws_eip_association` owns them, and the
    // state of an EIP created before its association says "" until the next refresh.
    TypeSpec::new("aws_eip", &ADDRESSES, &["domain", "public_ip", "tags"]).with_computed(&["public_ip"]),
    TypeSpec::new("aws_eip_association", &ADDRESSES, &["allocation_id", "instance_id", "network_interface_id"]),
    TypeSpec::new("aws_route_table", &ROUTE_TABLES, ROUTE_TABLE),
    TypeSpec::new("aws_default_route_table", &ROUTE_TABLES, &["route", "propagating_vgws", "tags"])
        .adopts("aws_route_table"),
    TypeSpec::new(
        "aws_route",
        &ROUTE_TABLES,
        &[
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
    )
    .imported_by(route_import_id),
    TypeSpec::new("aws_route_table_association", &ROUTE_TABLES, &["route_table_id", "subnet_id", "gateway_id"])
        .imported_by(association_import_id),
    // `original_route_table_id` is read, not compared: the table it names is the VPC's own
    // (`ownership::network`).
    TypeSpec::new(
        "aws_main_route_table_association",
        &ROUTE_TABLES,
        &["vpc_id", "route_table_id", "original_route_table_id"],
    )
    .with_computed(&["original_route_table_id"]),
    TypeSpec::new("aws_internet_gateway", &INTERNET_GATEWAYS, &["vpc_id", "tags"]),
    TypeSpec::new(
        "aws_nat_gateway",
        &NAT_GATEWAYS,
        &["allocation_id", "subnet_id", "connectivity_type", "private_ip", "tags"],
    ),
    TypeSpec::new(
        "aws_network_interface",
        &NETWORK_INTERFACES,
        &["subnet_id", "description", "private_ips", "security_groups", "source_dest_check", "tags"],
    ),
    // Terraform's id for a key pair is its name. The public key cannot be read back; the
    // fingerprint AWS computed from it can.
    TypeSpec::new("aws_key_pair", &KEY_PAIRS, &["key_name", "fingerprint", "key_type", "tags"])
        .with_computed(&["fingerprint", "key_type"]),
    TypeSpec::new("aws_launch_template", &LAUNCH_TEMPLATES, &["name", "default_version", "latest_version", "tags"])
        .with_computed(&["latest_version"]),
    TypeSpec::new("aws_network_acl", &NETWORK_ACLS, NETWORK_ACL),
    TypeSpec::new("aws_default_network_acl", &NETWORK_ACLS, &["ingress", "egress", "tags"]).adopts("aws_network_acl"),
    // A rule is matched by its ACL, direction and number, as the provider reads it (see
    // `ownership::network`); its id hashes the protocol as the configuration spelled it.
    TypeSpec::new(
        "aws_network_acl_rule",
        &NETWORK_ACLS,
        &[
            "network_acl_id",
            "rule_number",
            "egress",
            "protocol",
            "rule_action",
            "cidr_block",
            "ipv6_cidr_block",
            "from_port",
            "to_port",
            "icmp_type",
            "icmp_code",
        ],
    )
    .imported_by(network_acls::rule_import_id),
    TypeSpec::new("aws_network_acl_association", &NETWORK_ACLS, &["network_acl_id", "subnet_id"]),
    TypeSpec::new("aws_vpc_dhcp_options", &DHCP_OPTIONS, DHCP),
    TypeSpec::new("aws_default_vpc_dhcp_options", &DHCP_OPTIONS, DHCP).adopts("aws_vpc_dhcp_options"),
    // The provider's id is `OPTIONS-VPC`, so a VPC given another set would be a deleted
    // association and a new one; matched by the VPC (its import id), the change is one drift of
    // `dhcp_options_id`.
    TypeSpec::new("aws_vpc_dhcp_options_association", &VPCS, &["vpc_id", "dhcp_options_id"])
        .identified_by(dhcp_association_id),
    TypeSpec::new(
        "aws_vpc_endpoint",
        &VPC_ENDPOINTS,
        &[
            "vpc_id",
            "service_name",
            "vpc_endpoint_type",
            "private_dns_enabled",
            "subnet_ids",
            "security_group_ids",
            "route_table_ids",
            "policy",
            "tags",
        ],
    )
    .with_documents(&["policy"]),
    // `accept_status` is not compared: the other side accepting changes it.
    TypeSpec::new("aws_vpc_peering_connection", &PEERINGS, PEERING),
    // The other account's or region's side of the same connection, by the same id.
    TypeSpec::new("aws_vpc_peering_connection_accepter", &PEERINGS, PEERING).adopts("aws_vpc_peering_connection"),
    TypeSpec::new("aws_vpn_gateway", &VPN_GATEWAYS, &["vpc_id", "amazon_side_asn", "tags"]),
    TypeSpec::new("aws_customer_gateway", &CUSTOMER_GATEWAYS, &["bgp_asn", "ip_address", "type", "tags"]),
    TypeSpec::new("aws_egress_only_internet_gateway", &EGRESS_ONLY_GATEWAYS, &["vpc_id", "tags"]),
    TypeSpec::new(tags::TAG, &TAGS, &["resource_id", "key", "value"]),
    TypeSpec::new(
        "aws_flow_log",
        &FLOW_LOGS,
        &[
            "vpc_id",
            "subnet_id",
            "eni_id",
            "transit_gateway_id",
            "transit_gateway_attachment_id",
            "traffic_type",
            "log_destination_type",
            "log_destination",
            "iam_role_arn",
            "max_aggregation_interval",
            "tags",
        ],
    ),
    TypeSpec::new(
        "aws_placement_group",
        &PLACEMENT_GROUPS,
        &["name", "strategy", "partition_count", "spread_level", "tags"],
    ),
    TypeSpec::new(
        "aws_ec2_transit_gateway",
        &TRANSIT_GATEWAYS,
        &[
            "description",
            "amazon_side_asn",
            "auto_accept_shared_attachments",
            "default_route_table_association",
            "default_route_table_propagation",
            "dns_support",
            "vpn_ecmp_support",
            "tags",
        ],
    ),
    TypeSpec::new(
        "aws_ec2_transit_gateway_vpc_attachment",
        &TRANSIT_ATTACHMENTS,
        &["transit_gateway_id", "vpc_id", "subnet_ids", "dns_support", "appliance_mode_support", "tags"],
    ),
];

const PEERING: &[&str] = &["vpc_id", "peer_vpc_id", "peer_owner_id", "peer_region", "tags"];
const DHCP: &[&str] =
    &["domain_name", "domain_name_servers", "ntp_servers", "netbios_name_servers", "netbios_node_type", "tags"];

/// A VPC's DHCP options association goes by its VPC.
fn dhcp_association_id(_id: &str, a: &Map<String, Value>) -> String {
    text_of(a, "vpc_id")
}

/// `rtb-..._10.0.0.0/16`
fn route_import_id(_id: &str, a: &Map<String, Value>) -> String {
    let dest = ["destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id"]
        .iter()
        .map(|k| text_of(a, k))
        .find(|d| !d.is_empty())
        .unwrap_or_default();
    format!("{}_{}", text_of(a, "route_table_id"), dest)
}

/// `subnet-.../rtb-...`
fn association_import_id(_id: &str, a: &Map<String, Value>) -> String {
    let target = [text_of(a, "subnet_id"), text_of(a, "gateway_id")].into_iter().find(|t| !t.is_empty());
    format!("{}/{}", target.unwrap_or_default(), text_of(a, "route_table_id"))
}
