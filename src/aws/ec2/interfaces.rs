//! `aws_network_interface` from `DescribeNetworkInterfaces`. Most interfaces in an account are
//! made by something else (every instance has one, load balancers, NAT gateways and Lambda make
//! their own): those are owned and never reported unmanaged.

use aws_sdk_ec2::types::{NetworkInterface, NetworkInterfaceType};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_network_interfaces().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.network_interfaces().iter().filter_map(map));
    }
    Ok(out)
}

fn map(n: &NetworkInterface) -> Option<Resource> {
    let id = n.network_interface_id()?;
    let mut a = Map::new();
    a.insert("subnet_id".into(), text(n.subnet_id()));
    a.insert("description".into(), text(n.description()));
    let ips: Vec<Value> =
        n.private_ip_addresses().iter().filter_map(|p| p.private_ip_address()).map(Value::from).collect();
    a.insert("private_ips".into(), Value::Array(ips));
    let groups: Vec<Value> = n.groups().iter().filter_map(|g| g.group_id()).map(Value::from).collect();
    a.insert("security_groups".into(), Value::Array(groups));
    if let Some(check) = n.source_dest_check() {
        a.insert("source_dest_check".into(), json!(check));
    }
    a.insert("tags".into(), tags(n.tag_set()));
    Some(live("aws_network_interface", id, a, LiveFacts { owner: owner(n), ..Default::default() }))
}

/// What made the interface, when it was not made on its own: the instance it was launched with
/// (it goes when the instance goes), or the AWS service that manages it.
fn owner(n: &NetworkInterface) -> Option<String> {
    if n.requester_managed() == Some(true) {
        return Some(n.requester_id().unwrap_or("aws").to_owned());
    }
    if n.interface_type().is_some_and(|t| *t != NetworkInterfaceType::Interface) {
        return Some(n.interface_type().map(|t| t.as_str().to_owned()).unwrap_or_default());
    }
    let attachment = n.attachment()?;
    let launched_with = attachment.device_index() == Some(0) || attachment.delete_on_termination() == Some(true);
    launched_with.then(|| attachment.instance_id().unwrap_or("instance").to_owned())
}
