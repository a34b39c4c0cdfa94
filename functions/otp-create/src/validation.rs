//! The body of `POST /otp`: `{"email": string, "channel": "email" | "sms" (default "email"),
//! "phone_number": "+E.164" (required with "sms", refused otherwise)}`.

use otp::response::Detail;
use serde_json::Value;

/// The members of the body, in the order [`validate`] takes their values.
pub const FIELDS: [&str; 3] = ["email", "channel", "phone_number"];

/// Where the code goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// To the address itself.
    Email,
    /// By SMS to an E.164 number.
    Sms {
        /// `+` and 2–15 digits, the first not 0.
        phone_number: String,
    },
}

/// A valid request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRequest {
    /// The normalized address ([`otp::email`]).
    pub email: String,
    /// The delivery channel.
    pub channel: Channel,
}

/// The request in `values` (of [`FIELDS`]), or every problem found, each naming its field.
pub fn validate(
    [email, channel, phone_number]: [Option<Value>; 3],
    sms_enabled: bool,
) -> Result<CreateRequest, Vec<Detail>> {
    let mut details = Vec::new();
    let email = match otp::request::required_string("email", email) {
        Ok(text) => otp::email::normalize(&text)
            .map_err(|message| details.push(Detail::field("email", message)))
            .ok(),
        Err(detail) => {
            details.push(detail);
            None
        }
    };
    // `Some(true)`: sms; `Some(false)`: email; `None`: channel refused, so phone_number is
    // not judged against it.
    let sms = match channel {
        None | Some(Value::Null) => Some(false),
        Some(Value::String(c)) if c == "email" => Some(false),
        Some(Value::String(c)) if c == "sms" && sms_enabled => Some(true),
        Some(Value::String(c)) if c == "sms" => {
            details.push(Detail::field(
                "channel",
                "sms is not enabled; use \"email\"",
            ));
            None
        }
        Some(_) => {
            details.push(Detail::field("channel", "must be \"email\" or \"sms\""));
            None
        }
    };
    let phone_number = match (sms, phone_number) {
        (Some(true), value) => match otp::request::required_string("phone_number", value) {
            Ok(number) if is_e164(&number) => Some(number),
            Ok(_) => {
                details.push(Detail::field(
                    "phone_number",
                    "must be in E.164 form: + and up to 15 digits, e.g. +15555550100",
                ));
                None
            }
            Err(detail) => {
                details.push(Detail::field(
                    "phone_number",
                    format!("{} with channel \"sms\"", detail.message),
                ));
                None
            }
        },
        (Some(false), Some(value)) if !value.is_null() => {
            details.push(Detail::field(
                "phone_number",
                "is only allowed with channel \"sms\"",
            ));
            None
        }
        _ => None,
    };
    match (email, details.is_empty()) {
        (Some(email), true) => Ok(CreateRequest {
            email,
            channel: match phone_number {
                Some(phone_number) => Channel::Sms { phone_number },
                None => Channel::Email,
            },
        }),
        _ => Err(details),
    }
}

/// `+` followed by 2 to 15 digits, the first not zero (ITU-T E.164).
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(body: Value, sms_enabled: bool) -> Result<CreateRequest, Vec<Detail>> {
        let object = body.as_object().unwrap();
        validate(FIELDS.map(|f| object.get(f).cloned()), sms_enabled)
    }

    fn fields(details: Vec<Detail>) -> Vec<String> {
        details.into_iter().map(|d| d.field.unwrap()).collect()
    }

    #[test]
    fn email_channel_is_the_default() {
        let r = run(json!({"email": " A@Example.com"}), false).unwrap();
        assert_eq!(r.email, "a@example.com");
        assert_eq!(r.channel, Channel::Email);
        let r = run(json!({"email": "a@example.com", "channel": "email"}), true).unwrap();
        assert_eq!(r.channel, Channel::Email);
    }

    #[test]
    fn sms_needs_the_switch_and_a_number() {
        let body =
            json!({"email": "a@example.com", "channel": "sms", "phone_number": "+15555550100"});
        assert_eq!(
            run(body.clone(), true).unwrap().channel,
            Channel::Sms {
                phone_number: "+15555550100".into()
            }
        );
        assert_eq!(fields(run(body, false).unwrap_err()), ["channel"]);
        let no_number = json!({"email": "a@example.com", "channel": "sms"});
        assert_eq!(fields(run(no_number, true).unwrap_err()), ["phone_number"]);
        for bad in [
            "15555550100",
            "+0555",
            "+1",
            "+1234567890123456",
            "+1 555 555",
            "+1555a",
        ] {
            let body = json!({"email": "a@example.com", "channel": "sms", "phone_number": bad});
            assert_eq!(
                fields(run(body, true).unwrap_err()),
                ["phone_number"],
                "{bad}"
            );
        }
        let stray = json!({"email": "a@example.com", "phone_number": "+15555550100"});
        assert_eq!(fields(run(stray, true).unwrap_err()), ["phone_number"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let body = json!({"email": "nope", "channel": "sms", "phone_number": 5});
        assert_eq!(
            fields(run(body, true).unwrap_err()),
            ["email", "phone_number"]
        );
        // A refused channel is reported alone: phone_number is not judged against it.
        let body = json!({"email": "nope", "channel": "fax", "phone_number": "+1555"});
        assert_eq!(fields(run(body, true).unwrap_err()), ["email", "channel"]);
        assert_eq!(fields(run(json!({}), false).unwrap_err()), ["email"]);
        assert_eq!(
            fields(run(json!({"email": 1}), false).unwrap_err()),
            ["email"]
        );
        assert_eq!(
            fields(run(json!({"email": "a@example.com", "channel": 1}), false).unwrap_err()),
            ["channel"]
        );
    }
}
