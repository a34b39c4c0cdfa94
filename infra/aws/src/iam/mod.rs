//! IAM: policy statements and conditions, roles, permissions boundaries,
//! grantees (roles and service principals), and the helpers every `grant_*`
//! uses.

mod boundary;
mod condition;
mod grant;
mod policy;
mod principal;
mod role;

pub use boundary::{apply_permissions_boundary, RolePermissions};
pub use condition::Condition;
pub use grant::{
    grant, grant_or_resource, grant_statement, Grant, Grantable, Grantee, Principal,
    ResourceWithPolicy,
};
pub use policy::{Effect, PolicyDocument, PolicyStatement, StatementPrincipal};
pub use principal::ServicePrincipal;
pub use role::Role;
