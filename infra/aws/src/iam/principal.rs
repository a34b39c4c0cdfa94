//! AWS service principals: grantees without a role, which a resource's own
//! policy (key policy, topic policy, Lambda permission) allows.

use constructs::Value;

use super::{Condition, PolicyDocument, PolicyStatement, StatementPrincipal};

/// Assuming a role.
const ASSUME_ROLE_ACTIONS: &[&str] = &["sts:AssumeRole"];

/// An AWS service (such as `events.amazonaws.com`) as a grantee, optionally
/// only on behalf of one of its resources (`aws:SourceArn`). A grant to it
/// writes the resource's own policy instead of a role's.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePrincipal {
    service: Value<String>,
    source_arn: Option<Value<String>>,
    conditions: Vec<Condition>,
    id: Option<String>,
}

impl ServicePrincipal {
    /// The service `service` (a literal such as `sns.amazonaws.com`, or a
    /// regional name built with `Fn::Sub`).
    pub fn new(service: impl Into<Value<String>>) -> Self {
        ServicePrincipal {
            service: service.into(),
            source_arn: None,
            conditions: Vec::new(),
            id: None,
        }
    }

    /// Only when the service acts for `arn` (`ArnEquals` on `aws:SourceArn`).
    /// Default: any source.
    pub fn with_source_arn(mut self, arn: impl Into<Value<String>>) -> Self {
        self.source_arn = Some(arn.into());
        self
    }

    /// Only under `condition` too (key and topic policies; a Lambda
    /// permission takes the source ARN only). Default: none.
    pub fn with_condition(mut self, condition: Condition) -> Self {
        self.conditions.push(condition);
        self
    }

    /// The construct id of the policy entry where a resource needs one (a
    /// Lambda function's `AWS::Lambda::Permission`). Default: `Invoke` and a
    /// number counting the function's grants to services.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The service's name.
    pub fn service(&self) -> &Value<String> {
        &self.service
    }

    /// The source ARN the service must act for, if one was set.
    pub fn source_arn(&self) -> Option<&Value<String>> {
        self.source_arn.as_ref()
    }

    /// The conditions besides the source ARN.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The construct id set with [`with_id`](Self::with_id).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The same service without the source ARN (for a service whose requests
    /// to another service do not carry it).
    pub(crate) fn without_source_arn(&self) -> Self {
        ServicePrincipal {
            source_arn: None,
            ..self.clone()
        }
    }

    /// The trust policy of a role that this service may assume (with the
    /// source ARN and conditions, if set).
    pub fn trust_policy(&self) -> PolicyDocument {
        PolicyDocument::new([self.statement(ASSUME_ROLE_ACTIONS, Vec::new())])
    }

    /// A resource-policy statement allowing the service `actions` on `resources`.
    pub fn statement(&self, actions: &[&str], resources: Vec<Value<String>>) -> PolicyStatement {
        let mut statement = PolicyStatement::allow(actions.iter().copied(), resources)
            .principal(StatementPrincipal::Service(self.service.clone()));
        if let Some(arn) = &self.source_arn {
            statement = statement.condition(Condition::arn_equals("aws:SourceArn", arn));
        }
        for condition in &self.conditions {
            statement = statement.condition(condition.clone());
        }
        statement
    }
}
