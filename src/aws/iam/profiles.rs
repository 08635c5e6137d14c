//! Instance profiles from `ListInstanceProfiles` (pages of 1,000) and OpenID Connect providers
//! from `ListOpenIDConnectProviders`, which gives ARNs only: their URL, client ids and
//! thumbprints are read with `GetOpenIDConnectProvider` for declared providers alone, bounded.

use serde_json::{json, Map, Value};

use super::{item, tags, PAGE};
use crate::aws::{bounded, ListError, Wanted};
use crate::resource::Resource;

pub async fn list_instance_profiles(client: &aws_sdk_iam::Client) -> Result<Vec<Resource>, ListError> {
    let mut out = Vec::new();
    let mut pages = client.list_instance_profiles().max_items(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        for p in page?.instance_profiles() {
            let name = p.instance_profile_name();
            let role = p.roles().first().map(|r| r.role_name());
            let mut a = Map::new();
            a.insert("name".into(), name.into());
            a.insert("path".into(), p.path().into());
            a.insert("role".into(), role.map_or(Value::Null, Value::from));
            a.insert("tags".into(), tags(p.tags()));
            out.push(item("aws_iam_instance_profile", name.to_owned(), a, None));
        }
    }
    Ok(out)
}

pub async fn list_oidc(client: &aws_sdk_iam::Client, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let listed = client.list_open_id_connect_providers().send().await?;
    let declared = wanted.get("aws_iam_openid_connect_provider");
    let arns: Vec<String> =
        listed.open_id_connect_provider_list().iter().filter_map(|p| p.arn()).map(str::to_owned).collect();
    let read = bounded(arns, |arn| async move {
        let mut a = Map::new();
        if declared.is_some_and(|d| d.contains(&arn)) {
            let got = client.get_open_id_connect_provider().open_id_connect_provider_arn(&arn).send().await?;
            a.insert("url".into(), json!(got.url()));
            a.insert("client_id_list".into(), json!(got.client_id_list()));
            a.insert("thumbprint_list".into(), json!(got.thumbprint_list()));
            a.insert("tags".into(), tags(got.tags()));
        }
        Ok::<Resource, ListError>(item("aws_iam_openid_connect_provider", arn, a, None))
    })
    .await;
    read.into_iter().collect()
}
