//! `aws_vpc_endpoint` from `DescribeVpcEndpoints` and `aws_vpc_peering_connection` (with the
//! other side's `aws_vpc_peering_connection_accepter`, the same connection) from
//! `DescribeVpcPeeringConnections`, both paginated by 1,000. Deleted, rejected and failed ones
//! stay listed for a while: they count as gone.

use aws_sdk_ec2::types::{
    VpcEndpoint, VpcEndpointType, VpcPeeringConnection, VpcPeeringConnectionStateReasonCode as Pcx,
};
use serde_json::{Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list_endpoints(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_vpc_endpoints().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.vpc_endpoints().iter().filter_map(map_endpoint));
    }
    Ok(out)
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    Value::Array(items.map(Value::from).collect())
}

fn map_endpoint(e: &VpcEndpoint) -> Option<Resource> {
    let id = e.vpc_endpoint_id()?;
    // EC2 answers the state in lower case (`deleted`) where the SDK's enum spells `Deleted`.
    let state = e.state().map(|s| s.as_str().to_ascii_lowercase());
    if matches!(state.as_deref(), Some("deleted" | "deleting" | "failed" | "rejected" | "expired")) {
        return None;
    }
    let mut a = Map::new();
    a.insert("vpc_id".into(), text(e.vpc_id()));
    a.insert("service_name".into(), text(e.service_name()));
    a.insert("vpc_endpoint_type".into(), text(e.vpc_endpoint_type().map(|t| t.as_str())));
    // Only an interface endpoint has private DNS; Terraform keeps `false` for the others.
    if e.vpc_endpoint_type() == Some(&VpcEndpointType::Interface) {
        a.insert("private_dns_enabled".into(), Value::Bool(e.private_dns_enabled().unwrap_or(false)));
    }
    a.insert("subnet_ids".into(), strings(e.subnet_ids().iter().map(String::as_str)));
    a.insert("security_group_ids".into(), strings(e.groups().iter().filter_map(|g| g.group_id())));
    a.insert("route_table_ids".into(), strings(e.route_table_ids().iter().map(String::as_str)));
    // Endpoints of services without policies have none; the state then holds "".
    a.insert("policy".into(), text(e.policy_document()));
    a.insert("tags".into(), tags(e.tags()));
    // An endpoint another service made for itself (requester-managed) is that service's.
    let owner = (e.requester_managed() == Some(true)).then(|| "aws".to_owned());
    Some(live("aws_vpc_endpoint", id, a, LiveFacts { owner, ..LiveFacts::default() }))
}

pub async fn list_peerings(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_vpc_peering_connections().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.vpc_peering_connections().iter().filter_map(map_peering));
    }
    Ok(out)
}

fn map_peering(p: &VpcPeeringConnection) -> Option<Resource> {
    let id = p.vpc_peering_connection_id()?;
    let code = p.status().and_then(|s| s.code());
    if matches!(code, Some(Pcx::Deleted | Pcx::Deleting | Pcx::Rejected | Pcx::Failed | Pcx::Expired)) {
        return None;
    }
    let (requester, accepter) = (p.requester_vpc_info(), p.accepter_vpc_info());
    let mut a = Map::new();
    // Both Terraform types name the requester's VPC `vpc_id` and the accepter's `peer_vpc_id`.
    a.insert("vpc_id".into(), text(requester.and_then(|v| v.vpc_id())));
    a.insert("peer_vpc_id".into(), text(accepter.and_then(|v| v.vpc_id())));
    a.insert("peer_owner_id".into(), text(accepter.and_then(|v| v.owner_id())));
    if let Some(region) = accepter.and_then(|v| v.region()) {
        a.insert("peer_region".into(), Value::from(region));
    }
    a.insert("tags".into(), tags(p.tags()));
    Some(live("aws_vpc_peering_connection", id, a, LiveFacts::default()))
}
