//! The states of the Amazon States Language, as typed builders.
//!
//! Each state type is a struct with builder methods for the fields the
//! language allows on it (a `Wait` has no `ResultPath`, a `Fail` no `Next`),
//! and renders to the JSON object of the specification with `to_json`.
//! Transitions name states by string; [`super::StateGraph::validate`] checks
//! that they exist.

use constructs::{JsonValue, Value};
use serde_json::{json, Map as JsonMap};

use super::StateGraph;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResultPath {
    /// Into the input at this reference path (`$` replaces the input).
    Path(String),
    /// Nowhere: the state's output is its input (`"ResultPath": null`).
    Discard,
}

impl ResultPath {
    fn to_json(&self) -> JsonValue {
        match self {
            ResultPath::Path(p) => json!(p),
            ResultPath::Discard => JsonValue::Null,
        }
    }
}

/// Where a state goes next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Transition {
    Next(String),
    End,
}

/// Input/output processing shared by the states that allow it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Io {
    comment: Option<String>,
    input_path: Option<String>,
    output_path: Option<String>,
    parameters: Option<JsonValue>,
    result_selector: Option<JsonValue>,
    result_path: Option<ResultPath>,
}

impl Io {
    fn write(&self, o: &mut JsonMap<String, JsonValue>) {
        if let Some(c) = &self.comment {
            o.insert("Comment".into(), json!(c));
        }
        if let Some(p) = &self.input_path {
            o.insert("InputPath".into(), json!(p));
        }
        if let Some(p) = &self.parameters {
            o.insert("Parameters".into(), p.clone());
        }
        if let Some(p) = &self.result_selector {
            o.insert("ResultSelector".into(), p.clone());
        }
        if let Some(p) = &self.result_path {
            o.insert("ResultPath".into(), p.to_json());
        }
        if let Some(p) = &self.output_path {
            o.insert("OutputPath".into(), json!(p));
        }
    }
}

fn write_transition(t: &Option<Transition>, o: &mut JsonMap<String, JsonValue>) {
    match t {
        Some(Transition::Next(n)) => {
            o.insert("Next".into(), json!(n));
        }
        Some(Transition::End) => {
            o.insert("End".into(), json!(true));
        }
        None => {}
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

fn write_retry_catch(retry: &[Retry], catch: &[Catch], o: &mut JsonMap<String, JsonValue>) {
    if !retry.is_empty() {
        o.insert(
            "Retry".into(),
            retry.iter().map(Retry::to_json).collect::<Vec<_>>().into(),
        );
    }
    if !catch.is_empty() {
        o.insert(
            "Catch".into(),
            catch.iter().map(Catch::to_json).collect::<Vec<_>>().into(),
        );
    }
}

/// A number as JSON: an integer when it is one (`10`, not `10.0`).
fn number(n: f64) -> JsonValue {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

// ---- Retry and Catch ---------------------------------------------------------------------

/// How a retrier spreads its delays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Exact exponential delays.
    None,
    /// A random delay between 0 and the computed one, so that many failing
    /// executions do not retry in lockstep.
    Full,
}

/// A retrier: which errors to retry, how often and how long to wait.
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    errors: Vec<String>,
    interval_seconds: Option<u32>,
    max_attempts: Option<u32>,
    backoff_rate: Option<f64>,
    max_delay_seconds: Option<u32>,
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
        self.backoff_rate = Some(rate);
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

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("ErrorEquals".into(), json!(self.errors));
        if let Some(s) = self.interval_seconds {
            o.insert("IntervalSeconds".into(), json!(s));
        }
        if let Some(n) = self.max_attempts {
            o.insert("MaxAttempts".into(), json!(n));
        }
        if let Some(r) = self.backoff_rate {
            o.insert("BackoffRate".into(), number(r));
        }
        if let Some(s) = self.max_delay_seconds {
            o.insert("MaxDelaySeconds".into(), json!(s));
        }
        if let Some(j) = self.jitter {
            let j = match j {
                Jitter::None => "NONE",
                Jitter::Full => "FULL",
            };
            o.insert("JitterStrategy".into(), json!(j));
        }
        JsonValue::Object(o)
    }
}

/// A catcher: which errors go to which state, and where the error goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Catch {
    errors: Vec<String>,
    next: String,
    result_path: Option<ResultPath>,
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

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("ErrorEquals".into(), json!(self.errors));
        if let Some(p) = &self.result_path {
            o.insert("ResultPath".into(), p.to_json());
        }
        o.insert("Next".into(), json!(self.next));
        JsonValue::Object(o)
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

impl TaskInput {
    fn write(&self, field: &str, o: &mut JsonMap<String, JsonValue>) {
        match self {
            TaskInput::Path(p) => o.insert(format!("{field}.$"), json!(p)),
            TaskInput::Value(v) => o.insert(field.to_owned(), v.clone()),
        };
    }
}

/// The service a task calls.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Integration {
    /// `arn:aws:states:::lambda:invoke` (the optimised integration).
    LambdaInvoke {
        function_arn: Value<String>,
        payload: TaskInput,
    },
    /// The function ARN as `Resource`: the result is the payload alone.
    LambdaFunction { function_arn: Value<String> },
    /// `arn:aws:states:::sns:publish`.
    SnsPublish {
        topic_arn: Value<String>,
        message: TaskInput,
        subject: Option<String>,
    },
}

/// A `Task` state: calls a service.
///
/// Lambda functions are invoked through the optimised integration
/// `arn:aws:states:::lambda:invoke` ([`Task::lambda_invoke`]): its result is
/// the invocation response, `{"Payload": <the function's result>,
/// "StatusCode", "ExecutedVersion", "SdkHttpMetadata", …}`, so select
/// `$.Payload` with [`Task::result_selector`] (`{"Payload.$": "$.Payload"}`)
/// to keep only the function's result. This is the integration AWS
/// recommends (and the AWS CDK's `LambdaInvoke` uses); it reports Lambda
/// service errors as `Lambda.*` errors to retry (see [`errors::LAMBDA_TRANSIENT`]).
/// [`Task::lambda_function`] (the function ARN as `Resource`, the CDK's
/// `payloadResponseOnly`) is there for definitions that want the bare payload.
///
/// The state machine's role is granted what each task calls (see
/// [`super::StateMachine`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub(crate) integration: Integration,
    io: Io,
    timeout_seconds: Option<u32>,
    heartbeat_seconds: Option<u32>,
    pub(crate) retry: Vec<Retry>,
    pub(crate) catch: Vec<Catch>,
    pub(crate) transition: Option<Transition>,
}

impl Task {
    fn with(integration: Integration) -> Task {
        Task {
            integration,
            io: Io::default(),
            timeout_seconds: None,
            heartbeat_seconds: None,
            retry: Vec::new(),
            catch: Vec::new(),
            transition: None,
        }
    }

    /// Invokes a Lambda function synchronously through
    /// `arn:aws:states:::lambda:invoke`. The payload defaults to the state's
    /// whole effective input (`"Payload.$": "$"`); see [`Task::payload`].
    pub fn lambda_invoke(function_arn: impl Into<Value<String>>) -> Task {
        Task::with(Integration::LambdaInvoke {
            function_arn: function_arn.into(),
            payload: TaskInput::Path("$".into()),
        })
    }

    /// Invokes a Lambda function with its ARN as the `Resource`: the
    /// state's effective input is the payload and the result is the
    /// function's result alone.
    pub fn lambda_function(function_arn: impl Into<Value<String>>) -> Task {
        Task::with(Integration::LambdaFunction {
            function_arn: function_arn.into(),
        })
    }

    /// Publishes `message` to an SNS topic through `arn:aws:states:::sns:publish`.
    /// A JSON object or a path to one is sent as its JSON text.
    pub fn sns_publish(topic_arn: impl Into<Value<String>>, message: TaskInput) -> Task {
        Task::with(Integration::SnsPublish {
            topic_arn: topic_arn.into(),
            message,
            subject: None,
        })
    }

    /// The payload of a `lambda_invoke` task. Ignored by other tasks (a
    /// `lambda_function` task sends its effective input: use `input_path`).
    pub fn payload(mut self, payload: TaskInput) -> Self {
        if let Integration::LambdaInvoke { payload: p, .. } = &mut self.integration {
            *p = payload;
        }
        self
    }

    /// The subject of an `sns_publish` task (email subject line). Default: none.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        if let Integration::SnsPublish { subject: s, .. } = &mut self.integration {
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

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("Type".into(), json!("Task"));
        let mut parameters = JsonMap::new();
        let resource: Value<String> = match &self.integration {
            Integration::LambdaInvoke {
                function_arn,
                payload,
            } => {
                parameters.insert("FunctionName".into(), json!(function_arn));
                payload.write("Payload", &mut parameters);
                Value::from("arn:aws:states:::lambda:invoke")
            }
            Integration::LambdaFunction { function_arn } => function_arn.clone(),
            Integration::SnsPublish {
                topic_arn,
                message,
                subject,
            } => {
                parameters.insert("TopicArn".into(), json!(topic_arn));
                message.write("Message", &mut parameters);
                if let Some(s) = subject {
                    parameters.insert("Subject".into(), json!(s));
                }
                Value::from("arn:aws:states:::sns:publish")
            }
        };
        o.insert("Resource".into(), json!(resource));
        if let Some(c) = &self.io.comment {
            o.insert("Comment".into(), json!(c));
        }
        let io = Io {
            comment: None,
            parameters: (!parameters.is_empty()).then_some(JsonValue::Object(parameters)),
            ..self.io.clone()
        };
        io.write(&mut o);
        if let Some(s) = self.timeout_seconds {
            o.insert("TimeoutSeconds".into(), json!(s));
        }
        if let Some(s) = self.heartbeat_seconds {
            o.insert("HeartbeatSeconds".into(), json!(s));
        }
        write_retry_catch(&self.retry, &self.catch, &mut o);
        write_transition(&self.transition, &mut o);
        JsonValue::Object(o)
    }
}

// ---- Choice ------------------------------------------------------------------------------

/// A typed Choice rule condition. Build one with the constructor functions
/// (`Condition::boolean_equals("$.ready", true)`) and combine with
/// [`Condition::and`], [`Condition::or`], [`Condition::not`].
#[derive(Clone, Debug, PartialEq)]
pub struct Condition(ConditionKind);

#[derive(Clone, Debug, PartialEq)]
enum ConditionKind {
    Compare {
        variable: String,
        operator: &'static str,
        value: JsonValue,
    },
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident($ty:ty) => $op:literal, $conv:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(variable: impl Into<String>, value: $ty) -> Condition {
                #[allow(clippy::redundant_closure_call)]
                let value = ($conv)(value);
                Condition::compare(variable, $op, value)
            }
        )*
    };
}

impl Condition {
    fn compare(variable: impl Into<String>, operator: &'static str, value: JsonValue) -> Condition {
        Condition(ConditionKind::Compare {
            variable: variable.into(),
            operator,
            value,
        })
    }

    comparisons! {
        /// `BooleanEquals`.
        boolean_equals(bool) => "BooleanEquals", |v: bool| json!(v);
        /// `StringEquals`.
        string_equals(&str) => "StringEquals", |v: &str| json!(v);
        /// `StringMatches` (`*` is a wildcard).
        string_matches(&str) => "StringMatches", |v: &str| json!(v);
        /// `StringLessThan`.
        string_less_than(&str) => "StringLessThan", |v: &str| json!(v);
        /// `StringGreaterThan`.
        string_greater_than(&str) => "StringGreaterThan", |v: &str| json!(v);
        /// `NumericEquals`.
        number_equals(f64) => "NumericEquals", number;
        /// `NumericLessThan`.
        number_less_than(f64) => "NumericLessThan", number;
        /// `NumericLessThanEquals`.
        number_less_than_equals(f64) => "NumericLessThanEquals", number;
        /// `NumericGreaterThan`.
        number_greater_than(f64) => "NumericGreaterThan", number;
        /// `NumericGreaterThanEquals`.
        number_greater_than_equals(f64) => "NumericGreaterThanEquals", number;
        /// `NumericGreaterThanEqualsPath`: compares with the number at another path.
        number_greater_than_equals_path(&str) => "NumericGreaterThanEqualsPath", |v: &str| json!(v);
        /// `TimestampLessThan` (RFC 3339 timestamp).
        timestamp_less_than(&str) => "TimestampLessThan", |v: &str| json!(v);
        /// `TimestampGreaterThan` (RFC 3339 timestamp).
        timestamp_greater_than(&str) => "TimestampGreaterThan", |v: &str| json!(v);
    }

    /// `IsPresent: true`: the path exists in the input.
    pub fn is_present(variable: impl Into<String>) -> Condition {
        Condition::compare(variable, "IsPresent", json!(true))
    }

    /// `IsNull: true`.
    pub fn is_null(variable: impl Into<String>) -> Condition {
        Condition::compare(variable, "IsNull", json!(true))
    }

    /// `IsBoolean: true`.
    pub fn is_boolean(variable: impl Into<String>) -> Condition {
        Condition::compare(variable, "IsBoolean", json!(true))
    }

    /// `IsNumeric: true`.
    pub fn is_numeric(variable: impl Into<String>) -> Condition {
        Condition::compare(variable, "IsNumeric", json!(true))
    }

    /// `IsString: true`.
    pub fn is_string(variable: impl Into<String>) -> Condition {
        Condition::compare(variable, "IsString", json!(true))
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

    fn write(&self, o: &mut JsonMap<String, JsonValue>) {
        match &self.0 {
            ConditionKind::Compare {
                variable,
                operator,
                value,
            } => {
                o.insert("Variable".into(), json!(variable));
                o.insert((*operator).into(), value.clone());
            }
            ConditionKind::And(c) => {
                o.insert("And".into(), c.iter().map(Condition::to_json).collect());
            }
            ConditionKind::Or(c) => {
                o.insert("Or".into(), c.iter().map(Condition::to_json).collect());
            }
            ConditionKind::Not(c) => {
                o.insert("Not".into(), c.to_json());
            }
        }
    }

    /// The condition as a JSON object (a Choice rule without `Next`).
    pub fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        self.write(&mut o);
        JsonValue::Object(o)
    }
}

/// A `Choice` state: the first rule whose condition holds picks the next state.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    io: Io,
    pub(crate) rules: Vec<(Condition, String)>,
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
        self.rules.push((condition, next.into()));
        self
    }

    /// Goes to `next` when no rule matched (`Default`). Default: none, and
    /// the execution fails with `States.NoChoiceMatched`.
    pub fn otherwise(mut self, next: impl Into<String>) -> Self {
        self.default = Some(next.into());
        self
    }

    common_methods!();

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("Type".into(), json!("Choice"));
        self.io.write(&mut o);
        let rules: Vec<JsonValue> = self
            .rules
            .iter()
            .map(|(c, next)| {
                let mut r = JsonMap::new();
                c.write(&mut r);
                r.insert("Next".into(), json!(next));
                JsonValue::Object(r)
            })
            .collect();
        o.insert("Choices".into(), rules.into());
        if let Some(d) = &self.default {
            o.insert("Default".into(), json!(d));
        }
        JsonValue::Object(o)
    }
}

impl Default for Choice {
    fn default() -> Self {
        Choice::new()
    }
}

// ---- Wait --------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Duration {
    Seconds(u32),
    SecondsPath(String),
    Timestamp(String),
    TimestampPath(String),
}

/// A `Wait` state: pauses for a time or until a timestamp.
#[derive(Clone, Debug, PartialEq)]
pub struct Wait {
    io: Io,
    duration: Duration,
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

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("Type".into(), json!("Wait"));
        self.io.write(&mut o);
        let (k, v) = match &self.duration {
            Duration::Seconds(s) => ("Seconds", json!(s)),
            Duration::SecondsPath(p) => ("SecondsPath", json!(p)),
            Duration::Timestamp(t) => ("Timestamp", json!(t)),
            Duration::TimestampPath(p) => ("TimestampPath", json!(p)),
        };
        o.insert(k.into(), v);
        write_transition(&self.transition, &mut o);
        JsonValue::Object(o)
    }
}

// ---- Map ---------------------------------------------------------------------------------

/// A `Map` state: runs an inline state graph (`ItemProcessor`, mode
/// `INLINE`) for each item of an array of the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Map {
    io: Io,
    pub(crate) processor: Box<StateGraph>,
    items_path: Option<String>,
    item_selector: Option<JsonValue>,
    max_concurrency: Option<u32>,
    pub(crate) retry: Vec<Retry>,
    pub(crate) catch: Vec<Catch>,
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

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("Type".into(), json!("Map"));
        if let Some(p) = &self.items_path {
            o.insert("ItemsPath".into(), json!(p));
        }
        if let Some(s) = &self.item_selector {
            o.insert("ItemSelector".into(), s.clone());
        }
        if let Some(n) = self.max_concurrency {
            o.insert("MaxConcurrency".into(), json!(n));
        }
        let mut processor = self.processor.to_json_without_top_level();
        if let JsonValue::Object(p) = &mut processor {
            let mut with_config = JsonMap::new();
            with_config.insert("ProcessorConfig".into(), json!({"Mode": "INLINE"}));
            with_config.append(p);
            processor = JsonValue::Object(with_config);
        }
        o.insert("ItemProcessor".into(), processor);
        self.io.write(&mut o);
        write_retry_catch(&self.retry, &self.catch, &mut o);
        write_transition(&self.transition, &mut o);
        JsonValue::Object(o)
    }
}

// ---- Pass, Succeed, Fail -----------------------------------------------------------------

/// A `Pass` state: passes its input on, optionally transformed or replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Pass {
    io: Io,
    result: Option<JsonValue>,
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

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("Type".into(), json!("Pass"));
        if let Some(r) = &self.result {
            o.insert("Result".into(), r.clone());
        }
        self.io.write(&mut o);
        write_transition(&self.transition, &mut o);
        JsonValue::Object(o)
    }
}

impl Default for Pass {
    fn default() -> Self {
        Pass::new()
    }
}

/// A `Succeed` state: ends the execution (or Map iteration) successfully.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Succeed {
    io: Io,
}

impl Succeed {
    /// A Succeed state.
    pub fn new() -> Succeed {
        Succeed::default()
    }

    common_methods!();

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("Type".into(), json!("Succeed"));
        self.io.write(&mut o);
        JsonValue::Object(o)
    }
}

/// A `Fail` state: ends the execution with an error name and a cause.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fail {
    comment: Option<String>,
    error: Option<String>,
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

    fn to_json(&self) -> JsonValue {
        let mut o = JsonMap::new();
        o.insert("Type".into(), json!("Fail"));
        if let Some(c) = &self.comment {
            o.insert("Comment".into(), json!(c));
        }
        if let Some(e) = &self.error {
            o.insert("Error".into(), json!(e));
        }
        if let Some(c) = &self.cause {
            o.insert("Cause".into(), json!(c));
        }
        JsonValue::Object(o)
    }
}

// ---- State -------------------------------------------------------------------------------

/// Any state.
#[derive(Clone, Debug, PartialEq)]
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

    /// The state as an ASL JSON object; intrinsics (ARNs of resources in the
    /// stack) are still inline: [`StateGraph::render`] turns them into substitutions.
    pub fn to_json(&self) -> JsonValue {
        match self {
            State::Task(s) => s.to_json(),
            State::Choice(s) => s.to_json(),
            State::Wait(s) => s.to_json(),
            State::Map(s) => s.to_json(),
            State::Pass(s) => s.to_json(),
            State::Succeed(s) => s.to_json(),
            State::Fail(s) => s.to_json(),
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
                for (_, next) in &c.rules {
                    targets.push(("Choices[].Next", next.as_str()));
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
