//! Counts every request sent to AWS, retries included, by operation: the figure that shows a
//! scan's calls do not grow with the estate, and that throttling was retried.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// A shared counter, installed as an SDK interceptor on every client.
#[derive(Debug, Clone, Default)]
pub struct ApiCalls(Arc<Mutex<BTreeMap<String, u64>>>);

impl ApiCalls {
    /// The counts so far.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl Intercept for ApiCalls {
    fn name(&self) -> &'static str {
        "driftscan::ApiCalls"
    }

    /// Runs once per attempt, so a retried request counts each time it is sent.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // S3 Control's `GetPublicAccessBlock` (the account's) shares its name with S3's (a
        // bucket's), and classic ELB's `DescribeLoadBalancers` and `DescribeTags` with ELBv2's:
        // their counts are kept apart.
        let op = match cfg.load::<Metadata>() {
            Some(m) if m.service() == "S3 Control" => format!("S3Control.{}", m.name()),
            Some(m) if m.service() == "Elastic Load Balancing" => format!("ELB.{}", m.name()),
            Some(m) => m.name().to_owned(),
            None => "unknown".to_owned(),
        };
        if let Ok(mut m) = self.0.lock() {
            *m.entry(op).or_default() += 1;
        }
        Ok(())
    }
}
