//! The construct framework: AWS infrastructure as typed Rust values.
//!
//! An [`App`] holds [`Stack`]s (directly or in [`Stage`]s); stacks hold
//! resources, parameters, conditions and outputs, grouped under [`Scope`]s.
//! Every property is a [`Value`]: a literal or an intrinsic function.
//! [`App::synth`] renders and validates every stack and returns the
//! [`CloudAssembly`] that `infra synth` writes to `cdk.out/`.
//!
//! This crate does no network I/O and knows nothing of the AWS SDK or of the
//! command line. It reads files only to hash function assets, and writes only
//! through [`CloudAssembly::write`].
//!
//! Typed resources come from `rcdk-cfn` (generated from the CloudFormation
//! schemas) and `rcdk-aws` (constructs with secure defaults and grants). Any
//! `Serialize` struct of properties that implements [`Resource`] is one too,
//! which is how an app declares a type those crates do not have yet:
//!
//! ```
//! use rcdk_constructs::assertions::Template;
//! use rcdk_constructs::value::{aws, sub};
//! use rcdk_constructs::{App, Format, Output, Resource, ResourceRef, Value};
//! use serde::Serialize;
//! use serde_json::json;
//!
//! /// `AWS::SQS::Queue`, with the one property this app sets.
//! #[derive(Serialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct Queue {
//!     queue_name: Value<String>,
//! }
//!
//! impl Resource for Queue {
//!     const TYPE: &'static str = "AWS::SQS::Queue";
//!     type Handle = ResourceRef;
//! }
//!
//! let app = App::new();
//! let stack = app.stack("Jobs");
//! let queue = stack.add("Queue", Queue { queue_name: sub("${AWS::StackName}-jobs") });
//! stack.output("QueueArn", Output::new(queue.get_att::<String>("Arn")));
//! stack.output("Region", Output::new(aws::region()));
//!
//! // Tests assert on the template, as with the AWS CDK's `Template`.
//! let template = Template::from_stack(&stack);
//! template.resource_count_is("AWS::SQS::Queue", 1);
//! template.has_resource_properties(
//!     "AWS::SQS::Queue",
//!     json!({"QueueName": {"Fn::Sub": "${AWS::StackName}-jobs"}}),
//! );
//! template.has_output("Region", json!({"Value": {"Ref": "AWS::Region"}}));
//!
//! // `synth` renders and validates every stack; `CloudAssembly::write` puts it in `cdk.out/`.
//! let assembly = app.synth(Format::Json)?;
//! assert_eq!(assembly.stack("Jobs").map(|s| s.stack_name.as_str()), Some("Jobs"));
//! # Ok::<(), rcdk_constructs::Error>(())
//! ```

mod assembly;
pub mod assertions;
mod asset;
mod crate_manifest;
mod digest_cache;
mod elements;
mod error;
pub mod logical_id;
mod order;
mod render;
mod resource;
mod tree;
mod validate;
pub mod value;

pub use assembly::{
    CloudAssembly, Format, StackArtifact, REQUIRED_BOOTSTRAP_VERSION, SCHEMA_VERSION,
};
pub use asset::{
    function_sources, staging_bucket_name, staging_bucket_template, AssetLocation, CrateBuild,
    FileAsset, BOOTSTRAP_QUALIFIER,
};
pub use elements::{Condition, ConditionExpr, Output, Parameter, ParameterRef};
pub use error::{report, Error};
pub use order::{deployment_order, Dependent};
pub use resource::Resource;
pub use tree::{App, RemovalPolicy, ResourceRef, Scope, Stack, Stage};
pub use validate::{MAX_RESOURCES, MAX_TEMPLATE_BYTES};
pub use value::{Intrinsic, JsonValue, Value};
