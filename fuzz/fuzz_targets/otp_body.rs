//! `POST /otp` and `POST /otp/verify` bodies through `otp::request::json_fields` and each
//! function's `validate`, and the same text through `otp::email::normalize`.
//!
//! The first byte chooses how the rest is sent: bit 0, base64-encoded by the client (so the
//! decoded body may be any bytes); bit 1, flagged base64 as it is (any text); bit 2, SMS
//! enabled. Properties: a refused body gets a 400 or a 413 whose details name a member the
//! body has, or nothing; accepted values are the body's own members; an accepted address is
//! in normal form (normalising it again changes nothing), and each refusal names one of the
//! function's fields. The normal form ignores case and surrounding whitespace, and the
//! mailbox of an address is its own mailbox.
#![no_main]

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::Method;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use fuzz_targets::{create, verify};
use libfuzzer_sys::fuzz_target;
use otp::email::{domain, mailbox, normalize};
use otp::request::{json_fields, MAX_BODY_BYTES};
use otp::response::Detail;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = std::str::from_utf8(rest).ok();
    if let Some(text) = text {
        check_normal_form(text);
    }
    let (body, is_base64_encoded, decoded) = if flags & 1 == 1 {
        (STANDARD.encode(rest), true, Some(rest.to_vec()))
    } else if let Some(text) = text {
        let decoded = if flags & 2 == 2 {
            STANDARD.decode(text.trim()).ok()
        } else {
            Some(rest.to_vec())
        };
        (text.to_owned(), flags & 2 == 2, decoded)
    } else {
        return;
    };
    let mut request = ApiGatewayProxyRequest::default();
    request.http_method = Method::POST;
    request.body = Some(body);
    request.is_base64_encoded = is_base64_encoded;
    // The body as the model reads it: a JSON object, when it is one.
    let object: Option<Map<String, Value>> = decoded
        .as_deref()
        .and_then(|bytes| serde_json::from_slice(bytes).ok());
    let sms_enabled = flags & 4 == 4;

    if let Some(values) = fields(&request, create::FIELDS, object.as_ref()) {
        match create::validate(values.clone(), sms_enabled) {
            Ok(valid) => {
                check_accepted_address(&valid.email, values[0].as_ref());
                assert!(sms_enabled || valid.channel == create::Channel::Email);
            }
            Err(details) => check_names(&details, &create::FIELDS),
        }
    }
    if let Some(values) = fields(&request, verify::FIELDS, object.as_ref()) {
        match verify::validate(values.clone()) {
            Ok((email, code)) => {
                check_accepted_address(&email, values[0].as_ref());
                assert_eq!(values[1].as_ref(), Some(&Value::from(code.expose())));
                assert!(
                    code.expose().len() == 6 && code.expose().bytes().all(|b| b.is_ascii_digit())
                );
            }
            Err(details) => check_names(&details, &verify::FIELDS),
        }
    }
});

/// `json_fields`, checked: the values are the object's members, or the response is a 400 or
/// 413 whose details name members of the body (or nothing).
fn fields<const N: usize>(
    request: &ApiGatewayProxyRequest,
    names: [&'static str; N],
    object: Option<&Map<String, Value>>,
) -> Option<[Option<Value>; N]> {
    match json_fields(request, names) {
        Ok(values) => {
            let object = object.expect("accepted a body that is not a JSON object");
            assert!(
                object.keys().all(|k| names.contains(&k.as_str())),
                "unknown member accepted"
            );
            for (name, value) in names.iter().zip(&values) {
                assert_eq!(
                    object.get(*name),
                    value.as_ref(),
                    "{name} is not the body's"
                );
            }
            Some(values)
        }
        Err(response) => {
            check_refusal(&response, object);
            None
        }
    }
}

fn check_refusal(response: &ApiGatewayProxyResponse, object: Option<&Map<String, Value>>) {
    assert!(
        matches!(response.status_code, 400 | 413),
        "status {}",
        response.status_code
    );
    let Some(Body::Text(text)) = &response.body else {
        panic!("a refusal without a text body");
    };
    let body: Value = serde_json::from_str(text).expect("a refusal's body is JSON");
    assert!(body["error"].is_string());
    let details = body["details"].as_array().expect("a refusal has details");
    assert!(!details.is_empty());
    for detail in details {
        match &detail["field"] {
            Value::Null => {}
            Value::String(name) => {
                let object = object.expect("a member named in a body that is not an object");
                assert!(
                    object.contains_key(name),
                    "detail names {name:?}, not in the body"
                );
            }
            other => panic!("field {other}"),
        }
    }
    if response.status_code == 413 {
        assert!(text.contains(&MAX_BODY_BYTES.to_string()));
    }
}

/// An accepted address: the normal form of the string sent, and its own normal form.
fn check_accepted_address(email: &str, sent: Option<&Value>) {
    let Some(Value::String(sent)) = sent else {
        panic!("accepted an address that was not a string: {sent:?}");
    };
    assert_eq!(normalize(sent).as_deref(), Ok(email));
    assert_eq!(
        normalize(email).as_deref(),
        Ok(email),
        "normal form not idempotent"
    );
}

/// Every detail names one of `names`.
fn check_names(details: &[Detail], names: &[&str]) {
    assert!(!details.is_empty(), "refused without a detail");
    for detail in details {
        let field = detail.field.as_deref().expect("a detail without a field");
        assert!(names.contains(&field), "detail names {field:?}");
    }
}

/// The normal form of `text` as an address: idempotent, lower-case, within the length
/// limit, blind to ASCII case and surrounding whitespace; its mailbox is its own mailbox.
fn check_normal_form(text: &str) {
    let normal = normalize(text);
    assert_eq!(
        normalize(&text.to_ascii_uppercase()),
        normal,
        "case changes the result"
    );
    assert_eq!(
        normalize(&format!(" \t{text}\n")),
        normal,
        "whitespace changes the result"
    );
    let Ok(normal) = normal else { return };
    assert_eq!(
        normalize(&normal).as_deref(),
        Ok(normal.as_str()),
        "not idempotent"
    );
    assert_eq!(normal, normal.to_ascii_lowercase());
    assert!(normal.len() <= otp::email::MAX_EMAIL_BYTES);
    let mailbox_of = mailbox(&normal);
    assert_eq!(mailbox(&mailbox_of), mailbox_of, "mailbox not idempotent");
    let expected_domain = match domain(&normal) {
        "gmail.com" | "googlemail.com" => "gmail.com",
        other => other,
    };
    assert_eq!(domain(&mailbox_of), expected_domain);
}
