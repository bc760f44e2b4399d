//! JSON Schema contracts at run time: a publish whose payload the schema rejects is refused
//! with `PublishError::ContractViolation` carrying the schema's error, and a trail with such
//! refusals still replays.

use choreo::bus::{Bus, Contract, Event, FsyncPolicy, HandlerError, PublishError, Violation};
use serde_json::json;

fn schema() -> Contract {
    Contract::json_schema(json!({
        "type": "object",
        "required": ["id", "total"],
        "properties": {"id": {"type": "string"}, "total": {"type": "number"}}
    }))
    .unwrap()
}

#[test]
fn schema_violations_are_refused_with_the_schema_error() {
    let bus = Bus::builder()
        .contract("order.created", schema())
        .build()
        .unwrap();
    bus.subscribe("order.created", "billing", |_: &Event, _: &Bus| {
        Ok::<(), HandlerError>(())
    });

    let ok = bus.publish(Event::new(
        "order.created",
        json!({"id": "o-1", "total": 9.5}),
    ));
    assert!(ok.is_ok());

    let refused = bus.publish(Event::new("order.created", json!({"id": 7, "total": 1})));
    match refused {
        Err(PublishError::ContractViolation {
            violation: Violation::Schema(error),
            ..
        }) => assert!(error.contains("/id"), "{error}"),
        other => panic!("expected a schema violation, got {other:?}"),
    }
    let missing = bus.publish(Event::new("order.created", json!({"id": "o-2"})));
    assert!(matches!(
        missing,
        Err(PublishError::ContractViolation { .. })
    ));
    assert_eq!(bus.stats().types["order.created"].refused["contract"], 2);
}

#[test]
fn an_invalid_schema_is_an_error() {
    assert!(Contract::json_schema(json!({"type": 12})).is_err());
}

#[test]
fn a_trail_with_schema_refusals_replays() {
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("audit.jsonl");
    {
        let bus = Bus::builder()
            .contract("order.created", schema())
            .audit_trail(&trail, FsyncPolicy::Never)
            .build()
            .unwrap();
        bus.subscribe("order.created", "billing", |_: &Event, _: &Bus| {
            Ok::<(), HandlerError>(())
        });
        let _ = bus.publish(Event::new("order.created", json!({"id": "a", "total": 1})));
        let _ = bus.publish(Event::new("order.created", json!({"id": false})));
        bus.flush_audit().unwrap();
    }
    choreo::bus::verify(&trail).unwrap();
    let replayed = choreo::bus::replay_simulated(&trail).unwrap();
    assert!(replayed.records_compared > 0);
}
