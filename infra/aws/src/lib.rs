//! Higher-level constructs (L2) over the generated CloudFormation types: secure
//! defaults, and grants that write least-privilege IAM.
//!
//! Each construct owns one L1 resource under the child id `Resource` (so its
//! logical ID reads like the construct's id), documents the default of every
//! optional setting, and exposes typed attributes. IAM action lists are data
//! (`*_ACTIONS` constants in each module); every `grant_*` method delegates to
//! [`iam::grant`].

pub mod apigateway;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod stepfunctions;
