//! ECS: clusters, services and task definitions, per region. `ListClusters` and `ListServices`
//! give ARNs in pages of 100 and their `Describe*` calls take 100 clusters or 10 services a call,
//! so calls grow by batches. Task definitions have no batch read: `ListTaskDefinitionFamilies`
//! (pages of 100) finds every active family, and one `DescribeTaskDefinition` per declared family
//! (8 in flight) reads its latest revision; an undeclared family is unmanaged without a read.

use std::collections::HashSet;

use aws_sdk_ecs::types::{
    Cluster, ClusterField, ContainerDefinition, Service as EcsService, ServiceField, Tag, TaskDefinition,
    TaskDefinitionFamilyStatus, TaskDefinitionField,
};
use aws_sdk_ecs::Client;
use serde_json::{json, Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Ecs, scope: Scope::Regional, needs: &[] }
}

// EKS and ECS both have a `ListClusters`: the service prefix keeps list names unique.
const CLUSTERS: ListSpec = regional("ecs:ListClusters");
const SERVICES: ListSpec = regional("ecs:ListServices");
const TASK_DEFINITIONS: ListSpec = regional("ecs:ListTaskDefinitionFamilies");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Ecs,
    event_source: "ecs.amazonaws.com",
    events: EVENTS,
    lists: &[CLUSTERS, SERVICES, TASK_DEFINITIONS],
    types: TYPES,
};

const CLUSTER: &str = "aws_ecs_cluster";
const ECS_SERVICE: &str = "aws_ecs_service";
const TASK_DEFINITION: &str = "aws_ecs_task_definition";

const TYPES: &[TypeSpec] = &[
    // Terraform's id of a cluster and of a service is its ARN; `terraform import` takes the
    // cluster's name, and `CLUSTER/SERVICE` for a service.
    TypeSpec::new(CLUSTER, &CLUSTERS, &["name", "setting", "tags"]).imported_by(cluster_import_id),
    // `desired_count` is compared only where the state sets one (see `container_blocks`).
    TypeSpec::new(
        ECS_SERVICE,
        &SERVICES,
        &[
            "cluster",
            "desired_count",
            "launch_type",
            "task_definition",
            "network_configuration",
            "load_balancer",
            "tags",
        ],
    )
    .imported_by(service_import_id),
    // Terraform's id of a task definition is its family; `arn` names the revision, so a
    // revision registered out of band is drift of `arn`.
    TypeSpec::new(
        TASK_DEFINITION,
        &TASK_DEFINITIONS,
        &[
            "arn",
            "container_definitions",
            "cpu",
            "memory",
            "network_mode",
            "execution_role_arn",
            "task_role_arn",
            "requires_compatibilities",
        ],
    ),
];

/// `apps` from `arn:aws:ecs:REGION:ACCOUNT:cluster/apps`.
fn cluster_import_id(id: &str, _a: &Map<String, Value>) -> String {
    id.split_once(":cluster/").map_or(id, |(_, name)| name).to_owned()
}

/// `apps/web` from `arn:...:service/apps/web`; an ARN of the old format (`service/web`) does not
/// name its cluster, which the `cluster` attribute then gives.
fn service_import_id(id: &str, a: &Map<String, Value>) -> String {
    let path = id.split_once(":service/").map_or(id, |(_, p)| p);
    if path.contains('/') {
        return path.to_owned();
    }
    let cluster = a.get("cluster").and_then(Value::as_str).unwrap_or_default();
    format!("{}/{path}", cluster.rsplit('/').next().unwrap_or(cluster))
}

/// Where CloudTrail names what an ECS event changed. A cluster may be given by name or ARN, and
/// Terraform's id is the ARN: the events name it as given, which `learn` matches by its name.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateCluster", &["resp.cluster.clusterArn=aws_ecs_cluster"]),
    ("DeleteCluster", &["resp.cluster.clusterArn=aws_ecs_cluster"]),
    ("UpdateCluster", &["resp.cluster.clusterArn=aws_ecs_cluster"]),
    ("UpdateClusterSettings", &["resp.cluster.clusterArn=aws_ecs_cluster"]),
    ("CreateService", &["resp.service.serviceArn=aws_ecs_service"]),
    ("UpdateService", &["resp.service.serviceArn=aws_ecs_service"]),
    ("DeleteService", &["resp.service.serviceArn=aws_ecs_service"]),
    ("RegisterTaskDefinition", &["resp.taskDefinition.family=aws_ecs_task_definition"]),
    ("DeregisterTaskDefinition", &["resp.taskDefinition.family=aws_ecs_task_definition"]),
];

/// Pages of 100, the most ECS's list calls return.
const PAGE: i32 = 100;
/// `DescribeClusters` takes up to 100 clusters, `DescribeServices` up to 10 services.
const CLUSTERS_A_CALL: usize = 100;
const SERVICES_A_CALL: usize = 10;

/// Lists one ECS family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_ecs::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let empty = HashSet::new();
    match family.operation {
        "ecs:ListClusters" => list_clusters(&client).await,
        "ecs:ListServices" => list_services(&client).await,
        "ecs:ListTaskDefinitionFamilies" => {
            list_task_definitions(&client, wanted.get(TASK_DEFINITION).unwrap_or(&empty)).await
        }
        other => Err(ListError(format!("no ECS list {other}"))),
    }
}

async fn cluster_arns(client: &Client) -> Result<Vec<String>, ListError> {
    let mut pages = client.list_clusters().max_results(PAGE).into_paginator().send();
    let mut arns = Vec::new();
    while let Some(page) = pages.next().await {
        arns.extend(page?.cluster_arns().iter().cloned());
    }
    Ok(arns)
}

async fn list_clusters(client: &Client) -> Result<Vec<Resource>, ListError> {
    let mut out = Vec::new();
    for batch in cluster_arns(client).await?.chunks(CLUSTERS_A_CALL) {
        let described = client
            .describe_clusters()
            .set_clusters(Some(batch.to_vec()))
            .include(ClusterField::Settings)
            .include(ClusterField::Tags)
            .send()
            .await?;
        out.extend(described.clusters().iter().filter_map(map_cluster));
    }
    Ok(out)
}

async fn list_services(client: &Client) -> Result<Vec<Resource>, ListError> {
    let per_cluster = bounded(cluster_arns(client).await?, |cluster| async move {
        let mut arns = Vec::new();
        let mut pages = client.list_services().cluster(&cluster).max_results(PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            arns.extend(page?.service_arns().iter().cloned());
        }
        let mut out = Vec::new();
        for batch in arns.chunks(SERVICES_A_CALL) {
            let described = client
                .describe_services()
                .cluster(&cluster)
                .set_services(Some(batch.to_vec()))
                .include(ServiceField::Tags)
                .send()
                .await?;
            out.extend(described.services().iter().filter_map(map_service));
        }
        Ok::<_, ListError>(out)
    })
    .await;
    Ok(per_cluster.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect())
}

async fn list_task_definitions(client: &Client, wanted: &HashSet<String>) -> Result<Vec<Resource>, ListError> {
    let mut pages = client
        .list_task_definition_families()
        .status(TaskDefinitionFamilyStatus::Active)
        .max_results(PAGE)
        .into_paginator()
        .send();
    let mut families = Vec::new();
    while let Some(page) = pages.next().await {
        families.extend(page?.families().iter().cloned());
    }
    let read = bounded(families, |family| async move {
        if !wanted.contains(&family) {
            // Only that it exists is needed to report it unmanaged.
            return Ok(Some(live(TASK_DEFINITION, &family, Map::new(), LiveFacts::default())));
        }
        let out = client
            .describe_task_definition()
            .task_definition(&family)
            .include(TaskDefinitionField::Tags)
            .send()
            .await?;
        Ok::<_, ListError>(out.task_definition().and_then(map_task_definition))
    })
    .await;
    read.into_iter().filter_map(Result::transpose).collect()
}

fn tags(list: &[Tag]) -> Value {
    let mut pairs: Vec<(String, Value)> =
        list.iter().filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value().unwrap_or_default())))).collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(pairs.into_iter().collect())
}

fn strings(list: &[String]) -> Value {
    Value::Array(list.iter().map(|s| Value::from(s.as_str())).collect())
}

/// An `INACTIVE` cluster is deleted: ECS keeps listing it for a while.
fn map_cluster(c: &Cluster) -> Option<Resource> {
    let arn = c.cluster_arn()?;
    if c.status() != Some("ACTIVE") {
        return None;
    }
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("name".into(), text(c.cluster_name()));
    let setting: Vec<Value> =
        c.settings().iter().map(|s| json!({"name": s.name().map(|n| n.as_str()), "value": s.value()})).collect();
    a.insert("setting".into(), Value::Array(setting));
    a.insert("tags".into(), tags(c.tags()));
    Some(live(CLUSTER, arn, a, LiveFacts::default()))
}

/// A service `DRAINING` or `INACTIVE` is being deleted or is gone.
fn map_service(s: &EcsService) -> Option<Resource> {
    let arn = s.service_arn()?;
    if s.status() != Some("ACTIVE") {
        return None;
    }
    let mut a = Map::new();
    a.insert("cluster".into(), text(s.cluster_arn()));
    a.insert("desired_count".into(), Value::from(s.desired_count()));
    a.insert("launch_type".into(), text(s.launch_type().map(|l| l.as_str())));
    a.insert("task_definition".into(), text(s.task_definition()));
    if let Some(vpc) = s.network_configuration().and_then(|n| n.awsvpc_configuration()) {
        let public = vpc.assign_public_ip().is_some_and(|p| p.as_str() == "ENABLED");
        a.insert(
            "network_configuration".into(),
            json!([{"subnets": strings(vpc.subnets()), "security_groups": strings(vpc.security_groups()),
                "assign_public_ip": public}]),
        );
    }
    let lbs: Vec<Value> = s
        .load_balancers()
        .iter()
        .map(|l| {
            json!({"target_group_arn": l.target_group_arn(), "elb_name": l.load_balancer_name(),
                "container_name": l.container_name(), "container_port": l.container_port()})
        })
        .collect();
    a.insert("load_balancer".into(), Value::Array(lbs));
    a.insert("tags".into(), tags(s.tags()));
    Some(live(ECS_SERVICE, arn, a, LiveFacts::default()))
}

fn map_task_definition(t: &TaskDefinition) -> Option<Resource> {
    let family = t.family()?;
    let mut a = Map::new();
    a.insert("arn".into(), text(t.task_definition_arn()));
    let containers: Vec<Value> = t.container_definitions().iter().map(container_json).collect();
    // As the provider stores it: the JSON text of the container list.
    a.insert("container_definitions".into(), Value::from(Value::Array(containers).to_string()));
    a.insert("cpu".into(), text(t.cpu()));
    a.insert("memory".into(), text(t.memory()));
    a.insert("network_mode".into(), text(t.network_mode().map(|m| m.as_str())));
    a.insert("execution_role_arn".into(), text(t.execution_role_arn()));
    a.insert("task_role_arn".into(), text(t.task_role_arn()));
    let compat: Vec<Value> = t.requires_compatibilities().iter().map(|c| Value::from(c.as_str())).collect();
    a.insert("requires_compatibilities".into(), Value::Array(compat));
    Some(live(TASK_DEFINITION, family, a, LiveFacts::default()))
}

/// A container definition in the API's JSON spelling, for the fields `ecs_container_definitions`
/// compares (see [`crate::normalise`]); the others are not read back.
fn container_json(c: &ContainerDefinition) -> Value {
    let pairs = |list: Vec<(Option<&str>, Option<&str>)>, value: &str| -> Value {
        list.into_iter().map(|(n, v)| json!({"name": n, value: v})).collect()
    };
    json!({
        "name": c.name(),
        "image": c.image(),
        "cpu": c.cpu(),
        "memory": c.memory(),
        "memoryReservation": c.memory_reservation(),
        "essential": c.essential(),
        "command": c.command(),
        "entryPoint": c.entry_point(),
        "portMappings": c.port_mappings().iter().map(|p| json!({"containerPort": p.container_port(),
            "hostPort": p.host_port(), "protocol": p.protocol().map(|x| x.as_str())})).collect::<Vec<_>>(),
        "environment": pairs(c.environment().iter().map(|e| (e.name(), e.value())).collect(), "value"),
        "secrets": pairs(c.secrets().iter().map(|e| (Some(e.name()), Some(e.value_from()))).collect(), "valueFrom"),
        "logConfiguration": c.log_configuration().map(|l| json!({"logDriver": l.log_driver().as_str(),
            "options": l.options()})),
    })
}

#[cfg(test)]
#[path = "ecs_tests.rs"]
mod tests;
