//! `choreo export --format asyncapi` (DESIGN.md "Systems of services"): an AsyncAPI 3.0.0
//! document of a report, for the tools event-driven teams already use (EventCatalog,
//! Backstage, AsyncAPI Studio). One channel per event key (its `address` is the key, wildcards
//! and `format!` patterns kept), one `send` operation per publishing component and one
//! `receive` operation per subscribing component (prefixed with the service in a merged
//! report), one message per channel whose payload is the key's `[contracts]` schema when the
//! config has one, else an object with the required fields and the payload keys seen at
//! publish sites; each operation lists its sites in `x-choreo-sites`. Deterministic: maps
//! are built sorted and ids are derived from keys and names.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::config::Contract;
use crate::report::Report;

/// An id AsyncAPI accepts as a map key of `components` (`^[a-zA-Z0-9.\-_]+$`): other
/// characters become `_`.
fn id(text: &str) -> String {
    let id: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() {
        "_".to_owned()
    } else {
        id
    }
}

/// Unique ids for `names`, in order: a clash (`a/b` and `a_b` both give `a_b`) gets a
/// numbered suffix.
fn unique_ids<'a>(names: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, String> {
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    for name in names {
        let base = id(name);
        let mut candidate = base.clone();
        let mut n = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        out.insert(name, candidate);
    }
    out
}

/// The AsyncAPI 3.0.0 document of `report`; `contracts` are the config's `[contracts]`
/// (empty for a report read from a file without its config).
pub fn asyncapi(report: &Report, contracts: &BTreeMap<String, Contract>) -> Value {
    let channel_ids = unique_ids(report.events.iter().map(|event| event.key.as_str()));
    let mut channels = Map::new();
    let mut messages = Map::new();
    // (operation id) → operation; built from sorted inputs, so the map order is stable.
    let mut operations: BTreeMap<String, Value> = BTreeMap::new();
    for event in &report.events {
        let channel = &channel_ids[event.key.as_str()];
        let message = channel.clone();
        let payload = payload_schema(event, contracts.get(&event.key));
        messages.insert(
            message.clone(),
            json!({"name": message, "title": event.key, "payload": payload}),
        );
        channels.insert(
            channel.clone(),
            json!({
                "address": event.key,
                "messages": {message.clone(): {"$ref": format!("#/components/messages/{message}")}},
                "x-choreo-health": event.health.to_string(),
            }),
        );
        // Sites per (service, component) and action.
        let mut by_component: BTreeMap<(Option<&str>, &str, &str), Vec<String>> = BTreeMap::new();
        for publisher in &event.publishers {
            by_component
                .entry((publisher.service.as_deref(), &publisher.component, "send"))
                .or_default()
                .push(format!("{}:{}", publisher.file, publisher.line));
        }
        for subscriber in &event.subscribers {
            by_component
                .entry((
                    subscriber.service.as_deref(),
                    &subscriber.component,
                    "receive",
                ))
                .or_default()
                .push(format!("{}:{}", subscriber.file, subscriber.line));
        }
        for ((service, component, action), mut sites) in by_component {
            sites.sort();
            sites.dedup();
            let name = match service {
                Some(service) => format!("{service}.{component}.{action}.{channel}"),
                None => format!("{component}.{action}.{channel}"),
            };
            let mut operation = json!({
                "action": action,
                "channel": {"$ref": format!("#/channels/{channel}")},
                "messages": [{"$ref": format!("#/channels/{channel}/messages/{message}")}],
                "x-choreo-component": component,
                "x-choreo-sites": sites,
            });
            if let Some(service) = service {
                operation["x-choreo-service"] = json!(service);
            }
            let mut op_id = id(&name);
            let mut n = 2;
            while operations.contains_key(&op_id) {
                op_id = format!("{}_{n}", id(&name));
                n += 1;
            }
            operations.insert(op_id, operation);
        }
    }
    let title = report
        .project
        .clone()
        .unwrap_or_else(|| "event flows".to_owned());
    let mut document = json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": format!(
                "Event flows found in the code by {} {}.",
                report.tool.name, report.tool.version
            ),
        },
        "channels": Value::Object(channels),
        "operations": Value::Object(operations.into_iter().collect()),
        "components": {"messages": Value::Object(messages)},
    });
    if let Some(services) = report.services.as_ref().filter(|s| !s.is_empty()) {
        document["x-choreo-services"] = json!(services);
    }
    document
}

/// A message's payload: the contract's JSON Schema, else an object with the contract's
/// required fields and the payload keys seen at publish sites (any type).
fn payload_schema(event: &crate::report::Event, contract: Option<&Contract>) -> Value {
    if let Some(schema) = contract.and_then(|c| c.schema.as_ref()) {
        return schema.value.clone();
    }
    let required: Vec<&str> = contract
        .map(|c| c.required_fields.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut keys: BTreeSet<&str> = required.iter().copied().collect();
    for publisher in &event.publishers {
        keys.extend(publisher.payload_keys.iter().map(String::as_str));
    }
    let properties: Map<String, Value> = keys
        .into_iter()
        .map(|key| (key.to_owned(), json!({})))
        .collect();
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_and_unique() {
        let ids = unique_ids(["a/b", "a_b", "user.*.created", ""].into_iter());
        assert_eq!(ids["a/b"], "a_b");
        assert_eq!(ids["a_b"], "a_b_2");
        assert_eq!(ids["user.*.created"], "user._.created");
        assert_eq!(ids[""], "_");
    }
}
