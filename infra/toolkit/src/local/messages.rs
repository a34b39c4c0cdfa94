//! The emails (SES v1 and v2) and SMS (SNS) the engine "sent": it keeps them
//! and lists them at `GET /_aws/ses` and `GET /_aws/sns/sms-messages`.

use serde::Serialize;
use serde_json::Value as Json;

use super::http::get_json;

/// One message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// `email` or `sms`.
    pub kind: &'static str,
    /// The recipient: an address or a phone number.
    pub to: String,
    /// The sender, for emails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The subject, for emails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The text (an email's text part, else its HTML part or raw message).
    pub body: String,
    /// When the engine took it, as it reports the time (emails only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
}

/// Every message the engine at `endpoint` sent in `region`, emails first, each in sending order.
pub async fn messages(endpoint: &str, region: &str) -> crate::Result<Vec<Message>> {
    let mut out = emails(&get_json(&format!("{endpoint}/_aws/ses")).await?);
    out.extend(sms(&get_json(&format!(
        "{endpoint}/_aws/sns/sms-messages?region={region}"
    ))
    .await?));
    Ok(out)
}

/// `GET /_aws/ses` → one message per recipient (To, Cc and Bcc).
pub fn emails(listing: &Json) -> Vec<Message> {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).map(str::to_owned);
    let mut out = Vec::new();
    for m in listing
        .get("messages")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let body = text(m.pointer("/Body/text_part"))
            .or_else(|| text(m.pointer("/Body/html_part")))
            .or_else(|| text(m.get("RawData")))
            .unwrap_or_default();
        let destination = m.get("Destination");
        let recipients = ["ToAddresses", "CcAddresses", "BccAddresses"]
            .iter()
            .filter_map(|k| destination.and_then(|d| d.get(k)).and_then(Json::as_array))
            .flatten()
            .filter_map(Json::as_str);
        for to in recipients {
            out.push(Message {
                kind: "email",
                to: to.to_owned(),
                from: text(m.get("Source")),
                subject: text(m.get("Subject")),
                body: body.clone(),
                sent_at: text(m.get("Timestamp")),
            });
        }
    }
    out
}

/// `GET /_aws/sns/sms-messages` → one message per SMS.
pub fn sms(listing: &Json) -> Vec<Message> {
    listing
        .get("sms_messages")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(phone, list)| {
            list.as_array().into_iter().flatten().map(move |m| Message {
                kind: "sms",
                to: phone.clone(),
                from: None,
                subject: None,
                body: m
                    .get("Message")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                sent_at: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_email_is_one_message_per_recipient() {
        let listing = json!({"messages": [{
            "Id": "m1", "Timestamp": "2026-12-01T01:00:00", "Source": "no-reply@example.com",
            "Subject": "Your code",
            "Destination": {"ToAddresses": ["a@example.com"], "BccAddresses": ["b@example.com"]},
            "Body": {"text_part": "123456", "html_part": null}
        }]});
        let got = emails(&listing);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].to, "a@example.com");
        assert_eq!(got[1].to, "b@example.com");
        assert_eq!(got[0].body, "123456");
        assert_eq!(got[0].subject.as_deref(), Some("Your code"));
    }

    #[test]
    fn an_sms_names_its_phone() {
        let listing = json!({"sms_messages": {"+15550100": [{"PhoneNumber": "+15550100", "Message": "code 1"}]}});
        let got = sms(&listing);
        assert_eq!(
            (got[0].kind, got[0].to.as_str(), got[0].body.as_str()),
            ("sms", "+15550100", "code 1")
        );
        assert_eq!(
            serde_json::to_value(&got[0]).unwrap(),
            json!({"kind": "sms", "to": "+15550100", "body": "code 1"})
        );
    }
}
