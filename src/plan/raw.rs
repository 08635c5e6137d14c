//! The serde shape of `terraform show -json PLANFILE`, every format version (0.1 from Terraform
//! 0.12, 0.2 from 0.15.4 and 1.0.x, 1.0 onwards from 1.1). Later versions only add fields, so one
//! set of types with defaults reads them all; fields driftscan does not use are not declared.

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Deserialize)]
pub struct RawPlan {
    pub format_version: String,
    pub terraform_version: Option<String>,
    /// Root module variables (`{"name": {"value": ...}}`), for a provider region set from one.
    #[serde(default)]
    pub variables: Map<String, Value>,
    #[serde(default)]
    pub resource_changes: Vec<RawChange>,
    /// Added in format 0.2 (Terraform 0.15.4); absent before, and absent when nothing drifted.
    pub resource_drift: Option<Vec<RawChange>>,
    pub prior_state: Option<RawState>,
    pub configuration: Option<RawConfiguration>,
}

/// One entry of `resource_changes` or `resource_drift`.
#[derive(Debug, Deserialize)]
pub struct RawChange {
    /// Full address; `module_address`, `name` and `index` only repeat parts of it.
    pub address: String,
    #[serde(default = "managed")]
    pub mode: String,
    #[serde(rename = "type")]
    pub rtype: String,
    /// Set when the change is to a deposed object (left behind by `create_before_destroy`).
    pub deposed: Option<String>,
    #[serde(default)]
    pub provider_name: String,
    pub change: RawChangeBody,
    /// Format 1.0+: why Terraform chose the action (`replace_because_cannot_update`, ...).
    pub action_reason: Option<String>,
}

fn managed() -> String {
    "managed".into()
}

#[derive(Debug, Deserialize)]
pub struct RawChangeBody {
    pub actions: Vec<String>,
    #[serde(default)]
    pub before: Value,
    #[serde(default)]
    pub after: Value,
    /// Mirrors `after`, with `true` where the value is known only after apply.
    #[serde(default)]
    pub after_unknown: Value,
    /// Format 0.2+ (0.1 has neither): mirrors `before` / `after`, `true` where sensitive.
    #[serde(default)]
    pub before_sensitive: Value,
    #[serde(default)]
    pub after_sensitive: Value,
    /// Format 1.1+: attribute paths that force the replacement.
    #[serde(default)]
    pub replace_paths: Vec<Value>,
}

/// `prior_state`: the state as Terraform saw it when planning (refreshed, unless the plan was
/// made with `-refresh=false`), in the `show -json` values representation.
#[derive(Debug, Deserialize)]
pub struct RawState {
    pub values: Option<RawValues>,
}

#[derive(Debug, Deserialize)]
pub struct RawValues {
    pub root_module: Option<RawModule>,
}

#[derive(Debug, Deserialize)]
pub struct RawModule {
    #[serde(default)]
    pub resources: Vec<RawStateResource>,
    #[serde(default)]
    pub child_modules: Vec<RawModule>,
}

#[derive(Debug, Deserialize)]
pub struct RawStateResource {
    pub address: String,
    #[serde(default = "managed")]
    pub mode: String,
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(default)]
    pub provider_name: String,
    #[serde(default)]
    pub values: Map<String, Value>,
    /// Format 0.2+: mirrors `values`, `true` where sensitive.
    #[serde(default)]
    pub sensitive_values: Value,
    pub deposed_key: Option<String>,
}

/// `configuration`: the providers' settings and which provider each resource uses, read for the
/// region of resources whose values do not tell it (a create has no ARN yet).
#[derive(Debug, Deserialize)]
pub struct RawConfiguration {
    #[serde(default)]
    pub provider_config: Map<String, Value>,
    pub root_module: Option<RawConfigModule>,
}

#[derive(Debug, Deserialize)]
pub struct RawConfigModule {
    #[serde(default)]
    pub resources: Vec<RawConfigResource>,
    #[serde(default)]
    pub module_calls: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawConfigResource {
    pub address: String,
    #[serde(default)]
    pub provider_config_key: String,
}
