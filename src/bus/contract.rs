//! Payload contracts checked on publish.
//!
//! A contract is an enum rather than a single list of fields so that further kinds (a JSON
//! Schema check, as the design's `[contracts] schema` asks for) can be added as variants
//! without changing how the bus applies them.

use serde_json::Value;
use std::fmt;

/// One rule an event type's payload must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Contract {
    /// The payload must be a JSON object holding each of these top-level fields.
    RequiredFields(Vec<String>),
}

impl Contract {
    /// A contract requiring the given top-level payload fields.
    pub fn required_fields<I, S>(fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Contract::RequiredFields(fields.into_iter().map(Into::into).collect())
    }

    /// Checks `payload`, naming what it lacks.
    pub fn check(&self, payload: &Value) -> Result<(), Violation> {
        match self {
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
        }
    }

    pub(crate) fn from_json(v: &Value) -> Option<Self> {
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
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::MissingFields(m) => write!(f, "missing fields {}", m.join(", ")),
        }
    }
}
