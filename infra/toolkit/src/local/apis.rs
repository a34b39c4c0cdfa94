//! The app's REST APIs and their local base URLs:
//! `<endpoint>/_aws/execute-api/<api id>/<stage>/`, to which a resource path
//! such as `orders` is appended.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::deploy::assembly::Stack;

/// A REST API as the template declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// Its logical ID.
    pub logical_id: String,
    /// Its construct id under the stack (`Api`), or the logical ID without a construct path.
    pub name: String,
    /// The stage name of the stage that serves it.
    pub stage: String,
}

/// A deployed REST API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalApi {
    /// The stack's display name (`Dev/Orders`).
    pub stack: String,
    /// The construct id (`Api`).
    pub name: String,
    /// The base URL, ending in `/`.
    pub url: String,
}

/// The REST APIs of a stack's template that a stage serves.
pub fn declared(stack: &Stack) -> Vec<Declared> {
    let resources = stack
        .template
        .get("Resources")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let stage_of = |api: &str| {
        resources.values().find_map(|r| {
            let props = r.get("Properties")?;
            let refers = props.get("RestApiId") == Some(&serde_json::json!({ "Ref": api }));
            match r.get("Type").and_then(Json::as_str) {
                Some("AWS::ApiGateway::Stage") if refers => props.get("StageName")?.as_str(),
                Some("AWS::ApiGateway::Deployment") if refers => props.get("StageName")?.as_str(),
                _ => None,
            }
        })
    };
    resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Json::as_str) == Some("AWS::ApiGateway::RestApi"))
        .filter_map(|(id, _)| {
            Some(Declared {
                logical_id: id.clone(),
                name: construct_id(stack, id),
                stage: stage_of(id)?.to_owned(),
            })
        })
        .collect()
}

/// The construct id of a resource relative to its stack, without the L1's `Resource`.
pub fn construct_id(stack: &Stack, logical_id: &str) -> String {
    stack
        .construct_path(logical_id)
        .and_then(|p| p.strip_prefix(&format!("{}/", stack.display_name)))
        .map(|p| p.strip_suffix("/Resource").unwrap_or(p).to_owned())
        .unwrap_or_else(|| logical_id.to_owned())
}

/// Logical ID → physical ID of every resource of a deployed stack.
pub async fn physical_ids(
    cfn: &aws_sdk_cloudformation::Client,
    stack_name: &str,
) -> crate::Result<BTreeMap<String, String>> {
    let out = cfn
        .describe_stack_resources()
        .stack_name(stack_name)
        .send()
        .await
        .map_err(crate::Error::aws(format!(
            "list the resources of stack {stack_name}"
        )))?;
    Ok(out
        .stack_resources()
        .iter()
        .filter_map(|r| {
            Some((
                r.logical_resource_id()?.to_owned(),
                r.physical_resource_id()?.to_owned(),
            ))
        })
        .collect())
}

/// The deployed REST APIs of `stacks` with their local base URLs.
pub async fn local_apis(
    cfn: &aws_sdk_cloudformation::Client,
    stacks: &[Stack],
    endpoint: &str,
) -> crate::Result<Vec<LocalApi>> {
    let mut out = Vec::new();
    for stack in stacks {
        let apis = declared(stack);
        if apis.is_empty() {
            continue;
        }
        let ids = physical_ids(cfn, &stack.stack_name).await?;
        for api in apis {
            let Some(id) = ids.get(&api.logical_id) else {
                return Err(crate::Error::NotDeployed {
                    stack: stack.label(),
                    logical_id: api.logical_id,
                    name: api.name,
                });
            };
            out.push(LocalApi {
                stack: stack.display_name.clone(),
                name: api.name,
                url: format!("{endpoint}/_aws/execute-api/{id}/{}/", api.stage),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stack(template: Json) -> Stack {
        Stack {
            paths: [(
                "ApiF70053CD".to_owned(),
                "Dev/Orders/Api/Resource".to_owned(),
            )]
            .into(),
            ..Stack::for_test("Dev-Orders", "Dev/Orders", template)
        }
    }

    #[test]
    fn an_api_is_named_by_its_construct_and_served_by_its_stage() {
        let s = stack(json!({"Resources": {
            "ApiF70053CD": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders"}},
            "ApiStage": {"Type": "AWS::ApiGateway::Stage",
                         "Properties": {"RestApiId": {"Ref": "ApiF70053CD"}, "StageName": "prod"}},
            "Other": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        }}));
        assert_eq!(
            declared(&s),
            [Declared {
                logical_id: "ApiF70053CD".into(),
                name: "Api".into(),
                stage: "prod".into()
            }]
        );
    }
}
