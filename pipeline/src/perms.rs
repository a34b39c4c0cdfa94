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
/// Handing the deploy role to CloudFormation.
pub const PASS_ROLE_ACTIONS: &[&str] = &["iam:PassRole"];
/// CloudFormation (through Lambda) reading function zips from the staging bucket.
pub const STAGING_READ_ACTIONS: &[&str] = &["s3:GetObject"];
