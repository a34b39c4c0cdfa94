//! Construct ids and names from words: one spelling of PascalCase for the crate.

/// `ACCESS_DENIED` (lower-cased first) → `AccessDenied`, `lambda:invoke` →
/// `LambdaInvoke`: each run of ASCII letters and digits, its first letter
/// upper-cased, the rest as given.
pub(crate) fn pascal_case(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_joined_with_capitals() {
        assert_eq!(pascal_case("access_denied"), "AccessDenied");
        assert_eq!(pascal_case("lambda:invoke"), "LambdaInvoke");
        assert_eq!(pascal_case("dynamodb:putItem"), "DynamodbPutItem");
        assert_eq!(pascal_case(""), "");
    }
}
