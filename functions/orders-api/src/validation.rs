//! Validation of the request body, all of it before anything is written.
//!
//! Limits (documented in the API contract):
//!
//! * body at most [`MAX_BODY_BYTES`] (after base64 decoding), otherwise 413;
//! * 1 to [`MAX_RECORDS`] records: DynamoDB's `TransactWriteItems` takes at most 100
//!   actions, and one request is one transaction;
//! * `record_id`: a non-empty string of at most [`MAX_RECORD_ID_BYTES`] UTF-8 bytes (the
//!   DynamoDB sort key limit), unique within the body (one transaction cannot touch an item
//!   twice);
//! * `parameter_1`: a string of at most [`MAX_PARAMETER_1_BYTES`] bytes (keeps every item
//!   far below DynamoDB's 400 KB item limit);
//! * `parameter_2`: a JSON number DynamoDB can hold exactly ([`crate::number`]);
//! * no other members: an unknown field is an error rather than silently dropped data (a
//!   typo such as `parameter2` would otherwise lose the value), and so is a repeated member.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use thiserror::Error;

use crate::number::{dynamodb_number, NumberError};

/// Largest accepted body in bytes (1 MiB): well inside Lambda's 6 MB payload limit even
/// base64-encoded, and inside DynamoDB's 4 MB transaction limit.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most records per request (DynamoDB's transaction limit).
pub const MAX_RECORDS: usize = 100;
/// Longest `record_id` in UTF-8 bytes (DynamoDB's sort key limit: the table's key is the
/// owner and the `record_id`).
pub const MAX_RECORD_ID_BYTES: usize = 1024;
/// Longest `parameter_1` in UTF-8 bytes.
pub const MAX_PARAMETER_1_BYTES: usize = 64 * 1024;
/// Most details reported in one error response.
pub const MAX_DETAILS: usize = 100;

/// A validated order. `parameter_2` is the JSON number text, ready to be stored as a
/// DynamoDB `N` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order<'a> {
    /// The client's id of the order (the sort key, under the owner's partition).
    pub record_id: String,
    /// Free text.
    pub parameter_1: String,
    /// Exact decimal text of the number.
    pub parameter_2: &'a str,
}

/// One problem in the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// Position of the record in the array; `None` for problems with the body as a whole.
    pub index: Option<usize>,
    /// The member concerned; `None` for problems with a whole record.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Why the body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Summary for the `error` member.
    pub error: &'static str,
    /// Individual problems (at most [`MAX_DETAILS`]).
    pub details: Vec<Detail>,
}

impl Invalid {
    fn body(error: &'static str, message: impl Into<String>) -> Self {
        Self {
            error,
            details: vec![Detail {
                index: None,
                field: None,
                message: message.into(),
            }],
        }
    }
}

const FIELDS: [&str; 3] = ["record_id", "parameter_1", "parameter_2"];

enum Key {
    Known(usize),
    Unknown(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match FIELDS.iter().position(|f| *f == v) {
                    Some(i) => Key::Known(i),
                    None => Key::Unknown(v.to_owned()),
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The members of one record, unparsed.
#[derive(Default)]
struct RawRecord<'a> {
    fields: [Option<&'a RawValue>; 3],
    unknown: Vec<String>,
    repeated: Vec<&'static str>,
}

impl<'de> Deserialize<'de> for RawRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = RawRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRecord<'de>, A::Error> {
                let mut record = RawRecord::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Known(i) => {
                            let value: &'de RawValue = map.next_value()?;
                            if record.fields[i].replace(value).is_some() {
                                record.repeated.push(FIELDS[i]);
                            }
                        }
                        Key::Unknown(name) => {
                            map.next_value::<IgnoredAny>()?;
                            record.unknown.push(name);
                        }
                    }
                }
                Ok(record)
            }
        }
        deserializer.deserialize_map(RecordVisitor)
    }
}

/// The JSON type of a raw value, for messages.
fn json_type(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// Validates a whole body. Returns the orders in body order, or every problem found (up to
/// [`MAX_DETAILS`]).
pub fn validate(body: &str) -> Result<Vec<Order<'_>>, Invalid> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Invalid::body(
            "request body too large",
            format!(
                "the body is {} bytes; the maximum is {MAX_BODY_BYTES}",
                body.len()
            ),
        ));
    }
    let items: Vec<&RawValue> = match serde_json::from_str(body) {
        Ok(items) => items,
        Err(err) => {
            return Err(match serde_json::from_str::<IgnoredAny>(body) {
                Ok(_) => Invalid::body(
                    "body must be a JSON array of orders",
                    "expected a JSON array",
                ),
                Err(_) => Invalid::body("body is not valid JSON", err.to_string()),
            })
        }
    };
    if items.is_empty() {
        return Err(Invalid::body(
            "no orders",
            "the array must contain at least one order",
        ));
    }
    if items.len() > MAX_RECORDS {
        return Err(Invalid::body(
            "too many orders",
            format!(
                "{} orders sent; at most {MAX_RECORDS} per request",
                items.len()
            ),
        ));
    }

    let mut details = Vec::new();
    let mut orders = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let problem = |details: &mut Vec<Detail>, field: Option<&str>, message: String| {
            details.push(Detail {
                index: Some(index),
                field: field.map(str::to_owned),
                message,
            })
        };
        if !item.get().starts_with('{') {
            problem(
                &mut details,
                None,
                format!("an order must be an object, got {}", json_type(item)),
            );
            continue;
        }
        let record: RawRecord<'_> = match serde_json::from_str(item.get()) {
            Ok(record) => record,
            Err(err) => {
                problem(&mut details, None, err.to_string());
                continue;
            }
        };
        for name in &record.unknown {
            problem(&mut details, Some(name), "unknown field".to_owned());
        }
        for name in &record.repeated {
            problem(
                &mut details,
                Some(name),
                "field appears more than once".to_owned(),
            );
        }
        let [record_id, parameter_1, parameter_2] = record.fields;

        let record_id = string_field(record_id, "record_id", MAX_RECORD_ID_BYTES, true)
            .map_err(|m| problem(&mut details, Some("record_id"), m.to_string()))
            .ok();
        let parameter_1 = string_field(parameter_1, "parameter_1", MAX_PARAMETER_1_BYTES, false)
            .map_err(|m| problem(&mut details, Some("parameter_1"), m.to_string()))
            .ok();
        let parameter_2 = number_field(parameter_2)
            .map_err(|m| problem(&mut details, Some("parameter_2"), m.to_string()))
            .ok();
        if let (Some(record_id), Some(parameter_1), Some(parameter_2)) =
            (record_id, parameter_1, parameter_2)
        {
            orders.push((
                index,
                Order {
                    record_id,
                    parameter_1,
                    parameter_2,
                },
            ));
        }
    }

    // Duplicate ids: one transaction cannot write the same item twice.
    if orders.len() > 1 {
        let mut by_id: Vec<(&str, usize)> = orders
            .iter()
            .map(|(i, o)| (o.record_id.as_str(), *i))
            .collect();
        by_id.sort_unstable();
        for pair in by_id.windows(2) {
            if pair[0].0 == pair[1].0 {
                details.push(Detail {
                    index: Some(pair[1].1),
                    field: Some("record_id".to_owned()),
                    message: format!(
                        "duplicates the record_id of the order at index {}",
                        pair[0].1
                    ),
                });
            }
        }
    }

    if details.is_empty() {
        Ok(orders.into_iter().map(|(_, o)| o).collect())
    } else {
        details.sort_by_key(|d| d.index);
        details.truncate(MAX_DETAILS);
        Err(Invalid {
            error: "invalid orders",
            details,
        })
    }
}

/// What is wrong with one member of a record: the `message` of its detail.
#[derive(Debug, Error)]
enum FieldError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{name} must be {expected}, got {found}")]
    WrongType {
        name: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{name} is {len} bytes; at most {max} are allowed")]
    TooLong {
        name: &'static str,
        len: usize,
        max: usize,
    },
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("parameter_2 {0}")]
    Number(#[from] NumberError),
}

fn string_field(
    raw: Option<&RawValue>,
    name: &'static str,
    max_bytes: usize,
    non_empty: bool,
) -> Result<String, FieldError> {
    let raw = raw.ok_or(FieldError::Missing(name))?;
    if !raw.get().starts_with('"') {
        return Err(FieldError::WrongType {
            name,
            expected: "a string",
            found: json_type(raw),
        });
    }
    let value: String = serde_json::from_str(raw.get())?;
    if non_empty && value.is_empty() {
        return Err(FieldError::Empty(name));
    }
    if value.len() > max_bytes {
        return Err(FieldError::TooLong {
            name,
            len: value.len(),
            max: max_bytes,
        });
    }
    Ok(value)
}

fn number_field(raw: Option<&RawValue>) -> Result<&str, FieldError> {
    let raw = raw.ok_or(FieldError::Missing("parameter_2"))?;
    let text = raw.get();
    if !matches!(text.as_bytes().first(), Some(b'-' | b'0'..=b'9')) {
        return Err(FieldError::WrongType {
            name: "parameter_2",
            expected: "a number",
            found: json_type(raw),
        });
    }
    Ok(dynamodb_number(text)?)
}
