//! KMS: a customer-managed key with rotation and a key policy that names its actions.

use std::cell::RefCell;
use std::rc::Rc;

use cfn::kms::{Key as CfnKey, KeyRef};
use constructs::{RemovalPolicy, Scope, Value};

use crate::arn::{format_arn, ArnComponents};
use crate::iam::{
    grant_or_resource, Grant, Grantee, PolicyDocument, PolicyStatement, ResourceWithPolicy,
    ServicePrincipal, StatementPrincipal,
};

/// What the account (and through it, IAM policies) may do with the key. The
/// AWS default policy allows `kms:*`; we list the actions, so that no policy
/// in the app holds a wildcard action.
pub const KEY_ADMIN_ACTIONS: &[&str] = &[
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];
/// Encrypting and decrypting with the key directly (a caller of KMS `Encrypt`/`Decrypt`/
/// `GenerateDataKey`). Not `kms:ReEncrypt*`: moving ciphertext to another key is a key
/// administrator's operation, which no grantee here performs.
pub const ENCRYPT_DECRYPT_ACTIONS: &[&str] = &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"];
/// Decrypting only: readers of an encrypted secret or function environment, and every user
/// of an encrypted DynamoDB table, readers and writers alike (DynamoDB calls only `Decrypt`,
/// of the table key, on their behalf; it generates that key once, at table creation, under
/// its own grant).
pub const DECRYPT_ACTIONS: &[&str] = &["kms:Decrypt"];
/// Producing data keys to encrypt with (publishers to an encrypted topic, writers to a bucket).
pub const GENERATE_DATA_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];

/// Settings of a [`Key`].
#[derive(Clone, Debug)]
pub struct KeyProps {
    /// What the key protects. Default: none.
    pub description: Option<String>,
    /// What happens to the key with the stack. Default: `Retain` (data
    /// encrypted with a deleted key is lost).
    pub removal_policy: RemovalPolicy,
}

impl Default for KeyProps {
    fn default() -> Self {
        KeyProps {
            description: None,
            removal_policy: RemovalPolicy::Retain,
        }
    }
}

/// A symmetric customer-managed key with yearly rotation. Its key policy lets
/// the account administer it, and service principals granted with
/// [`Key::grant`] (or a grant on a resource the key encrypts) use it.
#[derive(Clone, Debug)]
pub struct Key {
    resource: KeyRef,
    policy: Rc<RefCell<PolicyDocument>>,
}

impl Key {
    /// Adds a key under `scope`.
    pub fn new(scope: &Scope, id: &str, props: KeyProps) -> Key {
        let scope = scope.scope(id);
        let policy = PolicyDocument::new([PolicyStatement::allow(
            KEY_ADMIN_ACTIONS.iter().copied(),
            [Value::from("*")],
        )
        .principal(StatementPrincipal::Aws(format_arn(
            &ArnComponents::new("iam", "root").global(),
        )))]);
        let mut key = CfnKey::new()
            .enable_key_rotation(true)
            .key_policy(policy.to_json());
        if let Some(d) = props.description {
            key = key.description(d);
        }
        if props.removal_policy == RemovalPolicy::Delete {
            key = key.pending_window_in_days(7);
        }
        let resource = scope.add("Resource", key);
        resource.apply_removal_policy(props.removal_policy);
        Key {
            resource,
            policy: Rc::new(RefCell::new(policy)),
        }
    }

    /// The key's ARN.
    pub fn arn(&self) -> Value<String> {
        self.resource.arn()
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &KeyRef {
        &self.resource
    }

    /// Lets `grantee` use the key for `actions`: a role through its policy, a
    /// service principal through the key policy.
    pub fn grant(&self, grantee: &(impl Grantee + ?Sized), actions: &[&str]) -> Grant {
        grant_or_resource(grantee, actions, vec![self.arn()], self)
    }

    /// Lets `grantee` encrypt and decrypt with the key itself ([`ENCRYPT_DECRYPT_ACTIONS`]).
    /// A grantee that only reads what a service encrypted wants [`grant_decrypt`](Self::grant_decrypt).
    pub fn grant_encrypt_decrypt(&self, grantee: &(impl Grantee + ?Sized)) -> Grant {
        self.grant(grantee, ENCRYPT_DECRYPT_ACTIONS)
    }

    /// Lets `grantee` decrypt with the key.
    pub fn grant_decrypt(&self, grantee: &(impl Grantee + ?Sized)) -> Grant {
        self.grant(grantee, DECRYPT_ACTIONS)
    }

    /// Lets `grantee` produce data keys (and decrypt them).
    pub fn grant_generate_data_key(&self, grantee: &(impl Grantee + ?Sized)) -> Grant {
        self.grant(grantee, GENERATE_DATA_KEY_ACTIONS)
    }
}

/// Services whose requests to KMS on behalf of a resource carry no
/// `aws:SourceArn`: their key-policy statements leave the source condition
/// out, which would otherwise refuse every request silently. EventBridge
/// delivering to an encrypted topic is one (its user guide says so); the
/// topic's own policy keeps the condition, so only that source reaches the key
/// through the topic.
const SERVICES_WITHOUT_KMS_SOURCE_ARN: &[&str] = &["events.amazonaws.com"];

impl ResourceWithPolicy for Key {
    fn add_to_resource_policy(
        &self,
        principal: &ServicePrincipal,
        actions: &[&str],
    ) -> PolicyStatement {
        let keeps_source = !matches!(
            principal.service(),
            Value::Literal(s) if SERVICES_WITHOUT_KMS_SOURCE_ARN.contains(&s.as_str())
        );
        let principal = if keeps_source {
            principal.clone()
        } else {
            principal.without_source_arn()
        };
        let statement = principal.statement(actions, vec![Value::from("*")]);
        let mut policy = self.policy.borrow_mut();
        policy.add(statement.clone());
        let json = policy.to_json();
        self.resource
            .update(|k| k.key_policy = Some(Value::Literal(json)));
        statement
    }
}
