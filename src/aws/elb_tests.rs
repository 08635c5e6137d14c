//! Unit tests of the classic ELB mapping on answers built in the API's shapes, and of its
//! CloudTrail events on records shaped as CloudTrail writes them (the classic API's and
//! ELBv2's share a source and some names).

use super::*;
use aws_sdk_elasticloadbalancing::types::{
    AccessLog, ConnectionDraining, ConnectionSettings, CrossZoneLoadBalancing, HealthCheck, Instance, Listener,
    ListenerDescription,
};

use crate::cloudtrail::{classify, Outcome};

fn balancer() -> LoadBalancerDescription {
    let listener = |protocol: &str, port: i32, instance_protocol: Option<&str>| {
        let l = Listener::builder()
            .protocol(protocol)
            .load_balancer_port(port)
            .instance_port(8080)
            .set_instance_protocol(instance_protocol.map(str::to_owned))
            .build()
            .unwrap();
        ListenerDescription::builder().listener(l).build()
    };
    let check = HealthCheck::builder()
        .target("HTTP:8080/health")
        .interval(30)
        .timeout(5)
        .healthy_threshold(2)
        .unhealthy_threshold(3)
        .build()
        .unwrap();
    LoadBalancerDescription::builder()
        .load_balancer_name("web")
        .scheme("internal")
        .subnets("subnet-1")
        .security_groups("sg-1")
        .availability_zones("us-east-1a")
        .listener_descriptions(listener("HTTP", 80, Some("HTTP")))
        .listener_descriptions(listener("TCP", 443, None))
        .health_check(check)
        .instances(Instance::builder().instance_id("i-1").build())
        .build()
}

#[test]
fn a_balancer_maps_under_the_providers_names() {
    let r = map_balancer(&balancer(), &HashSet::new()).unwrap();
    let a = &r.attributes;
    assert_eq!(r.id, "web");
    assert_eq!(a["internal"], true);
    assert_eq!(a["instances"], json!(["i-1"]));
    assert_eq!(
        a["listener"][1],
        json!({"instance_port": 8080, "instance_protocol": "TCP", "lb_port": 443, "lb_protocol": "TCP",
            "ssl_certificate_id": ""}),
        "an instance protocol the API leaves out is the front end's"
    );
    assert_eq!(
        a["health_check"],
        json!([{"healthy_threshold": 2, "interval": 30, "target": "HTTP:8080/health", "timeout": 5,
            "unhealthy_threshold": 3}])
    );
}

#[test]
fn instances_a_declared_attachment_registers_are_the_attachments_to_compare() {
    let attached: HashSet<(String, String)> = [("web".to_owned(), "i-1".to_owned())].into_iter().collect();
    let r = map_balancer(&balancer(), &attached).unwrap();
    assert!(!r.attributes.contains_key("instances"), "{:?}", r.attributes);
    let wanted: Wanted =
        [(ATTACHMENT.to_owned(), ["web-20261202105500".to_owned(), "web,i-1".to_owned()].into())].into_iter().collect();
    assert_eq!(declared_attachments(&wanted), attached);
    let at = map_attachment("web", "i-1").unwrap();
    assert_eq!((at.id.as_str(), at.live.unwrap().owner.as_deref()), ("web,i-1", Some("web")));
    // The state's made-up id matches the live one through its attributes.
    let made_up = json!({"elb": "web", "instance": "i-1"});
    let identity = crate::catalog::spec(ATTACHMENT).and_then(|s| s.identity).unwrap();
    assert_eq!(identity("web-20261202105500", made_up.as_object().unwrap()), "web,i-1");
}

#[test]
fn attributes_map_as_the_provider_keeps_them() {
    let at = LoadBalancerAttributes::builder()
        .cross_zone_load_balancing(CrossZoneLoadBalancing::builder().enabled(true).build())
        .connection_settings(ConnectionSettings::builder().idle_timeout(400).build().unwrap())
        .connection_draining(ConnectionDraining::builder().enabled(true).timeout(300).build())
        .access_log(AccessLog::builder().enabled(true).s3_bucket_name("logs").emit_interval(60).build())
        .build();
    let a = attributes(&at);
    assert_eq!(
        Value::Object(a),
        json!({"cross_zone_load_balancing": true, "idle_timeout": 400, "connection_draining": true,
            "connection_draining_timeout": 300,
            "access_logs": [{"bucket": "logs", "bucket_prefix": "", "enabled": true, "interval": 60}]})
    );
}

#[test]
fn the_group_aws_makes_and_scaled_instances_are_never_unmanaged_or_drift() {
    let group = |name: &str| {
        live("aws_security_group", "sg-1", json!({"name": name}).as_object().cloned().unwrap(), LiveFacts::default())
    };
    let scaled = LiveFacts { owner: Some(format!("{SCALED_BY}web")), ..LiveFacts::default() };
    let mut resources = vec![
        group("default_elb_7225cfe3-b686-340e-9c82-0e7a2a1eb18c"),
        group("default_elb_mine"),
        live("aws_instance", "i-1", Map::new(), scaled),
        map_balancer(&balancer(), &HashSet::new()).unwrap(),
    ];
    claim_service_owned(&mut resources);
    let owner = |i: usize| resources[i].live.as_ref().unwrap().owner.clone();
    assert_eq!(owner(0).as_deref(), Some("elasticloadbalancing"));
    assert_eq!(owner(1), None, "a group a user named so is theirs");
    assert!(!resources[3].attributes.contains_key("instances"), "an Auto Scaling group registers its instances");
}

/// A record as CloudTrail writes an Elastic Load Balancing call (either API).
fn record(event: &str, api_version: &str, req: Value, resp: Value) -> Value {
    json!({
        "eventVersion": "1.09", "eventID": format!("{event}-{api_version}"), "eventTime": "2026-12-02T09:05:12Z",
        "eventSource": "elasticloadbalancing.amazonaws.com", "eventName": event, "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::123456789012:user/ops",
            "accountId": "123456789012", "userName": "ops"},
        "requestParameters": req, "responseElements": resp, "requestID": "b9960276-b9b2-11e3-8a13-f1ef1EXAMPLE",
        "eventType": "AwsApiCall", "apiVersion": api_version, "readOnly": false,
        "recipientAccountId": "123456789012"
    })
}

fn changed(record: &Value) -> Vec<(String, String)> {
    match classify(record) {
        Outcome::Change(e) => e.resources.into_iter().map(|r| (r.rtype, r.id)).collect(),
        _ => Vec::new(),
    }
}

fn one(rtype: &str, id: &str) -> Vec<(String, String)> {
    vec![(rtype.to_owned(), id.to_owned())]
}

const V2_ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";

#[test]
fn an_event_both_apis_name_is_the_type_its_request_shape_says() {
    let classic = record(
        "CreateLoadBalancer",
        "2012-06-01",
        json!({"loadBalancerName": "web", "subnets": ["subnet-0a000000000000001"],
            "listeners": [{"protocol": "HTTP", "loadBalancerPort": 80, "instanceProtocol": "HTTP", "instancePort": 80}]}),
        json!({"dNSName": "web-1234567890.us-east-1.elb.amazonaws.com"}),
    );
    assert_eq!(changed(&classic), one(ELB, "web"));
    let v2 = record(
        "CreateLoadBalancer",
        "2015-12-01",
        json!({"name": "web", "subnets": ["subnet-0a000000000000001"], "scheme": "internet-facing"}),
        json!({"loadBalancers": [{"type": "application", "loadBalancerName": "web", "loadBalancerArn": V2_ARN,
            "dNSName": "web-1836718677.us-east-1.elb.amazonaws.com", "scheme": "internet-facing"}]}),
    );
    assert_eq!(changed(&v2), one("aws_lb", V2_ARN), "its response names the v2 balancer by name too");

    let classic = record("DeleteLoadBalancer", "2012-06-01", json!({"loadBalancerName": "web"}), Value::Null);
    assert_eq!(changed(&classic), one(ELB, "web"));
    let v2 = record("DeleteLoadBalancer", "2015-12-01", json!({"loadBalancerArn": V2_ARN}), Value::Null);
    assert_eq!(changed(&v2), one("aws_lb", V2_ARN));

    let attributes = json!({"connectionSettings": {"idleTimeout": 30}});
    let classic = record(
        "ModifyLoadBalancerAttributes",
        "2012-06-01",
        json!({"loadBalancerName": "web", "loadBalancerAttributes": attributes}),
        json!({"loadBalancerName": "web", "loadBalancerAttributes": attributes}),
    );
    assert_eq!(changed(&classic), one(ELB, "web"));
    let v2 = record(
        "ModifyLoadBalancerAttributes",
        "2015-12-01",
        json!({"loadBalancerArn": V2_ARN, "attributes": [{"key": "idle_timeout.timeout_seconds", "value": "30"}]}),
        json!({"attributes": [{"key": "idle_timeout.timeout_seconds", "value": "30"}]}),
    );
    assert_eq!(changed(&v2), one("aws_lb", V2_ARN));
}

#[test]
fn tag_events_name_classic_balancers_and_never_blame_them_for_a_v2_one() {
    let classic = record(
        "AddTags",
        "2012-06-01",
        json!({"loadBalancerNames": ["web", "api"], "tags": [{"key": "Owner", "value": "console"}]}),
        Value::Null,
    );
    assert_eq!(changed(&classic), vec![(ELB.to_owned(), "web".to_owned()), (ELB.to_owned(), "api".to_owned())]);
    let v2 = record(
        "AddTags",
        "2015-12-01",
        json!({"resourceArns": [V2_ARN], "tags": [{"key": "Owner", "value": "console"}]}),
        Value::Null,
    );
    assert!(matches!(classify(&v2), Outcome::Uncovered), "a v2 balancer's tags are no classic balancer's");
    let removed = record(
        "RemoveTags",
        "2012-06-01",
        json!({"loadBalancerNames": ["web"], "tags": [{"key": "Owner"}]}),
        Value::Null,
    );
    assert_eq!(changed(&removed), one(ELB, "web"));
}

#[test]
fn every_classic_event_names_a_classic_balancer() {
    let req = json!({"loadBalancerName": "web", "loadBalancerNames": ["web"]});
    for (event, _) in EVENTS {
        let found = changed(&record(event, "2012-06-01", req.clone(), Value::Null));
        assert_eq!(found, one(ELB, "web"), "{event}");
    }
    let deregistered = record(
        "DeregisterInstancesFromLoadBalancer",
        "2012-06-01",
        json!({"loadBalancerName": "web", "instances": [{"instanceId": "i-0d000000000000001"}]}),
        json!({"instances": []}),
    );
    assert_eq!(changed(&deregistered), one(ELB, "web"), "the balancer, not the instance");
}

#[test]
fn only_the_name_aws_gives_its_group_is_the_services() {
    assert!(is_elb_made_group("default_elb_7225cfe3-b686-340e-9c82-0e7a2a1eb18c"));
    assert!(!is_elb_made_group("default_elb_web"));
    assert!(!is_elb_made_group("default"));
}
