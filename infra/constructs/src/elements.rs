//! Template elements other than resources: parameters, conditions and outputs.

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{json, Map, Value as Json};

use crate::tree::{OutputData, Scope};
use crate::value::{ref_marker, Value, CONDITION_MARKER};

fn to_json<T: Serialize>(v: &T) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// A template parameter, typed by the value it yields.
#[derive(Clone, Debug)]
pub struct Parameter<T> {
    json: Map<String, Json>,
    _type: PhantomData<T>,
}

impl Parameter<String> {
    /// A `String` parameter.
    pub fn string() -> Self {
        Self::of_type("String")
    }
}

impl Parameter<f64> {
    /// A `Number` parameter.
    pub fn number() -> Self {
        Self::of_type("Number")
    }
}

impl Parameter<Vec<Value<String>>> {
    /// A `CommaDelimitedList` parameter.
    pub fn comma_delimited_list() -> Self {
        Self::of_type("CommaDelimitedList")
    }
}

impl<T> Parameter<T> {
    /// A parameter of any CloudFormation parameter type, such as
    /// `AWS::SSM::Parameter::Value<String>`.
    pub fn of_type(parameter_type: &str) -> Self {
        let mut json = Map::new();
        json.insert("Type".into(), Json::from(parameter_type));
        Parameter {
            json,
            _type: PhantomData,
        }
    }

    fn set(mut self, key: &str, value: Json) -> Self {
        self.json.insert(key.into(), value);
        self
    }

    /// The value used when none is given at deploy time. Default: none (required).
    pub fn default_value(self, value: impl Into<String>) -> Self {
        self.set("Default", Json::from(value.into()))
    }
    /// A description shown by the console and the CLI. Default: none.
    pub fn description(self, text: impl Into<String>) -> Self {
        self.set("Description", Json::from(text.into()))
    }
    /// The only values accepted. Default: any.
    pub fn allowed_values<I: IntoIterator<Item = S>, S: Into<String>>(self, values: I) -> Self {
        let values: Vec<Json> = values.into_iter().map(|v| Json::from(v.into())).collect();
        self.set("AllowedValues", Json::Array(values))
    }
    /// A regular expression the value must match. Default: none.
    pub fn allowed_pattern(self, pattern: impl Into<String>) -> Self {
        self.set("AllowedPattern", Json::from(pattern.into()))
    }
    /// The message shown when a constraint fails. Default: CloudFormation's generic one.
    pub fn constraint_description(self, text: impl Into<String>) -> Self {
        self.set("ConstraintDescription", Json::from(text.into()))
    }
    /// Smallest and largest length of a string value. Default: unbounded.
    pub fn length(self, min: u32, max: u32) -> Self {
        self.set("MinLength", json!(min))
            .set("MaxLength", json!(max))
    }
    /// Smallest and largest number. Default: unbounded.
    pub fn range(self, min: f64, max: f64) -> Self {
        self.set("MinValue", json!(min)).set("MaxValue", json!(max))
    }
    /// Masks the value in the console and API responses. Default: off.
    pub fn no_echo(self) -> Self {
        self.set("NoEcho", Json::Bool(true))
    }

    pub(crate) fn into_json(self) -> Json {
        Json::Object(self.json)
    }
}

/// A parameter in a stack; its value is a `Ref` to it.
#[derive(Clone, Debug)]
pub struct ParameterRef<T> {
    scope: Scope,
    _type: PhantomData<T>,
}

impl<T> ParameterRef<T> {
    pub(crate) fn new(scope: Scope) -> Self {
        ParameterRef {
            scope,
            _type: PhantomData,
        }
    }

    /// The parameter's value.
    pub fn value(&self) -> Value<T> {
        ref_marker(&self.scope.path())
    }

    /// The parameter's value used as another type (a `Number` parameter in an
    /// integer field, say); CloudFormation converts it at deploy time.
    pub fn value_as<U>(&self) -> Value<U> {
        ref_marker(&self.scope.path())
    }

    /// The parameter's construct path.
    pub fn path(&self) -> String {
        self.scope.path()
    }
}

/// A condition expression: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionExpr(Json);

impl ConditionExpr {
    /// `Fn::Equals`: both values are equal (CloudFormation compares them as strings).
    pub fn equals(a: impl Into<Value<String>>, b: impl Into<Value<String>>) -> Self {
        ConditionExpr(json!({ "Fn::Equals": [to_json(&a.into()), to_json(&b.into())] }))
    }
    /// `Fn::And`: every expression holds (2 to 10 of them).
    pub fn and(all: impl IntoIterator<Item = ConditionExpr>) -> Self {
        ConditionExpr(json!({ "Fn::And": all.into_iter().map(|c| c.0).collect::<Vec<_>>() }))
    }
    /// `Fn::Or`: at least one expression holds (2 to 10 of them).
    pub fn or(any: impl IntoIterator<Item = ConditionExpr>) -> Self {
        ConditionExpr(json!({ "Fn::Or": any.into_iter().map(|c| c.0).collect::<Vec<_>>() }))
    }
    /// Another named condition.
    pub fn condition(condition: &Condition) -> Self {
        ConditionExpr(json!({ "Condition": condition.marker() }))
    }

    pub(crate) fn into_json(self) -> Json {
        self.0
    }
}

/// `!expr` is `Fn::Not`: the expression does not hold.
impl std::ops::Not for ConditionExpr {
    type Output = ConditionExpr;
    fn not(self) -> ConditionExpr {
        ConditionExpr(json!({ "Fn::Not": [self.0] }))
    }
}

/// A named condition in a stack, usable in `Fn::If` and on resources.
#[derive(Clone, Debug)]
pub struct Condition {
    pub(crate) scope: Scope,
}

impl Condition {
    /// The marker that resolves to the condition's logical name.
    pub(crate) fn marker(&self) -> Json {
        json!({ CONDITION_MARKER: self.scope.path() })
    }
}

/// A stack output, optionally exported for other stacks.
#[derive(Clone, Debug)]
pub struct Output {
    data: OutputData,
}

impl Output {
    /// An output with the given value.
    pub fn new(value: impl Into<Value<String>>) -> Self {
        Output {
            data: OutputData {
                value: to_json(&value.into()),
                description: None,
                export_name: None,
                condition: None,
            },
        }
    }
    /// A description. Default: none.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.data.description = Some(text.into());
        self
    }
    /// Exports the value under this name. Default: not exported (references
    /// between stacks of the app are exported automatically).
    pub fn export_name(mut self, name: impl Into<Value<String>>) -> Self {
        self.data.export_name = Some(to_json(&name.into()));
        self
    }
    /// Emits the output only when the condition holds. Default: always.
    pub fn condition(mut self, condition: &Condition) -> Self {
        self.data.condition = Some(condition.scope.node);
        self
    }
    pub(crate) fn into_data(self) -> OutputData {
        self.data
    }
}
