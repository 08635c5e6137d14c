//! EKS: clusters, managed node groups and add-ons, per region. EKS has no list that returns
//! what it lists: `ListClusters`, `ListNodegroups` and `ListAddons` give names only (pages of
//! 100, the most they return), so every cluster, node group and add-on takes one `Describe*`
//! call, 8 in flight. Calls grow with the number of clusters and their children, not by pages.
//!
//! What EKS makes for a cluster is never unmanaged: its cluster security group (made and
//! deleted with the cluster); the node groups' instances are owned already by their
//! `eks:nodegroup-name` tag (see `ec2::instances`).

use std::collections::HashMap;

use aws_sdk_eks::types::{Addon, Cluster, Nodegroup};
use aws_sdk_eks::Client;
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Eks, scope: Scope::Regional, needs: &[] }
}

// EKS and ECS both have a `ListClusters`: the service prefix keeps list names unique.
const CLUSTERS: ListSpec = regional("eks:ListClusters");
const NODE_GROUPS: ListSpec = regional("eks:ListNodegroups");
const ADDONS: ListSpec = regional("eks:ListAddons");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Eks,
    event_source: "eks.amazonaws.com",
    events: EVENTS,
    lists: &[CLUSTERS, NODE_GROUPS, ADDONS],
    types: TYPES,
};

pub(crate) const CLUSTER: &str = "aws_eks_cluster";
const NODE_GROUP: &str = "aws_eks_node_group";
const ADDON: &str = "aws_eks_addon";

const TYPES: &[TypeSpec] = &[
    // Terraform's id of a cluster is its name.
    TypeSpec::new(CLUSTER, &CLUSTERS, &["version", "role_arn", "vpc_config", "enabled_cluster_log_types", "tags"]),
    // `scaling_config` compares `min_size` and `max_size`: the cluster autoscaler moves
    // `desired_size`, which configurations leave to it (`ignore_changes`).
    TypeSpec::new(
        NODE_GROUP,
        &NODE_GROUPS,
        &[
            "scaling_config",
            "instance_types",
            "ami_type",
            "capacity_type",
            "labels",
            "node_role_arn",
            "subnet_ids",
            "tags",
        ],
    ),
    TypeSpec::new(ADDON, &ADDONS, &["addon_version", "service_account_role_arn", "tags"]),
];

/// Where CloudTrail names what an EKS event changed. EKS is a REST API: the cluster of a child's
/// call is the path's `{name}` on some operations and `clusterName` on others, so a child is read
/// either way (`|` takes the first that finds), as Terraform's id `CLUSTER:CHILD`.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateCluster", &[CLUSTER_EVENT]),
    ("DeleteCluster", &[CLUSTER_EVENT]),
    ("UpdateClusterConfig", &[CLUSTER_EVENT]),
    ("UpdateClusterVersion", &[CLUSTER_EVENT]),
    ("TagResource", &[CLUSTER_EVENT]),
    ("UntagResource", &[CLUSTER_EVENT]),
    ("CreateNodegroup", &[NODE_GROUP_EVENT]),
    ("DeleteNodegroup", &[NODE_GROUP_EVENT]),
    ("UpdateNodegroupConfig", &[NODE_GROUP_EVENT]),
    ("UpdateNodegroupVersion", &[NODE_GROUP_EVENT]),
    ("CreateAddon", &[ADDON_EVENT]),
    ("DeleteAddon", &[ADDON_EVENT]),
    ("UpdateAddon", &[ADDON_EVENT]),
];

const CLUSTER_EVENT: &str = "req.name=aws_eks_cluster|req.clusterName=aws_eks_cluster";
const NODE_GROUP_EVENT: &str =
    "{req.clusterName}:{req.nodegroupName}=aws_eks_node_group|{req.name}:{req.nodegroupName}=aws_eks_node_group";
const ADDON_EVENT: &str = "{req.clusterName}:{req.addonName}=aws_eks_addon|{req.name}:{req.addonName}=aws_eks_addon";

/// Pages of 100, the most EKS's list calls return.
const PAGE: i32 = 100;

/// Lists one EKS family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, _wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_eks::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let client = &client;
    let names = cluster_names(client).await?;
    match family.operation {
        "eks:ListClusters" => {
            let found = bounded(names, |name| async move {
                let out = client.describe_cluster().name(&name).send().await?;
                Ok::<_, ListError>(out.cluster().and_then(map_cluster))
            })
            .await;
            found.into_iter().filter_map(Result::transpose).collect()
        }
        "eks:ListNodegroups" => {
            let children = children(client, names, Child::NodeGroup).await?;
            let found = bounded(children, |(cluster, name)| async move {
                let out = client.describe_nodegroup().cluster_name(&cluster).nodegroup_name(&name).send().await?;
                Ok::<_, ListError>(out.nodegroup().and_then(map_node_group))
            })
            .await;
            found.into_iter().filter_map(Result::transpose).collect()
        }
        "eks:ListAddons" => {
            let children = children(client, names, Child::Addon).await?;
            let found = bounded(children, |(cluster, name)| async move {
                let out = client.describe_addon().cluster_name(&cluster).addon_name(&name).send().await?;
                Ok::<_, ListError>(out.addon().and_then(map_addon))
            })
            .await;
            found.into_iter().filter_map(Result::transpose).collect()
        }
        other => Err(ListError(format!("no EKS list {other}"))),
    }
}

async fn cluster_names(client: &Client) -> Result<Vec<String>, ListError> {
    let mut pages = client.list_clusters().max_results(PAGE).into_paginator().send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        names.extend(page?.clusters().iter().cloned());
    }
    Ok(names)
}

#[derive(Clone, Copy)]
enum Child {
    NodeGroup,
    Addon,
}

/// (cluster, child name) for every node group or add-on of the clusters.
async fn children(client: &Client, clusters: Vec<String>, kind: Child) -> Result<Vec<(String, String)>, ListError> {
    let lists = bounded(clusters, |cluster| async move {
        let mut names = Vec::new();
        match kind {
            Child::NodeGroup => {
                let mut pages =
                    client.list_nodegroups().cluster_name(&cluster).max_results(PAGE).into_paginator().send();
                while let Some(page) = pages.next().await {
                    names.extend(page?.nodegroups().iter().cloned());
                }
            }
            Child::Addon => {
                let mut pages = client.list_addons().cluster_name(&cluster).max_results(PAGE).into_paginator().send();
                while let Some(page) = pages.next().await {
                    names.extend(page?.addons().iter().cloned());
                }
            }
        }
        Ok::<_, ListError>(names.into_iter().map(|n| (cluster.clone(), n)).collect::<Vec<_>>())
    })
    .await;
    Ok(lists.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect())
}

fn strings(list: &[String]) -> Value {
    Value::Array(list.iter().map(|s| Value::from(s.as_str())).collect())
}

fn map_of(tags: Option<&HashMap<String, String>>) -> Value {
    let mut pairs: Vec<_> = tags.into_iter().flatten().collect();
    pairs.sort();
    Value::Object(pairs.into_iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect())
}

/// A cluster being deleted is gone as far as Terraform is concerned.
fn map_cluster(c: &Cluster) -> Option<Resource> {
    let name = c.name()?;
    if c.status().is_some_and(|s| s.as_str() == "DELETING") {
        return None;
    }
    let mut a = Map::new();
    a.insert("arn".into(), text(c.arn()));
    a.insert("version".into(), text(c.version()));
    a.insert("role_arn".into(), text(c.role_arn()));
    if let Some(v) = c.resources_vpc_config() {
        // The shape `container_blocks` gives the state's one-element `vpc_config` list.
        let mut block = Map::new();
        block.insert("subnet_ids".into(), strings(v.subnet_ids()));
        block.insert("security_group_ids".into(), strings(v.security_group_ids()));
        block.insert("endpoint_public_access".into(), Value::from(v.endpoint_public_access()));
        block.insert("endpoint_private_access".into(), Value::from(v.endpoint_private_access()));
        block.insert("public_access_cidrs".into(), strings(v.public_access_cidrs()));
        a.insert("vpc_config".into(), Value::Array(vec![Value::Object(block)]));
        // Not compared: it tells `claim_service_owned` which group EKS made for the cluster.
        a.insert("cluster_security_group_id".into(), text(v.cluster_security_group_id()));
    }
    let logs: Vec<Value> = c
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.enabled() == Some(true))
        .flat_map(|s| s.types().iter().map(|t| Value::from(t.as_str())))
        .collect();
    a.insert("enabled_cluster_log_types".into(), Value::Array(logs));
    a.insert("tags".into(), map_of(c.tags()));
    Some(live(CLUSTER, name, a, LiveFacts::default()))
}

fn map_node_group(n: &Nodegroup) -> Option<Resource> {
    let (cluster, name) = (n.cluster_name()?, n.nodegroup_name()?);
    if n.status().is_some_and(|s| s.as_str() == "DELETING") {
        return None;
    }
    let mut a = Map::new();
    a.insert("arn".into(), text(n.nodegroup_arn()));
    if let Some(s) = n.scaling_config() {
        let mut block = Map::new();
        block.insert("min_size".into(), Value::from(s.min_size().unwrap_or_default()));
        block.insert("max_size".into(), Value::from(s.max_size().unwrap_or_default()));
        a.insert("scaling_config".into(), Value::Array(vec![Value::Object(block)]));
    }
    a.insert("instance_types".into(), strings(n.instance_types()));
    a.insert("ami_type".into(), text(n.ami_type().map(|t| t.as_str())));
    a.insert("capacity_type".into(), text(n.capacity_type().map(|t| t.as_str())));
    a.insert("labels".into(), map_of(n.labels()));
    a.insert("node_role_arn".into(), text(n.node_role()));
    a.insert("subnet_ids".into(), strings(n.subnets()));
    a.insert("tags".into(), map_of(n.tags()));
    Some(live(NODE_GROUP, &format!("{cluster}:{name}"), a, LiveFacts::default()))
}

fn map_addon(x: &Addon) -> Option<Resource> {
    let (cluster, name) = (x.cluster_name()?, x.addon_name()?);
    let mut a = Map::new();
    a.insert("arn".into(), text(x.addon_arn()));
    a.insert("addon_version".into(), text(x.addon_version()));
    a.insert("service_account_role_arn".into(), text(x.service_account_role_arn()));
    a.insert("tags".into(), map_of(x.tags()));
    Some(live(ADDON, &format!("{cluster}:{name}"), a, LiveFacts::default()))
}

/// EKS makes a security group for each cluster and deletes it with the cluster: it, and the
/// rules EKS put in it, belong to the cluster and are never unmanaged.
pub(super) fn claim_service_owned(resources: &mut [Resource]) {
    let owned: HashMap<String, String> = resources
        .iter()
        .filter(|r| r.rtype == CLUSTER)
        .filter_map(|r| {
            let sg = r.attributes.get("cluster_security_group_id")?.as_str()?;
            Some((sg.to_owned(), r.id.clone()))
        })
        .collect();
    if owned.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        let group = match r.rtype.as_str() {
            "aws_security_group" => Some(r.id.as_str()),
            "aws_security_group_rule"
            | "aws_vpc_security_group_ingress_rule"
            | "aws_vpc_security_group_egress_rule" => r.attributes.get("security_group_id").and_then(Value::as_str),
            _ => None,
        };
        let Some(cluster) = group.and_then(|g| owned.get(g)) else { continue };
        if let Some(facts) = r.live.as_mut() {
            facts.owner = Some(cluster.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::types::{
        AmiTypes, CapacityTypes, ClusterStatus, LogSetup, LogType, Logging, NodegroupScalingConfig, VpcConfigResponse,
    };
    use serde_json::json;

    /// A `DescribeCluster` answer as EKS gives it (field for field from the API reference).
    fn cluster() -> Cluster {
        Cluster::builder()
            .name("prod")
            .arn("arn:aws:eks:eu-west-1:123456789012:cluster/prod")
            .version("1.29")
            .role_arn("arn:aws:iam::123456789012:role/eks")
            .status(ClusterStatus::Active)
            .resources_vpc_config(
                VpcConfigResponse::builder()
                    .subnet_ids("subnet-b")
                    .subnet_ids("subnet-a")
                    .security_group_ids("sg-extra")
                    .cluster_security_group_id("sg-eks")
                    .vpc_id("vpc-1")
                    .endpoint_public_access(true)
                    .endpoint_private_access(false)
                    .public_access_cidrs("0.0.0.0/0")
                    .build(),
            )
            .logging(
                Logging::builder()
                    .cluster_logging(
                        LogSetup::builder().types(LogType::Api).types(LogType::Audit).enabled(true).build(),
                    )
                    .cluster_logging(LogSetup::builder().types(LogType::Scheduler).enabled(false).build())
                    .build(),
            )
            .tags("team", "platform")
            .build()
    }

    #[test]
    fn a_cluster_maps_to_terraforms_names_and_only_enabled_log_types() {
        let r = map_cluster(&cluster()).unwrap();
        assert_eq!(r.id, "prod");
        assert_eq!(r.attributes["version"], "1.29");
        assert_eq!(r.attributes["enabled_cluster_log_types"], json!(["api", "audit"]));
        assert_eq!(r.attributes["vpc_config"][0]["endpoint_public_access"], true);
        assert_eq!(r.attributes["vpc_config"][0]["security_group_ids"], json!(["sg-extra"]));
        assert_eq!(r.attributes["tags"], json!({"team": "platform"}));
        let mut deleting = cluster();
        deleting.status = Some(ClusterStatus::Deleting);
        assert!(map_cluster(&deleting).is_none(), "a cluster being deleted is gone");
    }

    #[test]
    fn a_node_group_is_cluster_colon_name_without_desired_size() {
        let n = Nodegroup::builder()
            .cluster_name("prod")
            .nodegroup_name("workers")
            .scaling_config(NodegroupScalingConfig::builder().min_size(1).max_size(5).desired_size(3).build())
            .instance_types("m5.large")
            .ami_type(AmiTypes::Al2X8664)
            .capacity_type(CapacityTypes::OnDemand)
            .labels("role", "app")
            .node_role("arn:aws:iam::123456789012:role/node")
            .subnets("subnet-a")
            .build();
        let r = map_node_group(&n).unwrap();
        assert_eq!(r.id, "prod:workers");
        assert_eq!(r.attributes["scaling_config"], json!([{"min_size": 1, "max_size": 5}]));
        assert_eq!(r.attributes["ami_type"], "AL2_x86_64");
        assert_eq!(r.attributes["capacity_type"], "ON_DEMAND");
        assert_eq!(r.attributes["node_role_arn"], "arn:aws:iam::123456789012:role/node");
    }

    #[test]
    fn an_addon_is_cluster_colon_name() {
        let x = Addon::builder().cluster_name("prod").addon_name("vpc-cni").addon_version("v1.16.0-eksbuild.1").build();
        let r = map_addon(&x).unwrap();
        assert_eq!(
            (r.id.as_str(), r.attributes["addon_version"].as_str()),
            ("prod:vpc-cni", Some("v1.16.0-eksbuild.1"))
        );
        assert_eq!(r.attributes["service_account_role_arn"], Value::Null);
    }

    #[test]
    fn the_clusters_own_security_group_and_its_rules_are_never_unmanaged() {
        let group = |rtype: &str, id: &str, sg: &str| {
            let mut a = Map::new();
            a.insert("security_group_id".into(), Value::from(sg));
            live(rtype, id, a, LiveFacts::default())
        };
        let mut rs = vec![
            map_cluster(&cluster()).unwrap(),
            group("aws_security_group", "sg-eks", ""),
            group("aws_security_group", "sg-other", ""),
            group("aws_vpc_security_group_ingress_rule", "sgr-1", "sg-eks"),
        ];
        claim_service_owned(&mut rs);
        let owner = |i: usize| rs[i].live.as_ref().unwrap().owner.clone();
        assert_eq!(owner(1).as_deref(), Some("prod"));
        assert_eq!(owner(2), None);
        assert_eq!(owner(3).as_deref(), Some("prod"));
    }

    #[test]
    fn every_event_names_a_cluster_or_a_child() {
        // CloudTrail EKS records name the cluster either way (`name` is the REST path's label).
        let by_path =
            json!({"requestParameters": {"name": "prod", "nodegroupName": "workers", "addonName": "vpc-cni"}});
        let by_body =
            json!({"requestParameters": {"clusterName": "prod", "nodegroupName": "workers", "addonName": "vpc-cni"}});
        for record in [&by_path, &by_body] {
            for (event, _) in EVENTS {
                let req = &record["requestParameters"];
                let found = crate::cloudtrail::ids::changed_by(EVENTS, event, req, &Value::Null);
                let want = match found.first().map(|r| r.rtype.as_str()) {
                    Some(CLUSTER) => "prod",
                    Some(NODE_GROUP) => "prod:workers",
                    Some(ADDON) => "prod:vpc-cni",
                    other => panic!("{event}: {other:?}"),
                };
                assert_eq!(found.len(), 1, "{event}");
                assert_eq!(found[0].id, want, "{event}");
            }
        }
    }
}
