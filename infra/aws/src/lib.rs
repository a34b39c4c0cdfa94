//! Higher-level constructs (L2) over the generated CloudFormation types: secure
//! defaults, and grants that write least-privilege IAM.
//!
//! Each construct owns one L1 resource under the child id `Resource` (so its
//! logical ID reads like the construct's id), documents the default of every
//! optional setting, and exposes typed attributes. IAM action lists are data
//! (`*_ACTIONS` constants in each module); every `grant_*` method delegates to
//! [`iam::grant`] (a role's policy) or [`iam::grant_or_resource`] (a role's
//! policy, or the resource's own policy for an AWS service principal), and
//! returns an [`iam::Grant`] holding every statement it added, those on the
//! resource's encryption key included.
//!
//! The framework (app, stacks, values, synthesis, assertions) is
//! `rcdk-constructs`; the generated CloudFormation types underneath are
//! `rcdk-cfn`.
//!
//! ```
//! # extern crate constructs as rcdk_constructs;
//! # fn main() {
//! use rcdk_aws::dynamodb::{Attribute, Table, TableProps};
//! use rcdk_aws::iam::{Role, ServicePrincipal};
//! use rcdk_constructs::assertions::{Match, Template};
//! use rcdk_constructs::App;
//! use serde_json::json;
//!
//! let app = App::new();
//! let stack = app.stack("Orders");
//! let table = Table::new(&stack, "Orders", TableProps::new(Attribute::string("id")));
//! let role = Role::new(&stack, "Writer", &ServicePrincipal::new("lambda.amazonaws.com"));
//! table.grant_write(&role);
//!
//! let template = Template::from_stack(&stack);
//! // Secure defaults: on-demand, encrypted, point-in-time recovery, retained.
//! template.has_resource(
//!     "AWS::DynamoDB::Table",
//!     json!({
//!         "DeletionPolicy": "Retain",
//!         "Properties": {
//!             "BillingMode": "PAY_PER_REQUEST",
//!             "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
//!         },
//!     }),
//! );
//! // The grant: the write actions on this table's ARN, in the role's policy.
//! let (table_id, _) = &template.find_resources("AWS::DynamoDB::Table", &json!({}))[0];
//! template.has_resource_properties(
//!     "AWS::IAM::Policy",
//!     json!({"PolicyDocument": {"Statement": Match::array_with(vec![json!({
//!         "Effect": "Allow",
//!         "Action": Match::array_with(vec![json!("dynamodb:PutItem")]),
//!         "Resource": {"Fn::GetAtt": [table_id, "Arn"]},
//!     })])}}),
//! );
//! # }
//! ```
//!
//! `examples/hello.rs` (`cargo run -p rcdk-aws --example hello`) is a whole app:
//! a table, a Rust Lambda function granted write access to it, and the template
//! it synthesizes.

pub mod apigateway;
pub mod arn;
pub mod checkov;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
mod pascal_case;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod stepfunctions;
