//! Synthesis of small apps built from a hand-written resource type: the tree,
//! template elements, cross-stack references, validation and the assembly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use rcdk_constructs::assertions::{Match, Template};
use rcdk_constructs::value::{aws, if_, sub_with};
use rcdk_constructs::{
    App, Condition, ConditionExpr, Format, Output, Parameter, RemovalPolicy, Resource, ResourceRef,
    Value,
};
use serde::Serialize;
use serde_json::{json, Value as Json};

/// A stand-in resource type with one string, one number and one boolean property.
#[derive(Serialize, Default)]
struct Thing {
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    name: Option<Value<String>>,
    #[serde(rename = "Size", skip_serializing_if = "Option::is_none")]
    size: Option<Value<i64>>,
    #[serde(rename = "Enabled", skip_serializing_if = "Option::is_none")]
    enabled: Option<Value<bool>>,
    #[serde(rename = "Policy", skip_serializing_if = "Option::is_none")]
    policy: Option<Value<Json>>,
}

#[derive(Clone, Debug)]
struct ThingRef(ResourceRef);

impl From<ResourceRef> for ThingRef {
    fn from(r: ResourceRef) -> Self {
        ThingRef(r)
    }
}

impl std::ops::Deref for ThingRef {
    type Target = ResourceRef;
    fn deref(&self) -> &ResourceRef {
        &self.0
    }
}

impl ThingRef {
    fn arn(&self) -> Value<String> {
        self.0.get_att("Arn")
    }
}

impl Resource for Thing {
    const TYPE: &'static str = "Test::Thing";
    type Handle = ThingRef;
}

fn named(name: impl Into<Value<String>>) -> Thing {
    Thing {
        name: Some(name.into()),
        ..Thing::default()
    }
}

fn synth_errors(app: &App) -> Vec<String> {
    match app.synth(Format::Json) {
        Err(rcdk_constructs::Error::Synth { problems }) => problems,
        other => panic!("synthesis should fail with problems: {other:?}"),
    }
}

#[test]
fn resources_render_with_logical_ids_from_their_paths() {
    let app = App::new();
    let stack = app.stack("Orders");
    let api = stack.scope("Api");
    api.add("Resource", named("hidden"));
    api.scope("Default").add("Handler", named("dropped"));
    stack.add("Plain", named("plain"));

    let t = Template::from_stack(&stack);
    let ids: Vec<&String> = t.to_json()["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(ids, ["ApiF70053CD", "ApiHandler0AA9C78B", "Plain"]);
    t.has_resource(
        "Test::Thing",
        json!({"Properties": {"Name": "hidden"}, "Metadata": {"aws:cdk:path": "Orders/Api/Resource"}}),
    );
}

#[test]
fn resources_lists_what_a_scope_holds_in_creation_order() {
    let app = App::new();
    let stage = app.stage("Dev");
    let a = stage.stack("A");
    let api = a.scope("Api");
    api.add("Resource", named("one"));
    a.add("Plain", named("two"));
    let b = stage.stack("B");
    let three = b.add("T", named("three"));
    three.add_property_override("Size", json!(3));
    app.stack("Other").add("T", named("elsewhere"));

    let names = |scope: &rcdk_constructs::Scope| -> Vec<Json> {
        scope
            .resources()
            .iter()
            .map(|r| r.properties_json().unwrap()["Name"].clone())
            .collect()
    };
    assert_eq!(names(&a), [json!("one"), json!("two")]);
    assert_eq!(names(&api), [json!("one")]);
    assert_eq!(names(&b), [json!("three")]);
    // Overrides are applied, as in the template.
    assert_eq!(
        b.resources()[0].properties_json().unwrap(),
        json!({"Name": "three", "Size": 3})
    );
}

#[test]
fn every_field_type_takes_intrinsics() {
    let app = App::new();
    let stack = app.stack("S");
    let size = stack.parameter("Size", Parameter::number().default_value("3"));
    let is_prod = stack.condition("IsProd", ConditionExpr::equals(aws::region(), "eu-west-1"));
    stack.add(
        "T",
        Thing {
            name: Some(sub_with("${P}-x", [("P", aws::partition())])),
            size: Some(size.value_as()),
            enabled: Some(if_(&is_prod, true, false)),
            policy: None,
        },
    );
    let t = Template::from_stack(&stack);
    t.has_resource_properties(
        "Test::Thing",
        json!({
            "Name": {"Fn::Sub": ["${P}-x", {"P": {"Ref": "AWS::Partition"}}]},
            "Size": {"Ref": "Size"},
            "Enabled": {"Fn::If": ["IsProd", true, false]}
        }),
    );
    assert_eq!(
        t.to_json()["Parameters"]["Size"],
        json!({"Type": "Number", "Default": "3"})
    );
    assert_eq!(
        t.to_json()["Conditions"]["IsProd"],
        json!({"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]})
    );
}

#[test]
fn resource_options_render_in_the_template() {
    let app = App::new();
    let stack = app.stack("S");
    let cond: Condition = stack.condition("Always", ConditionExpr::equals("a", "a"));
    let first = stack.add("First", named("a"));
    let second = stack.add("Second", named("b"));
    second
        .add_depends_on(&first)
        .apply_removal_policy(RemovalPolicy::Retain)
        .set_condition(&cond)
        .add_metadata(
            "checkov",
            json!({"skip": [{"id": "CKV_X", "comment": "why"}]}),
        )
        .add_property_override("Nested.Deep", json!(1));
    stack.output(
        "FirstArn",
        Output::new(first.arn())
            .description("the arn")
            .export_name("first-arn"),
    );

    let t = Template::from_stack(&stack);
    assert_eq!(
        t.to_json()["Resources"]["Second"],
        json!({
            "Type": "Test::Thing",
            "Properties": {"Name": "b", "Nested": {"Deep": 1}},
            "DependsOn": ["First"],
            "Condition": "Always",
            "UpdateReplacePolicy": "Retain",
            "DeletionPolicy": "Retain",
            "Metadata": {"aws:cdk:path": "S/Second", "checkov": {"skip": [{"id": "CKV_X", "comment": "why"}]}}
        })
    );
    t.has_output(
        "FirstArn",
        json!({"Description": "the arn", "Value": {"Fn::GetAtt": ["First", "Arn"]}, "Export": {"Name": "first-arn"}}),
    );
}

#[test]
fn cross_stack_references_become_exports_imports_and_dependencies() {
    let app = App::new();
    let shared = app.stack("Shared");
    let bucket = shared.add("Bucket", named("b"));
    let orders = app.stack("Orders");
    orders.add("Reader", named(bucket.arn()));
    orders.add("Reader2", named(bucket.arn()));

    let assembly = app.synth(Format::Json).unwrap();
    let export = "Shared:ExportsOutputFnGetAttBucketArn436138FE";
    let consumer = &assembly.stack("Orders").unwrap();
    assert_eq!(consumer.dependencies, ["Shared"]);
    assert_eq!(
        consumer.template["Resources"]["Reader"]["Properties"]["Name"],
        json!({"Fn::ImportValue": export})
    );
    let producer = Template::from_json(assembly.stack("Shared").unwrap().template.clone());
    producer.has_output(
        "ExportsOutputFnGetAttBucketArn436138FE",
        json!({"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}, "Export": {"Name": export}}),
    );
    assert_eq!(
        producer.to_json()["Outputs"].as_object().unwrap().len(),
        1,
        "one export per value"
    );
    let order: Vec<&str> = rcdk_constructs::deployment_order(&assembly.stacks)
        .expect("no cycle")
        .iter()
        .map(|s| s.stack_name.as_str())
        .collect();
    assert_eq!(order, ["Shared", "Orders"]);
}

#[test]
fn depends_on_across_stacks_becomes_a_stack_dependency() {
    let app = App::new();
    let a = app.stack("A");
    let first = a.add("First", named("x"));
    let b = app.stack("B");
    b.add("Second", named("y")).add_depends_on(&first);
    let assembly = app.synth(Format::Json).unwrap();
    let b = assembly.stack("B").unwrap();
    assert_eq!(b.dependencies, ["A"]);
    assert!(b.template["Resources"]["Second"].get("DependsOn").is_none());
}

#[test]
fn stack_cycles_are_rejected_naming_the_stacks() {
    let app = App::new();
    let a = app.stack("A");
    let b = app.stack("B");
    let in_a = a.add("X", named("x"));
    let in_b = b.add("Y", named(in_a.arn()));
    a.add("Z", named(in_b.arn()));
    let errors = synth_errors(&app);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("cycle: A -> B -> A"), "{errors:?}");
}

#[test]
fn duplicate_ids_name_both_paths() {
    let app = App::new();
    let stack = app.stack("S");
    stack.add("Thing", named("a"));
    stack.add("Thing", named("b"));
    let errors = synth_errors(&app);
    assert!(
        errors.iter().any(|e| e.contains("at 'S/Thing'")
            && e.contains("construct 'S/Thing' needs a different id")),
        "{errors:?}"
    );
}

#[test]
fn duplicate_and_invalid_logical_ids_are_rejected() {
    let app = App::new();
    let stack = app.stack("S");
    stack.add("A", named("a"));
    stack.add("B", named("b")).override_logical_id("A");
    stack.add("C", named("c")).override_logical_id("Not-Valid");
    let errors = synth_errors(&app);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("S/B: logical ID 'A' is already used by 'S/A'"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("S/C: logical ID 'Not-Valid' is invalid"),
        "{errors:?}"
    );
}

#[test]
fn overridden_logical_ids_are_used_by_references() {
    let app = App::new();
    let stack = app.stack("S");
    let a = stack.add("A", named("a"));
    stack.add("B", named(a.arn()));
    a.override_logical_id("Custom");
    let t = Template::from_stack(&stack);
    t.has_resource_properties(
        "Test::Thing",
        json!({"Name": {"Fn::GetAtt": ["Custom", "Arn"]}}),
    );
}

#[test]
fn references_outside_the_app_are_dangling() {
    let other = App::new();
    let foreign = other.stack("Other").add("Foreign", named("f"));
    let app = App::new();
    let stack = app.stack("S");
    stack.add("User", named(foreign.arn()));
    let errors = synth_errors(&app);
    assert_eq!(
        errors,
        ["S/User: references 'Other/Foreign', which is not in this app"]
    );
}

#[test]
fn wildcard_iam_actions_are_rejected_with_the_path() {
    let app = App::new();
    let stack = app.stack("S");
    stack.scope("Role").add(
        "Policy",
        Thing {
            policy: Some(Value::Literal(
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            )),
            ..Thing::default()
        },
    );
    let errors = synth_errors(&app);
    assert_eq!(
        errors,
        ["S/Role/Policy: IAM statement allows wildcard action '*'; list the exact actions it needs"]
    );
}

#[test]
fn stages_prefix_stack_names_and_paths() {
    let app = App::new();
    let stage = app.stage("Prod");
    let stack = stage.stack("Orders");
    stack.add("T", named("x"));
    assert_eq!(stack.stack_name(), "Prod-Orders");
    let assembly = app.synth(Format::Json).unwrap();
    let s = assembly.stack("Prod/Orders").unwrap();
    assert_eq!(s.stack_name, "Prod-Orders");
    assert_eq!(s.template_file, "Prod-Orders.template.json");
    assert_eq!(
        s.template["Resources"]["T"]["Metadata"]["aws:cdk:path"],
        "Prod/Orders/T"
    );
}

#[test]
fn invalid_stack_names_are_rejected() {
    let app = App::new();
    app.stack("9lives");
    let errors = synth_errors(&app);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("9lives: stack name '9lives' is invalid"),
        "{errors:?}"
    );
}

#[test]
fn assembly_is_deterministic_and_cdk_shaped() {
    let build = || {
        let app = App::new();
        let shared = app.stack("Shared");
        let bucket = shared.add("Bucket", named("b"));
        let orders = app.stack("Orders");
        orders
            .set_env("123456789012", "eu-west-1")
            .add_tag("team", "orders");
        orders.add("Reader", named(bucket.arn()));
        app.synth(Format::Json).unwrap()
    };
    let (a, b) = (build(), build());
    assert_eq!(a.files, b.files, "same app, same bytes");
    let names: Vec<&String> = a.files.keys().collect();
    assert_eq!(
        names,
        [
            "Orders.assets.json",
            "Orders.template.json",
            "Shared.assets.json",
            "Shared.template.json",
            "manifest.json",
            "tree.json"
        ]
    );
    let manifest: Json = serde_json::from_slice(&a.files["manifest.json"]).unwrap();
    assert_eq!(manifest["version"], rcdk_constructs::SCHEMA_VERSION);
    let orders = &manifest["artifacts"]["Orders"];
    assert_eq!(orders["type"], "aws:cloudformation:stack");
    assert_eq!(orders["environment"], "aws://123456789012/eu-west-1");
    assert_eq!(orders["dependencies"], json!(["Shared", "Orders.assets"]));
    assert_eq!(orders["properties"]["templateFile"], "Orders.template.json");
    assert_eq!(orders["properties"]["tags"], json!({"team": "orders"}));
    assert_eq!(
        orders["metadata"]["/Orders/Reader"],
        json!([{"type": "aws:cdk:logicalId", "data": "Reader"}])
    );
    let template_hash = &a.stack("Orders").unwrap().assets[0].hash;
    let assets: Json = serde_json::from_slice(&a.files["Orders.assets.json"]).unwrap();
    assert_eq!(
        assets["files"][template_hash]["source"],
        json!({"path": "Orders.template.json", "packaging": "file"})
    );
    assert_eq!(
        assets["files"][template_hash]["destinations"]["current_account-current_region"]
            ["objectKey"],
        format!("{template_hash}.json")
    );
    let tree: Json = serde_json::from_slice(&a.files["tree.json"]).unwrap();
    assert_eq!(
        tree["tree"]["children"]["Shared"]["children"]["Bucket"]["attributes"],
        json!({"aws:cdk:cloudformation:type": "Test::Thing"})
    );
    let text = String::from_utf8(a.files["Orders.template.json"].clone()).unwrap();
    assert!(
        text.starts_with("{\n \"Resources\": {\n  \"Reader\": {"),
        "one-space indent like the CDK:\n{text}"
    );
}

#[test]
fn yaml_format_writes_yaml_templates() {
    let app = App::new();
    app.stack("S").add("T", named("x"));
    let assembly = app.synth(Format::Yaml).unwrap();
    let s = assembly.stack("S").unwrap();
    assert_eq!(s.template_file, "S.template.yaml");
    assert!(
        s.template_body
            .starts_with("Resources:\n  T:\n    Type: Test::Thing\n"),
        "{}",
        s.template_body
    );
}

#[test]
fn write_replaces_stale_files_but_keeps_built_assets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Gone.template.json"), "{}").unwrap();
    std::fs::write(dir.path().join("asset.abc.zip"), "zip").unwrap();
    let app = App::new();
    app.stack("S").add("T", named("x"));
    app.synth(Format::Json).unwrap().write(dir.path()).unwrap();
    assert!(!dir.path().join("Gone.template.json").exists());
    assert!(dir.path().join("asset.abc.zip").exists());
    assert!(dir.path().join("S.template.json").exists());
}

#[test]
fn assertions_report_the_mismatch() {
    let app = App::new();
    let stack = app.stack("S");
    stack.add("T", named("x"));
    let t = Template::from_stack(&stack);
    t.resource_count_is("Test::Thing", 1);
    t.has_resource_properties("Test::Thing", json!({"Size": Match::absent()}));
    assert_eq!(
        t.find_resources("Test::Thing", &json!({"Properties": {"Name": "x"}}))
            .len(),
        1
    );
    let panic =
        std::panic::catch_unwind(|| t.has_resource_properties("Test::Thing", json!({"Name": "y"})))
            .unwrap_err();
    let msg = panic.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("T: /Properties/Name: expected \"y\", found \"x\""),
        "{msg}"
    );
}

#[test]
fn stack_and_resource_settings_reach_the_assembly() {
    let app = App::new();
    let base = app.stack("Base");
    let top = app.stack("Top");
    top.set_termination_protection(true).add_dependency(&base);
    let r = top.add("T", named("x"));
    r.set_deletion_policy(RemovalPolicy::Snapshot)
        .set_update_replace_policy(RemovalPolicy::RetainExceptOnCreate);
    let assembly = app.synth(Format::Json).unwrap();
    let top = assembly.stack("Top").unwrap();
    assert!(top.termination_protection);
    assert_eq!(top.dependencies, ["Base"]);
    assert_eq!(top.template["Resources"]["T"]["DeletionPolicy"], "Snapshot");
    assert_eq!(
        top.template["Resources"]["T"]["UpdateReplacePolicy"],
        "RetainExceptOnCreate"
    );
    let manifest: Json = serde_json::from_slice(&assembly.files["manifest.json"]).unwrap();
    assert_eq!(
        manifest["artifacts"]["Top"]["properties"]["terminationProtection"],
        true
    );
}

#[test]
fn update_properties_may_read_other_constructs() {
    let app = App::new();
    let stack = app.stack("S");
    let source = stack.add("Source", named("source"));
    let target = stack.add("Target", named("target"));
    // The closure reads another resource's attribute and properties, and the
    // path of a scope: each borrows the construct tree.
    target.update_properties(|t: &mut Thing| {
        t.name = Some(source.arn());
        t.policy = Some(Value::Literal(source.properties_json().unwrap()));
    });
    let t = Template::from_stack(&stack);
    let things = t.find_resources("Test::Thing", &json!({}));
    let id = |prefix: &str| {
        things
            .iter()
            .find(|(id, _)| id.starts_with(prefix))
            .unwrap()
    };
    assert_eq!(
        id("Target").1["Properties"],
        json!({
            "Name": {"Fn::GetAtt": [id("Source").0, "Arn"]},
            "Policy": {"Name": "source"}
        })
    );
}
