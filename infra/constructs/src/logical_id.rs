//! Logical IDs from construct paths, by the AWS CDK's algorithm (`makeUniqueId`).
//!
//! The readable part is the path's components with non-alphanumeric characters
//! removed, `Default` dropped, `Resource` hidden and adjacent repeats folded;
//! the suffix is the first 8 hex digits (upper case) of the MD5 of the path
//! joined with `/`. A single component that is already short enough is used
//! as is, so templates ported from plain CloudFormation keep their names.

use md5::{Digest, Md5};

/// A path component that is dropped from both the readable part and the hash.
pub const HIDDEN_ID: &str = "Default";
/// A path component that is hashed but not shown in the readable part.
pub const HIDDEN_FROM_HUMAN_ID: &str = "Resource";
/// The longest logical ID CloudFormation accepts.
pub const MAX_ID_LEN: usize = 255;
const MAX_HUMAN_LEN: usize = 240;
const HASH_LEN: usize = 8;

/// The logical ID for the construct whose path below its stack is `components`.
///
/// Returns `None` for an empty path (after `Default` is dropped), which has no ID.
pub fn make_unique_id(components: &[&str]) -> Option<String> {
    let components: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| *c != HIDDEN_ID)
        .collect();
    if components.is_empty() {
        return None;
    }
    if let [only] = components.as_slice() {
        let candidate = remove_non_alphanumeric(only);
        if candidate.len() <= MAX_ID_LEN {
            return Some(candidate);
        }
    }
    let hash = path_hash(&components);
    let human: String = remove_dupes(&components)
        .into_iter()
        .filter(|c| *c != HIDDEN_FROM_HUMAN_ID)
        .map(remove_non_alphanumeric)
        .collect::<String>()
        .chars()
        .take(MAX_HUMAN_LEN)
        .collect();
    Some(human + &hash)
}

/// Whether `id` is a valid CloudFormation logical ID: 1 to 255 ASCII letters and digits.
pub fn is_valid(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn path_hash(components: &[&str]) -> String {
    let digest = Md5::digest(components.join("/").as_bytes());
    hex::encode_upper(digest)[..HASH_LEN].to_owned()
}

/// Drops each component that the previous kept component ends with
/// (`Foo/Foo` and `FooBar/Bar` keep only the first).
fn remove_dupes<'a>(components: &[&'a str]) -> Vec<&'a str> {
    let mut kept: Vec<&str> = Vec::with_capacity(components.len());
    for c in components {
        if kept.last().is_none_or(|last| !last.ends_with(c)) {
            kept.push(c);
        }
    }
    kept
}

fn remove_non_alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_component_is_kept_readable() {
        assert_eq!(make_unique_id(&["Table"]).as_deref(), Some("Table"));
        assert_eq!(make_unique_id(&["my-table_1"]).as_deref(), Some("mytable1"));
    }

    #[test]
    fn default_only_has_no_id() {
        assert_eq!(make_unique_id(&["Default"]), None);
        assert_eq!(make_unique_id(&[]), None);
    }

    #[test]
    fn validity() {
        assert!(is_valid("Table1"));
        assert!(!is_valid("Table-1"));
        assert!(!is_valid(""));
        assert!(!is_valid(&"a".repeat(256)));
    }
}
