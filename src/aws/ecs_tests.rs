//! Unit tests of the ECS mapping on responses built in the API's shapes (moto answers most
//! of them; these pin the fields it leaves out).

use super::*;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ClusterSetting, ClusterSettingName, Compatibility, KeyValuePair, LaunchType,
    LoadBalancer, NetworkConfiguration, NetworkMode, PortMapping, TransportProtocol,
};

#[test]
fn a_cluster_is_its_arn_and_an_inactive_one_is_gone() {
    let c = |status: &str| {
        Cluster::builder()
            .cluster_arn("arn:aws:ecs:eu-west-1:123456789012:cluster/apps")
            .cluster_name("apps")
            .status(status)
            .settings(ClusterSetting::builder().name(ClusterSettingName::ContainerInsights).value("enabled").build())
            .tags(Tag::builder().key("team").value("web").build())
            .build()
    };
    let r = map_cluster(&c("ACTIVE")).unwrap();
    assert_eq!(r.id, "arn:aws:ecs:eu-west-1:123456789012:cluster/apps");
    assert_eq!(r.attributes["setting"], json!([{"name": "containerInsights", "value": "enabled"}]));
    assert_eq!(r.attributes["tags"], json!({"team": "web"}));
    assert!(map_cluster(&c("INACTIVE")).is_none());
}

#[test]
fn a_service_maps_its_network_and_load_balancers_in_terraforms_blocks() {
    let s = EcsService::builder()
        .service_arn("arn:aws:ecs:eu-west-1:123456789012:service/apps/web")
        .cluster_arn("arn:aws:ecs:eu-west-1:123456789012:cluster/apps")
        .status("ACTIVE")
        .desired_count(2)
        .launch_type(LaunchType::Fargate)
        .task_definition("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3")
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets("subnet-a")
                        .security_groups("sg-1")
                        .assign_public_ip(AssignPublicIp::Disabled)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .load_balancers(
            LoadBalancer::builder().target_group_arn("arn:tg").container_name("web").container_port(80).build(),
        )
        .build();
    let r = map_service(&s).unwrap();
    assert_eq!(r.attributes["desired_count"], 2);
    assert_eq!(r.attributes["launch_type"], "FARGATE");
    assert_eq!(
        r.attributes["network_configuration"],
        json!([{"subnets": ["subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": false}])
    );
    assert_eq!(r.attributes["load_balancer"][0]["container_port"], 80);
    let mut draining = s.clone();
    draining.status = Some("DRAINING".into());
    assert!(map_service(&draining).is_none());
}

#[test]
fn a_task_definition_is_its_family_with_the_revisions_arn() {
    let t = TaskDefinition::builder()
        .family("web")
        .task_definition_arn("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3")
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx:1.25")
                .cpu(0)
                .essential(true)
                .port_mappings(
                    PortMapping::builder().container_port(80).host_port(80).protocol(TransportProtocol::Tcp).build(),
                )
                .environment(KeyValuePair::builder().name("MODE").value("prod").build())
                .build(),
        )
        .cpu("256")
        .memory("512")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .build();
    let r = map_task_definition(&t).unwrap();
    assert_eq!(r.id, "web");
    assert_eq!(r.attributes["arn"], "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3");
    let containers: Value = serde_json::from_str(r.attributes["container_definitions"].as_str().unwrap()).unwrap();
    assert_eq!(containers[0]["image"], "nginx:1.25");
    assert_eq!(containers[0]["portMappings"][0]["protocol"], "tcp");
    assert_eq!(containers[0]["environment"], json!([{"name": "MODE", "value": "prod"}]));
    assert_eq!(r.attributes["requires_compatibilities"], json!(["FARGATE"]));
}

#[test]
fn every_event_names_a_cluster_a_service_or_a_family() {
    let resp = json!({"cluster": {"clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/apps"},
        "service": {"serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/apps/web"},
        "taskDefinition": {"family": "web"}});
    for (event, _) in EVENTS {
        let found = crate::cloudtrail::ids::changed_by(EVENTS, event, &Value::Null, &resp);
        assert_eq!(found.len(), 1, "{event}");
        assert!(TYPES.iter().any(|t| t.name == found[0].rtype), "{event}");
    }
}

#[test]
fn clusters_and_services_import_as_terraform_import_names_them() {
    let none = Map::new();
    assert_eq!(cluster_import_id("arn:aws:ecs:eu-west-1:123456789012:cluster/apps", &none), "apps");
    let new_format = "arn:aws:ecs:eu-west-1:123456789012:service/apps/web";
    assert_eq!(service_import_id(new_format, &none), "apps/web");
    let cluster = json!({"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/apps"});
    let old_format = "arn:aws:ecs:eu-west-1:123456789012:service/web";
    assert_eq!(service_import_id(old_format, cluster.as_object().unwrap()), "apps/web");
}
