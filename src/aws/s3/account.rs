//! `aws_s3_account_public_access_block`: the block that holds for every bucket of an account, read
//! with S3 Control's `GetPublicAccessBlock` for the account the credentials belong to (STS
//! `GetCallerIdentity`), once per scan. An account without one answers
//! `NoSuchPublicAccessBlockConfiguration`: nothing is blocked, and a declared one is deleted.

use aws_sdk_s3control::config::endpoint::{DefaultResolver, Endpoint, EndpointFuture, Params, ResolveEndpoint};
use aws_sdk_s3control::error::ProvideErrorMetadata;
use serde_json::{Map, Value};

use super::super::{live, Ctx, ListError};
use crate::resource::{LiveFacts, Resource};

pub(super) const ACCOUNT_BLOCK: &str = "aws_s3_account_public_access_block";

/// The four settings, by Terraform name, as S3 Control names them.
pub(super) const FLAGS: &[&str] =
    &["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

/// S3 Control puts the account id in front of the host (`123456789012.s3-control...`). An endpoint
/// the user set (`AWS_ENDPOINT_URL`, LocalStack, moto) is one host serving every account by path:
/// it is used as it is. AWS's own endpoints resolve as the SDK resolves them.
#[derive(Debug)]
struct GivenEndpointAsIs(DefaultResolver);

impl ResolveEndpoint for GivenEndpointAsIs {
    fn resolve_endpoint<'a>(&'a self, params: &'a Params) -> EndpointFuture<'a> {
        match params.endpoint() {
            Some(url) => EndpointFuture::ready(Ok(Endpoint::builder().url(url.to_owned()).build())),
            None => self.0.resolve_endpoint(params),
        }
    }
}

/// The account's block as a live resource, none when the account has no block.
pub(super) async fn list(ctx: &Ctx<'_>) -> Result<Vec<Resource>, ListError> {
    let sts = aws_sdk_sts::config::Builder::from(ctx.sdk).interceptor(ctx.calls.clone()).build();
    let identity = aws_sdk_sts::Client::from_conf(sts).get_caller_identity().send().await;
    let account = identity.map_err(ListError::reading("GetCallerIdentity"))?.account().map(str::to_owned);
    let account = account.ok_or_else(|| ListError("GetCallerIdentity returned no account".into()))?;
    let conf = aws_sdk_s3control::config::Builder::from(ctx.sdk)
        .region(ctx.region())
        .endpoint_resolver(GivenEndpointAsIs(DefaultResolver::new()))
        .interceptor(ctx.calls.clone())
        .build();
    let client = aws_sdk_s3control::Client::from_conf(conf);
    let out = match client.get_public_access_block().account_id(&account).send().await {
        Ok(out) => out,
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let Some(c) = out.public_access_block_configuration() else { return Ok(Vec::new()) };
    let values = [c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()];
    let mut a: Map<String, Value> =
        FLAGS.iter().zip(values).map(|(k, v)| ((*k).to_owned(), Value::Bool(v.unwrap_or(false)))).collect();
    a.insert("account_id".into(), Value::from(account.as_str()));
    let mut r = live(ACCOUNT_BLOCK, &account, a, LiveFacts::default());
    r.region = Some(crate::catalog::GLOBAL.to_owned());
    Ok(vec![r])
}
