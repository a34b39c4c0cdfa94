//! `POST /orders` bodies (any UTF-8 text) through `orders_api::validation::validate`.
//!
//! Accepted: 1 to `MAX_RECORDS` orders, in body order, each the object at its index with
//! exactly the three members, a non-empty `record_id` of at most `MAX_RECORD_ID_BYTES`
//! bytes unique in the body, a `parameter_1` of at most `MAX_PARAMETER_1_BYTES` bytes and a
//! `parameter_2` that DynamoDB can store and that is the body's number. Refused: at most
//! `MAX_DETAILS` details, sorted by index, each about an order of the body, and each about a
//! record that is an object naming a field: one of the three or a member the object has.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orders_body::number::dynamodb_number;
use orders_body::validation::{
    validate, MAX_DETAILS, MAX_PARAMETER_1_BYTES, MAX_RECORDS, MAX_RECORD_ID_BYTES,
};
use serde_json::Value;

const FIELDS: [&str; 3] = ["record_id", "parameter_1", "parameter_2"];

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let result = validate(body);
    // The body as the model reads it (None when serde_json's Value refuses it, e.g. a number
    // out of f64 range or a lone surrogate, which the validator may still judge).
    let parsed: Option<Vec<Value>> = serde_json::from_str(body).ok();
    match result {
        Ok(orders) => {
            assert!(
                (1..=MAX_RECORDS).contains(&orders.len()),
                "{} orders",
                orders.len()
            );
            for (i, order) in orders.iter().enumerate() {
                assert!(
                    !order.record_id.is_empty() && order.record_id.len() <= MAX_RECORD_ID_BYTES
                );
                assert!(order.parameter_1.len() <= MAX_PARAMETER_1_BYTES);
                assert_eq!(dynamodb_number(order.parameter_2), Ok(order.parameter_2));
                assert!(
                    orders[..i].iter().all(|o| o.record_id != order.record_id),
                    "duplicate record_id {:?} accepted",
                    order.record_id
                );
            }
            let items = parsed.expect("an accepted body is a JSON array");
            assert_eq!(items.len(), orders.len());
            for (item, order) in items.iter().zip(&orders) {
                let object = item.as_object().expect("an accepted order is an object");
                assert!(
                    object.len() == 3 && FIELDS.iter().all(|f| object.contains_key(*f)),
                    "accepted members {:?}",
                    object.keys().collect::<Vec<_>>()
                );
                assert_eq!(object["record_id"], order.record_id.as_str());
                assert_eq!(object["parameter_1"], order.parameter_1.as_str());
                let number: f64 = serde_json::from_str(order.parameter_2).expect("a JSON number");
                assert_eq!(
                    object["parameter_2"].as_f64(),
                    Some(number),
                    "parameter_2 changed"
                );
            }
        }
        Err(invalid) => {
            let details = &invalid.details;
            assert!(!details.is_empty() && details.len() <= MAX_DETAILS);
            assert!(
                details.windows(2).all(|w| w[0].index <= w[1].index),
                "unsorted details"
            );
            let Some(items) = parsed else { return };
            if items.is_empty() || items.len() > MAX_RECORDS {
                assert!(details.len() == 1 && details[0].index.is_none());
                return;
            }
            for detail in details {
                let index = detail
                    .index
                    .expect("a detail about an order names its index");
                let item = items
                    .get(index)
                    .expect("a detail names an order of the body");
                let Some(object) = item.as_object() else {
                    assert_eq!(detail.field, None, "field named for a non-object");
                    continue;
                };
                let field = detail
                    .field
                    .as_deref()
                    .expect("a detail about an object names a field");
                assert!(
                    FIELDS.contains(&field) || object.contains_key(field),
                    "detail names {field:?}, which order {index} does not have"
                );
            }
        }
    }
});
