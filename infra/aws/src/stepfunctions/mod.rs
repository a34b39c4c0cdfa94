//! Step Functions: a typed Amazon States Language builder and the
//! `StateMachine` construct.
//!
//! A definition is a [`StateGraph`] of named states ([`Task`], [`Choice`],
//! [`Wait`], [`Map`], [`Pass`], [`Succeed`], [`Fail`]) with [`Retry`] and
//! [`Catch`] on tasks and maps. Transitions name states by string, as in the
//! language; [`StateGraph::validate`] finds what the service would reject
//! (missing targets, unreachable states, states that neither continue nor
//! end, duplicate names), and [`StateMachine`] reports those as synthesis
//! errors that name the construct path and the state.
//!
//! ```
//! use rcdk_aws::stepfunctions::{Choice, Condition, Fail, Pass, StateGraph, Succeed};
//! use serde_json::json;
//!
//! let graph = StateGraph::new("Check")
//!     .state("Check", Choice::new()
//!         .when(Condition::boolean_equals("$.ok", true), "Done")
//!         .otherwise("Failed"))
//!     .state("Done", Succeed::new())
//!     .state("Failed", Fail::new("NotOk").cause("$.ok was false"));
//! assert!(graph.validate().is_empty());
//! assert_eq!(graph.to_json()["States"]["Check"]["Default"], json!("Failed"));
//! ```

mod graph;
mod state_machine;
mod states;

pub use cfn::stepfunctions::state_machine::Level as LogLevel;
pub use graph::{RenderedDefinition, StateGraph, MAX_STATE_NAME_LEN};
pub use state_machine::{StateMachine, StateMachineProps, START_EXECUTION_ACTIONS, XRAY_ACTIONS};
pub use states::{
    errors, Catch, Choice, Condition, Fail, Jitter, Map, Pass, ResultPath, Retry, State, Succeed,
    Task, TaskInput, Wait,
};

#[cfg(test)]
mod tests;
