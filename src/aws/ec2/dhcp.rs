//! `aws_vpc_dhcp_options` from `DescribeDhcpOptions`. The set AWS makes in each region is AWS's,
//! never unmanaged: `aws_default_vpc_dhcp_options` adopts it, and finds it as this module does,
//! by its two options (the region's private DNS suffix and `AmazonProvidedDNS`), since nothing
//! else marks it. A VPC's association with a set is listed with the VPC (`network`).

use aws_sdk_ec2::types::DhcpOptions;
use serde_json::{Map, Value};

use super::{live, tags, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

/// What a VPC without a set says for its `DhcpOptionsId`, and the provider for no set.
pub const NO_OPTIONS: &str = "default";

pub async fn list(client: &aws_sdk_ec2::Client, region: &str) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_dhcp_options().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.dhcp_options().iter().filter_map(|o| map(o, region)));
    }
    Ok(out)
}

/// The domain name of the set AWS makes: `ec2.internal` in us-east-1, else
/// `REGION.compute.internal`.
fn default_domain(region: &str) -> String {
    if region == "us-east-1" {
        "ec2.internal".into()
    } else {
        format!("{region}.compute.internal")
    }
}

fn map(o: &DhcpOptions, region: &str) -> Option<Resource> {
    let id = o.dhcp_options_id()?;
    let values = |key: &str| -> Vec<Value> {
        o.dhcp_configurations()
            .iter()
            .filter(|c| c.key() == Some(key))
            .flat_map(|c| c.values().iter().filter_map(|v| v.value()).map(Value::from))
            .collect()
    };
    let one = |key: &str| values(key).into_iter().next().unwrap_or(Value::Null);
    let mut a = Map::new();
    a.insert("domain_name".into(), one("domain-name"));
    // Server lists keep their order: a resolver is asked in the order given.
    a.insert("domain_name_servers".into(), Value::Array(values("domain-name-servers")));
    a.insert("ntp_servers".into(), Value::Array(values("ntp-servers")));
    a.insert("netbios_name_servers".into(), Value::Array(values("netbios-name-servers")));
    a.insert("netbios_node_type".into(), one("netbios-node-type"));
    a.insert("tags".into(), tags(o.tags()));
    let keys: Vec<&str> = o.dhcp_configurations().iter().filter_map(|c| c.key()).collect();
    let aws_default = keys.len() == 2
        && a["domain_name"].as_str() == Some(default_domain(region).as_str())
        && a["domain_name_servers"] == Value::Array(vec![Value::from("AmazonProvidedDNS")]);
    Some(live("aws_vpc_dhcp_options", id, a, LiveFacts { aws_default, ..Default::default() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{AttributeValue, DhcpConfiguration};

    fn set(id: &str, options: &[(&str, &[&str])]) -> DhcpOptions {
        let mut b = DhcpOptions::builder().dhcp_options_id(id);
        for (key, values) in options {
            let mut c = DhcpConfiguration::builder().key(*key);
            for v in *values {
                c = c.values(AttributeValue::builder().value(*v).build());
            }
            b = b.dhcp_configurations(c.build());
        }
        b.build()
    }

    #[test]
    fn options_map_to_terraform_names_and_the_regions_own_set_is_aws_s() {
        let made = map(
            &set(
                "dopt-1",
                &[
                    ("domain-name", &["corp.example"]),
                    ("domain-name-servers", &["10.0.0.2", "10.0.0.3"]),
                    ("netbios-node-type", &["2"]),
                ],
            ),
            "eu-west-1",
        )
        .unwrap();
        assert_eq!(made.attributes["domain_name"], "corp.example");
        assert_eq!(made.attributes["domain_name_servers"], serde_json::json!(["10.0.0.2", "10.0.0.3"]));
        assert_eq!(made.attributes["netbios_node_type"], "2");
        assert!(!made.live.unwrap().aws_default);

        let aws = |region: &str, domain: &str| {
            let o = set("dopt-2", &[("domain-name", &[domain]), ("domain-name-servers", &["AmazonProvidedDNS"])]);
            map(&o, region).unwrap().live.unwrap().aws_default
        };
        assert!(aws("us-east-1", "ec2.internal"));
        assert!(aws("eu-west-1", "eu-west-1.compute.internal"));
        assert!(!aws("eu-west-1", "corp.example"), "a set of one's own with AWS's servers is one's own");
    }
}
