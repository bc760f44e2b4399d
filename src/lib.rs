//! choreo: static analysis of event-driven Rust code, and an embeddable event bus.
pub mod bus;
