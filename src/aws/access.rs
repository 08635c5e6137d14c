//! As whom a workspace reaches AWS: the default credential chain, a named profile, and
//! optionally a role assumed from either (cross-account scans), plus which account that is.

use anyhow::{Context, Result};
use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_sdk_sts::config::SharedCredentialsProvider;

/// Credentials for one purpose (scanning, or reading `s3://` states). All `None` is the default
/// chain, exactly as a run without a config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// Overrides the default region (the state bucket's region, say).
    pub region: Option<String>,
}

impl Access {
    /// The SDK configuration these credentials give. Nothing is called yet: a bad profile or a
    /// role that cannot be assumed fails at the first request, named in its error.
    pub async fn sdk_config(&self) -> SdkConfig {
        let mut loader = super::loader(self.region.as_deref());
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        let base = loader.load().await;
        let Some(role) = &self.role_arn else { return base };
        let mut provider = AssumeRoleProvider::builder(role).session_name("driftscan").configure(&base);
        if let Some(id) = &self.external_id {
            provider = provider.external_id(id);
        }
        let provider = provider.build().await;
        base.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
    }

    /// A short description for messages: never a secret, only names.
    pub fn describe(&self) -> String {
        match (&self.profile, &self.role_arn) {
            (None, None) => "default credentials".into(),
            (Some(p), None) => format!("profile {p}"),
            (None, Some(r)) => format!("role {r}"),
            (Some(p), Some(r)) => format!("role {r} from profile {p}"),
        }
    }
}

/// The account the credentials belong to, from STS `GetCallerIdentity` (which needs no
/// permission).
pub async fn account_id(sdk: &SdkConfig) -> Result<String> {
    let out = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(super::ListError::from(e).0))
        .context("asking STS which account the credentials belong to")?;
    out.account().map(str::to_owned).context("STS GetCallerIdentity returned no account")
}
