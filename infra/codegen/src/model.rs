//! From a CloudFormation registry schema to the model of one generated file:
//! the resource struct, its property types and enums, and its attributes.
//!
//! Type mapping (every field is a `Value<_>`, so intrinsics fit anywhere):
//!
//! | schema                                                        | Rust                              |
//! |---------------------------------------------------------------|-----------------------------------|
//! | `string` / `integer` / `number` / `boolean`                   | `String` / `i64` / `f64` / `bool` |
//! | `enum` (or `const`) of strings or integers                    | a Rust enum                       |
//! | `array` of X                                                  | `Vec<Value<X>>`                   |
//! | object with `properties` (definition or inline)               | a struct                          |
//! | object with `patternProperties` / `additionalProperties` of X | `BTreeMap<String, Value<X>>`      |
//! | `oneOf`/`anyOf` of objects with properties                    | one struct, all fields optional   |
//! | `oneOf`/`anyOf` of one typed shape and "JSON" alternatives    | the typed shape                   |
//! | anything else: multi-type, object without properties, …       | `JsonValue`                       |
//!
//! Naming of generated types: a definition keeps its name (sanitized by
//! [`naming::type_name`]), with a `Property` suffix when it would collide with
//! the resource struct, its handle or a name the file imports. Inline objects
//! and inline enums are named after their property in PascalCase; when that
//! name is taken they are prefixed with the struct that owns the property
//! (`FunctionRuntime`), then numbered. Inline enums with the same name and the
//! same values share one type.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

use crate::{naming, Error};

/// The Rust type inside a field's `Value<_>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// `String`.
    String,
    /// `i64`.
    Integer,
    /// `f64`.
    Number,
    /// `bool`.
    Boolean,
    /// `JsonValue`: any JSON.
    Json,
    /// `Vec<Value<T>>`.
    List(Box<Ty>),
    /// `BTreeMap<String, Value<T>>`.
    Map(Box<Ty>),
    /// A generated struct, by name.
    Struct(String),
    /// A generated struct behind a `Box`, to break a recursive definition.
    Boxed(String),
    /// A generated enum, by name.
    Enum(String),
}

impl Ty {
    /// The Rust spelling of this type.
    pub fn rust(&self) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::Integer => "i64".into(),
            Ty::Number => "f64".into(),
            Ty::Boolean => "bool".into(),
            Ty::Json => "JsonValue".into(),
            Ty::List(t) => format!("Vec<Value<{}>>", t.rust()),
            Ty::Map(t) => format!("BTreeMap<String, Value<{}>>", t.rust()),
            Ty::Struct(n) | Ty::Enum(n) => n.clone(),
            Ty::Boxed(n) => format!("Box<{n}>"),
        }
    }
}

/// One property of a struct.
#[derive(Clone, Debug)]
pub struct Field {
    /// The CloudFormation property name, as serialized.
    pub cfn_name: String,
    /// The Rust field and setter name.
    pub name: String,
    /// The type inside `Value<_>`.
    pub ty: Ty,
    /// Whether CloudFormation requires the property.
    pub required: bool,
    /// The schema's description, ready for rustdoc (may be empty).
    pub doc: String,
    /// The property's AWS documentation URL.
    pub url: String,
}

/// A generated struct: the resource's properties or a property type.
#[derive(Clone, Debug)]
pub struct Struct {
    /// The Rust type name.
    pub name: String,
    /// The schema's description, ready for rustdoc (may be empty).
    pub doc: String,
    /// Properties in schema order.
    pub fields: Vec<Field>,
    /// The required properties in the order of the schema's `required` list:
    /// the constructor's arguments.
    pub required_order: Vec<String>,
}

impl Struct {
    /// The required fields, in constructor argument order.
    pub fn required_fields(&self) -> impl Iterator<Item = &Field> {
        self.required_order
            .iter()
            .filter_map(|r| self.fields.iter().find(|f| &f.cfn_name == r))
    }
}

/// One allowed value of an enum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnumValue {
    /// A string value, serialized as is.
    Str(String),
    /// An integer value, serialized as a JSON number.
    Int(i64),
}

/// A generated enum.
#[derive(Clone, Debug)]
pub struct Enum {
    /// The Rust type name.
    pub name: String,
    /// The schema's description of the property, ready for rustdoc.
    pub doc: String,
    /// Variant names and their values, in schema order.
    pub variants: Vec<(String, EnumValue)>,
}

/// A `Fn::GetAtt` attribute of the resource.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The accessor method's name.
    pub method: String,
    /// The attribute name given to `Fn::GetAtt` (`Endpoint.Address`).
    pub name: String,
    /// The attribute's type.
    pub ty: Ty,
}

/// Everything one generated resource file holds.
#[derive(Clone, Debug)]
pub struct ResourceModel {
    /// `AWS::DynamoDB::Table`.
    pub type_name: String,
    /// The resource struct (`Table`); its fields exclude read-only properties.
    pub resource: Struct,
    /// The handle's name (`TableRef`).
    pub handle: String,
    /// The resource's AWS documentation page.
    pub url: String,
    /// The schema's primary identifier property names.
    pub primary_identifier: Vec<String>,
    /// Property types, sorted by name.
    pub structs: Vec<Struct>,
    /// Enums, sorted by name.
    pub enums: Vec<Enum>,
    /// `GetAtt` attributes, in the order of `readOnlyProperties`.
    pub attributes: Vec<Attribute>,
    /// Properties that became `JsonValue` (by path), for the generator's report.
    pub json_fallbacks: Vec<String>,
}

/// Names a generated file imports or defines besides its types; a definition
/// with one of these names gets the `Property` suffix.
const IMPORTED: &[&str] = &[
    "Value",
    "JsonValue",
    "BTreeMap",
    "Serialize",
    "Serializer",
    "ResourceRef",
    "Deref",
    "Resource",
    "Option",
    "Box",
    "Vec",
    "String",
    "Self",
    "Default",
];

/// Handle methods that an attribute accessor must not shadow.
const HANDLE_METHODS: &[&str] = &["ref_", "update", "from", "deref"];

/// How a type about to be created gets its name.
#[derive(Clone)]
enum Naming {
    /// A definition's reserved name, and the definition's own name.
    Fixed { name: String, def: String },
    /// An inline type: a hint (the property name) and the owning struct.
    Hint { hint: String, owner: String },
}

/// Builds the model of one resource type from its (patched) schema.
pub fn build(type_name: &str, schema: &Json) -> Result<ResourceModel, Error> {
    let (service, resource) = naming::split_type_name(type_name)
        .ok_or_else(|| Error::BadTypeName(type_name.to_owned()))?;
    let struct_name = naming::type_name(resource);
    let handle = format!("{struct_name}Ref");
    let empty = Map::new();
    let defs = schema
        .get("definitions")
        .and_then(Json::as_object)
        .unwrap_or(&empty);

    let mut taken: BTreeSet<String> = IMPORTED.iter().map(|s| s.to_string()).collect();
    taken.insert(struct_name.clone());
    taken.insert(handle.clone());
    let mut def_names = BTreeMap::new();
    for def in defs.keys() {
        let base = naming::type_name(def);
        let mut name = base.clone();
        if taken.contains(&name) {
            name = format!("{base}Property");
        }
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}Property{n}");
            n += 1;
        }
        taken.insert(name.clone());
        def_names.insert(def.clone(), name);
    }

    let mut b = Builder {
        service,
        resource,
        defs,
        def_names,
        def_types: BTreeMap::new(),
        in_progress: BTreeSet::new(),
        taken,
        structs: BTreeMap::new(),
        enums: BTreeMap::new(),
        json_fallbacks: Vec::new(),
        path: Vec::new(),
    };

    let read_only: BTreeSet<String> = strings(schema.get("readOnlyProperties"))
        .iter()
        .filter_map(|p| p.strip_prefix("/properties/"))
        .filter(|p| !p.contains('/'))
        .map(str::to_owned)
        .collect();
    let mut resource_schema = schema.clone();
    if let Some(props) = resource_schema
        .get_mut("properties")
        .and_then(Json::as_object_mut)
    {
        props.retain(|k, _| !read_only.contains(k));
    }
    b.path.push(resource.to_owned());
    let resource_struct = b.build_struct(&struct_name, None, &resource_schema);
    b.path.pop();

    let attributes = strings(schema.get("readOnlyProperties"))
        .iter()
        .filter_map(|p| p.strip_prefix("/properties/"))
        .map(|p| b.attribute(schema, p))
        .collect();

    let mut structs: Vec<Struct> = b.structs.into_values().collect();
    box_recursive_fields(&mut structs);
    Ok(ResourceModel {
        type_name: type_name.to_owned(),
        resource: resource_struct,
        handle,
        url: naming::resource_docs_url(service, resource),
        primary_identifier: strings(schema.get("primaryIdentifier"))
            .iter()
            .map(|p| p.trim_start_matches("/properties/").to_owned())
            .collect(),
        structs,
        enums: b.enums.into_values().collect(),
        attributes,
        json_fallbacks: b.json_fallbacks,
    })
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

struct Builder<'a> {
    service: &'a str,
    resource: &'a str,
    defs: &'a Map<String, Json>,
    /// Definition name → reserved Rust type name.
    def_names: BTreeMap<String, String>,
    /// Definition name → resolved type.
    def_types: BTreeMap<String, Ty>,
    /// Non-struct definitions being resolved (to stop recursion through them).
    in_progress: BTreeSet<String>,
    /// Every type name in use in the file.
    taken: BTreeSet<String>,
    structs: BTreeMap<String, Struct>,
    enums: BTreeMap<String, Enum>,
    json_fallbacks: Vec<String>,
    /// Where the resolver is, for the fallback report.
    path: Vec<String>,
}

impl Builder<'_> {
    /// A struct from an object schema with `properties`. `doc_type` is the
    /// property type name used in documentation URLs (`None` for the resource).
    fn build_struct(&mut self, name: &str, doc_type: Option<&str>, schema: &Json) -> Struct {
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        let required = strings(schema.get("required"));
        let mut fields: Vec<Field> = Vec::new();
        for (cfn_name, prop) in props {
            self.path.push(cfn_name.clone());
            let ty = self.resolve(
                prop,
                Naming::Hint {
                    hint: cfn_name.clone(),
                    owner: name.to_owned(),
                },
            );
            self.path.pop();
            let base = naming::field_name(cfn_name);
            let mut field_name = base.clone();
            let mut n = 2;
            while fields.iter().any(|f| f.name == field_name) {
                field_name = format!("{base}_{n}");
                n += 1;
            }
            fields.push(Field {
                cfn_name: cfn_name.clone(),
                name: field_name,
                ty,
                required: required.contains(cfn_name),
                doc: description(prop),
                url: naming::docs_url(self.service, self.resource, doc_type, cfn_name),
            });
        }
        let required_order = required
            .into_iter()
            .filter(|r| props.contains_key(r))
            .collect();
        Struct {
            name: name.to_owned(),
            doc: description(schema),
            fields,
            required_order,
        }
    }

    fn resolve(&mut self, schema: &Json, naming: Naming) -> Ty {
        if let Some(r) = schema.get("$ref").and_then(Json::as_str) {
            return match r.strip_prefix("#/definitions/") {
                Some(def) if self.defs.contains_key(def) => self.resolve_def(def),
                _ => self.fallback("unresolvable $ref"),
            };
        }
        match schema.get("type") {
            Some(Json::Array(types)) if types.len() == 1 => {
                let mut single = schema.clone();
                single["type"] = types[0].clone();
                self.resolve(&single, naming)
            }
            Some(Json::Array(_)) => self.fallback("several types"),
            Some(Json::String(t)) => match t.as_str() {
                "string" => self.scalar_or_enum(schema, Ty::String, naming),
                "integer" => self.scalar_or_enum(schema, Ty::Integer, naming),
                "number" => Ty::Number,
                "boolean" => Ty::Boolean,
                "array" => match schema.get("items") {
                    Some(items) if items.is_object() => {
                        Ty::List(Box::new(self.resolve(items, naming)))
                    }
                    _ => Ty::List(Box::new(self.fallback("array without item schema"))),
                },
                "object" => self.object(schema, naming),
                _ => self.fallback("unknown type"),
            },
            _ if schema
                .get("properties")
                .is_some_and(|p| p.as_object().is_some_and(|m| !m.is_empty())) =>
            {
                self.object(schema, naming)
            }
            _ if schema.get("enum").is_some() => self.scalar_or_enum(schema, Ty::String, naming),
            _ if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() => {
                match single_typed_alternative(schema) {
                    Some(alternative) => self.resolve(&alternative, naming),
                    None => self.fallback("oneOf/anyOf of several shapes"),
                }
            }
            _ => self.fallback("no type"),
        }
    }

    fn fallback(&mut self, why: &str) -> Ty {
        self.json_fallbacks
            .push(format!("{} ({why})", self.path.join(".")));
        Ty::Json
    }

    fn resolve_def(&mut self, def: &str) -> Ty {
        if let Some(t) = self.def_types.get(def) {
            return t.clone();
        }
        let name = self.def_names[def].clone();
        let schema = &self.defs[def];
        if is_struct(schema) {
            // Registered before its fields resolve, so recursion finds it.
            self.def_types
                .insert(def.to_owned(), Ty::Struct(name.clone()));
            self.path.push(def.to_owned());
            let s = self.build_struct(
                &name,
                Some(def),
                &merged_alternatives(schema).unwrap_or(schema.clone()),
            );
            self.path.pop();
            self.structs.insert(name.clone(), s);
            return Ty::Struct(name);
        }
        if !self.in_progress.insert(def.to_owned()) {
            return self.fallback("recursive definition");
        }
        self.path.push(def.to_owned());
        let ty = self.resolve(
            schema,
            Naming::Fixed {
                name,
                def: def.to_owned(),
            },
        );
        self.path.pop();
        self.in_progress.remove(def);
        self.def_types.insert(def.to_owned(), ty.clone());
        ty
    }

    fn scalar_or_enum(&mut self, schema: &Json, scalar: Ty, naming: Naming) -> Ty {
        let values: Vec<Json> = match (schema.get("enum"), schema.get("const")) {
            (Some(Json::Array(values)), _) => values.clone(),
            (None, Some(c)) => vec![c.clone()],
            _ => return scalar,
        };
        let values: Option<Vec<EnumValue>> = values
            .iter()
            .map(|v| match v {
                Json::String(s) => Some(EnumValue::Str(s.clone())),
                Json::Number(n) => n.as_i64().map(EnumValue::Int),
                _ => None,
            })
            .collect();
        let Some(values) = values.filter(|v| !v.is_empty()) else {
            return scalar;
        };
        let names = naming::variant_names(
            values
                .iter()
                .map(|v| match v {
                    EnumValue::Str(s) => s.clone(),
                    EnumValue::Int(n) => n.to_string(),
                })
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
        let variants: Vec<(String, EnumValue)> = names.into_iter().zip(values).collect();
        let same = |e: &Enum| e.variants == variants;
        let name = match naming {
            Naming::Fixed { name, .. } => name,
            Naming::Hint { hint, owner } => {
                let base = naming::type_name(&hint);
                let prefixed = format!("{owner}{base}");
                if self.enums.get(&base).is_some_and(same) || !self.taken.contains(&base) {
                    base
                } else if self.enums.get(&prefixed).is_some_and(same)
                    || !self.taken.contains(&prefixed)
                {
                    prefixed
                } else {
                    self.numbered(&prefixed)
                }
            }
        };
        self.taken.insert(name.clone());
        self.enums.entry(name.clone()).or_insert_with(|| Enum {
            name: name.clone(),
            doc: description(schema),
            variants,
        });
        Ty::Enum(name)
    }

    fn numbered(&self, base: &str) -> String {
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|n| !self.taken.contains(n))
            .unwrap_or_default()
    }

    fn object(&mut self, schema: &Json, naming: Naming) -> Ty {
        let merged = merged_alternatives(schema);
        let schema = merged.as_ref().unwrap_or(schema);
        if is_struct(schema) {
            let (name, doc_type) = match naming {
                Naming::Fixed { name, def } => (name, def),
                Naming::Hint { hint, owner } => {
                    let base = naming::type_name(&hint);
                    let name = if !self.taken.contains(&base) {
                        base
                    } else if !self.taken.contains(&format!("{owner}{base}")) {
                        format!("{owner}{base}")
                    } else {
                        self.numbered(&format!("{owner}{base}"))
                    };
                    (name.clone(), name)
                }
            };
            self.taken.insert(name.clone());
            let s = self.build_struct(&name, Some(&doc_type), schema);
            self.structs.insert(name.clone(), s);
            return Ty::Struct(name);
        }
        let values: Vec<&Json> = match (
            schema.get("patternProperties"),
            schema.get("additionalProperties"),
        ) {
            (Some(Json::Object(patterns)), _) if !patterns.is_empty() => {
                patterns.values().collect()
            }
            (_, Some(v @ Json::Object(_))) => vec![v],
            _ => return self.fallback("object without properties"),
        };
        let types: Vec<Ty> = values
            .into_iter()
            .map(|v| self.resolve(v, naming.clone()))
            .collect();
        if types.windows(2).all(|w| w[0] == w[1]) {
            Ty::Map(Box::new(types[0].clone()))
        } else {
            Ty::Map(Box::new(self.fallback("map values of several types")))
        }
    }

    fn attribute(&self, schema: &Json, pointer: &str) -> Attribute {
        let segments: Vec<&str> = pointer.split('/').collect();
        let mut node = schema.get("properties").and_then(|p| p.get(segments[0]));
        for seg in &segments[1..] {
            node = node
                .map(|n| self.deref(n))
                .and_then(|n| n.get("properties"))
                .and_then(|p| p.get(*seg));
        }
        let ty = match node.map(|n| self.deref(n)).and_then(|n| n.get("type")) {
            Some(Json::String(t)) => match t.as_str() {
                "integer" => Ty::Integer,
                "number" => Ty::Number,
                "boolean" => Ty::Boolean,
                "array" => Ty::List(Box::new(Ty::String)),
                "object" => Ty::Json,
                _ => Ty::String,
            },
            _ => Ty::String,
        };
        let mut method = segments
            .iter()
            .map(|s| naming::snake_case(s))
            .collect::<Vec<_>>()
            .join("_");
        method = naming::field_name(&method);
        if HANDLE_METHODS.contains(&method.as_str()) {
            method.push_str("_attr");
        }
        Attribute {
            method,
            name: segments.join("."),
            ty,
        }
    }

    fn deref<'s>(&'s self, node: &'s Json) -> &'s Json {
        match node
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            Some(def) => self.defs.get(def).unwrap_or(node),
            None => node,
        }
    }
}

/// The schema's description as rustdoc text.
fn description(schema: &Json) -> String {
    schema
        .get("description")
        .and_then(Json::as_str)
        .map(naming::doc_text)
        .unwrap_or_default()
}

/// Whether a schema becomes a struct: an object (or untyped) schema with
/// properties, or whose `oneOf`/`anyOf` alternatives are all such objects.
fn is_struct(schema: &Json) -> bool {
    let typed_object = match schema.get("type") {
        None => true,
        Some(Json::String(t)) => t == "object",
        Some(_) => false,
    };
    let has_props = |s: &Json| {
        s.get("properties")
            .and_then(Json::as_object)
            .is_some_and(|p| !p.is_empty())
    };
    typed_object
        && (has_props(schema) || merged_alternatives(schema).is_some_and(|m| has_props(&m)))
}

/// For an object whose `oneOf`/`anyOf` alternatives all carry properties
/// (and which has none of its own), one schema with the union of their
/// properties, none of them required. `None` otherwise.
fn merged_alternatives(schema: &Json) -> Option<Json> {
    if schema.get("properties").is_some() {
        return None;
    }
    let alternatives = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))?
        .as_array()?;
    let mut props = Map::new();
    for alternative in alternatives {
        for (k, v) in alternative.get("properties")?.as_object()? {
            props.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let mut merged = schema.clone();
    let obj = merged.as_object_mut()?;
    obj.remove("oneOf");
    obj.remove("anyOf");
    obj.insert("properties".into(), Json::Object(props));
    Some(merged)
}

/// For an untyped schema whose `oneOf`/`anyOf` has exactly one alternative
/// that is not "JSON as an object or a string" (`format: json` or
/// `type: [object, string]`), that alternative with the schema's description.
fn single_typed_alternative(schema: &Json) -> Option<Json> {
    if schema.get("type").is_some() {
        return None;
    }
    let alternatives = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))?
        .as_array()?;
    let is_json_blob = |a: &&Json| {
        a.get("format").and_then(Json::as_str) == Some("json")
            || a.get("type")
                .and_then(Json::as_array)
                .is_some_and(|t| t.iter().any(|x| x == "object") && t.iter().any(|x| x == "string"))
    };
    let mut typed = alternatives.iter().filter(|a| !is_json_blob(a));
    let only = typed.next()?;
    if typed.next().is_some() || alternatives.len() < 2 {
        return None;
    }
    let mut alt = only.clone();
    if let (Some(obj), Some(d)) = (alt.as_object_mut(), schema.get("description")) {
        obj.entry("description").or_insert_with(|| d.clone());
    }
    Some(alt)
}

/// Puts a struct field behind `Box` when its struct type leads back, through
/// fields held directly (not in a list or map), to the struct holding it.
fn box_recursive_fields(structs: &mut [Struct]) {
    let direct: BTreeMap<String, Vec<String>> = structs
        .iter()
        .map(|s| {
            let targets = s
                .fields
                .iter()
                .filter_map(|f| match &f.ty {
                    Ty::Struct(n) => Some(n.clone()),
                    _ => None,
                })
                .collect();
            (s.name.clone(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(direct.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    for s in structs.iter_mut() {
        let owner = s.name.clone();
        for f in &mut s.fields {
            if let Ty::Struct(n) = &f.ty {
                if reaches(n, &owner) {
                    f.ty = Ty::Boxed(n.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model(schema: Json) -> ResourceModel {
        build("AWS::Test::Thing", &schema).unwrap()
    }

    fn field<'a>(s: &'a Struct, name: &str) -> &'a Field {
        s.fields.iter().find(|f| f.cfn_name == name).unwrap()
    }

    #[test]
    fn primitives_lists_and_maps() {
        let m = model(json!({
            "properties": {
                "S": {"type": "string"}, "I": {"type": "integer"}, "N": {"type": "number"},
                "B": {"type": "boolean"}, "L": {"type": "array", "items": {"type": "string"}},
                "M": {"type": "object", "patternProperties": {".*": {"type": "integer"}}},
                "A": {"type": "object", "additionalProperties": {"type": "string"}},
                "J": {"type": "object"}, "T": {"type": ["object", "string"]},
                "One": {"type": ["boolean"]}
            },
            "required": ["N", "S"]
        }));
        let r = &m.resource;
        let rust: Vec<(&str, String, bool)> = r
            .fields
            .iter()
            .map(|f| (f.cfn_name.as_str(), f.ty.rust(), f.required))
            .collect();
        assert_eq!(
            rust,
            [
                ("S", "String".to_owned(), true),
                ("I", "i64".into(), false),
                ("N", "f64".into(), true),
                ("B", "bool".into(), false),
                ("L", "Vec<Value<String>>".into(), false),
                ("M", "BTreeMap<String, Value<i64>>".into(), false),
                ("A", "BTreeMap<String, Value<String>>".into(), false),
                ("J", "JsonValue".into(), false),
                ("T", "JsonValue".into(), false),
                ("One", "bool".into(), false),
            ]
        );
        let args: Vec<&str> = r.required_fields().map(|f| f.name.as_str()).collect();
        assert_eq!(args, ["n", "s"]);
        assert_eq!(
            m.json_fallbacks,
            [
                "Thing.J (object without properties)",
                "Thing.T (several types)"
            ]
        );
    }

    #[test]
    fn definitions_become_structs_and_enums() {
        let m = model(json!({
            "definitions": {
                "KeySchema": {"type": "object", "properties": {
                    "AttributeName": {"type": "string"},
                    "KeyType": {"type": "string", "enum": ["HASH", "RANGE"]}
                }, "required": ["AttributeName"]},
                "Mode": {"type": "string", "enum": ["PAY_PER_REQUEST", "PROVISIONED"]},
                "Thing": {"type": "object", "properties": {"X": {"type": "string"}}}
            },
            "properties": {
                "Keys": {"type": "array", "items": {"$ref": "#/definitions/KeySchema"}},
                "Billing": {"$ref": "#/definitions/Mode"},
                "Self": {"$ref": "#/definitions/Thing"}
            }
        }));
        assert_eq!(
            field(&m.resource, "Keys").ty,
            Ty::List(Box::new(Ty::Struct("KeySchema".into())))
        );
        assert_eq!(field(&m.resource, "Billing").ty, Ty::Enum("Mode".into()));
        assert_eq!(
            field(&m.resource, "Self").ty,
            Ty::Struct("ThingProperty".into())
        );
        let ks = m.structs.iter().find(|s| s.name == "KeySchema").unwrap();
        assert_eq!(field(ks, "KeyType").ty, Ty::Enum("KeyType".into()));
        assert!(field(ks, "AttributeName").url.ends_with(
            "aws-properties-test-thing-keyschema.html#cfn-test-thing-keyschema-attributename"
        ));
        let mode = m.enums.iter().find(|e| e.name == "Mode").unwrap();
        assert_eq!(
            mode.variants[0],
            (
                "PayPerRequest".into(),
                EnumValue::Str("PAY_PER_REQUEST".into())
            )
        );
    }

    #[test]
    fn clashing_inline_enums_are_prefixed_with_their_owner() {
        let m = model(json!({
            "definitions": {"Inner": {"type": "object", "properties": {
                "Kind": {"type": "string", "enum": ["C"]},
                "Same": {"type": "string", "enum": ["A", "B"]}
            }}},
            "properties": {
                "Kind": {"type": "string", "enum": ["A", "B"]},
                "Same": {"type": "string", "enum": ["A", "B"]},
                "Days": {"type": "integer", "enum": [1, 3]},
                "In": {"$ref": "#/definitions/Inner"}
            }
        }));
        let names: Vec<&str> = m.enums.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Days", "InnerKind", "Kind", "Same"]);
        let days = &m.enums[0];
        assert_eq!(days.variants[1], ("V3".into(), EnumValue::Int(3)));
    }

    #[test]
    fn unions_and_recursion() {
        let m = model(json!({
            "definitions": {
                "Node": {"type": "object", "properties": {"Next": {"$ref": "#/definitions/Node"}}},
                "Format": {"type": "object", "oneOf": [
                    {"properties": {"A": {"type": "string"}}, "required": ["A"]},
                    {"properties": {"B": {"type": "integer"}}, "required": ["B"]}
                ]}
            },
            "properties": {
                "Head": {"$ref": "#/definitions/Node"},
                "Format": {"$ref": "#/definitions/Format"},
                "Keys": {"description": "d", "oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"format": "json", "type": ["object", "string"]}
                ]}
            },
            "readOnlyProperties": ["/properties/Arn", "/properties/Endpoint/Port"]
        }));
        let node = m.structs.iter().find(|s| s.name == "Node").unwrap();
        assert_eq!(node.fields[0].ty, Ty::Boxed("Node".into()));
        let format = m.structs.iter().find(|s| s.name == "Format").unwrap();
        assert_eq!(format.fields.len(), 2);
        assert!(format.fields.iter().all(|f| !f.required));
        assert_eq!(
            field(&m.resource, "Keys").ty,
            Ty::List(Box::new(Ty::String))
        );
        assert_eq!(m.attributes[1].method, "endpoint_port");
        assert_eq!(m.attributes[1].name, "Endpoint.Port");
    }
}
