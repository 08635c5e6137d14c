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
    /// Terraform 1.2+: the drifted attribute paths that matter to this plan.
    pub relevant_attributes: Option<Vec<RawRelevant>>,
    pub configuration: Option<RawConfiguration>,
}

/// One entry of `relevant_attributes`: a resource address and an attribute path, whose steps are
/// attribute names and, inside them, list indexes or map keys.
#[derive(Debug, Deserialize)]
pub struct RawRelevant {
    pub resource: String,
    #[serde(default)]
    pub attribute: Vec<Value>,
}

/// One entry of `resource_changes` or `resource_drift`.
#[derive(Debug, Deserialize)]
pub struct RawChange {
    /// Full address. Terraform 1.0.x leaves it out of `resource_drift` entries, which then hold
    /// only its parts: see [`RawChange::address`].
    address: Option<String>,
    module_address: Option<String>,
    name: Option<String>,
    index: Option<Value>,
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

impl RawChange {
    /// The full address, as given or built from its parts as Terraform writes addresses:
    /// `module.a.module.b.` + `data.` for a data source + `type.name` + `[0]` or `["key"]`.
    pub fn address(&self) -> Result<String, String> {
        if let Some(a) = &self.address {
            return Ok(a.clone());
        }
        let name = self.name.as_deref().ok_or("an entry has neither \"address\" nor \"name\"")?;
        let mut out = String::new();
        if let Some(m) = self.module_address.as_deref().filter(|m| !m.is_empty()) {
            out.push_str(m);
            out.push('.');
        }
        if self.mode == "data" {
            out.push_str("data.");
        }
        out.push_str(&format!("{}.{name}", self.rtype));
        match &self.index {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => out.push_str(&format!("[{n}]")),
            Some(Value::String(s)) => out.push_str(&format!("[{}]", Value::String(s.clone()))),
            Some(other) => return Err(format!("{out}: index {other} is neither a number nor a string")),
        }
        Ok(out)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn address(entry: Value) -> Result<String, String> {
        let mut entry = entry;
        entry["change"] = serde_json::json!({"actions": ["update"]});
        serde_json::from_value::<RawChange>(entry).unwrap().address()
    }

    #[test]
    fn an_address_terraform_1_0_leaves_out_is_built_from_its_parts() {
        use serde_json::json;
        let given = json!({"address": "module.a.aws_vpc.x", "type": "aws_vpc", "name": "y"});
        assert_eq!(address(given).unwrap(), "module.a.aws_vpc.x", "an address given is kept as it is");
        assert_eq!(address(json!({"mode": "managed", "type": "aws_vpc", "name": "main"})).unwrap(), "aws_vpc.main");
        let counted = json!({"type": "aws_instance", "name": "web", "index": 0, "module_address": "module.app"});
        assert_eq!(address(counted).unwrap(), "module.app.aws_instance.web[0]");
        let keyed = json!({"type": "aws_subnet", "name": "p", "index": "eu \"a\"", "module_address": "module.n[\"x\"].module.m"});
        assert_eq!(address(keyed).unwrap(), r#"module.n["x"].module.m.aws_subnet.p["eu \"a\""]"#);
        let data = json!({"mode": "data", "type": "aws_ami", "name": "al2023", "module_address": "module.app"});
        assert_eq!(address(data).unwrap(), "module.app.data.aws_ami.al2023");
        assert!(address(json!({"type": "aws_vpc"})).unwrap_err().contains("neither \"address\" nor \"name\""));
        assert!(address(json!({"type": "aws_vpc", "name": "x", "index": [1]})).unwrap_err().contains("index [1]"));
    }
}
