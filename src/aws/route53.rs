//! Route53: hosted zones and their records. Route53 is global, like IAM: its list runs once per
//! account and its resources carry the region [`GLOBAL`](crate::catalog::GLOBAL).
//!
//! `ListHostedZones` finds every zone (100 a page, the most it returns); a zone's records are
//! listed with `ListResourceRecordSets` (300 a page) only for the zones the states declare or
//! hold declared records of, and its tags (`ListTagsForResource`) only for declared zones, a few
//! zones in flight: Route53 calls grow with the declared zones and their records, not with the
//! account's. A record's Terraform id is `ZONE_NAME_TYPE[_SETID]`; both sides are matched by it
//! made from their attributes (the configuration may have named the record short).

use std::collections::HashSet;

use aws_sdk_route53::types::{HostedZone, ResourceRecordSet, TagResourceType};
use aws_sdk_route53::Client;
use serde_json::{json, Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const ZONES: ListSpec =
    ListSpec { operation: "ListHostedZones", service: Service::Route53, scope: Scope::Global, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Route53,
    event_source: "route53.amazonaws.com",
    events: EVENTS,
    lists: &[ZONES],
    types: TYPES,
};

const ZONE: &str = "aws_route53_zone";
const RECORD: &str = "aws_route53_record";

const TYPES: &[TypeSpec] = &[
    TypeSpec::new(ZONE, &ZONES, &["name", "comment", "tags"]),
    // `fqdn`, not `name`: the configuration may name a record relative to its zone, and the
    // provider keeps the full name in `fqdn`. Records and alias targets are spelt as the
    // provider keeps them by the `route53_names` pass.
    TypeSpec::new(RECORD, &ZONES, &["fqdn", "type", "ttl", "records", "alias", "set_identifier"])
        .identified_by(record_id),
];

/// `ZONE_NAME_TYPE[_SETID]`, the id the provider writes and imports by.
fn record_id(id: &str, a: &Map<String, Value>) -> String {
    let name = a.get("fqdn").or_else(|| a.get("name")).and_then(Value::as_str).unwrap_or_default();
    let (zone, rtype) = (text_of(a, "zone_id"), text_of(a, "type"));
    if zone.is_empty() || name.is_empty() || rtype.is_empty() {
        return id.to_owned();
    }
    let mut out = format!("{zone}_{}_{rtype}", record_name(name));
    let set = text_of(a, "set_identifier");
    if !set.is_empty() {
        out.push('_');
        out.push_str(&set);
    }
    out
}

/// A DNS name as the provider keeps it: lower case, no trailing dot, `*` for Route53's `\052`.
pub fn record_name(name: &str) -> String {
    name.trim_end_matches('.').replace("\\052", "*").to_ascii_lowercase()
}

/// Where CloudTrail names the zone a Route53 write changed. A record change names its zone;
/// the records are inside a change batch, not attributed one by one.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateHostedZone", &["resp.hostedZone.id=aws_route53_zone"]),
    ("DeleteHostedZone", &["req.id=aws_route53_zone"]),
    ("UpdateHostedZoneComment", &["req.id=aws_route53_zone"]),
    ("ChangeTagsForResource", &["req.resourceId=aws_route53_zone"]),
    ("ChangeResourceRecordSets", &["req.hostedZoneId=aws_route53_zone"]),
];

/// The most zones one `ListHostedZones` page holds.
const ZONE_PAGE: i32 = 100;
/// The most record sets one `ListResourceRecordSets` page holds.
const RECORD_PAGE: i32 = 300;

/// Every zone, with the records of the zones the states hold.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation != ZONES.operation {
        return Err(ListError(format!("no Route53 list {}", family.operation)));
    }
    let conf =
        aws_sdk_route53::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let mut zones = Vec::new();
    let mut pages = client.list_hosted_zones().max_items(ZONE_PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        zones.extend(page?.hosted_zones().iter().cloned());
    }
    let empty = HashSet::new();
    let declared = wanted.get(ZONE).unwrap_or(&empty);
    // A declared record names its zone first in its id.
    let with_records: HashSet<&str> = wanted
        .get(RECORD)
        .into_iter()
        .flatten()
        .filter_map(|id| id.split('_').next())
        .chain(declared.iter().map(String::as_str))
        .collect();
    let client = &client;
    let with_records = &with_records;
    let read = bounded(zones, |zone| async move {
        let id = zone_id(zone.id()).to_owned();
        let mut zone_resource = map_zone(&zone);
        let mut out = Vec::new();
        if declared.contains(&id) {
            let tags = client
                .list_tags_for_resource()
                .resource_type(TagResourceType::Hostedzone)
                .resource_id(&id)
                .send()
                .await
                .map_err(ListError::reading("ListTagsForResource"))?;
            let tags: Map<String, Value> = tags
                .resource_tag_set()
                .map(|s| s.tags())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value().unwrap_or_default()))))
                .collect();
            zone_resource.attributes.insert("tags".into(), Value::Object(tags));
        }
        if with_records.contains(id.as_str()) {
            out.extend(list_records(client, &id, zone.name()).await?);
        }
        out.push(zone_resource);
        Ok::<_, ListError>(out)
    })
    .await;
    let mut out = Vec::new();
    for r in read {
        out.extend(r?);
    }
    Ok(out)
}

/// `/hostedzone/Z123` as the API names a zone; Terraform keeps `Z123`.
fn zone_id(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

fn map_zone(z: &HostedZone) -> Resource {
    let id = zone_id(z.id());
    let mut a = Map::new();
    a.insert("zone_id".into(), Value::from(id));
    a.insert("name".into(), Value::from(record_name(z.name())));
    a.insert("comment".into(), text(z.config().and_then(|c| c.comment())));
    live(ZONE, id, a, LiveFacts::default())
}

/// A zone's record sets, page by page (`ListResourceRecordSets` continues from the next name,
/// type and set id rather than a token, and the SDK has no paginator for it).
async fn list_records(client: &Client, zone: &str, zone_name: &str) -> Result<Vec<Resource>, ListError> {
    let mut out = Vec::new();
    let mut next: Option<(String, aws_sdk_route53::types::RrType, Option<String>)> = None;
    loop {
        let mut call = client.list_resource_record_sets().hosted_zone_id(zone).max_items(RECORD_PAGE);
        if let Some((name, rtype, set)) = next.take() {
            call = call.start_record_name(name).start_record_type(rtype).set_start_record_identifier(set);
        }
        let page = call.send().await.map_err(ListError::reading("ListResourceRecordSets"))?;
        out.extend(page.resource_record_sets().iter().map(|r| map_record(zone, zone_name, r)));
        match (page.is_truncated(), page.next_record_name(), page.next_record_type()) {
            (true, Some(name), Some(rtype)) => {
                next = Some((name.to_owned(), rtype.clone(), page.next_record_identifier().map(str::to_owned)));
            }
            _ => break,
        }
    }
    Ok(out)
}

/// A record set as the provider keeps it. The zone's own NS and SOA records are made with the
/// zone: never unmanaged (a configuration may still declare them, and they are compared then).
fn map_record(zone: &str, zone_name: &str, r: &ResourceRecordSet) -> Resource {
    let rtype = r.r#type().as_str();
    let fqdn = record_name(r.name());
    let mut a = Map::new();
    a.insert("zone_id".into(), Value::from(zone));
    a.insert("fqdn".into(), Value::from(fqdn.as_str()));
    a.insert("type".into(), Value::from(rtype));
    a.insert("set_identifier".into(), text(r.set_identifier()));
    if let Some(ttl) = r.ttl() {
        a.insert("ttl".into(), Value::from(ttl));
    }
    let records: Vec<Value> = r.resource_records().iter().map(|v| Value::from(v.value())).collect();
    a.insert("records".into(), Value::Array(records));
    let alias: Vec<Value> = r
        .alias_target()
        .map(|t| {
            json!({"name": t.dns_name(), "zone_id": t.hosted_zone_id(), "evaluate_target_health": t.evaluate_target_health()})
        })
        .into_iter()
        .collect();
    a.insert("alias".into(), Value::Array(alias));
    let id = record_id("", &a);
    let apex = fqdn == record_name(zone_name) && matches!(rtype, "NS" | "SOA");
    live(RECORD, &id, a, LiveFacts { aws_default: apex, ..LiveFacts::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_route53::types::{AliasTarget, ResourceRecord, RrType};

    fn record(name: &str, rtype: RrType) -> aws_sdk_route53::types::builders::ResourceRecordSetBuilder {
        ResourceRecordSet::builder().name(name).r#type(rtype)
    }

    #[test]
    fn records_are_named_as_the_provider_names_them() {
        let www = record("WWW.example.com.", RrType::A)
            .ttl(300)
            .resource_records(ResourceRecord::builder().value("192.0.2.1").build().unwrap())
            .build()
            .unwrap();
        let r = map_record("Z1", "example.com.", &www);
        assert_eq!(r.id, "Z1_www.example.com_A");
        assert_eq!(r.attributes["records"], json!(["192.0.2.1"]));
        let star = record("\\052.example.com.", RrType::Cname).set_identifier("blue").build().unwrap();
        assert_eq!(map_record("Z1", "example.com.", &star).id, "Z1_*.example.com_CNAME_blue");
        // The state side is matched by the same id, whatever its made-up Terraform id.
        let declared: Map<String, Value> =
            serde_json::from_value(json!({"zone_id": "Z1", "name": "www", "fqdn": "www.example.com", "type": "A"}))
                .unwrap();
        assert_eq!(record_id("Z1_www_A", &declared), "Z1_www.example.com_A");
    }

    #[test]
    fn alias_records_have_no_ttl_and_the_zone_s_own_records_are_never_unmanaged() {
        let alias = record("example.com.", RrType::A)
            .alias_target(
                AliasTarget::builder()
                    .dns_name("dualstack.web-1.us-east-1.elb.amazonaws.com.")
                    .hosted_zone_id("Z35SXDOTRQ7X7K")
                    .evaluate_target_health(true)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let r = map_record("Z1", "example.com.", &alias);
        assert!(!r.attributes.contains_key("ttl"));
        assert_eq!(r.attributes["alias"][0]["zone_id"], "Z35SXDOTRQ7X7K");
        assert!(!r.live.unwrap().aws_default);
        let ns = record("example.com.", RrType::Ns).ttl(172800).build().unwrap();
        assert!(map_record("Z1", "example.com.", &ns).live.unwrap().aws_default);
        let sub_ns = record("dev.example.com.", RrType::Ns).ttl(300).build().unwrap();
        assert!(!map_record("Z1", "example.com.", &sub_ns).live.unwrap().aws_default, "a delegation is someone's");
    }

    #[test]
    fn every_event_names_its_zone() {
        let record = json!({"requestParameters": {"id": "Z1", "resourceId": "Z1", "hostedZoneId": "Z1"},
            "responseElements": {"hostedZone": {"id": "/hostedzone/Z1"}}});
        for (event, paths) in EVENTS {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert_eq!(id.map(zone_id), Some("Z1"), "{event}");
                assert_eq!(spec.map(|s| s.name), Some(ZONE), "{event}");
            }
        }
    }
}
