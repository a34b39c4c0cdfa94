//! The application: its stacks, parameterised by the `env` context value.
//!
//! Stacks live in a stage named after the environment (`Dev/Orders` is the
//! CloudFormation stack `Dev-Orders`), so dev and prod can share an account.

pub mod auction;
pub mod orders;
pub mod pipeline;
pub mod tokens;
pub mod two_factor;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::bail;
use aws_constructs::checkov::CheckovSkip;
use aws_constructs::kms::Key;
use aws_constructs::lambda::RustFunctionProps;
use cfn::logs::log_group::RetentionInDays;
use constructs::{App, RemovalPolicy, Stack, Stage};

/// A deployment environment, chosen with `-c env=dev|prod`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    /// Development: short log retention, data destroyed with the stack.
    Dev,
    /// Production: long log retention, data retained.
    Prod,
}

impl Env {
    /// Reads `env` from the context; `dev` when absent.
    pub fn from_context(context: &BTreeMap<String, String>) -> anyhow::Result<Env> {
        match context.get("env").map(String::as_str) {
            None | Some("dev") => Ok(Env::Dev),
            Some("prod") => Ok(Env::Prod),
            Some(other) => bail!(
                "context value env='{other}' is not an environment; use -c env=dev or -c env=prod"
            ),
        }
    }

    /// The lower-case name used in resource names and secret paths.
    pub fn name(self) -> &'static str {
        match self {
            Env::Dev => "dev",
            Env::Prod => "prod",
        }
    }

    /// What happens to data (tables, buckets, secrets, keys, logs) with the
    /// stack: deleted in dev, retained in prod.
    pub fn removal_policy(self) -> RemovalPolicy {
        match self {
            Env::Dev => RemovalPolicy::Delete,
            Env::Prod => RemovalPolicy::Retain,
        }
    }

    /// How long logs are kept: 14 days in dev, 365 in prod.
    pub fn log_retention(self) -> RetentionInDays {
        match self {
            Env::Dev => RetentionInDays::V14,
            Env::Prod => RetentionInDays::V365,
        }
    }

    /// The settings every function of the app's stacks shares: the crate,
    /// a description, logs kept and removed as the environment says,
    /// environment and logs encrypted with the stack's `key`, and no VPC
    /// (checkov is told why).
    pub fn function_props(
        self,
        crate_dir: &str,
        description: &str,
        key: &Key,
    ) -> RustFunctionProps {
        RustFunctionProps {
            description: Some(description.to_owned()),
            log_retention: self.log_retention(),
            log_removal_policy: self.removal_policy(),
            encryption_key: Some(key.clone()),
            checkov_skips: vec![CheckovSkip::new(
                "CKV_AWS_117",
                "Calls only AWS APIs over TLS and needs no VPC resources; a VPC would add NAT cost and cold-start latency",
            )],
            ..RustFunctionProps::new(crate_dir)
        }
    }

    /// The stage id (`Dev`, `Prod`).
    pub fn stage_id(self) -> &'static str {
        match self {
            Env::Dev => "Dev",
            Env::Prod => "Prod",
        }
    }
}

/// Why the JWT signing key is not rotated automatically: checkov's `CKV2_AWS_57`.
pub fn signing_key_rotation_skip() -> CheckovSkip {
    CheckovSkip::new(
        "CKV2_AWS_57",
        "A signing key is rotated by issuing a new secret version; automatic rotation needs a rotation function per secret type",
    )
}

/// Why the two-factor hash key is not rotated automatically: checkov's `CKV2_AWS_57`.
pub fn hash_key_rotation_skip() -> CheckovSkip {
    CheckovSkip::new(
        "CKV2_AWS_57",
        "Codes and addresses are stored as keyed hashes under this key: rotating it would orphan every stored code and send count, so it is only replaced deliberately",
    )
}

/// Why the app's API stages cache no responses: checkov's `CKV_AWS_120`.
pub fn api_cache_skip() -> CheckovSkip {
    CheckovSkip::new(
        "CKV_AWS_120",
        "No response caching: the API's methods write (POST), and a cache cluster is billed per hour whether used or not",
    )
}

/// Builds the application for the given context; function asset paths are
/// relative to `source_root` (the workspace root).
pub fn build(context: BTreeMap<String, String>, source_root: PathBuf) -> anyhow::Result<App> {
    let env = Env::from_context(&context)?;
    let app = App::with_context(context);
    // Beside cargo's own fingerprints (ignored by git): the next synthesis reads only the
    // function sources that changed.
    app.set_digest_cache(source_root.join("target/.infra-digests"));
    app.set_source_root(source_root);
    let stage = app.stage(env.stage_id());
    let stacks = build_stage(&stage, env);
    if pipeline::enabled(&app)? {
        let mut stages = vec![(env, stacks)];
        if pipeline::prod_enabled(&app)? && env != Env::Prod {
            let prod = app.stage(Env::Prod.stage_id());
            stages.push((Env::Prod, build_stage(&prod, Env::Prod)));
        }
        pipeline::build(&app, &stages)?;
    }
    Ok(app)
}

/// A whole-number context value of at least `min`; a problem with its path otherwise.
fn read_context(stack: &Stack, key: &str, default: u32, min: u32) -> u32 {
    match stack.context(key) {
        None => default,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n >= min => n,
            _ => {
                stack.add_error(format!(
                    "context value {key}='{v}' must be a whole number >= {min} (default {default})"
                ));
                default
            }
        },
    }
}

/// The application's stacks for `env` in `stage`.
fn build_stage(stage: &Stage, env: Env) -> Vec<Stack> {
    let orders = orders::build(stage, env);
    let auction = auction::build(stage, env);
    let tokens = tokens::build(stage, env);
    let two_factor = two_factor::build(stage, env, &orders);
    vec![orders.stack, auction, tokens, two_factor]
}
