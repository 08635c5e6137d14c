//! Live inventory from AWS. SDK types stay inside this module: each resource kind has one file
//! that lists it with paginated calls and maps it into [`Resource`] under Terraform's names.
//!
//! Regions and types are listed concurrently; a (type, region) that cannot be listed is
//! reported as unscanned with the reason, never as empty.

pub mod access;
mod addresses;
mod calls;
mod gateways;
mod instances;
mod interfaces;
mod network;
mod network_acls;
mod route_tables;
mod security_groups;
mod templates;
mod volumes;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::Tag;
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};

pub use calls::ApiCalls;

use crate::catalog::Family;
use crate::diff::Coverage;
use crate::progress::Progress;
use crate::report::Unscanned;
use crate::resource::Resource;

/// Pages of 1,000, the most the EC2 list calls return, so calls grow with ceil(N / 1000).
const PAGE: i32 = 1000;
/// Lists in flight at once, across regions and types.
const LISTS_IN_FLIGHT: usize = 16;
/// Per-resource attribute calls in flight at once within one list.
const ATTRIBUTE_CALLS_IN_FLIGHT: usize = 8;

/// What the live inventory found.
#[derive(Debug, Default)]
pub struct Inventory {
    pub resources: Vec<Resource>,
    pub coverage: Coverage,
    /// Requests sent, retries included, by operation name.
    pub api_calls: BTreeMap<String, u64>,
}

/// Ids declared in the states, by live type: per-resource attribute calls are made only for
/// these, so their number follows the declared estate, not the account.
pub type Wanted = BTreeMap<String, HashSet<String>>;

/// Why a list failed, in one line.
#[derive(Debug)]
pub struct ListError(pub String);

impl<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug + 'static> From<SdkError<E, R>>
    for ListError
{
    fn from(e: SdkError<E, R>) -> Self {
        let reason = match (e.code(), e.message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_owned(),
            _ => cause_chain(&e),
        };
        // One line only: a multi-line cause would break the table and the log.
        ListError(reason.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// The Display of an error and its sources, without the Debug dumps the SDK appends.
fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if text.contains("no credentials found in chain") {
            return "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
                    or run `aws sso login`"
                .into();
        }
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// Loads AWS configuration the way every AWS tool does (env, profiles, SSO, `AWS_ENDPOINT_URL`).
/// `region` overrides the configured default region.
///
/// Timeouts bound every call: an attempt that hangs is abandoned after 30 s and retried, and a
/// call gives up after 2 minutes, so a scan always ends (with the part that failed unscanned).
pub async fn sdk_config(region: Option<&str>) -> SdkConfig {
    loader(region).load().await
}

/// The loader behind [`sdk_config`], for callers that add a profile or credentials (see
/// [`access`]).
pub fn loader(region: Option<&str>) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(120))
            .build(),
    );
    // Standard retries: jittered exponential backoff on throttling and transient errors. The
    // adaptive mode was measured slower here (42 s against 2 s for a scan with one request in
    // three throttled): its client-side rate limiter punishes a scan that makes few calls. A user
    // who sets AWS_MAX_ATTEMPTS or AWS_RETRY_MODE keeps their choice.
    if std::env::var_os("AWS_MAX_ATTEMPTS").is_none() && std::env::var_os("AWS_RETRY_MODE").is_none() {
        loader = loader
            .retry_config(RetryConfig::standard().with_max_attempts(10).with_max_backoff(Duration::from_secs(20)));
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_owned()));
    }
    loader
}

/// Lists every family in `families` in every region in `regions`.
pub async fn inventory(
    sdk: &SdkConfig,
    regions: &[String],
    families: &[Family],
    wanted: &Wanted,
    progress: &Progress,
) -> Inventory {
    let calls = ApiCalls::default();
    let jobs: Vec<(String, Family)> =
        regions.iter().flat_map(|r| families.iter().map(move |f| (r.clone(), *f))).collect();
    progress.start("listing AWS", jobs.len() as u64);
    let clients: BTreeMap<&String, aws_sdk_ec2::Client> = regions
        .iter()
        .map(|r| {
            let conf = aws_sdk_ec2::config::Builder::from(sdk)
                .region(Region::new(r.clone()))
                .interceptor(calls.clone())
                .build();
            (r, aws_sdk_ec2::Client::from_conf(conf))
        })
        .collect();

    let results: Vec<_> = stream::iter(jobs)
        .map(|(region, family)| {
            let client = clients[&region].clone();
            async move {
                let listed = list(&client, family, wanted).await;
                progress.inc(&format!("{} in {region}", family.operation()));
                (region, family, listed)
            }
        })
        .buffer_unordered(LISTS_IN_FLIGHT)
        .collect()
        .await;

    let mut inv = Inventory::default();
    let mut scanned = BTreeSet::new();
    for (region, family, listed) in results {
        match listed {
            Ok(found) => {
                scanned.extend(family.types().map(|s| (s.name.to_owned(), region.clone())));
                inv.resources.extend(found.into_iter().map(|mut r| {
                    r.region = Some(region.clone());
                    r
                }));
            }
            // Every type the family finds is unscanned; the reason names the call that failed.
            Err(ListError(reason)) => inv.coverage.unscanned.extend(family.types().map(|s| Unscanned {
                rtype: s.name.to_owned(),
                region: region.clone(),
                reason: format!("{}: {reason}", family.operation()),
            })),
        }
    }
    claim_service_owned(&mut inv.resources);
    progress.finish();
    inv.coverage.scanned = scanned;
    inv.coverage.unscanned.sort();
    inv.resources.sort_by(|a, b| (&a.rtype, &a.id).cmp(&(&b.rtype, &b.id)));
    inv.api_calls = calls.snapshot();
    inv
}

async fn list(client: &aws_sdk_ec2::Client, family: Family, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let empty = HashSet::new();
    match family {
        Family::Instances => instances::list(client).await,
        Family::SecurityGroups => security_groups::list(client).await,
        Family::SecurityGroupRules => security_groups::list_rules(client).await,
        Family::Vpcs => network::list_vpcs(client, wanted.get("aws_vpc").unwrap_or(&empty)).await,
        Family::Subnets => network::list_subnets(client).await,
        Family::Volumes => volumes::list(client).await,
        Family::Addresses => addresses::list(client).await,
        Family::RouteTables => route_tables::list(client).await,
        Family::InternetGateways => gateways::list_internet(client).await,
        Family::NatGateways => gateways::list_nat(client).await,
        Family::NetworkInterfaces => interfaces::list(client).await,
        Family::KeyPairs => templates::list_key_pairs(client).await,
        Family::LaunchTemplates => templates::list_launch_templates(client).await,
        Family::NetworkAcls => network_acls::list(client).await,
    }
}

/// The type a deleted NAT gateway is listed as until `claim_service_owned` has used and dropped it.
const GONE_NAT_GATEWAY: &str = "(deleted aws_nat_gateway)";

/// Some resources are made by AWS for another resource and go with it: the interface and the
/// address association of a NAT gateway, the gateway of a default VPC. The list calls each see
/// one side; this pass, over everything listed, marks them owned so none is reported unmanaged.
fn claim_service_owned(resources: &mut Vec<Resource>) {
    let mut owner_of: BTreeMap<String, String> = BTreeMap::new();
    let mut default_vpcs: HashSet<String> = HashSet::new();
    for r in resources.iter() {
        match r.rtype.as_str() {
            "aws_nat_gateway" | GONE_NAT_GATEWAY => {
                if let Some(eni) = r.attributes.get("network_interface_id").and_then(Value::as_str) {
                    owner_of.insert(eni.to_owned(), r.id.clone());
                }
            }
            "aws_vpc" if r.live.as_ref().is_some_and(|l| l.aws_default) => {
                default_vpcs.insert(r.id.clone());
            }
            _ => {}
        }
    }
    for r in resources.iter_mut() {
        let Some(facts) = r.live.as_mut() else { continue };
        match r.rtype.as_str() {
            "aws_network_interface" => {
                if let Some(nat) = owner_of.get(&r.id) {
                    facts.owner = Some(nat.clone());
                }
            }
            "aws_eip_association" => {
                let eni = r.attributes.get("network_interface_id").and_then(Value::as_str).unwrap_or_default();
                if let Some(nat) = owner_of.get(eni) {
                    facts.owner = Some(nat.clone());
                }
            }
            "aws_internet_gateway" => {
                let vpc = r.attributes.get("vpc_id").and_then(Value::as_str).unwrap_or_default();
                if default_vpcs.contains(vpc) {
                    facts.aws_default = true;
                }
            }
            _ => {}
        }
    }
    resources.retain(|r| r.rtype != GONE_NAT_GATEWAY);
}

/// AWS tags as Terraform's `tags` map.
fn tags(list: &[Tag]) -> Value {
    let map: Map<String, Value> =
        list.iter().filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value().unwrap_or_default())))).collect();
    Value::Object(map)
}

/// An optional string as a JSON value; absent becomes `null` (known to be empty).
fn text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

/// A new live resource with its attributes.
fn live(rtype: &str, id: &str, attributes: Map<String, Value>, facts: crate::resource::LiveFacts) -> Resource {
    Resource { rtype: rtype.into(), id: id.into(), region: None, attributes, declared: None, live: Some(facts) }
}

/// Runs `f` for each item with at most [`ATTRIBUTE_CALLS_IN_FLIGHT`] in flight.
async fn bounded<T, F, Fut, O>(items: Vec<T>, f: F) -> Vec<O>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = O>,
{
    stream::iter(items).map(f).buffer_unordered(ATTRIBUTE_CALLS_IN_FLIGHT).collect().await
}
