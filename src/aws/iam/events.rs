//! Which IAM resource each IAM write event changed, in the path language of
//! `cloudtrail::ids`: `req.roleName=aws_iam_role` reads the request's `roleName` as the id of an
//! `aws_iam_role`; `{req.roleName}:{req.policyName}=...` joins fields into one id. An event on
//! a part (an attachment, an inline policy) also names its role, user or group, since a role
//! that declares its policies inline drifts as a whole.

/// (event name, paths) for every IAM call that changes a covered resource.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateRole", &[ROLE]),
    ("DeleteRole", &[ROLE]),
    ("UpdateRole", &[ROLE]),
    ("UpdateRoleDescription", &[ROLE]),
    ("UpdateAssumeRolePolicy", &[ROLE]),
    ("TagRole", &[ROLE]),
    ("UntagRole", &[ROLE]),
    ("PutRolePermissionsBoundary", &[ROLE]),
    ("DeleteRolePermissionsBoundary", &[ROLE]),
    ("PutRolePolicy", &["{req.roleName}:{req.policyName}=aws_iam_role_policy", ROLE]),
    ("DeleteRolePolicy", &["{req.roleName}:{req.policyName}=aws_iam_role_policy", ROLE]),
    ("AttachRolePolicy", &["{req.roleName}/{req.policyArn}=aws_iam_role_policy_attachment", ROLE]),
    ("DetachRolePolicy", &["{req.roleName}/{req.policyArn}=aws_iam_role_policy_attachment", ROLE]),
    ("CreatePolicy", &["resp.policy.arn=aws_iam_policy"]),
    ("DeletePolicy", &[POLICY]),
    ("CreatePolicyVersion", &[POLICY]),
    ("DeletePolicyVersion", &[POLICY]),
    ("SetDefaultPolicyVersion", &[POLICY]),
    ("TagPolicy", &[POLICY]),
    ("UntagPolicy", &[POLICY]),
    ("CreateUser", &[USER]),
    ("DeleteUser", &[USER]),
    ("UpdateUser", &[USER]),
    ("TagUser", &[USER]),
    ("UntagUser", &[USER]),
    ("PutUserPermissionsBoundary", &[USER]),
    ("DeleteUserPermissionsBoundary", &[USER]),
    ("PutUserPolicy", &["{req.userName}:{req.policyName}=aws_iam_user_policy", USER]),
    ("DeleteUserPolicy", &["{req.userName}:{req.policyName}=aws_iam_user_policy", USER]),
    ("AttachUserPolicy", &["{req.userName}/{req.policyArn}=aws_iam_user_policy_attachment", USER]),
    ("DetachUserPolicy", &["{req.userName}/{req.policyArn}=aws_iam_user_policy_attachment", USER]),
    ("CreateGroup", &[GROUP]),
    ("DeleteGroup", &[GROUP]),
    ("UpdateGroup", &[GROUP]),
    ("PutGroupPolicy", &["{req.groupName}:{req.policyName}=aws_iam_group_policy", GROUP]),
    ("DeleteGroupPolicy", &["{req.groupName}:{req.policyName}=aws_iam_group_policy", GROUP]),
    ("AttachGroupPolicy", &["{req.groupName}/{req.policyArn}=aws_iam_group_policy_attachment", GROUP]),
    ("DetachGroupPolicy", &["{req.groupName}/{req.policyArn}=aws_iam_group_policy_attachment", GROUP]),
    ("AddUserToGroup", &["req.groupName=aws_iam_group_membership", "req.userName=aws_iam_user_group_membership"]),
    ("RemoveUserFromGroup", &["req.groupName=aws_iam_group_membership", "req.userName=aws_iam_user_group_membership"]),
    ("CreateInstanceProfile", &[PROFILE]),
    ("DeleteInstanceProfile", &[PROFILE]),
    ("AddRoleToInstanceProfile", &[PROFILE]),
    ("RemoveRoleFromInstanceProfile", &[PROFILE]),
    ("TagInstanceProfile", &[PROFILE]),
    ("UntagInstanceProfile", &[PROFILE]),
    ("CreateOpenIDConnectProvider", &["resp.openIDConnectProviderArn=aws_iam_openid_connect_provider"]),
    ("DeleteOpenIDConnectProvider", &[OIDC]),
    ("UpdateOpenIDConnectProviderThumbprint", &[OIDC]),
    ("AddClientIDToOpenIDConnectProvider", &[OIDC]),
    ("RemoveClientIDFromOpenIDConnectProvider", &[OIDC]),
    ("TagOpenIDConnectProvider", &[OIDC]),
    ("UntagOpenIDConnectProvider", &[OIDC]),
];

const ROLE: &str = "req.roleName=aws_iam_role";
const POLICY: &str = "req.policyArn=aws_iam_policy";
const USER: &str = "req.userName=aws_iam_user";
const GROUP: &str = "req.groupName=aws_iam_group";
const PROFILE: &str = "req.instanceProfileName=aws_iam_instance_profile";
const OIDC: &str = "req.openIDConnectProviderArn=aws_iam_openid_connect_provider";
