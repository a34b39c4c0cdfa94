//! The states of the Amazon States Language, as typed builders.
//!
//! Each state type is a struct with builder methods for the fields the
//! language allows on it (a `Wait` has no `ResultPath`, a `Fail` no `Next`),
//! and serializes (serde) to the JSON object of the specification, keys in
//! the order the fields are declared.
//! Transitions name states by string; [`super::StateGraph::validate`] checks
//! that they exist.

use constructs::{JsonValue, Value};
use serde::{Serialize, Serializer};

use super::graph::{serialize_item_processor, StateGraph};
use crate::arn::{format_arn, ArnComponents};
use crate::iam::Grantable;
use crate::lambda::RustFunction;
use crate::pascal_case::pascal_case;
use crate::sns::Topic;

/// Error names the runtime raises, for `Retry` and `Catch`.
pub mod errors {
    /// Matches every error (only alone, in the last retrier or catcher).
    pub const ALL: &str = "States.ALL";
    /// A task failed.
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// A task ran longer than its `TimeoutSeconds`.
    pub const TIMEOUT: &str = "States.Timeout";
    /// Errors of the Lambda service (not of the function) that are worth
    /// retrying, as AWS recommends for every Lambda task.
    pub const LAMBDA_TRANSIENT: &[&str] = &[
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ];
}

/// Where a state's result goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ResultPath {
    /// Into the input at this reference path (`$` replaces the input).
    Path(String),
    /// Nowhere: the state's output is its input (`"ResultPath": null`).
    Discard,
}

/// Where a state goes next: `"Next": name` or `"End": true`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) enum Transition {
    Next(String),
    #[serde(serialize_with = "serialize_true")]
    End,
}

fn serialize_true<S: Serializer>(serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bool(true)
}

/// Input/output processing shared by the states that allow it, in the
/// order the fields are written. `P` is the type of `Parameters`: a payload
/// template, or a task's typed service parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Io<P = JsonValue> {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<P>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_selector: Option<JsonValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_path: Option<ResultPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_path: Option<String>,
}

impl<P> Default for Io<P> {
    fn default() -> Self {
        Io {
            comment: None,
            input_path: None,
            parameters: None,
            result_selector: None,
            result_path: None,
            output_path: None,
        }
    }
}

/// Builder methods every state but `Fail` has: `Comment`, `InputPath`, `OutputPath`.
macro_rules! common_methods {
    () => {
        /// Sets `Comment`. Default: none.
        pub fn comment(mut self, comment: impl Into<String>) -> Self {
            self.io.comment = Some(comment.into());
            self
        }

        /// Sets `InputPath`: the part of the input the state sees. Default: `$` (all of it).
        pub fn input_path(mut self, path: impl Into<String>) -> Self {
            self.io.input_path = Some(path.into());
            self
        }

        /// Sets `OutputPath`: the part of the output passed on. Default: `$` (all of it).
        pub fn output_path(mut self, path: impl Into<String>) -> Self {
            self.io.output_path = Some(path.into());
            self
        }
    };
}

/// `Next`/`End` builder methods.
macro_rules! transition_methods {
    () => {
        /// Continues with the state `next`.
        pub fn next(mut self, next: impl Into<String>) -> Self {
            self.transition = Some(Transition::Next(next.into()));
            self
        }

        /// Ends the execution (or the Map iteration) with this state.
        pub fn end(mut self) -> Self {
            self.transition = Some(Transition::End);
            self
        }
    };
}

/// `ResultPath` builder methods.
macro_rules! result_path_methods {
    () => {
        /// Sets `ResultPath`: where in the input the result is placed.
        /// Default: `$` (the result replaces the input).
        pub fn result_path(mut self, path: impl Into<String>) -> Self {
            self.io.result_path = Some(ResultPath::Path(path.into()));
            self
        }

        /// Discards the result (`"ResultPath": null`): the output is the input.
        pub fn discard_result(mut self) -> Self {
            self.io.result_path = Some(ResultPath::Discard);
            self
        }
    };
}

/// `ResultSelector`, `Retry` and `Catch` builder methods (Task and Map).
macro_rules! task_like_methods {
    () => {
        /// Sets `ResultSelector`: a payload template over the raw result
        /// (keys ending in `.$` take paths). Default: the raw result.
        pub fn result_selector(mut self, selector: JsonValue) -> Self {
            self.io.result_selector = Some(selector);
            self
        }

        /// Adds a retrier; retriers are tried in order.
        pub fn retry(mut self, retry: Retry) -> Self {
            self.retry.push(retry);
            self
        }

        /// Adds a catcher; catchers are tried in order, after the retriers gave up.
        pub fn catch(mut self, catch: Catch) -> Self {
            self.catch.push(catch);
            self
        }
    };
}

/// A number, written as an integer when it is one (`10`, not `10.0`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Number(f64);

impl From<f64> for Number {
    fn from(n: f64) -> Number {
        Number(n)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 9.0e15 {
            serializer.serialize_i64(self.0 as i64)
        } else {
            serializer.serialize_f64(self.0)
        }
    }
}

// ---- Retry and Catch ---------------------------------------------------------------------

/// How a retrier spreads its delays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Jitter {
    /// Exact exponential delays.
    None,
    /// A random delay between 0 and the computed one, so that many failing
    /// executions do not retry in lockstep.
    Full,
}

/// A retrier: which errors to retry, how often and how long to wait.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retry {
    #[serde(rename = "ErrorEquals")]
    errors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backoff_rate: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_delay_seconds: Option<u32>,
    #[serde(rename = "JitterStrategy", skip_serializing_if = "Option::is_none")]
    jitter: Option<Jitter>,
}

impl Retry {
    /// Retries the named errors (`ErrorEquals`). Defaults of the language:
    /// 1 s interval, 3 attempts, backoff rate 2, no maximum delay, no jitter.
    pub fn on<I>(errors: I) -> Retry
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Retry {
            errors: errors.into_iter().map(Into::into).collect(),
            interval_seconds: None,
            max_attempts: None,
            backoff_rate: None,
            max_delay_seconds: None,
            jitter: None,
        }
    }

    /// Seconds before the first retry (`IntervalSeconds`).
    pub fn interval_seconds(mut self, seconds: u32) -> Self {
        self.interval_seconds = Some(seconds);
        self
    }

    /// Most retries (`MaxAttempts`); 0 never retries.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Multiplier of the interval at each retry (`BackoffRate`, at least 1).
    pub fn backoff_rate(mut self, rate: f64) -> Self {
        self.backoff_rate = Some(Number(rate));
        self
    }

    /// Cap on the delay between retries (`MaxDelaySeconds`).
    pub fn max_delay_seconds(mut self, seconds: u32) -> Self {
        self.max_delay_seconds = Some(seconds);
        self
    }

    /// Sets `JitterStrategy`.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = Some(jitter);
        self
    }

    pub(crate) fn errors(&self) -> &[String] {
        &self.errors
    }
}

/// A catcher: which errors go to which state, and where the error goes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catch {
    #[serde(rename = "ErrorEquals")]
    errors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_path: Option<ResultPath>,
    next: String,
}

impl Catch {
    /// Sends the named errors (`ErrorEquals`) to the state `next`. Default
    /// `ResultPath`: `$` (the error object `{"Error", "Cause"}` replaces the input).
    pub fn on<I>(errors: I, next: impl Into<String>) -> Catch
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Catch {
            errors: errors.into_iter().map(Into::into).collect(),
            next: next.into(),
            result_path: None,
        }
    }

    /// Places the error object at `path` in the input instead.
    pub fn result_path(mut self, path: impl Into<String>) -> Self {
        self.result_path = Some(ResultPath::Path(path.into()));
        self
    }

    pub(crate) fn errors(&self) -> &[String] {
        &self.errors
    }

    pub(crate) fn next_state(&self) -> &str {
        &self.next
    }
}

// ---- Task --------------------------------------------------------------------------------

/// A task's input to a service: the whole effective input, a path into it, or a template.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskInput {
    /// The value at a reference path (`"Field.$": "$.x"`).
    Path(String),
    /// A fixed value or a payload template (keys ending in `.$` take paths).
    Value(JsonValue),
}

/// Declares a task parameter that takes a [`TaskInput`]: `"<Name>.$"` for
/// a path, `"<Name>"` for a value.
macro_rules! task_input_field {
    ($name:ident, $path_key:literal) => {
        #[derive(Clone, Debug, PartialEq, Serialize)]
        enum $name {
            #[serde(rename = $path_key)]
            Path(String),
            $name(JsonValue),
        }

        impl From<TaskInput> for $name {
            fn from(input: TaskInput) -> Self {
                match input {
                    TaskInput::Path(p) => $name::Path(p),
                    TaskInput::Value(v) => $name::$name(v),
                }
            }
        }
    };
}
task_input_field!(Payload, "Payload.$");
task_input_field!(Message, "Message.$");

/// The `Parameters` of a service integration.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
enum Parameters {
    /// The `lambda:invoke` integration.
    #[serde(rename_all = "PascalCase")]
    LambdaInvoke {
        function_name: Value<String>,
        #[serde(flatten)]
        payload: Payload,
    },
    /// The `sns:publish` integration.
    #[serde(rename_all = "PascalCase")]
    SnsPublish {
        topic_arn: Value<String>,
        #[serde(flatten)]
        message: Message,
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
    },
}

/// A `Task` state: calls a service.
///
/// Lambda functions are invoked through the optimised integration
/// `arn:${AWS::Partition}:states:::lambda:invoke` ([`Task::lambda_invoke`]): its result is
/// the invocation response, `{"Payload": <the function's result>,
/// "StatusCode", "ExecutedVersion", "SdkHttpMetadata", …}`, so select
/// `$.Payload` with [`Task::result_selector`] (`{"Payload.$": "$.Payload"}`)
/// to keep only the function's result. This is the integration AWS
/// recommends (and the AWS CDK's `LambdaInvoke` uses); it reports Lambda
/// service errors as `Lambda.*` errors to retry (see [`errors::LAMBDA_TRANSIENT`]).
/// [`Task::lambda_function`] (the function ARN as `Resource`, the CDK's
/// `payloadResponseOnly`) is there for definitions that want the bare payload.
///
/// A task takes the construct it calls, so the state machine's role is
/// granted what the task needs on it, keys included (see [`super::StateMachine`]).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Task {
    #[serde(skip)]
    target: Target,
    resource: Value<String>,
    #[serde(flatten)]
    io: Io<Parameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    heartbeat_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) retry: Vec<Retry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) catch: Vec<Catch>,
    #[serde(flatten)]
    pub(crate) transition: Option<Transition>,
}

/// The construct a task calls.
#[derive(Clone, Debug)]
enum Target {
    Function(RustFunction),
    Topic(Topic),
}

/// The ARN of a Step Functions service integration (`lambda:invoke`), in the
/// stack's partition.
fn integration(name: &str) -> Value<String> {
    format_arn(&integration_arn(name))
}

fn integration_arn(name: &str) -> ArnComponents {
    ArnComponents::new("states", name).global().account("")
}

/// `LambdaInvoke` for an [`integration`] ARN (`lambda:invoke`): the name of
/// its definition substitution, which says what it is however many states
/// use it. `None` for any other value.
pub(super) fn integration_name(intrinsic: &JsonValue) -> Option<String> {
    let arn = intrinsic.get("Fn::Sub")?.as_str()?;
    let name = arn.strip_prefix(&integration_arn("").template())?;
    Some(pascal_case(name))
}

impl Task {
    fn with(
        target: Target,
        resource: impl Into<Value<String>>,
        parameters: Option<Parameters>,
    ) -> Task {
        Task {
            target,
            resource: resource.into(),
            io: Io {
                parameters,
                ..Io::default()
            },
            timeout_seconds: None,
            heartbeat_seconds: None,
            retry: Vec::new(),
            catch: Vec::new(),
            transition: None,
        }
    }

    /// Invokes a Lambda function synchronously through the
    /// `arn:${AWS::Partition}:states:::lambda:invoke` integration. The payload defaults to the state's
    /// whole effective input (`"Payload.$": "$"`); see [`Task::payload`].
    pub fn lambda_invoke(function: &RustFunction) -> Task {
        Task::with(
            Target::Function(function.clone()),
            integration("lambda:invoke"),
            Some(Parameters::LambdaInvoke {
                function_name: function.arn(),
                payload: Payload::Path("$".into()),
            }),
        )
    }

    /// Invokes a Lambda function with its ARN as the `Resource`: the
    /// state's effective input is the payload and the result is the
    /// function's result alone.
    pub fn lambda_function(function: &RustFunction) -> Task {
        Task::with(Target::Function(function.clone()), function.arn(), None)
    }

    /// Publishes `message` to an SNS topic through the
    /// `arn:${AWS::Partition}:states:::sns:publish` integration.
    /// A JSON object or a path to one is sent as its JSON text.
    pub fn sns_publish(topic: &Topic, message: TaskInput) -> Task {
        Task::with(
            Target::Topic(topic.clone()),
            integration("sns:publish"),
            Some(Parameters::SnsPublish {
                topic_arn: topic.arn(),
                message: message.into(),
                subject: None,
            }),
        )
    }

    /// The payload of a `lambda_invoke` task. Ignored by other tasks (a
    /// `lambda_function` task sends its effective input: use `input_path`).
    pub fn payload(mut self, payload: TaskInput) -> Self {
        if let Some(Parameters::LambdaInvoke { payload: p, .. }) = &mut self.io.parameters {
            *p = payload.into();
        }
        self
    }

    /// The subject of an `sns_publish` task (email subject line). Default: none.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        if let Some(Parameters::SnsPublish { subject: s, .. }) = &mut self.io.parameters {
            *s = Some(subject.into());
        }
        self
    }

    /// Fails the task with `States.Timeout` after this long. Default: none
    /// (the language's 99999999 s); a Lambda task ends with the function's own timeout.
    pub fn timeout_seconds(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Fails the task with `States.Timeout` when no heartbeat arrives for
    /// this long. Default: none.
    pub fn heartbeat_seconds(mut self, seconds: u32) -> Self {
        self.heartbeat_seconds = Some(seconds);
        self
    }

    common_methods!();
    transition_methods!();
    result_path_methods!();
    task_like_methods!();

    /// Lets `grantee` (the state machine) call what the task calls:
    /// invoke the function, or publish to the topic (and use its key).
    pub(crate) fn grant_call(&self, grantee: &dyn Grantable) {
        match &self.target {
            Target::Function(function) => {
                function.grant_invoke(grantee);
            }
            Target::Topic(topic) => {
                topic.grant_publish(grantee);
            }
        }
    }
}

// ---- Choice ------------------------------------------------------------------------------

/// A typed Choice rule condition. Build one with the constructor functions
/// (`Condition::boolean_equals("$.ready", true)`) and combine with
/// [`Condition::and`], [`Condition::or`], [`Condition::not`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition(ConditionKind);

#[derive(Clone, Debug, PartialEq, Serialize)]
enum ConditionKind {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    #[serde(untagged)]
    Compare {
        #[serde(rename = "Variable")]
        variable: String,
        #[serde(flatten)]
        test: Test,
    },
}

/// A comparison operator with its operand; serializes as `"<Operator>": operand`.
#[derive(Clone, Debug, PartialEq, Serialize)]
enum Test {
    BooleanEquals(bool),
    StringEquals(String),
    StringMatches(String),
    StringLessThan(String),
    StringGreaterThan(String),
    NumericEquals(Number),
    NumericLessThan(Number),
    NumericLessThanEquals(Number),
    NumericGreaterThan(Number),
    NumericGreaterThanEquals(Number),
    NumericGreaterThanEqualsPath(String),
    TimestampLessThan(String),
    TimestampGreaterThan(String),
    IsPresent(bool),
    IsNull(bool),
    IsBoolean(bool),
    IsNumeric(bool),
    IsString(bool),
}

macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident($ty:ty) => $test:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(variable: impl Into<String>, value: $ty) -> Condition {
                Condition::compare(variable, Test::$test(value.into()))
            }
        )*
    };
}

macro_rules! type_tests {
    ($($(#[$doc:meta])* $name:ident => $test:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(variable: impl Into<String>) -> Condition {
                Condition::compare(variable, Test::$test(true))
            }
        )*
    };
}

impl Condition {
    fn compare(variable: impl Into<String>, test: Test) -> Condition {
        Condition(ConditionKind::Compare {
            variable: variable.into(),
            test,
        })
    }

    comparisons! {
        /// `BooleanEquals`.
        boolean_equals(bool) => BooleanEquals;
        /// `StringEquals`.
        string_equals(&str) => StringEquals;
        /// `StringMatches` (`*` is a wildcard).
        string_matches(&str) => StringMatches;
        /// `StringLessThan`.
        string_less_than(&str) => StringLessThan;
        /// `StringGreaterThan`.
        string_greater_than(&str) => StringGreaterThan;
        /// `NumericEquals`.
        number_equals(f64) => NumericEquals;
        /// `NumericLessThan`.
        number_less_than(f64) => NumericLessThan;
        /// `NumericLessThanEquals`.
        number_less_than_equals(f64) => NumericLessThanEquals;
        /// `NumericGreaterThan`.
        number_greater_than(f64) => NumericGreaterThan;
        /// `NumericGreaterThanEquals`.
        number_greater_than_equals(f64) => NumericGreaterThanEquals;
        /// `NumericGreaterThanEqualsPath`: compares with the number at another path.
        number_greater_than_equals_path(&str) => NumericGreaterThanEqualsPath;
        /// `TimestampLessThan` (RFC 3339 timestamp).
        timestamp_less_than(&str) => TimestampLessThan;
        /// `TimestampGreaterThan` (RFC 3339 timestamp).
        timestamp_greater_than(&str) => TimestampGreaterThan;
    }

    type_tests! {
        /// `IsPresent: true`: the path exists in the input.
        is_present => IsPresent;
        /// `IsNull: true`.
        is_null => IsNull;
        /// `IsBoolean: true`.
        is_boolean => IsBoolean;
        /// `IsNumeric: true`.
        is_numeric => IsNumeric;
        /// `IsString: true`.
        is_string => IsString;
    }

    /// All of `conditions`.
    pub fn and(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition(ConditionKind::And(conditions.into_iter().collect()))
    }

    /// Any of `conditions`.
    pub fn or(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition(ConditionKind::Or(conditions.into_iter().collect()))
    }

    /// The negation of `condition`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(condition: Condition) -> Condition {
        Condition(ConditionKind::Not(Box::new(condition)))
    }

    /// Problems of this condition (an empty `And`/`Or`).
    pub(crate) fn problems(&self) -> Vec<&'static str> {
        match &self.0 {
            ConditionKind::Compare { .. } => Vec::new(),
            ConditionKind::And(c) | ConditionKind::Or(c) if c.is_empty() => {
                vec!["an And/Or condition needs at least one condition"]
            }
            ConditionKind::And(c) | ConditionKind::Or(c) => {
                c.iter().flat_map(Condition::problems).collect()
            }
            ConditionKind::Not(c) => c.problems(),
        }
    }
}

/// A Choice rule: a condition and the state it leads to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Rule {
    #[serde(flatten)]
    pub(crate) condition: Condition,
    #[serde(rename = "Next")]
    pub(crate) next: String,
}

/// A `Choice` state: the first rule whose condition holds picks the next state.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Choice {
    #[serde(flatten)]
    io: Io,
    #[serde(rename = "Choices")]
    pub(crate) rules: Vec<Rule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default: Option<String>,
}

impl Choice {
    /// A Choice with no rules yet: add them with [`Choice::when`].
    pub fn new() -> Choice {
        Choice {
            io: Io::default(),
            rules: Vec::new(),
            default: None,
        }
    }

    /// Goes to `next` when `condition` holds (rules are tried in order).
    pub fn when(mut self, condition: Condition, next: impl Into<String>) -> Self {
        self.rules.push(Rule {
            condition,
            next: next.into(),
        });
        self
    }

    /// Goes to `next` when no rule matched (`Default`). Default: none, and
    /// the execution fails with `States.NoChoiceMatched`.
    pub fn otherwise(mut self, next: impl Into<String>) -> Self {
        self.default = Some(next.into());
        self
    }

    common_methods!();
}

impl Default for Choice {
    fn default() -> Self {
        Choice::new()
    }
}

// ---- Wait --------------------------------------------------------------------------------

/// How long a `Wait` waits; serializes as `"<Field>": value`.
#[derive(Clone, Debug, PartialEq, Serialize)]
enum Duration {
    Seconds(u32),
    SecondsPath(String),
    Timestamp(String),
    TimestampPath(String),
}

/// A `Wait` state: pauses for a time or until a timestamp.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Wait {
    #[serde(flatten)]
    io: Io,
    #[serde(flatten)]
    duration: Duration,
    #[serde(flatten)]
    pub(crate) transition: Option<Transition>,
}

impl Wait {
    fn with(duration: Duration) -> Wait {
        Wait {
            io: Io::default(),
            duration,
            transition: None,
        }
    }

    /// Waits a fixed number of seconds (`Seconds`).
    pub fn seconds(seconds: u32) -> Wait {
        Wait::with(Duration::Seconds(seconds))
    }

    /// Waits the number of seconds found at a path of the input (`SecondsPath`).
    pub fn seconds_path(path: impl Into<String>) -> Wait {
        Wait::with(Duration::SecondsPath(path.into()))
    }

    /// Waits until an RFC 3339 timestamp (`Timestamp`).
    pub fn timestamp(timestamp: impl Into<String>) -> Wait {
        Wait::with(Duration::Timestamp(timestamp.into()))
    }

    /// Waits until the timestamp found at a path of the input (`TimestampPath`).
    pub fn timestamp_path(path: impl Into<String>) -> Wait {
        Wait::with(Duration::TimestampPath(path.into()))
    }

    common_methods!();
    transition_methods!();
}

// ---- Map ---------------------------------------------------------------------------------

/// A `Map` state: runs an inline state graph (`ItemProcessor`, mode
/// `INLINE`) for each item of an array of the input.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Map {
    #[serde(skip_serializing_if = "Option::is_none")]
    items_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_selector: Option<JsonValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_concurrency: Option<u32>,
    #[serde(rename = "ItemProcessor", serialize_with = "serialize_item_processor")]
    pub(crate) processor: Box<StateGraph>,
    #[serde(flatten)]
    io: Io,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) retry: Vec<Retry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) catch: Vec<Catch>,
    #[serde(flatten)]
    pub(crate) transition: Option<Transition>,
}

impl Map {
    /// Runs `processor` for each item.
    pub fn new(processor: StateGraph) -> Map {
        Map {
            io: Io::default(),
            processor: Box::new(processor),
            items_path: None,
            item_selector: None,
            max_concurrency: None,
            retry: Vec::new(),
            catch: Vec::new(),
            transition: None,
        }
    }

    /// The array to iterate over (`ItemsPath`). Default: `$` (the input is the array).
    pub fn items_path(mut self, path: impl Into<String>) -> Self {
        self.items_path = Some(path.into());
        self
    }

    /// Each iteration's input, as a template (`ItemSelector`; the item is
    /// `$$.Map.Item.Value`, its index `$$.Map.Item.Index`). Default: the item.
    pub fn item_selector(mut self, selector: JsonValue) -> Self {
        self.item_selector = Some(selector);
        self
    }

    /// At most this many iterations at once (`MaxConcurrency`). Default: 0, no limit
    /// (Step Functions runs up to 40 inline iterations at once).
    pub fn max_concurrency(mut self, n: u32) -> Self {
        self.max_concurrency = Some(n);
        self
    }

    common_methods!();
    transition_methods!();
    result_path_methods!();
    task_like_methods!();
}

// ---- Pass, Succeed, Fail -----------------------------------------------------------------

/// A `Pass` state: passes its input on, optionally transformed or replaced.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pass {
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<JsonValue>,
    #[serde(flatten)]
    io: Io,
    #[serde(flatten)]
    pub(crate) transition: Option<Transition>,
}

impl Pass {
    /// A Pass state that outputs its input.
    pub fn new() -> Pass {
        Pass {
            io: Io::default(),
            result: None,
            transition: None,
        }
    }

    /// A fixed result (`Result`), placed at `ResultPath`. Default: the effective input.
    pub fn result(mut self, result: JsonValue) -> Self {
        self.result = Some(result);
        self
    }

    /// A payload template (`Parameters`; keys ending in `.$` take paths or
    /// intrinsic functions such as `States.MathAdd($.n, 1)`). Default: the input.
    pub fn parameters(mut self, parameters: JsonValue) -> Self {
        self.io.parameters = Some(parameters);
        self
    }

    common_methods!();
    transition_methods!();
    result_path_methods!();
}

impl Default for Pass {
    fn default() -> Self {
        Pass::new()
    }
}

/// A `Succeed` state: ends the execution (or Map iteration) successfully.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Succeed {
    #[serde(flatten)]
    io: Io,
}

impl Succeed {
    /// A Succeed state.
    pub fn new() -> Succeed {
        Succeed::default()
    }

    common_methods!();
}

/// A `Fail` state: ends the execution with an error name and a cause.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fail {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<String>,
}

impl Fail {
    /// A Fail state with the error name `error` (what callers and the
    /// execution's history see, and what a parent's `Catch` matches).
    pub fn new(error: impl Into<String>) -> Fail {
        Fail {
            error: Some(error.into()),
            ..Fail::default()
        }
    }

    /// A human-readable cause. Default: none.
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// Sets `Comment`. Default: none.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

// ---- State -------------------------------------------------------------------------------

/// Any state; serializes as its ASL JSON object, `Type` first. Intrinsics
/// (ARNs of resources in the stack) are still inline: [`StateGraph::render`]
/// turns them into substitutions.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "Type")]
pub enum State {
    /// A `Task`.
    Task(Task),
    /// A `Choice`.
    Choice(Choice),
    /// A `Wait`.
    Wait(Wait),
    /// A `Map`.
    Map(Map),
    /// A `Pass`.
    Pass(Pass),
    /// A `Succeed`.
    Succeed(Succeed),
    /// A `Fail`.
    Fail(Fail),
}

macro_rules! state_from {
    ($($t:ident),*) => {
        $(impl From<$t> for State {
            fn from(s: $t) -> State {
                State::$t(s)
            }
        })*
    };
}
state_from!(Task, Choice, Wait, Map, Pass, Succeed, Fail);

impl State {
    /// The state's `Type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            State::Task(_) => "Task",
            State::Choice(_) => "Choice",
            State::Wait(_) => "Wait",
            State::Map(_) => "Map",
            State::Pass(_) => "Pass",
            State::Succeed(_) => "Succeed",
            State::Fail(_) => "Fail",
        }
    }

    /// `Some(transition)` for the states that need `Next` or `End`; `None`
    /// for Choice, Succeed and Fail.
    pub(crate) fn transition(&self) -> Option<&Option<Transition>> {
        match self {
            State::Task(s) => Some(&s.transition),
            State::Wait(s) => Some(&s.transition),
            State::Map(s) => Some(&s.transition),
            State::Pass(s) => Some(&s.transition),
            State::Choice(_) | State::Succeed(_) | State::Fail(_) => None,
        }
    }

    /// Every state this one can go to, with the field that names it.
    pub(crate) fn targets(&self) -> Vec<(&'static str, &str)> {
        let mut targets = Vec::new();
        if let Some(Some(Transition::Next(n))) = self.transition() {
            targets.push(("Next", n.as_str()));
        }
        match self {
            State::Choice(c) => {
                for rule in &c.rules {
                    targets.push(("Choices[].Next", rule.next.as_str()));
                }
                if let Some(d) = &c.default {
                    targets.push(("Default", d.as_str()));
                }
            }
            State::Task(Task { catch, .. }) | State::Map(Map { catch, .. }) => {
                for c in catch {
                    targets.push(("Catch[].Next", c.next_state()));
                }
            }
            _ => {}
        }
        targets
    }

    pub(crate) fn retry_catch(&self) -> (&[Retry], &[Catch]) {
        match self {
            State::Task(t) => (&t.retry, &t.catch),
            State::Map(m) => (&m.retry, &m.catch),
            _ => (&[], &[]),
        }
    }
}
