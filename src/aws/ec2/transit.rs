//! `aws_ec2_transit_gateway` from `DescribeTransitGateways` and
//! `aws_ec2_transit_gateway_vpc_attachment` from `DescribeTransitGatewayVpcAttachments`, both
//! paginated by 1,000. Deleted ones stay listed for a while and count as gone.

use aws_sdk_ec2::types::{TransitGateway, TransitGatewayVpcAttachment};
use serde_json::{Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

fn gone(state: Option<&str>) -> bool {
    matches!(state, Some("deleted" | "deleting" | "failed" | "failing" | "rejected"))
}

pub async fn list_gateways(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_transit_gateways().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.transit_gateways().iter().filter_map(map_gateway));
    }
    Ok(out)
}

fn map_gateway(g: &TransitGateway) -> Option<Resource> {
    let id = g.transit_gateway_id()?;
    if gone(g.state().map(|s| s.as_str())) {
        return None;
    }
    let mut a = Map::new();
    a.insert("description".into(), text(g.description()));
    if let Some(o) = g.options() {
        if let Some(asn) = o.amazon_side_asn() {
            a.insert("amazon_side_asn".into(), Value::from(asn));
        }
        let setting = |v: Option<&str>| text(v);
        a.insert(
            "auto_accept_shared_attachments".into(),
            setting(o.auto_accept_shared_attachments().map(|v| v.as_str())),
        );
        a.insert(
            "default_route_table_association".into(),
            setting(o.default_route_table_association().map(|v| v.as_str())),
        );
        a.insert(
            "default_route_table_propagation".into(),
            setting(o.default_route_table_propagation().map(|v| v.as_str())),
        );
        a.insert("dns_support".into(), setting(o.dns_support().map(|v| v.as_str())));
        a.insert("vpn_ecmp_support".into(), setting(o.vpn_ecmp_support().map(|v| v.as_str())));
    }
    a.insert("tags".into(), tags(g.tags()));
    Some(live("aws_ec2_transit_gateway", id, a, LiveFacts::default()))
}

pub async fn list_vpc_attachments(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_transit_gateway_vpc_attachments().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.transit_gateway_vpc_attachments().iter().filter_map(map_attachment));
    }
    Ok(out)
}

fn map_attachment(x: &TransitGatewayVpcAttachment) -> Option<Resource> {
    let id = x.transit_gateway_attachment_id()?;
    if gone(x.state().map(|s| s.as_str())) {
        return None;
    }
    let mut a = Map::new();
    a.insert("transit_gateway_id".into(), text(x.transit_gateway_id()));
    a.insert("vpc_id".into(), text(x.vpc_id()));
    a.insert("subnet_ids".into(), Value::Array(x.subnet_ids().iter().map(|s| Value::from(s.as_str())).collect()));
    if let Some(o) = x.options() {
        a.insert("dns_support".into(), text(o.dns_support().map(|v| v.as_str())));
        a.insert("appliance_mode_support".into(), text(o.appliance_mode_support().map(|v| v.as_str())));
    }
    a.insert("tags".into(), tags(x.tags()));
    Some(live("aws_ec2_transit_gateway_vpc_attachment", id, a, LiveFacts::default()))
}
