//! The body of `POST /otp/verify`: `{"email": string, "code": string}`, the code exactly
//! six ASCII digits.

use otp::request::required_string;
use otp::response::Detail;
use otp::Code;
use serde_json::Value;

/// The members of the body, in the order [`validate`] takes their values.
pub const FIELDS: [&str; 2] = ["email", "code"];

/// The normalized address and the code, or the problems, each naming its field.
pub fn validate([email, code]: [Option<Value>; 2]) -> Result<(String, Code), Vec<Detail>> {
    let email = required_string("email", email)
        .and_then(|e| otp::email::normalize(&e).map_err(|m| Detail::field("email", m)));
    let code = required_string("code", code).and_then(|c| {
        Code::parse(&c).ok_or_else(|| Detail::field("code", "must be exactly 6 digits"))
    });
    match (email, code) {
        (Ok(email), Ok(code)) => Ok((email, code)),
        (email, code) => Err([email.err(), code.err()].into_iter().flatten().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: Result<(String, Code), Vec<Detail>>) -> Vec<String> {
        e.unwrap_err().into_iter().filter_map(|d| d.field).collect()
    }

    #[test]
    fn validation_names_fields() {
        let (email, code) =
            validate([Some("A@Example.com".into()), Some("012345".into())]).unwrap();
        assert_eq!((email.as_str(), code.expose()), ("a@example.com", "012345"));
        assert_eq!(fields(validate([None, None])), ["email", "code"]);
        assert_eq!(
            fields(validate([Some("a@example.com".into()), Some(12345.into())])),
            ["code"]
        );
        for bad in ["12345", "1234567", "12 345", "abcdef", ""] {
            assert_eq!(
                fields(validate([Some("a@example.com".into()), Some(bad.into())])),
                ["code"]
            );
        }
        assert_eq!(
            fields(validate([Some("nope".into()), Some("123456".into())])),
            ["email"]
        );
    }
}
