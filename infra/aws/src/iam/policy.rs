//! IAM policy statements and documents as typed values.

use constructs::{JsonValue, Value};
use serde_json::{json, Map};

use super::Condition;

/// Whether a statement allows or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Grants the actions.
    Allow,
    /// Refuses the actions, whatever else allows them.
    Deny,
}

/// The principal of a resource-policy statement.
#[derive(Clone, Debug, PartialEq)]
pub enum StatementPrincipal {
    /// Anyone, signed or not (`{"AWS": "*"}`): for `Deny` statements.
    Anyone,
    /// An account or role, by ARN (`{"AWS": arn}`).
    Aws(Value<String>),
    /// An AWS service (`{"Service": name}`).
    Service(Value<String>),
}

impl StatementPrincipal {
    /// The principal in IAM's JSON form.
    pub fn to_json(&self) -> JsonValue {
        match self {
            StatementPrincipal::Anyone => json!({"AWS": "*"}),
            StatementPrincipal::Aws(arn) => json!({ "AWS": arn }),
            StatementPrincipal::Service(name) => json!({ "Service": name }),
        }
    }
}

/// One IAM policy statement.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyStatement {
    effect: Effect,
    actions: Vec<String>,
    resources: Vec<Value<String>>,
    principal: Option<StatementPrincipal>,
    conditions: Map<String, JsonValue>,
    sid: Option<String>,
}

impl PolicyStatement {
    /// Allows `actions` on `resources`.
    pub fn allow<A, R>(actions: A, resources: R) -> Self
    where
        A: IntoIterator,
        A::Item: Into<String>,
        R: IntoIterator<Item = Value<String>>,
    {
        PolicyStatement {
            effect: Effect::Allow,
            actions: actions.into_iter().map(Into::into).collect(),
            resources: resources.into_iter().collect(),
            principal: None,
            conditions: Map::new(),
            sid: None,
        }
    }

    /// Denies `actions` on `resources`.
    pub fn deny<A, R>(actions: A, resources: R) -> Self
    where
        A: IntoIterator,
        A::Item: Into<String>,
        R: IntoIterator<Item = Value<String>>,
    {
        PolicyStatement {
            effect: Effect::Deny,
            ..Self::allow(actions, resources)
        }
    }

    /// Sets the principal (resource policies only).
    pub fn principal(mut self, principal: StatementPrincipal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Adds a condition (`Condition::string_equals(key, value)`, …); conditions
    /// of one operator share its block.
    pub fn condition(mut self, condition: Condition) -> Self {
        let entry = self
            .conditions
            .entry(condition.operator().to_owned())
            .or_insert_with(|| JsonValue::Object(Map::new()));
        if let JsonValue::Object(m) = entry {
            m.insert(condition.key().to_owned(), condition.value().clone());
        }
        self
    }

    /// Sets the statement id.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// The actions, as given.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// Adds `other`'s resources to this statement when both differ only in
    /// their resources; returns whether it did.
    pub(crate) fn merge(&mut self, other: &PolicyStatement) -> bool {
        let same_shape = self.effect == other.effect
            && self.actions == other.actions
            && self.principal == other.principal
            && self.conditions == other.conditions
            && self.sid.is_none()
            && other.sid.is_none();
        if same_shape {
            for r in &other.resources {
                if !self.resources.contains(r) {
                    self.resources.push(r.clone());
                }
            }
        }
        same_shape
    }

    /// The statement in IAM's JSON form.
    pub fn to_json(&self) -> JsonValue {
        let mut s = Map::new();
        if let Some(sid) = &self.sid {
            s.insert("Sid".into(), json!(sid));
        }
        s.insert(
            "Effect".into(),
            json!(match self.effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            }),
        );
        if let Some(p) = &self.principal {
            s.insert("Principal".into(), p.to_json());
        }
        s.insert(
            "Action".into(),
            one_or_many(self.actions.iter().map(|a| json!(a)).collect()),
        );
        // A trust policy's statements name no resource; synthesis refuses any
        // other statement without one.
        if !self.resources.is_empty() {
            s.insert(
                "Resource".into(),
                one_or_many(self.resources.iter().map(|r| json!(r)).collect()),
            );
        }
        if !self.conditions.is_empty() {
            s.insert(
                "Condition".into(),
                JsonValue::Object(self.conditions.clone()),
            );
        }
        JsonValue::Object(s)
    }
}

fn one_or_many(mut items: Vec<JsonValue>) -> JsonValue {
    if items.len() == 1 {
        items.remove(0)
    } else {
        JsonValue::Array(items)
    }
}

/// A policy document: statements, merged where they differ only in resources.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<PolicyStatement>,
}

impl PolicyDocument {
    /// A document with these statements.
    pub fn new(statements: impl IntoIterator<Item = PolicyStatement>) -> Self {
        let mut doc = PolicyDocument::default();
        for s in statements {
            doc.add(s);
        }
        doc
    }

    /// Adds a statement, merging it into an existing one of the same shape.
    pub fn add(&mut self, statement: PolicyStatement) {
        if !self.statements.iter_mut().any(|s| s.merge(&statement)) {
            self.statements.push(statement);
        }
    }

    /// Whether the document has no statements.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The statements.
    pub fn statements(&self) -> &[PolicyStatement] {
        &self.statements
    }

    /// The document in IAM's JSON form.
    pub fn to_json(&self) -> JsonValue {
        json!({
            "Version": "2012-10-17",
            "Statement": self.statements.iter().map(PolicyStatement::to_json).collect::<Vec<_>>()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_with_the_same_actions_merge_their_resources() {
        let mut doc = PolicyDocument::default();
        doc.add(PolicyStatement::allow(
            ["s3:PutObject"],
            [Value::from("arn:a/*")],
        ));
        doc.add(PolicyStatement::allow(
            ["s3:PutObject"],
            [Value::from("arn:b/*")],
        ));
        doc.add(PolicyStatement::allow(
            ["s3:PutObject"],
            [Value::from("arn:a/*")],
        ));
        doc.add(PolicyStatement::allow(
            ["s3:GetObject"],
            [Value::from("arn:a/*")],
        ));
        assert_eq!(
            doc.to_json(),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": ["arn:a/*", "arn:b/*"]},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:a/*"}
            ]})
        );
    }

    #[test]
    fn deny_with_principal_and_condition() {
        let s = PolicyStatement::deny(["s3:*"], [Value::from("arn:b")])
            .principal(StatementPrincipal::Anyone)
            .condition(Condition::bool("aws:SecureTransport", false));
        assert_eq!(
            s.to_json(),
            json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "arn:b",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        );
    }
}
