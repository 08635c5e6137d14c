//! `aws_flow_log` from `DescribeFlowLogs` (pages of 1,000) and `aws_placement_group` from
//! `DescribePlacementGroups` (one call: it does not page).

use aws_sdk_ec2::types::{FlowLog, PlacementGroup, PlacementGroupState};
use serde_json::{Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

/// The Terraform attribute naming what a flow log watches, by the id's prefix.
const TARGETS: &[(&str, &str)] = &[
    ("vpc-", "vpc_id"),
    ("subnet-", "subnet_id"),
    ("eni-", "eni_id"),
    ("tgw-attach-", "transit_gateway_attachment_id"),
    ("tgw-", "transit_gateway_id"),
];

pub async fn list_flow_logs(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_flow_logs().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.flow_logs().iter().filter_map(map_flow_log));
    }
    Ok(out)
}

fn map_flow_log(f: &FlowLog) -> Option<Resource> {
    let id = f.flow_log_id()?;
    let target = f.resource_id().unwrap_or_default();
    let mut a = Map::new();
    // The state holds every target attribute, "" but one: the others are known to be empty.
    let mut named = false;
    for (prefix, key) in TARGETS {
        let this = !named && target.starts_with(prefix);
        named |= this;
        a.insert((*key).into(), if this { Value::from(target) } else { Value::Null });
    }
    a.insert("traffic_type".into(), text(f.traffic_type().map(|t| t.as_str())));
    a.insert("log_destination_type".into(), text(f.log_destination_type().map(|t| t.as_str())));
    a.insert("log_destination".into(), text(f.log_destination()));
    a.insert("iam_role_arn".into(), text(f.deliver_logs_permission_arn()));
    if let Some(seconds) = f.max_aggregation_interval() {
        a.insert("max_aggregation_interval".into(), Value::from(seconds));
    }
    a.insert("tags".into(), tags(f.tags()));
    Some(live("aws_flow_log", id, a, LiveFacts::default()))
}

pub async fn list_placement_groups(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let out = client.describe_placement_groups().send().await?;
    Ok(out.placement_groups().iter().filter_map(map_placement_group).collect())
}

fn map_placement_group(g: &PlacementGroup) -> Option<Resource> {
    // Terraform's id of a placement group is its name.
    let name = g.group_name()?;
    if matches!(g.state(), Some(PlacementGroupState::Deleted | PlacementGroupState::Deleting)) {
        return None;
    }
    let mut a = Map::new();
    a.insert("name".into(), Value::from(name));
    a.insert("strategy".into(), text(g.strategy().map(|s| s.as_str())));
    // Only a partition group has a count, only a spread group a level; the state keeps 0 and "".
    if let Some(n) = g.partition_count().filter(|n| *n > 0) {
        a.insert("partition_count".into(), Value::from(n));
    }
    if let Some(level) = g.spread_level() {
        a.insert("spread_level".into(), Value::from(level.as_str()));
    }
    a.insert("tags".into(), tags(g.tags()));
    Some(live("aws_placement_group", name, a, LiveFacts::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{PlacementStrategy, SpreadLevel, Tag};

    // moto has no placement groups: the mapping is checked on the API's shapes.
    #[test]
    fn a_placement_group_by_its_name_with_what_its_strategy_has() {
        let spread = PlacementGroup::builder()
            .group_name("web")
            .group_id("pg-0123456789abcdef0")
            .strategy(PlacementStrategy::Spread)
            .spread_level(SpreadLevel::Rack)
            .partition_count(0)
            .state(PlacementGroupState::Available)
            .tags(Tag::builder().key("Name").value("web").build())
            .build();
        let r = map_placement_group(&spread).unwrap();
        assert_eq!(r.id, "web", "Terraform's id is the name");
        assert_eq!(r.attributes["strategy"], "spread");
        assert_eq!(r.attributes["spread_level"], "rack");
        assert!(!r.attributes.contains_key("partition_count"), "no count for a spread group");
        let partition = PlacementGroup::builder()
            .group_name("db")
            .strategy(PlacementStrategy::Partition)
            .partition_count(3)
            .state(PlacementGroupState::Available)
            .build();
        assert_eq!(map_placement_group(&partition).unwrap().attributes["partition_count"], 3);
        let gone = PlacementGroup::builder().group_name("old").state(PlacementGroupState::Deleted).build();
        assert!(map_placement_group(&gone).is_none());
    }
}
