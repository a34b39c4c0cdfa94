//! One-time codes: six decimal digits, uniform over `000000`–`999999`.

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;

/// Number of distinct codes.
const CODE_SPACE: u32 = 1_000_000;

/// Largest multiple of [`CODE_SPACE`] that fits in a `u32`: draws at or above it are
/// rejected, so `draw % CODE_SPACE` has no modulo bias (a draw is rejected with probability
/// 967,296 / 2^32 ≈ 0.02 %).
const ACCEPT_BELOW: u32 = (u32::MAX / CODE_SPACE) * CODE_SPACE;

/// A code. `Debug` does not show it, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(<redacted>)")
    }
}

impl Code {
    /// A fresh code from the operating system's cryptographic RNG (`getrandom`).
    pub fn generate() -> Result<Self, getrandom::Error> {
        Self::from_draws(|| {
            let mut bytes = [0u8; 4];
            getrandom::fill(&mut bytes)?;
            Ok(u32::from_le_bytes(bytes))
        })
    }

    /// A code from uniform 32-bit draws, rejecting the biased top of the range.
    pub fn from_draws<E>(mut draw: impl FnMut() -> Result<u32, E>) -> Result<Self, E> {
        loop {
            let value = draw()?;
            if value < ACCEPT_BELOW {
                return Ok(Self(format!("{:06}", value % CODE_SPACE)));
            }
        }
    }

    /// A code a caller typed: exactly [`CODE_DIGITS`] ASCII digits.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == CODE_DIGITS && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(text.to_owned()))
    }

    /// The digits, for the message to the user and for hashing; never for logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    fn from(values: &[u32]) -> Code {
        let mut values = values.iter().copied();
        Code::from_draws(|| Ok::<_, Infallible>(values.next().unwrap())).unwrap()
    }

    #[test]
    fn zero_padded_and_rejects_the_biased_top() {
        assert_eq!(from(&[7]).expose(), "000007");
        assert_eq!(from(&[0]).expose(), "000000");
        assert_eq!(from(&[999_999]).expose(), "999999");
        assert_eq!(from(&[1_000_042]).expose(), "000042");
        // 4,294,000,000 and above are redrawn, not folded onto the low codes.
        assert_eq!(
            from(&[ACCEPT_BELOW, u32::MAX, ACCEPT_BELOW - 1]).expose(),
            "999999"
        );
        assert_eq!(ACCEPT_BELOW, 4_294_000_000);
    }

    #[test]
    fn os_codes_cover_every_digit_in_every_position() {
        let codes: Vec<Code> = (0..2000).map(|_| Code::generate().unwrap()).collect();
        let mut seen = [[0u32; 10]; CODE_DIGITS];
        for code in &codes {
            assert!(Code::parse(code.expose()).is_some(), "{}", code.expose());
            for (position, digit) in code.expose().bytes().enumerate() {
                seen[position][usize::from(digit - b'0')] += 1;
            }
        }
        // 200 expected per cell; a uniform source falls below 100 with negligible probability.
        for (position, counts) in seen.iter().enumerate() {
            for (digit, count) in counts.iter().enumerate() {
                assert!(*count > 100, "digit {digit} at {position}: {count}");
            }
        }
        let distinct: std::collections::HashSet<&str> = codes.iter().map(Code::expose).collect();
        assert!(distinct.len() > 1990, "{} distinct of 2000", distinct.len());
    }

    #[test]
    fn parse_takes_exactly_six_ascii_digits() {
        assert!(Code::parse("012345").is_some());
        for bad in [
            "12345",
            "1234567",
            "12345a",
            " 12345",
            "１２３４５６",
            "",
            "-12345",
        ] {
            assert!(Code::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", from(&[123_456])), "Code(<redacted>)");
    }
}
