//! `aws_eip` and `aws_eip_association` from `DescribeAddresses`, which has no pagination: an
//! account holds a few Elastic IPs per region at most, and one call returns them all.

use aws_sdk_ec2::types::Address;
use serde_json::{Map, Value};

use super::{live, tags, text, ListError};
use crate::resource::{LiveFacts, Resource};

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let got = client.describe_addresses().send().await?;
    Ok(got.addresses().iter().flat_map(map).collect())
}

fn map(addr: &Address) -> Vec<Resource> {
    let Some(alloc) = addr.allocation_id() else { return Vec::new() };
    let mut a = Map::new();
    a.insert("domain".into(), text(addr.domain().map(|d| d.as_str())));
    a.insert("public_ip".into(), text(addr.public_ip()));
    a.insert("tags".into(), tags(addr.tags()));
    let mut out = vec![live("aws_eip", alloc, a, LiveFacts::default())];
    if let Some(assoc) = addr.association_id().filter(|s| !s.is_empty()) {
        let mut a = Map::new();
        a.insert("allocation_id".into(), Value::from(alloc));
        a.insert("instance_id".into(), text(addr.instance_id()));
        a.insert("network_interface_id".into(), text(addr.network_interface_id()));
        a.insert("private_ip_address".into(), text(addr.private_ip_address()));
        let facts = LiveFacts { parent: Some(alloc.to_owned()), ..Default::default() };
        out.push(live("aws_eip_association", assoc, a, facts));
    }
    out
}
