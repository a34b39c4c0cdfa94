//! What the app's functions printed: the engine's executor appends each
//! function's output to `<function name>.log` in [`Layout::function_logs`].

use std::path::PathBuf;

use serde_json::Value as Json;

use super::Layout;
use crate::deploy::assembly::Stack;

/// A function of the app, by the names a user may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// Its logical ID.
    pub logical_id: String,
    /// Its construct path (`Dev/Orders/OrdersApiFunction`).
    pub path: String,
    /// The crate its code is built from (`orders-api`), when it is a Rust function asset.
    pub package: Option<String>,
}

impl Function {
    /// Whether `name` is this function: its package, construct id or path, or logical ID (any case).
    pub fn is_called(&self, name: &str) -> bool {
        let id = self.path.rsplit('/').next().unwrap_or(&self.path);
        [
            Some(self.path.as_str()),
            Some(id),
            Some(&self.logical_id),
            self.package.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|n| n.eq_ignore_ascii_case(name))
    }

    /// What to call it in output: the package, else the construct path.
    pub fn label(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.path)
    }
}

/// The Lambda functions of an app's stacks.
pub fn functions(stacks: &[Stack]) -> Vec<Function> {
    let mut out = Vec::new();
    for stack in stacks {
        let resources = stack.template.get("Resources").and_then(Json::as_object);
        for (logical_id, resource) in resources.into_iter().flatten() {
            if resource.get("Type").and_then(Json::as_str) != Some("AWS::Lambda::Function") {
                continue;
            }
            let key = resource
                .pointer("/Properties/Code/S3Key")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let package = stack
                .assets
                .iter()
                .find(|a| a.object_key == key)
                .and_then(|a| a.display_name.clone());
            let path = resource
                .pointer("/Metadata/aws:cdk:path")
                .and_then(Json::as_str)
                .map(|p| p.strip_suffix("/Resource").unwrap_or(p).to_owned())
                .unwrap_or_else(|| format!("{}/{logical_id}", stack.display_name));
            out.push(Function {
                stack_name: stack.stack_name.clone(),
                logical_id: logical_id.clone(),
                path,
                package,
            });
        }
    }
    out
}

/// The output file of a deployed function, by its physical name.
pub fn file(layout: &Layout, physical_name: &str) -> PathBuf {
    layout.function_logs().join(format!("{physical_name}.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_answers_to_its_package_construct_and_logical_id() {
        let f = Function {
            stack_name: "Dev-Orders".into(),
            logical_id: "OrdersApiFunctionF46D4A7F".into(),
            path: "Dev/Orders/OrdersApiFunction".into(),
            package: Some("orders-api".into()),
        };
        for name in [
            "orders-api",
            "OrdersApiFunction",
            "ordersapifunction",
            "Dev/Orders/OrdersApiFunction",
            "OrdersApiFunctionF46D4A7F",
        ] {
            assert!(f.is_called(name), "{name}");
        }
        assert!(!f.is_called("Orders"));
        assert_eq!(f.label(), "orders-api");
    }
}
