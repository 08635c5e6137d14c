//! Live inventory from AWS. SDK types stay inside this module: each AWS service has one module
//! (`ec2`, `iam`, `s3`, `kms`) that declares its types and lists (see [`crate::catalog`]), lists
//! them with paginated calls and maps them into [`Resource`] under Terraform's names.
//!
//! Regions and lists run concurrently, a global list (IAM, the S3 bucket list) once per account;
//! each list makes its service's client when it runs, so only services that are listed get one.
//! A (type, region) that cannot be listed is reported as unscanned with the reason, never as empty.

pub mod access;
pub mod apigateway;
pub mod autoscaling;
mod calls;
pub mod cloudwatch;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod eks;
pub mod elb;
pub mod elbv2;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod rds;
pub mod route53;
pub mod s3;
pub mod secrets;
pub mod sns;
pub mod sqs;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};

pub use calls::ApiCalls;

use crate::catalog::{Family, ListSpec, Scope, Service, TypeSpec, GLOBAL};
use crate::diff::Coverage;
use crate::progress::Progress;
use crate::report::Unscanned;
use crate::resource::Resource;

/// Every service driftscan lists, each declared once in its module.
pub const SERVICES: &[ServiceSpec] = &[
    ec2::SERVICE,
    iam::SERVICE,
    s3::SERVICE,
    kms::SERVICE,
    rds::SERVICE,
    lambda::SERVICE,
    elbv2::SERVICE,
    elb::SERVICE,
    autoscaling::SERVICE,
    sqs::SERVICE,
    sns::SERVICE,
    dynamodb::SERVICE,
    logs::SERVICE,
    ecr::SERVICE,
    secrets::SERVICE,
    route53::SERVICE,
    apigateway::SERVICE,
    eks::SERVICE,
    ecs::SERVICE,
    cloudwatch::ALARM_SERVICE,
    cloudwatch::EVENTS_SERVICE,
];

/// What a service module declares: its lists and types, and where CloudTrail logs its writes.
#[derive(Debug)]
pub struct ServiceSpec {
    pub service: Service,
    /// CloudTrail's `eventSource` for the service's calls.
    pub event_source: &'static str,
    /// Its write events and where each names the resources it changed (see `cloudtrail::ids`).
    pub events: &'static [(&'static str, &'static [&'static str])],
    pub lists: &'static [ListSpec],
    pub types: &'static [TypeSpec],
}

/// The region a global service's calls are signed for when nothing else says.
const GLOBAL_SIGNING_REGION: &str = "us-east-1";

/// What one list needs to make its client and count its calls.
pub struct Ctx<'a> {
    pub sdk: &'a SdkConfig,
    pub calls: ApiCalls,
    /// The region listed, or [`GLOBAL`].
    pub region: &'a str,
    /// The ids a targeted re-read (`watch`) wants: a list that can ask AWS for them alone does;
    /// the others list everything. `None` in a scan.
    pub only: Option<&'a HashSet<String>>,
}

impl Ctx<'_> {
    /// The region to send this list's calls to: a global list goes to the default region.
    pub fn region(&self) -> Region {
        if self.region == GLOBAL {
            return self.sdk.region().cloned().unwrap_or_else(|| Region::new(GLOBAL_SIGNING_REGION));
        }
        Region::new(self.region.to_owned())
    }
}
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

impl ListError {
    /// The error of a per-resource read made within a list, naming that read: the list's
    /// reason then says which call was refused (`ListQueues: GetQueueAttributes: ...`).
    fn reading<E: Into<ListError>>(operation: &'static str) -> impl Fn(E) -> ListError {
        move |e| ListError(format!("{operation}: {}", e.into().0))
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

/// Lists every family in `families` in every region in `regions`, a global one once.
pub async fn inventory(
    sdk: &SdkConfig,
    regions: &[String],
    families: &[Family],
    wanted: &Wanted,
    progress: &Progress,
) -> Inventory {
    inventory_of(sdk, regions, families, wanted, None, progress).await
}

/// [`inventory`], asking the lists that can filter by id for `only` those ids: what a
/// targeted re-read lists. What else the lists return is still listed whole.
pub async fn inventory_of(
    sdk: &SdkConfig,
    regions: &[String],
    families: &[Family],
    wanted: &Wanted,
    only: Option<&HashSet<String>>,
    progress: &Progress,
) -> Inventory {
    let calls = ApiCalls::default();
    let global = [GLOBAL.to_owned()];
    let jobs: Vec<(&String, Family)> = families
        .iter()
        .flat_map(|f| {
            let regions = if f.scope == Scope::Global { &global[..] } else { regions };
            regions.iter().map(move |r| (r, *f))
        })
        .collect();
    progress.start("listing AWS", jobs.len() as u64);

    let results: Vec<_> = stream::iter(jobs)
        .map(|(region, family)| {
            let ctx = Ctx { sdk, calls: calls.clone(), region, only };
            async move {
                let listed = list(&ctx, family, wanted).await;
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
                    r.region.get_or_insert_with(|| region.clone());
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
    ec2::claim_service_owned(&mut inv.resources);
    eks::claim_service_owned(&mut inv.resources);
    elb::claim_service_owned(&mut inv.resources);
    progress.finish();
    inv.coverage.scanned = scanned;
    inv.coverage.unscanned.sort();
    inv.resources.sort_by(|a, b| (&a.rtype, &a.id).cmp(&(&b.rtype, &b.id)));
    inv.api_calls = calls.snapshot();
    inv
}

async fn list(ctx: &Ctx<'_>, family: Family, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    match family.service {
        Service::Ec2 => ec2::list(ctx, family, wanted).await,
        Service::Iam => iam::list(ctx, family, wanted).await,
        Service::S3 => s3::list(ctx, family, wanted).await,
        Service::Kms => kms::list(ctx, family, wanted).await,
        Service::Eks => eks::list(ctx, family, wanted).await,
        Service::Ecs => ecs::list(ctx, family, wanted).await,
        Service::Rds => rds::list(ctx, family, wanted).await,
        Service::Lambda => lambda::list(ctx, family, wanted).await,
        Service::Elbv2 => elbv2::list(ctx, family, wanted).await,
        Service::Elb => elb::list(ctx, family, wanted).await,
        Service::AutoScaling => autoscaling::list(ctx, family, wanted).await,
        Service::Sqs => sqs::list(ctx, family, wanted).await,
        Service::Sns => sns::list(ctx, family, wanted).await,
        Service::Dynamodb => dynamodb::list(ctx, family, wanted).await,
        Service::Logs => logs::list(ctx, family, wanted).await,
        Service::Ecr => ecr::list(ctx, family, wanted).await,
        Service::SecretsManager => secrets::list(ctx, family, wanted).await,
        Service::Route53 => route53::list(ctx, family, wanted).await,
        Service::ApiGateway => apigateway::list(ctx, family, wanted).await,
        Service::CloudWatch | Service::EventBridge => cloudwatch::list(ctx, family, wanted).await,
    }
}

/// An optional string as a JSON value; absent becomes `null` (known to be empty).
fn text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

/// A new live resource with its attributes.
fn live(rtype: &str, id: &str, attributes: Map<String, Value>, facts: crate::resource::LiveFacts) -> Resource {
    Resource { rtype: rtype.into(), id: id.into(), region: None, attributes, declared: None, live: Some(facts) }
}

/// The id a CloudTrail record's event path (`req.a.b=type`, see `cloudtrail::ids`) names, and
/// the type it gives, for the event tables' tests.
#[cfg(test)]
fn event_path<'r>(path: &str, record: &'r Value) -> (Option<&'r str>, Option<&'static TypeSpec>) {
    let (path, rtype) = path.split_once('=').unwrap_or((path, ""));
    let (side, rest) = path.split_once('.').expect("a path starts at req or resp");
    let root = match side {
        "req" => "requestParameters",
        "resp" => "responseElements",
        other => panic!("{other}: a path starts at req or resp"),
    };
    let pointer = format!("/{root}/{}", rest.replace('.', "/"));
    (record.pointer(&pointer).and_then(Value::as_str), crate::catalog::spec(rtype))
}

/// Runs `f` for each item with at most [`ATTRIBUTE_CALLS_IN_FLIGHT`] in flight.
async fn bounded<T, F, Fut, O>(items: Vec<T>, f: F) -> Vec<O>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = O>,
{
    stream::iter(items).map(f).buffer_unordered(ATTRIBUTE_CALLS_IN_FLIGHT).collect().await
}
