//! Sending a code: email through SES v2 `SendEmail`, SMS through SNS `Publish`.

use std::future::Future;

use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::types::{Body, Content, Destination as SesDestination, EmailContent, Message};
use aws_sdk_sns::types::MessageAttributeValue;
use otp::Code;

/// Subject of the email.
pub const SUBJECT: &str = "Your verification code";

/// Where a code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination<'a> {
    /// An email address.
    Email(&'a str),
    /// An E.164 phone number.
    Sms(&'a str),
}

/// A failed send; the message is for the log only (it never contains the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError(pub String);

/// Sends codes.
pub trait Deliver: Send + Sync {
    /// Sends `code`, valid for `valid_seconds`, to `to`.
    fn deliver(
        &self,
        to: Destination<'_>,
        code: &Code,
        valid_seconds: u64,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;
}

/// The text of the email body and of the SMS.
pub fn message_text(code: &Code, valid_seconds: u64) -> String {
    let validity = match valid_seconds {
        60 => "1 minute".to_owned(),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        1 => "1 second".to_owned(),
        s => format!("{s} seconds"),
    };
    format!(
        "Your verification code is {}. It is valid for {validity}. If you did not ask for it, ignore this message.",
        code.expose()
    )
}

/// [`Deliver`] through SES v2 and SNS.
#[derive(Debug, Clone)]
pub struct AwsDelivery {
    ses: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    sender: String,
    configuration_set: Option<String>,
}

impl AwsDelivery {
    /// Sends email from `sender` (a verified SES identity), optionally through a
    /// configuration set, and SMS through `sns`.
    pub fn new(
        ses: aws_sdk_sesv2::Client,
        sns: aws_sdk_sns::Client,
        sender: impl Into<String>,
        configuration_set: Option<String>,
    ) -> Self {
        Self {
            ses,
            sns,
            sender: sender.into(),
            configuration_set,
        }
    }
}

fn content(text: &str) -> Result<Content, DeliveryError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| DeliveryError(e.to_string()))
}

impl Deliver for AwsDelivery {
    async fn deliver(
        &self,
        to: Destination<'_>,
        code: &Code,
        valid_seconds: u64,
    ) -> Result<(), DeliveryError> {
        let text = message_text(code, valid_seconds);
        match to {
            Destination::Email(address) => {
                let message = Message::builder()
                    .subject(content(SUBJECT)?)
                    .body(Body::builder().text(content(&text)?).build())
                    .build();
                self.ses
                    .send_email()
                    .from_email_address(&self.sender)
                    .destination(SesDestination::builder().to_addresses(address).build())
                    .content(EmailContent::builder().simple(message).build())
                    .set_configuration_set_name(self.configuration_set.clone())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| DeliveryError(DisplayErrorContext(&e).to_string()))
            }
            Destination::Sms(phone_number) => {
                let transactional = MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("Transactional")
                    .build()
                    .map_err(|e| DeliveryError(e.to_string()))?;
                self.sns
                    .publish()
                    .phone_number(phone_number)
                    .message(text)
                    .message_attributes("AWS.SNS.SMS.SMSType", transactional)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        DeliveryError(aws_sdk_sns::error::DisplayErrorContext(&e).to_string())
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_names_code_and_validity() {
        let code = Code::parse("012345").unwrap();
        assert_eq!(
            message_text(&code, 300),
            "Your verification code is 012345. It is valid for 5 minutes. If you did not ask for it, ignore this message."
        );
        assert!(message_text(&code, 60).contains("valid for 1 minute."));
        assert!(message_text(&code, 90).contains("valid for 90 seconds."));
    }
}
