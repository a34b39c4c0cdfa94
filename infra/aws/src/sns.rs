//! SNS: encrypted topics that refuse plain HTTP publishers.

use std::cell::RefCell;
use std::rc::Rc;

use cfn::sns::{Subscription, Topic as CfnTopic, TopicPolicy, TopicPolicyRef, TopicRef};
use constructs::value::list;
use constructs::{Scope, Value};
use serde_json::json;

use crate::iam::{grant, Grant, Grantable, PolicyDocument, PolicyStatement};
use crate::kms::Key;

/// Publishing messages.
pub const TOPIC_PUBLISH_ACTIONS: &[&str] = &["sns:Publish"];

/// Settings of a [`Topic`].
#[derive(Clone, Debug, Default)]
pub struct TopicProps {
    /// Encrypts messages with this customer-managed key. Default: the AWS-managed key `alias/aws/sns`.
    pub encryption_key: Option<Key>,
    /// A display name (the sender name of SMS and email messages). Default: none.
    pub display_name: Option<String>,
}

/// A topic, encrypted at rest, whose policy denies publishing without TLS.
#[derive(Clone, Debug)]
pub struct Topic {
    scope: Scope,
    resource: TopicRef,
    key: Option<Key>,
    policy: TopicPolicyRef,
    document: Rc<RefCell<PolicyDocument>>,
}

impl Topic {
    /// Adds a topic under `scope`.
    pub fn new(scope: &Scope, id: &str, props: TopicProps) -> Topic {
        let scope = scope.scope(id);
        let key_id = match &props.encryption_key {
            Some(key) => key.arn(),
            None => Value::from("alias/aws/sns"),
        };
        let mut topic = CfnTopic::new().kms_master_key_id(key_id);
        if let Some(name) = props.display_name {
            topic = topic.display_name(name);
        }
        let resource = scope.add("Resource", topic);
        let tls_only =
            PolicyDocument::new([PolicyStatement::deny(["sns:Publish"], [resource.ref_()])
                .principal(json!({"AWS": "*"}))
                .condition("Bool", "aws:SecureTransport", json!("false"))]);
        let policy = scope.scope("Policy").add(
            "Resource",
            TopicPolicy::new(tls_only.to_json(), list([resource.ref_()])),
        );
        Topic {
            scope,
            resource,
            key: props.encryption_key,
            policy,
            document: Rc::new(RefCell::new(tls_only)),
        }
    }

    /// The topic's ARN.
    pub fn arn(&self) -> Value<String> {
        self.resource.ref_()
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &TopicRef {
        &self.resource
    }

    /// Lets `grantee` publish (and encrypt with the topic's key).
    pub fn grant_publish(&self, grantee: &dyn Grantable) -> Grant {
        if let Some(key) = &self.key {
            key.grant_generate_data_key(grantee);
        }
        grant(grantee, TOPIC_PUBLISH_ACTIONS, vec![self.arn()])
    }

    /// Subscribes an endpoint (`email`, `sqs`, `https`, …) to the topic.
    /// Lets an AWS service (such as `events.amazonaws.com`) publish, only on
    /// behalf of `source_arn` (the `aws:SourceArn` condition), through the
    /// topic's resource policy. A topic with a customer-managed key also needs
    /// the service allowed on the key ([`Key::allow_service`]).
    pub fn allow_service_publish(&self, service: &str, source_arn: Value<String>) {
        let statement = PolicyStatement::allow(TOPIC_PUBLISH_ACTIONS.iter().copied(), [self.arn()])
            .principal(json!({ "Service": service }))
            .condition("ArnEquals", "aws:SourceArn", json!(source_arn));
        let mut document = self.document.borrow_mut();
        document.add(statement);
        let json = document.to_json();
        self.policy
            .update(|p| p.policy_document = Value::Literal(json));
    }

    pub fn add_subscription(&self, id: &str, protocol: &str, endpoint: impl Into<Value<String>>) {
        self.scope.add(
            id,
            Subscription::new(self.arn(), protocol).endpoint(endpoint),
        );
    }
}
