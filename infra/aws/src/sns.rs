//! SNS: encrypted topics that refuse plain HTTP publishers.

use std::cell::RefCell;
use std::rc::Rc;

use cfn::sns::{Subscription, Topic as CfnTopic, TopicPolicy, TopicPolicyRef, TopicRef};
use constructs::value::list;
use constructs::{Scope, Value};

use crate::iam::{
    grant_or_resource, Condition, Grant, Grantee, PolicyDocument, PolicyStatement,
    ResourceWithPolicy, ServicePrincipal, StatementPrincipal,
};
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
                .principal(StatementPrincipal::Anyone)
                .condition(Condition::bool("aws:SecureTransport", false))]);
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

    /// Lets `grantee` publish (and encrypt with the topic's key): a role
    /// through its policy, a service principal (`ServicePrincipal::new("events.amazonaws.com")
    /// .with_source_arn(rule)`) through the topic policy and the key policy.
    pub fn grant_publish(&self, grantee: &(impl Grantee + ?Sized)) -> Grant {
        let key = self
            .key
            .as_ref()
            .map(|key| key.grant_generate_data_key(grantee));
        key.unwrap_or_default().and(grant_or_resource(
            grantee,
            TOPIC_PUBLISH_ACTIONS,
            vec![self.arn()],
            self,
        ))
    }

    /// Subscribes an endpoint (an address, queue ARN, URL, …) to the topic.
    pub fn add_subscription(
        &self,
        id: &str,
        protocol: Protocol,
        endpoint: impl Into<Value<String>>,
    ) {
        self.scope.add(
            id,
            Subscription::new(self.arn(), protocol.as_str()).endpoint(endpoint),
        );
    }
}

impl ResourceWithPolicy for Topic {
    fn add_to_resource_policy(
        &self,
        principal: &ServicePrincipal,
        actions: &[&str],
    ) -> PolicyStatement {
        let statement = principal.statement(actions, vec![self.arn()]);
        let mut document = self.document.borrow_mut();
        document.add(statement.clone());
        let json = document.to_json();
        self.policy
            .update(|p| p.policy_document = Value::Literal(json));
        statement
    }
}

/// How a subscription receives the topic's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Email, as text.
    Email,
    /// Email, as the JSON notification.
    EmailJson,
    /// An HTTP endpoint.
    Http,
    /// An HTTPS endpoint.
    Https,
    /// An SQS queue, by ARN.
    Sqs,
    /// A Lambda function, by ARN.
    Lambda,
    /// A phone number (SMS).
    Sms,
    /// A mobile app endpoint, by ARN.
    Application,
    /// A Kinesis Data Firehose delivery stream, by ARN.
    Firehose,
}

impl Protocol {
    /// The protocol's name in CloudFormation (`email-json`, `sqs`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Email => "email",
            Protocol::EmailJson => "email-json",
            Protocol::Http => "http",
            Protocol::Https => "https",
            Protocol::Sqs => "sqs",
            Protocol::Lambda => "lambda",
            Protocol::Sms => "sms",
            Protocol::Application => "application",
            Protocol::Firehose => "firehose",
        }
    }
}
