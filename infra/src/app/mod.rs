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
use constructs::{App, Stack, Stage};

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

    /// The stage id (`Dev`, `Prod`).
    pub fn stage_id(self) -> &'static str {
        match self {
            Env::Dev => "Dev",
            Env::Prod => "Prod",
        }
    }
}

/// Builds the application for the given context; function asset paths are
/// relative to `source_root` (the workspace root).
pub fn build(context: BTreeMap<String, String>, source_root: PathBuf) -> anyhow::Result<App> {
    let env = Env::from_context(&context)?;
    let app = App::with_context(context);
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

/// The application's stacks for `env` in `stage`.
fn build_stage(stage: &Stage, env: Env) -> Vec<Stack> {
    let orders = orders::build(stage, env);
    let auction = auction::build(stage, env);
    let tokens = tokens::build(stage, env);
    let two_factor = two_factor::build(stage, env, &orders);
    vec![orders.stack, auction, tokens, two_factor]
}
