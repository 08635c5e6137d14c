#!/usr/bin/env python3
"""Sample API Gateway estate for the behaviour tests.

`create` makes a REST API in the AWS API that AWS_ENDPOINT_URL points at (the local moto
server) and writes `edge/terraform.tfstate` as `terraform apply` with the AWS provider 5.x
writes it (ids `agm-API-RESOURCE-METHOD` and the like, `tags_all` with the provider's default
tags, the values it reads back). `drift NAME...` then changes the live estate out of band.

The estate, as the Terraform configuration would declare it:

    aws_api_gateway_rest_api.orders        regional, described, tags
    aws_api_gateway_resource.orders        /orders
    aws_api_gateway_method.get             GET /orders, no authorisation
    aws_api_gateway_integration.get        AWS_PROXY to a Lambda function
    aws_api_gateway_method.options         OPTIONS /orders (CORS)
    aws_api_gateway_integration.options    MOCK
    aws_api_gateway_method_response.options       200, the CORS headers
    aws_api_gateway_integration_response.options  200, the CORS header values
    aws_api_gateway_deployment.orders
    aws_api_gateway_stage.prod             variables, tags
"""
import json
import os
import sys
import uuid

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from estate import service_cli  # noqa: E402

ACCOUNT = "123456789012"
EAST = "us-east-1"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
DEFAULT_TAGS = {"ManagedBy": "terraform"}
LAMBDA = (f"arn:aws:apigateway:{EAST}:lambda:path/2015-03-31/functions/"
          f"arn:aws:lambda:{EAST}:{ACCOUNT}:function:orders/invocations")
ORIGIN = "method.response.header.Access-Control-Allow-Origin"


def apigw():
    return boto3.client("apigateway", region_name=EAST)


def resource(rtype, name, attrs, deps=()):
    return {"mode": "managed", "type": rtype, "name": name, "provider": AWS, "instances": [{
        "schema_version": 0, "attributes": attrs, "sensitive_attributes": [], "private": "bnVsbA==",
        "dependencies": list(deps)}]}


def method_state(api, res, verb):
    return {"api_key_required": False, "authorization": "NONE", "authorization_scopes": None, "authorizer_id": None,
            "http_method": verb, "id": f"agm-{api}-{res}-{verb}", "operation_name": None, "request_models": None,
            "request_parameters": None, "request_validator_id": None, "resource_id": res, "rest_api_id": api}


def integration_state(api, res, verb, kind, uri="", integration_method="", templates=None):
    return {"cache_key_parameters": [], "cache_namespace": res, "connection_id": "", "connection_type": "INTERNET",
            "content_handling": "", "credentials": "", "http_method": verb, "id": f"agi-{api}-{res}-{verb}",
            "integration_http_method": integration_method, "passthrough_behavior": "WHEN_NO_MATCH",
            "request_parameters": {}, "request_templates": templates or {}, "resource_id": res, "rest_api_id": api,
            "timeout_milliseconds": 29000, "tls_config": [], "type": kind, "uri": uri}


def create(out):
    gw = apigw()
    suffix = uuid.uuid4().hex[:8]
    tags = {**DEFAULT_TAGS, "Name": "orders"}
    api = gw.create_rest_api(name=f"orders-{suffix}", description="orders API",
                             endpointConfiguration={"types": ["REGIONAL"]}, tags=tags)
    api_id, root = api["id"], api["rootResourceId"]
    res = gw.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    gw.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE")
    gw.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                       integrationHttpMethod="POST", uri=LAMBDA, connectionType="INTERNET",
                       timeoutInMillis=29000, cacheNamespace=res, passthroughBehavior="WHEN_NO_MATCH")
    gw.put_method(restApiId=api_id, resourceId=res, httpMethod="OPTIONS", authorizationType="NONE")
    mock = {"application/json": '{"statusCode": 200}'}
    gw.put_integration(restApiId=api_id, resourceId=res, httpMethod="OPTIONS", type="MOCK", requestTemplates=mock,
                       connectionType="INTERNET", timeoutInMillis=29000, cacheNamespace=res,
                       passthroughBehavior="WHEN_NO_MATCH")
    gw.put_method_response(restApiId=api_id, resourceId=res, httpMethod="OPTIONS", statusCode="200",
                           responseParameters={ORIGIN: True})
    gw.put_integration_response(restApiId=api_id, resourceId=res, httpMethod="OPTIONS", statusCode="200",
                                responseParameters={ORIGIN: "'*'"})
    dep = gw.create_deployment(restApiId=api_id, description="orders")["id"]
    gw.create_stage(restApiId=api_id, stageName="prod", deploymentId=dep, variables={"backend": "orders"},
                    tags={**DEFAULT_TAGS, "Name": "prod"})
    on_api = ["aws_api_gateway_rest_api.orders"]
    resources = [
        resource("aws_api_gateway_rest_api", "orders", {
            "api_key_source": "HEADER", "arn": f"arn:aws:apigateway:{EAST}::/restapis/{api_id}",
            "binary_media_types": [], "body": None, "created_date": "2026-12-02T00:00:00Z",
            "description": "orders API", "disable_execute_api_endpoint": False,
            "endpoint_configuration": [{"types": ["REGIONAL"], "vpc_endpoint_ids": []}],
            "execution_arn": f"arn:aws:execute-api:{EAST}:{ACCOUNT}:{api_id}", "fail_on_warnings": None,
            "id": api_id, "minimum_compression_size": "", "name": f"orders-{suffix}", "parameters": None,
            "policy": "", "put_rest_api_mode": None, "root_resource_id": root, "tags": {"Name": "orders"},
            "tags_all": tags}),
        resource("aws_api_gateway_resource", "orders", {
            "id": res, "parent_id": root, "path": "/orders", "path_part": "orders", "rest_api_id": api_id}, on_api),
        resource("aws_api_gateway_method", "get", method_state(api_id, res, "GET"), on_api),
        resource("aws_api_gateway_integration", "get",
                 integration_state(api_id, res, "GET", "AWS_PROXY", LAMBDA, "POST"), on_api),
        resource("aws_api_gateway_method", "options", method_state(api_id, res, "OPTIONS"), on_api),
        resource("aws_api_gateway_integration", "options",
                 integration_state(api_id, res, "OPTIONS", "MOCK", templates=mock), on_api),
        resource("aws_api_gateway_method_response", "options", {
            "http_method": "OPTIONS", "id": f"agmr-{api_id}-{res}-OPTIONS-200", "resource_id": res,
            "response_models": None, "response_parameters": {ORIGIN: True}, "rest_api_id": api_id,
            "status_code": "200"}, on_api),
        resource("aws_api_gateway_integration_response", "options", {
            "content_handling": "", "http_method": "OPTIONS", "id": f"agir-{api_id}-{res}-OPTIONS-200",
            "resource_id": res, "response_parameters": {ORIGIN: "'*'"}, "response_templates": None,
            "rest_api_id": api_id, "selection_pattern": "", "status_code": "200"}, on_api),
        resource("aws_api_gateway_deployment", "orders", {
            "created_date": "2026-12-02T00:00:00Z", "description": "orders", "id": dep,
            "rest_api_id": api_id, "triggers": None, "variables": None}, on_api),
        resource("aws_api_gateway_stage", "prod", {
            "access_log_settings": [], "arn": f"arn:aws:apigateway:{EAST}::/restapis/{api_id}/stages/prod",
            "cache_cluster_enabled": False, "cache_cluster_size": "", "canary_settings": [],
            "client_certificate_id": "", "deployment_id": dep, "description": "", "documentation_version": "",
            "id": f"ags-{api_id}-prod", "rest_api_id": api_id, "stage_name": "prod", "tags": {"Name": "prod"},
            "tags_all": {**DEFAULT_TAGS, "Name": "prod"}, "variables": {"backend": "orders"},
            "web_acl_arn": "", "xray_tracing_enabled": False}, ["aws_api_gateway_deployment.orders"]),
    ]
    ids = {"api": api_id, "resource": res, "deployment": dep, "suffix": suffix}
    folder = os.path.join(out, "edge")
    os.makedirs(folder, exist_ok=True)
    state = {"version": 4, "terraform_version": "1.9.8", "serial": 3, "lineage": str(uuid.uuid4()), "outputs": {},
             "resources": resources, "check_results": None}
    with open(os.path.join(folder, "terraform.tfstate"), "w") as f:
        json.dump(state, f, indent=2)
    with open(os.path.join(folder, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def drift(out, names):
    with open(os.path.join(out, "edge", "estate.json")) as f:
        ids = json.load(f)
    gw, api, res = apigw(), ids["api"], ids["resource"]
    made = {}
    for name in names:
        if name == "api-redescribed":
            gw.update_rest_api(restApiId=api, patchOperations=[
                {"op": "replace", "path": "/description", "value": "edited in the console"}])
        elif name == "stage-variable-changed":
            gw.update_stage(restApiId=api, stageName="prod", patchOperations=[
                {"op": "replace", "path": "/variables/backend", "value": "orders-canary"}])
        elif name == "cors-opened-wider":  # the integration response answers another origin
            gw.put_integration_response(restApiId=api, resourceId=res, httpMethod="OPTIONS", statusCode="200",
                                        responseParameters={ORIGIN: "'https://example.com'"})
        elif name == "delete-stage":
            gw.delete_stage(restApiId=api, stageName="prod")
        elif name == "delete-method-response":
            gw.delete_method_response(restApiId=api, resourceId=res, httpMethod="OPTIONS", statusCode="200")
        elif name == "unmanaged-api":
            made["api"] = gw.create_rest_api(name=f"by-hand-{uuid.uuid4().hex[:8]}")["id"]
        elif name == "unmanaged-method":  # a POST added in the console
            gw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
            made["method"] = f"{api}/{res}/POST"
        else:
            sys.exit(f"estate_edge.py: unknown drift {name!r}")
    print(json.dumps(made))


if __name__ == "__main__":
    service_cli("estate_edge.py", __doc__, create, drift)
