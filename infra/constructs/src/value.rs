//! Typed property values: every field takes a literal or an intrinsic function.
//!
//! A [`Value<T>`] is either a literal `T` or an [`Intrinsic`] that CloudFormation
//! resolves at deploy time. Intrinsics keep references to other constructs by
//! construct path, not by logical ID, so that IDs can be overridden after the
//! reference was taken and so that references across stacks can be turned into
//! exports and imports when the stack is rendered ([`crate::App::synth`]).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::{json, Value as Json};

/// Untyped JSON, for the CloudFormation properties whose schema is "any JSON
/// object" (policy documents, state machine definitions). Intrinsics can be
/// embedded with `serde_json::json!`, because every [`Value`] serializes.
pub type JsonValue = Json;

/// Key under which a serialized reference marker records a `Ref` target path.
pub(crate) const REF_MARKER: &str = "$$ref";
/// Key under which a serialized reference marker records a `Fn::GetAtt` target.
pub(crate) const GETATT_MARKER: &str = "$$getatt";
/// Key under which a serialized marker records a condition's path.
pub(crate) const CONDITION_MARKER: &str = "$$condition";

/// A CloudFormation property value: a literal, or an intrinsic function.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    /// A literal value, written into the template as is.
    Literal(T),
    /// An intrinsic function, resolved by CloudFormation at deploy time.
    Intrinsic(Intrinsic),
}

/// An intrinsic function call or pseudo parameter, in its template form.
///
/// Build one through the functions of this module ([`sub`], [`join`], …) or
/// through typed attribute accessors such as `table.arn()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Intrinsic(pub(crate) Json);

impl Intrinsic {
    /// The intrinsic's JSON as it will appear in the template, with
    /// construct references still in their unresolved marker form.
    pub fn as_json(&self) -> &Json {
        &self.0
    }
}

impl<T> Value<T> {
    /// Wraps an intrinsic as a value of any type (an intrinsic may produce a
    /// number, a boolean or a list as well as a string).
    pub fn intrinsic(intrinsic: Intrinsic) -> Self {
        Value::Intrinsic(intrinsic)
    }

    /// Reinterprets an intrinsic as a value of another type, for example an
    /// imported string used in a numeric field. Literals are converted with `From`.
    pub fn cast<U>(self) -> Value<U>
    where
        U: From<T>,
    {
        match self {
            Value::Literal(t) => Value::Literal(U::from(t)),
            Value::Intrinsic(i) => Value::Intrinsic(i),
        }
    }

    /// The literal, if this value is one.
    pub fn literal(&self) -> Option<&T> {
        match self {
            Value::Literal(t) => Some(t),
            Value::Intrinsic(_) => None,
        }
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Literal(t) => t.serialize(serializer),
            Value::Intrinsic(i) => i.0.serialize(serializer),
        }
    }
}

impl Serialize for Intrinsic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T> From<T> for Value<T> {
    fn from(t: T) -> Self {
        Value::Literal(t)
    }
}

impl From<&str> for Value<String> {
    fn from(s: &str) -> Self {
        Value::Literal(s.to_owned())
    }
}

impl From<&String> for Value<String> {
    fn from(s: &String) -> Self {
        Value::Literal(s.clone())
    }
}

impl From<i32> for Value<i64> {
    fn from(n: i32) -> Self {
        Value::Literal(n.into())
    }
}

impl From<u32> for Value<i64> {
    fn from(n: u32) -> Self {
        Value::Literal(n.into())
    }
}

impl From<i32> for Value<f64> {
    fn from(n: i32) -> Self {
        Value::Literal(n.into())
    }
}

impl<T> From<Vec<T>> for Value<Vec<Value<T>>> {
    fn from(items: Vec<T>) -> Self {
        Value::Literal(items.into_iter().map(Value::Literal).collect())
    }
}

impl From<Vec<&str>> for Value<Vec<Value<String>>> {
    fn from(items: Vec<&str>) -> Self {
        Value::Literal(items.into_iter().map(Value::from).collect())
    }
}

impl From<&[&str]> for Value<Vec<Value<String>>> {
    fn from(items: &[&str]) -> Self {
        Value::Literal(items.iter().map(|s| Value::from(*s)).collect())
    }
}

impl<T> From<BTreeMap<String, T>> for Value<BTreeMap<String, Value<T>>> {
    fn from(map: BTreeMap<String, T>) -> Self {
        Value::Literal(
            map.into_iter()
                .map(|(k, v)| (k, Value::Literal(v)))
                .collect(),
        )
    }
}

/// Builds a literal list of values from anything that converts into them.
pub fn list<T, I>(items: I) -> Value<Vec<Value<T>>>
where
    I: IntoIterator,
    I::Item: Into<Value<T>>,
{
    Value::Literal(items.into_iter().map(Into::into).collect())
}

/// Builds a literal string-keyed map of values.
pub fn map<T, K, V, I>(entries: I) -> Value<BTreeMap<String, Value<T>>>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<Value<T>>,
{
    Value::Literal(
        entries
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
    )
}

fn to_json<T: Serialize>(v: &T) -> Json {
    // Serializing our own value types into JSON cannot fail: they hold only
    // strings, numbers, booleans, sequences and string-keyed maps.
    serde_json::to_value(v).unwrap_or(Json::Null)
}

fn intrinsic<T>(json: Json) -> Value<T> {
    Value::Intrinsic(Intrinsic(json))
}

/// `Fn::Sub` with a template only: `${Param}`, `${Resource.Attr}` and
/// `${AWS::Region}` placeholders. Prefer [`sub_with`] for references to
/// constructs, so that they are tracked (and exported across stacks).
pub fn sub(template: impl Into<String>) -> Value<String> {
    intrinsic(json!({ "Fn::Sub": template.into() }))
}

/// `Fn::Sub` with a variable map: each `${name}` in the template is replaced
/// by the corresponding value, which may itself be a reference.
pub fn sub_with<'a, I>(template: impl Into<String>, variables: I) -> Value<String>
where
    I: IntoIterator<Item = (&'a str, Value<String>)>,
{
    let vars: serde_json::Map<String, Json> = variables
        .into_iter()
        .map(|(k, v)| (k.to_owned(), to_json(&v)))
        .collect();
    intrinsic(json!({ "Fn::Sub": [template.into(), vars] }))
}

/// `Fn::Join`: the items concatenated with `delimiter` between them.
pub fn join<I>(delimiter: impl Into<String>, items: I) -> Value<String>
where
    I: IntoIterator,
    I::Item: Into<Value<String>>,
{
    let items: Vec<Json> = items.into_iter().map(|i| to_json(&i.into())).collect();
    intrinsic(json!({ "Fn::Join": [delimiter.into(), items] }))
}

/// `Fn::Select`: the item at `index` of a list.
pub fn select<T: Serialize>(index: u32, list: impl Into<Value<Vec<Value<T>>>>) -> Value<T> {
    intrinsic(json!({ "Fn::Select": [index.to_string(), to_json(&list.into())] }))
}

/// `Fn::Split`: a string split on `delimiter` into a list.
pub fn split(
    delimiter: impl Into<String>,
    source: impl Into<Value<String>>,
) -> Value<Vec<Value<String>>> {
    intrinsic(json!({ "Fn::Split": [delimiter.into(), to_json(&source.into())] }))
}

/// `Fn::ImportValue`: a value exported by another stack under `export_name`.
/// Cross-stack references between stacks of one app are made automatically;
/// use this for exports of stacks outside the app.
pub fn import_value<T>(export_name: impl Into<Value<String>>) -> Value<T> {
    intrinsic(json!({ "Fn::ImportValue": to_json(&export_name.into()) }))
}

/// `Fn::GetAZs`: the availability zones of `region` (the stack's region when empty).
pub fn get_azs(region: impl Into<Value<String>>) -> Value<Vec<Value<String>>> {
    intrinsic(json!({ "Fn::GetAZs": to_json(&region.into()) }))
}

/// `Fn::Base64`: the base64 encoding of a string.
pub fn base64(source: impl Into<Value<String>>) -> Value<String> {
    intrinsic(json!({ "Fn::Base64": to_json(&source.into()) }))
}

/// `Fn::If`: `then` when the condition holds, otherwise `otherwise`.
pub fn if_<T: Serialize>(
    condition: &crate::Condition,
    then: impl Into<Value<T>>,
    otherwise: impl Into<Value<T>>,
) -> Value<T> {
    intrinsic(json!({
        "Fn::If": [condition.marker(), to_json(&then.into()), to_json(&otherwise.into())]
    }))
}

/// The AWS pseudo parameters, usable wherever a value is.
pub mod aws {
    use super::{intrinsic, Value};
    use serde_json::json;

    fn pseudo<T>(name: &str) -> Value<T> {
        intrinsic(json!({ "Ref": name }))
    }

    /// `AWS::AccountId`.
    pub fn account_id() -> Value<String> {
        pseudo("AWS::AccountId")
    }
    /// `AWS::Region`.
    pub fn region() -> Value<String> {
        pseudo("AWS::Region")
    }
    /// `AWS::Partition` (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition() -> Value<String> {
        pseudo("AWS::Partition")
    }
    /// `AWS::URLSuffix` (`amazonaws.com` in most partitions).
    pub fn url_suffix() -> Value<String> {
        pseudo("AWS::URLSuffix")
    }
    /// `AWS::StackName`.
    pub fn stack_name() -> Value<String> {
        pseudo("AWS::StackName")
    }
    /// `AWS::StackId`.
    pub fn stack_id() -> Value<String> {
        pseudo("AWS::StackId")
    }
    /// `AWS::NotificationARNs`.
    pub fn notification_arns() -> Value<Vec<Value<String>>> {
        pseudo("AWS::NotificationARNs")
    }
    /// `AWS::NoValue`: removes the property it is assigned to (typically inside `Fn::If`).
    pub fn no_value<T>() -> Value<T> {
        pseudo("AWS::NoValue")
    }
}

/// A `Ref` marker to the construct at `path`; resolved when the stack renders.
pub(crate) fn ref_marker<T>(path: &str) -> Value<T> {
    intrinsic(json!({ REF_MARKER: path }))
}

/// A `Fn::GetAtt` marker to attribute `attribute` of the resource at `path`.
pub(crate) fn getatt_marker<T>(path: &str, attribute: &str) -> Value<T> {
    intrinsic(json!({ GETATT_MARKER: [path, attribute] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render<T: Serialize>(v: &Value<T>) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn literals_serialize_as_themselves() {
        assert_eq!(render(&Value::<String>::from("x")), r#""x""#);
        assert_eq!(render(&Value::<i64>::from(5)), "5");
        assert_eq!(render(&Value::<bool>::from(true)), "true");
        let l: Value<Vec<Value<String>>> = vec!["a", "b"].into();
        assert_eq!(render(&l), r#"["a","b"]"#);
    }

    #[test]
    fn intrinsics_fit_every_field_type() {
        let n: Value<i64> = import_value("Shared:Port");
        let b: Value<bool> = import_value("Shared:Flag");
        let l: Value<Vec<Value<String>>> = split(",", import_value::<String>("Shared:Ids"));
        assert_eq!(render(&n), r#"{"Fn::ImportValue":"Shared:Port"}"#);
        assert_eq!(render(&b), r#"{"Fn::ImportValue":"Shared:Flag"}"#);
        assert_eq!(
            render(&l),
            r#"{"Fn::Split":[",",{"Fn::ImportValue":"Shared:Ids"}]}"#
        );
    }

    #[test]
    fn functions_render_their_template_form() {
        assert_eq!(
            render(&join(":", [Value::from("a"), aws::region()])),
            r#"{"Fn::Join":[":",["a",{"Ref":"AWS::Region"}]]}"#
        );
        assert_eq!(
            render(&select(1, get_azs(""))),
            r#"{"Fn::Select":["1",{"Fn::GetAZs":""}]}"#
        );
        assert_eq!(
            render(&sub_with("${A}-x", [("A", aws::account_id())])),
            r#"{"Fn::Sub":["${A}-x",{"A":{"Ref":"AWS::AccountId"}}]}"#
        );
        assert_eq!(render(&base64("hi")), r#"{"Fn::Base64":"hi"}"#);
        assert_eq!(
            render(&sub("${AWS::Region}")),
            r#"{"Fn::Sub":"${AWS::Region}"}"#
        );
    }

    #[test]
    fn lists_mix_literals_and_intrinsics() {
        let v: Value<Vec<Value<String>>> = list([Value::from("a"), aws::partition()]);
        assert_eq!(render(&v), r#"["a",{"Ref":"AWS::Partition"}]"#);
        let m: Value<BTreeMap<String, Value<String>>> = map([("k", aws::region())]);
        assert_eq!(render(&m), r#"{"k":{"Ref":"AWS::Region"}}"#);
    }
}
