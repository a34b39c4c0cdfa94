//! DynamoDB `Number` limits, checked on the JSON number text.
//!
//! DynamoDB numbers have up to 38 significant digits and a magnitude between `1E-130` and
//! `9.9999999999999999999999999999999999999E+125` (or are zero). The check works on the
//! decimal text, so nothing is rounded: `2.1` stays `2.1`.

/// Most significant digits DynamoDB stores.
pub const MAX_SIGNIFICANT_DIGITS: usize = 38;
/// Largest decimal exponent of the leading digit (`9.99…E+125`).
pub const MAX_EXPONENT: i64 = 125;
/// Smallest decimal exponent of the leading digit (`1E-130`).
pub const MIN_EXPONENT: i64 = -130;

/// Why a number cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// More than [`MAX_SIGNIFICANT_DIGITS`] significant digits.
    TooPrecise(usize),
    /// Magnitude at or above `1E+126`.
    TooLarge,
    /// Non-zero magnitude below `1E-130`.
    TooSmall,
    /// Not JSON number syntax.
    NotANumber,
}

impl std::fmt::Display for NumberError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NumberError::TooPrecise(n) => write!(
                f,
                "has {n} significant digits; DynamoDB stores at most {MAX_SIGNIFICANT_DIGITS}"
            ),
            NumberError::TooLarge => {
                f.write_str("is too large for DynamoDB (magnitude must be below 1E+126)")
            }
            NumberError::TooSmall => f.write_str(
                "is too small for DynamoDB (non-zero magnitude must be at least 1E-130)",
            ),
            NumberError::NotANumber => f.write_str("is not a number"),
        }
    }
}

impl std::error::Error for NumberError {}

/// Checks a JSON number text against DynamoDB's limits. Returns the text to store: the input
/// itself, or `"0"` for any zero (`-0`, `0.000`, `0e5`).
pub fn dynamodb_number(text: &str) -> Result<&str, NumberError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    if bytes.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &bytes[int_start..i];
    if int_digits.is_empty() {
        return Err(NumberError::NotANumber);
    }
    let mut frac_digits: &[u8] = &[];
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &bytes[start..i];
        if frac_digits.is_empty() {
            return Err(NumberError::NotANumber);
        }
    }
    let mut exponent: i64 = 0;
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let negative = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            // Saturate: anything beyond ±10^15 is out of range either way.
            exponent = (exponent * 10 + i64::from(bytes[i] - b'0')).min(1_000_000_000_000_000);
            i += 1;
        }
        if i == start {
            return Err(NumberError::NotANumber);
        }
        if negative {
            exponent = -exponent;
        }
    }
    if i != bytes.len() {
        return Err(NumberError::NotANumber);
    }

    // Significant digits: int and fraction digits without leading and trailing zeros.
    let digits = || int_digits.iter().chain(frac_digits.iter());
    let total = int_digits.len() + frac_digits.len();
    let Some(first) = digits().position(|&d| d != b'0') else {
        return Ok("0");
    };
    let last = total - 1 - digits().rev().position(|&d| d != b'0').unwrap_or(0);
    let significant = last - first + 1;
    if significant > MAX_SIGNIFICANT_DIGITS {
        return Err(NumberError::TooPrecise(significant));
    }
    // Decimal exponent of the leading significant digit.
    let leading = int_digits.len() as i64 - 1 - first as i64 + exponent;
    if leading > MAX_EXPONENT {
        return Err(NumberError::TooLarge);
    }
    if leading < MIN_EXPONENT {
        return Err(NumberError::TooSmall);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_in_range_and_keeps_text() {
        for n in [
            "2.1",
            "4",
            "-4",
            "0.1",
            "123456789012345678901234567890.12345678",
            "1e125",
            "9.9999999999999999999999999999999999999E+125",
            "-9.9999999999999999999999999999999999999e125",
            "1E-130",
            "-1e-130",
            "0.000001",
            "100000000000000000000000000000000000000000",
            "1.50",
            "12.3400e-2",
        ] {
            assert_eq!(dynamodb_number(n), Ok(n), "{n}");
        }
    }

    #[test]
    fn zero_is_normalized() {
        for n in ["0", "-0", "0.000", "0e999999", "-0.0E-5"] {
            assert_eq!(dynamodb_number(n), Ok("0"), "{n}");
        }
    }

    #[test]
    fn rejects_out_of_range() {
        assert_eq!(dynamodb_number("1e126"), Err(NumberError::TooLarge));
        assert_eq!(dynamodb_number("10e125"), Err(NumberError::TooLarge));
        assert_eq!(
            dynamodb_number("1e99999999999999999999"),
            Err(NumberError::TooLarge)
        );
        assert_eq!(dynamodb_number("1e-131"), Err(NumberError::TooSmall));
        assert_eq!(dynamodb_number("0.1e-130"), Err(NumberError::TooSmall));
        assert_eq!(
            dynamodb_number("-1e-99999999999999999999"),
            Err(NumberError::TooSmall)
        );
        assert_eq!(
            dynamodb_number("1.23456789012345678901234567890123456789"),
            Err(NumberError::TooPrecise(39))
        );
        assert_eq!(
            dynamodb_number("123456789012345678901234567890123456789"),
            Err(NumberError::TooPrecise(39))
        );
        // Trailing zeros of an integer are not significant.
        assert_eq!(
            dynamodb_number("1234567890123456789012345678901234567800"),
            Ok("1234567890123456789012345678901234567800")
        );
    }

    #[test]
    fn rejects_non_numbers() {
        for n in [
            "", "-", "1.", ".5", "1e", "1e+", "abc", "1x", "NaN", "Infinity",
        ] {
            assert_eq!(dynamodb_number(n), Err(NumberError::NotANumber), "{n}");
        }
    }
}
