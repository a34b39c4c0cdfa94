//! Typed IAM condition entries: `Condition::string_equals("aws:ResourceAccount", …)`
//! instead of an operator string and a key string side by side.

use constructs::JsonValue;
use serde::Serialize;
use serde_json::json;

/// One condition of a policy statement: an operator, a context key and the
/// value (or list of values) the key is compared with.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    operator: &'static str,
    key: String,
    value: JsonValue,
}

impl Condition {
    fn new(operator: &'static str, key: impl Into<String>, value: impl Serialize) -> Self {
        Condition {
            operator,
            key: key.into(),
            value: json!(value),
        }
    }

    /// `StringEquals`: the key equals the value (or one of the values).
    pub fn string_equals(key: impl Into<String>, value: impl Serialize) -> Self {
        Self::new("StringEquals", key, value)
    }

    /// `StringNotEquals`: the key equals none of the values.
    pub fn string_not_equals(key: impl Into<String>, value: impl Serialize) -> Self {
        Self::new("StringNotEquals", key, value)
    }

    /// `StringLike`: the key matches the pattern (`*`, `?`).
    pub fn string_like(key: impl Into<String>, value: impl Serialize) -> Self {
        Self::new("StringLike", key, value)
    }

    /// `ForAllValues:StringLike`: every value of a multivalued key matches one of the patterns.
    pub fn for_all_values_string_like(key: impl Into<String>, value: impl Serialize) -> Self {
        Self::new("ForAllValues:StringLike", key, value)
    }

    /// `ArnEquals`: the key is the ARN.
    pub fn arn_equals(key: impl Into<String>, value: impl Serialize) -> Self {
        Self::new("ArnEquals", key, value)
    }

    /// `ArnLike`: the key matches the ARN pattern.
    pub fn arn_like(key: impl Into<String>, value: impl Serialize) -> Self {
        Self::new("ArnLike", key, value)
    }

    /// `Bool`: the key is `true` or `false` (written as a string, as IAM shows it).
    pub fn bool(key: impl Into<String>, value: bool) -> Self {
        Self::new("Bool", key, value.to_string())
    }

    /// The operator, such as `StringEquals`.
    pub fn operator(&self) -> &str {
        self.operator
    }

    /// The context key, such as `aws:SourceArn`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value compared with.
    pub fn value(&self) -> &JsonValue {
        &self.value
    }
}
