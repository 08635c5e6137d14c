//! The EKS and ECS passes: blocks the provider keeps whole, names or ARNs, and container
//! definitions written as JSON text.

use serde_json::Value;

use super::prune_block;
use crate::resource::Resource;

/// EKS and ECS blocks: Terraform keeps a one-element list holding every field of the block,
/// computed ones too (`vpc_config`'s `vpc_id` and cluster security group, a node group's
/// `desired_size`, which the cluster autoscaler moves); the live side has only what is compared.
/// Each block keeps its compared fields, sets sorted; an ECS cluster's `containerInsights =
/// disabled` (what ECS says of a cluster that sets nothing) is no setting; a service's
/// `desired_count` of 0 in state is the provider's default for a configuration that leaves the
/// count to autoscaling, so it is not compared.
pub(super) fn container_blocks(r: &mut Resource) {
    let project = |v: &mut Value, keep: &[&str], sets: &[&str]| {
        let Some(Value::Object(block)) = v.as_array().and_then(|a| a.first()).cloned() else { return };
        let mut out = serde_json::Map::new();
        for k in keep {
            let mut field = block.get(*k).cloned().unwrap_or(Value::Null);
            if let (true, Value::Array(items)) = (sets.contains(k), &mut field) {
                items.sort_by_cached_key(|x| x.to_string());
            }
            out.insert((*k).to_owned(), field);
        }
        *v = Value::Array(vec![Value::Object(out)]);
    };
    let a = &mut r.attributes;
    match r.rtype.as_str() {
        "aws_eks_cluster" => {
            if let Some(v) = a.get_mut("vpc_config") {
                let keep = [
                    "subnet_ids",
                    "security_group_ids",
                    "endpoint_public_access",
                    "endpoint_private_access",
                    "public_access_cidrs",
                ];
                project(v, &keep, &["subnet_ids", "security_group_ids", "public_access_cidrs"]);
            }
        }
        "aws_eks_node_group" => {
            if let Some(v) = a.get_mut("scaling_config") {
                project(v, &["min_size", "max_size"], &[]);
            }
        }
        "aws_ecs_cluster" => {
            if let Some(Value::Array(settings)) = a.get_mut("setting") {
                settings.retain(|s| !(s["name"] == "containerInsights" && s["value"] == "disabled"));
                settings.sort_by_cached_key(|x| x.to_string());
            }
        }
        "aws_ecs_service" => {
            if let Some(v) = a.get_mut("network_configuration") {
                project(v, &["subnets", "security_groups", "assign_public_ip"], &["subnets", "security_groups"]);
            }
            if let Some(Value::Array(lbs)) = a.get_mut("load_balancer") {
                for lb in lbs.iter_mut() {
                    if let Value::Object(o) = lb {
                        o.retain(|_, v| !matches!(v, Value::Null) && v != "");
                    }
                }
                lbs.sort_by_cached_key(|x| x.to_string());
            }
            let unset = a.get("desired_count").map_or(true, |c| c.is_null() || c == 0);
            if r.declared.is_some() && unset {
                a.remove("desired_count");
            }
        }
        _ => {}
    }
}

/// An ECS service's `cluster` and `task_definition` are kept in state as the configuration
/// wrote them, a name (`apps`, `web:3`) or an ARN; the API answers with ARNs. Both become the
/// name; a task definition given by family alone names no revision and is not compared.
pub(super) fn ecs_names_or_arns(r: &mut Resource) {
    if r.rtype != "aws_ecs_service" {
        return;
    }
    for (key, marker) in [("cluster", ":cluster/"), ("task_definition", ":task-definition/")] {
        let Some(Value::String(v)) = r.attributes.get_mut(key) else { continue };
        if let Some((_, name)) = v.split_once(marker) {
            *v = name.to_owned();
        }
    }
    let family_only = r.attributes.get("task_definition").and_then(Value::as_str).is_some_and(|t| !t.contains(':'));
    if r.declared.is_some() && family_only {
        r.attributes.remove("task_definition");
    }
}

/// A task definition's `container_definitions` is JSON text, and ECS fills in what the
/// configuration left out (`cpu: 0`, `essential: true`, a port mapping's `tcp` and its host port
/// under `awsvpc`) and lists environment variables in any order. Both sides become one
/// document: the fields the live side reads (name, image, cpu, memory, memoryReservation,
/// essential, command, entryPoint, portMappings, environment, secrets, logConfiguration),
/// defaults and empty values dropped, variables and containers sorted by name.
pub(super) fn ecs_container_definitions(r: &mut Resource) {
    if r.rtype != "aws_ecs_task_definition" {
        return;
    }
    let Some(v) = r.attributes.get_mut("container_definitions") else { return };
    let parsed = match &*v {
        Value::String(s) => serde_json::from_str::<Value>(s).ok(),
        other => Some(other.clone()),
    };
    let Some(Value::Array(containers)) = parsed else { return };
    let mut out: Vec<Value> = containers.iter().map(canonical_container).collect();
    out.sort_by_cached_key(|c| c["name"].to_string());
    *v = Value::Array(out);
}

const CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "cpu",
    "memory",
    "memoryReservation",
    "essential",
    "command",
    "entryPoint",
    "portMappings",
    "environment",
    "secrets",
    "logConfiguration",
];

fn canonical_container(c: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in CONTAINER_FIELDS {
        let Some(mut v) = c.get(*key).cloned() else { continue };
        match *key {
            "cpu" if v == 0 => continue,
            "essential" if v == true => continue,
            "portMappings" => {
                for p in v.as_array_mut().into_iter().flatten() {
                    let Value::Object(m) = p else { continue };
                    if m.get("protocol").is_some_and(|x| x == "tcp") {
                        m.remove("protocol");
                    }
                    if m.get("hostPort").is_some_and(|h| h == 0 || Some(h) == m.get("containerPort")) {
                        m.remove("hostPort");
                    }
                }
            }
            "environment" | "secrets" => {
                if let Value::Array(items) = &mut v {
                    items.sort_by_cached_key(|x| x["name"].to_string());
                }
            }
            _ => {}
        }
        if !prune_block(&mut v, false) {
            out.insert((*key).to_owned(), sorted_keys(v));
        }
    }
    Value::Object(out)
}

/// Object keys in one order at every depth, so the document reads the same from either side.
fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;
    use crate::resource::fixtures::bare as res;
    use serde_json::json;

    fn declared(rtype: &str, id: &str, a: Value) -> Resource {
        let mut r = res(rtype, id, a);
        r.declared = Some(crate::resource::Declaration {
            address: format!("{rtype}.x"),
            provider: "aws".into(),
            deposed: None,
            state: "s".into(),
            sensitive: Default::default(),
        });
        r
    }

    #[test]
    fn eks_and_ecs_computed_block_fields_and_default_settings_are_not_drift() {
        // A provider 5.x state's `vpc_config` holds computed fields the live side leaves out.
        let state = normalise(res(
            "aws_eks_cluster",
            "prod",
            json!({"vpc_config": [{"cluster_security_group_id": "sg-eks", "vpc_id": "vpc-1",
                "subnet_ids": ["subnet-b", "subnet-a"], "security_group_ids": [], "endpoint_public_access": true,
                "endpoint_private_access": false, "public_access_cidrs": ["0.0.0.0/0"]}]}),
        ));
        let api = normalise(res(
            "aws_eks_cluster",
            "prod",
            json!({"vpc_config": [{"subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": [],
                "endpoint_public_access": true, "endpoint_private_access": false, "public_access_cidrs": ["0.0.0.0/0"]}]}),
        ));
        assert_eq!(state.attributes, api.attributes);
        let widened = normalise(res(
            "aws_eks_cluster",
            "prod",
            json!({"vpc_config": [{"subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": [],
                "endpoint_public_access": true, "endpoint_private_access": false, "public_access_cidrs": ["0.0.0.0/0", "10.0.0.0/8"]}]}),
        ));
        assert_ne!(state.attributes, widened.attributes);
        let ng = |a: Value| normalise(res("aws_eks_node_group", "prod:w", a)).attributes;
        assert_eq!(
            ng(json!({"scaling_config": [{"desired_size": 2, "min_size": 1, "max_size": 3}]})),
            ng(json!({"scaling_config": [{"desired_size": 3, "min_size": 1, "max_size": 3}]})),
            "the autoscaler moves desired_size"
        );
        assert_ne!(
            ng(json!({"scaling_config": [{"min_size": 1, "max_size": 3}]})),
            ng(json!({"scaling_config": [{"min_size": 1, "max_size": 6}]}))
        );
        let cluster = |a: Value| normalise(res("aws_ecs_cluster", "arn", a)).attributes;
        assert_eq!(
            cluster(json!({"setting": []})),
            cluster(json!({"setting": [{"name": "containerInsights", "value": "disabled"}]}))
        );
        assert_ne!(
            cluster(json!({"setting": []})),
            cluster(json!({"setting": [{"name": "containerInsights", "value": "enabled"}]}))
        );
        let svc = |a: Value| normalise(res("aws_ecs_service", "arn", a)).attributes;
        assert_eq!(
            svc(
                json!({"network_configuration": [{"subnets": ["b", "a"], "security_groups": ["sg"], "assign_public_ip": false}],
                "load_balancer": [{"target_group_arn": "tg", "elb_name": "", "container_name": "web", "container_port": 80}]})
            ),
            svc(
                json!({"network_configuration": [{"subnets": ["a", "b"], "security_groups": ["sg"], "assign_public_ip": false}],
                "load_balancer": [{"target_group_arn": "tg", "elb_name": null, "container_name": "web", "container_port": 80}]})
            )
        );
    }

    #[test]
    fn an_unset_desired_count_is_not_compared() {
        let state = normalise(declared("aws_ecs_service", "arn", json!({"desired_count": 0})));
        assert!(!state.attributes.contains_key("desired_count"), "left to autoscaling");
        let set = normalise(declared("aws_ecs_service", "arn", json!({"desired_count": 2})));
        assert_eq!(set.attributes["desired_count"], 2);
        let live = normalise(res("aws_ecs_service", "arn", json!({"desired_count": 0})));
        assert_eq!(live.attributes["desired_count"], 0, "the live side keeps what it has");
    }

    #[test]
    fn an_ecs_service_naming_its_cluster_and_task_by_name_or_arn_is_not_drift() {
        let state =
            normalise(declared("aws_ecs_service", "arn", json!({"cluster": "apps", "task_definition": "web:3"})));
        let api = normalise(res(
            "aws_ecs_service",
            "arn",
            json!({"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/apps",
                "task_definition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"}),
        ));
        assert_eq!(state.attributes, api.attributes);
        let family = normalise(declared("aws_ecs_service", "arn", json!({"task_definition": "web"})));
        assert!(!family.attributes.contains_key("task_definition"), "a family alone names no revision");
    }

    #[test]
    fn container_definitions_compare_as_one_document_without_ecs_defaults() {
        let td = |c: Value| {
            normalise(res("aws_ecs_task_definition", "web", json!({"container_definitions": c.to_string()})))
        };
        let state = td(json!([{"name": "web", "image": "nginx:1.25", "essential": true, "cpu": 0, "mountPoints": [],
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
            "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}]));
        let api = td(json!([{"image": "nginx:1.25", "name": "web",
            "portMappings": [{"containerPort": 80}], "environment": [{"value": "1", "name": "A"}, {"value": "2", "name": "B"}]}]));
        assert_eq!(state.attributes, api.attributes);
        let moved = td(json!([{"name": "web", "image": "nginx:1.26", "portMappings": [{"containerPort": 80}],
            "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]));
        assert_ne!(state.attributes, moved.attributes);
    }
}
