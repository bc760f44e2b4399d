//! tauri-specta's typed events: a type deriving `tauri_specta::Event` is an event named by
//! its kebab-cased name (`PinnedFromTrayEvent` is `pinned-from-tray-event`) or by its
//! `#[tauri_specta(event_name = "..")]`; `PinnedFromTrayEvent::listen(app, h)` subscribes it
//! and `PinnedFromTrayEvent { .. }.emit(app)` publishes it, on the Rust side as through the
//! generated TypeScript bindings (`events.pinnedFromTrayEvent.listen(h)`).

use syn::punctuated::Punctuated;
use syn::Token;

/// The event name of an item whose derives, after the file's `use` imports are applied by
/// `imported`, include `tauri_specta::Event`; `None` for any other item.
pub fn event_name(
    ident: &syn::Ident,
    attrs: &[syn::Attribute],
    imported: impl Fn(&[String]) -> Vec<String>,
) -> Option<String> {
    let derives_event = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .any(|path| {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            imported(&segments) == ["tauri_specta", "Event"]
        });
    if !derives_event {
        return None;
    }
    named(ident, attrs)
}

/// The event name of a typed event: its `#[tauri_specta(event_name = "..")]`, else its
/// kebab-cased name.
pub fn named(ident: &syn::Ident, attrs: &[syn::Attribute]) -> Option<String> {
    if let Some((_, name)) = super::strum::string_args(attrs, "tauri_specta")
        .into_iter()
        .find(|(key, _)| key == "event_name")
    {
        return Some(name);
    }
    super::strum::convert(&ident.to_string(), "kebab-case")
}

/// Calls of a typed event's own methods: (name, argument count, kind). tauri-specta's
/// `emit(&self, handle)`, `emit_to(&self, handle, label)` and `emit_filter(&self, handle,
/// filter)` take one argument fewer than Tauri's `emit(event, payload)`, `emit_to(target,
/// event, payload)` and `emit_filter(event, payload, filter)`, so the count tells them apart.
pub const EMITS: &[(&str, usize)] = &[("emit", 1), ("emit_to", 2), ("emit_filter", 2)];

/// `Type::listen(handle, handler)` and its `_any`/`once` forms.
pub const LISTENS: &[&str] = &["listen", "listen_any", "once", "once_any"];

/// Whether a path call `Type::name(..)` with `args` arguments may be a typed event's
/// listener: tauri-specta's own (`listen_any(app, h)`), or a helper an app's extension trait
/// adds over them (`RequestStartRecording::listen_any_spawn(&app, h)`, whose default body
/// calls `Self::listen_any`). It is a site only if `Type` derives `tauri_specta::Event`.
pub fn is_typed_listen(name: &str, args: usize) -> bool {
    (LISTENS.contains(&name) && args == 2)
        || ((name.starts_with("listen_") || name.starts_with("once_")) && args >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(src: &str, uses: &[(&str, &[&str])]) -> Option<String> {
        let item: syn::ItemStruct = syn::parse_str(src).unwrap();
        event_name(&item.ident, &item.attrs, |segments| {
            match uses
                .iter()
                .find(|(local, _)| segments.first().map(String::as_str) == Some(local))
            {
                Some((_, target)) => target
                    .iter()
                    .map(|s| (*s).to_owned())
                    .chain(segments[1..].iter().cloned())
                    .collect(),
                None => segments.to_vec(),
            }
        })
    }

    #[test]
    fn kebab_case_names_renames_and_other_events() {
        assert_eq!(
            name(
                "#[derive(Clone, tauri_specta::Event)] struct PinnedFromTrayEvent;",
                &[]
            ),
            Some("pinned-from-tray-event".to_owned())
        );
        let uses: &[(&str, &[&str])] = &[("Event", &["tauri_specta", "Event"])];
        assert_eq!(
            name("#[derive(Event)] struct HTTPReady(u8);", uses),
            Some("http-ready".to_owned())
        );
        assert_eq!(
            name(
                "#[derive(tauri_specta::Event)] #[tauri_specta(event_name = \"sync:done\")] struct SyncDone;",
                &[]
            ),
            Some("sync:done".to_owned())
        );
        // Bevy's `Event` derive, or one not imported from tauri_specta, is no typed event.
        let bevy: &[(&str, &[&str])] = &[("Event", &["bevy", "prelude", "Event"])];
        assert_eq!(name("#[derive(Event)] struct Ping;", bevy), None);
        assert_eq!(name("#[derive(Event)] struct Ping;", &[]), None);
    }
}
