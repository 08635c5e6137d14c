//! Lambda: functions, their permissions and aliases, and event source mappings, per region.
//!
//! `ListFunctions` (pages of 50, its most) and `ListEventSourceMappings` (pages of 100) list
//! everything. A function's tags, resource policy and aliases have no list form: `ListTags`,
//! `GetPolicy` and `ListAliases` are sent for the declared functions only (and the functions
//! declared permissions and aliases name), 8 in flight, so these calls grow with the declared
//! estate, not with the account's. A permission is one statement of its function's policy.
//!
//! Environment variables hold secrets: provider 5.x marks them sensitive, so the state's copy is
//! a digest from the moment it is read, and the live one is compared by digest only.

use std::collections::{BTreeMap, HashSet};

use aws_sdk_lambda::types::{AliasConfiguration, EventSourceMappingConfiguration, FunctionConfiguration};
use aws_sdk_lambda::Client;
use serde_json::{json, Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Lambda, scope: Scope::Regional, needs: &[] }
}

const FUNCTIONS: ListSpec = regional("ListFunctions");
const MAPPINGS: ListSpec = regional("ListEventSourceMappings");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Lambda,
    event_source: "lambda.amazonaws.com",
    events: EVENTS,
    lists: &[FUNCTIONS, MAPPINGS],
    types: TYPES,
};

const FUNCTION: &str = "aws_lambda_function";
const PERMISSION: &str = "aws_lambda_permission";
const ALIAS: &str = "aws_lambda_alias";
const MAPPING: &str = "aws_lambda_event_source_mapping";

const TYPES: &[TypeSpec] = &[
    // `vpc_config` is compared as its subnets and groups (pass `lambda_spelling`): the VPC
    // follows from them, and the provider adds fields the API leaves out.
    TypeSpec::new(
        FUNCTION,
        &FUNCTIONS,
        &[
            "function_name",
            "runtime",
            "handler",
            "role",
            "memory_size",
            "timeout",
            "architectures",
            "layers",
            "vpc_config",
            "environment",
            "tags",
        ],
    ),
    // Terraform's id is the statement id, unique only within its function: both sides are
    // matched by function and statement, which is also what `terraform import` takes.
    TypeSpec::new(
        PERMISSION,
        &FUNCTIONS,
        &["function_name", "statement_id", "action", "principal", "source_arn", "source_account"],
    )
    .identified_by(|id, a| permission_id(&text_of(a, "function_name"), &text_of(a, "statement_id"), id)),
    // Terraform's id is the alias ARN; it imports as `function/alias`.
    TypeSpec::new(ALIAS, &FUNCTIONS, &["function_name", "name", "function_version", "description"])
        .imported_by(|_, a| format!("{}/{}", function_of(&text_of(a, "function_name")), text_of(a, "name"))),
    // The provider writes `function_name` as the configuration gave it (a name or an ARN) and
    // `function_arn` as AWS answers: the ARN is compared.
    TypeSpec::new(MAPPING, &MAPPINGS, &["function_arn", "event_source_arn", "batch_size", "enabled"]),
];

/// `function/statement`, the function given by name or ARN.
fn permission_id(function: &str, statement: &str, fallback: &str) -> String {
    if function.is_empty() || statement.is_empty() {
        return fallback.to_owned();
    }
    format!("{}/{statement}", function_of(function))
}

/// A function's name, whether given by name, ARN (`arn:aws:lambda:...:function:NAME[:qualifier]`)
/// or partial ARN.
pub fn function_of(name_or_arn: &str) -> &str {
    match name_or_arn.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => name_or_arn,
    }
}

/// Where CloudTrail names what a Lambda write changed. Lambda's event names carry the API
/// version they were made with (`UpdateFunctionConfiguration20150331v2`, as real records
/// show), and `functionName` is a name or an ARN as the caller gave it, which the reader cuts
/// to the name.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateFunction20150331", &[FN]),
    ("DeleteFunction20150331", &[FN]),
    ("UpdateFunctionCode20150331v2", &[FN]),
    ("UpdateFunctionConfiguration20150331v2", &[FN]),
    ("PutFunctionConcurrency20171031", &[FN]),
    ("TagResource20170331v2", &["req.resource=aws_lambda_function"]),
    ("UntagResource20170331v2", &["req.resource=aws_lambda_function"]),
    ("AddPermission20150331v2", &[STATEMENT, FN]),
    ("RemovePermission20150331v2", &[STATEMENT, FN]),
    ("CreateAlias20150331", &["resp.aliasArn=aws_lambda_alias"]),
    ("UpdateAlias20150331", &["resp.aliasArn=aws_lambda_alias"]),
    ("CreateEventSourceMapping20150331", &[UUID]),
    ("UpdateEventSourceMapping20150331", &[UUID]),
    ("DeleteEventSourceMapping20150331", &[UUID]),
];

const FN: &str = "req.functionName=aws_lambda_function";
const STATEMENT: &str = "{req.functionName}/{req.statementId}=aws_lambda_permission";
const UUID: &str = "req.uUID=aws_lambda_event_source_mapping|resp.uUID=aws_lambda_event_source_mapping";

/// Pages of 50, the most `ListFunctions` and `ListAliases` return.
const FUNCTION_PAGE: i32 = 50;
/// Pages of 100, the most `ListEventSourceMappings` returns.
const MAPPING_PAGE: i32 = 100;

/// Lists one Lambda family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf =
        aws_sdk_lambda::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    match family.operation {
        "ListFunctions" => list_functions(&client, &declared_functions(wanted)).await,
        "ListEventSourceMappings" => {
            let mut pages = client.list_event_source_mappings().max_items(MAPPING_PAGE).into_paginator().send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                out.extend(page?.event_source_mappings().iter().filter_map(map_mapping));
            }
            Ok(out)
        }
        other => Err(ListError(format!("no Lambda list {other}"))),
    }
}

/// The functions whose tags, policy and aliases are read: those declared, and those a declared
/// permission (`function/statement`) or alias (its ARN) belongs to.
fn declared_functions(wanted: &Wanted) -> HashSet<String> {
    let mut out: HashSet<String> = wanted.get(FUNCTION).into_iter().flatten().cloned().collect();
    for id in wanted.get(PERMISSION).into_iter().flatten() {
        if let Some((function, _)) = id.split_once('/') {
            out.insert(function.to_owned());
        }
    }
    for arn in wanted.get(ALIAS).into_iter().flatten() {
        out.insert(function_of(arn).to_owned());
    }
    out
}

async fn list_functions(client: &Client, declared: &HashSet<String>) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.list_functions().max_items(FUNCTION_PAGE).into_paginator().send();
    let mut functions = Vec::new();
    while let Some(page) = pages.next().await {
        functions.extend(page?.functions().iter().filter_map(map_function));
    }
    let reads: Vec<Resource> = functions.iter().filter(|f| declared.contains(&f.id)).cloned().collect();
    let mut out: Vec<Resource> = functions.into_iter().filter(|f| !declared.contains(&f.id)).collect();
    let read = bounded(reads, |mut f| async move {
        let mut parts = Vec::new();
        let arn = text_of(&f.attributes, "arn");
        let tags = client.list_tags().resource(&arn).send().await?;
        let tags: BTreeMap<&String, &String> = tags.tags().into_iter().flatten().collect();
        f.attributes.insert("tags".into(), json!(tags));
        match client.get_policy().function_name(&f.id).send().await {
            Ok(policy) => parts.extend(permissions(&f.id, policy.policy().unwrap_or_default())),
            // A function without a policy has no permissions.
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {}
            Err(e) => return Err(ListError::from(e)),
        }
        let mut pages = client.list_aliases().function_name(&f.id).max_items(FUNCTION_PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            parts.extend(page?.aliases().iter().filter_map(|a| map_alias(&f.id, a)));
        }
        parts.push(f);
        Ok::<_, ListError>(parts)
    })
    .await;
    for parts in read {
        out.extend(parts?);
    }
    Ok(out)
}

fn map_function(f: &FunctionConfiguration) -> Option<Resource> {
    let name = f.function_name()?;
    let mut a = Map::new();
    a.insert("arn".into(), text(f.function_arn()));
    a.insert("function_name".into(), Value::from(name));
    a.insert("runtime".into(), text(f.runtime().map(|r| r.as_str())));
    a.insert("handler".into(), text(f.handler()));
    a.insert("role".into(), text(f.role()));
    a.insert("memory_size".into(), f.memory_size().map_or(Value::Null, Value::from));
    a.insert("timeout".into(), f.timeout().map_or(Value::Null, Value::from));
    let arch: Vec<Value> = f.architectures().iter().map(|x| Value::from(x.as_str())).collect();
    a.insert("architectures".into(), Value::Array(arch));
    let layers: Vec<Value> = f.layers().iter().filter_map(|l| l.arn()).map(Value::from).collect();
    a.insert("layers".into(), Value::Array(layers));
    let vpc = f
        .vpc_config()
        .filter(|v| !v.subnet_ids().is_empty())
        .map(|v| json!([{"security_group_ids": v.security_group_ids(), "subnet_ids": v.subnet_ids()}]));
    a.insert("vpc_config".into(), vpc.unwrap_or_else(|| json!([])));
    a.insert("environment".into(), environment(f));
    Some(live(FUNCTION, name, a, LiveFacts::default()))
}

/// The environment block exactly as the provider writes it to state, map keys sorted as
/// Terraform sorts them: the state's copy is a digest of that text, so only the same text
/// compares equal.
fn environment(f: &FunctionConfiguration) -> Value {
    let Some(vars) = f.environment().and_then(|e| e.variables()).filter(|v| !v.is_empty()) else {
        return json!([]);
    };
    let sorted: BTreeMap<&String, &String> = vars.iter().collect();
    json!([{"variables": sorted}])
}

/// The statements of a function's resource policy as `aws_lambda_permission`s.
fn permissions(function: &str, policy: &str) -> Vec<Resource> {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else { return Vec::new() };
    let statements = match &doc["Statement"] {
        Value::Array(s) => s.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => Vec::new(),
    };
    statements.iter().filter_map(|s| map_statement(function, s)).collect()
}

fn map_statement(function: &str, s: &Value) -> Option<Resource> {
    let sid = s["Sid"].as_str()?;
    let mut a = Map::new();
    a.insert("function_name".into(), Value::from(function));
    a.insert("statement_id".into(), Value::from(sid));
    a.insert("action".into(), s["Action"].clone());
    a.insert("principal".into(), principal(&s["Principal"]));
    let condition = |op: &str, key: &str| s["Condition"][op][key].clone();
    let source = [condition("ArnLike", "AWS:SourceArn"), condition("ArnEquals", "AWS:SourceArn")];
    a.insert("source_arn".into(), source.into_iter().find(|v| !v.is_null()).unwrap_or(Value::Null));
    a.insert("source_account".into(), condition("StringEquals", "AWS:SourceAccount"));
    Some(live(PERMISSION, &format!("{function}/{sid}"), a, LiveFacts::default()))
}

/// The principal as the provider writes it: a service name, an account id (AWS stores an
/// account as its `:root` ARN), an ARN, or `*`.
fn principal(p: &Value) -> Value {
    let one = match p {
        Value::String(s) => s.as_str(),
        Value::Object(m) => match m.get("Service").or_else(|| m.get("AWS")).and_then(Value::as_str) {
            Some(s) => s,
            None => return Value::Null,
        },
        _ => return Value::Null,
    };
    match one.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_suffix(":root")) {
        Some(account) => Value::from(account),
        None => Value::from(one),
    }
}

fn map_alias(function: &str, al: &AliasConfiguration) -> Option<Resource> {
    let arn = al.alias_arn()?;
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("function_name".into(), Value::from(function));
    a.insert("name".into(), text(al.name()));
    a.insert("function_version".into(), text(al.function_version()));
    a.insert("description".into(), text(al.description()));
    Some(live(ALIAS, arn, a, LiveFacts::default()))
}

fn map_mapping(m: &EventSourceMappingConfiguration) -> Option<Resource> {
    let uuid = m.uuid()?;
    let mut a = Map::new();
    a.insert("function_arn".into(), text(m.function_arn()));
    a.insert("event_source_arn".into(), text(m.event_source_arn()));
    a.insert("batch_size".into(), m.batch_size().map_or(Value::Null, Value::from));
    // The provider's `enabled` is the state the mapping is in or going to.
    let enabled = m.state().map(|s| matches!(s, "Enabled" | "Enabling" | "Creating" | "Updating"));
    a.insert("enabled".into(), enabled.map_or(Value::Null, Value::from));
    Some(live(MAPPING, uuid, a, LiveFacts::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::types::{Architecture, EnvironmentResponse, Runtime, VpcConfigResponse};

    #[test]
    fn function_names_from_names_and_arns() {
        assert_eq!(function_of("app"), "app");
        assert_eq!(function_of("arn:aws:lambda:us-east-1:123456789012:function:app"), "app");
        assert_eq!(function_of("arn:aws:lambda:us-east-1:123456789012:function:app:live"), "app");
        assert_eq!(function_of("123456789012:function:app"), "app");
        assert_eq!(permission_id("arn:aws:lambda:us-east-1:1:function:app", "s3", "s3"), "app/s3");
        assert_eq!(permission_id("", "s3", "s3"), "s3");
    }

    #[test]
    fn a_function_maps_with_its_environment_as_the_state_spells_it() {
        let f = FunctionConfiguration::builder()
            .function_name("app")
            .function_arn("arn:aws:lambda:us-east-1:123456789012:function:app")
            .runtime(Runtime::Python312)
            .role("arn:aws:iam::123456789012:role/app")
            .memory_size(256)
            .architectures(Architecture::Arm64)
            .environment(EnvironmentResponse::builder().variables("B", "2").variables("A", "1").build())
            .vpc_config(
                VpcConfigResponse::builder().subnet_ids("subnet-1").security_group_ids("sg-1").vpc_id("vpc-1").build(),
            )
            .build();
        let r = map_function(&f).unwrap();
        assert_eq!(r.attributes["runtime"], "python3.12");
        assert_eq!(r.attributes["architectures"], json!(["arm64"]));
        assert_eq!(r.attributes["environment"].to_string(), r#"[{"variables":{"A":"1","B":"2"}}]"#);
        assert_eq!(r.attributes["vpc_config"], json!([{"security_group_ids": ["sg-1"], "subnet_ids": ["subnet-1"]}]));
        let bare = FunctionConfiguration::builder().function_name("bare").build();
        let r = map_function(&bare).unwrap();
        assert_eq!((r.attributes["environment"].clone(), r.attributes["vpc_config"].clone()), (json!([]), json!([])));
    }

    #[test]
    fn each_policy_statement_is_a_permission() {
        // GetPolicy's document as AWS returns it: the principal an object, the source a condition.
        let policy = json!({"Version": "2012-10-17", "Id": "default", "Statement": [
            {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
             "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:app",
             "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"},
                           "StringEquals": {"AWS:SourceAccount": "123456789012"}}},
            {"Sid": "other", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
             "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:app"}]});
        let ps = permissions("app", &policy.to_string());
        assert_eq!(ps.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["app/s3", "app/other"]);
        assert_eq!(ps[0].attributes["principal"], "s3.amazonaws.com");
        assert_eq!(ps[0].attributes["source_arn"], "arn:aws:s3:::b");
        assert_eq!(ps[0].attributes["source_account"], "123456789012");
        assert_eq!(ps[1].attributes["principal"], "210987654321", "an account is its id, as the provider writes it");
        assert!(ps[1].attributes["source_arn"].is_null());
        assert!(permissions("app", "not json").is_empty());
    }

    #[test]
    fn a_mapping_is_enabled_by_its_state() {
        let m = EventSourceMappingConfiguration::builder().uuid("u-1").state("Disabled").batch_size(5).build();
        let r = map_mapping(&m).unwrap();
        assert_eq!((r.attributes["enabled"].clone(), r.attributes["batch_size"].clone()), (json!(false), json!(5)));
    }

    #[test]
    fn every_event_names_a_lambda_resource() {
        // Shapes of CloudTrail Lambda records (../shared/reference/cloudtrail has AddPermission
        // and UpdateFunctionCode): the function by name or ARN, the new alias in the response.
        let record = json!({"requestParameters": {"functionName": "app", "statementId": "s3",
            "resource": "arn:aws:lambda:us-east-1:123456789012:function:app", "uUID": "u-1"},
            "responseElements": {"aliasArn": "arn:aws:lambda:us-east-1:123456789012:function:app:live"}});
        for (event, paths) in EVENTS {
            for path in *paths {
                let found = crate::cloudtrail::ids::changed_by(
                    EVENTS,
                    event,
                    &record["requestParameters"],
                    &record["responseElements"],
                );
                assert!(!found.is_empty(), "{event}: {path}");
                assert!(found.iter().all(|r| TYPES.iter().any(|t| t.name == r.rtype)), "{event}: {found:?}");
            }
        }
        let found = crate::cloudtrail::ids::changed_by(
            EVENTS,
            "AddPermission20150331v2",
            &json!({"functionName": "arn:aws:lambda:us-east-1:123456789012:function:app", "statementId": "s3"}),
            &Value::Null,
        );
        let ids: Vec<&str> = found.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["app/s3", "app"], "a function named by ARN is its name");
    }
}
