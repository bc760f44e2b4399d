//! `payload_contract`: a publish whose payload lacks a field `[contracts]` requires.

use super::{Finding, Level, Lint};
use crate::graph::EventGraph;
use serde_json::Value;

use crate::model::{Field, Model, SiteKind, ValueKind};

pub static LINT: Lint = Lint {
    name: "payload_contract",
    default_level: Level::Deny,
    summary: "a publish whose payload lacks a field that `[contracts]` requires for that event",
    docs: r#"## What it does
Checks every publish of an event that has a contract in `choreo.toml` against the fields
the contract requires. The payload's fields are read from a `json!({..})` literal, a struct
literal, a wrapper's `payload`/`data` field or constructor argument, or a same-function
`let` binding to one of those. A payload whose fields cannot be known is not checked.
With a `schema`, every rule a literal lets one see is checked too: a missing `required`
property, a literal of the wrong JSON `type`, a property `additionalProperties: false`
forbids (nested object literals against their property's schema).

## Why is this bad?
Subscribers rely on the fields of the events they handle. A publish that leaves one out
makes every handler fail at run time, or worse, silently do nothing, far away from the code
that caused it.

## Example
```toml
[contracts."graph.edge_added"]
required_fields = ["source", "target"]
schema = "schemas/edge_added.json"   # optional, relative to choreo.toml
```
```rust
bus.publish("graph.edge_added", json!({ "source": a }));  // no "target"
```

## How to fix or allow
Add the missing field to the payload, or change the contract if the field is no longer
required. `// choreo: allow(payload_contract) -- reason` silences one publish.
"#,
};

pub fn check(model: &Model, _graph: &EventGraph) -> Vec<Finding> {
    let contracts = &model.settings.contracts;
    model
        .sites
        .iter()
        .filter(|site| site.kind == SiteKind::Publish)
        .filter_map(|site| {
            let contract = contracts.get(&site.key)?;
            let payload = site.payload.as_ref()?;
            let mut violations: Vec<String> = contract
                .required_fields
                .iter()
                .filter(|field| !payload.iter().any(|f| &f.name == *field))
                .map(|field| format!("lacks `{field}`"))
                .collect();
            if let Some(schema) = &contract.schema {
                check_schema(&schema.value, payload, "", &mut violations);
            }
            if violations.is_empty() {
                return None;
            }
            let origin = match &contract.schema {
                Some(schema) => format!("its contract (and `{}`)", schema.path),
                None => "its contract".to_owned(),
            };
            Some(Finding {
                lint: &LINT,
                event: Some(site.key.clone()),
                message: format!(
                    "the payload of `{}` violates {origin}: {}",
                    site.key,
                    violations.join("; ")
                ),
                help: format!(
                    "make the payload match `[contracts.\"{}\"]`, or change the contract",
                    site.key
                ),
                primary: site.location.clone(),
                primary_label: "published here".to_owned(),
                notes: Vec::new(),
                secondary: Vec::new(),
            })
        })
        .collect()
}

/// The schema rules a literal payload visibly breaks: a missing `required` property, a
/// literal of the wrong JSON `type`, a property `additionalProperties: false` forbids.
/// Nested object literals are checked against their property's schema.
fn check_schema(schema: &Value, payload: &[Field], at: &str, violations: &mut Vec<String>) {
    let properties = schema.get("properties").and_then(Value::as_object);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if !payload.iter().any(|f| f.name == name) {
                violations.push(format!("lacks `{at}{name}` (schema `required`)"));
            }
        }
    }
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false))
        && schema.get("patternProperties").is_none();
    for field in payload {
        let property = properties.and_then(|p| p.get(&field.name));
        match property {
            None if closed => violations.push(format!(
                "has `{at}{}`, which the schema forbids (`additionalProperties: false`)",
                field.name
            )),
            None => {}
            Some(property) => {
                if let Some(found) = kind_name(&field.kind) {
                    if !type_allows(property.get("type"), &field.kind) {
                        violations.push(format!(
                            "`{at}{}` is {found}, but the schema's `type` is {}",
                            field.name,
                            property
                                .get("type")
                                .map(Value::to_string)
                                .unwrap_or_default()
                        ));
                    }
                }
                if let ValueKind::Object(inner) = &field.kind {
                    check_schema(property, inner, &format!("{at}{}.", field.name), violations);
                }
            }
        }
    }
}

fn kind_name(kind: &ValueKind) -> Option<&'static str> {
    Some(match kind {
        ValueKind::String => "a string",
        ValueKind::Integer => "an integer",
        ValueKind::Number => "a number",
        ValueKind::Boolean => "a boolean",
        ValueKind::Null => "null",
        ValueKind::Object(_) => "an object",
        ValueKind::Array => "an array",
        ValueKind::Unknown => return None,
    })
}

/// Whether a schema `type` (a name or a list of names; absent means any) admits a literal.
fn type_allows(types: Option<&Value>, kind: &ValueKind) -> bool {
    let allowed: Vec<&str> = match types {
        None => return true,
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        Some(_) => return true,
    };
    allowed.iter().any(|name| match (*name, kind) {
        ("string", ValueKind::String)
        | ("integer", ValueKind::Integer)
        | ("number", ValueKind::Integer | ValueKind::Number)
        | ("boolean", ValueKind::Boolean)
        | ("null", ValueKind::Null)
        | ("object", ValueKind::Object(_))
        | ("array", ValueKind::Array) => true,
        // `1.0` is an integer to JSON Schema; a float literal's value is not known here.
        ("integer", ValueKind::Number) => true,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str, kind: ValueKind) -> Field {
        Field {
            name: name.to_owned(),
            kind,
        }
    }

    #[test]
    fn schema_rules_a_literal_shows() {
        let schema = json!({
            "type": "object",
            "required": ["source", "target"],
            "additionalProperties": false,
            "properties": {
                "source": {"type": "string"},
                "target": {"type": "string"},
                "weight": {"type": "number"},
                "meta": {"type": "object", "required": ["by"], "properties": {"by": {"type": "string"}}}
            }
        });
        let payload = vec![
            field(
                "meta",
                ValueKind::Object(vec![field("by", ValueKind::Integer)]),
            ),
            field("source", ValueKind::Integer),
            field("weight", ValueKind::Integer),
            field("colour", ValueKind::Unknown),
        ];
        let mut violations = Vec::new();
        check_schema(&schema, &payload, "", &mut violations);
        assert_eq!(
            violations,
            [
                "lacks `target` (schema `required`)",
                "`meta.by` is an integer, but the schema's `type` is \"string\"",
                "`source` is an integer, but the schema's `type` is \"string\"",
                "has `colour`, which the schema forbids (`additionalProperties: false`)",
            ]
        );
        let mut none = Vec::new();
        check_schema(
            &schema,
            &[
                field("source", ValueKind::Unknown),
                field("target", ValueKind::String),
            ],
            "",
            &mut none,
        );
        assert!(none.is_empty(), "{none:?}");
    }
}
