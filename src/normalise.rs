//! Normalisation: an ordered list of small pure passes that make a declared resource and its live
//! counterpart comparable. Each pass is named for the false positive it removes.
//!
//! Both sides go through the same passes, so a pass never needs to know which side it is on.

use serde_json::Value;

use crate::catalog;
use crate::resource::Resource;

mod containers;
mod elb;
use containers::{container_blocks, ecs_container_definitions, ecs_names_or_arns};
use elb::elb_blocks;

/// A normalisation pass.
type Pass = fn(&mut Resource);

/// The passes, in order. Order matters: `tags_all_is_what_aws_sees` must run before
/// `keep_compared` drops `tags_all`, and the rule passes before `empty_is_absent`.
const PASSES: &[(&str, Pass)] = &[
    ("made_up_ids", made_up_ids),
    ("rds_engine_version", rds_engine_version),
    ("tags_all_is_what_aws_sees", tags_all_is_what_aws_sees),
    ("keep_compared", keep_compared),
    ("aws_reserved_tags", aws_reserved_tags),
    ("policy_documents", policy_documents),
    ("security_group_rules", security_group_rules),
    ("standalone_rule_spelling", standalone_rule_spelling),
    ("route_and_acl_blocks", route_and_acl_blocks),
    ("acl_rule_spelling", acl_rule_spelling),
    ("iam_spelling", iam_spelling),
    ("s3_default_encryption", s3_default_encryption),
    ("s3_block_spelling", s3_block_spelling),
    ("unset_bucket_acl", unset_bucket_acl),
    ("alias_target_key_arn", alias_target_key_arn),
    ("container_blocks", container_blocks),
    ("ecs_names_or_arns", ecs_names_or_arns),
    ("ecs_container_definitions", ecs_container_definitions),
    ("lambda_spelling", lambda_spelling),
    ("lb_actions", lb_actions),
    ("elb_blocks", elb_blocks),
    ("dynamodb_blocks", dynamodb_blocks),
    ("route53_names", route53_names),
    ("api_gateway_spelling", api_gateway_spelling),
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

/// An `aws_network_acl_rule` names its protocol as the user wrote it (`tcp`, `6`, `all`) and its
/// action in any case; the provider records the protocol's number. AWS keeps ports for TCP and
/// UDP only and ICMP fields for ICMP only, while a state keeps whatever was written (0 for unset).
/// A rule has one of its two CIDR blocks; the state writes the other as "".
fn acl_rule_spelling(r: &mut Resource) {
    if r.rtype != "aws_network_acl_rule" {
        return;
    }
    let a = &mut r.attributes;
    for k in ["cidr_block", "ipv6_cidr_block"] {
        if a.get(k).is_some_and(|v| v.is_null() || v.as_str() == Some("")) {
            a.remove(k);
        }
    }
    let protocol =
        crate::aws::ec2::network_acls::protocol_number(&a.get("protocol").map(value_text).unwrap_or_default());
    if !matches!(protocol.as_str(), "6" | "17") {
        a.remove("from_port");
        a.remove("to_port");
    }
    if !matches!(protocol.as_str(), "1" | "58") {
        a.remove("icmp_type");
        a.remove("icmp_code");
    }
    a.insert("protocol".into(), Value::from(protocol));
    if let Some(action) = a.get("rule_action").and_then(Value::as_str).map(str::to_ascii_lowercase) {
        a.insert("rule_action".into(), Value::from(action));
    }
    for k in ["rule_number", "from_port", "to_port", "icmp_type", "icmp_code"] {
        if let Some(n) = a.get(k).and_then(as_i64) {
            a.insert(k.into(), Value::from(n));
        }
    }
    if let Some(Value::String(egress)) = a.get("egress") {
        let egress = egress == "true";
        a.insert("egress".into(), Value::Bool(egress));
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

/// RDS moves a database to a newer minor version by itself when `auto_minor_version_upgrade` is
/// on, and the provider keeps the version configured (`8.0`) beside the one running
/// (`engine_version_actual`). The running version is compared; with automatic minor upgrades
/// (and always for an Aurora cluster, whose instances take them) only its major version. Runs
/// before `keep_compared` drops `engine_version_actual`.
fn rds_engine_version(r: &mut Resource) {
    if !matches!(r.rtype.as_str(), "aws_db_instance" | "aws_rds_cluster") {
        return;
    }
    let a = &mut r.attributes;
    // Kept by the state read only for this pass: the running version is compared as
    // `engine_version`, never twice.
    if let Some(Value::String(actual)) = a.remove("engine_version_actual").filter(|v| v != "") {
        a.insert("engine_version".into(), Value::from(actual));
    }
    let auto = r.rtype == "aws_rds_cluster" || a.get("auto_minor_version_upgrade") == Some(&Value::Bool(true));
    let engine = a.get("engine").and_then(Value::as_str).unwrap_or_default().to_owned();
    if let Some(Value::String(version)) = a.get_mut("engine_version").filter(|_| auto) {
        *version = crate::aws::rds::major_version(&engine, version);
    }
}

/// A function's `vpc_config` block in state carries the VPC and the dual-stack switch beside
/// its subnets and groups (sets, in any order), and one without a VPC holds empty lists: only
/// the subnets and groups are compared, sorted. A permission or alias names its function as
/// the configuration did, by name or ARN: the name is compared.
fn lambda_spelling(r: &mut Resource) {
    if matches!(r.rtype.as_str(), "aws_lambda_permission" | "aws_lambda_alias") {
        if let Some(Value::String(f)) = r.attributes.get_mut("function_name") {
            *f = crate::aws::lambda::function_of(f).to_owned();
        }
        return;
    }
    if r.rtype != "aws_lambda_function" {
        return;
    }
    let Some(Value::Array(blocks)) = r.attributes.get_mut("vpc_config") else { return };
    for block in blocks.iter_mut() {
        let mut kept = serde_json::Map::new();
        for key in ["security_group_ids", "subnet_ids"] {
            let mut items = block.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
            items.sort_by_cached_key(|v| v.to_string());
            kept.insert(key.into(), Value::Array(items));
        }
        *block = Value::Object(kept);
    }
    blocks.retain(|b| b["subnet_ids"].as_array().is_some_and(|s| !s.is_empty()));
}

/// A listener's or rule's action blocks in state hold every kind of action's fields, mostly
/// empty, and the order they run in; what they do is their type and target group, in that
/// order (one forwarded to a single group through a `forward` block names it there). A target
/// attachment that leaves its port to the group has `port: null` in state: no port to compare.
fn lb_actions(r: &mut Resource) {
    let key = match r.rtype.as_str() {
        "aws_lb_listener" => "default_action",
        "aws_lb_listener_rule" => "action",
        "aws_lb_target_group_attachment" => {
            if r.attributes.get("port") == Some(&Value::Null) {
                r.attributes.remove("port");
            }
            return;
        }
        _ => return,
    };
    let Some(Value::Array(blocks)) = r.attributes.get_mut(key) else { return };
    // Already in the live shape: nothing else to read.
    if blocks.iter().all(|b| b.as_object().is_some_and(|o| o.len() == 2 && o.contains_key("type"))) {
        return;
    }
    blocks.sort_by_key(|b| b.get("order").and_then(Value::as_i64).unwrap_or(i64::MAX));
    for b in blocks.iter_mut() {
        let mut group = b.get("target_group_arn").and_then(Value::as_str).unwrap_or_default().to_owned();
        if group.is_empty() {
            let groups = b.pointer("/forward/0/target_group").and_then(Value::as_array).cloned().unwrap_or_default();
            if let [one] = groups.as_slice() {
                group = one.get("arn").and_then(Value::as_str).unwrap_or_default().to_owned();
            }
        }
        let kind = b.get("type").cloned().unwrap_or(Value::Null);
        *b = serde_json::json!({"type": kind, "target_group_arn": group});
    }
}

/// A DynamoDB table's `attribute` blocks are a set; its recovery and encryption blocks say
/// "off" in several ways (no block, a block with `enabled = false`), and provider 5.x adds a
/// `recovery_period_in_days` the table's recovery description only sometimes gives.
fn dynamodb_blocks(r: &mut Resource) {
    if r.rtype != "aws_dynamodb_table" {
        return;
    }
    if let Some(Value::Array(blocks)) = r.attributes.get_mut("attribute") {
        blocks.sort_by_cached_key(|b| b.to_string());
    }
    for key in ["point_in_time_recovery", "server_side_encryption"] {
        if let Some(Value::Array(blocks)) = r.attributes.get_mut(key) {
            blocks.retain(|b| b.get("enabled").and_then(Value::as_bool) == Some(true));
            for b in blocks.iter_mut().filter_map(Value::as_object_mut) {
                b.remove("recovery_period_in_days");
                // The AWS-owned default key is no key: `""` in state, left out by the API.
                if b.get("kms_key_arn").and_then(Value::as_str) == Some("") {
                    b.remove("kms_key_arn");
                }
            }
        }
    }
}

/// A Route53 record's names are DNS names: case, a trailing dot and Route53's `\052` for `*`
/// mean nothing, nor does `dualstack.` before an alias target; its values are a set, and TXT
/// values come back quoted where the provider keeps them bare.
fn route53_names(r: &mut Resource) {
    if r.rtype != "aws_route53_record" {
        return;
    }
    let rtype = r.attributes.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    if let Some(Value::String(fqdn)) = r.attributes.get_mut("fqdn") {
        *fqdn = crate::aws::route53::record_name(fqdn);
    }
    if let Some(Value::Array(records)) = r.attributes.get_mut("records") {
        for v in records.iter_mut() {
            if let Value::String(s) = v {
                if matches!(rtype.as_str(), "TXT" | "SPF") && s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
                    *s = s[1..s.len() - 1].to_owned();
                }
            }
        }
        records.sort_by_cached_key(|v| v.to_string());
    }
    if let Some(Value::Array(aliases)) = r.attributes.get_mut("alias") {
        for a in aliases.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(Value::String(name)) = a.get_mut("name") {
                let bare = crate::aws::route53::record_name(name);
                *name = bare.strip_prefix("dualstack.").unwrap_or(&bare).to_owned();
            }
        }
    }
}

/// API Gateway spells a few things otherwise than provider 5.x keeps them: an endpoint block
/// in state holds the IP address type only newer providers read (and endpoint ids in any
/// order), a compression size that older providers kept as a number (`-1` for none), template
/// maps whose empty templates API Gateway answers as absent, and a stage's cache size, which
/// means nothing while its cache is off.
fn api_gateway_spelling(r: &mut Resource) {
    if !r.rtype.starts_with("aws_api_gateway_") && !r.rtype.starts_with("aws_apigatewayv2_") {
        return;
    }
    let a = &mut r.attributes;
    if let Some(Value::Array(blocks)) = a.get_mut("endpoint_configuration") {
        for block in blocks.iter_mut().filter_map(Value::as_object_mut) {
            block.retain(|k, _| k == "types" || k == "vpc_endpoint_ids");
            for key in ["types", "vpc_endpoint_ids"] {
                let items = block.entry(key).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = items {
                    items.sort_by_cached_key(|v| v.to_string());
                }
            }
        }
    }
    if let Some(size) = a.get_mut("minimum_compression_size") {
        let text = match size {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        *size = if text.is_empty() || text == "-1" { Value::Null } else { Value::from(text) };
    }
    for key in ["request_templates", "response_templates"] {
        if let Some(Value::Object(templates)) = a.get_mut(key) {
            templates.retain(|_, v| v.as_str().is_some_and(|t| !t.is_empty()));
        }
    }
    if a.get("cache_cluster_enabled") == Some(&Value::Bool(false)) {
        a.insert("cache_cluster_size".into(), Value::Null);
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
        // A VPC endpoint's groups and route tables.
        "security_group_ids",
        "route_table_ids",
        // A load balancer's subnets; an Auto Scaling group's subnets and target groups.
        "subnets",
        "vpc_zone_identifier",
        "target_group_arns",
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "propagating_vgws",
        // CloudWatch alarms' actions.
        "alarm_actions",
        "ok_actions",
        "insufficient_data_actions",
        // IAM: attachments, exclusive sets, memberships, OIDC client ids and thumbprints.
        "managed_policy_arns",
        "policy_arns",
        "policy_names",
        "users",
        "groups",
        "roles",
        // A secret version's stages.
        "version_stages",
        "client_id_list",
        "thumbprint_list",
        // API Gateway: a method's scopes, an integration's cache keys.
        "authorization_scopes",
        "cache_key_parameters",
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
        ("acl_rule_spelling", &["acl_rule_protocol_names_action_case_and_fields_aws_drops_are_not_drift"]),
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
        ("rds_engine_version", &["an_automatic_minor_upgrade_is_not_drift_and_a_major_one_is"]),
        ("lambda_spelling", &["lambda_vpc_fields_the_api_leaves_out_and_set_order_are_not_drift"]),
        ("lb_actions", &["listener_action_blocks_and_unset_target_ports_are_not_drift"]),
        ("elb_blocks", &["elb_protocol_case_set_order_and_logs_that_are_off_are_not_drift"]),
        ("dynamodb_blocks", &["dynamodb_attribute_order_and_ways_of_saying_off_are_not_drift"]),
        ("route53_names", &["route53_name_spelling_value_order_and_txt_quotes_are_not_drift"]),
        (
            "api_gateway_spelling",
            &["api_gateway_endpoint_blocks_sizes_empty_templates_and_idle_cache_sizes_are_not_drift"],
        ),
        ("unordered_sets", &["set_order_and_duplicates_are_not_drift"]),
        ("empty_is_absent", &["empty_values_equal_fields_the_api_leaves_out"]),
    ];

    #[test]
    fn every_pass_has_a_test_named_for_its_false_positive() {
        let source =
            [include_str!("normalise.rs"), include_str!("normalise/containers.rs"), include_str!("normalise/elb.rs")]
                .concat();
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
    fn acl_rule_protocol_names_action_case_and_fields_aws_drops_are_not_drift() {
        // As a state keeps them (the ICMP fields of a TCP rule written as 0) and as AWS answers.
        let declared = normalise(res(
            "aws_network_acl_rule",
            "nacl-1",
            json!({"network_acl_id": "acl-1", "rule_number": 100, "egress": false, "protocol": "tcp",
                   "rule_action": "ALLOW", "cidr_block": "10.0.0.0/8", "ipv6_cidr_block": "",
                   "from_port": 443, "to_port": 443, "icmp_type": 0, "icmp_code": 0}),
        ));
        let live = normalise(res(
            "aws_network_acl_rule",
            "nacl-1",
            json!({"network_acl_id": "acl-1", "rule_number": 100, "egress": false, "protocol": "6",
                   "rule_action": "allow", "cidr_block": "10.0.0.0/8", "from_port": 443, "to_port": 443}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        let all = |ports: Value| {
            let mut a = json!({"network_acl_id": "acl-1", "rule_number": 200, "egress": true, "protocol": "all",
                               "rule_action": "deny", "cidr_block": "0.0.0.0/0"});
            a.as_object_mut().unwrap().extend(ports.as_object().unwrap().clone());
            normalise(res("aws_network_acl_rule", "nacl-2", a)).attributes
        };
        assert_eq!(all(json!({"from_port": 0, "to_port": 0})), all(json!({})), "all traffic has no ports");
        assert_eq!(all(json!({}))["protocol"], "-1");
        let changed =
            normalise(res("aws_network_acl_rule", "nacl-1", json!({"protocol": "6", "from_port": 22, "to_port": 22})));
        assert_ne!(changed.attributes["from_port"], live.attributes["from_port"], "a new port is still seen");
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

    #[test]
    fn an_automatic_minor_upgrade_is_not_drift_and_a_major_one_is() {
        let state = |auto: bool, actual: &str| {
            normalise(res(
                "aws_db_instance",
                "db-1",
                json!({"identifier": "app", "engine": "mysql",
                "engine_version": "8.0", "engine_version_actual": actual, "auto_minor_version_upgrade": auto}),
            ))
        };
        let aws = |auto: bool, version: &str| {
            normalise(res(
                "aws_db_instance",
                "db-1",
                json!({"identifier": "app", "engine": "mysql",
                "engine_version": version, "engine_version_actual": version, "auto_minor_version_upgrade": auto}),
            ))
        };
        let version = |r: Resource| r.attributes["engine_version"].clone();
        assert_eq!(version(state(true, "8.0.35")), version(aws(true, "8.0.36")), "RDS upgraded the minor");
        assert_ne!(version(state(true, "8.0.35")), version(aws(true, "8.4.3")), "a major upgrade is drift");
        assert_eq!(version(state(false, "8.0.35")), version(aws(false, "8.0.35")), "8.0 configured, 8.0.35 runs");
        assert_ne!(version(state(false, "8.0.35")), version(aws(false, "8.0.36")), "no automatic upgrades");
        assert!(!state(true, "8.0.35").attributes.contains_key("engine_version_actual"));
        let cluster = |v: &str| {
            version(normalise(res("aws_rds_cluster", "c", json!({"engine": "aurora-postgresql", "engine_version": v}))))
        };
        assert_eq!(cluster("15.4"), cluster("15.5"));
    }

    #[test]
    fn lambda_vpc_fields_the_api_leaves_out_and_set_order_are_not_drift() {
        let state = normalise(res(
            "aws_lambda_function",
            "app",
            json!({"vpc_config": [{
            "ipv6_allowed_for_dual_stack": false, "security_group_ids": ["sg-2", "sg-1"],
            "subnet_ids": ["subnet-b", "subnet-a"], "vpc_id": "vpc-1"}]}),
        ));
        let aws = normalise(res(
            "aws_lambda_function",
            "app",
            json!({"vpc_config": [{
            "security_group_ids": ["sg-1", "sg-2"], "subnet_ids": ["subnet-a", "subnet-b"]}]}),
        ));
        assert_eq!(state.attributes, aws.attributes);
        let none = normalise(res(
            "aws_lambda_function",
            "app",
            json!({"vpc_config": [{
            "ipv6_allowed_for_dual_stack": false, "security_group_ids": [], "subnet_ids": [], "vpc_id": ""}]}),
        ));
        assert_eq!(none.attributes["vpc_config"], Value::Null, "no VPC is the API's empty answer");
        let by_arn = normalise(res(
            "aws_lambda_permission",
            "s3",
            json!({"statement_id": "s3",
            "function_name": "arn:aws:lambda:us-east-1:123456789012:function:app"}),
        ));
        assert_eq!((by_arn.id.as_str(), by_arn.attributes["function_name"].as_str()), ("app/s3", Some("app")));
    }

    #[test]
    fn listener_action_blocks_and_unset_target_ports_are_not_drift() {
        let state = normalise(res(
            "aws_lb_listener",
            "l",
            json!({"default_action": [
            {"authenticate_cognito": [], "fixed_response": [], "forward": [], "order": 2, "redirect": [],
             "target_group_arn": "tg-1", "type": "forward"},
            {"authenticate_cognito": [], "fixed_response": [], "forward": [], "order": 1,
             "redirect": [{"port": "443"}], "target_group_arn": "", "type": "redirect"}]}),
        ));
        let aws = normalise(res(
            "aws_lb_listener",
            "l",
            json!({"default_action": [
            {"type": "redirect", "target_group_arn": ""}, {"type": "forward", "target_group_arn": "tg-1"}]}),
        ));
        assert_eq!(state.attributes, aws.attributes);
        let through_forward = normalise(res(
            "aws_lb_listener_rule",
            "r",
            json!({"action": [{"order": 1,
            "type": "forward", "target_group_arn": "", "forward": [{"target_group": [{"arn": "tg-2", "weight": 1}]}]}]}),
        ));
        assert_eq!(through_forward.attributes["action"], json!([{"type": "forward", "target_group_arn": "tg-2"}]));
        let unset = normalise(res(
            "aws_lb_target_group_attachment",
            "a",
            json!({"target_group_arn": "tg",
            "target_id": "i-1", "port": null}),
        ));
        assert!(!unset.attributes.contains_key("port"), "a port left to the group is no evidence");
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
    #[test]
    fn api_gateway_endpoint_blocks_sizes_empty_templates_and_idle_cache_sizes_are_not_drift() {
        // A rest API and a stage as provider 6.x writes them (corpus state
        // Cloudwith-mo/taxdoc-microservice), and as API Gateway answers.
        let declared = normalise(res(
            "aws_api_gateway_rest_api",
            "6njsxe3q65",
            json!({"endpoint_configuration": [{"ip_address_type": "ipv4", "types": ["REGIONAL"], "vpc_endpoint_ids": []}],
                   "minimum_compression_size": "", "name": "idp-pipeline-api"}),
        ));
        let live = normalise(res(
            "aws_api_gateway_rest_api",
            "6njsxe3q65",
            json!({"endpoint_configuration": [{"types": ["REGIONAL"], "vpc_endpoint_ids": []}],
                   "minimum_compression_size": null, "name": "idp-pipeline-api"}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        let old = normalise(res("aws_api_gateway_rest_api", "a", json!({"minimum_compression_size": -1})));
        assert_eq!(old.attributes["minimum_compression_size"], Value::Null, "4.x said none with -1");
        let sized = normalise(res("aws_api_gateway_rest_api", "a", json!({"minimum_compression_size": 1024})));
        assert_eq!(sized.attributes["minimum_compression_size"], "1024");
        let templates = |t: Value| {
            normalise(res("aws_api_gateway_integration_response", "a/b/GET/200", json!({"response_templates": t})))
                .attributes
        };
        assert_eq!(templates(json!({"application/json": ""})), templates(json!(null)));
        assert_ne!(templates(json!({"application/json": "{}"})), templates(json!(null)), "a template is compared");
        let stage = |size: Value, on: bool| {
            normalise(res(
                "aws_api_gateway_stage",
                "a/prod",
                json!({"cache_cluster_enabled": on, "cache_cluster_size": size}),
            ))
            .attributes
        };
        assert_eq!(stage(json!(""), false), stage(json!("0.5"), false));
        assert_ne!(stage(json!("0.5"), true), stage(json!("1.6"), true));
    }

    #[test]
    fn route53_name_spelling_value_order_and_txt_quotes_are_not_drift() {
        let declared = normalise(res(
            "aws_route53_record",
            "Z1_www.example.com_TXT",
            json!({"fqdn": "www.example.com", "type": "TXT", "records": ["v=spf1 -all", "b"],
                   "alias": [{"name": "web-1.us-east-1.elb.amazonaws.com", "zone_id": "Z35", "evaluate_target_health": true}]}),
        ));
        let live = normalise(res(
            "aws_route53_record",
            "Z1_www.example.com_TXT",
            json!({"fqdn": "WWW.example.com.", "type": "TXT", "records": ["\"b\"", "\"v=spf1 -all\""],
                   "alias": [{"name": "dualstack.Web-1.us-east-1.elb.amazonaws.com.", "zone_id": "Z35", "evaluate_target_health": true}]}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        // A value that changed still differs.
        let changed = normalise(res(
            "aws_route53_record",
            "Z1_www.example.com_TXT",
            json!({"fqdn": "www.example.com", "type": "TXT", "records": ["v=spf1 +all", "b"]}),
        ));
        assert_ne!(changed.attributes["records"], declared.attributes["records"]);
    }

    #[test]
    fn dynamodb_attribute_order_and_ways_of_saying_off_are_not_drift() {
        let declared = normalise(res(
            "aws_dynamodb_table",
            "orders",
            json!({"attribute": [{"name": "sk", "type": "N"}, {"name": "pk", "type": "S"}],
                   "point_in_time_recovery": [{"enabled": false, "recovery_period_in_days": 0}],
                   "server_side_encryption": [{"enabled": false, "kms_key_arn": ""}]}),
        ));
        let live = normalise(res(
            "aws_dynamodb_table",
            "orders",
            json!({"attribute": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "N"}],
                   "point_in_time_recovery": [{"enabled": false}], "server_side_encryption": []}),
        ));
        assert_eq!(declared.attributes, live.attributes);
        assert_eq!(declared.attributes["point_in_time_recovery"], Value::Null);
        // Recovery on is still told from recovery off.
        let on = normalise(res(
            "aws_dynamodb_table",
            "orders",
            json!({"point_in_time_recovery": [{"enabled": true, "recovery_period_in_days": 35}]}),
        ));
        assert_eq!(on.attributes["point_in_time_recovery"], json!([{"enabled": true}]));
    }
}
