//! Normalisation: an ordered list of small pure passes that make a declared resource and its live
//! counterpart comparable. Each pass is named for the false positive it removes.
//!
//! Both sides go through the same passes, so a pass never needs to know which side it is on.

use serde_json::Value;

use crate::catalog;
use crate::resource::Resource;

/// A normalisation pass.
type Pass = fn(&mut Resource);

/// The passes, in order. Order matters: `tags_all_is_what_aws_sees` must run before
/// `keep_compared` drops `tags_all`, and the rule passes before `empty_is_absent`.
const PASSES: &[(&str, Pass)] = &[
    ("made_up_ids", made_up_ids),
    ("tags_all_is_what_aws_sees", tags_all_is_what_aws_sees),
    ("keep_compared", keep_compared),
    ("aws_reserved_tags", aws_reserved_tags),
    ("policy_documents", policy_documents),
    ("security_group_rules", security_group_rules),
    ("standalone_rule_spelling", standalone_rule_spelling),
    ("route_and_acl_blocks", route_and_acl_blocks),
    ("iam_spelling", iam_spelling),
    ("s3_default_encryption", s3_default_encryption),
    ("s3_block_spelling", s3_block_spelling),
    ("unset_bucket_acl", unset_bucket_acl),
    ("alias_target_key_arn", alias_target_key_arn),
    ("container_blocks", container_blocks),
    ("ecs_names_or_arns", ecs_names_or_arns),
    ("ecs_container_definitions", ecs_container_definitions),
    ("unordered_sets", unordered_sets),
    ("empty_is_absent", empty_is_absent),
];

/// Runs every pass over a resource of a covered type; other types are left as they are.
pub fn normalise(mut r: Resource) -> Resource {
    normalise_in_place(&mut r);
    r
}

fn normalise_in_place(r: &mut Resource) {
    if catalog::is_covered(&r.rtype) {
        for (_, pass) in PASSES {
            pass(r);
        }
    }
}

/// [`normalise`] for both sides of the drift Terraform itself saw (a plan's `resource_drift`),
/// on any type: every pass but `keep_compared`. That pass keeps what the live inventory
/// reproduces faithfully; both of these sides come from the provider, so every attribute
/// Terraform saw change is still compared, only spelled as a scan spells it.
pub fn normalise_refreshed(r: &mut Resource) {
    for (name, pass) in PASSES {
        if *name != "keep_compared" {
            pass(r);
        }
    }
}

/// [`normalise`] over one side of a scan, shared between the machine's cores: each resource is
/// normalised on its own, and a large state's declared side took a fifth of its read on one.
/// Below a few thousand resources threads cost more than they save.
pub fn normalise_all(resources: &mut [Resource]) {
    const ON_ONE_CORE_BELOW: usize = 4096;
    /// Resources a thread takes at a time: threads that run slower take fewer pieces.
    const PIECE: usize = 1024;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    if cores < 2 || resources.len() < ON_ONE_CORE_BELOW {
        resources.iter_mut().for_each(normalise_in_place);
        return;
    }
    let pieces: Vec<std::sync::Mutex<&mut [Resource]>> =
        resources.chunks_mut(PIECE).map(std::sync::Mutex::new).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        while let Some(piece) = pieces.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            // Each piece is taken once, so its lock is never waited for.
            let mut piece = piece.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            piece.iter_mut().for_each(normalise_in_place);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..cores {
            // A machine that will not start a thread (a process limit) does the work on this one.
            if std::thread::Builder::new().spawn_scoped(s, work).is_err() {
                break;
            }
        }
        work();
    });
}

/// Some Terraform ids are made up (`role-20240101...` for a policy attachment) and cannot be
/// found in AWS: both sides are matched by the id their type makes from its attributes. Runs
/// first, while every attribute is still there.
fn made_up_ids(r: &mut Resource) {
    if let Some(identity) = catalog::spec(&r.rtype).and_then(|s| s.identity) {
        let id = identity(&r.id, &r.attributes);
        if !id.is_empty() {
            r.id = id;
        }
    }
}

/// Provider `default_tags` appear in `tags_all` and on the live resource but not in `tags`:
/// comparing `tags` would report every default tag as drift. `tags_all` is what AWS should have.
/// States written before `tags_all` existed (AWS provider < 3.38) only have `tags`.
fn tags_all_is_what_aws_sees(r: &mut Resource) {
    if let Some(all) = r.attributes.remove("tags_all") {
        if all.is_object() {
            r.attributes.insert("tags".into(), all);
        }
    }
}

/// Only the attributes the live inventory reproduces faithfully are compared.
fn keep_compared(r: &mut Resource) {
    let Some(spec) = catalog::spec(&r.rtype) else { return };
    r.attributes.retain(|k, _| spec.compared.contains(&k.as_str()));
}

/// A policy document's text differs between Terraform and AWS without meaning anything (see
/// [`crate::policy`]): each is compared as its canonical document.
fn policy_documents(r: &mut Resource) {
    let Some(spec) = catalog::spec(&r.rtype) else { return };
    for key in spec.documents {
        if let Some(v) = r.attributes.get_mut(*key) {
            *v = crate::policy::canonical(v).unwrap_or(Value::Null);
        }
    }
}

/// `aws:`-prefixed tags are set by AWS services (CloudFormation, Auto Scaling) and cannot be
/// managed by Terraform, which ignores them too.
fn aws_reserved_tags(r: &mut Resource) {
    if let Some(Value::Object(tags)) = r.attributes.get_mut("tags") {
        tags.retain(|k, _| !k.starts_with("aws:"));
    }
}

/// Rule order, how rules are grouped (one Terraform rule may hold several CIDRs, the API groups
/// them differently), protocol spelling (`tcp` and `6`, `all` and `-1`) and the all-traffic
/// rule's ports (0/0 in state, absent in the API) all differ without meaning anything. Each rule
/// becomes one canonical rule per source, sorted.
fn security_group_rules(r: &mut Resource) {
    if !matches!(r.rtype.as_str(), "aws_security_group" | "aws_default_security_group") {
        return;
    }
    let own_id = r.id.clone();
    for key in ["ingress", "egress"] {
        if let Some(Value::Array(rules)) = r.attributes.get(key) {
            let mut flat: Vec<Value> = rules.iter().flat_map(|rule| explode_rule(rule, &own_id)).collect();
            flat.sort_by_cached_key(|v| v.to_string());
            flat.dedup();
            r.attributes.insert(key.into(), Value::Array(flat));
        }
    }
}

/// One Terraform-shaped rule -> one canonical rule per source:
/// `{"protocol", "from_port", "to_port", "source", "description"}`.
pub fn explode_rule(rule: &Value, own_id: &str) -> Vec<Value> {
    let protocol = canonical_protocol(rule.get("protocol").map(value_text).unwrap_or_default().as_str());
    let port = |k: &str| if protocol == "-1" { 0 } else { rule.get(k).and_then(as_i64).unwrap_or(0) };
    let (from_port, to_port) = (port("from_port"), port("to_port"));
    let description = rule.get("description").and_then(Value::as_str).unwrap_or("").to_owned();
    let list = |k: &str| -> Vec<String> {
        rule.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let mut sources: Vec<String> = Vec::new();
    sources.extend(list("cidr_blocks"));
    sources.extend(list("ipv6_cidr_blocks"));
    sources.extend(list("prefix_list_ids"));
    for group in list("security_groups") {
        // Cross-account references are written `account/sg-id`.
        let id = group.rsplit('/').next().unwrap_or(&group).to_owned();
        sources.push(if id == own_id { "self".into() } else { id });
    }
    if rule.get("self").and_then(Value::as_bool) == Some(true) {
        sources.push("self".into());
    }
    sources
        .into_iter()
        .map(|source| {
            // Built at its size in one go: a security group's rules are most of what a scan
            // normalises, and `json!` grows each map by inserts.
            let fields: [(&str, Value); 5] = [
                ("protocol", protocol.as_str().into()),
                ("from_port", from_port.into()),
                ("to_port", to_port.into()),
                ("source", source.into()),
                ("description", description.as_str().into()),
            ];
            Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        })
        .collect()
}

/// A rule declared on its own spells the protocol and the ports as the user wrote them (`tcp`,
/// `6`; ports 0 or absent for all traffic); the API answers `tcp` and -1. Both become the
/// canonical spelling, and all-traffic rules lose their meaningless ports.
fn standalone_rule_spelling(r: &mut Resource) {
    let key = match r.rtype.as_str() {
        "aws_security_group_rule" => "protocol",
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => "ip_protocol",
        _ => return,
    };
    let protocol = canonical_protocol(r.attributes.get(key).map(value_text).unwrap_or_default().as_str());
    if protocol == "-1" {
        let ports = if key == "protocol" { Value::from(0) } else { Value::Null };
        r.attributes.insert("from_port".into(), ports.clone());
        r.attributes.insert("to_port".into(), ports);
    }
    r.attributes.insert(key.into(), Value::from(protocol));
    if let Some(Value::Bool(false)) = r.attributes.get("self") {
        r.attributes.insert("self".into(), Value::Null);
    }
}

/// Route and network ACL blocks: Terraform writes every field of a block, unset ones as `""`,
/// and keeps them in a set; the API leaves unset fields out and lists in its own order. Empty
/// fields are dropped, protocols and all-traffic ports spelled one way, and the blocks sorted.
fn route_and_acl_blocks(r: &mut Resource) {
    let keys: &[&str] = match r.rtype.as_str() {
        "aws_route_table" | "aws_default_route_table" => &["route"],
        "aws_network_acl" | "aws_default_network_acl" => &["ingress", "egress"],
        _ => return,
    };
    for key in keys {
        let Some(Value::Array(blocks)) = r.attributes.get_mut(*key) else { continue };
        for block in blocks.iter_mut() {
            let Value::Object(fields) = block else { continue };
            fields.retain(|_, v| !(v.is_null() || v.as_str() == Some("")));
            if let Some(p) = fields.get("protocol").map(value_text) {
                let p = canonical_protocol(&p);
                if p == "-1" {
                    fields.insert("from_port".into(), Value::from(0));
                    fields.insert("to_port".into(), Value::from(0));
                }
                fields.insert("protocol".into(), Value::from(p));
            }
            for k in ["rule_no", "from_port", "to_port", "icmp_type", "icmp_code"] {
                if let Some(n) = fields.get(k).and_then(as_i64) {
                    fields.insert(k.into(), Value::from(n));
                }
            }
            // Key order is part of the JSON text blocks are compared and sorted by.
            fields.sort_keys();
        }
        blocks.sort_by_cached_key(|v| v.to_string());
    }
}

/// Since 2023 S3 encrypts every bucket with SSE-S3 (AES256) unless told otherwise, and a bucket
/// read back says so: a provider-3 state that declares no encryption has `[]` there. The default
/// rule, on either side, counts as no rule.
fn s3_default_encryption(r: &mut Resource) {
    if r.rtype != "aws_s3_bucket" {
        return;
    }
    let Some(v) = r.attributes.get_mut("server_side_encryption_configuration") else { return };
    let rules = v.pointer("/0/rule").and_then(Value::as_array);
    let is_default = |rule: &Value| {
        let by_default = rule.pointer("/apply_server_side_encryption_by_default/0");
        by_default.and_then(|d| d.get("sse_algorithm")).and_then(Value::as_str) == Some("AES256")
            && by_default.and_then(|d| d.get("kms_master_key_id")).and_then(Value::as_str).unwrap_or("").is_empty()
            && rule.get("bucket_key_enabled").and_then(Value::as_bool) != Some(true)
    };
    if rules.is_some_and(|rules| rules.len() == 1 && is_default(&rules[0])) {
        *v = Value::Null;
    }
}

/// S3 configuration blocks (`rule`, `versioning_configuration`, `access_control_policy`, the
/// bucket's inline blocks): Terraform writes every field of a nested block, unset ones as `""`,
/// `[]` or `0`, and keeps sets in its own order; S3 leaves unset fields out. Empty fields are
/// dropped at every depth, a lifecycle rule's unset `days` (0) and delete marker (`false`) too,
/// `mfa_delete = "Disabled"` (what S3 says once versioning was ever set) is no MFA delete, grantee
/// display names (which S3 stopped returning) are dropped, and blocks are sorted.
fn s3_block_spelling(r: &mut Resource) {
    if !r.rtype.starts_with("aws_s3_") {
        return;
    }
    let lifecycle = r.rtype == "aws_s3_bucket_lifecycle_configuration";
    for v in r.attributes.values_mut().filter(|v| v.is_array()) {
        prune_block(v, lifecycle);
        if v.as_array().is_some_and(Vec::is_empty) {
            *v = Value::Null;
        }
    }
}

/// Whether a value is gone after pruning.
fn prune_block(v: &mut Value, lifecycle: bool) -> bool {
    match v {
        Value::Object(fields) => {
            fields.retain(|k, field| {
                let unset = match (k.as_str(), &*field) {
                    ("display_name", _) => true,
                    ("mfa_delete", Value::String(s)) => s == "Disabled",
                    (_, Value::Number(n)) => lifecycle && n.as_i64() == Some(0),
                    (_, Value::Bool(b)) => lifecycle && !b,
                    _ => false,
                };
                !unset && !prune_block(field, lifecycle)
            });
            fields.sort_keys();
            fields.is_empty()
        }
        Value::Array(items) => {
            items.retain_mut(|item| !prune_block(item, lifecycle));
            items.sort_by_cached_key(Value::to_string);
            items.is_empty()
        }
        Value::String(s) => s.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// Provider 4 and later leave a bucket's deprecated inline `acl` null unless it was set, and S3
/// keeps no canned ACL to compare it with: an unset `acl` is not evidence of anything.
fn unset_bucket_acl(r: &mut Resource) {
    if r.rtype == "aws_s3_bucket" && r.attributes.get("acl").is_some_and(Value::is_null) {
        r.attributes.remove("acl");
    }
}

/// An alias's `target_key_id` may be written as the key's ARN; KMS answers with the key id.
fn alias_target_key_arn(r: &mut Resource) {
    if r.rtype != "aws_kms_alias" {
        return;
    }
    if let Some(Value::String(target)) = r.attributes.get_mut("target_key_id") {
        if let Some((_, id)) = target.split_once(":key/").filter(|_| target.starts_with("arn:")) {
            *target = id.to_owned();
        }
    }
}

/// EKS and ECS blocks: Terraform keeps a one-element list holding every field of the block,
/// computed ones too (`vpc_config`'s `vpc_id` and cluster security group, a node group's
/// `desired_size`, which the cluster autoscaler moves); the live side has only what is compared.
/// Each block keeps its compared fields, sets sorted; an ECS cluster's `containerInsights =
/// disabled` (what ECS says of a cluster that sets nothing) is no setting; a service's
/// `desired_count` of 0 in state is the provider's default for a configuration that leaves the
/// count to autoscaling, so it is not compared.
fn container_blocks(r: &mut Resource) {
    let project = |v: &mut Value, keep: &[&str], sets: &[&str]| {
        let Some(Value::Object(block)) = v.as_array().and_then(|a| a.first()).cloned() else { return };
        let mut out = serde_json::Map::new();
        for k in keep {
            let mut field = block.get(*k).cloned().unwrap_or(Value::Null);
            if let (true, Value::Array(items)) = (sets.contains(k), &mut field) {
                items.sort_by_cached_key(|x| x.to_string());
            }
            out.insert((*k).to_owned(), field);
        }
        *v = Value::Array(vec![Value::Object(out)]);
    };
    let a = &mut r.attributes;
    match r.rtype.as_str() {
        "aws_eks_cluster" => {
            if let Some(v) = a.get_mut("vpc_config") {
                let keep = [
                    "subnet_ids",
                    "security_group_ids",
                    "endpoint_public_access",
                    "endpoint_private_access",
                    "public_access_cidrs",
                ];
                project(v, &keep, &["subnet_ids", "security_group_ids", "public_access_cidrs"]);
            }
        }
        "aws_eks_node_group" => {
            if let Some(v) = a.get_mut("scaling_config") {
                project(v, &["min_size", "max_size"], &[]);
            }
        }
        "aws_ecs_cluster" => {
            if let Some(Value::Array(settings)) = a.get_mut("setting") {
                settings.retain(|s| !(s["name"] == "containerInsights" && s["value"] == "disabled"));
                settings.sort_by_cached_key(|x| x.to_string());
            }
        }
        "aws_ecs_service" => {
            if let Some(v) = a.get_mut("network_configuration") {
                project(v, &["subnets", "security_groups", "assign_public_ip"], &["subnets", "security_groups"]);
            }
            if let Some(Value::Array(lbs)) = a.get_mut("load_balancer") {
                for lb in lbs.iter_mut() {
                    if let Value::Object(o) = lb {
                        o.retain(|_, v| !matches!(v, Value::Null) && v != "");
                    }
                }
                lbs.sort_by_cached_key(|x| x.to_string());
            }
            let unset = a.get("desired_count").is_none_or(|c| c.is_null() || c == 0);
            if r.declared.is_some() && unset {
                a.remove("desired_count");
            }
        }
        _ => {}
    }
}

/// An ECS service's `cluster` and `task_definition` are kept in state as the configuration
/// wrote them, a name (`apps`, `web:3`) or an ARN; the API answers with ARNs. Both become the
/// name; a task definition given by family alone names no revision and is not compared.
fn ecs_names_or_arns(r: &mut Resource) {
    if r.rtype != "aws_ecs_service" {
        return;
    }
    for (key, marker) in [("cluster", ":cluster/"), ("task_definition", ":task-definition/")] {
        let Some(Value::String(v)) = r.attributes.get_mut(key) else { continue };
        if let Some((_, name)) = v.split_once(marker) {
            *v = name.to_owned();
        }
    }
    let family_only = r.attributes.get("task_definition").and_then(Value::as_str).is_some_and(|t| !t.contains(':'));
    if r.declared.is_some() && family_only {
        r.attributes.remove("task_definition");
    }
}

/// A task definition's `container_definitions` is JSON text, and ECS fills in what the
/// configuration left out (`cpu: 0`, `essential: true`, a port mapping's `tcp` and its host port
/// under `awsvpc`) and lists environment variables in any order. Both sides become one
/// document: the fields the live side reads (name, image, cpu, memory, memoryReservation,
/// essential, command, entryPoint, portMappings, environment, secrets, logConfiguration),
/// defaults and empty values dropped, variables and containers sorted by name.
fn ecs_container_definitions(r: &mut Resource) {
    if r.rtype != "aws_ecs_task_definition" {
        return;
    }
    let Some(v) = r.attributes.get_mut("container_definitions") else { return };
    let parsed = match &*v {
        Value::String(s) => serde_json::from_str::<Value>(s).ok(),
        other => Some(other.clone()),
    };
    let Some(Value::Array(containers)) = parsed else { return };
    let mut out: Vec<Value> = containers.iter().map(canonical_container).collect();
    out.sort_by_cached_key(|c| c["name"].to_string());
    *v = Value::Array(out);
}

const CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "cpu",
    "memory",
    "memoryReservation",
    "essential",
    "command",
    "entryPoint",
    "portMappings",
    "environment",
    "secrets",
    "logConfiguration",
];

fn canonical_container(c: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in CONTAINER_FIELDS {
        let Some(mut v) = c.get(*key).cloned() else { continue };
        match *key {
            "cpu" if v == 0 => continue,
            "essential" if v == true => continue,
            "portMappings" => {
                for p in v.as_array_mut().into_iter().flatten() {
                    let Value::Object(m) = p else { continue };
                    if m.get("protocol").is_some_and(|x| x == "tcp") {
                        m.remove("protocol");
                    }
                    if m.get("hostPort").is_some_and(|h| h == 0 || Some(h) == m.get("containerPort")) {
                        m.remove("hostPort");
                    }
                }
            }
            "environment" | "secrets" => {
                if let Value::Array(items) = &mut v {
                    items.sort_by_cached_key(|x| x["name"].to_string());
                }
            }
            _ => {}
        }
        if !prune_block(&mut v, false) {
            out.insert((*key).to_owned(), sorted_keys(v));
        }
    }
    Value::Object(out)
}

/// Object keys in one order at every depth, so the document reads the same from either side.
fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

fn canonical_protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "-1" | "all" | "" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        other => other.into(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A role's `inline_policy` blocks are a set of documents, and the state of a role without
/// any holds one block with an empty name; an OpenID Connect provider's URL is returned
/// without the `https://` the configuration gives.
fn iam_spelling(r: &mut Resource) {
    if let Some(Value::Array(blocks)) = r.attributes.get_mut("inline_policy") {
        blocks.retain(|b| b.get("name").and_then(Value::as_str).is_some_and(|n| !n.is_empty()));
        for b in blocks.iter_mut() {
            if let Some(policy) = b.get_mut("policy") {
                *policy = crate::policy::canonical(policy).unwrap_or(Value::Null);
            }
        }
        blocks.sort_by_cached_key(|b| b.to_string());
    }
    if r.rtype == "aws_iam_openid_connect_provider" {
        if let Some(Value::String(url)) = r.attributes.get_mut("url") {
            *url = url.trim_start_matches("https://").trim_end_matches('/').to_owned();
        }
    }
}

/// Set-valued attributes come back from the API in any order.
fn unordered_sets(r: &mut Resource) {
    const SETS: &[&str] = &[
        "vpc_security_group_ids",
        "private_ips",
        "security_groups",
        "subnet_ids",
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "propagating_vgws",
        // IAM: attachments, exclusive sets, memberships, OIDC client ids and thumbprints.
        "managed_policy_arns",
        "policy_arns",
        "policy_names",
        "users",
        "groups",
        "client_id_list",
        "thumbprint_list",
        // EKS and ECS.
        "enabled_cluster_log_types",
        "requires_compatibilities",
    ];
    for key in SETS {
        if let Some(Value::Array(items)) = r.attributes.get_mut(*key) {
            items.sort_by_cached_key(|v| v.to_string());
            items.dedup();
        }
    }
}

/// Terraform writes `""`, `[]` or `{}` where the API simply leaves a field out.
fn empty_is_absent(r: &mut Resource) {
    for v in r.attributes.values_mut() {
        let empty = match v {
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if empty {
            *v = Value::Null;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::fixtures::bare as res;
    use serde_json::json;

    /// Each pass and the tests named for the false positive it removes.
    const PASS_TESTS: &[(&str, &[&str])] = &[
        (
            "tags_all_is_what_aws_sees",
            &["provider_default_tags_are_not_drift", "old_states_without_tags_all_keep_tags"],
        ),
        ("made_up_ids", &["made_up_terraform_ids_match_by_what_they_attach"]),
        ("keep_compared", &["attributes_aws_changes_by_itself_are_not_drift"]),
        ("policy_documents", &["policy_documents_compare_as_documents"]),
        ("aws_reserved_tags", &["tags_set_by_aws_services_are_not_drift"]),
        (
            "security_group_rules",
            &["all_traffic_egress_matches_api_shape", "rule_grouping_order_and_protocol_spelling_do_not_matter"],
        ),
        ("standalone_rule_spelling", &["standalone_rule_protocol_spelling_and_all_traffic_ports_are_not_drift"]),
        ("route_and_acl_blocks", &["route_and_acl_block_empty_fields_spelling_and_order_are_not_drift"]),
        ("iam_spelling", &["inline_policy_blocks_and_provider_urls_are_compared_as_aws_means_them"]),
        ("s3_default_encryption", &["default_bucket_encryption_is_not_drift"]),
        ("s3_block_spelling", &["s3_block_empty_fields_defaults_and_order_are_not_drift"]),
        ("unset_bucket_acl", &["an_unset_inline_bucket_acl_is_not_drift"]),
        ("alias_target_key_arn", &["an_alias_target_given_as_an_arn_is_not_drift"]),
        (
            "container_blocks",
            &[
                "eks_and_ecs_computed_block_fields_and_default_settings_are_not_drift",
                "an_unset_desired_count_is_not_compared",
            ],
        ),
        ("ecs_names_or_arns", &["an_ecs_service_naming_its_cluster_and_task_by_name_or_arn_is_not_drift"]),
        ("ecs_container_definitions", &["container_definitions_compare_as_one_document_without_ecs_defaults"]),
        ("unordered_sets", &["set_order_and_duplicates_are_not_drift"]),
        ("empty_is_absent", &["empty_values_equal_fields_the_api_leaves_out"]),
    ];

    #[test]
    fn every_pass_has_a_test_named_for_its_false_positive() {
        let source = include_str!("normalise.rs");
        for (name, _) in PASSES {
            let tests = PASS_TESTS.iter().find(|(p, _)| p == name).map(|(_, t)| *t);
            let tests = tests.unwrap_or_else(|| panic!("pass {name} has no test in PASS_TESTS"));
            for t in tests {
                assert!(source.contains(&format!("fn {t}()")), "{name}: no test fn {t}");
            }
        }
        assert_eq!(PASS_TESTS.len(), PASSES.len(), "PASS_TESTS names a pass that does not exist");
    }

    #[test]
    fn made_up_terraform_ids_match_by_what_they_attach() {
        let arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        let declared = normalise(res(
            "aws_iam_role_policy_attachment",
            "app-20240101120000000000000001",
            json!({"role": "app", "policy_arn": arn}),
        ));
        assert_eq!(declared.id, format!("app/{arn}"));
        let kept = normalise(res("aws_iam_role", "app", json!({"name": "app"})));
        assert_eq!(kept.id, "app");
    }

    #[test]
    fn policy_documents_compare_as_documents() {
        let state = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
        let aws = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Action%22%3A%5B%22sts%3AAssumeRole%22%5D%2C%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%5B%22ec2.amazonaws.com%22%5D%7D%7D%5D%7D";
        let declared = normalise(res("aws_iam_role", "app", json!({"assume_role_policy": state})));
        let live = normalise(res("aws_iam_role", "app", json!({"assume_role_policy": aws})));
        assert_eq!(declared.attributes, live.attributes);
        assert!(declared.attributes["assume_role_policy"].is_object());
    }

    #[test]
    fn inline_policy_blocks_and_provider_urls_are_compared_as_aws_means_them() {
        let doc = |action: &str| {
            format!("{{\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"{action}\",\"Resource\":\"*\"}}]}}")
        };
        let declared = normalise(res(
            "aws_iam_role",
            "app",
            json!({"inline_policy": [
            {"name": "b", "policy": doc("s3:GetObject")}, {"name": "a", "policy": doc("sqs:SendMessage")}]}),
        ));
        let live = normalise(res(
            "aws_iam_role",
            "app",
            json!({"inline_policy": [
            {"name": "a", "policy": doc("sqs:SendMessage")}, {"name": "b", "policy": doc("s3:GetObject")}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        let none = normalise(res("aws_iam_role", "app", json!({"inline_policy": [{"name": "", "policy": ""}]})));
        assert_eq!(none.attributes["inline_policy"], Value::Null);
        let url = |u: &str| normalise(res("aws_iam_openid_connect_provider", "arn", json!({"url": u}))).attributes;
        assert_eq!(url("https://token.actions.githubusercontent.com"), url("token.actions.githubusercontent.com"));
    }

    #[test]
    fn provider_default_tags_are_not_drift() {
        let declared =
            normalise(res("aws_vpc", "vpc-1", json!({"tags": {"Name": "a"}, "tags_all": {"Name": "a", "Team": "x"}})));
        let live = normalise(res("aws_vpc", "vpc-1", json!({"tags": {"Name": "a", "Team": "x"}})));
        assert_eq!(declared.attributes, live.attributes);
    }

    #[test]
    fn old_states_without_tags_all_keep_tags() {
        let declared = normalise(res("aws_vpc", "vpc-1", json!({"tags": {"Name": "a"}})));
        assert_eq!(declared.attributes["tags"], json!({"Name": "a"}));
        // A tags_all that is not a map (unknown) does not replace tags.
        let declared = normalise(res("aws_vpc", "vpc-1", json!({"tags": {"Name": "a"}, "tags_all": null})));
        assert_eq!(declared.attributes["tags"], json!({"Name": "a"}));
    }

    #[test]
    fn tags_set_by_aws_services_are_not_drift() {
        let declared = normalise(res("aws_vpc", "vpc-1", json!({"tags_all": {"Name": "a"}})));
        let live = normalise(res(
            "aws_vpc",
            "vpc-1",
            json!({"tags": {"Name": "a", "aws:cloudformation:stack-id": "s", "aws:autoscaling:groupName": "g"}}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        // A user tag that merely contains `aws:` is kept.
        let live = normalise(res("aws_vpc", "vpc-1", json!({"tags": {"team:aws:x": "y"}})));
        assert_eq!(live.attributes["tags"], json!({"team:aws:x": "y"}));
    }

    #[test]
    fn attributes_aws_changes_by_itself_are_not_drift() {
        let declared = normalise(res(
            "aws_instance",
            "i-1",
            json!({"instance_type": "t3.micro", "public_ip": "1.2.3.4", "public_dns": "a", "instance_state": "running",
                   "arn": "arn:aws:ec2:us-east-1:123456789012:instance/i-1", "owner_id": "123456789012"}),
        ));
        let live = normalise(res(
            "aws_instance",
            "i-1",
            json!({"instance_type": "t3.micro", "public_ip": "5.6.7.8", "public_dns": "b", "instance_state": "stopped"}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        assert_eq!(Value::Object(declared.attributes), json!({"instance_type": "t3.micro"}));
    }

    #[test]
    fn standalone_rule_protocol_spelling_and_all_traffic_ports_are_not_drift() {
        let declared = normalise(res(
            "aws_security_group_rule",
            "sgrule-1",
            json!({"type": "egress", "protocol": "all", "from_port": 0, "to_port": 65535, "self": false}),
        ));
        let live = normalise(res(
            "aws_security_group_rule",
            "sgrule-1",
            json!({"type": "egress", "protocol": "-1", "from_port": -1, "to_port": -1, "self": null}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        let declared =
            normalise(res("aws_security_group_rule", "sgrule-2", json!({"protocol": "6", "from_port": 443})));
        assert_eq!(declared.attributes["protocol"], "tcp");
        assert_eq!(declared.attributes["from_port"], 443, "ports of a real protocol are kept");

        let declared = normalise(res(
            "aws_vpc_security_group_egress_rule",
            "sgr-1",
            json!({"ip_protocol": "-1", "from_port": null}),
        ));
        let live = normalise(res(
            "aws_vpc_security_group_egress_rule",
            "sgr-1",
            json!({"ip_protocol": "-1", "from_port": -1, "to_port": -1}),
        ));
        assert_eq!(declared.attributes, live.attributes);
    }

    #[test]
    fn route_and_acl_block_empty_fields_spelling_and_order_are_not_drift() {
        let declared = normalise(res(
            "aws_route_table",
            "rtb-1",
            json!({"route": [
                {"cidr_block": "10.9.0.0/16", "gateway_id": "", "nat_gateway_id": "nat-1", "ipv6_cidr_block": ""},
                {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1", "nat_gateway_id": "", "ipv6_cidr_block": ""}]}),
        ));
        let live = normalise(res(
            "aws_route_table",
            "rtb-1",
            json!({"route": [{"gateway_id": "igw-1", "cidr_block": "0.0.0.0/0"},
                             {"nat_gateway_id": "nat-1", "cidr_block": "10.9.0.0/16"}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);

        let declared = normalise(res(
            "aws_network_acl",
            "acl-1",
            json!({"ingress": [
                {"rule_no": 200, "protocol": "all", "action": "allow", "cidr_block": "10.0.0.0/8", "from_port": 0,
                 "to_port": 0, "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""},
                {"rule_no": 100, "protocol": "6", "action": "allow", "cidr_block": "0.0.0.0/0", "from_port": 22,
                 "to_port": 22, "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""}]}),
        ));
        let live = normalise(res(
            "aws_network_acl",
            "acl-1",
            json!({"ingress": [
                {"rule_no": "100", "protocol": "tcp", "action": "allow", "cidr_block": "0.0.0.0/0", "from_port": "22",
                 "to_port": 22, "icmp_code": 0, "icmp_type": 0},
                {"rule_no": 200, "protocol": "-1", "action": "allow", "cidr_block": "10.0.0.0/8",
                 "icmp_code": 0, "icmp_type": 0}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
    }

    #[test]
    fn default_bucket_encryption_is_not_drift() {
        let aes = |key: &str| {
            json!([{"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": key, "sse_algorithm": "AES256"}],
                               "bucket_key_enabled": false}]}])
        };
        let declared = normalise(res("aws_s3_bucket", "b", json!({"server_side_encryption_configuration": []})));
        let live = normalise(res("aws_s3_bucket", "b", json!({"server_side_encryption_configuration": aes("")})));
        assert_eq!(declared.attributes, live.attributes);
        let kms = json!([{"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": "k", "sse_algorithm": "aws:kms"}]}]}]);
        let changed = normalise(res("aws_s3_bucket", "b", json!({"server_side_encryption_configuration": kms})));
        assert_ne!(changed.attributes, live.attributes, "a KMS key instead of the default is a change");
    }

    #[test]
    fn s3_block_empty_fields_defaults_and_order_are_not_drift() {
        let declared = normalise(res(
            "aws_s3_bucket_lifecycle_configuration",
            "b",
            json!({"rule": [
                {"id": "b", "status": "Enabled", "prefix": "", "filter": [{"prefix": "", "and": [], "tag": []}],
                 "expiration": [{"date": "", "days": 30, "expired_object_delete_marker": false}], "transition": []},
                {"id": "a", "status": "Enabled", "prefix": "", "filter": [{"prefix": "logs/"}], "expiration": [],
                 "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}]}]}),
        ));
        let live = normalise(res(
            "aws_s3_bucket_lifecycle_configuration",
            "b",
            json!({"rule": [
                {"status": "Enabled", "id": "a", "filter": [{"prefix": "logs/"}],
                 "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}]},
                {"id": "b", "status": "Enabled", "filter": [{"prefix": null}], "expiration": [{"days": 30, "date": null}]}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);

        let declared = normalise(res(
            "aws_s3_bucket_versioning",
            "b",
            json!({"versioning_configuration": [{"status": "Enabled", "mfa_delete": ""}]}),
        ));
        let live = normalise(res(
            "aws_s3_bucket_versioning",
            "b",
            json!({"versioning_configuration": [{"status": "Enabled", "mfa_delete": "Disabled"}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        let suspended = normalise(res(
            "aws_s3_bucket_versioning",
            "b",
            json!({"versioning_configuration": [{"status": "Suspended"}]}),
        ));
        assert_ne!(declared.attributes, suspended.attributes);

        let declared = normalise(res(
            "aws_s3_bucket_acl",
            "b,private",
            json!({"access_control_policy": [{"grant": [{"grantee": [{"display_name": "me", "email_address": "", "id": "o1",
                   "type": "CanonicalUser", "uri": ""}], "permission": "FULL_CONTROL"}], "owner": [{"display_name": "me", "id": "o1"}]}]}),
        ));
        let live = normalise(res(
            "aws_s3_bucket_acl",
            "b,private",
            json!({"access_control_policy": [{"owner": [{"id": "o1"}], "grant": [{"permission": "FULL_CONTROL",
                   "grantee": [{"type": "CanonicalUser", "id": "o1", "uri": null, "email_address": null}]}]}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
    }

    #[test]
    fn an_unset_inline_bucket_acl_is_not_drift() {
        let declared = normalise(res("aws_s3_bucket", "b", json!({"acl": null, "bucket": "b"})));
        let live = normalise(res("aws_s3_bucket", "b", json!({"acl": "private", "bucket": "b"})));
        assert!(!declared.attributes.contains_key("acl"));
        assert_eq!(live.attributes["acl"], "private", "a live ACL is kept for provider-3 states that set one");
    }

    #[test]
    fn an_alias_target_given_as_an_arn_is_not_drift() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let declared = normalise(res("aws_kms_alias", "alias/app", json!({"target_key_id": arn})));
        let live = normalise(res(
            "aws_kms_alias",
            "alias/app",
            json!({"target_key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
        ));
        assert_eq!(declared.attributes, live.attributes);
    }

    fn declared(rtype: &str, id: &str, a: Value) -> Resource {
        let mut r = res(rtype, id, a);
        r.declared = Some(crate::resource::Declaration {
            address: format!("{rtype}.x"),
            provider: "aws".into(),
            deposed: None,
            state: "s".into(),
            sensitive: Default::default(),
        });
        r
    }

    #[test]
    fn eks_and_ecs_computed_block_fields_and_default_settings_are_not_drift() {
        // A provider 5.x state's `vpc_config` holds computed fields the live side leaves out.
        let state = normalise(res(
            "aws_eks_cluster",
            "prod",
            json!({"vpc_config": [{"cluster_security_group_id": "sg-eks", "vpc_id": "vpc-1",
                "subnet_ids": ["subnet-b", "subnet-a"], "security_group_ids": [], "endpoint_public_access": true,
                "endpoint_private_access": false, "public_access_cidrs": ["0.0.0.0/0"]}]}),
        ));
        let api = normalise(res(
            "aws_eks_cluster",
            "prod",
            json!({"vpc_config": [{"subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": [],
                "endpoint_public_access": true, "endpoint_private_access": false, "public_access_cidrs": ["0.0.0.0/0"]}]}),
        ));
        assert_eq!(state.attributes, api.attributes);
        let widened = normalise(res(
            "aws_eks_cluster",
            "prod",
            json!({"vpc_config": [{"subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": [],
                "endpoint_public_access": true, "endpoint_private_access": false, "public_access_cidrs": ["0.0.0.0/0", "10.0.0.0/8"]}]}),
        ));
        assert_ne!(state.attributes, widened.attributes);
        let ng = |a: Value| normalise(res("aws_eks_node_group", "prod:w", a)).attributes;
        assert_eq!(
            ng(json!({"scaling_config": [{"desired_size": 2, "min_size": 1, "max_size": 3}]})),
            ng(json!({"scaling_config": [{"desired_size": 3, "min_size": 1, "max_size": 3}]})),
            "the autoscaler moves desired_size"
        );
        assert_ne!(
            ng(json!({"scaling_config": [{"min_size": 1, "max_size": 3}]})),
            ng(json!({"scaling_config": [{"min_size": 1, "max_size": 6}]}))
        );
        let cluster = |a: Value| normalise(res("aws_ecs_cluster", "arn", a)).attributes;
        assert_eq!(
            cluster(json!({"setting": []})),
            cluster(json!({"setting": [{"name": "containerInsights", "value": "disabled"}]}))
        );
        assert_ne!(
            cluster(json!({"setting": []})),
            cluster(json!({"setting": [{"name": "containerInsights", "value": "enabled"}]}))
        );
        let svc = |a: Value| normalise(res("aws_ecs_service", "arn", a)).attributes;
        assert_eq!(
            svc(
                json!({"network_configuration": [{"subnets": ["b", "a"], "security_groups": ["sg"], "assign_public_ip": false}],
                "load_balancer": [{"target_group_arn": "tg", "elb_name": "", "container_name": "web", "container_port": 80}]})
            ),
            svc(
                json!({"network_configuration": [{"subnets": ["a", "b"], "security_groups": ["sg"], "assign_public_ip": false}],
                "load_balancer": [{"target_group_arn": "tg", "elb_name": null, "container_name": "web", "container_port": 80}]})
            )
        );
    }

    #[test]
    fn an_unset_desired_count_is_not_compared() {
        let state = normalise(declared("aws_ecs_service", "arn", json!({"desired_count": 0})));
        assert!(!state.attributes.contains_key("desired_count"), "left to autoscaling");
        let set = normalise(declared("aws_ecs_service", "arn", json!({"desired_count": 2})));
        assert_eq!(set.attributes["desired_count"], 2);
        let live = normalise(res("aws_ecs_service", "arn", json!({"desired_count": 0})));
        assert_eq!(live.attributes["desired_count"], 0, "the live side keeps what it has");
    }

    #[test]
    fn an_ecs_service_naming_its_cluster_and_task_by_name_or_arn_is_not_drift() {
        let state =
            normalise(declared("aws_ecs_service", "arn", json!({"cluster": "apps", "task_definition": "web:3"})));
        let api = normalise(res(
            "aws_ecs_service",
            "arn",
            json!({"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/apps",
                "task_definition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"}),
        ));
        assert_eq!(state.attributes, api.attributes);
        let family = normalise(declared("aws_ecs_service", "arn", json!({"task_definition": "web"})));
        assert!(!family.attributes.contains_key("task_definition"), "a family alone names no revision");
    }

    #[test]
    fn container_definitions_compare_as_one_document_without_ecs_defaults() {
        let td = |c: Value| {
            normalise(res("aws_ecs_task_definition", "web", json!({"container_definitions": c.to_string()})))
        };
        let state = td(json!([{"name": "web", "image": "nginx:1.25", "essential": true, "cpu": 0, "mountPoints": [],
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
            "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}]));
        let api = td(json!([{"image": "nginx:1.25", "name": "web",
            "portMappings": [{"containerPort": 80}], "environment": [{"value": "1", "name": "A"}, {"value": "2", "name": "B"}]}]));
        assert_eq!(state.attributes, api.attributes);
        let moved = td(json!([{"name": "web", "image": "nginx:1.26", "portMappings": [{"containerPort": 80}],
            "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]));
        assert_ne!(state.attributes, moved.attributes);
    }

    #[test]
    fn set_order_and_duplicates_are_not_drift() {
        let declared = normalise(res(
            "aws_network_interface",
            "eni-1",
            json!({"security_groups": ["sg-b", "sg-a"], "private_ips": ["10.0.0.5", "10.0.0.4"]}),
        ));
        let live = normalise(res(
            "aws_network_interface",
            "eni-1",
            json!({"security_groups": ["sg-a", "sg-b", "sg-a"], "private_ips": ["10.0.0.4", "10.0.0.5"]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        let other = normalise(res("aws_network_interface", "eni-1", json!({"security_groups": ["sg-a"]})));
        assert_ne!(declared.attributes["security_groups"], other.attributes["security_groups"]);
    }

    #[test]
    fn empty_values_equal_fields_the_api_leaves_out() {
        let declared = normalise(res(
            "aws_instance",
            "i-1",
            json!({"key_name": "", "vpc_security_group_ids": [], "tags": {}, "iam_instance_profile": ""}),
        ));
        let live = normalise(res(
            "aws_instance",
            "i-1",
            json!({"key_name": null, "vpc_security_group_ids": null, "tags": null, "iam_instance_profile": null}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        // `false` and 0 are values, not emptiness.
        let r = normalise(res("aws_instance", "i-1", json!({"monitoring": false})));
        assert_eq!(r.attributes["monitoring"], false);
    }

    #[test]
    fn all_traffic_egress_matches_api_shape() {
        let declared = normalise(res(
            "aws_security_group",
            "sg-1",
            json!({"egress": [
            {"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [], "prefix_list_ids": [],
             "protocol": "-1", "security_groups": [], "self": false, "to_port": 0}]}),
        ));
        let live = normalise(res(
            "aws_security_group",
            "sg-1",
            json!({"egress": [
            {"cidr_blocks": ["0.0.0.0/0"], "protocol": "-1", "from_port": null, "to_port": null}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
    }

    #[test]
    fn rule_grouping_order_and_protocol_spelling_do_not_matter() {
        let declared = normalise(res(
            "aws_security_group",
            "sg-1",
            json!({"ingress": [
            {"cidr_blocks": ["10.0.0.0/8", "192.168.0.0/16"], "from_port": 22, "to_port": 22, "protocol": "tcp", "self": true, "security_groups": ["sg-9"]}]}),
        ));
        let live = normalise(res(
            "aws_security_group",
            "sg-1",
            json!({"ingress": [
            {"security_groups": ["123456789012/sg-9"], "from_port": 22, "to_port": 22, "protocol": "6"},
            {"security_groups": ["sg-1"], "from_port": 22, "to_port": 22, "protocol": "6"},
            {"cidr_blocks": ["192.168.0.0/16"], "from_port": 22, "to_port": 22, "protocol": "tcp"},
            {"cidr_blocks": ["10.0.0.0/8"], "from_port": 22, "to_port": 22, "protocol": "tcp"}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        assert_eq!(declared.attributes["ingress"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn a_new_rule_is_still_seen() {
        let declared = normalise(res("aws_security_group", "sg-1", json!({"ingress": []})));
        let live = normalise(res(
            "aws_security_group",
            "sg-1",
            json!({"ingress": [
            {"cidr_blocks": ["0.0.0.0/0"], "from_port": 3389, "to_port": 3389, "protocol": "tcp"}]}),
        ));
        assert_ne!(declared.attributes, live.attributes);
    }

    #[test]
    fn uncompared_attributes_and_empty_values_are_dropped() {
        let r = normalise(res(
            "aws_instance",
            "i-1",
            json!({"public_ip": "1.2.3.4", "instance_state": "running",
            "key_name": "", "vpc_security_group_ids": ["sg-b", "sg-a"], "arn": "x"}),
        ));
        assert_eq!(Value::Object(r.attributes), json!({"key_name": null, "vpc_security_group_ids": ["sg-a", "sg-b"]}));
    }

    #[test]
    fn a_side_shared_between_threads_is_normalised_as_on_one() {
        let side: Vec<Resource> = (0..10_000)
            .map(|i| {
                let rtype = ["aws_vpc", "aws_security_group", "random_pet"][i % 3];
                res(
                    rtype,
                    &format!("r-{i}"),
                    json!({"tags": {"Name": format!("n{i}")}, "tags_all": {"Name": format!("n{i}"), "Team": "x"},
                           "ingress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}]}),
                )
            })
            .collect();
        let one: Vec<Resource> = side.iter().cloned().map(normalise).collect();
        let mut shared = side.clone();
        normalise_all(&mut shared);
        assert_eq!(shared, one);
        assert_ne!(shared, side, "normalising changed nothing: the test tests nothing");
    }
}
