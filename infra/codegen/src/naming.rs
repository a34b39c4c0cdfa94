//! Naming rules: CloudFormation names to Rust file, module, type, field and
//! variant names, and schema text to rustdoc text.

/// Rust keywords (strict and reserved, 2021 edition) plus names that would
/// clash with the generated API (`new` is every struct's constructor).
const RESERVED_SNAKE: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "new", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Splits a CloudFormation type name `AWS::DynamoDB::Table` into its service
/// and resource parts (`DynamoDB`, `Table`).
pub fn split_type_name(type_name: &str) -> Option<(&str, &str)> {
    let mut parts = type_name.split("::");
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(service), Some(resource), None)
            if !service.is_empty() && !resource.is_empty() =>
        {
            Some((service, resource))
        }
        _ => None,
    }
}

/// The module (and feature) name of a service: lowercased, so `ApiGateway`
/// becomes `apigateway` and `CodeStarConnections` `codestarconnections`.
pub fn service_module(service: &str) -> String {
    escape_keyword(
        service
            .to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
    )
}

/// The module name of a resource within its service: snake_cased, so
/// `RestApi` becomes `rest_api`.
pub fn resource_module(resource: &str) -> String {
    escape_keyword(snake_case(resource))
}

/// The generated file of a CloudFormation type, relative to the crate's
/// `src/`: `AWS::DynamoDB::Table` → `dynamodb/table.rs`.
pub fn resource_file(type_name: &str) -> Option<String> {
    let (service, resource) = split_type_name(type_name)?;
    Some(format!(
        "{}/{}.rs",
        service_module(service),
        resource_module(resource)
    ))
}

/// The vendored schema file name of a type: `AWS::DynamoDB::Table` →
/// `aws-dynamodb-table.json`.
pub fn schema_file(type_name: &str) -> String {
    format!("{}.json", type_name.to_ascii_lowercase().replace("::", "-"))
}

/// snake_case of a PascalCase (or camelCase) CloudFormation name, with
/// acronyms kept together: `SSESpecification` → `sse_specification`,
/// `S3Bucket` → `s3_bucket`, `DkimDNSTokenName1` → `dkim_dns_token_name1`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower);
            if boundary && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{out}")
    } else {
        out
    }
}

/// A snake_case field or method name, with a trailing underscore when it is
/// a Rust keyword or reserved by the generated API (`type` → `type_`).
pub fn field_name(cfn_name: &str) -> String {
    escape_keyword(snake_case(cfn_name))
}

fn escape_keyword(name: String) -> String {
    if RESERVED_SNAKE.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A type name from a schema name: non-alphanumeric characters dropped with
/// the following letter uppercased, the first letter uppercased, the rest kept
/// (`KeySchema` stays `KeySchema`, `SSESpecification` stays as is).
pub fn type_name(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

/// The variant name of an enum value: split on anything that is not a letter
/// or digit, each word capitalized (words in one case are lowercased after
/// their first letter, mixed-case words are kept), digits kept, and a `V`
/// prefix when the result would start with a digit. `PAY_PER_REQUEST` →
/// `PayPerRequest`, `aws:kms` → `AwsKms`, `python3.12` → `Python312`,
/// `nodejs20.x` → `Nodejs20X`, `AES256` → `Aes256`, `14` → `V14`,
/// `""` → `Empty`.
pub fn variant_name(value: &str) -> String {
    let mut out = String::new();
    for word in value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let single_case = !(word.chars().any(|c| c.is_ascii_uppercase())
            && word.chars().any(|c| c.is_ascii_lowercase()));
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if single_case {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    if out.is_empty() {
        return "Empty".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

/// Variant names for a list of values, in order, made unique by appending
/// `V2`, `V3`, … to later duplicates (first come keeps the plain name).
pub fn variant_names<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for value in values {
        let base = variant_name(value);
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}V{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// The AWS documentation URL of a resource property (`property_type` is
/// `None`) or of a property type's property, lowercased as the docs are:
/// `aws-resource-dynamodb-table.html#cfn-dynamodb-table-tablename`,
/// `aws-properties-dynamodb-table-keyschema.html#cfn-dynamodb-table-keyschema-attributename`.
pub fn docs_url(
    service: &str,
    resource: &str,
    property_type: Option<&str>,
    property: &str,
) -> String {
    let base = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide";
    let s = service.to_ascii_lowercase();
    let r = resource.to_ascii_lowercase();
    let p = property.to_ascii_lowercase();
    match property_type {
        None => format!("{base}/aws-resource-{s}-{r}.html#cfn-{s}-{r}-{p}"),
        Some(t) => {
            let t = t.to_ascii_lowercase();
            format!("{base}/aws-properties-{s}-{r}-{t}.html#cfn-{s}-{r}-{t}-{p}")
        }
    }
}

/// The URL of a resource type's documentation page.
pub fn resource_docs_url(service: &str, resource: &str) -> String {
    format!(
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-{}-{}.html",
        service.to_ascii_lowercase(),
        resource.to_ascii_lowercase()
    )
}

/// Longest description kept in a doc comment, in characters; longer first
/// paragraphs are cut after the last full sentence that fits.
const MAX_DOC_CHARS: usize = 400;

/// A schema description as one line of rustdoc: the first paragraph only,
/// Markdown links reduced to their text, characters rustdoc would read as
/// links or HTML escaped, and cut to about 400 characters.
pub fn doc_text(description: &str) -> String {
    let first = description
        .split('\n')
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let text = strip_links(first);
    let text = shorten(&text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' | ']' | '<' | '>' | '\\' | '*' | '_' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.trim().to_owned()
}

/// `[text](url)` → `text`.
fn strip_links(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find("](") {
            Some(close) if !after[..close].contains('[') => {
                let target = &after[close + 2..];
                match target.find(')') {
                    Some(end) => {
                        out.push_str(&rest[..open]);
                        out.push_str(&after[..close]);
                        rest = &target[end + 1..];
                    }
                    None => break,
                }
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_DOC_CHARS {
        return s.to_owned();
    }
    let cut: String = s.chars().take(MAX_DOC_CHARS).collect();
    match cut.rfind(". ") {
        Some(i) if i > 40 => cut[..=i].to_owned(),
        _ => {
            let i = cut.rfind(' ').unwrap_or(cut.len());
            format!("{}…", &cut[..i])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_follow_service_and_resource() {
        assert_eq!(
            resource_file("AWS::DynamoDB::Table").unwrap(),
            "dynamodb/table.rs"
        );
        assert_eq!(
            resource_file("AWS::ApiGateway::RestApi").unwrap(),
            "apigateway/rest_api.rs"
        );
        assert_eq!(
            resource_file("AWS::CodeStarConnections::Connection").unwrap(),
            "codestarconnections/connection.rs"
        );
        assert_eq!(
            resource_file("AWS::Lambda::EventInvokeConfig").unwrap(),
            "lambda/event_invoke_config.rs"
        );
        assert_eq!(resource_file("AWS::X::Type").unwrap(), "x/type_.rs");
        assert_eq!(resource_file("AWS::Lambda"), None);
        assert_eq!(
            schema_file("AWS::DynamoDB::Table"),
            "aws-dynamodb-table.json"
        );
    }

    #[test]
    fn snake_case_keeps_acronyms_together() {
        assert_eq!(snake_case("TableName"), "table_name");
        assert_eq!(snake_case("SSESpecification"), "sse_specification");
        assert_eq!(snake_case("KMSMasterKeyId"), "kms_master_key_id");
        assert_eq!(snake_case("S3Bucket"), "s3_bucket");
        assert_eq!(snake_case("DkimDNSTokenName1"), "dkim_dns_token_name1");
        assert_eq!(snake_case("WebsiteURL"), "website_url");
        assert_eq!(snake_case("RestApi"), "rest_api");
        assert_eq!(snake_case("camelCase"), "camel_case");
    }

    #[test]
    fn keywords_get_a_trailing_underscore() {
        assert_eq!(field_name("Type"), "type_");
        assert_eq!(field_name("Match"), "match_");
        assert_eq!(field_name("New"), "new_");
        assert_eq!(field_name("Name"), "name");
    }

    #[test]
    fn variants_are_pascal_case_identifiers() {
        assert_eq!(variant_name("PAY_PER_REQUEST"), "PayPerRequest");
        assert_eq!(variant_name("aws:kms"), "AwsKms");
        assert_eq!(variant_name("aws:kms:dsse"), "AwsKmsDsse");
        assert_eq!(variant_name("python3.12"), "Python312");
        assert_eq!(variant_name("nodejs20.x"), "Nodejs20X");
        assert_eq!(variant_name("AES256"), "Aes256");
        assert_eq!(variant_name("Bytes/Second"), "BytesSecond");
        assert_eq!(variant_name("Intelligent-Tiering"), "IntelligentTiering");
        assert_eq!(variant_name("ActiveActive"), "ActiveActive");
        assert_eq!(variant_name("3DES"), "V3des");
        assert_eq!(variant_name("14"), "V14");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("Self"), "Self_");
    }

    #[test]
    fn duplicate_variants_are_numbered_in_order() {
        assert_eq!(
            variant_names(["AES256", "aes256", "aes-256"]),
            ["Aes256", "Aes256V2", "Aes256V3"]
        );
    }

    #[test]
    fn type_names_are_sanitized() {
        assert_eq!(type_name("KeySchema"), "KeySchema");
        assert_eq!(type_name("key_schema"), "KeySchema");
        assert_eq!(type_name("3Thing"), "T3Thing");
    }

    #[test]
    fn docs_urls_are_lowercase() {
        assert_eq!(
            docs_url("DynamoDB", "Table", None, "TableName"),
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html#cfn-dynamodb-table-tablename"
        );
        assert_eq!(
            docs_url("DynamoDB", "Table", Some("KeySchema"), "AttributeName"),
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-keyschema.html#cfn-dynamodb-table-keyschema-attributename"
        );
    }

    #[test]
    fn doc_text_keeps_the_first_paragraph_escaped() {
        assert_eq!(
            doc_text("See [the guide](https://x.example) for <b>more</b>.\n  + second"),
            "See the guide for \\<b\\>more\\</b\\>."
        );
        assert_eq!(
            doc_text("Uses ``code`` and [brackets]"),
            "Uses ``code`` and \\[brackets\\]"
        );
        let long = "Word. ".repeat(200);
        assert!(doc_text(&long).chars().count() <= MAX_DOC_CHARS);
    }
}
