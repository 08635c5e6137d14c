//! `aws_vpc`, its `aws_vpc_dhcp_options_association` and `aws_subnet` from `DescribeVpcs` and
//! `DescribeSubnets`. The two DNS settings of a VPC have no list form: `DescribeVpcAttribute` is
//! called for declared VPCs only, bounded.

use std::collections::HashSet;

use aws_sdk_ec2::types::{Subnet, Vpc, VpcAttributeName};
use serde_json::{json, Map, Value};

use super::dhcp::NO_OPTIONS;
use super::{bounded, live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list_vpcs(client: &aws_sdk_ec2::Client, wanted: &HashSet<String>) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_vpcs().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.vpcs().iter().flat_map(map_vpc));
    }
    let declared: Vec<&mut Resource> =
        out.iter_mut().filter(|r| r.rtype == "aws_vpc" && wanted.contains(&r.id)).collect();
    let results = bounded(declared, |r| async move {
        for (name, attr) in [
            (VpcAttributeName::EnableDnsSupport, "enable_dns_support"),
            (VpcAttributeName::EnableDnsHostnames, "enable_dns_hostnames"),
        ] {
            let got = client.describe_vpc_attribute().vpc_id(&r.id).attribute(name.clone()).send().await?;
            let value = match name {
                VpcAttributeName::EnableDnsSupport => got.enable_dns_support(),
                _ => got.enable_dns_hostnames(),
            };
            if let Some(v) = value.and_then(|v| v.value()) {
                r.attributes.insert(attr.into(), json!(v));
            }
        }
        Ok::<(), ListError>(())
    })
    .await;
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(out)
}

fn map_vpc(v: &Vpc) -> Vec<Resource> {
    let Some(id) = v.vpc_id() else { return Vec::new() };
    let mut a = Map::new();
    a.insert("cidr_block".into(), text(v.cidr_block()));
    a.insert("instance_tenancy".into(), text(v.instance_tenancy().map(|t| t.as_str())));
    a.insert("tags".into(), tags(v.tags()));
    let facts = LiveFacts { aws_default: v.is_default() == Some(true), ..Default::default() };
    let vpc = live("aws_vpc", id, a, facts);

    // Every VPC has one set (or none, `default`); the association is matched by the VPC's id.
    // No set, or the region's own (`claim_service_owned` knows it), is AWS's.
    let options = v.dhcp_options_id().unwrap_or(NO_OPTIONS);
    let mut a = Map::new();
    a.insert("vpc_id".into(), Value::from(id));
    a.insert("dhcp_options_id".into(), Value::from(options));
    let facts = LiveFacts { aws_default: options == NO_OPTIONS, parent: Some(id.to_owned()), ..Default::default() };
    vec![vpc, live("aws_vpc_dhcp_options_association", id, a, facts)]
}

pub async fn list_subnets(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_subnets().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.subnets().iter().filter_map(map_subnet));
    }
    Ok(out)
}

fn map_subnet(s: &Subnet) -> Option<Resource> {
    let id = s.subnet_id()?;
    let mut a = Map::new();
    a.insert("vpc_id".into(), text(s.vpc_id()));
    a.insert("cidr_block".into(), text(s.cidr_block()));
    a.insert("availability_zone".into(), text(s.availability_zone()));
    if let Some(p) = s.map_public_ip_on_launch() {
        a.insert("map_public_ip_on_launch".into(), Value::Bool(p));
    }
    a.insert("tags".into(), tags(s.tags()));
    let facts = LiveFacts { aws_default: s.default_for_az() == Some(true), ..Default::default() };
    Some(live("aws_subnet", id, a, facts))
}
