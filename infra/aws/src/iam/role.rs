//! An IAM role whose permissions are what grants add, in one inline policy.

use std::cell::RefCell;
use std::rc::Rc;

use cfn::iam::{Policy, PolicyRef, Role as CfnRole, RoleRef};
use constructs::value::list;
use constructs::{ResourceRef, Scope, Value};

use super::{PolicyDocument, PolicyStatement, ServicePrincipal};

/// An IAM role assumed by an AWS service. It starts with no permissions; each
/// grant adds a statement to its `DefaultPolicy` (an `AWS::IAM::Policy`
/// created on the first grant).
#[derive(Clone, Debug)]
pub struct Role {
    scope: Scope,
    resource: RoleRef,
    assumed_by: Rc<ServicePrincipal>,
    state: Rc<RefCell<State>>,
}

#[derive(Debug, Default)]
struct State {
    document: PolicyDocument,
    policy: Option<PolicyRef>,
    /// Resources that must be created after the policy (they use the permissions at creation).
    dependents: Vec<ResourceRef>,
}

impl Role {
    /// A role that the service `assumed_by` (such as
    /// `ServicePrincipal::new("lambda.amazonaws.com")`) can assume.
    pub fn new(scope: &Scope, id: &str, assumed_by: &ServicePrincipal) -> Role {
        let scope = scope.scope(id);
        let resource = scope.add(
            "Resource",
            CfnRole::new(assumed_by.trust_policy().to_json()),
        );
        Role {
            scope,
            resource,
            assumed_by: Rc::new(assumed_by.clone()),
            state: Rc::default(),
        }
    }

    /// The service that assumes the role.
    pub fn assumed_by(&self) -> &ServicePrincipal {
        &self.assumed_by
    }

    /// The role's ARN.
    pub fn arn(&self) -> Value<String> {
        self.resource.arn()
    }

    /// The role's name.
    pub fn role_name(&self) -> Value<String> {
        self.resource.ref_()
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &RoleRef {
        &self.resource
    }

    /// Adds a statement to the role's policy, merging it with one that differs
    /// only in resources. A statement that names no resource (an empty list
    /// of ARNs, say) fails synthesis, naming the policy, rather than
    /// deployment (the construct library's template checks).
    pub fn add_to_policy(&self, statement: PolicyStatement) {
        let mut state = self.state.borrow_mut();
        state.document.add(statement);
        let document = state.document.to_json();
        match &state.policy {
            Some(policy) => policy.update(|p| p.policy_document = Value::Literal(document)),
            None => {
                let policy = self.scope.scope("DefaultPolicy").add(
                    "Resource",
                    Policy::new(document, "DefaultPolicy").roles(list([self.resource.ref_()])),
                );
                for dependent in &state.dependents {
                    dependent.add_depends_on(&policy);
                }
                state.policy = Some(policy);
            }
        }
    }

    /// Makes `resource` wait for the role's policy, so that it has its
    /// permissions when CloudFormation creates it.
    pub fn add_policy_dependent(&self, resource: &ResourceRef) {
        let mut state = self.state.borrow_mut();
        if let Some(policy) = &state.policy {
            resource.add_depends_on(policy);
        }
        state.dependents.push(resource.clone());
    }

    /// The role's policy (`DefaultPolicy`), once a statement was added.
    pub fn default_policy(&self) -> Option<PolicyRef> {
        self.state.borrow().policy.clone()
    }

    /// The statements granted so far.
    pub fn statements(&self) -> Vec<PolicyStatement> {
        self.state.borrow().document.statements().to_vec()
    }
}
