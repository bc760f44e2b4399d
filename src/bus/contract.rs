//! Payload contracts checked on publish.
//!
//! Two kinds: required top-level fields, and a JSON Schema (the design's `[contracts]
//! schema`, validated with the `jsonschema` crate).

use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// One rule an event type's payload must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Contract {
    /// The payload must be a JSON object holding each of these top-level fields.
    RequiredFields(Vec<String>),
    /// The payload must be valid against this JSON Schema.
    JsonSchema(Schema),
}

/// A compiled JSON Schema (the `jsonschema` crate), compared by its source.
#[derive(Clone)]
pub struct Schema {
    source: Value,
    validator: Arc<jsonschema::Validator>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Schema").field(&self.source).finish()
    }
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Schema {}

impl Contract {
    /// A contract requiring the given top-level payload fields.
    pub fn required_fields<I, S>(fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Contract::RequiredFields(fields.into_iter().map(Into::into).collect())
    }

    /// A contract checking payloads against a JSON Schema; `Err` when `schema` is not one.
    pub fn json_schema(schema: Value) -> Result<Self, String> {
        let validator = jsonschema::validator_for(&schema).map_err(|error| error.to_string())?;
        Ok(Contract::JsonSchema(Schema {
            source: schema,
            validator: Arc::new(validator),
        }))
    }

    /// Checks `payload`, naming what it lacks.
    pub fn check(&self, payload: &Value) -> Result<(), Violation> {
        match self {
            Contract::JsonSchema(schema) => match schema.validator.iter_errors(payload).next() {
                None => Ok(()),
                Some(error) => {
                    let at = error.instance_path().to_string();
                    let at = if at.is_empty() { "/".to_owned() } else { at };
                    Err(Violation::Schema(format!("{error} (at `{at}`)")))
                }
            },
            Contract::RequiredFields(fields) => {
                let missing: Vec<String> = fields
                    .iter()
                    .filter(|f| payload.get(f.as_str()).is_none())
                    .cloned()
                    .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(Violation::MissingFields(missing))
                }
            }
        }
    }

    /// The contract as recorded in the audit trail's `opened` record, so that a simulated
    /// replay can rebuild it.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Contract::RequiredFields(f) => serde_json::json!({ "required_fields": f }),
            Contract::JsonSchema(schema) => serde_json::json!({ "schema": schema.source }),
        }
    }

    pub(crate) fn from_json(v: &Value) -> Option<Self> {
        if let Some(schema) = v.get("schema") {
            return Contract::json_schema(schema.clone()).ok();
        }
        let fields = v.get("required_fields")?.as_array()?;
        let fields: Option<Vec<String>> = fields
            .iter()
            .map(|f| f.as_str().map(str::to_owned))
            .collect();
        Some(Contract::RequiredFields(fields?))
    }
}

/// How a payload breaks a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// These required fields are absent (in contract order).
    MissingFields(Vec<String>),
    /// The payload is not valid against the type's JSON Schema: the first error.
    Schema(String),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::MissingFields(m) => write!(f, "missing fields {}", m.join(", ")),
            Violation::Schema(error) => write!(f, "schema: {error}"),
        }
    }
}
