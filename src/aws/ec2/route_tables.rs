//! `aws_route_table`, `aws_route`, `aws_route_table_association` and
//! `aws_main_route_table_association` from one paginated `DescribeRouteTables`. Each route is
//! also emitted on its own as an `aws_route`, with the id the AWS provider gives it, so a route
//! declared either way can be matched.

use aws_sdk_ec2::types::{Route, RouteOrigin, RouteTable};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_route_tables().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        for t in page?.route_tables() {
            out.extend(map(t));
        }
    }
    Ok(out)
}

/// The id the AWS provider gives an `aws_route`: `r-` + table id + CRC-32 of the destination.
pub fn route_id(table: &str, destination: &str) -> String {
    format!("r-{table}{}", crc32fast::hash(destination.as_bytes()))
}

fn map(t: &RouteTable) -> Vec<Resource> {
    let Some(id) = t.route_table_id() else { return Vec::new() };
    let mut out = Vec::new();
    // The local route is the VPC's own and propagated routes belong to the gateway: Terraform
    // leaves both out of `route`.
    let routes: Vec<&Route> = t
        .routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .filter(|r| r.origin() != Some(&RouteOrigin::EnableVgwRoutePropagation))
        .collect();
    let mut a = Map::new();
    a.insert("vpc_id".into(), text(t.vpc_id()));
    a.insert("route".into(), Value::Array(routes.iter().map(|r| route_block(r)).collect()));
    let vgws: Vec<Value> = t.propagating_vgws().iter().filter_map(|v| v.gateway_id()).map(Value::from).collect();
    a.insert("propagating_vgws".into(), Value::Array(vgws));
    a.insert("tags".into(), tags(t.tags()));
    // The main table comes with the VPC; Terraform adopts it only as `aws_default_route_table`.
    let main = t.associations().iter().any(|x| x.main() == Some(true));
    out.push(live("aws_route_table", id, a, LiveFacts { aws_default: main, ..Default::default() }));

    for r in &routes {
        let block = route_block(r);
        let destination = ["cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"]
            .iter()
            .filter_map(|k| block.get(*k).and_then(Value::as_str))
            .find(|d| !d.is_empty())
            .unwrap_or_default()
            .to_owned();
        let mut a = Map::new();
        a.insert("route_table_id".into(), Value::from(id));
        for &(from, to) in crate::catalog::ROUTE_FIELDS {
            a.insert(to.into(), block.get(from).cloned().unwrap_or(Value::Null));
        }
        let facts = LiveFacts { owner: Some(id.to_owned()), parent: Some(id.to_owned()), ..Default::default() };
        out.push(live("aws_route", &route_id(id, &destination), a, facts));
    }

    for assoc in t.associations().iter().filter(|x| x.main() != Some(true)) {
        let Some(assoc_id) = assoc.route_table_association_id() else { continue };
        let mut a = Map::new();
        a.insert("route_table_id".into(), Value::from(id));
        a.insert("subnet_id".into(), text(assoc.subnet_id()));
        a.insert("gateway_id".into(), text(assoc.gateway_id()));
        let facts = LiveFacts { parent: Some(id.to_owned()), ..Default::default() };
        out.push(live("aws_route_table_association", assoc_id, a, facts));
    }
    // A VPC's main association is AWS's while it points at the table the VPC came with;
    // `ownership::network` takes that back when the main table is one Terraform made.
    if let Some(main) = t.associations().iter().find(|x| x.main() == Some(true)) {
        if let Some(assoc_id) = main.route_table_association_id() {
            let mut a = Map::new();
            a.insert("vpc_id".into(), text(t.vpc_id()));
            a.insert("route_table_id".into(), Value::from(id));
            let facts = LiveFacts { aws_default: true, parent: t.vpc_id().map(str::to_owned), ..Default::default() };
            out.push(live("aws_main_route_table_association", assoc_id, a, facts));
        }
    }
    out
}

/// One route in the shape of a Terraform `route` block.
fn route_block(r: &Route) -> Value {
    json!({
        "cidr_block": r.destination_cidr_block().unwrap_or(""),
        "ipv6_cidr_block": r.destination_ipv6_cidr_block().unwrap_or(""),
        "destination_prefix_list_id": r.destination_prefix_list_id().unwrap_or(""),
        "gateway_id": r.gateway_id().unwrap_or(""),
        "nat_gateway_id": r.nat_gateway_id().unwrap_or(""),
        "network_interface_id": r.network_interface_id().unwrap_or(""),
        "transit_gateway_id": r.transit_gateway_id().unwrap_or(""),
        "vpc_peering_connection_id": r.vpc_peering_connection_id().unwrap_or(""),
        "egress_only_gateway_id": r.egress_only_internet_gateway_id().unwrap_or(""),
        "carrier_gateway_id": r.carrier_gateway_id().unwrap_or(""),
        "local_gateway_id": r.local_gateway_id().unwrap_or(""),
        "core_network_arn": r.core_network_arn().unwrap_or(""),
        "vpc_endpoint_id": "",
    })
}
