//! `aws_vpn_gateway` from `DescribeVpnGateways` and `aws_customer_gateway` from
//! `DescribeCustomerGateways`: neither call pages (an account holds few), each is one call per
//! region. Deleted gateways stay listed for a while and count as gone.

use aws_sdk_ec2::types::{AttachmentStatus, CustomerGateway, VpnGateway, VpnState};
use serde_json::{Map, Value};

use super::{live, tags, text, ListError};
use crate::resource::{LiveFacts, Resource};

pub async fn list_vpn_gateways(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let out = client.describe_vpn_gateways().send().await?;
    Ok(out.vpn_gateways().iter().filter_map(map_vpn_gateway).collect())
}

fn map_vpn_gateway(g: &VpnGateway) -> Option<Resource> {
    let id = g.vpn_gateway_id()?;
    if matches!(g.state(), Some(VpnState::Deleted | VpnState::Deleting)) {
        return None;
    }
    let attached = g
        .vpc_attachments()
        .iter()
        .find(|x| matches!(x.state(), Some(AttachmentStatus::Attached | AttachmentStatus::Attaching)))
        .and_then(|x| x.vpc_id());
    let mut a = Map::new();
    a.insert("vpc_id".into(), text(attached));
    // Terraform keeps the ASN as a string.
    if let Some(asn) = g.amazon_side_asn() {
        a.insert("amazon_side_asn".into(), Value::from(asn.to_string()));
    }
    a.insert("tags".into(), tags(g.tags()));
    Some(live("aws_vpn_gateway", id, a, LiveFacts::default()))
}

pub async fn list_customer_gateways(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let out = client.describe_customer_gateways().send().await?;
    Ok(out.customer_gateways().iter().filter_map(map_customer_gateway).collect())
}

fn map_customer_gateway(g: &CustomerGateway) -> Option<Resource> {
    let id = g.customer_gateway_id()?;
    if matches!(g.state(), Some("deleted" | "deleting")) {
        return None;
    }
    let mut a = Map::new();
    a.insert("bgp_asn".into(), text(g.bgp_asn()));
    a.insert("ip_address".into(), text(g.ip_address()));
    a.insert("type".into(), text(g.r#type()));
    a.insert("tags".into(), tags(g.tags()));
    Some(live("aws_customer_gateway", id, a, LiveFacts::default()))
}
