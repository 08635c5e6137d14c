//! API Gateway REST APIs (v1), per region: the APIs, their resources, methods, integrations,
//! method and integration responses, deployments and stages.
//!
//! `GetRestApis` finds every API in pages of 500 (the most it returns), tags included, so the
//! unmanaged ones cost nothing more. An API's parts have no account-wide list: they are read
//! only for the APIs the states declare parts of, and only the kinds declared there, a few APIs
//! in flight. `GetResources` with `embed=methods` gives each resource with its methods, their
//! integrations and both kinds of responses, one paged call (500 a page) per API;
//! `GetDeployments` (500 a page) and `GetStages` (one call) per API. API Gateway calls grow
//! with the APIs the states hold parts of, not with the account's.
//!
//! The parts' Terraform ids are made up (`agm-API-RESOURCE-METHOD`, a resource's or a
//! deployment's bare id): both sides are matched by the id `terraform import` takes
//! (`API/RESOURCE/METHOD`, `API/STAGE`), made from their attributes.

mod map;

use std::collections::{BTreeSet, HashSet};

use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::Client;
use serde_json::{Map, Value};

use super::{bounded, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::Resource;

const APIS: ListSpec =
    ListSpec { operation: "GetRestApis", service: Service::ApiGateway, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::ApiGateway,
    event_source: "apigateway.amazonaws.com",
    events: EVENTS,
    lists: &[APIS],
    types: TYPES,
};

const REST_API: &str = "aws_api_gateway_rest_api";
const RESOURCE: &str = "aws_api_gateway_resource";
const METHOD: &str = "aws_api_gateway_method";
const INTEGRATION: &str = "aws_api_gateway_integration";
const METHOD_RESPONSE: &str = "aws_api_gateway_method_response";
const INTEGRATION_RESPONSE: &str = "aws_api_gateway_integration_response";
const DEPLOYMENT: &str = "aws_api_gateway_deployment";
const STAGE: &str = "aws_api_gateway_stage";

/// The types `GetResources` answers for.
const RESOURCE_TYPES: &[&str] = &[RESOURCE, METHOD, INTEGRATION, METHOD_RESPONSE, INTEGRATION_RESPONSE];

const TYPES: &[TypeSpec] = &[
    // Not compared: `policy` (API Gateway answers it with its quotes backslash-escaped, and an
    // `aws_api_gateway_rest_api_policy` may hold it instead) and `body` (never read back).
    TypeSpec::new(
        REST_API,
        &APIS,
        &[
            "name",
            "description",
            "api_key_source",
            "binary_media_types",
            "disable_execute_api_endpoint",
            "endpoint_configuration",
            "minimum_compression_size",
            "tags",
        ],
    ),
    TypeSpec::new(RESOURCE, &APIS, &["rest_api_id", "parent_id", "path_part", "path"]).identified_by(own_key),
    TypeSpec::new(
        METHOD,
        &APIS,
        &[
            "rest_api_id",
            "resource_id",
            "http_method",
            "authorization",
            "authorizer_id",
            "authorization_scopes",
            "api_key_required",
            "request_models",
            "request_parameters",
            "request_validator_id",
            "operation_name",
        ],
    )
    .identified_by(method_key),
    // Not compared: `tls_config` (its one switch is written whatever was asked).
    TypeSpec::new(
        INTEGRATION,
        &APIS,
        &[
            "rest_api_id",
            "resource_id",
            "http_method",
            "type",
            "integration_http_method",
            "uri",
            "connection_type",
            "connection_id",
            "credentials",
            "passthrough_behavior",
            "content_handling",
            "timeout_milliseconds",
            "request_parameters",
            "request_templates",
            "cache_key_parameters",
            "cache_namespace",
        ],
    )
    .identified_by(method_key),
    TypeSpec::new(
        METHOD_RESPONSE,
        &APIS,
        &["rest_api_id", "resource_id", "http_method", "status_code", "response_models", "response_parameters"],
    )
    .identified_by(response_key),
    TypeSpec::new(
        INTEGRATION_RESPONSE,
        &APIS,
        &[
            "rest_api_id",
            "resource_id",
            "http_method",
            "status_code",
            "selection_pattern",
            "response_parameters",
            "response_templates",
            "content_handling",
        ],
    )
    .identified_by(response_key),
    TypeSpec::new(DEPLOYMENT, &APIS, &["rest_api_id", "description"]).identified_by(own_key),
    // Not compared: `web_acl_arn` (an `aws_wafv2_web_acl_association` sets it behind the
    // stage's back) and the canary settings.
    TypeSpec::new(
        STAGE,
        &APIS,
        &[
            "rest_api_id",
            "stage_name",
            "deployment_id",
            "description",
            "cache_cluster_enabled",
            "cache_cluster_size",
            "xray_tracing_enabled",
            "variables",
            "client_certificate_id",
            "documentation_version",
            "access_log_settings",
            "tags",
        ],
    )
    .identified_by(stage_key),
];

/// `API/ID` for a resource or deployment: its own id is in `id` on both sides.
fn own_key(id: &str, a: &Map<String, Value>) -> String {
    let own = a.get("id").and_then(Value::as_str).unwrap_or(id);
    joined(id, &[text_of(a, "rest_api_id"), own.to_owned()])
}

/// `API/RESOURCE/METHOD`, for a method and its integration.
fn method_key(id: &str, a: &Map<String, Value>) -> String {
    joined(id, &[text_of(a, "rest_api_id"), text_of(a, "resource_id"), text_of(a, "http_method")])
}

/// `API/RESOURCE/METHOD/STATUS`, for a method's or an integration's response.
fn response_key(id: &str, a: &Map<String, Value>) -> String {
    let status = match a.get("status_code") {
        Some(Value::Number(n)) => n.to_string(),
        _ => text_of(a, "status_code"),
    };
    joined(id, &[text_of(a, "rest_api_id"), text_of(a, "resource_id"), text_of(a, "http_method"), status])
}

/// `API/STAGE`.
fn stage_key(id: &str, a: &Map<String, Value>) -> String {
    joined(id, &[text_of(a, "rest_api_id"), text_of(a, "stage_name")])
}

/// The parts joined by `/`, or `id` as it was when a part is missing.
fn joined(id: &str, parts: &[String]) -> String {
    if parts.iter().any(String::is_empty) {
        return id.to_owned();
    }
    parts.join("/")
}

/// Where CloudTrail names what an API Gateway write changed: the API, and the part by the
/// fields its import id is made of.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateRestApi", &["resp.id=aws_api_gateway_rest_api"]),
    ("ImportRestApi", &["resp.id=aws_api_gateway_rest_api"]),
    ("PutRestApi", &["req.restApiId=aws_api_gateway_rest_api"]),
    ("UpdateRestApi", &["req.restApiId=aws_api_gateway_rest_api"]),
    ("DeleteRestApi", &["req.restApiId=aws_api_gateway_rest_api"]),
    ("CreateResource", &["{req.restApiId}/{resp.id}=aws_api_gateway_resource"]),
    ("UpdateResource", &["{req.restApiId}/{req.resourceId}=aws_api_gateway_resource"]),
    ("DeleteResource", &["{req.restApiId}/{req.resourceId}=aws_api_gateway_resource"]),
    ("PutMethod", &["{req.restApiId}/{req.resourceId}/{req.httpMethod}=aws_api_gateway_method"]),
    ("UpdateMethod", &["{req.restApiId}/{req.resourceId}/{req.httpMethod}=aws_api_gateway_method"]),
    ("DeleteMethod", &["{req.restApiId}/{req.resourceId}/{req.httpMethod}=aws_api_gateway_method"]),
    ("PutIntegration", &["{req.restApiId}/{req.resourceId}/{req.httpMethod}=aws_api_gateway_integration"]),
    ("UpdateIntegration", &["{req.restApiId}/{req.resourceId}/{req.httpMethod}=aws_api_gateway_integration"]),
    ("DeleteIntegration", &["{req.restApiId}/{req.resourceId}/{req.httpMethod}=aws_api_gateway_integration"]),
    (
        "PutMethodResponse",
        &["{req.restApiId}/{req.resourceId}/{req.httpMethod}/{req.statusCode}=aws_api_gateway_method_response"],
    ),
    (
        "UpdateMethodResponse",
        &["{req.restApiId}/{req.resourceId}/{req.httpMethod}/{req.statusCode}=aws_api_gateway_method_response"],
    ),
    (
        "DeleteMethodResponse",
        &["{req.restApiId}/{req.resourceId}/{req.httpMethod}/{req.statusCode}=aws_api_gateway_method_response"],
    ),
    (
        "PutIntegrationResponse",
        &["{req.restApiId}/{req.resourceId}/{req.httpMethod}/{req.statusCode}=aws_api_gateway_integration_response"],
    ),
    (
        "UpdateIntegrationResponse",
        &["{req.restApiId}/{req.resourceId}/{req.httpMethod}/{req.statusCode}=aws_api_gateway_integration_response"],
    ),
    (
        "DeleteIntegrationResponse",
        &["{req.restApiId}/{req.resourceId}/{req.httpMethod}/{req.statusCode}=aws_api_gateway_integration_response"],
    ),
    ("CreateDeployment", &["{req.restApiId}/{resp.id}=aws_api_gateway_deployment"]),
    ("UpdateDeployment", &["{req.restApiId}/{req.deploymentId}=aws_api_gateway_deployment"]),
    ("DeleteDeployment", &["{req.restApiId}/{req.deploymentId}=aws_api_gateway_deployment"]),
    ("CreateStage", &["{req.restApiId}/{req.stageName}=aws_api_gateway_stage"]),
    ("UpdateStage", &["{req.restApiId}/{req.stageName}=aws_api_gateway_stage"]),
    ("DeleteStage", &["{req.restApiId}/{req.stageName}=aws_api_gateway_stage"]),
];

/// The most items one page of `GetRestApis`, `GetResources` or `GetDeployments` holds.
const PAGE: i32 = 500;

/// Which parts of an API the states declare, and so are read.
#[derive(Debug, Default, Clone, Copy)]
struct Parts {
    resources: bool,
    deployments: bool,
    stages: bool,
}

/// Every REST API in the context's region, with the parts of those the states hold parts of.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation != APIS.operation {
        return Err(ListError(format!("no API Gateway list {}", family.operation)));
    }
    let conf =
        aws_sdk_apigateway::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let mut apis = Vec::new();
    let mut pages = client.get_rest_apis().limit(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        apis.extend(page?.items().iter().cloned());
    }
    let declared = |types: &[&str]| -> HashSet<String> {
        types.iter().flat_map(|t| wanted.get(*t).into_iter().flatten()).filter_map(|id| api_of(id)).collect()
    };
    let (resources, deployments, stages) = (declared(RESOURCE_TYPES), declared(&[DEPLOYMENT]), declared(&[STAGE]));
    let mut out: Vec<Resource> = apis.iter().map(map::rest_api).collect();
    let listed: BTreeSet<&str> = apis.iter().filter_map(|a| a.id()).collect();
    let read: Vec<(String, Parts)> = listed
        .iter()
        .map(|id| {
            let parts = Parts {
                resources: resources.contains(*id),
                deployments: deployments.contains(*id),
                stages: stages.contains(*id),
            };
            ((*id).to_owned(), parts)
        })
        .filter(|(_, p)| p.resources || p.deployments || p.stages)
        .collect();
    let client = &client;
    for parts in bounded(read, |(api, parts)| async move { read_parts(client, &api, parts).await }).await {
        out.extend(parts?);
    }
    Ok(out)
}

/// The API a part's import id names first (`API/...`); a bare id names none.
fn api_of(id: &str) -> Option<String> {
    id.split_once('/').map(|(api, _)| api.to_owned())
}

/// An API's declared kinds of parts. An API deleted since it was listed has none.
async fn read_parts(client: &Client, api: &str, parts: Parts) -> Result<Vec<Resource>, ListError> {
    let gone = |code: Option<&str>| code == Some("NotFoundException");
    let mut out = Vec::new();
    if parts.resources {
        let mut pages = client.get_resources().rest_api_id(api).embed("methods").limit(PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => out.extend(page.items().iter().flat_map(|r| map::resource(api, r))),
                Err(e) if gone(e.code()) => return Ok(Vec::new()),
                Err(e) => return Err(ListError::reading("GetResources")(e)),
            }
        }
    }
    if parts.deployments {
        let mut pages = client.get_deployments().rest_api_id(api).limit(PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => out.extend(page.items().iter().map(|d| map::deployment(api, d))),
                Err(e) if gone(e.code()) => return Ok(Vec::new()),
                Err(e) => return Err(ListError::reading("GetDeployments")(e)),
            }
        }
    }
    if parts.stages {
        match client.get_stages().rest_api_id(api).send().await {
            Ok(page) => out.extend(page.item().iter().map(|s| map::stage(api, s))),
            Err(e) if gone(e.code()) => return Ok(Vec::new()),
            Err(e) => return Err(ListError::reading("GetStages")(e)),
        }
    }
    Ok(out)
}
