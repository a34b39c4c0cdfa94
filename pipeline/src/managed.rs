//! The deploy role's statements from the caller, in managed policies.
//!
//! IAM allows a role 10,240 characters of inline policy in all, which the
//! deploy role's statements for two stages of four stacks exceed (each names
//! every stack); a managed policy may hold 6,144, and a role may have ten.
//! Statements are packed in order into as few policies as fit.

use aws_constructs::iam::{PolicyStatement, Role};
use cfn::iam::ManagedPolicy;
use constructs::value::list;
use constructs::Scope;
use serde_json::json;

/// IAM's limit on one managed policy document, in characters without whitespace.
pub const MANAGED_POLICY_MAX_CHARS: usize = 6_144;

/// The document's characters as the template writes it. For statements whose
/// intrinsics are `Fn::Sub`s of pseudo parameters (as the caller's are), this
/// bounds the size IAM counts: `${AWS::Partition}`, `${AWS::Region}` and
/// `${AWS::AccountId}` are each longer than any value they take, and the
/// `Fn::Sub` wrapper disappears.
pub fn document_chars(statements: &[PolicyStatement]) -> usize {
    document(statements).to_string().len()
}

fn document(statements: &[PolicyStatement]) -> serde_json::Value {
    json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(PolicyStatement::to_json).collect::<Vec<_>>(),
    })
}

/// Attaches `statements` to `role` as managed policies `<id>1`, `<id>2`, …
/// under `scope`, in order, each within [`MANAGED_POLICY_MAX_CHARS`]. A
/// statement too large for any policy is reported as a synthesis error.
pub(crate) fn attach(scope: &Scope, id: &str, role: &Role, statements: &[PolicyStatement]) {
    let mut packs: Vec<Vec<PolicyStatement>> = Vec::new();
    for statement in statements {
        let fits = packs.last().is_some_and(|pack| {
            let mut grown = pack.clone();
            grown.push(statement.clone());
            document_chars(&grown) <= MANAGED_POLICY_MAX_CHARS
        });
        match packs.last_mut() {
            Some(pack) if fits => pack.push(statement.clone()),
            _ => packs.push(vec![statement.clone()]),
        }
    }
    for (i, pack) in packs.iter().enumerate() {
        let policy = scope.scope(&format!("{id}{}", i + 1));
        if document_chars(pack) > MANAGED_POLICY_MAX_CHARS {
            policy.add_error(format!(
                "a statement of {} actions is larger than an IAM managed policy may be ({MANAGED_POLICY_MAX_CHARS} characters); split it",
                pack[0].actions().len()
            ));
        }
        policy.add(
            "Resource",
            ManagedPolicy::new(document(pack)).roles(list([role.role_name()])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_constructs::iam::ServicePrincipal;
    use constructs::{App, Format, Value};

    fn statement(name: &str, resources: usize) -> PolicyStatement {
        PolicyStatement::allow(
            [format!("s3:{name}")],
            (0..resources).map(|i| Value::from(format!("arn:aws:s3:::bucket-{i:04}-{:x<60}", ""))),
        )
    }

    fn policies(
        statements: &[PolicyStatement],
    ) -> Result<Vec<serde_json::Value>, constructs::Error> {
        let app = App::new();
        let stack = app.stack("S");
        let role = Role::new(
            &stack,
            "Role",
            &ServicePrincipal::new("cloudformation.amazonaws.com"),
        );
        attach(&stack, "Policy", &role, statements);
        let assembly = app.synth(Format::Json)?;
        let template = &assembly.stack("S").unwrap().template;
        Ok(template["Resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|r| r["Type"] == "AWS::IAM::ManagedPolicy")
            .map(|r| r["Properties"].clone())
            .collect())
    }

    #[test]
    fn statements_are_packed_in_order_within_the_limit() {
        // About 1,800 characters each: three fit in one policy, the fourth starts another.
        let statements: Vec<_> = ["A", "B", "C", "D"]
            .iter()
            .map(|n| statement(n, 20))
            .collect();
        assert!(document_chars(&statements[..3]) <= MANAGED_POLICY_MAX_CHARS);
        assert!(document_chars(&statements) > MANAGED_POLICY_MAX_CHARS);
        let found = policies(&statements).unwrap();
        assert_eq!(found.len(), 2);
        let actions = |p: &serde_json::Value| -> Vec<String> {
            p["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["Action"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(actions(&found[0]), ["s3:A", "s3:B", "s3:C"]);
        assert_eq!(actions(&found[1]), ["s3:D"]);
        for p in &found {
            assert!(p["PolicyDocument"].to_string().len() <= MANAGED_POLICY_MAX_CHARS);
            assert_eq!(p["Roles"], serde_json::json!([{"Ref": "Role1ABCC5F0"}]));
        }
        assert!(policies(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_statement_larger_than_a_policy_is_an_error() {
        let err = policies(&[statement("Huge", 100)]).unwrap_err().to_string();
        assert!(err.contains("S/Policy1: a statement of 1 actions is larger than an IAM managed policy may be (6144 characters)"), "{err}");
    }
}
