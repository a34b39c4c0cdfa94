//! The body of `POST /otp`: `{"email": string, "channel": "email" | "sms" (default
//! "email")}`. There is no phone number member: an SMS goes only to the number registered
//! for the address ([`otp::registration`]), never to one a caller names.

use otp::response::Detail;
use serde_json::Value;

/// The members of the body, in the order [`validate`] takes their values.
pub const FIELDS: [&str; 2] = ["email", "channel"];

/// Where the code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// To the address itself.
    Email,
    /// By SMS to the number registered for the address, if any.
    Sms,
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
    [email, channel]: [Option<Value>; 2],
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
    let channel = match channel {
        None | Some(Value::Null) => Some(Channel::Email),
        Some(Value::String(c)) if c == "email" => Some(Channel::Email),
        Some(Value::String(c)) if c == "sms" && sms_enabled => Some(Channel::Sms),
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
    match (email, channel) {
        (Some(email), Some(channel)) => Ok(CreateRequest { email, channel }),
        _ => Err(details),
    }
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
        let r = run(json!({"email": "a@example.com", "channel": null}), true).unwrap();
        assert_eq!(r.channel, Channel::Email);
    }

    #[test]
    fn sms_needs_the_switch() {
        let body = json!({"email": "a@example.com", "channel": "sms"});
        assert_eq!(run(body.clone(), true).unwrap().channel, Channel::Sms);
        assert_eq!(fields(run(body, false).unwrap_err()), ["channel"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let body = json!({"email": "nope", "channel": "fax"});
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
