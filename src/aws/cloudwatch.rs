//! CloudWatch metric alarms and EventBridge rules and targets, per region.
//!
//! `DescribeAlarms` gives every metric alarm with its whole configuration in pages of 100 (the
//! most it returns), so only tags are read one by one, for declared alarms. EventBridge rules
//! live on event buses: `ListEventBuses` (100 a page) then `ListRules` per bus (100 a page);
//! a rule's targets have no account-wide list, so `ListTargetsByRule` is sent only for the
//! rules the states declare or declare targets of, a few in flight.

use std::collections::HashSet;

use aws_sdk_cloudwatch::types::MetricAlarm;
use aws_sdk_eventbridge::types::{Rule, Target};
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const ALARMS: ListSpec =
    ListSpec { operation: "DescribeAlarms", service: Service::CloudWatch, scope: Scope::Regional, needs: &[] };
const RULES: ListSpec =
    ListSpec { operation: "ListRules", service: Service::EventBridge, scope: Scope::Regional, needs: &[] };

pub const ALARM_SERVICE: ServiceSpec = ServiceSpec {
    service: Service::CloudWatch,
    event_source: "monitoring.amazonaws.com",
    events: ALARM_EVENTS,
    lists: &[ALARMS],
    types: ALARM_TYPES,
};

pub const EVENTS_SERVICE: ServiceSpec = ServiceSpec {
    service: Service::EventBridge,
    event_source: "events.amazonaws.com",
    events: RULE_EVENTS,
    lists: &[RULES],
    types: RULE_TYPES,
};

const ALARM: &str = "aws_cloudwatch_metric_alarm";
const RULE: &str = "aws_cloudwatch_event_rule";
const TARGET: &str = "aws_cloudwatch_event_target";

const ALARM_TYPES: &[TypeSpec] = &[TypeSpec::new(
    ALARM,
    &ALARMS,
    &[
        "alarm_name",
        "alarm_description",
        "namespace",
        "metric_name",
        "dimensions",
        "statistic",
        "period",
        "evaluation_periods",
        "datapoints_to_alarm",
        "threshold",
        "comparison_operator",
        "treat_missing_data",
        "actions_enabled",
        "alarm_actions",
        "ok_actions",
        "insufficient_data_actions",
        "tags",
    ],
)];

const RULE_TYPES: &[TypeSpec] = &[
    TypeSpec::new(RULE, &RULES, &["name", "description", "event_pattern", "schedule_expression", "state", "role_arn"])
        .with_documents(&["event_pattern"]),
    TypeSpec::new(TARGET, &RULES, &["rule", "target_id", "arn", "role_arn", "input", "input_path"])
        .identified_by(target_id),
];

/// The provider's id of a target: `rule-target_id`, after `bus/` on a bus other than `default`.
fn target_id(id: &str, a: &Map<String, Value>) -> String {
    let (rule, target) = (text_of(a, "rule"), text_of(a, "target_id"));
    if rule.is_empty() || target.is_empty() {
        return id.to_owned();
    }
    match text_of(a, "event_bus_name").as_str() {
        "" | "default" => format!("{rule}-{target}"),
        bus => format!("{bus}/{rule}-{target}"),
    }
}

/// The id of a rule: its name, after `bus/` on a bus other than `default`.
fn rule_id(bus: &str, name: &str) -> String {
    if bus == "default" || bus.is_empty() {
        name.to_owned()
    } else {
        format!("{bus}/{name}")
    }
}

/// Where CloudTrail names the alarm a CloudWatch write changed (`alarmNames` is a list).
pub const ALARM_EVENTS: &[(&str, &[&str])] = &[
    ("PutMetricAlarm", &["req.alarmName=aws_cloudwatch_metric_alarm"]),
    ("DeleteAlarms", &["req.alarmNames=aws_cloudwatch_metric_alarm"]),
    ("EnableAlarmActions", &["req.alarmNames=aws_cloudwatch_metric_alarm"]),
    ("DisableAlarmActions", &["req.alarmNames=aws_cloudwatch_metric_alarm"]),
];

/// Where CloudTrail names the rule an EventBridge write changed; a target change names its rule.
pub const RULE_EVENTS: &[(&str, &[&str])] = &[
    ("PutRule", &["req.name=aws_cloudwatch_event_rule"]),
    ("DeleteRule", &["req.name=aws_cloudwatch_event_rule"]),
    ("EnableRule", &["req.name=aws_cloudwatch_event_rule"]),
    ("DisableRule", &["req.name=aws_cloudwatch_event_rule"]),
    ("PutTargets", &["req.rule=aws_cloudwatch_event_rule"]),
    ("RemoveTargets", &["req.rule=aws_cloudwatch_event_rule"]),
];

/// The most items one page of these lists holds.
const PAGE: i32 = 100;

pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    match family.operation {
        "DescribeAlarms" => list_alarms(ctx, wanted).await,
        "ListRules" => list_rules(ctx, wanted).await,
        other => Err(ListError(format!("no CloudWatch list {other}"))),
    }
}

async fn list_alarms(ctx: &Ctx<'_>, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf =
        aws_sdk_cloudwatch::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = aws_sdk_cloudwatch::Client::from_conf(conf);
    let mut alarms = Vec::new();
    let mut pages = client.describe_alarms().max_records(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        alarms.extend(page?.metric_alarms().iter().filter_map(map_alarm));
    }
    let empty = HashSet::new();
    let declared = wanted.get(ALARM).unwrap_or(&empty);
    let client = &client;
    let read = bounded(alarms, |mut alarm| async move {
        if declared.contains(&alarm.id) {
            let arn = text_of(&alarm.attributes, "arn");
            let out = client
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(ListError::reading("ListTagsForResource"))?;
            let tags: Map<String, Value> =
                out.tags().iter().filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value()?)))).collect();
            alarm.attributes.insert("tags".into(), Value::Object(tags));
        }
        Ok(alarm)
    })
    .await;
    read.into_iter().collect()
}

/// A whole number as an integer: Terraform keeps `80` where CloudWatch answers `80.0`.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

fn map_alarm(m: &MetricAlarm) -> Option<Resource> {
    let name = m.alarm_name()?;
    let list = |items: &[String]| Value::from(items.to_vec());
    let mut a = Map::new();
    a.insert("arn".into(), text(m.alarm_arn()));
    a.insert("alarm_name".into(), Value::from(name));
    a.insert("alarm_description".into(), text(m.alarm_description()));
    a.insert("namespace".into(), text(m.namespace()));
    a.insert("metric_name".into(), text(m.metric_name()));
    let dimensions: Map<String, Value> =
        m.dimensions().iter().filter_map(|d| Some((d.name()?.to_owned(), Value::from(d.value()?)))).collect();
    a.insert("dimensions".into(), Value::Object(dimensions));
    a.insert("statistic".into(), text(m.statistic().map(|s| s.as_str())));
    a.extend(m.period().map(|p| ("period".to_owned(), Value::from(p))));
    a.extend(m.evaluation_periods().map(|p| ("evaluation_periods".to_owned(), Value::from(p))));
    // Unset, the provider keeps 0 datapoints and treats missing data as `missing`, the default.
    a.insert("datapoints_to_alarm".into(), Value::from(m.datapoints_to_alarm().unwrap_or(0)));
    a.extend(m.threshold().map(|t| ("threshold".to_owned(), number(t))));
    a.insert("comparison_operator".into(), text(m.comparison_operator().map(|c| c.as_str())));
    a.insert("treat_missing_data".into(), Value::from(m.treat_missing_data().unwrap_or("missing")));
    a.extend(m.actions_enabled().map(|e| ("actions_enabled".to_owned(), Value::from(e))));
    a.insert("alarm_actions".into(), list(m.alarm_actions()));
    a.insert("ok_actions".into(), list(m.ok_actions()));
    a.insert("insufficient_data_actions".into(), list(m.insufficient_data_actions()));
    Some(live(ALARM, name, a, LiveFacts::default()))
}

async fn list_rules(ctx: &Ctx<'_>, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf =
        aws_sdk_eventbridge::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = aws_sdk_eventbridge::Client::from_conf(conf);
    // Neither list has a paginator in the SDK: their tokens are followed by hand.
    let mut buses = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client.list_event_buses().limit(PAGE).set_next_token(token).send().await?;
        buses.extend(page.event_buses().iter().filter_map(|b| b.name()).map(str::to_owned));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let mut rules = Vec::new();
    for bus in &buses {
        let mut token: Option<String> = None;
        loop {
            let page = client.list_rules().event_bus_name(bus).limit(PAGE).set_next_token(token).send().await?;
            rules.extend(page.rules().iter().filter_map(|r| map_rule(bus, r)));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    let empty = HashSet::new();
    let (declared, targets) = (wanted.get(RULE).unwrap_or(&empty), wanted.get(TARGET).unwrap_or(&empty));
    let client = &client;
    let read = bounded(rules, |(rule, bus, name)| async move {
        let mut out = Vec::new();
        let targeted = targets.iter().any(|t| t.starts_with(&format!("{}-", rule.id)));
        if declared.contains(&rule.id) || targeted {
            let page = client
                .list_targets_by_rule()
                .rule(&name)
                .event_bus_name(&bus)
                .limit(PAGE)
                .send()
                .await
                .map_err(ListError::reading("ListTargetsByRule"))?;
            out.extend(page.targets().iter().map(|t| map_target(&bus, &name, &rule.id, t)));
        }
        out.push(rule);
        Ok::<_, ListError>(out)
    })
    .await;
    let mut out = Vec::new();
    for r in read {
        out.extend(r?);
    }
    Ok(out)
}

/// A rule, with its bus and name; one a service manages (`ManagedBy`) is that service's.
fn map_rule(bus: &str, r: &Rule) -> Option<(Resource, String, String)> {
    let name = r.name()?;
    let id = rule_id(bus, name);
    let mut a = Map::new();
    a.insert("arn".into(), text(r.arn()));
    a.insert("name".into(), Value::from(name));
    a.insert("event_bus_name".into(), Value::from(bus));
    a.insert("description".into(), text(r.description()));
    a.insert("event_pattern".into(), text(r.event_pattern()));
    a.insert("schedule_expression".into(), text(r.schedule_expression()));
    a.insert("state".into(), text(r.state().map(|s| s.as_str())));
    a.insert("role_arn".into(), text(r.role_arn()));
    let facts = LiveFacts { owner: r.managed_by().map(str::to_owned), ..LiveFacts::default() };
    Some((live(RULE, &id, a, facts), bus.to_owned(), name.to_owned()))
}

/// A target is part of its rule, never unmanaged on its own (the rule is, when nobody declares it).
fn map_target(bus: &str, rule: &str, rule_id: &str, t: &Target) -> Resource {
    let mut a = Map::new();
    a.insert("rule".into(), Value::from(rule));
    a.insert("event_bus_name".into(), Value::from(bus));
    a.insert("target_id".into(), Value::from(t.id()));
    a.insert("arn".into(), Value::from(t.arn()));
    a.insert("role_arn".into(), text(t.role_arn()));
    a.insert("input".into(), text(t.input()));
    a.insert("input_path".into(), text(t.input_path()));
    let id = target_id("", &a);
    live(TARGET, &id, a, LiveFacts { owner: Some(rule_id.to_owned()), ..LiveFacts::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
    use serde_json::json;

    #[test]
    fn an_alarm_is_spelt_as_terraform_keeps_it() {
        let m = MetricAlarm::builder()
            .alarm_name("cpu-high")
            .namespace("AWS/EC2")
            .metric_name("CPUUtilization")
            .dimensions(Dimension::builder().name("InstanceId").value("i-0abc").build())
            .statistic(Statistic::Average)
            .period(300)
            .evaluation_periods(2)
            .threshold(80.0)
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .actions_enabled(true)
            .alarm_actions("arn:aws:sns:us-east-1:123456789012:alerts")
            .build();
        let a = map_alarm(&m).unwrap().attributes;
        assert_eq!(a["threshold"], json!(80), "a whole threshold is an integer, as in state");
        assert_eq!(a["dimensions"], json!({"InstanceId": "i-0abc"}));
        assert_eq!((a["treat_missing_data"].as_str(), a["datapoints_to_alarm"].as_i64()), (Some("missing"), Some(0)));
        assert_eq!(number(99.5), json!(99.5));
    }

    #[test]
    fn rules_and_targets_are_named_by_their_bus() {
        let r = Rule::builder().name("nightly").schedule_expression("rate(1 day)").build();
        assert_eq!(map_rule("default", &r).unwrap().0.id, "nightly");
        let (rule, _, _) = map_rule("orders", &r).unwrap();
        assert_eq!(rule.id, "orders/nightly");
        let t = Target::builder().id("lambda").arn("arn:aws:lambda:us-east-1:123456789012:function:f").build().unwrap();
        let target = map_target("default", "nightly", "nightly", &t);
        assert_eq!(target.id, "nightly-lambda");
        assert_eq!(target.live.unwrap().owner.as_deref(), Some("nightly"));
        assert_eq!(map_target("orders", "nightly", "orders/nightly", &t).id, "orders/nightly-lambda");
    }

    #[test]
    fn every_event_names_an_alarm_or_a_rule() {
        let record = json!({"requestParameters": {"alarmName": "cpu-high", "alarmNames": ["cpu-high"],
            "name": "nightly", "rule": "nightly"}, "responseElements": null});
        for (event, paths) in ALARM_EVENTS.iter().chain(RULE_EVENTS) {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                let is_alarm = path.ends_with(ALARM);
                if !path.contains("alarmNames") {
                    assert_eq!(id, Some(if is_alarm { "cpu-high" } else { "nightly" }), "{event}");
                }
                assert!(spec.is_some(), "{event}: {path}");
            }
        }
    }
}
