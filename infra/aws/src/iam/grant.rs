//! Grants: who receives permissions, the one place that writes them, and
//! the value a grant returns.

use constructs::Value;

use super::{PolicyStatement, Role, ServicePrincipal};

/// Something with a role that can be granted permissions.
pub trait Grantable {
    /// The role that receives granted statements.
    fn grant_role(&self) -> &Role;
}

impl Grantable for Role {
    fn grant_role(&self) -> &Role {
        self
    }
}

/// Who a grant is for: a role, or an AWS service that only a resource's own
/// policy can allow.
#[derive(Clone, Copy, Debug)]
pub enum Principal<'a> {
    /// A role: statements go to its policy.
    Role(&'a Role),
    /// An AWS service: statements go to the resource's policy.
    Service(&'a ServicePrincipal),
}

/// A grantee of a resource that has its own policy: anything [`Grantable`],
/// or a [`ServicePrincipal`].
pub trait Grantee {
    /// The principal that receives the grant.
    fn principal(&self) -> Principal<'_>;
}

impl<T: Grantable + ?Sized> Grantee for T {
    fn principal(&self) -> Principal<'_> {
        Principal::Role(self.grant_role())
    }
}

impl Grantee for ServicePrincipal {
    fn principal(&self) -> Principal<'_> {
        Principal::Service(self)
    }
}

/// A resource whose own policy can allow an AWS service.
pub trait ResourceWithPolicy {
    /// Allows `principal` the `actions` on this resource in its own policy;
    /// returns the statement added.
    fn add_to_resource_policy(
        &self,
        principal: &ServicePrincipal,
        actions: &[&str],
    ) -> PolicyStatement;
}

/// Everything a grant added: statements in the grantee's role policy, and
/// statements in resource policies (for service principals). Grants on an
/// encrypted resource carry their key's statements too. Combine them with
/// [`Grant::and`] or [`Grant::combine`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grant {
    /// Statements added to the grantee's role policy.
    pub statements: Vec<PolicyStatement>,
    /// Statements added to resource policies (key, topic, Lambda permission).
    pub resource_statements: Vec<PolicyStatement>,
}

impl Grant {
    /// One grant holding everything `grants` added, in order.
    pub fn combine(grants: impl IntoIterator<Item = Grant>) -> Grant {
        grants.into_iter().fold(Grant::default(), Grant::and)
    }

    /// This grant and `other`.
    pub fn and(mut self, other: Grant) -> Grant {
        self.statements.extend(other.statements);
        self.resource_statements.extend(other.resource_statements);
        self
    }
}

/// Allows `grantee` the `actions` on `resources` in its role's policy: with
/// [`grant_or_resource`], the only place grants write IAM. Actions come from
/// each service's constant lists.
pub fn grant(grantee: &dyn Grantable, actions: &[&str], resources: Vec<Value<String>>) -> Grant {
    grant_statement(
        grantee,
        PolicyStatement::allow(actions.iter().copied(), resources),
    )
}

/// Adds `statement` (conditions included) to `grantee`'s role policy.
pub fn grant_statement(grantee: &dyn Grantable, statement: PolicyStatement) -> Grant {
    grantee.grant_role().add_to_policy(statement.clone());
    Grant {
        statements: vec![statement],
        resource_statements: Vec::new(),
    }
}

/// Allows `grantee` the `actions`: a role on `resources` in its policy, a
/// service principal in `resource`'s own policy (the AWS CDK's
/// `Grant.addToPrincipalOrResource`).
pub fn grant_or_resource(
    grantee: &(impl Grantee + ?Sized),
    actions: &[&str],
    resources: Vec<Value<String>>,
    resource: &dyn ResourceWithPolicy,
) -> Grant {
    match grantee.principal() {
        Principal::Role(role) => grant(role, actions, resources),
        Principal::Service(service) => Grant {
            statements: Vec::new(),
            resource_statements: vec![resource.add_to_resource_policy(service, actions)],
        },
    }
}
