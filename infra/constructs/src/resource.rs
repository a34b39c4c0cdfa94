//! The contract between the construct tree and typed (generated) resources.

use std::any::Any;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::tree::{NodeId, RemovalPolicy, ResourceRef};

/// A CloudFormation resource type: its properties serialize into the
/// template's `Properties`, and adding it to a scope returns a typed handle.
pub trait Resource: Serialize + 'static {
    /// The CloudFormation type name, such as `AWS::DynamoDB::Table`.
    const TYPE: &'static str;
    /// The handle returned by [`crate::Scope::add`], with typed attribute accessors.
    type Handle: From<ResourceRef>;
}

/// Type-erased resource properties, kept typed until synthesis so that
/// higher-level constructs can still change them.
pub(crate) trait ErasedResource {
    fn to_json(&self) -> Result<Json, serde_json::Error>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<R: Resource> ErasedResource for R {
    fn to_json(&self) -> Result<Json, serde_json::Error> {
        serde_json::to_value(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// What a resource's properties are while [`crate::ResourceRef::update_properties`]
/// has them out of the tree.
pub(crate) struct BeingUpdated;

impl ErasedResource for BeingUpdated {
    fn to_json(&self) -> Result<Json, serde_json::Error> {
        Err(serde::ser::Error::custom(
            "the resource's properties are being updated",
        ))
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A resource node's data.
pub(crate) struct ResourceData {
    pub(crate) resource_type: &'static str,
    pub(crate) properties: Box<dyn ErasedResource>,
    pub(crate) depends_on: Vec<NodeId>,
    pub(crate) deletion_policy: Option<RemovalPolicy>,
    pub(crate) update_replace_policy: Option<RemovalPolicy>,
    pub(crate) condition: Option<NodeId>,
    pub(crate) metadata: BTreeMap<String, Json>,
    pub(crate) overrides: Vec<(String, Json)>,
}

impl ResourceData {
    pub(crate) fn new(properties: Box<dyn ErasedResource>, resource_type: &'static str) -> Self {
        ResourceData {
            resource_type,
            properties,
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            condition: None,
            metadata: BTreeMap::new(),
            overrides: Vec::new(),
        }
    }

    /// The `Properties` object: typed properties, then overrides applied in order.
    pub(crate) fn properties_json(&self) -> Result<Json, serde_json::Error> {
        let mut props = self.properties.to_json()?;
        for (path, value) in &self.overrides {
            apply_override(&mut props, path, value.clone());
        }
        Ok(props)
    }
}

/// Sets `value` at the dotted `path` inside `target`, creating objects on the way.
fn apply_override(target: &mut Json, path: &str, value: Json) {
    let mut cursor = target;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !cursor.is_object() {
            *cursor = Json::Object(serde_json::Map::new());
        }
        let Json::Object(map) = cursor else {
            unreachable!()
        };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return;
        }
        cursor = map.entry(part.to_owned()).or_insert(Json::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overrides_create_nested_objects() {
        let mut props = json!({"A": {"B": 1}, "C": 2});
        apply_override(&mut props, "A.D.E", json!("x"));
        apply_override(&mut props, "C", json!(3));
        assert_eq!(props, json!({"A": {"B": 1, "D": {"E": "x"}}, "C": 3}));
    }
}
