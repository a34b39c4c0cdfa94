//! Phone numbers: the E.164 form codes are sent to by SMS and registrations are stored in.

/// Whether `number` is `+` followed by 2 to 15 digits, the first not zero (ITU-T E.164).
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

    #[test]
    fn e164_only() {
        assert!(is_e164("+15555550100"));
        assert!(is_e164("+44"));
        assert!(is_e164("+123456789012345"));
        for bad in [
            "15555550100",
            "+0555",
            "+1",
            "+1234567890123456",
            "+1 555 555",
            "+1555a",
            "",
            "+",
        ] {
            assert!(!is_e164(bad), "{bad:?}");
        }
    }
}
