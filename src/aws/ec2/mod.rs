//! EC2: instances, volumes and their attachments, images and snapshots, networks, DHCP options,
//! security groups, network ACLs, addresses, gateways, interfaces, key pairs, launch templates,
//! endpoints, peerings, VPN gateways, tags. Every list is regional and paginated by 1,000 where
//! the call pages; one file per kind.

mod addresses;
mod catalog;
mod dhcp;
mod endpoints;
mod flow_logs;
mod gateways;
mod images;
mod instances;
mod interfaces;
mod network;
pub mod network_acls;
mod route_tables;
mod security_groups;
pub mod tags;
mod templates;
mod transit;
pub mod volumes;
mod vpn;

pub use catalog::SERVICE;

use std::collections::{BTreeMap, HashSet};

use aws_sdk_ec2::types::Tag;
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, Wanted};
use crate::catalog::ListSpec;
use crate::resource::Resource;

/// Pages of 1,000, the most the EC2 list calls return, so calls grow with ceil(N / 1000).
const PAGE: i32 = 1000;

/// Lists one EC2 family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_ec2::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = aws_sdk_ec2::Client::from_conf(conf);
    let client = &client;
    let empty = HashSet::new();
    match family.operation {
        "DescribeInstances" => instances::list(client, targeted(ctx, "i-")).await,
        "DescribeSecurityGroups" => security_groups::list(client, targeted(ctx, "sg-")).await,
        "DescribeSecurityGroupRules" => security_groups::list_rules(client).await,
        "DescribeVpcs" => network::list_vpcs(client, wanted.get("aws_vpc").unwrap_or(&empty)).await,
        "DescribeSubnets" => network::list_subnets(client).await,
        "DescribeVolumes" => volumes::list(client).await,
        "DescribeImages" => images::list_images(client, wanted.get("aws_ami").unwrap_or(&empty)).await,
        "DescribeSnapshots" => images::list_snapshots(client, wanted.get("aws_ebs_snapshot").unwrap_or(&empty)).await,
        "DescribeDhcpOptions" => dhcp::list(client, ctx.region).await,
        "DescribeAddresses" => addresses::list(client).await,
        "DescribeRouteTables" => route_tables::list(client).await,
        "DescribeInternetGateways" => gateways::list_internet(client).await,
        "DescribeNatGateways" => gateways::list_nat(client).await,
        "DescribeNetworkInterfaces" => interfaces::list(client).await,
        "DescribeKeyPairs" => templates::list_key_pairs(client).await,
        "DescribeLaunchTemplates" => templates::list_launch_templates(client).await,
        "DescribeNetworkAcls" => network_acls::list(client).await,
        "DescribeVpcEndpoints" => endpoints::list_endpoints(client).await,
        "DescribeVpcPeeringConnections" => endpoints::list_peerings(client).await,
        "DescribeVpnGateways" => vpn::list_vpn_gateways(client).await,
        "DescribeCustomerGateways" => vpn::list_customer_gateways(client).await,
        "DescribeEgressOnlyInternetGateways" => gateways::list_egress_only(client).await,
        "DescribeFlowLogs" => flow_logs::list_flow_logs(client).await,
        "DescribePlacementGroups" => flow_logs::list_placement_groups(client).await,
        "DescribeTransitGateways" => transit::list_gateways(client).await,
        "DescribeTransitGatewayVpcAttachments" => transit::list_vpc_attachments(client).await,
        "DescribeTags" => tags::list(client, wanted.get(tags::TAG).unwrap_or(&empty)).await,
        other => Err(ListError(format!("no EC2 list {other}"))),
    }
}

/// The ids of a targeted re-read that a list filtering on `prefix` ids can ask for; `None`
/// lists everything (a scan, or none of the targets is of the list's kind).
fn targeted(ctx: &Ctx<'_>, prefix: &str) -> Option<Vec<String>> {
    let ids: Vec<String> = ctx.only?.iter().filter(|id| id.starts_with(prefix)).cloned().collect();
    (!ids.is_empty()).then_some(ids)
}

/// A filter on `name` matching `ids`: unlike an id list, an id that no longer exists is no error.
fn id_filter(name: &str, ids: Vec<String>) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder().name(name).set_values(Some(ids)).build()
}

/// The type a deleted NAT gateway is listed as until `claim_service_owned` has used and dropped it.
const GONE_NAT_GATEWAY: &str = "(deleted aws_nat_gateway)";

/// Some resources are made by AWS for another resource and go with it: the interface and the
/// address association of a NAT gateway, the gateway of a default VPC, a VPC's association with
/// the region's own DHCP options. The list calls each see
/// one side; this pass, over everything listed, marks them owned so none is reported unmanaged.
pub(super) fn claim_service_owned(resources: &mut Vec<Resource>) {
    let mut owner_of: BTreeMap<String, String> = BTreeMap::new();
    let mut default_vpcs: HashSet<String> = HashSet::new();
    let mut default_options: HashSet<String> = HashSet::new();
    for r in resources.iter() {
        let aws_default = r.live.as_ref().is_some_and(|l| l.aws_default);
        match r.rtype.as_str() {
            "aws_nat_gateway" | GONE_NAT_GATEWAY => {
                if let Some(eni) = r.attributes.get("network_interface_id").and_then(Value::as_str) {
                    owner_of.insert(eni.to_owned(), r.id.clone());
                }
            }
            "aws_vpc" if aws_default => {
                default_vpcs.insert(r.id.clone());
            }
            "aws_vpc_dhcp_options" if aws_default => {
                default_options.insert(r.id.clone());
            }
            _ => {}
        }
    }
    for r in resources.iter_mut() {
        let Some(facts) = r.live.as_mut() else { continue };
        match r.rtype.as_str() {
            "aws_network_interface" => {
                if let Some(nat) = owner_of.get(&r.id) {
                    facts.owner = Some(nat.clone());
                }
            }
            "aws_eip_association" => {
                let eni = r.attributes.get("network_interface_id").and_then(Value::as_str).unwrap_or_default();
                if let Some(nat) = owner_of.get(eni) {
                    facts.owner = Some(nat.clone());
                }
            }
            "aws_internet_gateway" => {
                let vpc = r.attributes.get("vpc_id").and_then(Value::as_str).unwrap_or_default();
                if default_vpcs.contains(vpc) {
                    facts.aws_default = true;
                }
            }
            "aws_vpc_dhcp_options_association" => {
                let options = r.attributes.get("dhcp_options_id").and_then(Value::as_str).unwrap_or_default();
                if default_options.contains(options) {
                    facts.aws_default = true;
                }
            }
            _ => {}
        }
    }
    resources.retain(|r| r.rtype != GONE_NAT_GATEWAY);
}

/// AWS tags as Terraform's `tags` map.
fn tags(list: &[Tag]) -> Value {
    let map: Map<String, Value> =
        list.iter().filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value().unwrap_or_default())))).collect();
    Value::Object(map)
}
