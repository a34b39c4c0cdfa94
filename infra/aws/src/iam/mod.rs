//! IAM: policy statements, roles, permissions boundaries, and the one helper
//! every `grant_*` uses.

mod boundary;
mod policy;
mod role;

pub use boundary::{apply_permissions_boundary, RolePermissions};
pub use policy::{Effect, PolicyDocument, PolicyStatement};
pub use role::Role;

use constructs::Value;

/// Something that can be granted permissions: it has a role to add statements to.
pub trait Grantable {
    /// The role that receives granted statements.
    fn grant_role(&self) -> &Role;
}

impl Grantable for Role {
    fn grant_role(&self) -> &Role {
        self
    }
}

/// What a grant added: the statement, for tests and for combining.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    /// The statement added to the grantee's policy.
    pub statement: PolicyStatement,
}

/// Allows `grantee` the `actions` on `resources`: the single place grants
/// write IAM. Actions come from each service's constant lists.
pub fn grant(grantee: &dyn Grantable, actions: &[&str], resources: Vec<Value<String>>) -> Grant {
    let statement = PolicyStatement::allow(actions.iter().copied(), resources);
    grantee.grant_role().add_to_policy(statement.clone());
    Grant { statement }
}
