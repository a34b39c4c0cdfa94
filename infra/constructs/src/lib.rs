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

mod assembly;
pub mod assertions;
mod asset;
mod elements;
pub mod logical_id;
mod order;
mod render;
mod resource;
mod tree;
mod validate;
pub mod value;

pub use assembly::{
    CloudAssembly, Format, StackArtifact, SynthError, REQUIRED_BOOTSTRAP_VERSION, SCHEMA_VERSION,
};
pub use asset::{
    function_sources, staging_bucket_name, staging_bucket_template, Architecture, AssetLocation,
    FileAsset, BOOTSTRAP_QUALIFIER,
};
pub use elements::{Condition, ConditionExpr, Output, Parameter, ParameterRef};
pub use order::{deployment_order, DependencyCycle, Dependent};
pub use resource::Resource;
pub use tree::{App, RemovalPolicy, ResourceRef, Scope, Stack, Stage};
pub use validate::{MAX_RESOURCES, MAX_TEMPLATE_BYTES};
pub use value::{Intrinsic, JsonValue, Value};
