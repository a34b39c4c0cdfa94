//! The auction pipeline stack: a state machine that polls
//! the results generator ("Lambda A") until results are ready, then runs the
//! order processor ("Lambda B") for each order, publishing each failed order
//! to the notifications topic; an EventBridge rule starts it every 5 minutes.
//!
//! ```text
//! Initialize ─► GetResults ─► ResultsReady? ──true──► ProcessOrders (Map over orders) ─► Done
//!                   ▲              │ false, attempts < max       │ per order: ProcessOrder
//!                   │              ▼                             │   └─ error ─► NotifyOrderFailure
//!              CountAttempt ◄─ WaitForResults                    │
//!                                  │ false, attempts = max
//!                                  ▼
//!                           ResultsNotReady (Fail)
//! ```
//!
//! Context values (`-c key=value`):
//!
//! | Key | Meaning | Default |
//! |---|---|---|
//! | `auction.maxAttempts` | invocations of the results generator before the execution fails with `ResultsNotReady` | 10 |
//! | `auction.waitSeconds` | seconds between two invocations | 30 |
//! | `auction.rateMinutes` | minutes between two scheduled executions | 5 |
//!
//! With the defaults a stuck upstream ends the execution after 10
//! invocations and 9 waits (4.5 minutes), before the next scheduled one starts.

use aws_constructs::events::{Schedule, ScheduleRule};
use aws_constructs::kms::{Key, KeyProps};
use aws_constructs::lambda::{RustFunction, RustFunctionProps};
use aws_constructs::s3::{Bucket, BucketProps};
use aws_constructs::sns::{Topic, TopicProps};
use aws_constructs::stepfunctions::{
    errors, Catch, Choice, Condition, Fail, Jitter, Map, Pass, Retry, StateGraph, StateMachine,
    StateMachineProps, Succeed, Task, TaskInput, Wait,
};
use constructs::{Stack, Stage};
use env_names::order_processor;
use serde_json::json;

use super::{read_context, Env};

/// The stack's id in its stage (CloudFormation stack `Dev-Auction`).
pub const STACK_ID: &str = "Auction";
/// The error an execution fails with when results never became ready.
pub const RESULTS_NOT_READY: &str = "ResultsNotReady";
/// Context key: invocations of the results generator before giving up.
pub const MAX_ATTEMPTS_CONTEXT: &str = "auction.maxAttempts";
/// Context key: seconds between invocations of the results generator.
pub const WAIT_SECONDS_CONTEXT: &str = "auction.waitSeconds";
/// Context key: minutes between two scheduled executions.
pub const RATE_CONTEXT: &str = "auction.rateMinutes";
/// Minutes between two scheduled executions when the context does not say.
pub const DEFAULT_RATE_MINUTES: u32 = 5;
/// Error types of the order processor (functions/order-processor, `error.rs`).
pub const ORDER_ERRORS: &[&str] = &["OrderRejected", "MalformedOrder"];

/// Bounds of the polling loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Polling {
    /// Invocations of the results generator before the execution fails.
    pub max_attempts: u32,
    /// Seconds between two invocations.
    pub wait_seconds: u32,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            max_attempts: 10,
            wait_seconds: 30,
        }
    }
}

/// Adds the `Auction` stack to `stage`.
pub fn build(stage: &Stage, env: Env) -> Stack {
    let stack = stage.stack(STACK_ID);
    stack.set_description("Auction pipeline: results polling, order processing, notifications");
    let polling = polling_from_context(&stack);
    let rate_minutes = read_context(&stack, RATE_CONTEXT, DEFAULT_RATE_MINUTES, 1);

    let key = Key::new(
        &stack,
        "Key",
        KeyProps {
            description: Some(
                "Auction pipeline: results bucket, notifications topic, logs and function environments"
                    .into(),
            ),
            removal_policy: env.removal_policy(),
        },
    );
    let bucket = Bucket::new(
        &stack,
        "ResultsBucket",
        BucketProps {
            encryption_key: Some(key.clone()),
            removal_policy: env.removal_policy(),
            ..BucketProps::default()
        },
    );
    let topic = Topic::new(
        &stack,
        "NotificationsTopic",
        TopicProps {
            encryption_key: Some(key.clone()),
            display_name: Some(format!("Auction notifications ({})", env.name())),
        },
    );

    let function = |id: &str, crate_dir: &str, description: &str, concurrency: u32| {
        RustFunction::new(
            &stack,
            id,
            RustFunctionProps {
                reserved_concurrency: Some(concurrency),
                ..env.function_props(crate_dir, description, &key)
            },
        )
    };
    // One execution at a time polls the generator (a new one starts every `rate_minutes`).
    let generator = function(
        "ResultsGenerator",
        "functions/results-generator",
        "Lambda A: returns whether the auction's results are ready, and its orders",
        2,
    );
    // The Map runs at most MAP_CONCURRENCY orders at once per execution.
    let processor = function(
        "OrderProcessor",
        "functions/order-processor",
        "Lambda B: saves an accepted order to the results bucket, fails on a rejected one",
        2 * MAP_CONCURRENCY,
    );
    processor.add_environment(order_processor::RESULTS_BUCKET_NAME, bucket.bucket_name());
    processor.add_environment(order_processor::RESULTS_KMS_KEY_ID, key.arn());
    bucket.grant_put(&processor, "*");

    let machine = StateMachine::new(
        &stack,
        "StateMachine",
        StateMachineProps {
            log_retention: env.log_retention(),
            log_removal_policy: env.removal_policy(),
            encryption_key: Some(key.clone()),
            ..StateMachineProps::new(definition(&generator, &processor, &topic, polling))
        },
    );

    let rule = ScheduleRule::new(
        &stack,
        "Schedule",
        Schedule::Minutes(rate_minutes),
        &format!("Starts the auction pipeline every {rate_minutes} minutes"),
    );
    rule.add_state_machine_target("StateMachine", &machine, None);
    stack
}

/// Orders processed at once by one execution.
pub const MAP_CONCURRENCY: u32 = 5;

fn polling_from_context(stack: &Stack) -> Polling {
    let default = Polling::default();
    Polling {
        max_attempts: read_context(stack, MAX_ATTEMPTS_CONTEXT, default.max_attempts, 1),
        wait_seconds: read_context(stack, WAIT_SECONDS_CONTEXT, default.wait_seconds, 0),
    }
}

/// Retries of the errors the Lambda service raises on its own (throttling,
/// service faults), as AWS recommends for every Lambda task.
fn lambda_retry() -> Retry {
    Retry::on(errors::LAMBDA_TRANSIENT.iter().copied())
        .interval_seconds(2)
        .max_attempts(6)
        .backoff_rate(2.0)
        .max_delay_seconds(30)
        .jitter(Jitter::Full)
}

/// The state machine: see the module documentation for its shape.
///
/// Data flow: the execution input (the scheduled event, or `{"seed": n}` in
/// tests) is kept and grows `attempts.count` (invocations so far),
/// `generator.Payload` (the generator's last answer) and `processed` (one
/// entry per order: `{order, index, result}` or `{order, index, error,
/// notification}`).
pub fn definition(
    generator: &RustFunction,
    processor: &RustFunction,
    topic: &Topic,
    polling: Polling,
) -> StateGraph {
    let process_order = StateGraph::new("ProcessOrder")
        .state(
            "ProcessOrder",
            Task::lambda_invoke(processor)
                .comment("Saves an accepted order; fails with OrderRejected or MalformedOrder")
                .payload(TaskInput::Path("$.order".into()))
                .result_selector(json!({"Payload.$": "$.Payload"}))
                .result_path("$.result")
                .retry(lambda_retry())
                .retry(
                    Retry::on(["ResultsWriteFailed"])
                        .interval_seconds(1)
                        .max_attempts(3)
                        .backoff_rate(2.0),
                )
                .catch(
                    Catch::on(ORDER_ERRORS.iter().copied(), "NotifyOrderFailure")
                        .result_path("$.error"),
                )
                .catch(Catch::on([errors::ALL], "NotifyOrderFailure").result_path("$.error"))
                .end(),
        )
        .state(
            "NotifyOrderFailure",
            Task::sns_publish(topic, TaskInput::Path("$".into()))
                .comment("Publishes the order and its error; the other orders go on")
                .subject("Auction order failed")
                .result_selector(json!({"MessageId.$": "$.MessageId"}))
                .result_path("$.notification")
                .end(),
        );

    StateGraph::new("Initialize")
        .comment("Auction pipeline: poll the results generator, then process each order")
        .state(
            "Initialize",
            Pass::new()
                .result(json!({"count": 1}))
                .result_path("$.attempts")
                .next("GetResults"),
        )
        .state(
            "GetResults",
            Task::lambda_invoke(generator)
                .comment("Lambda A: {results: bool, orders: [...]}")
                .result_selector(json!({"Payload.$": "$.Payload"}))
                .result_path("$.generator")
                .retry(lambda_retry())
                .next("ResultsReady"),
        )
        .state(
            "ResultsReady",
            Choice::new()
                .when(
                    Condition::and([
                        Condition::is_present("$.generator.Payload.results"),
                        Condition::boolean_equals("$.generator.Payload.results", true),
                    ]),
                    "ProcessOrders",
                )
                .when(
                    Condition::number_greater_than_equals(
                        "$.attempts.count",
                        f64::from(polling.max_attempts),
                    ),
                    "ResultsNotReady",
                )
                .otherwise("WaitForResults"),
        )
        .state(
            "WaitForResults",
            Wait::seconds(polling.wait_seconds).next("CountAttempt"),
        )
        .state(
            "CountAttempt",
            Pass::new()
                .parameters(json!({"count.$": "States.MathAdd($.attempts.count, 1)"}))
                .result_path("$.attempts")
                .next("GetResults"),
        )
        .state(
            "ResultsNotReady",
            Fail::new(RESULTS_NOT_READY).cause(format!(
                "the results generator did not return results after {} attempts, {} s apart",
                polling.max_attempts, polling.wait_seconds
            )),
        )
        .state(
            "ProcessOrders",
            Map::new(process_order)
                .items_path("$.generator.Payload.orders")
                .item_selector(
                    json!({"order.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"}),
                )
                .max_concurrency(MAP_CONCURRENCY)
                .result_path("$.processed")
                .next("Done"),
        )
        .state("Done", Succeed::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_valid() {
        let stack = constructs::App::new().stack("S");
        let function = |id: &str| {
            RustFunction::new(
                &stack,
                id,
                RustFunctionProps::new("functions/results-generator"),
            )
        };
        let topic = Topic::new(&stack, "Topic", TopicProps::default());
        let d = definition(&function("A"), &function("B"), &topic, Polling::default());
        assert_eq!(d.validate(), Vec::<String>::new());
    }
}
