//! Email addresses: what is accepted and the one normal form codes and tokens are keyed on.
//!
//! Accepted: `local@domain` after trimming surrounding whitespace, at most
//! [`MAX_EMAIL_BYTES`] bytes, ASCII only. The local part is 1–64 characters of RFC 5322
//! `atext` and dots (no leading, trailing or doubled dot; quoted local parts are refused);
//! the domain is at least two dot-separated labels of letters, digits and hyphens, each 1–63
//! characters, not starting or ending with a hyphen (internationalized domains must be sent
//! in their `xn--` form).
//!
//! Normal form: the **whole address is lower-cased**, the local part included. RFC 5321 lets
//! a mail server treat the local part case-sensitively, but practically none does, and a
//! case-sensitive identity would let `Alice@x.com` and `alice@x.com` be two identities with
//! separate send limits and separate token subjects. The code is sent to the normal form,
//! and the normal form is the token's `sub`.
//!
//! Send limits count per [`mailbox`], a coarser form in which the spellings that reach one
//! mailbox (`a+1@x.com`, `a+2@x.com`; `a.b@gmail.com`, `ab@googlemail.com`) are one.

/// Longest accepted address in bytes (RFC 5321 path limit less the angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest local part in bytes (RFC 5321).
pub const MAX_LOCAL_BYTES: usize = 64;
/// Longest domain label in bytes (RFC 1035).
pub const MAX_LABEL_BYTES: usize = 63;

/// The normal form of `input`, or why it is not an acceptable address.
pub fn normalize(input: &str) -> Result<String, &'static str> {
    let address = input.trim();
    if address.is_empty() {
        return Err("must not be empty");
    }
    if address.len() > MAX_EMAIL_BYTES {
        return Err("must be at most 254 bytes");
    }
    if !address.is_ascii() {
        return Err("must be ASCII (send internationalized domains in their xn-- form)");
    }
    let (local, domain) = address
        .rsplit_once('@')
        .ok_or("must have the form local@domain")?;
    check_local(local)?;
    check_domain(domain)?;
    Ok(address.to_ascii_lowercase())
}

/// Domains of one mail service whose mailboxes ignore dots in the local part; the first is
/// the name [`mailbox`] uses for all of them.
const DOTLESS_DOMAINS: &[&str] = &["gmail.com", "googlemail.com"];

/// The mailbox that the normal-form address `normal` (from [`normalize`]) is delivered to:
/// the key send limits are counted under, so that spellings of one mailbox share one limit.
///
/// * A `+tag` is dropped (`a+1@x.com` → `a@x.com`). Subaddressing with `+` is how Gmail,
///   Outlook, iCloud, Fastmail, Proton and the common mail servers deliver tagged mail; at
///   a domain where `+` is an ordinary character the cost is that two mailboxes share a
///   limit, never that a code goes astray (the code is sent to the address as typed).
/// * At `gmail.com` and `googlemail.com` (one service) dots are dropped and the domain is
///   `gmail.com`: Gmail ignores dots, so `a.b@gmail.com` and `ab@gmail.com` are one inbox.
///   Elsewhere dots are kept: `j.smith` and `jsmith` are different people at most domains,
///   Google Workspace domains included, and a domain's rule cannot be known without asking
///   its mail servers, which the function does not do.
///
/// The code and the token still belong to the normal form; this key only counts sends.
pub fn mailbox(normal: &str) -> String {
    let (local, domain) = normal.rsplit_once('@').unwrap_or(("", normal));
    let local = match local.split_once('+') {
        // `+tag@x.com` has no base to keep: the whole local part is the mailbox.
        Some((base, _)) if !base.is_empty() => base,
        _ => local,
    };
    if DOTLESS_DOMAINS.contains(&domain) {
        format!("{}@{}", local.replace('.', ""), DOTLESS_DOMAINS[0])
    } else {
        format!("{local}@{domain}")
    }
}

/// The domain of an address (the part after the last `@`).
pub fn domain(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map_or(address, |(_, domain)| domain)
}

fn check_local(local: &str) -> Result<(), &'static str> {
    if local.is_empty() || local.len() > MAX_LOCAL_BYTES {
        return Err("the part before @ must be 1 to 64 characters");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(
            "the part before @ must not start or end with a dot or contain two dots in a row",
        );
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-.".contains(c);
    if !local.chars().all(atext) {
        return Err("the part before @ contains a character that is not allowed");
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), &'static str> {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("the domain must have at least two labels (example.com)");
    }
    for label in labels {
        if label.is_empty() || label.len() > MAX_LABEL_BYTES {
            return Err("each domain label must be 1 to 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a domain label must not start or end with a hyphen");
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("the domain may contain only letters, digits, hyphens and dots");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_form_is_trimmed_and_lower_case() {
        assert_eq!(
            normalize("  Alice.B+tag@Example.COM \n").unwrap(),
            "alice.b+tag@example.com"
        );
        assert_eq!(
            normalize("o'brien@mail.example.co.uk").unwrap(),
            "o'brien@mail.example.co.uk"
        );
        assert_eq!(
            normalize("x@xn--bcher-kva.example").unwrap(),
            "x@xn--bcher-kva.example"
        );
    }

    #[test]
    fn spellings_of_one_mailbox_share_it() {
        for (address, expected) in [
            ("a+1@example.com", "a@example.com"),
            ("a+1+2@example.com", "a@example.com"),
            ("a@example.com", "a@example.com"),
            // Dots are kept outside Gmail.
            ("j.smith+x@example.com", "j.smith@example.com"),
            ("j.smith@workspace.example", "j.smith@workspace.example"),
            // Gmail ignores dots, and googlemail.com is the same service.
            ("a.b.c+tag@gmail.com", "abc@gmail.com"),
            ("a.bc@googlemail.com", "abc@gmail.com"),
            // No base before the `+`: nothing to strip.
            ("+tag@example.com", "+tag@example.com"),
            // Not Gmail: a subdomain or look-alike keeps its dots and its name.
            ("a.b@mail.gmail.com", "a.b@mail.gmail.com"),
            ("a.b@gmail.com.example", "a.b@gmail.com.example"),
        ] {
            assert_eq!(mailbox(address), expected, "{address}");
        }
        assert_eq!(domain("a@gmail.com"), "gmail.com");
        assert_eq!(domain(&mailbox("a.b@googlemail.com")), "gmail.com");
    }

    #[test]
    fn refuses_implausible_addresses() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@",
            "a@example",
            "a@.example.com",
            "a@example..com",
            "a@-example.com",
            "a@example-.com",
            "a@exa_mple.com",
            ".a@example.com",
            "a.@example.com",
            "a..b@example.com",
            "a b@example.com",
            "\"a b\"@example.com",
            "a@b@example.com",
            "jörg@example.com",
            "a@bücher.example",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn length_limits() {
        let local = "a".repeat(64);
        assert!(normalize(&format!("{local}@example.com")).is_ok());
        assert!(normalize(&format!("a{local}@example.com")).is_err());
        let label = "b".repeat(63);
        assert!(normalize(&format!("a@{label}.com")).is_ok());
        assert!(normalize(&format!("a@b{label}.com")).is_err());
        // 254 bytes exactly is accepted, 255 is not.
        let domain = format!(
            "{}.{}.{}.{}",
            "c".repeat(63),
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(60)
        );
        let ok = format!("a@{domain}");
        assert_eq!(ok.len(), 254);
        assert!(normalize(&ok).is_ok());
        assert!(normalize(&format!("ab@{domain}")).is_err());
    }
}
