//! Test assertions on synthesized templates, after the AWS CDK's `Template`.
//!
//! Patterns are JSON. Objects match deeply and partially (extra keys in the
//! template are fine), arrays match element by element with the same length,
//! and [`Match`] adds the special cases: absent keys, any value, arrays that
//! contain some elements, exact objects.
#![allow(
    clippy::panic,
    reason = "an assertion fails the calling test by panicking, as `assert!` does"
)]

use serde_json::{json, Value as Json};

use crate::assembly::Format;
use crate::tree::Stack;

const MATCH_KEY: &str = "$$match";

/// Special patterns for use inside a JSON pattern.
pub struct Match;

impl Match {
    /// The key must not be present.
    pub fn absent() -> Json {
        json!({ MATCH_KEY: "absent" })
    }
    /// Any value, but the key must be present.
    pub fn any_value() -> Json {
        json!({ MATCH_KEY: "any" })
    }
    /// An array containing elements matching each of `items`, in that order,
    /// possibly with others between them.
    pub fn array_with(items: Vec<Json>) -> Json {
        json!({ MATCH_KEY: "arrayWith", "items": items })
    }
    /// An object with exactly these keys, each matching.
    pub fn object_equals(object: Json) -> Json {
        json!({ MATCH_KEY: "objectEquals", "object": object })
    }
}

/// Why a value does not match a pattern; `at` is the JSON pointer of the
/// first difference. (The values are boxed to keep the `Err` small.)
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Mismatch {
    /// A value where [`Match::absent`] wants none.
    #[error("{at}: expected absent, found {found}")]
    NotAbsent { at: String, found: Box<Json> },
    /// No element of the array matches `expected`, after the previous ones ([`Match::array_with`]).
    #[error("{at}: no element (in order) matches {expected}")]
    NoElement { at: String, expected: Box<Json> },
    /// Nothing where a [`Match`] pattern wants a value.
    #[error("{at}: missing")]
    Missing { at: String },
    /// A value of another kind than a [`Match`] pattern wants (not an array for `arrayWith`).
    #[error("{at}: {found} does not match {matcher}")]
    NotMatcher {
        at: String,
        matcher: String,
        found: Box<Json>,
    },
    /// Nothing where the pattern has `expected`.
    #[error("{at}: missing, expected {expected}")]
    MissingValue { at: String, expected: Box<Json> },
    /// A key that [`Match::object_equals`] does not list.
    #[error("{at}/{key}: unexpected key")]
    UnexpectedKey { at: String, key: String },
    /// Arrays of different lengths.
    #[error("{at}: expected {expected} elements, found {found}")]
    Length {
        at: String,
        expected: usize,
        found: usize,
    },
    /// Different values.
    #[error("{at}: expected {expected}, found {found}")]
    Value {
        at: String,
        expected: Box<Json>,
        found: Box<Json>,
    },
}

/// Whether `actual` matches `pattern`; on a mismatch, where and why.
pub fn matches(pattern: &Json, actual: &Json) -> Result<(), Mismatch> {
    match_at(pattern, Some(actual), "", true)
}

fn match_at(
    pattern: &Json,
    actual: Option<&Json>,
    at: &str,
    partial: bool,
) -> Result<(), Mismatch> {
    if let Some(kind) = pattern.get(MATCH_KEY).and_then(Json::as_str) {
        return match (kind, actual) {
            ("absent", None) => Ok(()),
            ("absent", Some(v)) => Err(Mismatch::NotAbsent {
                at: at.to_owned(),
                found: Box::new(v.clone()),
            }),
            ("any", Some(_)) => Ok(()),
            ("arrayWith", Some(Json::Array(items))) => {
                let wanted = pattern["items"].as_array().cloned().unwrap_or_default();
                let mut next = 0;
                for w in &wanted {
                    match items[next..]
                        .iter()
                        .position(|i| match_at(w, Some(i), at, partial).is_ok())
                    {
                        Some(p) => next += p + 1,
                        None => {
                            return Err(Mismatch::NoElement {
                                at: at.to_owned(),
                                expected: Box::new(w.clone()),
                            })
                        }
                    }
                }
                Ok(())
            }
            ("objectEquals", Some(v)) => match_at(&pattern["object"], Some(v), at, false),
            (_, None) => Err(Mismatch::Missing { at: at.to_owned() }),
            (k, Some(v)) => Err(Mismatch::NotMatcher {
                at: at.to_owned(),
                matcher: k.to_owned(),
                found: Box::new(v.clone()),
            }),
        };
    }
    let Some(actual) = actual else {
        return Err(Mismatch::MissingValue {
            at: at.to_owned(),
            expected: Box::new(pattern.clone()),
        });
    };
    match (pattern, actual) {
        (Json::Object(p), Json::Object(a)) => {
            if !partial {
                if let Some(extra) = a.keys().find(|k| !p.contains_key(*k)) {
                    return Err(Mismatch::UnexpectedKey {
                        at: at.to_owned(),
                        key: extra.clone(),
                    });
                }
            }
            for (k, pv) in p {
                match_at(pv, a.get(k), &format!("{at}/{k}"), partial)?;
            }
            Ok(())
        }
        (Json::Array(p), Json::Array(a)) => {
            if p.len() != a.len() {
                return Err(Mismatch::Length {
                    at: at.to_owned(),
                    expected: p.len(),
                    found: a.len(),
                });
            }
            for (i, (pv, av)) in p.iter().zip(a).enumerate() {
                match_at(pv, Some(av), &format!("{at}/{i}"), partial)?;
            }
            Ok(())
        }
        (p, a) if p == a => Ok(()),
        (p, a) => Err(Mismatch::Value {
            at: at.to_owned(),
            expected: Box::new(p.clone()),
            found: Box::new(a.clone()),
        }),
    }
}

/// A synthesized template, for assertions in tests. Methods panic with a
/// message that shows the closest candidates, as test assertions do.
#[derive(Debug, Clone)]
pub struct Template {
    json: Json,
}

impl Template {
    /// Synthesizes the stack's app and takes this stack's template.
    ///
    /// # Panics
    /// If the app does not synthesize; the message lists every problem.
    pub fn from_stack(stack: &Stack) -> Template {
        let app = stack.app();
        let assembly = app.synth(Format::Json).unwrap_or_else(|e| panic!("{e}"));
        let artifact = assembly
            .stack(&stack.path())
            .unwrap_or_else(|| panic!("stack '{}' is not in the assembly", stack.path()));
        Template {
            json: artifact.template.clone(),
        }
    }

    /// Wraps a template given as JSON.
    pub fn from_json(json: Json) -> Template {
        Template { json }
    }

    /// The whole template.
    pub fn to_json(&self) -> &Json {
        &self.json
    }

    fn section(&self, name: &str) -> Vec<(&String, &Json)> {
        self.json
            .get(name)
            .and_then(Json::as_object)
            .map(|m| m.iter().collect())
            .unwrap_or_default()
    }

    /// Resources of `resource_type` whose whole definition (`Properties`,
    /// `DependsOn`, `DeletionPolicy`, …) matches `pattern`, by logical ID.
    pub fn find_resources(&self, resource_type: &str, pattern: &Json) -> Vec<(String, Json)> {
        self.section("Resources")
            .into_iter()
            .filter(|(_, r)| r.get("Type").and_then(Json::as_str) == Some(resource_type))
            .filter(|(_, r)| matches(pattern, r).is_ok())
            .map(|(id, r)| (id.clone(), r.clone()))
            .collect()
    }

    /// Asserts that some resource of `resource_type` has properties matching `pattern`.
    pub fn has_resource_properties(&self, resource_type: &str, pattern: Json) {
        self.has_resource(resource_type, json!({ "Properties": pattern }));
    }

    /// Asserts that some resource of `resource_type` matches `pattern` as a whole.
    pub fn has_resource(&self, resource_type: &str, pattern: Json) {
        let candidates: Vec<(&String, &Json)> = self
            .section("Resources")
            .into_iter()
            .filter(|(_, r)| r.get("Type").and_then(Json::as_str) == Some(resource_type))
            .collect();
        let mut reasons = Vec::new();
        for (id, r) in &candidates {
            match matches(&pattern, r) {
                Ok(()) => return,
                Err(why) => reasons.push(format!("  {id}: {why}")),
            }
        }
        panic!(
            "no {resource_type} matches {pattern}\n{} candidate(s):\n{}",
            candidates.len(),
            reasons.join("\n")
        );
    }

    /// Asserts how many resources of `resource_type` the template has.
    pub fn resource_count_is(&self, resource_type: &str, count: usize) {
        let found = self.find_resources(resource_type, &json!({})).len();
        assert_eq!(
            found, count,
            "expected {count} {resource_type}, found {found}"
        );
    }

    /// Asserts that an output matching `pattern` exists; `logical_id` `"*"` matches any output.
    pub fn has_output(&self, logical_id: &str, pattern: Json) {
        let outputs = self.section("Outputs");
        let mut reasons = Vec::new();
        for (id, o) in &outputs {
            if logical_id != "*" && id.as_str() != logical_id {
                continue;
            }
            match matches(&pattern, o) {
                Ok(()) => return,
                Err(why) => reasons.push(format!("  {id}: {why}")),
            }
        }
        panic!(
            "no output '{logical_id}' matches {pattern}\n{}",
            reasons.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_match_partially_and_deeply() {
        let actual = json!({"A": {"B": 1, "C": [1, {"D": 2, "E": 3}]}, "F": 4});
        assert!(matches(&json!({"A": {"C": [1, {"D": 2}]}}), &actual).is_ok());
        let err = matches(&json!({"A": {"C": [1, {"D": 3}]}}), &actual).unwrap_err();
        assert_eq!(
            err,
            Mismatch::Value {
                at: "/A/C/1/D".to_owned(),
                expected: Box::new(json!(3)),
                found: Box::new(json!(2))
            }
        );
        assert_eq!(err.to_string(), "/A/C/1/D: expected 3, found 2");
        assert!(
            matches(&json!({"A": {"C": [1]}}), &actual).is_err(),
            "arrays keep their length"
        );
    }

    #[test]
    fn special_matchers() {
        let actual = json!({"A": [1, 2, 3], "B": {"X": 1, "Y": 2}});
        assert!(matches(&json!({"Z": Match::absent()}), &actual).is_ok());
        assert!(matches(&json!({"A": Match::absent()}), &actual).is_err());
        assert!(matches(&json!({"A": Match::any_value()}), &actual).is_ok());
        assert!(matches(
            &json!({"A": Match::array_with(vec![json!(1), json!(3)])}),
            &actual
        )
        .is_ok());
        assert!(matches(
            &json!({"A": Match::array_with(vec![json!(3), json!(1)])}),
            &actual
        )
        .is_err());
        assert!(matches(
            &json!({"B": Match::object_equals(json!({"X": 1}))}),
            &actual
        )
        .is_err());
        assert!(matches(
            &json!({"B": Match::object_equals(json!({"X": 1, "Y": 2}))}),
            &actual
        )
        .is_ok());
    }
}
