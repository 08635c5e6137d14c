//! `aws_internet_gateway` from `DescribeInternetGateways` and `aws_nat_gateway` from
//! `DescribeNatGateways`, `aws_egress_only_internet_gateway` from
//! `DescribeEgressOnlyInternetGateways`, all paginated.

use aws_sdk_ec2::types::{InternetGateway, NatGateway, NatGatewayState};
use serde_json::{Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list_internet(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_internet_gateways().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.internet_gateways().iter().filter_map(map_internet));
    }
    Ok(out)
}

fn map_internet(g: &InternetGateway) -> Option<Resource> {
    let id = g.internet_gateway_id()?;
    let mut a = Map::new();
    a.insert("vpc_id".into(), text(g.attachments().iter().find_map(|x| x.vpc_id())));
    a.insert("tags".into(), tags(g.tags()));
    Some(live("aws_internet_gateway", id, a, LiveFacts::default()))
}

pub async fn list_nat(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_nat_gateways().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.nat_gateways().iter().filter_map(map_nat));
    }
    Ok(out)
}

fn map_nat(g: &NatGateway) -> Option<Resource> {
    let id = g.nat_gateway_id()?;
    // A deleted NAT gateway stays listed for about an hour: it counts as gone, but what it made
    // may linger with it, and is still its own.
    let rtype =
        if matches!(g.state(), Some(NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed)) {
            super::GONE_NAT_GATEWAY
        } else {
            "aws_nat_gateway"
        };
    let primary = g.nat_gateway_addresses().iter().find(|x| x.is_primary() != Some(false));
    let mut a = Map::new();
    a.insert("allocation_id".into(), text(primary.and_then(|x| x.allocation_id())));
    a.insert("subnet_id".into(), text(g.subnet_id()));
    if let Some(kind) = g.connectivity_type() {
        a.insert("connectivity_type".into(), Value::from(kind.as_str()));
    }
    a.insert("private_ip".into(), text(primary.and_then(|x| x.private_ip())));
    // Not compared: lets the inventory mark the gateway's own interface as owned.
    a.insert("network_interface_id".into(), text(primary.and_then(|x| x.network_interface_id())));
    a.insert("tags".into(), tags(g.tags()));
    Some(live(rtype, id, a, LiveFacts::default()))
}

/// Pages of 255, the most `DescribeEgressOnlyInternetGateways` returns.
const EGRESS_ONLY_PAGE: i32 = 255;

pub async fn list_egress_only(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages =
        client.describe_egress_only_internet_gateways().max_results(EGRESS_ONLY_PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        for g in page?.egress_only_internet_gateways() {
            let Some(id) = g.egress_only_internet_gateway_id() else { continue };
            let mut a = Map::new();
            a.insert("vpc_id".into(), text(g.attachments().iter().find_map(|x| x.vpc_id())));
            a.insert("tags".into(), tags(g.tags()));
            out.push(live("aws_egress_only_internet_gateway", id, a, LiveFacts::default()));
        }
    }
    Ok(out)
}
