//! Which covered resources an EC2 write event changed.
//!
//! Each event name we know has its own list of places where the changed resource's id is
//! written; the request of a `RunInstances` also names a subnet and an image, and reading every
//! id in it would blame the subnet for a new instance. Only events we do not know fall back to a
//! generic search, and that search is narrow on purpose: fewer, right ids beat many wrong ones.

use serde_json::{Map, Value};

use super::TrailResource;

/// Covered id prefixes and the Terraform type each names.
const PREFIXES: &[(&str, &str)] = &[
    ("i-", "aws_instance"),
    ("sg-", "aws_security_group"),
    ("sgr-", INGRESS_RULE),
    ("vpc-", "aws_vpc"),
    ("subnet-", "aws_subnet"),
    ("vol-", "aws_ebs_volume"),
    ("eipalloc-", "aws_eip"),
    ("rtb-", "aws_route_table"),
    ("igw-", "aws_internet_gateway"),
    ("nat-", "aws_nat_gateway"),
    ("eni-", "aws_network_interface"),
    ("key-", "aws_key_pair"),
    ("lt-", "aws_launch_template"),
    ("acl-", "aws_network_acl"),
    ("aclassoc-", "aws_network_acl_association"),
    ("dopt-", "aws_vpc_dhcp_options"),
    ("ami-", "aws_ami"),
    ("snap-", "aws_ebs_snapshot"),
    ("vpce-", "aws_vpc_endpoint"),
    ("pcx-", "aws_vpc_peering_connection"),
    ("vgw-", "aws_vpn_gateway"),
    ("cgw-", "aws_customer_gateway"),
    ("eigw-", "aws_egress_only_internet_gateway"),
    ("tgw-attach-", "aws_ec2_transit_gateway_vpc_attachment"),
    ("tgw-", "aws_ec2_transit_gateway"),
    ("fl-", "aws_flow_log"),
];

const INGRESS_RULE: &str = "aws_vpc_security_group_ingress_rule";
const EGRESS_RULE: &str = "aws_vpc_security_group_egress_rule";
const SECURITY_GROUP: &str = "aws_security_group";

/// Where each known event writes the ids of what it changed.
///
/// A path starts at `req` (requestParameters) or `resp` (responseElements); arrays met on the way
/// are walked (`[]` marks where they are expected). Paths of one event are all read; `a|b` reads
/// `b` only when `a` found nothing. `=type` gives the type of an id that has no prefix to tell it.
const RULES: &[(&str, &[&str])] = &[
    // Instances. RunInstances names its subnet, image and groups too: only the new instances changed.
    ("RunInstances", &["resp.instancesSet.items[].instanceId"]),
    ("TerminateInstances", &["req.instancesSet.items[].instanceId"]),
    ("StartInstances", &["req.instancesSet.items[].instanceId"]),
    ("StopInstances", &["req.instancesSet.items[].instanceId"]),
    ("RebootInstances", &["req.instancesSet.items[].instanceId"]),
    ("MonitorInstances", &["req.instancesSet.items[].instanceId"]),
    ("UnmonitorInstances", &["req.instancesSet.items[].instanceId"]),
    ("ModifyInstanceAttribute", &["req.instanceId"]),
    ("ResetInstanceAttribute", &["req.instanceId"]),
    ("ModifyInstancePlacement", &["req.instanceId"]),
    ("ModifyInstanceMetadataOptions", &["req.ModifyInstanceMetadataOptionsRequest.InstanceId|req.instanceId"]),
    (
        "AssociateIamInstanceProfile",
        &[
            "req.AssociateIamInstanceProfileRequest.InstanceId|req.instanceId\
             |resp.AssociateIamInstanceProfileResponse.iamInstanceProfileAssociation.instanceId",
        ],
    ),
    (
        "ReplaceIamInstanceProfileAssociation",
        &[
            "resp.ReplaceIamInstanceProfileAssociationResponse.iamInstanceProfileAssociation.instanceId\
             |resp.iamInstanceProfileAssociation.instanceId",
        ],
    ),
    (
        "DisassociateIamInstanceProfile",
        &[
            "resp.DisassociateIamInstanceProfileResponse.iamInstanceProfileAssociation.instanceId\
             |resp.iamInstanceProfileAssociation.instanceId",
        ],
    ),
    // Security groups. A rule change is a change of its group, which the request or the
    // response's rule set names even when the caller gave the group by name.
    ("CreateSecurityGroup", &["resp.groupId"]),
    ("DeleteSecurityGroup", &["req.groupId"]),
    ("AuthorizeSecurityGroupIngress", &["req.groupId|resp.securityGroupRuleSet.items[].groupId"]),
    ("AuthorizeSecurityGroupEgress", &["req.groupId|resp.securityGroupRuleSet.items[].groupId"]),
    ("RevokeSecurityGroupIngress", &["req.groupId|resp.revokedSecurityGroupRuleSet.items[].groupId"]),
    ("RevokeSecurityGroupEgress", &["req.groupId|resp.revokedSecurityGroupRuleSet.items[].groupId"]),
    ("UpdateSecurityGroupRuleDescriptionsIngress", &["req.groupId"]),
    ("UpdateSecurityGroupRuleDescriptionsEgress", &["req.groupId"]),
    ("ModifySecurityGroupRules", &["req.ModifySecurityGroupRulesRequest.GroupId|req.groupId"]),
    // Tags: the type comes from each id's prefix; untracked kinds (vpce-svc-, eni-attach-) are dropped.
    ("CreateTags", &["req.resourcesSet.items[].resourceId"]),
    ("DeleteTags", &["req.resourcesSet.items[].resourceId"]),
    // VPCs and subnets.
    ("CreateVpc", &["resp.vpc.vpcId"]),
    ("DeleteVpc", &["req.vpcId"]),
    ("ModifyVpcAttribute", &["req.vpcId"]),
    ("ModifyVpcTenancy", &["req.ModifyVpcTenancyRequest.VpcId|req.vpcId"]),
    ("AssociateVpcCidrBlock", &["req.vpcId|resp.vpcId"]),
    ("DisassociateVpcCidrBlock", &["resp.vpcId|resp.DisassociateVpcCidrBlockResponse.vpcId"]),
    ("CreateSubnet", &["resp.subnet.subnetId"]),
    ("DeleteSubnet", &["req.subnetId"]),
    ("ModifySubnetAttribute", &["req.subnetId"]),
    ("AssociateSubnetCidrBlock", &["req.subnetId|resp.subnetId"]),
    ("DisassociateSubnetCidrBlock", &["resp.subnetId|resp.DisassociateSubnetCidrBlockResponse.subnetId"]),
    // EBS volumes. Attaching changes the volume and the instance it joins.
    ("CreateVolume", &["resp.volumeId"]),
    ("DeleteVolume", &["req.volumeId"]),
    ("ModifyVolume", &["req.ModifyVolumeRequest.VolumeId|req.volumeId|resp.ModifyVolumeResponse.volumeModification.volumeId"]),
    ("ModifyVolumeAttribute", &["req.volumeId"]),
    // The `aws_volume_attachment` too, by the provider's id (see `attachment_of`).
    ("AttachVolume", &["req.volumeId", "req.instanceId|resp.instanceId"]),
    ("DetachVolume", &["req.volumeId", "req.instanceId|resp.instanceId"]),
    // Images and snapshots: made ones are named in the response.
    ("CreateImage", &["resp.imageId"]),
    ("RegisterImage", &["resp.imageId"]),
    ("CopyImage", &["resp.imageId"]),
    ("DeregisterImage", &["req.imageId"]),
    ("ModifyImageAttribute", &["req.imageId"]),
    ("ResetImageAttribute", &["req.imageId"]),
    ("CreateSnapshot", &["resp.snapshotId"]),
    ("CopySnapshot", &["resp.snapshotId"]),
    ("DeleteSnapshot", &["req.snapshotId"]),
    ("ModifySnapshotAttribute", &["req.snapshotId"]),
    ("ResetSnapshotAttribute", &["req.snapshotId"]),
    // Elastic IPs. An association (eipassoc-) is an `aws_eip_association` of its own: associating
    // changes the address and makes one, disassociating (which names only it) ends it.
    ("AllocateAddress", &["resp.allocationId"]),
    ("ReleaseAddress", &["req.allocationId"]),
    ("AssociateAddress", &["req.allocationId", "resp.associationId=aws_eip_association"]),
    ("DisassociateAddress", &["req.associationId=aws_eip_association"]),
    ("ModifyAddressAttribute", &["req.ModifyAddressAttributeRequest.AllocationId|req.allocationId"]),
    // Route tables. A route is also an `aws_route` (see `route_of`). An association (rtbassoc-)
    // is an `aws_route_table_association`: disassociating names only it; replacing one ends it
    // and makes another, for the table the request names.
    ("CreateRouteTable", &["resp.routeTable.routeTableId"]),
    ("DeleteRouteTable", &["req.routeTableId"]),
    ("CreateRoute", &["req.routeTableId"]),
    ("DeleteRoute", &["req.routeTableId"]),
    ("ReplaceRoute", &["req.routeTableId"]),
    ("EnableVgwRoutePropagation", &["req.routeTableId"]),
    ("DisableVgwRoutePropagation", &["req.routeTableId"]),
    ("AssociateRouteTable", &["req.routeTableId", "resp.associationId=aws_route_table_association"]),
    ("DisassociateRouteTable", &["req.associationId=aws_route_table_association"]),
    (
        "ReplaceRouteTableAssociation",
        &[
            "req.routeTableId",
            "req.associationId=aws_route_table_association",
            "resp.newAssociationId=aws_route_table_association",
        ],
    ),
    // Internet and NAT gateways.
    ("CreateInternetGateway", &["resp.internetGateway.internetGatewayId"]),
    ("DeleteInternetGateway", &["req.internetGatewayId"]),
    ("AttachInternetGateway", &["req.internetGatewayId"]),
    ("DetachInternetGateway", &["req.internetGatewayId"]),
    ("CreateNatGateway", &["resp.CreateNatGatewayResponse.natGateway.natGatewayId|resp.natGateway.natGatewayId"]),
    (
        "DeleteNatGateway",
        &["req.DeleteNatGatewayRequest.NatGatewayId|req.natGatewayId|resp.DeleteNatGatewayResponse.natGatewayId"],
    ),
    // Network interfaces. Attaching changes the interface and the instance it joins.
    // DetachNetworkInterface names only the attachment (eni-attach-), which no covered type is:
    // it attributes nothing rather than guess.
    ("CreateNetworkInterface", &["resp.networkInterface.networkInterfaceId"]),
    ("DeleteNetworkInterface", &["req.networkInterfaceId"]),
    ("ModifyNetworkInterfaceAttribute", &["req.networkInterfaceId"]),
    ("ResetNetworkInterfaceAttribute", &["req.networkInterfaceId"]),
    ("AttachNetworkInterface", &["req.networkInterfaceId", "req.instanceId"]),
    ("DetachNetworkInterface", &[]),
    ("AssignPrivateIpAddresses", &["req.networkInterfaceId"]),
    ("UnassignPrivateIpAddresses", &["req.networkInterfaceId"]),
    ("AssignIpv6Addresses", &["req.networkInterfaceId"]),
    ("UnassignIpv6Addresses", &["req.networkInterfaceId"]),
    // Key pairs: Terraform's id of an aws_key_pair is its name, so the name wins over key-.
    ("CreateKeyPair", &["resp.keyName=aws_key_pair|resp.keyPairId"]),
    ("ImportKeyPair", &["resp.keyName=aws_key_pair|req.keyName=aws_key_pair|resp.keyPairId"]),
    ("DeleteKeyPair", &["req.keyName=aws_key_pair|req.keyPairId"]),
    // Launch templates: the request may give the name, the response then has the id.
    ("CreateLaunchTemplate", &["resp.CreateLaunchTemplateResponse.launchTemplate.launchTemplateId"]),
    (
        "CreateLaunchTemplateVersion",
        &[
            "req.CreateLaunchTemplateVersionRequest.LaunchTemplateId\
             |resp.CreateLaunchTemplateVersionResponse.launchTemplateVersion.launchTemplateId",
        ],
    ),
    (
        "ModifyLaunchTemplate",
        &["req.ModifyLaunchTemplateRequest.LaunchTemplateId|resp.ModifyLaunchTemplateResponse.launchTemplate.launchTemplateId"],
    ),
    (
        "DeleteLaunchTemplate",
        &["req.DeleteLaunchTemplateRequest.LaunchTemplateId|resp.DeleteLaunchTemplateResponse.launchTemplate.launchTemplateId"],
    ),
    ("DeleteLaunchTemplateVersions", &["req.DeleteLaunchTemplateVersionsRequest.LaunchTemplateId"]),
    // Network ACLs. An entry is also an `aws_network_acl_rule` (see `acl_rule_of`); replacing a
    // subnet's association ends it and makes another, for the ACL the request names.
    ("CreateNetworkAcl", &["resp.networkAcl.networkAclId"]),
    ("DeleteNetworkAcl", &["req.networkAclId"]),
    ("CreateNetworkAclEntry", &["req.networkAclId"]),
    ("DeleteNetworkAclEntry", &["req.networkAclId"]),
    ("ReplaceNetworkAclEntry", &["req.networkAclId"]),
    (
        "ReplaceNetworkAclAssociation",
        &[
            "req.networkAclId",
            "req.associationId=aws_network_acl_association",
            "resp.newAssociationId=aws_network_acl_association",
        ],
    ),
    // DHCP options. A VPC's association is matched by the VPC's id.
    ("CreateDhcpOptions", &["resp.dhcpOptions.dhcpOptionsId"]),
    ("DeleteDhcpOptions", &["req.dhcpOptionsId"]),
    ("AssociateDhcpOptions", &["req.vpcId=aws_vpc_dhcp_options_association"]),
    // Endpoints, peerings, VPN and egress-only gateways: made ones are named in the response.
    ("CreateVpcEndpoint", &["resp.CreateVpcEndpointResponse.vpcEndpoint.vpcEndpointId|resp.vpcEndpoint.vpcEndpointId"]),
    ("ModifyVpcEndpoint", &["req.ModifyVpcEndpointRequest.VpcEndpointId|req.vpcEndpointId"]),
    (
        "DeleteVpcEndpoints",
        &["req.DeleteVpcEndpointsRequest.VpcEndpointId[]|req.DeleteVpcEndpointsRequest.VpcEndpointId.content"],
    ),
    ("CreateVpcPeeringConnection", &["resp.vpcPeeringConnection.vpcPeeringConnectionId"]),
    ("AcceptVpcPeeringConnection", &["req.vpcPeeringConnectionId"]),
    ("DeleteVpcPeeringConnection", &["req.vpcPeeringConnectionId"]),
    ("CreateVpnGateway", &["resp.vpnGateway.vpnGatewayId"]),
    ("AttachVpnGateway", &["req.vpnGatewayId"]),
    ("DetachVpnGateway", &["req.vpnGatewayId"]),
    ("DeleteVpnGateway", &["req.vpnGatewayId"]),
    ("CreateCustomerGateway", &["resp.customerGateway.customerGatewayId"]),
    ("DeleteCustomerGateway", &["req.customerGatewayId"]),
    (
        "CreateEgressOnlyInternetGateway",
        &["resp.CreateEgressOnlyInternetGatewayResponse.egressOnlyInternetGateway.egressOnlyInternetGatewayId"],
    ),
    (
        "DeleteEgressOnlyInternetGateway",
        &["req.DeleteEgressOnlyInternetGatewayRequest.EgressOnlyInternetGatewayId|req.egressOnlyInternetGatewayId"],
    ),
];

/// Name prefixes of EC2 calls that change something.
const WRITE_PREFIXES: &[&str] = &[
    "Run",
    "Terminate",
    "Start",
    "Stop",
    "Reboot",
    "Modify",
    "Create",
    "Delete",
    "Authorize",
    "Revoke",
    "Associate",
    "Disassociate",
    "Attach",
    "Detach",
    "Allocate",
    "Release",
    "Replace",
    "Import",
    "Reset",
    "Update",
];

/// Prefixes of calls that make something: their requests name only parents (the VPC of a new
/// endpoint, the volume of a new snapshot), so an unknown one is not searched.
const MAKING_PREFIXES: &[&str] = &["Run", "Create", "Allocate", "Import"];

/// Number of event names with a known place for their ids.
pub const KNOWN_EVENTS: usize = RULES.len();

/// Whether an EC2 event name is a call that changes something.
pub fn is_write(event_name: &str) -> bool {
    rule(event_name).is_some() || WRITE_PREFIXES.iter().any(|p| starts_word(event_name, p))
}

/// The covered resources an EC2 write event changed, in the order found, without repeats.
pub fn changed(event_name: &str, req: &Value, resp: &Value) -> Vec<TrailResource> {
    let mut found: Vec<(String, String)> = Vec::new();
    match rule(event_name) {
        Some(paths) => {
            for alternatives in paths {
                for path in alternatives.split('|') {
                    let before = found.len();
                    read_path(path, req, resp, &mut found);
                    if found.len() > before {
                        break;
                    }
                }
            }
        }
        None if !MAKING_PREFIXES.iter().any(|p| starts_word(event_name, p)) => {
            search(&event_name.to_ascii_lowercase(), req, &mut found);
        }
        None => {}
    }
    found.extend(route_of(event_name, req));
    found.extend(acl_rule_of(event_name, req));
    found.extend(attachment_of(event_name, req, resp));
    let mut out: Vec<TrailResource> = Vec::new();
    for (rtype, id) in found {
        let resource = attribute_rule(TrailResource { rtype, id }, event_name, req, resp);
        if !out.contains(&resource) {
            out.push(resource);
        }
    }
    out
}

/// The Terraform type a covered id names, from its prefix.
pub fn type_of(id: &str) -> Option<&'static str> {
    PREFIXES.iter().find_map(|(prefix, rtype)| {
        let rest = id.strip_prefix(prefix)?;
        (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(*rtype)
    })
}

fn rule(event_name: &str) -> Option<&'static [&'static str]> {
    RULES.iter().find(|(name, _)| *name == event_name).map(|(_, paths)| *paths)
}

/// `name` starts with the verb `prefix` followed by the next word (`Stop` + `Instances`, not
/// `Stopwatch`).
fn starts_word(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The resources a write event of another service changed, by that service's own table: the
/// event names there are its writes, and only they are read (no generic search).
#[cfg(test)]
pub fn changed_by(rules: &[(&str, &[&str])], event_name: &str, req: &Value, resp: &Value) -> Vec<TrailResource> {
    changed_in(rules, event_name, req, resp, None)
}

/// [`changed_by`] for a record delivered for `account`: a path `account=type` names the account
/// itself (S3 Control's account-wide calls name nothing else).
pub fn changed_in(
    rules: &[(&str, &[&str])],
    event_name: &str,
    req: &Value,
    resp: &Value,
    account: Option<&str>,
) -> Vec<TrailResource> {
    let Some((_, paths)) = rules.iter().find(|(name, _)| *name == event_name) else { return Vec::new() };
    let mut found: Vec<(String, String)> = Vec::new();
    for alternatives in paths.iter() {
        for path in alternatives.split('|') {
            let before = found.len();
            if let (Some(rtype), Some(account)) = (path.strip_prefix("account="), account) {
                found.push((rtype.to_owned(), account.to_owned()));
            }
            read_path(path, req, resp, &mut found);
            if found.len() > before {
                break;
            }
        }
    }
    let mut out: Vec<TrailResource> = Vec::new();
    for (rtype, mut id) in found {
        // A caller may name a KMS key by its ARN, and the tag calls of DynamoDB, Logs and ECR
        // name a table, log group or repository by its ARN, Route53 a new zone by its path;
        // Terraform's id is what follows `:key/`, `:table/`, `:log-group:`, `:repository/` or
        // `/hostedzone/` (without a log group's `:*`).
        let named = [":key/", ":table/", ":log-group:", ":repository/", "/hostedzone/"]
            .iter()
            .find_map(|m| id.split_once(m).map(|(_, n)| n));
        if let Some(name) = named {
            id = name.trim_end_matches(":*").to_owned();
        }
        // And a Lambda function by its ARN, maybe qualified; Terraform's id is its name.
        // (`app:live` is a qualifier; an alias keeps its ARN, which is its Terraform id).
        if id.contains(":function:") && rtype != "aws_lambda_alias" {
            id = crate::aws::lambda::function_of(&id).to_owned();
        }
        let resource = TrailResource { rtype, id };
        if !out.contains(&resource) {
            out.push(resource);
        }
    }
    out
}

/// `{req.roleName}:{req.policyName}=aws_iam_role_policy`: an id made of several fields, for
/// types whose id joins names (each field must give exactly one string).
fn read_template(template: &str, rtype: &str, req: &Value, resp: &Value, out: &mut Vec<(String, String)>) {
    let mut id = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        id.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { return };
        let path = &rest[open + 1..open + close];
        let mut segments = path.split('.');
        let root = match segments.next() {
            Some("req") => req,
            Some("resp") => resp,
            _ => return,
        };
        let segments: Vec<&str> = segments.collect();
        let mut strings = Vec::new();
        walk(root, &segments, &mut strings);
        let [one] = strings[..] else { return };
        id.push_str(one);
        rest = &rest[open + close + 1..];
    }
    id.push_str(rest);
    out.push((rtype.to_owned(), id));
}

fn read_path(path: &str, req: &Value, resp: &Value, out: &mut Vec<(String, String)>) {
    if path.starts_with('{') {
        if let Some((template, rtype)) = path.rsplit_once('=') {
            read_template(template, rtype, req, resp, out);
        }
        return;
    }
    let (path, fixed) = match path.split_once('=') {
        Some((path, rtype)) => (path, Some(rtype)),
        None => (path, None),
    };
    let mut segments = path.split('.');
    let root = match segments.next() {
        Some("req") => req,
        Some("resp") => resp,
        _ => return,
    };
    let segments: Vec<&str> = segments.map(|s| s.trim_end_matches("[]")).collect();
    let mut strings = Vec::new();
    walk(root, &segments, &mut strings);
    for id in strings {
        let rtype = match fixed {
            Some(rtype) => Some(rtype),
            None => type_of(id),
        };
        if let Some(rtype) = rtype {
            out.push((rtype.to_string(), id.to_string()));
        }
    }
}

fn walk<'a>(value: &'a Value, segments: &[&str], out: &mut Vec<&'a str>) {
    match (value, segments.split_first()) {
        (Value::Array(items), _) => items.iter().for_each(|item| walk(item, segments, out)),
        (Value::Object(map), Some((key, rest))) => {
            if let Some(child) = map.get(*key) {
                walk(child, rest, out);
            }
        }
        (_, Some(_)) => {}
        (_, None) => out.extend(leaf(value)),
    }
}

/// A string id, also in the `{"content": "vpc-...", "tag": 1}` form some requests log.
fn leaf(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s.as_str()),
        Value::Object(map) => map.get("content").and_then(Value::as_str),
        _ => None,
    }
}

/// Generic search of an unknown event's request: ids of covered shape under keys ending in
/// `Id`/`Ids` whose stem the event name mentions (`instanceId` for `ModifyInstanceEventWindow`),
/// or under `resourceId`. `ModifyVpcEndpoint` thus keeps its endpoint but not the subnets and
/// groups it adds.
fn search(event_lower: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => search_object(event_lower, map, out),
        Value::Array(items) => items.iter().for_each(|item| search(event_lower, item, out)),
        _ => {}
    }
}

fn search_object(event_lower: &str, map: &Map<String, Value>, out: &mut Vec<(String, String)>) {
    for (key, value) in map {
        let stem = key.strip_suffix("Ids").or_else(|| key.strip_suffix("Id"));
        let Some(stem) = stem else {
            search(event_lower, value, out);
            continue;
        };
        let stem = stem.to_ascii_lowercase();
        if stem == "resource" || (!stem.is_empty() && event_lower.contains(&stem)) {
            let mut strings = Vec::new();
            collect_strings(value, &mut strings);
            for id in strings {
                if let Some(rtype) = generic_type(id) {
                    out.push((rtype.to_string(), id.to_string()));
                }
            }
        }
    }
}

fn collect_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// The type of an id of exactly the shape AWS gives: prefix, then 8 or 17 hex digits.
fn generic_type(id: &str) -> Option<&'static str> {
    let rtype = type_of(id)?;
    let (_, digits) = id.split_once('-')?;
    ((8..=17).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_hexdigit())).then_some(rtype)
}

/// The `aws_route` a route event changes: the AWS provider's id of a route is `r-`, its table's
/// id and the CRC-32 of its destination (as the inventory builds it for the live side).
fn route_of(event_name: &str, req: &Value) -> Option<(String, String)> {
    if !matches!(event_name, "CreateRoute" | "DeleteRoute" | "ReplaceRoute") {
        return None;
    }
    let table = req.get("routeTableId").and_then(leaf).filter(|id| type_of(id) == Some("aws_route_table"))?;
    let destination = ["destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"]
        .iter()
        .find_map(|k| req.get(*k).and_then(leaf).filter(|d| !d.is_empty()))?;
    Some(("aws_route".into(), format!("r-{table}{}", crc32fast::hash(destination.as_bytes()))))
}

/// The `aws_network_acl_rule` an entry event changes, by the provider's id (the protocol as
/// CloudTrail logs it, a number, as the provider records it).
fn acl_rule_of(event_name: &str, req: &Value) -> Option<(String, String)> {
    if !matches!(event_name, "CreateNetworkAclEntry" | "DeleteNetworkAclEntry" | "ReplaceNetworkAclEntry") {
        return None;
    }
    let acl = req.get("networkAclId").and_then(leaf).filter(|id| type_of(id) == Some("aws_network_acl"))?;
    let number = req.get("ruleNumber").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))?;
    let egress = req.get("egress").is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
    // A deletion names no protocol: the rule's id cannot be told, its ACL is.
    let protocol = ["aclProtocol", "protocol"].iter().find_map(|k| match req.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })?;
    let protocol = crate::aws::ec2::network_acls::protocol_number(&protocol);
    Some(("aws_network_acl_rule".into(), crate::aws::ec2::network_acls::rule_id(acl, number, egress, &protocol)))
}

/// The `aws_volume_attachment` an attach or detach changes, by the provider's id; the response
/// names all three parts even when a detach's request names only the volume.
fn attachment_of(event_name: &str, req: &Value, resp: &Value) -> Option<(String, String)> {
    if !matches!(event_name, "AttachVolume" | "DetachVolume") {
        return None;
    }
    let part = |k: &str| resp.get(k).and_then(leaf).or_else(|| req.get(k).and_then(leaf)).filter(|s| !s.is_empty());
    let (device, instance, volume) = (part("device")?, part("instanceId")?, part("volumeId")?);
    Some(("aws_volume_attachment".into(), crate::aws::ec2::volumes::attachment_id(device, instance, volume)))
}

/// A security group rule's change is a change of its group when the event says which group.
fn attribute_rule(resource: TrailResource, event_name: &str, req: &Value, resp: &Value) -> TrailResource {
    if !resource.id.starts_with("sgr-") {
        return resource;
    }
    let rule_set = resp.get("securityGroupRuleSet").and_then(|s| s.get("items")).and_then(Value::as_array);
    let described = rule_set
        .into_iter()
        .flatten()
        .find(|item| item.get("securityGroupRuleId").and_then(Value::as_str) == Some(resource.id.as_str()));
    let group = described
        .and_then(|item| item.get("groupId"))
        .or_else(|| req.get("groupId"))
        .or_else(|| req.get("ModifySecurityGroupRulesRequest").and_then(|r| r.get("GroupId")))
        .and_then(leaf)
        .filter(|id| type_of(id) == Some(SECURITY_GROUP));
    if let Some(group) = group {
        return TrailResource { rtype: SECURITY_GROUP.to_string(), id: group.to_string() };
    }
    let egress = match described.and_then(|item| item.get("isEgress")).and_then(Value::as_bool) {
        Some(egress) => egress,
        None => event_name.contains("Egress"),
    };
    TrailResource { rtype: if egress { EGRESS_RULE } else { INGRESS_RULE }.to_string(), id: resource.id }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(event: &str, req: Value, resp: Value) -> Vec<(String, String)> {
        changed(event, &req, &resp).into_iter().map(|r| (r.rtype, r.id)).collect()
    }

    fn pair(rtype: &str, id: &str) -> (String, String) {
        (rtype.to_string(), id.to_string())
    }

    #[test]
    fn resources_named_by_their_arn_are_their_terraform_ids() {
        let rules: &[(&str, &[&str])] = &[("TagResource", &["req.resourceArn=aws_dynamodb_table"])];
        for (arn, id) in [
            ("arn:aws:dynamodb:us-east-1:123456789012:table/orders", "orders"),
            ("arn:aws:logs:us-east-1:123456789012:log-group:/app/web:*", "/app/web"),
            ("arn:aws:ecr:us-east-1:123456789012:repository/team/app", "team/app"),
            ("arn:aws:kms:us-east-1:123456789012:key/1234abcd", "1234abcd"),
            ("/hostedzone/Z0123456789ABC", "Z0123456789ABC"),
        ] {
            let found = changed_by(rules, "TagResource", &json!({"resourceArn": arn}), &Value::Null);
            assert_eq!(found.first().map(|r| r.id.as_str()), Some(id), "{arn}");
        }
    }

    #[test]
    fn rules_are_unique_and_parse() {
        for (i, (name, paths)) in RULES.iter().enumerate() {
            assert!(RULES[..i].iter().all(|(other, _)| other != name), "{name} listed twice");
            assert!(is_write(name), "{name}");
            for path in paths.iter().flat_map(|p| p.split('|')) {
                assert!(path.starts_with("req.") || path.starts_with("resp."), "{name}: {path}");
            }
        }
    }

    #[test]
    fn run_instances_blames_the_instance_not_the_subnet() {
        let req = json!({"subnetId": "subnet-0a000000000000001", "instancesSet": {"items": [{"imageId": "ami-0123456789abcdef0"}]}});
        let resp = json!({"instancesSet": {"items": [
            {"instanceId": "i-0d000000000000001", "subnetId": "subnet-0a000000000000001", "groupSet": {"items": [{"groupId": "sg-0a0000000000000a1"}]}},
            {"instanceId": "i-0d000000000000002"}
        ]}});
        assert_eq!(
            ids("RunInstances", req, resp),
            vec![pair("aws_instance", "i-0d000000000000001"), pair("aws_instance", "i-0d000000000000002")]
        );
    }

    #[test]
    fn create_tags_types_each_id_and_drops_untracked_kinds() {
        let req = json!({"resourcesSet": {"items": [
            {"resourceId": "i-0d000000000000001"}, {"resourceId": "vol-0e000000000000001"},
            {"resourceId": "ami-0123456789abcdef0"}, {"resourceId": "afi-0123456789abcdef0"},
            {"resourceId": "sg-0a0000000000000a1"},
            {"resourceId": "i-0d000000000000001"}
        ]}, "tagSet": {"items": [{"key": "owner", "value": "ops"}]}});
        assert_eq!(
            ids("CreateTags", req, Value::Null),
            vec![
                pair("aws_instance", "i-0d000000000000001"),
                pair("aws_ebs_volume", "vol-0e000000000000001"),
                pair("aws_ami", "ami-0123456789abcdef0"),
                pair("aws_security_group", "sg-0a0000000000000a1"),
            ]
        );
    }

    #[test]
    fn endpoints_peerings_and_vpn_gateways_are_named_where_ec2_logs_them() {
        let made = json!({"vpcPeeringConnection": {"vpcPeeringConnectionId": "pcx-0123456789abcdef0",
            "requesterVpcInfo": {"vpcId": "vpc-0a000000000000001"}}});
        assert_eq!(
            ids("CreateVpcPeeringConnection", json!({"vpcId": "vpc-0a000000000000001"}), made),
            vec![pair("aws_vpc_peering_connection", "pcx-0123456789abcdef0")]
        );
        let resp = json!({"CreateVpcEndpointResponse": {"vpcEndpoint": {"vpcEndpointId": "vpce-0123456789abcdef0",
            "vpcId": "vpc-0a000000000000001"}}});
        assert_eq!(
            ids("CreateVpcEndpoint", Value::Null, resp),
            vec![pair("aws_vpc_endpoint", "vpce-0123456789abcdef0")]
        );
        let req = json!({"vpnGatewayId": "vgw-0123456789abcdef0", "vpcId": "vpc-0a000000000000001"});
        assert_eq!(ids("DetachVpnGateway", req, Value::Null), vec![pair("aws_vpn_gateway", "vgw-0123456789abcdef0")]);
        let req = json!({"resourcesSet": {"items": [{"resourceId": "eigw-0123456789abcdef0"}]}});
        assert_eq!(
            ids("CreateTags", req, Value::Null),
            vec![pair("aws_egress_only_internet_gateway", "eigw-0123456789abcdef0")]
        );
    }

    #[test]
    fn group_named_only_in_the_response_rule_set() {
        let req = json!({"groupName": "default", "ipPermissions": {"items": []}});
        let resp = json!({"_return": true, "securityGroupRuleSet": {"items": [{"groupId": "sg-0a0000000000000a1", "securityGroupRuleId": "sgr-0123456789abcdef0"}]}});
        assert_eq!(ids("AuthorizeSecurityGroupIngress", req, resp), vec![pair(SECURITY_GROUP, "sg-0a0000000000000a1")]);
    }

    #[test]
    fn rule_ids_become_their_group_when_known() {
        let req = json!({"resourcesSet": {"items": [{"resourceId": "sgr-0123456789abcdef0"}]}});
        assert_eq!(ids("CreateTags", req, Value::Null), vec![pair(INGRESS_RULE, "sgr-0123456789abcdef0")]);
        let req = json!({"ModifySecurityGroupRulesRequest": {"GroupId": "sg-0a0000000000000a1", "SecurityGroupRule": {"SecurityGroupRuleId": "sgr-0123456789abcdef0"}}});
        assert_eq!(
            ids("ModifySecurityGroupRules", req, Value::Null),
            vec![pair(SECURITY_GROUP, "sg-0a0000000000000a1")]
        );
    }

    #[test]
    fn acl_rules_attachments_images_and_dhcp_options_are_named_by_their_terraform_ids() {
        let req = json!({"networkAclId": "acl-0a1b2c3d", "ruleNumber": 100, "egress": false, "aclProtocol": "6",
            "ruleAction": "allow", "cidrBlock": "10.0.0.0/8"});
        assert_eq!(
            ids("ReplaceNetworkAclEntry", req, Value::Null),
            vec![pair("aws_network_acl", "acl-0a1b2c3d"), pair("aws_network_acl_rule", "nacl-3674362089")]
        );
        let req = json!({"associationId": "aclassoc-0a000000000000001", "networkAclId": "acl-0a1b2c3d"});
        let resp = json!({"newAssociationId": "aclassoc-0a000000000000002"});
        assert_eq!(
            ids("ReplaceNetworkAclAssociation", req, resp),
            vec![
                pair("aws_network_acl", "acl-0a1b2c3d"),
                pair("aws_network_acl_association", "aclassoc-0a000000000000001"),
                pair("aws_network_acl_association", "aclassoc-0a000000000000002"),
            ]
        );
        let req = json!({"volumeId": "vol-0f43568a8"});
        let resp = json!({"volumeId": "vol-0f43568a8", "instanceId": "i-0bbced25e", "device": "/dev/xvde"});
        assert_eq!(
            ids("DetachVolume", req, resp),
            vec![
                pair("aws_ebs_volume", "vol-0f43568a8"),
                pair("aws_instance", "i-0bbced25e"),
                pair("aws_volume_attachment", "vai-3314652726"),
            ]
        );
        let req = json!({"dhcpOptionsId": "dopt-0a000000000000001", "vpcId": "vpc-0a000000000000001"});
        assert_eq!(
            ids("AssociateDhcpOptions", req, Value::Null),
            vec![pair("aws_vpc_dhcp_options_association", "vpc-0a000000000000001")]
        );
        assert_eq!(
            ids("CreateImage", Value::Null, json!({"imageId": "ami-0a000000000000001"})),
            vec![pair("aws_ami", "ami-0a000000000000001")]
        );
        assert_eq!(
            ids("DeleteSnapshot", json!({"snapshotId": "snap-0a000000000000001"}), Value::Null),
            vec![pair("aws_ebs_snapshot", "snap-0a000000000000001")]
        );
    }

    #[test]
    fn alternatives_stop_at_the_first_that_finds() {
        let req = json!({"ModifyVolumeRequest": {"VolumeId": "vol-0e000000000000001", "Size": 200}});
        let resp = json!({"ModifyVolumeResponse": {"volumeModification": {"volumeId": "vol-0e000000000000001"}}});
        assert_eq!(ids("ModifyVolume", req, resp), vec![pair("aws_ebs_volume", "vol-0e000000000000001")]);
        let resp = json!({"keyName": "deploy", "keyPairId": "key-0123456789abcdef0"});
        assert_eq!(ids("ImportKeyPair", json!({"keyName": "deploy"}), resp), vec![pair("aws_key_pair", "deploy")]);
    }

    #[test]
    fn unknown_events_search_only_keys_the_name_mentions() {
        let req = json!({"ModifyVpcEndpointRequest": {"VpcEndpointId": "vpce-0123456789abcdef0",
            "AddSubnetId": {"content": "subnet-0a000000000000001", "tag": 1}, "AddSecurityGroupId": ["sg-0a0000000000000a1"]}});
        assert_eq!(
            ids("ModifyVpcEndpoint", req, Value::Null),
            vec![pair("aws_vpc_endpoint", "vpce-0123456789abcdef0")],
            "the endpoint, not the subnet and group it adds"
        );
        let req = json!({"ModifyInstanceMaintenanceOptionsRequest": {"InstanceId": "i-0d000000000000001", "AutoRecovery": "disabled"}});
        assert_eq!(
            ids("ModifyInstanceMaintenanceOptions", req, Value::Null),
            vec![pair("aws_instance", "i-0d000000000000001")]
        );
        // A made thing's request names its parents only: the snapshot, not the volume it copies.
        let req = json!({"volumeId": "vol-0e000000000000001"});
        assert_eq!(
            ids("CreateSnapshot", req, json!({"snapshotId": "snap-0123456789abcdef0"})),
            vec![pair("aws_ebs_snapshot", "snap-0123456789abcdef0")]
        );
    }

    #[test]
    fn id_shapes() {
        assert_eq!(type_of("i-DDd6c7B0e18F0E35f"), Some("aws_instance"));
        assert_eq!(type_of("vpce-0123456789abcdef0"), Some("aws_vpc_endpoint"));
        assert_eq!(type_of("vpce-svc-0123456789abcdef0"), None, "an endpoint service is not an endpoint");
        assert_eq!(type_of("tgw-attach-0123456789abcdef0"), Some("aws_ec2_transit_gateway_vpc_attachment"));
        assert_eq!(type_of("tgw-0123456789abcdef0"), Some("aws_ec2_transit_gateway"));
        assert_eq!(type_of("tgw-rtb-0123456789abcdef0"), None);
        assert_eq!(type_of("eni-attach-0123456789abcdef0"), None);
        assert_eq!(type_of("sgr-0123456789abcdef0"), Some(INGRESS_RULE));
        assert_eq!(generic_type("vpc-1"), None);
        assert!(is_write("StopInstances") && is_write("MonitorInstances"));
        assert!(!is_write("DescribeInstances") && !is_write("Stopwatch"));
    }
}
