//! The bootstrap stack (`CDKToolkit`): the staging bucket for assets and the
//! version parameter, with the AWS CDK's default names (qualifier
//! `hnb659fds`), so an environment bootstrapped by either tool works with both.
//!
//! Deliberately absent: the CDK's four IAM roles (deploy, CloudFormation
//! execution, file publishing, lookup) and its ECR repository. `infra deploy`
//! uses the caller's credentials; the AWS CDK CLI falls back to them when it
//! cannot assume the roles. Run `cdk bootstrap` instead when the roles are wanted:
//! `infra` deploys into such an environment unchanged.

use cfn::s3::bucket::{
    BucketEncryption, LifecycleConfiguration, PublicAccessBlockConfiguration, Rule, RuleStatus,
    SSEAlgorithm, ServerSideEncryptionByDefault, ServerSideEncryptionRule, VersioningConfiguration,
    VersioningConfigurationStatus,
};
use cfn::s3::{Bucket, BucketPolicy};
use cfn::ssm::parameter::Type as ParameterType;
use cfn::ssm::Parameter;
use constructs::value::{join, list, sub};
use constructs::{App, Output, RemovalPolicy, Value, BOOTSTRAP_QUALIFIER};
use serde_json::json;

/// The bootstrap version this template provides (what `requiresBootstrapStackVersion` needs).
pub const BOOTSTRAP_VERSION: u32 = constructs::REQUIRED_BOOTSTRAP_VERSION;

/// How the staging bucket encrypts objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BucketEncryptionKind {
    /// SSE-S3 (AES-256, keys managed by S3). The default.
    #[default]
    Aes256,
    /// SSE-KMS with the AWS managed key `aws/s3` (auditable in CloudTrail).
    Kms,
}

/// The bootstrap template as JSON text.
pub fn template(encryption: BucketEncryptionKind) -> String {
    let app = App::new();
    let stack = app.stack(super::session::TOOLKIT_STACK);
    stack.set_description(
        "Deployment resources of infra (AWS CDK compatible bootstrap, qualifier hnb659fds): the asset staging bucket and the bootstrap version",
    );
    let sse = match encryption {
        BucketEncryptionKind::Aes256 => ServerSideEncryptionByDefault::new(SSEAlgorithm::Aes256),
        BucketEncryptionKind::Kms => ServerSideEncryptionByDefault::new(SSEAlgorithm::AwsKms)
            .kms_master_key_id("alias/aws/s3"),
    };
    let bucket = stack.add(
        "StagingBucket",
        Bucket::new()
            .bucket_name(sub(constructs::staging_bucket_template()))
            .bucket_encryption(BucketEncryption::new(list([
                ServerSideEncryptionRule::new()
                    .server_side_encryption_by_default(sse)
                    .bucket_key_enabled(encryption == BucketEncryptionKind::Kms),
            ])))
            .versioning_configuration(VersioningConfiguration::new(
                VersioningConfigurationStatus::Enabled,
            ))
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::new()
                    .block_public_acls(true)
                    .block_public_policy(true)
                    .ignore_public_acls(true)
                    .restrict_public_buckets(true),
            )
            .lifecycle_configuration(LifecycleConfiguration::new(list([Rule::new(
                RuleStatus::Enabled,
            )
            .id("CleanupOldVersions")
            .noncurrent_version_expiration_in_days(30)]))),
    );
    // Deleting the bootstrap stack must not delete the assets deployed stacks refer to.
    bucket.apply_removal_policy(RemovalPolicy::Retain);
    bucket.add_metadata(
        "checkov",
        json!({"skip": [
            {"id": "CKV_AWS_18", "comment": "Staging bucket of content-addressed deployment assets; access logging is the account's choice, as in the AWS CDK bootstrap"}
        ]}),
    );
    stack.add(
        "StagingBucketPolicy",
        BucketPolicy::new(
            bucket.ref_(),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "AllowSSLRequestsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket.arn(), join("", [bucket.arn(), Value::from("/*")])],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                }]
            }),
        ),
    );
    stack.add(
        "CdkBootstrapVersion",
        Parameter::new(BOOTSTRAP_VERSION.to_string(), ParameterType::String)
            .name(format!("/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version"))
            .description("The version of the bootstrap resources in this environment"),
    );
    stack.output(
        "BucketName",
        Output::new(bucket.ref_())
            .description("The name of the S3 bucket owned by the bootstrap stack"),
    );
    // A literal, not GetAtt of the parameter: the value is fixed by this template.
    stack.output(
        "BootstrapVersion",
        Output::new(BOOTSTRAP_VERSION.to_string()).description(
            "The version of the bootstrap resources that are currently mastered in this stack",
        ),
    );
    let assembly = app
        .synth(constructs::Format::Json)
        .expect("the bootstrap template is valid (unit-tested)");
    assembly.stacks[0].template_body.clone()
}

/// Deploys (or updates) the bootstrap stack in the caller's environment.
/// Leaves alone a newer bootstrap stack made by the AWS CDK.
pub async fn bootstrap(
    session: &super::session::Session,
    region: Option<&str>,
    encryption: BucketEncryptionKind,
    opts: &super::stack::DeployOptions,
) -> anyhow::Result<()> {
    use super::session::{describe, TOOLKIT_STACK};
    let env = session.environment(None, region).await?;
    let cfn = session.cloudformation(Some(&env.region));
    if let Some(existing) = describe(&cfn, TOOLKIT_STACK).await? {
        let version = existing
            .outputs
            .iter()
            .find(|(k, _)| k == "BootstrapVersion")
            .and_then(|(_, v)| v.parse::<u32>().ok());
        if let Some(v) = version.filter(|v| *v > BOOTSTRAP_VERSION) {
            eprintln!(
                "{env}: already bootstrapped by the AWS CDK (version {v}, this tool needs {BOOTSTRAP_VERSION}); nothing to do"
            );
            return Ok(());
        }
    }
    let body = template(encryption);
    let stack = super::assembly::Stack {
        artifact_id: TOOLKIT_STACK.to_owned(),
        stack_name: TOOLKIT_STACK.to_owned(),
        display_name: TOOLKIT_STACK.to_owned(),
        account: Some(env.account.clone()),
        region: Some(env.region.clone()),
        dependencies: Vec::new(),
        template: serde_json::from_str(&body)?,
        template_body: body,
        assets: Vec::new(),
        termination_protection: false,
        tags: Default::default(),
        paths: Default::default(),
    };
    eprintln!(
        "{env}: bootstrapping (stack {TOOLKIT_STACK}, bucket {})",
        env.staging_bucket()
    );
    match super::stack::apply(&cfn, &stack, opts, None).await? {
        super::stack::Deployed::NoChanges(_) => {
            eprintln!("{env}: already bootstrapped (version {BOOTSTRAP_VERSION}); nothing to do")
        }
        super::stack::Deployed::Done(_) => {
            eprintln!("{env}: bootstrapped (version {BOOTSTRAP_VERSION})")
        }
        super::stack::Deployed::NotExecuted => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    #[test]
    fn template_has_the_cdk_names_and_secure_bucket() {
        let t: Json = serde_json::from_str(&template(BucketEncryptionKind::Aes256)).unwrap();
        let b = &t["Resources"]["StagingBucket"];
        assert_eq!(b["DeletionPolicy"], "Retain");
        assert_eq!(
            b["Properties"]["BucketName"],
            json!({"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"})
        );
        assert_eq!(
            b["Properties"]["VersioningConfiguration"]["Status"],
            "Enabled"
        );
        assert_eq!(
            b["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                ["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "AES256"
        );
        assert_eq!(
            b["Properties"]["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"],
            true
        );
        let statement =
            &t["Resources"]["StagingBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(
            statement["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        let p = &t["Resources"]["CdkBootstrapVersion"]["Properties"];
        assert_eq!(p["Name"], "/cdk-bootstrap/hnb659fds/version");
        assert_eq!(p["Value"], "6");
        assert_eq!(t["Outputs"]["BootstrapVersion"]["Value"], "6");
        let kms: Json = serde_json::from_str(&template(BucketEncryptionKind::Kms)).unwrap();
        assert_eq!(
            kms["Resources"]["StagingBucket"]["Properties"]["BucketEncryption"]
                ["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                ["SSEAlgorithm"],
            "aws:kms"
        );
    }
}
