//! IAM actions of the pipeline's roles, as data.

/// CodeBuild writing its logs.
pub const LOGS_WRITE_ACTIONS: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];
/// CodePipeline checking its artifact store.
pub const BUCKET_VERSIONING_ACTIONS: &[&str] = &["s3:GetBucketLocation", "s3:GetBucketVersioning"];
/// The Source action reading GitHub through the connection (`codeconnections:`
/// for connections created since the service's rename, `codestar-connections:` before).
pub const CONNECTION_USE_ACTIONS: &[&str] = &[
    "codeconnections:UseConnection",
    "codestar-connections:UseConnection",
];
/// CodePipeline running a CodeBuild action.
pub const CODEBUILD_RUN_ACTIONS: &[&str] = &["codebuild:BatchGetBuilds", "codebuild:StartBuild"];
/// CodePipeline's CloudFormation change-set actions.
pub const CHANGE_SET_ACTIONS: &[&str] = &[
    "cloudformation:CreateChangeSet",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStacks",
    "cloudformation:ExecuteChangeSet",
];
/// What `infra deploy` calls on a stack (besides publishing assets).
pub const INFRA_DEPLOY_ACTIONS: &[&str] = &[
    "cloudformation:CreateChangeSet",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:GetTemplate",
];
/// `infra deploy` checking the bootstrap stack.
pub const BOOTSTRAP_READ_ACTIONS: &[&str] = &["cloudformation:DescribeStacks"];
/// `infra` publishing assets to the staging bucket (HeadObject is s3:GetObject).
pub const STAGING_PUBLISH_ACTIONS: &[&str] = &["s3:GetObject", "s3:PutObject"];
/// Listing the staging bucket (HeadObject of a missing key answers 404 only with it).
pub const STAGING_LIST_ACTIONS: &[&str] = &["s3:ListBucket"];
/// Handing a role to the service that assumes it.
pub const PASS_ROLE_ACTIONS: &[&str] = &["iam:PassRole"];
/// Creating a role and changing its permissions: the actions that take the
/// `iam:PermissionsBoundary` condition key, each allowed only with the boundary.
/// (`AttachRolePolicy` is left out: the deployed roles have inline policies only.)
pub const ROLE_WRITE_ACTIONS: &[&str] = &[
    "iam:CreateRole",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
];
/// The rest of what CloudFormation does with a role; IAM has no boundary
/// condition key for these, so role names alone limit them.
pub const ROLE_MANAGE_ACTIONS: &[&str] = &[
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
];
/// Removing a role's permissions boundary (always denied to the deploy role).
pub const BOUNDARY_REMOVE_ACTIONS: &[&str] = &["iam:DeleteRolePermissionsBoundary"];
/// Setting a role's permissions boundary (denied for any policy but the boundary).
pub const BOUNDARY_SET_ACTIONS: &[&str] = &["iam:PutRolePermissionsBoundary"];
/// Changing or deleting a managed policy (denied on the boundary policy).
pub const BOUNDARY_POLICY_CHANGE_ACTIONS: &[&str] = &[
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
];
/// CloudFormation (through Lambda) reading function zips from the staging bucket.
pub const STAGING_READ_ACTIONS: &[&str] = &["s3:GetObject"];
