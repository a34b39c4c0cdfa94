//! Secrets Manager: generated secrets, encrypted, named `{app}/{env}/{name}`.

use cfn::secretsmanager::secret::GenerateSecretString;
use cfn::secretsmanager::{Secret as CfnSecret, SecretRef};
use constructs::{RemovalPolicy, Scope, Value};
use serde_json::json;

use crate::arn::{format_arn, ArnComponents};
use crate::checkov::CheckovSkip;
use crate::iam::{grant, Grant, Grantable};
use crate::kms::Key;

/// Reading a secret's value.
pub const SECRET_READ_ACTIONS: &[&str] = &[
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
];

/// The names of application secrets, `{app}/{env}/{name}`, and of
/// per-organization tool credentials, `{app}/{tool}/{org}`: the rules the
/// functions' secrets client applies too.
pub use secret_names::{app_secret, tool_secret, NameError};

/// The ARN of the secret named `name` in the stack's account and region, for
/// secrets the app reads but does not create (credentials a person stores).
/// Secrets Manager appends `-` and six random characters to a secret's name in
/// its ARN; each `?` matches one character, so the pattern of `a/b` does not
/// match the ARN of `a/b-c`.
pub fn secret_arn_for_name(name: &str) -> Value<String> {
    format_arn(
        &ArnComponents::new("secretsmanager", "secret").colon_name(&format!("{name}-??????")),
    )
}

/// Settings of a [`Secret`].
#[derive(Clone, Debug)]
pub struct SecretProps {
    /// The secret's name, from [`app_secret`].
    pub name: String,
    /// What the secret is for. Default: none.
    pub description: Option<String>,
    /// Length of the generated value (letters and digits). Default: 64.
    pub generated_length: u32,
    /// Encrypts the secret with this customer-managed key. Default: `aws/secretsmanager`.
    pub encryption_key: Option<Key>,
    /// What happens to the secret with the stack. Default: `Retain`.
    pub removal_policy: RemovalPolicy,
    /// Checkov checks the secret deliberately does not meet, each with the
    /// reason, written to its metadata (`CKV2_AWS_57` for a secret rotated by
    /// hand, say). Default: none.
    pub checkov_skips: Vec<CheckovSkip>,
}

impl SecretProps {
    /// Defaults for a secret named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        SecretProps {
            name: name.into(),
            description: None,
            generated_length: 64,
            encryption_key: None,
            removal_policy: RemovalPolicy::Retain,
            checkov_skips: Vec::new(),
        }
    }
}

/// A secret whose value Secrets Manager generates at creation, so it never
/// appears in the template.
#[derive(Clone, Debug)]
pub struct Secret {
    resource: SecretRef,
    key: Option<Key>,
}

impl Secret {
    /// Adds a secret under `scope`.
    pub fn new(scope: &Scope, id: &str, props: SecretProps) -> Secret {
        let mut secret = CfnSecret::new()
            .name(props.name.as_str())
            .generate_secret_string(
                GenerateSecretString::new()
                    .password_length(i64::from(props.generated_length))
                    .exclude_punctuation(true),
            );
        if let Some(d) = &props.description {
            secret = secret.description(d.as_str());
        }
        if let Some(key) = &props.encryption_key {
            secret = secret.kms_key_id(key.arn());
        }
        let resource = scope.scope(id).add("Resource", secret);
        resource.apply_removal_policy(props.removal_policy);
        let mut skips: Vec<_> = props
            .checkov_skips
            .iter()
            .map(CheckovSkip::to_json)
            .collect();
        if props.encryption_key.is_none() {
            skips.push(json!({"id": "CKV_AWS_149", "comment": "No customer-managed key was given: encrypted with aws/secretsmanager"}));
        }
        if !skips.is_empty() {
            resource.add_metadata("checkov", json!({ "skip": skips }));
        }
        Secret {
            resource,
            key: props.encryption_key,
        }
    }

    /// The secret's ARN (`Ref` of a secret is its ARN).
    pub fn arn(&self) -> Value<String> {
        self.resource.ref_()
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &SecretRef {
        &self.resource
    }

    /// Lets `grantee` read the secret's value (and decrypt it).
    pub fn grant_read(&self, grantee: &dyn Grantable) -> Grant {
        let key = self.key.as_ref().map(|key| key.grant_decrypt(grantee));
        key.unwrap_or_default()
            .and(grant(grantee, SECRET_READ_ACTIONS, vec![self.arn()]))
    }
}
