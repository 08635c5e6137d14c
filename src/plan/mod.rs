//! Terraform plans as `terraform show -json PLANFILE` writes them, format versions 0.1 (Terraform
//! 0.12) to 1.x, read into what `check` needs: the planned changes, the drift Terraform saw while
//! refreshing, and the prior state as declared [`Resource`]s a live scan can compare.
//!
//! Sensitive values are replaced when the plan is read: printed ones become `"(sensitive)"`
//! ([`attrs`]), compared ones a digest ([`crate::terraform::sensitive`]). The serde types stay in
//! [`raw`].

pub mod attrs;
mod error;
mod raw;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

pub use attrs::AttrChange;
pub use error::PlanError;

use crate::resource::{Declaration, Resource};
use crate::terraform::region::region_of;
use crate::terraform::sensitive;
use crate::terraform::sources::strip_instance_keys;
use raw::{RawChange, RawConfigModule, RawConfiguration, RawModule, RawPlan};

/// A plan, read.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where it came from: the path as given, or `stdin`.
    pub input: String,
    pub format_version: String,
    pub terraform_version: Option<String>,
    /// Managed resource changes, every action (no-op and read included), in plan order.
    pub changes: Vec<ResourceChange>,
    /// Managed `resource_drift` entries that changed something (or were deleted) outside Terraform.
    pub drift: Vec<ResourceChange>,
    /// Managed resources of `prior_state`, as declared resources.
    pub prior: Vec<Resource>,
    /// Terraform 1.2+ (`relevant_attributes`): per resource address, the top-level attributes
    /// whose drift matters to this plan. `None` when the plan does not say.
    pub relevant: Option<BTreeMap<String, BTreeSet<String>>>,
}

/// What Terraform will do to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    /// Delete and create, in either order (`create_before_destroy` creates first).
    Replace,
    Delete,
    Read,
    NoOp,
    /// Terraform 1.7+ `removed` blocks: out of the state, left alone in AWS.
    Forget,
}

impl Action {
    fn parse(actions: &[String]) -> Option<Action> {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
        Some(match a.as_slice() {
            ["create"] => Action::Create,
            ["update"] => Action::Update,
            ["delete", "create"] | ["create", "delete"] => Action::Replace,
            ["delete"] => Action::Delete,
            ["read"] => Action::Read,
            ["no-op"] | [] => Action::NoOp,
            ["forget"] => Action::Forget,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Read => "read",
            Action::NoOp => "no-op",
            Action::Forget => "forget",
        }
    }

    /// Whether the action changes infrastructure or state: what `check` reports as planned.
    pub fn is_planned(self) -> bool {
        !matches!(self, Action::NoOp | Action::Read)
    }
}

/// One entry of `resource_changes` or `resource_drift`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    /// Full address, `module.net.aws_subnet.private[0]`.
    pub address: String,
    pub rtype: String,
    /// Provider short name, `aws`.
    pub provider: String,
    pub deposed: Option<String>,
    pub action: Action,
    /// Why Terraform chose the action (format 1.0+), e.g. `replace_because_cannot_update`.
    pub action_reason: Option<String>,
    /// The provider's id, when the resource exists (`before.id`).
    pub id: Option<String>,
    /// From its ARN, `region` or zone, else its provider's configured region.
    pub region: Option<String>,
    /// From its ARN.
    pub account: Option<String>,
    /// Touched attributes, by name.
    pub attributes: Vec<AttrChange>,
}

/// Reads a plan from a path, or from stdin when `path` is `-`.
pub fn read(path: &str) -> Result<Plan, PlanError> {
    let mut bytes = Vec::new();
    let input = if path == "-" { "stdin".to_owned() } else { path.to_owned() };
    if path == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|source| PlanError::Io { input: input.clone(), source })?;
    } else {
        if Path::new(path).is_dir() {
            return Err(PlanError::Directory { input });
        }
        bytes = std::fs::read(path).map_err(|source| PlanError::Io { input: input.clone(), source })?;
    }
    parse(&input, &bytes)
}

/// Parses the bytes of a plan; `input` names it in results and errors.
pub fn parse(input: &str, bytes: &[u8]) -> Result<Plan, PlanError> {
    let input_s = || input.to_owned();
    // `terraform show -json > plan.json` in Windows PowerShell 5 writes UTF-16 with a BOM.
    let text = crate::text::decode(bytes).map_err(|offset| PlanError::NotUtf8 { input: input_s(), offset })?;
    if text.trim().is_empty() {
        return Err(PlanError::Empty { input: input_s() });
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| json_error(input, &e))?;
    check_kind(input, &value)?;
    let raw: RawPlan =
        serde_json::from_value(value).map_err(|e| PlanError::NotPlan { input: input_s(), why: e.to_string() })?;

    let regions = ProviderRegions::new(raw.configuration.as_ref(), &raw.variables);
    let convert = |c: RawChange| -> Result<Option<ResourceChange>, PlanError> {
        if c.mode != "managed" {
            return Ok(None);
        }
        let address = c.address().map_err(|why| PlanError::NotPlan { input: input_s(), why })?;
        let action = Action::parse(&c.change.actions).ok_or_else(|| PlanError::NotPlan {
            input: input_s(),
            why: format!("{address}: unknown actions {:?}", c.change.actions),
        })?;
        Ok(Some(change(c, address, action, &regions)))
    };
    let mut changes = Vec::new();
    for c in raw.resource_changes {
        changes.extend(convert(c)?);
    }
    let mut drift = Vec::new();
    for c in raw.resource_drift.unwrap_or_default() {
        drift.extend(convert(c)?.filter(|d| d.action == Action::Delete || !d.attributes.is_empty()));
    }
    let relevant = raw.relevant_attributes.map(|list| {
        let mut by_address: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in list {
            // A path's first step is the top-level attribute, the level drift is reported at.
            let name = r.attribute.first().and_then(Value::as_str);
            by_address.entry(r.resource).or_default().extend(name.map(str::to_owned));
        }
        by_address
    });
    let mut prior = Vec::new();
    if let Some(root) = raw.prior_state.and_then(|s| s.values).and_then(|v| v.root_module) {
        collect_prior(input, &root, &mut prior);
    }
    Ok(Plan {
        input: input_s(),
        format_version: raw.format_version,
        terraform_version: raw.terraform_version,
        changes,
        drift,
        prior,
        relevant,
    })
}

fn change(c: RawChange, address: String, action: Action, regions: &ProviderRegions) -> ResourceChange {
    let body = &c.change;
    let sides = attrs::Sides {
        before: &body.before,
        after: &body.after,
        after_unknown: &body.after_unknown,
        before_sensitive: &body.before_sensitive,
        after_sensitive: &body.after_sensitive,
        replace_paths: &body.replace_paths,
    };
    let attributes = attrs::changed(&sides, action == Action::Create, action == Action::Delete);
    let empty = Map::new();
    let known = body.before.as_object().or(body.after.as_object()).unwrap_or(&empty);
    let probe = Resource {
        rtype: c.rtype.clone(),
        id: String::new(),
        region: None,
        attributes: known.clone(),
        declared: None,
        live: None,
    };
    let id = known.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    ResourceChange {
        region: region_of(known).or_else(|| regions.of(&address)),
        account: probe.account(),
        id,
        address,
        rtype: c.rtype,
        provider: short_provider(&c.provider_name),
        deposed: c.deposed,
        action,
        action_reason: c.action_reason,
        attributes,
    }
}

/// Walks `prior_state` modules, keeping managed resources.
fn collect_prior(input: &str, module: &RawModule, out: &mut Vec<Resource>) {
    for r in module.resources.iter().filter(|r| r.mode == "managed") {
        let mut attributes = r.values.clone();
        let names = attrs::marked(&r.sensitive_values, &attributes);
        // Digests, as for a state: a sensitive value can still be compared, never shown.
        for name in &names {
            if let Some(v) = attributes.get_mut(name) {
                *v = Value::String(sensitive::digest(v));
            }
        }
        let declaration = Declaration {
            address: r.address.clone(),
            provider: short_provider(&r.provider_name),
            deposed: r.deposed_key.clone(),
            state: input.to_owned(),
            sensitive: names,
        };
        out.push(crate::terraform::declared(&r.rtype, attributes, declaration));
    }
    for child in &module.child_modules {
        collect_prior(input, child, out);
    }
}

/// `registry.terraform.io/hashicorp/aws` -> `aws`; format 0.1 already writes `aws`.
fn short_provider(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_owned()
}

/// Each configured resource's provider region, from `configuration`: a constant, or a root
/// variable the plan records (`region = var.aws_region`).
#[derive(Debug, Default)]
struct ProviderRegions {
    by_address: BTreeMap<String, String>,
}

impl ProviderRegions {
    fn new(config: Option<&RawConfiguration>, variables: &Map<String, Value>) -> Self {
        let mut me = ProviderRegions::default();
        let Some(config) = config else { return me };
        let region_of_key = |key: &str| -> Option<String> {
            // Inside modules the key is `module_name:aws` (or `module.x:aws`): the provider a
            // module inherits is the root's of the same name.
            let entry = config
                .provider_config
                .get(key)
                .or_else(|| key.rsplit_once(':').and_then(|(_, name)| config.provider_config.get(name)))?;
            let region = entry.get("expressions")?.get("region")?;
            if let Some(v) = region.get("constant_value").and_then(Value::as_str) {
                return Some(v.to_owned());
            }
            let var = region
                .get("references")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .find_map(|r| r.strip_prefix("var."))?;
            variables.get(var)?.get("value")?.as_str().map(str::to_owned)
        };
        fn walk(
            m: &RawConfigModule,
            prefix: &str,
            f: &dyn Fn(&str) -> Option<String>,
            out: &mut BTreeMap<String, String>,
        ) {
            for r in &m.resources {
                if let Some(region) = f(&r.provider_config_key) {
                    out.insert(format!("{prefix}{}", r.address), region);
                }
            }
            for (name, call) in &m.module_calls {
                let Some(child) =
                    call.get("module").and_then(|c| serde_json::from_value::<RawConfigModule>(c.clone()).ok())
                else {
                    continue;
                };
                walk(&child, &format!("{prefix}module.{name}."), f, out);
            }
        }
        if let Some(root) = &config.root_module {
            walk(root, "", &region_of_key, &mut me.by_address);
        }
        me
    }

    fn of(&self, address: &str) -> Option<String> {
        self.by_address.get(&strip_instance_keys(address)).cloned()
    }
}

fn json_error(input: &str, e: &serde_json::Error) -> PlanError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        Category::Eof => PlanError::Truncated { input: input.into(), line, column },
        _ => {
            let msg = e.to_string();
            let message = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            PlanError::NotJson { input: input.into(), line, column, message }
        }
    }
}

/// Tells plans from the other JSON a user might pass by mistake, and refuses a major format
/// version this driftscan does not know (as Terraform's format promise asks of readers).
fn check_kind(input: &str, v: &Value) -> Result<(), PlanError> {
    let not_plan = |why: &str| PlanError::NotPlan { input: input.into(), why: why.into() };
    let obj = v.as_object().ok_or_else(|| not_plan("the top level is not a JSON object"))?;
    let Some(version) = obj.get("format_version") else {
        return Err(if obj.contains_key("version") && obj.contains_key("resources") {
            not_plan("it is a Terraform state file; pass it to `driftscan scan --state`")
        } else if obj.contains_key("Records") {
            not_plan("it looks like a CloudTrail log")
        } else {
            not_plan("no \"format_version\" field; pass the output of `terraform show -json PLANFILE`")
        });
    };
    let version =
        version.as_str().ok_or_else(|| not_plan(&format!("\"format_version\" is {version}, not a string")))?;
    if !obj.contains_key("planned_values") && !obj.contains_key("resource_changes") {
        return Err(if obj.contains_key("values") {
            not_plan("it is a state from `terraform show -json`, not a plan; run `terraform show -json PLANFILE`")
        } else {
            not_plan("no \"resource_changes\" or \"planned_values\"")
        });
    }
    let major = version.split('.').next().and_then(|m| m.parse::<u64>().ok());
    match major {
        Some(0 | 1) => Ok(()),
        Some(_) => Err(PlanError::NewVersion { input: input.into(), found: version.into() }),
        None => Err(not_plan(&format!("\"format_version\" is {version:?}, not a version number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str) -> String {
        parse("plan.json", text.as_bytes()).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn what_is_not_a_plan_says_what_it_is() {
        assert!(msg("").contains("plan.json: empty input"));
        assert!(msg(r#"{"version": 4, "resources": []}"#).contains("it is a Terraform state file"));
        assert!(msg(r#"{"format_version": "1.0", "values": {}}"#).contains("it is a state from `terraform show -json`"));
        assert!(msg("resource \"aws_vpc\" \"x\" {}").starts_with("plan.json: not JSON at line 1, column 1"));
        assert!(msg(r#"{"format_version": "1.2", "resource_changes": ["#).contains("truncated JSON"));
        assert!(msg(r#"{"format_version": "2.0", "resource_changes": []}"#).contains("format version 2.0 is newer"));
        assert!(msg("tfplan\u{0}\u{1}PK").contains("not JSON"));
        let bad = parse("p", b"\x50\x4b\x03\x04\xff").err().unwrap().to_string();
        assert!(bad.contains("not valid UTF-8"), "{bad}");
        assert!(msg(r#"{"format_version": "1.2", "resource_changes": [{"address": "a.b"}]}"#).contains("missing field"));
    }

    #[test]
    fn every_action_shape() {
        let parse = |a: &[&str]| Action::parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(parse(&["delete", "create"]), Some(Action::Replace));
        assert_eq!(parse(&["create", "delete"]), Some(Action::Replace));
        assert_eq!(parse(&["no-op"]), Some(Action::NoOp));
        assert_eq!(parse(&["explode"]), None);
    }
}
