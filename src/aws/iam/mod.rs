//! IAM: roles, users, groups, their inline policies and policy attachments, managed policies,
//! instance profiles, OpenID Connect providers. IAM is global: each list runs once per
//! account, and its resources carry the region [`GLOBAL`].
//!
//! Listing, not reading one by one: `GetAccountAuthorizationDetails` returns users, groups,
//! roles, their inline policies and attachments and the managed policies' versions in pages of
//! up to 1,000, so IAM calls grow as ceil(N / 1000). AWS-managed policies are not asked for.

mod details;
mod events;
mod profiles;

use aws_sdk_iam::types::Tag;
use serde_json::{Map, Value};

use super::{Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec, GLOBAL};
use crate::resource::{LiveFacts, Resource};

/// The most items an IAM list call returns in one page.
const PAGE: i32 = 1000;

const fn global(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Iam, scope: Scope::Global, needs: &[] }
}

const DETAILS: ListSpec = global("GetAccountAuthorizationDetails");
const PROFILES: ListSpec = global("ListInstanceProfiles");
const OIDC: ListSpec = global("ListOpenIDConnectProviders");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Iam,
    event_source: "iam.amazonaws.com",
    events: events::EVENTS,
    lists: &[DETAILS, PROFILES, OIDC],
    types: TYPES,
};

const TYPES: &[TypeSpec] = &[
    // `managed_policy_arns` and `inline_policy` are compared only for a role that declares its
    // policies that way; `ownership::attachments` decides, per role.
    TypeSpec::new(
        "aws_iam_role",
        &DETAILS,
        &[
            "name",
            "path",
            "description",
            "assume_role_policy",
            "max_session_duration",
            "permissions_boundary",
            "managed_policy_arns",
            "inline_policy",
            "tags",
        ],
    )
    .with_documents(&["assume_role_policy"]),
    TypeSpec::new("aws_iam_role_policy", &DETAILS, &["role", "name", "policy"])
        .with_documents(&["policy"])
        .identified_by(|_, a| format!("{}:{}", text_of(a, "role"), text_of(a, "name"))),
    TypeSpec::new("aws_iam_role_policy_attachment", &DETAILS, &["role", "policy_arn"])
        .identified_by(|_, a| format!("{}/{}", text_of(a, "role"), text_of(a, "policy_arn"))),
    // Provider 5.x: the whole set of a role's attachments, or inline policy names, in one resource.
    TypeSpec::new("aws_iam_role_policy_attachments_exclusive", &DETAILS, &["role_name", "policy_arns"])
        .identified_by(|_, a| text_of(a, "role_name")),
    TypeSpec::new("aws_iam_role_policies_exclusive", &DETAILS, &["role_name", "policy_names"])
        .identified_by(|_, a| text_of(a, "role_name")),
    // Tags of a managed policy are not in the account details; they are not compared.
    TypeSpec::new("aws_iam_policy", &DETAILS, &["name", "path", "description", "policy"]).with_documents(&["policy"]),
    TypeSpec::new("aws_iam_user", &DETAILS, &["name", "path", "permissions_boundary", "tags"]),
    TypeSpec::new("aws_iam_user_policy", &DETAILS, INLINE_POLICY_OF_USER)
        .with_documents(&["policy"])
        .identified_by(|_, a| format!("{}:{}", text_of(a, "user"), text_of(a, "name"))),
    TypeSpec::new("aws_iam_user_policy_attachment", &DETAILS, &["user", "policy_arn"])
        .identified_by(|_, a| format!("{}/{}", text_of(a, "user"), text_of(a, "policy_arn"))),
    TypeSpec::new("aws_iam_group", &DETAILS, &["name", "path"]),
    TypeSpec::new("aws_iam_group_policy", &DETAILS, INLINE_POLICY_OF_GROUP)
        .with_documents(&["policy"])
        .identified_by(|_, a| format!("{}:{}", text_of(a, "group"), text_of(a, "name"))),
    TypeSpec::new("aws_iam_group_policy_attachment", &DETAILS, &["group", "policy_arn"])
        .identified_by(|_, a| format!("{}/{}", text_of(a, "group"), text_of(a, "policy_arn"))),
    // Both membership types name their object themselves (`name`, or a random id): they are
    // matched by the group, and the user, whose members or groups they hold.
    TypeSpec::new("aws_iam_group_membership", &DETAILS, &["group", "users"]).identified_by(|_, a| text_of(a, "group")),
    TypeSpec::new("aws_iam_user_group_membership", &DETAILS, &["user", "groups"])
        .identified_by(|_, a| text_of(a, "user")),
    // Every entity one policy is attached to (exclusive); its Terraform id is a name of its own.
    TypeSpec::new("aws_iam_policy_attachment", &DETAILS, &["policy_arn", "roles", "users", "groups"])
        .identified_by(|_, a| text_of(a, "policy_arn")),
    TypeSpec::new("aws_iam_instance_profile", &PROFILES, &["name", "path", "role", "tags"]),
    TypeSpec::new("aws_iam_openid_connect_provider", &OIDC, &["url", "client_id_list", "thumbprint_list", "tags"]),
];

const INLINE_POLICY_OF_USER: &[&str] = &["user", "name", "policy"];
const INLINE_POLICY_OF_GROUP: &[&str] = &["group", "name", "policy"];

/// Lists one IAM family. IAM has one endpoint, signed for the account's default region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_iam::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = aws_sdk_iam::Client::from_conf(conf);
    let mut found = match family.operation {
        "GetAccountAuthorizationDetails" => details::list(&client).await?,
        "ListInstanceProfiles" => profiles::list_instance_profiles(&client).await?,
        "ListOpenIDConnectProviders" => profiles::list_oidc(&client, wanted).await?,
        other => return Err(ListError(format!("no IAM list {other}"))),
    };
    for r in &mut found {
        r.region = Some(GLOBAL.to_owned());
    }
    Ok(found)
}

/// IAM tags as Terraform's `tags` map.
fn tags(list: &[Tag]) -> Value {
    Value::Object(list.iter().map(|t| (t.key().to_owned(), Value::from(t.value()))).collect())
}

/// A live IAM resource; `parent` is the role, user or group it is part of.
fn item(rtype: &str, id: String, attributes: Map<String, Value>, parent: Option<&str>) -> Resource {
    let facts = LiveFacts { parent: parent.map(str::to_owned), ..Default::default() };
    super::live(rtype, &id, attributes, facts)
}

/// Roles AWS makes and maintains for its own services and for IAM Identity Center: nobody
/// declares them, so they are never reported unmanaged.
fn made_by_aws(path: &str) -> bool {
    path.starts_with("/aws-service-role/") || path.starts_with("/aws-reserved/")
}
