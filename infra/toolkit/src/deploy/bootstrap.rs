//! The bootstrap stack (`CDKToolkit`): the staging bucket for assets and the
//! version parameter, with the AWS CDK's default names (qualifier
//! `hnb659fds`), so an environment bootstrapped by either tool works with both.
//!
//! Deliberately absent: the CDK's four IAM roles (deploy, CloudFormation
//! execution, file publishing, lookup) and its ECR repository. `infra deploy`
//! uses the caller's credentials; the AWS CDK CLI falls back to them when it
//! cannot assume the roles. Run `cdk bootstrap` instead when the roles are wanted:
//! `infra` deploys into such an environment unchanged.

use aws_constructs::iam::PolicyDocument;
use aws_constructs::s3::tls_only_statement;
use cfn::s3::bucket::{
    BucketEncryption, LifecycleConfiguration, PublicAccessBlockConfiguration, Rule, RuleStatus,
    SSEAlgorithm, ServerSideEncryptionByDefault, ServerSideEncryptionRule, VersioningConfiguration,
    VersioningConfigurationStatus,
};
use cfn::s3::{Bucket, BucketPolicy};
use cfn::ssm::parameter::Type as ParameterType;
use cfn::ssm::Parameter;
use constructs::value::{list, sub};
use constructs::{App, Output, RemovalPolicy, BOOTSTRAP_QUALIFIER};
use serde_json::json;

use super::assembly::Stack;
use super::report::Reporter;
use super::session::{describe, Session, TOOLKIT_STACK};
use super::stack::{apply, DeployOptions, Deployed};
use crate::error::{Error, Result};

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

/// The bootstrap stack, its template synthesized as JSON.
pub fn template(encryption: BucketEncryptionKind) -> Result<constructs::StackArtifact> {
    let app = App::new();
    let stack = app.stack(TOOLKIT_STACK);
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
            PolicyDocument::new([tls_only_statement(bucket.arn()).sid("AllowSSLRequestsOnly")])
                .to_json(),
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
    let mut assembly = app
        .synth(constructs::Format::Json)
        .map_err(Error::BootstrapTemplate)?;
    // The app has exactly one stack, the bootstrap stack.
    let only = assembly.stacks.pop().ok_or_else(|| {
        Error::BootstrapTemplate(constructs::Error::Synth {
            problems: vec![format!(
                "the app of stack {TOOLKIT_STACK} synthesized no stack"
            )],
        })
    })?;
    Ok(only)
}

/// Deploys (or updates) the bootstrap stack in the caller's environment.
/// Leaves alone a newer bootstrap stack made by the AWS CDK.
pub async fn bootstrap(
    session: &Session,
    region: Option<&str>,
    encryption: BucketEncryptionKind,
    opts: &DeployOptions,
    report: &dyn Reporter,
) -> Result<()> {
    let env = session.environment(None, region).await?;
    let cfn = session.cloudformation(Some(&env.region));
    let existing = describe(&cfn, TOOLKIT_STACK).await?;
    if let Some(v) = existing
        .and_then(|s| s.bootstrap_version())
        .filter(|v| *v > BOOTSTRAP_VERSION)
    {
        report.line(&format!(
            "{env}: already bootstrapped by the AWS CDK (version {v}, this tool needs {BOOTSTRAP_VERSION}); nothing to do"
        ));
        return Ok(());
    }
    let synthesized = template(encryption)?;
    let stack = Stack {
        artifact_id: TOOLKIT_STACK.to_owned(),
        stack_name: TOOLKIT_STACK.to_owned(),
        display_name: TOOLKIT_STACK.to_owned(),
        account: Some(env.account.clone()),
        region: Some(env.region.clone()),
        dependencies: Vec::new(),
        template: synthesized.template,
        template_body: synthesized.template_body,
        assets: Vec::new(),
        termination_protection: false,
        tags: Default::default(),
        paths: Default::default(),
    };
    report.line(&format!(
        "{env}: bootstrapping (stack {TOOLKIT_STACK}, bucket {})",
        env.staging_bucket()
    ));
    match apply(&cfn, &stack, opts, None, report).await? {
        Deployed::NoChanges(_) => report.line(&format!(
            "{env}: already bootstrapped (version {BOOTSTRAP_VERSION}); nothing to do"
        )),
        Deployed::Done(_) => report.line(&format!(
            "{env}: bootstrapped (version {BOOTSTRAP_VERSION})"
        )),
        Deployed::NotExecuted => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    #[test]
    fn template_has_the_cdk_names_and_secure_bucket() {
        let aes = template(BucketEncryptionKind::Aes256).unwrap();
        let t: Json = serde_json::from_str(&aes.template_body).unwrap();
        assert_eq!(t, aes.template);
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
        assert_eq!(statement["Sid"], "AllowSSLRequestsOnly");
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(statement["Principal"], json!({"AWS": "*"}));
        assert_eq!(
            statement["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        let p = &t["Resources"]["CdkBootstrapVersion"]["Properties"];
        assert_eq!(p["Name"], "/cdk-bootstrap/hnb659fds/version");
        assert_eq!(p["Value"], "6");
        assert_eq!(t["Outputs"]["BootstrapVersion"]["Value"], "6");
        let kms = template(BucketEncryptionKind::Kms).unwrap().template;
        assert_eq!(
            kms["Resources"]["StagingBucket"]["Properties"]["BucketEncryption"]
                ["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                ["SSEAlgorithm"],
            "aws:kms"
        );
    }
}
