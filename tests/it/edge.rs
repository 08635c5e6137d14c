//! API Gateway REST APIs against the emulator: an API written into its state as the AWS
//! provider 5.x writes it (`tools/estate_edge.py`) scans clean, each out-of-band change is
//! reported once with its attribute, a deleted part is deleted and one nobody declares is
//! unmanaged with its `import` block.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::service_estate::{change, changes, ServiceEstate};

#[test]
fn the_first_scan_of_the_api_gateway_estate_has_no_changes() {
    let e = ServiceEstate::create("edge");
    let report = e.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["unscanned"], 0, "{report:#}");
    // The API, its resource, 2 methods and 2 integrations, a method and an integration
    // response, a deployment and a stage.
    assert_eq!(summary["managed"], 10, "{summary:#}");
    assert_eq!(summary["not_compared"], 0, "{summary:#}");
    let calls = &summary["api_calls"];
    for (op, n) in [("GetRestApis", 1), ("GetResources", 1), ("GetDeployments", 1), ("GetStages", 1)] {
        assert_eq!(calls[op], n, "{op}: {calls:#}");
    }
    // An API nobody declares parts of is listed, not read: the calls do not grow.
    e.drift(&["unmanaged-api"]);
    let calls = &e.scan()["summary"]["api_calls"];
    for (op, n) in [("GetResources", 1), ("GetDeployments", 1), ("GetStages", 1)] {
        assert_eq!(calls[op], n, "{op}: {calls:#}");
    }
}

#[test]
fn each_out_of_band_api_gateway_change_is_reported_once_with_its_attribute() {
    let e = ServiceEstate::create("edge");
    e.drift(&["api-redescribed", "stage-variable-changed", "cors-opened-wider"]);
    let report = e.scan();
    let (api, res) = (e.id("api"), e.id("resource"));
    let want: BTreeSet<_> = [
        change("drifted", "aws_api_gateway_rest_api", &api, "description"),
        change("drifted", "aws_api_gateway_stage", &format!("{api}/prod"), "variables"),
        change(
            "drifted",
            "aws_api_gateway_integration_response",
            &format!("{api}/{res}/OPTIONS/200"),
            "response_parameters",
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
    let by = |rtype: &str| report["changes"].as_array().unwrap().iter().find(|c| c["type"] == rtype).cloned().unwrap();
    let stage = by("aws_api_gateway_stage");
    assert_eq!(stage["declared"]["backend"], "orders", "{stage:#}");
    assert_eq!(stage["actual"]["backend"], "orders-canary", "{stage:#}");
    let cors = by("aws_api_gateway_integration_response");
    assert_eq!(cors["actual"]["method.response.header.Access-Control-Allow-Origin"], "'https://example.com'");
}

#[test]
fn deleted_api_gateway_parts_are_deleted_and_undeclared_ones_unmanaged_with_their_import() {
    let e = ServiceEstate::create("edge");
    e.drift(&["delete-stage", "delete-method-response"]);
    let made = e.drift(&["unmanaged-api", "unmanaged-method"]);
    let report = e.scan();
    let (api, res) = (e.id("api"), e.id("resource"));
    let made = |k: &str| made[k].as_str().unwrap().to_owned();
    let want: BTreeSet<_> = [
        change("deleted", "aws_api_gateway_stage", &format!("{api}/prod"), ""),
        change("deleted", "aws_api_gateway_method_response", &format!("{api}/{res}/OPTIONS/200"), ""),
        change("unmanaged", "aws_api_gateway_rest_api", &made("api"), ""),
        // A method added by hand to a declared API; the new API's root resource is AWS's.
        change("unmanaged", "aws_api_gateway_method", &made("method"), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
    for c in report["changes"].as_array().unwrap().iter().filter(|c| c["kind"] == "unmanaged") {
        let import = c["import"].as_str().unwrap_or_default();
        let id = c["id"].as_str().unwrap();
        assert!(import.contains(&format!("to = {}.", c["type"].as_str().unwrap())), "{c:#}");
        assert!(import.contains(&format!("id = {}", Value::from(id))), "imported by its id: {c:#}");
    }
}
