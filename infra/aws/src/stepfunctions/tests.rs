//! Rendering of every state type and the validation of graphs.

use serde_json::json;

use super::*;
use crate::lambda::{RustFunction, RustFunctionProps};
use crate::sns::{Topic, TopicProps};

fn one(state: impl Into<State>) -> serde_json::Value {
    let state: State = state.into();
    serde_json::to_value(state).expect("a state serializes")
}

/// A function and a topic for tasks to call, in a stack of their own.
fn targets() -> (RustFunction, Topic) {
    let stack = constructs::App::new().stack("S");
    let function = RustFunction::new(&stack, "F", RustFunctionProps::new("functions/f"));
    let topic = Topic::new(&stack, "T", TopicProps::default());
    (function, topic)
}

/// How a reference to `value` appears in a state before rendering.
fn reference(value: constructs::Value<String>) -> serde_json::Value {
    serde_json::to_value(value).expect("a value serializes")
}

#[test]
fn lambda_invoke_task_with_retry_and_catch() {
    let (function, _) = targets();
    let task = Task::lambda_invoke(&function)
        .payload(TaskInput::Path("$.order".into()))
        .result_selector(json!({"Payload.$": "$.Payload"}))
        .result_path("$.result")
        .timeout_seconds(30)
        .retry(
            Retry::on(errors::LAMBDA_TRANSIENT.iter().copied())
                .interval_seconds(2)
                .max_attempts(6)
                .backoff_rate(2.0)
                .max_delay_seconds(30)
                .jitter(Jitter::Full),
        )
        .catch(Catch::on([errors::ALL], "Handle").result_path("$.error"))
        .next("After");
    assert_eq!(
        one(task),
        json!({
            "Type": "Task",
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:states:::lambda:invoke"},
            "Parameters": {
                "FunctionName": reference(function.arn()),
                "Payload.$": "$.order"
            },
            "ResultSelector": {"Payload.$": "$.Payload"},
            "ResultPath": "$.result",
            "TimeoutSeconds": 30,
            "Retry": [{
                "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                                "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2,
                "MaxDelaySeconds": 30, "JitterStrategy": "FULL"
            }],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handle"}],
            "Next": "After"
        })
    );
}

#[test]
fn lambda_function_task_uses_the_arn_as_resource() {
    let (function, _) = targets();
    let task = Task::lambda_function(&function)
        .input_path("$.x")
        .output_path("$.y")
        .end();
    assert_eq!(
        one(task),
        json!({"Type": "Task", "Resource": reference(function.arn()), "InputPath": "$.x", "OutputPath": "$.y", "End": true})
    );
}

#[test]
fn sns_publish_task() {
    let (_, topic) = targets();
    let task = Task::sns_publish(&topic, TaskInput::Value(json!({"order.$": "$.order"})))
        .subject("Order failed")
        .discard_result()
        .end();
    assert_eq!(
        one(task),
        json!({
            "Type": "Task",
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:states:::sns:publish"},
            "Parameters": {"TopicArn": reference(topic.arn()), "Message": {"order.$": "$.order"}, "Subject": "Order failed"},
            "ResultPath": null,
            "End": true
        })
    );
}

#[test]
fn choice_with_typed_conditions() {
    let choice = Choice::new()
        .when(
            Condition::and([
                Condition::is_present("$.r"),
                Condition::boolean_equals("$.r", true),
            ]),
            "Yes",
        )
        .when(
            Condition::or([
                Condition::number_less_than("$.n", 1.5),
                Condition::not(Condition::string_equals("$.s", "x")),
            ]),
            "Maybe",
        )
        .when(Condition::number_greater_than_equals("$.n", 10.0), "Stop")
        .otherwise("No");
    assert_eq!(
        one(choice),
        json!({
            "Type": "Choice",
            "Choices": [
                {"And": [{"Variable": "$.r", "IsPresent": true}, {"Variable": "$.r", "BooleanEquals": true}], "Next": "Yes"},
                {"Or": [{"Variable": "$.n", "NumericLessThan": 1.5},
                        {"Not": {"Variable": "$.s", "StringEquals": "x"}}], "Next": "Maybe"},
                {"Variable": "$.n", "NumericGreaterThanEquals": 10, "Next": "Stop"}
            ],
            "Default": "No"
        })
    );
}

#[test]
fn wait_pass_succeed_fail() {
    assert_eq!(
        one(Wait::seconds(30).next("A")),
        json!({"Type": "Wait", "Seconds": 30, "Next": "A"})
    );
    assert_eq!(
        one(Wait::seconds_path("$.delay").end()),
        json!({"Type": "Wait", "SecondsPath": "$.delay", "End": true})
    );
    assert_eq!(
        one(Pass::new()
            .parameters(json!({"count.$": "States.MathAdd($.attempts.count, 1)"}))
            .result_path("$.attempts")
            .next("B")),
        json!({"Type": "Pass", "Parameters": {"count.$": "States.MathAdd($.attempts.count, 1)"},
               "ResultPath": "$.attempts", "Next": "B"})
    );
    assert_eq!(
        one(Pass::new()
            .result(json!({"count": 1}))
            .comment("c")
            .next("B")),
        json!({"Type": "Pass", "Result": {"count": 1}, "Comment": "c", "Next": "B"})
    );
    assert_eq!(one(Succeed::new()), json!({"Type": "Succeed"}));
    assert_eq!(
        one(Fail::new("ResultsNotReady").cause("gave up")),
        json!({"Type": "Fail", "Error": "ResultsNotReady", "Cause": "gave up"})
    );
}

#[test]
fn map_with_an_inline_item_processor() {
    let map = Map::new(StateGraph::new("P").state("P", Pass::new().end()))
        .items_path("$.orders")
        .item_selector(json!({"order.$": "$$.Map.Item.Value"}))
        .max_concurrency(5)
        .result_path("$.processed")
        .next("Done");
    assert_eq!(
        one(map),
        json!({
            "Type": "Map",
            "ItemsPath": "$.orders",
            "ItemSelector": {"order.$": "$$.Map.Item.Value"},
            "MaxConcurrency": 5,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "End": true}}
            },
            "ResultPath": "$.processed",
            "Next": "Done"
        })
    );
}

#[test]
fn intrinsics_become_substitutions_named_after_state_and_field() {
    let (function, topic) = targets();
    let graph = StateGraph::new("A")
        .state("A", Task::lambda_invoke(&function).next("M"))
        .state(
            "M",
            Map::new(
                StateGraph::new("B")
                    .state("B", Task::lambda_invoke(&function).next("Notify"))
                    .state(
                        "Notify",
                        Task::sns_publish(&topic, TaskInput::Path("$".into())).end(),
                    ),
            )
            .end(),
        );
    let rendered = graph.render();
    assert_eq!(
        rendered.definition["States"]["A"]["Parameters"]["FunctionName"],
        json!("${AFunctionName}")
    );
    // The same ARN twice: one substitution.
    assert_eq!(
        rendered.definition["States"]["M"]["ItemProcessor"]["States"]["B"]["Parameters"]
            ["FunctionName"],
        json!("${AFunctionName}")
    );
    assert_eq!(
        rendered.definition["States"]["M"]["ItemProcessor"]["States"]["Notify"]["Parameters"]
            ["TopicArn"],
        json!("${NotifyTopicArn}")
    );
    assert_eq!(
        serde_json::to_value(&rendered.substitutions).unwrap(),
        json!({
            "AFunctionName": reference(function.arn()),
            // The service integrations' ARNs, in the stack's partition.
            "LambdaInvoke": {"Fn::Sub": "arn:${AWS::Partition}:states:::lambda:invoke"},
            "SnsPublish": {"Fn::Sub": "arn:${AWS::Partition}:states:::sns:publish"},
            "NotifyTopicArn": reference(topic.arn())
        })
    );
    assert!(graph.validate().is_empty(), "{:?}", graph.validate());
}

#[test]
fn a_valid_graph_has_no_problems() {
    let graph = StateGraph::new("A")
        .state("A", Pass::new().next("B"))
        .state(
            "B",
            Choice::new()
                .when(Condition::boolean_equals("$.x", true), "C")
                .otherwise("A"),
        )
        .state("C", Succeed::new());
    assert_eq!(graph.validate(), Vec::<String>::new());
}

#[test]
fn missing_targets_are_reported_with_the_state_and_the_field() {
    let graph = StateGraph::new("Nowhere")
        .state("A", Pass::new().next("Gone"))
        .state(
            "B",
            Choice::new()
                .when(Condition::is_present("$.x"), "Lost")
                .otherwise("Missing"),
        )
        .state(
            "C",
            Task::lambda_invoke(&targets().0)
                .catch(Catch::on(["E"], "Vanished"))
                .end(),
        );
    let problems = graph.validate();
    for expected in [
        "StartAt 'Nowhere' is not a state of the definition",
        "state 'A': Next 'Gone' is not a state of the definition",
        "state 'B': Choices[].Next 'Lost' is not a state of the definition",
        "state 'B': Default 'Missing' is not a state of the definition",
        "state 'C': Catch[].Next 'Vanished' is not a state of the definition",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "missing {expected:?} in {problems:#?}"
        );
    }
}

#[test]
fn unreachable_states_and_states_without_an_end() {
    let graph = StateGraph::new("A")
        .state("A", Pass::new().end())
        .state("Island", Wait::seconds(1).next("Island2"))
        .state("Island2", Task::lambda_invoke(&targets().0));
    let problems = graph.validate();
    assert_eq!(
        problems,
        vec![
            "state 'Island2' (Task) has neither Next nor End: it must go somewhere or end the execution",
            "state 'Island' is unreachable from StartAt 'A' in the definition",
            "state 'Island2' is unreachable from StartAt 'A' in the definition",
        ]
    );
}

#[test]
fn duplicate_names_across_nested_graphs() {
    let graph = StateGraph::new("A")
        .state(
            "A",
            Map::new(StateGraph::new("A").state("A", Succeed::new())).end(),
        )
        .state("A", Succeed::new());
    let problems = graph.validate();
    assert!(
        problems[0].starts_with("state name 'A' is used 3 times"),
        "{problems:#?}"
    );
}

#[test]
fn map_processors_are_validated_in_their_own_scope() {
    let graph = StateGraph::new("M").state(
        "M",
        Map::new(StateGraph::new("P").state("P", Pass::new().next("After"))).next("After"),
    );
    let graph = graph.state("After", Succeed::new());
    assert_eq!(
        graph.validate(),
        vec!["state 'P': Next 'After' is not a state of the item processor of Map 'M'"]
    );
}

#[test]
fn states_all_must_be_alone_and_last() {
    let graph = StateGraph::new("T")
        .state(
            "T",
            Task::lambda_invoke(&targets().0)
                .retry(Retry::on([errors::ALL, "E"]))
                .catch(Catch::on([errors::ALL], "F"))
                .catch(Catch::on(["E"], "F"))
                .catch(Catch::on(Vec::<String>::new(), "F"))
                .end(),
        )
        .state("F", Fail::new("X"));
    assert_eq!(
        graph.validate(),
        vec![
            "state 'T': Retry #1: States.ALL must be the only error in its ErrorEquals",
            "state 'T': Catch #1: States.ALL must be in the last Catch",
            "state 'T': Catch #3 has an empty ErrorEquals",
        ]
    );
}

#[test]
fn empty_choices_and_empty_graphs() {
    let graph = StateGraph::new("C").state("C", Choice::new());
    assert_eq!(
        graph.validate(),
        vec!["state 'C' (Choice) has no choice rules"]
    );
    assert_eq!(
        StateGraph::new("X").validate(),
        vec!["the definition has no states"]
    );
}

#[test]
fn state_machine_reports_definition_problems_at_synthesis() {
    let app = constructs::App::new();
    let stack = app.stack("S");
    StateMachine::new(
        &stack,
        "Machine",
        StateMachineProps::new(StateGraph::new("A").state("A", Pass::new().next("B"))),
    );
    let err = app
        .synth(constructs::Format::Json)
        .expect_err("an invalid definition must fail synthesis")
        .to_string();
    assert!(
        err.contains(
            "S/Machine: invalid state machine definition: state 'A': Next 'B' is not a state of the definition"
        ),
        "{err}"
    );
}

/// Every field of every state, rendered as text: key order is part of the
/// output (templates are compared byte for byte), which `Value` equality ignores.
#[test]
fn keys_come_in_a_fixed_order() {
    let (function, topic) = targets();
    let graph = StateGraph::new("Invoke")
        .comment("all fields")
        .timeout_seconds(60)
        .state(
            "Invoke",
            Task::lambda_invoke(&function)
                .comment("c")
                .input_path("$.in")
                .output_path("$.out")
                .payload(TaskInput::Value(json!({"a.$": "$.a"})))
                .result_selector(json!({"P.$": "$.Payload"}))
                .result_path("$.r")
                .timeout_seconds(30)
                .heartbeat_seconds(10)
                .retry(
                    Retry::on(["E"])
                        .interval_seconds(1)
                        .max_attempts(2)
                        .backoff_rate(1.5)
                        .max_delay_seconds(9)
                        .jitter(Jitter::None),
                )
                .catch(Catch::on(["F"], "Notify").result_path("$.e"))
                .next("Bare"),
        )
        .state(
            "Bare",
            Task::lambda_function(&function).comment("c").next("Notify"),
        )
        .state(
            "Notify",
            Task::sns_publish(&topic, TaskInput::Path("$".into()))
                .subject("s")
                .comment("c")
                .discard_result()
                .next("Pick"),
        )
        .state(
            "Pick",
            Choice::new()
                .comment("c")
                .input_path("$.in")
                .output_path("$.out")
                .when(Condition::string_equals("$.s", "x"), "Sleep")
                .when(Condition::not(Condition::is_null("$.n")), "SleepPath")
                .otherwise("Until"),
        )
        .state(
            "Sleep",
            Wait::seconds(1)
                .comment("c")
                .input_path("$")
                .next("SleepPath"),
        )
        .state("SleepPath", Wait::seconds_path("$.d").next("Until"))
        .state(
            "Until",
            Wait::timestamp("2026-01-01T00:00:00Z").next("UntilPath"),
        )
        .state("UntilPath", Wait::timestamp_path("$.t").next("Each"))
        .state(
            "Each",
            Map::new(
                StateGraph::new("P")
                    .comment("inner")
                    .timeout_seconds(5)
                    .state("P", Pass::new().end()),
            )
            .comment("c")
            .input_path("$.in")
            .output_path("$.out")
            .items_path("$.items")
            .item_selector(json!({"i.$": "$$.Map.Item.Value"}))
            .max_concurrency(2)
            .result_selector(json!({"x.$": "$"}))
            .result_path("$.m")
            .retry(Retry::on([errors::ALL]))
            .catch(Catch::on([errors::ALL], "Stop"))
            .next("Shape"),
        )
        .state(
            "Shape",
            Pass::new()
                .comment("c")
                .input_path("$.in")
                .output_path("$.out")
                .result(json!({"k": 1}))
                .parameters(json!({"p.$": "$.p"}))
                .result_path("$.s")
                .next("Ok"),
        )
        .state(
            "Ok",
            Succeed::new()
                .comment("c")
                .input_path("$.i")
                .output_path("$.o"),
        )
        .state("Stop", Fail::new("Boom").cause("why").comment("c"));
    let expected = concat!(
        r#"{"Comment":"all fields","StartAt":"Invoke","TimeoutSeconds":60,"States":{"#,
        r#""Invoke":{"Type":"Task","Resource":"${LambdaInvoke}","Comment":"c","InputPath":"$.in","Parameters":{"FunctionName":"${InvokeFunctionName}","Payload":{"a.$":"$.a"}},"ResultSelector":{"P.$":"$.Payload"},"ResultPath":"$.r","OutputPath":"$.out","TimeoutSeconds":30,"HeartbeatSeconds":10,"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":1.5,"MaxDelaySeconds":9,"JitterStrategy":"NONE"}],"Catch":[{"ErrorEquals":["F"],"ResultPath":"$.e","Next":"Notify"}],"Next":"Bare"},"#,
        r#""Bare":{"Type":"Task","Resource":"${InvokeFunctionName}","Comment":"c","Next":"Notify"},"#,
        r#""Notify":{"Type":"Task","Resource":"${SnsPublish}","Comment":"c","Parameters":{"TopicArn":"${NotifyTopicArn}","Message.$":"$","Subject":"s"},"ResultPath":null,"Next":"Pick"},"#,
        r#""Pick":{"Type":"Choice","Comment":"c","InputPath":"$.in","OutputPath":"$.out","Choices":[{"Variable":"$.s","StringEquals":"x","Next":"Sleep"},{"Not":{"Variable":"$.n","IsNull":true},"Next":"SleepPath"}],"Default":"Until"},"#,
        r#""Sleep":{"Type":"Wait","Comment":"c","InputPath":"$","Seconds":1,"Next":"SleepPath"},"#,
        r#""SleepPath":{"Type":"Wait","SecondsPath":"$.d","Next":"Until"},"#,
        r#""Until":{"Type":"Wait","Timestamp":"2026-01-01T00:00:00Z","Next":"UntilPath"},"#,
        r#""UntilPath":{"Type":"Wait","TimestampPath":"$.t","Next":"Each"},"#,
        r#""Each":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Value"},"MaxConcurrency":2,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"Comment":"inner","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"Comment":"c","InputPath":"$.in","ResultSelector":{"x.$":"$"},"ResultPath":"$.m","OutputPath":"$.out","Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Stop"}],"Next":"Shape"},"#,
        r#""Shape":{"Type":"Pass","Result":{"k":1},"Comment":"c","InputPath":"$.in","Parameters":{"p.$":"$.p"},"ResultPath":"$.s","OutputPath":"$.out","Next":"Ok"},"#,
        r#""Ok":{"Type":"Succeed","Comment":"c","InputPath":"$.i","OutputPath":"$.o"},"#,
        r#""Stop":{"Type":"Fail","Comment":"c","Error":"Boom","Cause":"why"}}}"#,
    );
    assert_eq!(graph.render().definition.to_string(), expected);
}
