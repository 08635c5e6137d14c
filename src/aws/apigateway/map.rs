//! API Gateway's answers spelt as the AWS provider keeps them in state.

use std::collections::HashMap;

use aws_sdk_apigateway::types::{Deployment, Integration, Method, Resource as ApiResource, RestApi, Stage};
use serde_json::{json, Map, Value};

use super::{
    method_key, own_key, response_key, stage_key, DEPLOYMENT, INTEGRATION, INTEGRATION_RESPONSE, METHOD,
    METHOD_RESPONSE, RESOURCE, REST_API, STAGE,
};
use crate::aws::{live, text};
use crate::resource::{LiveFacts, Resource};

/// A map of the API as a JSON object; absent is `null` (known to be empty).
fn object<V: Clone + Into<Value>>(m: Option<&HashMap<String, V>>) -> Value {
    m.map_or(Value::Null, |m| m.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect())
}

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
}

/// A live part whose id is made from its attributes, as both sides' are.
fn part(rtype: &str, make: crate::catalog::ImportId, a: Map<String, Value>, facts: LiveFacts) -> Resource {
    let id = make("", &a);
    live(rtype, &id, a, facts)
}

pub(super) fn rest_api(api: &RestApi) -> Resource {
    let id = api.id().unwrap_or_default();
    let mut a = Map::new();
    a.insert("name".into(), text(api.name()));
    a.insert("description".into(), text(api.description()));
    a.insert("api_key_source".into(), text(api.api_key_source().map(|s| s.as_str())));
    a.insert("binary_media_types".into(), strings(api.binary_media_types()));
    a.insert("disable_execute_api_endpoint".into(), Value::from(api.disable_execute_api_endpoint()));
    let endpoint: Vec<Value> = api
        .endpoint_configuration()
        .map(|e| {
            let types: Vec<Value> = e.types().iter().map(|t| Value::from(t.as_str())).collect();
            json!({"types": types, "vpc_endpoint_ids": strings(e.vpc_endpoint_ids())})
        })
        .into_iter()
        .collect();
    a.insert("endpoint_configuration".into(), Value::Array(endpoint));
    // Provider 5.x keeps the size as text, `""` when unset.
    a.insert(
        "minimum_compression_size".into(),
        api.minimum_compression_size().map_or(Value::Null, |n| Value::from(n.to_string())),
    );
    a.insert("root_resource_id".into(), text(api.root_resource_id()));
    a.insert("tags".into(), object(api.tags()));
    live(REST_API, id, a, LiveFacts::default())
}

/// A resource with its methods, their integrations and responses. The root resource (`/`) is
/// made with its API: never unmanaged.
pub(super) fn resource(api: &str, r: &ApiResource) -> Vec<Resource> {
    let own = r.id().unwrap_or_default();
    let mut a = Map::new();
    a.insert("id".into(), Value::from(own));
    a.insert("rest_api_id".into(), Value::from(api));
    a.insert("parent_id".into(), text(r.parent_id()));
    a.insert("path_part".into(), text(r.path_part()));
    a.insert("path".into(), text(r.path()));
    let facts = LiveFacts { aws_default: r.parent_id().is_none(), ..LiveFacts::default() };
    let mut out = vec![part(RESOURCE, own_key, a, facts)];
    let mut methods: Vec<(&String, &Method)> = r.resource_methods().into_iter().flatten().collect();
    methods.sort_by_key(|(verb, _)| *verb);
    for (verb, m) in methods {
        out.extend(method(api, own, verb, m));
    }
    out
}

/// The fields every part of a method names it by.
fn method_fields(api: &str, resource: &str, verb: &str) -> Map<String, Value> {
    let mut a = Map::new();
    a.insert("rest_api_id".into(), Value::from(api));
    a.insert("resource_id".into(), Value::from(resource));
    a.insert("http_method".into(), Value::from(verb));
    a
}

fn method(api: &str, resource: &str, verb: &str, m: &Method) -> Vec<Resource> {
    let mut a = method_fields(api, resource, verb);
    a.insert("authorization".into(), text(m.authorization_type()));
    a.insert("authorizer_id".into(), text(m.authorizer_id()));
    a.insert("authorization_scopes".into(), strings(m.authorization_scopes()));
    a.insert("api_key_required".into(), Value::from(m.api_key_required().unwrap_or(false)));
    a.insert("request_models".into(), object(m.request_models()));
    a.insert("request_parameters".into(), object(m.request_parameters()));
    a.insert("request_validator_id".into(), text(m.request_validator_id()));
    a.insert("operation_name".into(), text(m.operation_name()));
    let mut out = vec![part(METHOD, method_key, a, LiveFacts::default())];
    let mut responses: Vec<_> = m.method_responses().into_iter().flatten().collect();
    responses.sort_by_key(|(status, _)| *status);
    for (status, r) in responses {
        let mut a = method_fields(api, resource, verb);
        a.insert("status_code".into(), Value::from(status.as_str()));
        a.insert("response_models".into(), object(r.response_models()));
        a.insert("response_parameters".into(), object(r.response_parameters()));
        out.push(part(METHOD_RESPONSE, response_key, a, LiveFacts::default()));
    }
    if let Some(i) = m.method_integration() {
        out.extend(integration(api, resource, verb, i));
    }
    out
}

fn integration(api: &str, resource: &str, verb: &str, i: &Integration) -> Vec<Resource> {
    let mut a = method_fields(api, resource, verb);
    a.insert("type".into(), text(i.r#type().map(|t| t.as_str())));
    a.insert("integration_http_method".into(), text(i.http_method()));
    a.insert("uri".into(), text(i.uri()));
    a.insert("connection_type".into(), text(i.connection_type().map(|t| t.as_str())));
    a.insert("connection_id".into(), text(i.connection_id()));
    a.insert("credentials".into(), text(i.credentials()));
    a.insert("passthrough_behavior".into(), text(i.passthrough_behavior()));
    a.insert("content_handling".into(), text(i.content_handling().map(|c| c.as_str())));
    a.insert(
        "timeout_milliseconds".into(),
        Some(i.timeout_in_millis()).filter(|t| *t > 0).map_or(Value::Null, Value::from),
    );
    a.insert("request_parameters".into(), object(i.request_parameters()));
    a.insert("request_templates".into(), object(i.request_templates()));
    a.insert("cache_key_parameters".into(), strings(i.cache_key_parameters()));
    a.insert("cache_namespace".into(), text(i.cache_namespace()));
    let mut out = vec![part(INTEGRATION, method_key, a, LiveFacts::default())];
    let mut responses: Vec<_> = i.integration_responses().into_iter().flatten().collect();
    responses.sort_by_key(|(status, _)| *status);
    for (status, r) in responses {
        let mut a = method_fields(api, resource, verb);
        a.insert("status_code".into(), Value::from(status.as_str()));
        a.insert("selection_pattern".into(), text(r.selection_pattern()));
        a.insert("response_parameters".into(), object(r.response_parameters()));
        a.insert("response_templates".into(), object(r.response_templates()));
        a.insert("content_handling".into(), text(r.content_handling().map(|c| c.as_str())));
        out.push(part(INTEGRATION_RESPONSE, response_key, a, LiveFacts::default()));
    }
    out
}

pub(super) fn deployment(api: &str, d: &Deployment) -> Resource {
    let mut a = Map::new();
    a.insert("id".into(), text(d.id()));
    a.insert("rest_api_id".into(), Value::from(api));
    a.insert("description".into(), text(d.description()));
    part(DEPLOYMENT, own_key, a, LiveFacts::default())
}

pub(super) fn stage(api: &str, s: &Stage) -> Resource {
    let mut a = Map::new();
    a.insert("rest_api_id".into(), Value::from(api));
    a.insert("stage_name".into(), text(s.stage_name()));
    a.insert("deployment_id".into(), text(s.deployment_id()));
    a.insert("description".into(), text(s.description()));
    a.insert("cache_cluster_enabled".into(), Value::from(s.cache_cluster_enabled()));
    a.insert("cache_cluster_size".into(), text(s.cache_cluster_size().map(|c| c.as_str())));
    a.insert("xray_tracing_enabled".into(), Value::from(s.tracing_enabled()));
    a.insert("variables".into(), object(s.variables()));
    a.insert("client_certificate_id".into(), text(s.client_certificate_id()));
    a.insert("documentation_version".into(), text(s.documentation_version()));
    let logs: Vec<Value> = s
        .access_log_settings()
        .filter(|l| l.destination_arn().is_some())
        .map(|l| json!({"destination_arn": l.destination_arn(), "format": l.format().unwrap_or_default()}))
        .into_iter()
        .collect();
    a.insert("access_log_settings".into(), Value::Array(logs));
    a.insert("tags".into(), object(s.tags()));
    part(STAGE, stage_key, a, LiveFacts::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigateway::types::{IntegrationResponse, IntegrationType, MethodResponse, Resource as ApiResource};

    /// `GetResources?embed=methods` as API Gateway answers for `/process` with a proxy POST and
    /// a mock OPTIONS whose responses say what CORS allows (the shape of a corpus state's API).
    fn process() -> ApiResource {
        let cors = HashMap::from([("method.response.header.Access-Control-Allow-Origin".to_owned(), "'*'".to_owned())]);
        let options = Method::builder()
            .http_method("OPTIONS")
            .authorization_type("NONE")
            .api_key_required(false)
            .method_responses(
                "200",
                MethodResponse::builder()
                    .status_code("200")
                    .response_parameters("method.response.header.Access-Control-Allow-Origin", true)
                    .build(),
            )
            .method_integration(
                Integration::builder()
                    .r#type(IntegrationType::Mock)
                    .passthrough_behavior("WHEN_NO_MATCH")
                    .timeout_in_millis(29000)
                    .cache_namespace("w7kitx")
                    .integration_responses(
                        "200",
                        IntegrationResponse::builder().status_code("200").set_response_parameters(Some(cors)).build(),
                    )
                    .build(),
            )
            .build();
        ApiResource::builder()
            .id("w7kitx")
            .parent_id("k899lb83i8")
            .path_part("process")
            .path("/process")
            .resource_methods("OPTIONS", options)
            .build()
    }

    #[test]
    fn a_resource_gives_its_methods_integrations_and_responses_under_their_import_ids() {
        let parts = resource("6njsxe3q65", &process());
        let ids: Vec<(&str, &str)> = parts.iter().map(|r| (r.rtype.as_str(), r.id.as_str())).collect();
        assert_eq!(
            ids,
            [
                (RESOURCE, "6njsxe3q65/w7kitx"),
                (METHOD, "6njsxe3q65/w7kitx/OPTIONS"),
                (METHOD_RESPONSE, "6njsxe3q65/w7kitx/OPTIONS/200"),
                (INTEGRATION, "6njsxe3q65/w7kitx/OPTIONS"),
                (INTEGRATION_RESPONSE, "6njsxe3q65/w7kitx/OPTIONS/200"),
            ]
        );
        let mock = &parts[3].attributes;
        assert_eq!(mock["type"], "MOCK");
        assert_eq!(mock["integration_http_method"], Value::Null, "a mock has no HTTP method of its own");
        assert_eq!(mock["timeout_milliseconds"], 29000);
        assert_eq!(
            parts[2].attributes["response_parameters"]["method.response.header.Access-Control-Allow-Origin"],
            true
        );
        assert!(!parts[0].live.as_ref().unwrap().aws_default);
        let root = ApiResource::builder().id("k899lb83i8").path("/").build();
        assert!(resource("6njsxe3q65", &root)[0].live.as_ref().unwrap().aws_default, "/ is made with its API");
    }

    #[test]
    fn state_ids_are_matched_by_their_import_ids() {
        // Attributes of a corpus state (Cloudwith-mo/taxdoc-microservice, provider 6.x).
        let state = |v: Value| -> Map<String, Value> { serde_json::from_value(v).unwrap() };
        let m = state(json!({"id": "agm-6njsxe3q65-w7kitx-OPTIONS", "rest_api_id": "6njsxe3q65",
            "resource_id": "w7kitx", "http_method": "OPTIONS"}));
        assert_eq!(method_key("agm-6njsxe3q65-w7kitx-OPTIONS", &m), "6njsxe3q65/w7kitx/OPTIONS");
        let r = state(json!({"id": "w7kitx", "rest_api_id": "6njsxe3q65", "path_part": "process"}));
        assert_eq!(own_key("w7kitx", &r), "6njsxe3q65/w7kitx");
        let s = state(json!({"id": "ags-6njsxe3q65-prod", "rest_api_id": "6njsxe3q65", "stage_name": "prod"}));
        assert_eq!(stage_key("ags-6njsxe3q65-prod", &s), "6njsxe3q65/prod");
        let ir = state(json!({"id": "agir-6njsxe3q65-w7kitx-OPTIONS-200", "rest_api_id": "6njsxe3q65",
            "resource_id": "w7kitx", "http_method": "OPTIONS", "status_code": "200"}));
        assert_eq!(response_key("agir-6njsxe3q65-w7kitx-OPTIONS-200", &ir), "6njsxe3q65/w7kitx/OPTIONS/200");
        assert_eq!(method_key("agm-x", &state(json!({"rest_api_id": "a"}))), "agm-x", "missing parts keep the id");
    }

    #[test]
    fn every_event_names_the_part_it_changed_by_its_import_id() {
        // The fields of CloudTrail API Gateway records: the API and the part's own names in the
        // request, a new API's, resource's or deployment's id in the response.
        let req = json!({"restApiId": "a1", "resourceId": "r1", "httpMethod": "GET", "statusCode": "200",
            "deploymentId": "d1", "stageName": "prod"});
        let resp = json!({"id": "n1"});
        for (event, _) in super::super::EVENTS {
            let found = crate::cloudtrail::ids::changed_by(super::super::EVENTS, event, &req, &resp);
            assert_eq!(found.len(), 1, "{event}: {found:?}");
            let r = &found[0];
            assert!(super::super::TYPES.iter().any(|t| t.name == r.rtype), "{event}: {r:?}");
            let want = match r.rtype.as_str() {
                REST_API if event.starts_with("Create") || event.starts_with("Import") => "n1",
                REST_API => "a1",
                RESOURCE | DEPLOYMENT if event.starts_with("Create") => "a1/n1",
                RESOURCE => "a1/r1",
                DEPLOYMENT => "a1/d1",
                METHOD | INTEGRATION => "a1/r1/GET",
                STAGE => "a1/prod",
                _ => "a1/r1/GET/200",
            };
            assert_eq!(r.id, want, "{event}");
        }
    }
}
