//! The syn visitor that walks one file and records its facts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proc_macro2::Span;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Item, Token, Type, UseTree};

use super::keys::{
    is_const_name, is_type_name, key_of, key_of_type, mentions_type_param, see_through, segments,
    tail_key, type_key, KeyExpr, Locals,
};
use super::payload;
use super::{
    AliasFact, Body, CallFact, Callee, ConstFact, EnumFact, FieldFact, FieldUse, FileFacts, FnFact,
    HandlerRef, Holder, ModuleFacts, ParamField, Range, RawSite, Receiver, Scope, StructFact,
    SystemParamFact,
};
use crate::discover::SourceFile;
use crate::model::{Location, SiteKind};
use crate::rules::{CallShape, EventArg, Form, Rule, RuleSet};

/// Walks `syntax` and fills `facts`.
pub fn visit_file(syntax: &syn::File, file: &SourceFile, rules: &RuleSet, facts: &mut FileFacts) {
    let mut visitor = Visitor {
        rules,
        names: rules.names().into_iter().collect(),
        facts,
        file: &file.rel,
        modules: Vec::new(),
        module_names: file.module.clone(),
        self_types: Vec::new(),
        functions: Vec::new(),
        bodies: Vec::new(),
        pending_closures: BTreeMap::new(),
        fn_body_pending: false,
        type_params: Vec::new(),
        last_holder: None,
        plugin: None,
        typed_event_macros: BTreeSet::new(),
    };
    visitor.enter_module(&syntax.items);
    for item in &syntax.items {
        visitor.visit_item(item);
    }
}

struct Function {
    /// Shared with the facts of every call in the function (`CallFact::function`).
    name: Arc<str>,
    /// Index into `facts.functions`.
    index: usize,
    locals: Locals,
    /// Bevy: `EventWriter<T>`/`MessageWriter<T>` parameters, by name, with their `T`.
    writers: BTreeMap<String, KeyExpr>,
    payloads: payload::Bindings,
    /// How many of `Visitor::type_params` enclose the function (its own come after).
    outer_type_params: usize,
    /// Bevy: `Res<Events<T>>`-style parameters not read yet, by name.
    resources: BTreeMap<String, Resource>,
}

/// A bevy events resource parameter: a subscribe site once the system reads it.
struct Resource {
    key: KeyExpr,
    text: String,
    location: Location,
    handler: HandlerRef,
    handler_name: String,
}

struct Visitor<'a> {
    rules: &'a RuleSet,
    names: BTreeSet<&'a str>,
    facts: &'a mut FileFacts,
    file: &'a str,
    /// Indices into `facts.modules`, innermost last.
    modules: Vec<usize>,
    /// The current module path inside the crate.
    module_names: Vec<String>,
    /// Self types of enclosing `impl` blocks (`None` inside a trait definition).
    self_types: Vec<Option<Arc<str>>>,
    functions: Vec<Function>,
    /// Bodies that enclose the current node, innermost last.
    bodies: Vec<Body>,
    /// Handler closures recorded at their subscribe call and not visited yet, by the
    /// position of their first `|`.
    pending_closures: BTreeMap<(usize, usize), usize>,
    /// Set between a function's signature and its body's block.
    fn_body_pending: bool,
    /// Type parameters of the enclosing `impl` blocks and functions, outermost first.
    type_params: Vec<String>,
    /// The holder the last call was given (`call_holder`).
    last_holder: Option<Arc<Holder>>,
    /// Tauri: the plugin whose `.invoke_handler(..)` is being visited
    /// (`tauri::plugin::Builder::new("app-menu")`): its commands are `plugin:app-menu|NAME`.
    plugin: Option<String>,
    /// Tauri: the file's `macro_rules!` that derive `tauri_specta::Event` on their item.
    typed_event_macros: BTreeSet<String>,
}

impl Visitor<'_> {
    fn scope(&self) -> Scope {
        Scope {
            module: self.modules.last().copied().unwrap_or_default(),
            self_type: self.self_types.last().cloned().flatten(),
        }
    }

    fn module_path(&self) -> Vec<String> {
        let mut path = vec![self.facts.crate_name.clone()];
        path.extend(self.module_names.iter().cloned());
        path
    }

    fn location(&self, span: Span) -> Location {
        let start = span.start();
        Location {
            file: self.file.to_owned(),
            line: start.line as u32,
            column: start.column as u32 + 1,
        }
    }

    /// The `let` bindings and parameters in reach: borrowed, since every call and `let`
    /// asks for them.
    fn locals(&self) -> &Locals {
        static NONE: Locals = Locals::EMPTY;
        self.functions.last().map_or(&NONE, |f| &f.locals)
    }

    /// Records a module's `use` imports; paths are made absolute where the first segment
    /// says how (`crate`, `self`, `super`), and kept as written otherwise.
    fn enter_module(&mut self, items: &[Item]) {
        let path = self.module_path();
        let mut module = ModuleFacts {
            path: path.clone(),
            ..ModuleFacts::default()
        };
        for item in items {
            if let Item::Use(item) = item {
                let mut imports = Vec::new();
                flatten_use(&item.tree, Vec::new(), &mut imports, &mut module.globs);
                for (name, target) in imports {
                    module
                        .uses
                        .insert(name, absolutize(target, &path, &self.facts.crate_name));
                }
            }
        }
        module.globs = module
            .globs
            .into_iter()
            .map(|glob| absolutize(glob, &path, &self.facts.crate_name))
            .collect();
        self.facts.modules.push(module);
        self.modules.push(self.facts.modules.len() - 1);
    }

    fn holder(&self) -> Holder {
        match self.self_types.last().cloned().flatten() {
            Some(ty) => Holder::Type(ty.to_string()),
            None => Holder::Module(self.module_names.clone()),
        }
    }

    /// [`Visitor::holder`], shared by the consecutive calls that have the same one: a
    /// large file has thousands of calls, and a copy of the holder each took megabytes.
    fn call_holder(&mut self) -> Arc<Holder> {
        let current = self.self_types.last().and_then(Option::as_deref);
        let same = match (self.last_holder.as_deref(), current) {
            (Some(Holder::Type(held)), Some(ty)) => held == ty,
            (Some(Holder::Module(held)), None) => *held == self.module_names,
            _ => false,
        };
        if !same {
            self.last_holder = Some(Arc::new(self.holder()));
        }
        Arc::clone(self.last_holder.as_ref().expect("set above"))
    }

    /// A call's path after the module's `use` imports are applied.
    fn imported_path(&self, segments: &[String]) -> Vec<String> {
        let module = &self.facts.modules[self.scope().module];
        match segments.first().and_then(|first| module.uses.get(first)) {
            Some(target) => target.iter().chain(&segments[1..]).cloned().collect(),
            None => segments.to_vec(),
        }
    }

    /// A plugin's name as its builder is given it: a string literal, or a `const` of the
    /// file defined before (`const PLUGIN_NAME: &str = "git";`).
    fn plugin_name(&self, arg: &Expr) -> Option<String> {
        match key_of(arg, self.locals(), &self.scope()) {
            KeyExpr::Str(name) => Some(name),
            KeyExpr::Const { segments, .. } => {
                let name = segments.last()?;
                let mut values = self.facts.consts.iter().filter_map(|fact| {
                    match (fact.path.last(), &fact.value) {
                        (Some(last), KeyExpr::Str(value)) if last == name => Some(value),
                        _ => None,
                    }
                });
                let first = values.next()?;
                values.all(|other| other == first).then(|| first.clone())
            }
            _ => None,
        }
    }

    /// Records a struct or enum deriving `tauri_specta::Event` (with the `tauri` preset).
    fn typed_event(&mut self, ident: &syn::Ident, attrs: &[syn::Attribute]) {
        if !self.rules.tauri {
            return;
        }
        if let Some(name) =
            super::specta::event_name(ident, attrs, |segments| self.imported_path(segments))
        {
            self.facts.typed_events.push((ident.to_string(), name));
        }
    }

    /// tauri-specta's typed calls (with the `tauri` preset): `value.emit(app)` (and
    /// `emit_to(app, label)`, `emit_filter(app, filter)`) on a value of a type, and
    /// `Type::listen(app, handler)` (`listen_any`, `once`, `once_any`). Such a call is a
    /// site keyed by the type's event name; of a type that derives no typed event it is no
    /// site and no finding (`name_only`). Returns whether the call was one.
    fn typed_event_call(
        &mut self,
        kind: SiteKind,
        ty: KeyExpr,
        key_text: String,
        handler: Option<&Expr>,
        span: Span,
    ) -> bool {
        if !matches!(ty, KeyExpr::Type { .. }) {
            return false;
        }
        let location = self.location(span);
        let handler = (kind == SiteKind::Subscribe).then(|| {
            let arg = handler.filter(|arg| handler_target(arg).is_some());
            self.handler(arg, &location)
        });
        self.push_site(
            kind,
            KeyExpr::TypedEvent(Box::new(ty)),
            key_text,
            location,
            handler,
            None,
        );
        if let Some(site) = self.facts.sites.last_mut() {
            site.name_only = true;
        }
        true
    }

    /// `Type::listen_any(app, h)` (or an app's `Type::listen_any_spawn(&app, h)`) as a
    /// typed event's listener; not when its first argument names a key
    /// (`Bus::listen("topic", h)`). Returns whether the call was one.
    fn typed_listen_call(&mut self, path: &syn::Path, call: &syn::ExprCall, span: Span) -> bool {
        let segments = segments(path);
        let [.., owner, _] = segments.as_slice() else {
            return false;
        };
        let keyed = call.args.first().is_some_and(|arg| {
            matches!(
                key_of(arg, self.locals(), &self.scope()),
                KeyExpr::Str(_) | KeyExpr::Const { .. } | KeyExpr::Format { .. }
            )
        });
        if keyed || !is_type_name(owner) {
            return false;
        }
        let owner = &segments[..segments.len() - 1];
        let ty = type_key(owner, &self.scope());
        self.typed_event_call(
            SiteKind::Subscribe,
            ty,
            owner.join("::"),
            call.args.last(),
            span,
        )
    }

    /// A typed event's emit called through its type with the value first
    /// (`events::Navigate::emit_to(&event, app, label)`, `Closed::emit(&Closed, app)`): one
    /// argument more than [`super::specta::EMITS`] names, and none of them a key (which
    /// makes it Tauri's `emit(event, payload)` or an app's own function). Returns whether the
    /// call was one.
    fn typed_emit_path_call(&mut self, path: &syn::Path, call: &syn::ExprCall, span: Span) -> bool {
        let segments = segments(path);
        let [.., owner, name] = segments.as_slice() else {
            return false;
        };
        let emits = call
            .args
            .len()
            .checked_sub(1)
            .is_some_and(|args| super::specta::EMITS.contains(&(name.as_str(), args)));
        if !emits || !is_type_name(owner) {
            return false;
        }
        let keyed = call.args.iter().any(|arg| {
            matches!(
                key_of(arg, self.locals(), &self.scope()),
                KeyExpr::Str(_) | KeyExpr::Const { .. } | KeyExpr::Format { .. }
            )
        });
        if keyed {
            return false;
        }
        let owner = &segments[..segments.len() - 1];
        let ty = type_key(owner, &self.scope());
        self.typed_event_call(SiteKind::Publish, ty, owner.join("::"), None, span)
    }

    fn check_call(
        &mut self,
        shape: &CallShape<'_>,
        args: &[&Expr],
        turbofish: &[&Type],
        span: Span,
    ) {
        let Some(rule) = self.rules.find(shape) else {
            return;
        };
        let rule = rule.clone();
        let before = self.facts.sites.len();
        let key_index = self.record_site(&rule, args, turbofish, span);
        if self.facts.sites.len() > before {
            // The path as written (`Flow::publish`; `self.publish(..)` as `Self::publish`),
            // resolved in this scope later.
            let own_path = match (shape.form, shape.receiver) {
                (Form::Path | Form::Bare, receiver) => {
                    let mut segments: Vec<String> = receiver
                        .map(|receiver| receiver.split("::").map(str::to_owned).collect())
                        .unwrap_or_default();
                    segments.push(shape.name.to_owned());
                    Some(segments)
                }
                (Form::Method, Some("self")) => {
                    Some(vec!["Self".to_owned(), shape.name.to_owned()])
                }
                _ => None,
            }
            .map(crate::extract::Callee::Path)
            .or_else(|| {
                // `self.flow.publish(..)`: a method of the field's type, if the tree's.
                let field = shape.receiver?.strip_prefix("self.")?;
                field
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_')
                    .then(|| crate::extract::Callee::Method {
                        name: shape.name.to_owned(),
                        receiver: crate::extract::Receiver::SelfField(field.to_owned()),
                    })
            })
            .map(|callee| KeyExpr::Call {
                callee,
                scope: self.scope(),
            });
            let name_only = self.rules.name_only(shape);
            if let Some(site) = self.facts.sites.last_mut() {
                site.name_only = name_only;
                site.own_path = own_path;
                if shape.form == Form::Method {
                    let options = args
                        .iter()
                        .enumerate()
                        .filter(|(_, arg)| is_option_literal(arg))
                        .map(|(i, _)| i)
                        .collect();
                    site.method_key =
                        key_index.map(|index| (shape.name.to_owned(), index, options));
                }
            }
        }
    }

    /// Records the site a rule makes of a call; returns the index of the key argument, if an
    /// argument is the key.
    fn record_site(
        &mut self,
        rule: &Rule,
        args: &[&Expr],
        turbofish: &[&Type],
        span: Span,
    ) -> Option<usize> {
        let scope = self.scope();
        let locals = self.locals();
        // Only type arguments: `_`, `()` and const generics (`on::<RETRY, Req>`) are no key.
        let turbofish: Vec<&Type> = turbofish
            .iter()
            .copied()
            .filter(|ty| is_event_type(ty))
            .collect();
        let handler_index = match rule.kind {
            SiteKind::Subscribe => rule.handler.or_else(|| args.len().checked_sub(1)),
            SiteKind::Publish => None,
        };
        let (key, key_text, key_index) = match rule.event {
            // DESIGN.md precise rule 3: what the key argument says by key forms 1-4 wins;
            // a turbofish stands in when the argument is absent, is the handler, or is a
            // type form.
            EventArg::Arg(n) => match (args.get(n), turbofish.first()) {
                // `Box::new(move |m| ..)` is the closure too.
                (Some(arg), ty) if closure_of(arg).is_some() => {
                    let closure = closure_of(arg);
                    let param =
                        closure
                            .and_then(|c| c.inputs.first())
                            .and_then(|input| match input {
                                syn::Pat::Type(typed) => Some(carried_type(&typed.ty)),
                                _ => None,
                            });
                    match ty.copied().or(param) {
                        Some(ty) => (key_of_type(ty, &scope), key_text(ty), None),
                        // The handler alone (`stream.listen(Box::new(move |m| ..))`): no key
                        // argument, no site (precise rule 3).
                        None => return None,
                    }
                }
                (Some(arg), ty) => {
                    let key = key_of(arg, locals, &scope);
                    let stands_in = matches!(key, KeyExpr::Type { .. })
                        || (handler_index == Some(n) && is_fn_path(arg));
                    match ty {
                        Some(ty) if stands_in => (key_of_type(ty, &scope), key_text(*ty), None),
                        _ => (key, key_text(*arg), Some(n)),
                    }
                }
                (None, Some(ty)) => (key_of_type(ty, &scope), key_text(*ty), None),
                // No key argument: `tx.subscribe()` is not a site.
                (None, None) => return None,
            },
            EventArg::Turbofish(n) => match turbofish.get(n) {
                Some(ty) => (key_of_type(ty, &scope), key_text(ty), None),
                None => return None,
            },
            EventArg::TypeOfArg0 => match args.first() {
                Some(arg) => {
                    let key = match key_of(arg, locals, &scope) {
                        key @ KeyExpr::Type { .. } => key,
                        KeyExpr::Wrapper { ty, .. } | KeyExpr::Constructor { ty, .. } => *ty,
                        _ => KeyExpr::Unknown,
                    };
                    (key, key_text(*arg), Some(0))
                }
                None => return None,
            },
        };
        let location = self.location(span);
        let (handler, payload) = match rule.kind {
            SiteKind::Subscribe => {
                // Only a closure or a path to a function is a handler: a trailing literal
                // or const (`NatsConsumer::new(js, STREAM, "durable", 1)`) makes the
                // subscription stream-style.
                let arg = handler_index
                    .filter(|&i| Some(i) != key_index)
                    .and_then(|i| args.get(i))
                    .filter(|arg| handler_target(arg).is_some());
                (Some(self.handler(arg.copied(), &location)), None)
            }
            SiteKind::Publish => {
                let bound = self.functions.last().map(|f| &f.payloads);
                (
                    None,
                    payload::payload_of(args, key_index, bound.unwrap_or(&BTreeMap::new())),
                )
            }
        };
        self.push_site(rule.kind, key, key_text, location, handler, payload);
        key_index
    }

    fn push_site(
        &mut self,
        kind: SiteKind,
        key: KeyExpr,
        key_text: String,
        location: Location,
        handler: Option<(String, HandlerRef)>,
        payload: Option<crate::model::Payload>,
    ) {
        let (handler, handler_ref) = match handler {
            Some((name, target)) => (Some(name), Some(target)),
            None => (None, None),
        };
        // `fn relay<E: Event>(r: EventReader<E>)`: `E` is no key of its own (DESIGN.md
        // precise rule 4).
        let key = if mentions_type_param(&key, &self.type_params) {
            // The function's own parameter, as the whole key, is known at its uses.
            let own = self
                .functions
                .last()
                .map_or(&[][..], |f| &self.type_params[f.outer_type_params..]);
            match &key {
                KeyExpr::Type {
                    name,
                    variant: None,
                    args,
                    ..
                } if args.is_empty() => own
                    .iter()
                    .position(|param| param == name)
                    .map_or(KeyExpr::Unknown, KeyExpr::TypeParam),
                // `EventReader<Resp<T>>`: the type with each of the function's own
                // parameters in it marked, spelled at each use (`set_token::<SignIn>`).
                _ => {
                    let outer = self.functions.last().map_or(&self.type_params[..], |f| {
                        &self.type_params[..f.outer_type_params]
                    });
                    mark_type_params(&key, own, outer).unwrap_or(KeyExpr::Unknown)
                }
            }
        } else {
            key
        };
        self.facts.sites.push(RawSite {
            location,
            kind,
            key,
            key_text,
            holder: self.holder(),
            function: self.functions.last().map(|f| f.name.to_string()),
            body: self.bodies.last().copied(),
            handler,
            handler_ref,
            payload,
            name_only: false,
            method_key: None,
            own_path: None,
        });
    }

    /// The handler of a subscribe call: its name and what it refers to. A closure is
    /// registered so that visiting it makes it a body of its own; no handler argument
    /// means a stream-style subscription, handled by the rest of the enclosing body.
    fn handler(&mut self, arg: Option<&Expr>, at: &Location) -> (String, HandlerRef) {
        let enclosing = || self.functions.last().map(|f| f.name.to_string());
        let Some(arg) = arg else {
            let name = enclosing().unwrap_or_else(|| "{stream}".to_owned());
            let body = self.bodies.last().copied();
            return (
                name,
                HandlerRef::Stream {
                    body,
                    from: at.clone(),
                },
            );
        };
        let name = handler_expr_name(arg).unwrap_or_else(|| "{handler}".to_owned());
        let target = match handler_target(arg) {
            Some(Expr::Closure(closure)) => HandlerRef::Closure(self.register_closure(closure)),
            Some(Expr::Path(path)) => HandlerRef::Path {
                segments: segments(&path.path),
                scope: self.scope(),
            },
            _ => HandlerRef::Opaque,
        };
        (name, target)
    }

    fn register_closure(&mut self, closure: &syn::ExprClosure) -> usize {
        let start = closure.or1_token.span.start();
        let location = self.location(closure.or1_token.span);
        let id = self.facts.handler_closures.len();
        self.facts.handler_closures.push(location);
        self.pending_closures.insert((start.line, start.column), id);
        id
    }

    fn visit_macro_args(&mut self, mac: &syn::Macro) -> Option<Vec<Expr>> {
        let exprs = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated);
        match exprs {
            Ok(exprs) => Some(exprs.into_iter().collect()),
            Err(_) => {
                if let Ok(stmts) = mac.parse_body_with(syn::Block::parse_within) {
                    for stmt in &stmts {
                        self.visit_stmt(stmt);
                    }
                }
                None
            }
        }
    }

    fn enter_function(&mut self, sig: &syn::Signature) {
        let mut params = Vec::new();
        let mut param_types = Vec::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                params.push(match &*typed.pat {
                    syn::Pat::Ident(ident) => ident.ident.to_string(),
                    _ => "_".to_owned(),
                });
                param_types.push(type_names(&typed.ty));
            }
        }
        let index = self.facts.functions.len();
        self.facts.functions.push(FnFact {
            name: sig.ident.to_string(),
            owner: self
                .self_types
                .last()
                .cloned()
                .flatten()
                .map(|ty| ty.to_string()),
            module: self.module_path(),
            params: params.clone(),
            param_types,
            returns: None,
        });
        self.functions.push(Function {
            name: sig.ident.to_string().into(),
            index,
            locals: Locals::with_params(params),
            writers: BTreeMap::new(),
            payloads: payload::Bindings::new(),
            outer_type_params: self.type_params.len(),
            resources: BTreeMap::new(),
        });
        self.type_params.extend(type_param_names(&sig.generics));
        self.bodies.push(Body::Fn(index));
        self.fn_body_pending = true;
        if self.rules.bevy {
            self.bevy_params(sig, index);
        }
    }

    fn exit_function(&mut self) {
        if let Some(function) = self.functions.pop() {
            self.type_params.truncate(function.outer_type_params);
        }
        self.bodies.pop();
        self.fn_body_pending = false;
    }

    /// Binds the names a pattern introduces until the current scope ends: to no key, but
    /// for the one field of an enum variant (`Event::Saved(s)`), which may be the wrapped
    /// event (DESIGN.md key form 5).
    fn bind_pattern(&mut self, pat: &syn::Pat) {
        let scope = self.scope();
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        if let syn::Pat::TupleStruct(tuple) = pat {
            let names = segments(&tuple.path);
            if let ([.., owner, variant], [syn::Pat::Ident(field)]) = (
                names.as_slice(),
                tuple.elems.iter().collect::<Vec<_>>().as_slice(),
            ) {
                if owner.starts_with(|c: char| c.is_uppercase()) && field.subpat.is_none() {
                    let name = if owner == "Self" {
                        scope.self_type.as_deref().unwrap_or(owner).to_owned()
                    } else {
                        owner.clone()
                    };
                    function.locals.bind(
                        field.ident.to_string(),
                        Some(KeyExpr::VariantField {
                            name,
                            variant: variant.clone(),
                            scope,
                        }),
                    );
                    return;
                }
            }
        }
        let mut names = BTreeSet::new();
        collect_idents(pat, &mut names);
        for name in names {
            function.locals.bind(name, None);
        }
    }

    /// DESIGN.md precise rule 3: a stream-style subscription bound by `let sub = ..` is
    /// handled by the statements after it that use `sub` (and, for `let m = sub.recv()..`,
    /// those that use `m`), not by the rest of the body; so two pull receivers read in one
    /// loop each get their own branch.
    fn bind_streams(&mut self, local: &syn::Local, rest: &[syn::Stmt], sites_before: usize) {
        let Some(name) = bound_name(&local.pat) else {
            return;
        };
        let body = self.bodies.last().copied();
        let mut ranges = None;
        for site in &mut self.facts.sites[sites_before..] {
            let Some(HandlerRef::Stream { body: at, .. }) = &site.handler_ref else {
                continue;
            };
            if *at != body {
                continue;
            }
            let ranges = ranges.get_or_insert_with(|| {
                let mut out = Vec::new();
                uses_of(rest, &name, &mut out);
                out
            });
            site.handler_ref = Some(HandlerRef::Bound {
                body,
                ranges: ranges.clone(),
            });
        }
    }

    fn locals_mark(&self) -> Option<usize> {
        self.functions.last().map(|f| f.locals.mark())
    }

    fn locals_restore(&mut self, mark: Option<usize>) {
        if let (Some(function), Some(mark)) = (self.functions.last_mut(), mark) {
            function.locals.restore(mark);
        }
    }

    /// Bevy (DESIGN.md precise rule 12): reader and observer parameters subscribe the
    /// function to their event type; writer parameters are remembered for `.send`, and
    /// `Res<Events<T>>`-style resources for both.
    fn bevy_params(&mut self, sig: &syn::Signature, function: usize) {
        let mut params = Vec::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                bevy_bindings(&typed.pat, &typed.ty, &mut params);
            }
        }
        let name = sig.ident.to_string();
        for (pat, ty) in params {
            self.bevy_binding(pat, ty, &name, HandlerRef::Fn(function));
        }
    }

    /// One bevy-typed binding (a parameter, or one element of a destructured tuple
    /// parameter): a reader or observer is a subscribe site handled by `handler`; a writer
    /// or an events resource is remembered for the calls made on it.
    fn bevy_binding(&mut self, pat: &syn::Pat, ty: &Type, name: &str, handler: HandlerRef) {
        let Some((wrapper, event)) = bevy_param(ty) else {
            return;
        };
        let key = key_of_type(event, &self.scope());
        let location = self.location(pat_span(pat));
        match wrapper.as_str() {
            "EventReader" | "MessageReader" | "Trigger" | "On" => {
                self.push_site(
                    SiteKind::Subscribe,
                    key,
                    text(event),
                    location,
                    Some((name.to_owned(), handler)),
                    None,
                );
            }
            _ => {
                let (syn::Pat::Ident(ident), Some(current)) = (pat, self.functions.last_mut())
                else {
                    return;
                };
                let binding = ident.ident.to_string();
                if wrapper == "Events" {
                    current.resources.insert(
                        binding.clone(),
                        Resource {
                            key: key.clone(),
                            text: text(event),
                            location,
                            handler,
                            handler_name: name.to_owned(),
                        },
                    );
                }
                current.writers.insert(binding, key);
            }
        }
    }

    /// Bevy publishes: `.send/.write/..` on a writer parameter, `.trigger(x)` on anything;
    /// and subscribes: a read of an events resource, a `.run_if(on_event::<T>())`.
    fn bevy_method_call(&mut self, node: &syn::ExprMethodCall) {
        self.bevy_field_use(node);
        let method = node.method.to_string();
        let key = match method.as_str() {
            "send" | "write" | "send_batch" | "write_batch" | "send_default" => {
                let Expr::Path(receiver) = &*node.receiver else {
                    return;
                };
                let Some(name) = receiver.path.get_ident().map(ToString::to_string) else {
                    return;
                };
                match self.functions.last().and_then(|f| f.writers.get(&name)) {
                    Some(key) => key.clone(),
                    None => return,
                }
            }
            "trigger" | "trigger_targets" => match node.args.first() {
                Some(arg) => self.bevy_event_of(arg),
                None => return,
            },
            "drain" | "iter" | "get_cursor" | "get_reader" | "update" => {
                self.bevy_resource_read(&node.receiver);
                return;
            }
            "run_if" => {
                self.bevy_run_condition(node);
                return;
            }
            _ => return,
        };
        let location = self.location(node.method.span());
        self.push_site(
            SiteKind::Publish,
            key,
            text(&node.args),
            location,
            None,
            None,
        );
    }

    /// The type keys of a path segment's turbofish; empty when any is no type key.
    fn type_args(&self, segment: &syn::PathSegment) -> Vec<KeyExpr> {
        let syn::PathArguments::AngleBracketed(generics) = &segment.arguments else {
            return Vec::new();
        };
        let scope = self.scope();
        let mut out = Vec::new();
        for arg in &generics.args {
            if let syn::GenericArgument::Type(ty) = arg {
                match key_of_type(ty, &scope) {
                    KeyExpr::Unknown => return Vec::new(),
                    // `send_data::<T, F>` inside `impl<T, F> Plugin for P<T, F>`: the
                    // enclosing item's parameter spells no key here (precise rule 4).
                    key if mentions_type_param(&key, &self.type_params) => {
                        out.push(KeyExpr::Unknown);
                    }
                    key => out.push(key),
                }
            }
        }
        out
    }

    /// A struct's reader and writer fields: a `#[derive(SystemParam)]`'s, or a plain
    /// struct's a system fills (`Selector { events: writer }.execute(e)`). A field's event
    /// type naming the struct's own type parameter (`EventWriter<'w, Request<T>>` in
    /// `Sender<'w, T>`) is spelled nowhere the field is used: the site is the pattern
    /// `Request<*>` (see `resolve`).
    fn system_param(&mut self, node: &syn::ItemStruct) {
        let params: Vec<String> = type_param_names(&node.generics).collect();
        let mut fields = Vec::new();
        for field in &node.fields {
            let (Some(ident), Some((wrapper, event))) = (&field.ident, bevy_param(&field.ty))
            else {
                continue;
            };
            let kind = match wrapper.as_str() {
                "EventReader" | "MessageReader" => SiteKind::Subscribe,
                "EventWriter" | "MessageWriter" => SiteKind::Publish,
                _ => continue,
            };
            let key = key_of_type(event, &self.scope());
            let key = if mentions_type_param(&key, &params) {
                match mark_type_params(&key, &params, &[]) {
                    // The parameter itself (`EventWriter<'w, T>`) says nothing.
                    Some(KeyExpr::TypeParam(_)) | None => KeyExpr::Unknown,
                    Some(marked) => marked,
                }
            } else {
                key
            };
            fields.push(ParamField {
                name: ident.to_string(),
                kind,
                key,
                key_text: text(event),
            });
        }
        if !fields.is_empty() {
            self.facts.system_params.push(SystemParamFact {
                name: node.ident.to_string(),
                fields,
            });
        }
    }

    /// `params.writer.send(..)`, `self.reader.read()`: a site if the value is a
    /// `SystemParam` struct with that field, which `resolve` decides; the handler of a
    /// read is the function holding the param.
    fn bevy_field_use(&mut self, node: &syn::ExprMethodCall) {
        let kind = match node.method.to_string().as_str() {
            "send" | "write" | "send_batch" | "write_batch" | "send_default" => SiteKind::Publish,
            "read" | "iter" | "read_with_id" | "par_read" | "is_empty" | "len" | "clear" => {
                SiteKind::Subscribe
            }
            _ => return,
        };
        let Expr::Field(field) = &*node.receiver else {
            return;
        };
        let (Expr::Path(base), syn::Member::Named(member)) = (&*field.base, &field.member) else {
            return;
        };
        let Some(base) = base.path.get_ident().map(ToString::to_string) else {
            return;
        };
        let Some(function) = self.functions.last() else {
            return;
        };
        let types = if base == "self" {
            self.self_types
                .last()
                .cloned()
                .flatten()
                .map(|ty| ty.to_string())
                .into_iter()
                .collect()
        } else {
            let fact = &self.facts.functions[function.index];
            match fact.params.iter().position(|param| *param == base) {
                Some(at) => fact.param_types[at].clone(),
                None => return,
            }
        };
        if types.is_empty() {
            return;
        }
        let (handler, handler_ref) = match kind {
            SiteKind::Subscribe => (
                Some(function.name.to_string()),
                Some(HandlerRef::Fn(function.index)),
            ),
            SiteKind::Publish => (None, None),
        };
        let site = RawSite {
            location: self.location(node.method.span()),
            kind,
            key: KeyExpr::Unknown,
            key_text: text(&*node.receiver),
            holder: self.holder(),
            function: Some(function.name.to_string()),
            body: self.bodies.last().copied(),
            handler,
            handler_ref,
            payload: None,
            name_only: false,
            method_key: None,
            own_path: None,
        };
        self.facts.field_uses.push(FieldUse {
            types,
            field: member.to_string(),
            kind,
            site,
        });
    }

    /// `events.drain()` on a `ResMut<Events<T>>` parameter: the system subscribes `T`, at
    /// the parameter, once however often it reads.
    fn bevy_resource_read(&mut self, receiver: &Expr) {
        let Expr::Path(receiver) = see_through(receiver) else {
            return;
        };
        let Some(name) = receiver.path.get_ident().map(ToString::to_string) else {
            return;
        };
        let Some(resource) = self
            .functions
            .last_mut()
            .and_then(|f| f.resources.remove(&name))
        else {
            return;
        };
        self.push_site(
            SiteKind::Subscribe,
            resource.key,
            resource.text,
            resource.location,
            Some((resource.handler_name, resource.handler)),
            None,
        );
    }

    /// `system.run_if(on_event::<T>())` (or `on_message`, also uncalled as in older Bevy,
    /// and each one of a combined condition, `on_event::<A>().or_else(on_event::<B>())`):
    /// `T` is subscribed by the system it gates, each system of a tuple.
    fn bevy_run_condition(&mut self, node: &syn::ExprMethodCall) {
        let Some(condition) = node.args.first() else {
            return;
        };
        struct Conditions<'ast>(Vec<(&'ast syn::Ident, &'ast Type)>);
        impl<'ast> Visit<'ast> for Conditions<'ast> {
            fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
                let Some(last) = path.path.segments.last() else {
                    return;
                };
                if last.ident != "on_event" && last.ident != "on_message" {
                    return;
                }
                let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
                    return;
                };
                let event = generics.args.iter().find_map(|arg| match arg {
                    syn::GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                });
                if let Some(event) = event {
                    self.0.push((&last.ident, event));
                }
            }
            // A closure's body is its own code, not a condition of this `run_if`.
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        }
        let mut conditions = Conditions(Vec::new());
        conditions.visit_expr(condition);
        if conditions.0.is_empty() {
            return;
        }
        let mut systems = Vec::new();
        gated_systems(&node.receiver, &mut systems);
        for (ident, event) in conditions.0 {
            let key = key_of_type(event, &self.scope());
            let location = self.location(ident.span());
            for system in &systems {
                let name = system.segments.last().map(|s| s.ident.to_string());
                let handler = HandlerRef::Path {
                    segments: segments(system),
                    scope: self.scope(),
                };
                self.push_site(
                    SiteKind::Subscribe,
                    key.clone(),
                    text(event),
                    location.clone(),
                    Some((name.unwrap_or_default(), handler)),
                    None,
                );
            }
        }
    }

    /// The event type of a bevy `trigger` argument: its type, or what a closure returns.
    fn bevy_event_of(&self, arg: &Expr) -> KeyExpr {
        let arg = match see_through(arg) {
            Expr::Closure(closure) => see_through(&closure.body),
            other => other,
        };
        let arg = match arg {
            Expr::Block(block) => match block.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => see_through(tail),
                _ => arg,
            },
            other => other,
        };
        match key_of(arg, self.locals(), &self.scope()) {
            KeyExpr::Wrapper { ty, .. } | KeyExpr::Constructor { ty, .. } => *ty,
            key @ KeyExpr::Type { .. } => key,
            _ => KeyExpr::Unknown,
        }
    }

    fn record_call(
        &mut self,
        callee: Callee,
        args: &Punctuated<Expr, Token![,]>,
        type_args: Vec<KeyExpr>,
        span: Span,
    ) {
        let scope = self.scope();
        let mut args: Vec<KeyExpr> = args
            .iter()
            .map(|arg| match key_of(arg, self.locals(), &scope) {
                // Keys that need the callee's own resolution are not followed through
                // wrapper parameters: calls are many, and this keeps their facts small.
                KeyExpr::Call { .. }
                | KeyExpr::Branches(_)
                | KeyExpr::Tuple(_)
                | KeyExpr::Element { .. } => KeyExpr::Unknown,
                key => key,
            })
            .collect();
        // Most arguments are no key. Trailing ones are dropped: an argument missing and an
        // argument `Unknown` read the same (no key through that parameter).
        while args.last() == Some(&KeyExpr::Unknown) {
            args.pop();
        }
        args.shrink_to_fit();
        let start = span.start();
        let call = CallFact {
            body: self.bodies.last().copied(),
            line: start.line as u32,
            column: start.column as u32 + 1,
            callee,
            scope,
            args,
            type_args,
            holder: self.call_holder(),
            function: self.functions.last().map(|f| Arc::clone(&f.name)),
        };
        self.facts.calls.push(call);
    }
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item(&mut self, node: &'ast Item) {
        if is_test_code(item_attrs(node)) {
            if self.rules.skip_tests {
                return;
            }
            use syn::spanned::Spanned;
            self.facts.test_ranges.push(span_range(node.span()));
        }
        visit::visit_item(self, node);
    }

    fn visit_impl_item(&mut self, node: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match node {
            syn::ImplItem::Fn(item) => &item.attrs,
            syn::ImplItem::Const(item) => &item.attrs,
            syn::ImplItem::Type(item) => &item.attrs,
            syn::ImplItem::Macro(item) => &item.attrs,
            _ => &[],
        };
        if is_test_code(attrs) {
            if self.rules.skip_tests {
                return;
            }
            use syn::spanned::Spanned;
            self.facts.test_ranges.push(span_range(node.span()));
        }
        visit::visit_impl_item(self, node);
    }

    fn visit_item_mod(&mut self, node: &'ast syn::ItemMod) {
        let Some((_, items)) = &node.content else {
            return;
        };
        self.module_names.push(node.ident.to_string());
        let saved_modules = self.modules.len();
        self.enter_module(items);
        let saved_types = std::mem::take(&mut self.self_types);
        let saved_functions = std::mem::take(&mut self.functions);
        let saved_bodies = std::mem::take(&mut self.bodies);
        let saved_params = std::mem::take(&mut self.type_params);
        for item in items {
            self.visit_item(item);
        }
        self.type_params = saved_params;
        self.bodies = saved_bodies;
        self.functions = saved_functions;
        self.self_types = saved_types;
        self.modules.truncate(saved_modules);
        self.module_names.pop();
    }

    fn visit_item_impl(&mut self, node: &'ast syn::ItemImpl) {
        let name = match &*node.self_ty {
            Type::Path(path) => path
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string().into()),
            _ => None,
        };
        self.self_types.push(name);
        let params = self.type_params.len();
        self.type_params.extend(type_param_names(&node.generics));
        visit::visit_item_impl(self, node);
        self.type_params.truncate(params);
        self.self_types.pop();
    }

    fn visit_item_struct(&mut self, node: &'ast syn::ItemStruct) {
        let fields = node
            .fields
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                Some(FieldFact {
                    name: ident.to_string(),
                    types: type_names(&field.ty),
                    location: self.location(ident.span()),
                })
            })
            .collect();
        self.facts.types.push(node.ident.to_string());
        self.typed_event(&node.ident, &node.attrs);
        if self.rules.bevy {
            self.system_param(node);
        }
        self.facts.structs.push(StructFact {
            name: node.ident.to_string(),
            fields,
        });
        visit::visit_item_struct(self, node);
    }

    fn visit_item_trait(&mut self, node: &'ast syn::ItemTrait) {
        self.self_types.push(None);
        visit::visit_item_trait(self, node);
        self.self_types.pop();
    }

    fn visit_item_const(&mut self, node: &'ast syn::ItemConst) {
        self.record_const(node.ident.to_string(), &node.expr, false);
        visit::visit_item_const(self, node);
    }

    fn visit_item_static(&mut self, node: &'ast syn::ItemStatic) {
        self.record_const(node.ident.to_string(), &node.expr, false);
        visit::visit_item_static(self, node);
    }

    fn visit_impl_item_const(&mut self, node: &'ast syn::ImplItemConst) {
        self.record_const(node.ident.to_string(), &node.expr, true);
        visit::visit_impl_item_const(self, node);
    }

    fn visit_item_type(&mut self, node: &'ast syn::ItemType) {
        self.facts.types.push(node.ident.to_string());
        if let KeyExpr::Type {
            name,
            variant: None,
            args,
            ..
        } = key_of_type(&node.ty, &self.scope())
        {
            if !args.is_empty() {
                // `type Click = Pointer<Click>`: an alias by name would drop the arguments.
                visit::visit_item_type(self, node);
                return;
            }
            let mut path = self.module_path();
            path.push(node.ident.to_string());
            self.facts.aliases.push(AliasFact { path, target: name });
        }
        visit::visit_item_type(self, node);
    }

    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        if self.rules.tauri {
            if let Some(name) = tauri_command(&node.attrs, &node.sig.ident) {
                let location = self.location(node.sig.ident.span());
                self.facts.commands.push(crate::extract::CommandDef {
                    name,
                    function: node.sig.ident.to_string(),
                    location,
                });
            }
        }
        self.enter_function(&node.sig);
        visit::visit_item_fn(self, node);
        self.exit_function();
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        self.enter_function(&node.sig);
        visit::visit_impl_item_fn(self, node);
        self.exit_function();
    }

    fn visit_trait_item_fn(&mut self, node: &'ast syn::TraitItemFn) {
        self.enter_function(&node.sig);
        visit::visit_trait_item_fn(self, node);
        self.exit_function();
    }

    fn visit_local(&mut self, node: &'ast syn::Local) {
        visit::visit_local(self, node);
        let mut names = BTreeSet::new();
        collect_idents(&node.pat, &mut names);
        let value = match (&node.pat, &node.init) {
            (syn::Pat::Ident(_) | syn::Pat::Type(_), Some(init)) => {
                match key_of(&init.expr, self.locals(), &self.scope()) {
                    KeyExpr::Unknown => None,
                    key => Some(key),
                }
            }
            _ => None,
        };
        // `let (name, payload) = Self::serialize_event(e);`: each name of the tuple pattern
        // is its element of the value.
        let mut elements: BTreeMap<String, KeyExpr> = BTreeMap::new();
        if let (syn::Pat::Tuple(tuple), Some(init)) = (&node.pat, &node.init) {
            let of = key_of(&init.expr, self.locals(), &self.scope());
            if of != KeyExpr::Unknown {
                for (index, element) in tuple.elems.iter().enumerate() {
                    if let syn::Pat::Ident(ident) = element {
                        elements.insert(
                            ident.ident.to_string(),
                            KeyExpr::Element {
                                of: Box::new(of.clone()),
                                index,
                            },
                        );
                    }
                }
            }
        }
        let payload = match (&node.pat, &node.init) {
            (syn::Pat::Ident(ident), Some(init)) => Some((ident.ident.to_string(), &init.expr)),
            _ => None,
        };
        // `let Event::Saved(s) = e else { .. };`
        if matches!(node.pat, syn::Pat::TupleStruct(_)) {
            self.bind_pattern(&node.pat);
            names.clear();
        }
        if let Some(function) = self.functions.last_mut() {
            for name in names {
                let value = elements.remove(&name).or_else(|| value.clone());
                function.locals.bind(name.clone(), value);
                function.payloads.remove(&name);
            }
            if let Some((name, init)) = payload {
                if let Some(keys) = payload::fields_of(init, &function.payloads) {
                    function.payloads.insert(name, keys);
                }
            }
        }
    }

    fn visit_expr_closure(&mut self, node: &'ast syn::ExprClosure) {
        // Closure parameters shadow outer bindings of the same name.
        let mark = self.locals_mark();
        for input in &node.inputs {
            self.bind_pattern(input);
        }
        let start = node.or1_token.span.start();
        let mut handler = self.pending_closures.remove(&(start.line, start.column));
        if handler.is_none() && self.rules.bevy {
            handler = self.bevy_observer_closure(node);
        }
        if let Some(id) = handler {
            self.bodies.push(Body::Closure(id));
        }
        visit::visit_expr_closure(self, node);
        if handler.is_some() {
            self.bodies.pop();
        }
        self.locals_restore(mark);
    }

    /// A block is a scope: its `let`s end with it. A function's own block also gives the
    /// function's value (key form 7), and a stream-style subscription bound by one of its
    /// `let`s gets the statements that use the binding as its handler.
    fn visit_block(&mut self, node: &'ast syn::Block) {
        let is_fn_body = std::mem::take(&mut self.fn_body_pending);
        let mark = self.locals_mark();
        for (index, stmt) in node.stmts.iter().enumerate() {
            let sites_before = self.facts.sites.len();
            self.visit_stmt(stmt);
            if let syn::Stmt::Local(local) = stmt {
                self.bind_streams(local, &node.stmts[index + 1..], sites_before);
            }
        }
        if is_fn_body {
            if let Some(function) = self.functions.last() {
                let key = tail_key(node, &function.locals, &self.scope());
                let index = function.index;
                if key != KeyExpr::Unknown {
                    self.facts.functions[index].returns = Some(Box::new(key));
                }
            }
        }
        self.locals_restore(mark);
    }

    fn visit_arm(&mut self, node: &'ast syn::Arm) {
        let mark = self.locals_mark();
        self.bind_pattern(&node.pat);
        visit::visit_arm(self, node);
        self.locals_restore(mark);
    }

    /// `if let Event::Saved(s) = e { .. }`: the pattern's names hold in the `then` block
    /// only.
    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        let mark = self.locals_mark();
        self.visit_expr(&node.cond);
        self.visit_block(&node.then_branch);
        self.locals_restore(mark);
        if let Some((_, otherwise)) = &node.else_branch {
            self.visit_expr(otherwise);
        }
    }

    fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
        let mark = self.locals_mark();
        visit::visit_expr_while(self, node);
        self.locals_restore(mark);
    }

    fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
        visit::visit_expr_let(self, node);
        self.bind_pattern(&node.pat);
    }

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        let mark = self.locals_mark();
        self.visit_expr(&node.expr);
        self.bind_pattern(&node.pat);
        self.visit_block(&node.body);
        self.locals_restore(mark);
    }

    fn visit_item_union(&mut self, node: &'ast syn::ItemUnion) {
        self.facts.types.push(node.ident.to_string());
        visit::visit_item_union(self, node);
    }

    fn visit_item_enum(&mut self, node: &'ast syn::ItemEnum) {
        self.facts.types.push(node.ident.to_string());
        self.typed_event(&node.ident, &node.attrs);
        let mut wrapped: Vec<String> = node
            .variants
            .iter()
            .filter(|variant| match &variant.fields {
                syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                    match key_of_type(&fields.unnamed[0].ty, &self.scope()) {
                        KeyExpr::Type {
                            name,
                            variant: None,
                            ..
                        } => variant.ident == name,
                        _ => false,
                    }
                }
                _ => false,
            })
            .map(|variant| variant.ident.to_string())
            .collect();
        let strings = super::strum::strings(node);
        if !wrapped.is_empty() || !strings.is_empty() {
            wrapped.sort();
            self.facts.enums.push(EnumFact {
                name: node.ident.to_string(),
                wrapped,
                strings,
            });
        }
        visit::visit_item_enum(self, node);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        let name = node.method.to_string();
        // A local plugin's commands: `Builder::new("app-menu").invoke_handler(..)`, and
        // tauri-specta's `Builder::new().plugin_name(PLUGIN_NAME).commands(..)`.
        if self.rules.tauri && matches!(name.as_str(), "invoke_handler" | "commands" | "events") {
            let plugin = plugin_builder_name(&node.receiver, name != "invoke_handler")
                .and_then(|arg| self.plugin_name(arg));
            if let Some(plugin) = plugin {
                let outer = self.plugin.replace(plugin);
                visit::visit_expr_method_call(self, node);
                self.plugin = outer;
                return;
            }
        }
        // A call another rule makes a site (`bus.emit(UserCreated { .. })` under `generic`)
        // is that rule's, not a typed event's.
        let ruled = || {
            let receiver = text(&*node.receiver);
            self.rules
                .find(&CallShape {
                    form: Form::Method,
                    name: &name,
                    receiver: Some(&receiver),
                    full_path: &[],
                    args: node.args.len(),
                })
                .is_some()
        };
        let typed = self.rules.tauri
            && super::specta::EMITS.contains(&(name.as_str(), node.args.len()))
            && !ruled()
            && {
                let ty = match typed_value(&node.receiver, self.locals(), &self.scope()) {
                    // `fn open(event: events::Navigate) { event.emit(&window) }`: the
                    // parameter's type.
                    KeyExpr::Param(param) => self
                        .functions
                        .last()
                        .and_then(|f| self.facts.functions[f.index].param_types.get(param))
                        .and_then(|types| types.iter().find(|ty| is_type_name(ty)))
                        .map_or(KeyExpr::Unknown, |ty| {
                            type_key(std::slice::from_ref(ty), &self.scope())
                        }),
                    ty => ty,
                };
                let key_text = text(&*node.receiver);
                self.typed_event_call(SiteKind::Publish, ty, key_text, None, node.method.span())
            };
        if !typed && self.names.contains(name.as_str()) {
            let receiver = text(&*node.receiver);
            let shape = CallShape {
                form: Form::Method,
                name: &name,
                receiver: Some(&receiver),
                full_path: &[],
                args: node.args.len(),
            };
            let args: Vec<&Expr> = node.args.iter().collect();
            let turbofish: Vec<&Type> = node
                .turbofish
                .iter()
                .flat_map(|t| t.args.iter())
                .filter_map(|arg| match arg {
                    syn::GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect();
            self.check_call(&shape, &args, &turbofish, node.method.span());
        }
        if self.rules.bevy {
            self.bevy_method_call(node);
        }
        let receiver = match &*node.receiver {
            Expr::Field(field) => match (&*field.base, &field.member) {
                (Expr::Path(base), syn::Member::Named(member)) if base.path.is_ident("self") => {
                    Receiver::SelfField(member.to_string())
                }
                _ => Receiver::Other,
            },
            Expr::Path(path) => match path.path.get_ident() {
                Some(ident) if ident != "self" => Receiver::Local(ident.to_string()),
                _ => Receiver::Other,
            },
            _ => Receiver::Other,
        };
        self.record_call(
            Callee::Method { name, receiver },
            &node.args,
            Vec::new(),
            node.method.span(),
        );
        visit::visit_expr_method_call(self, node);
    }

    fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
        if let Expr::Path(func) = &*node.func {
            if let Some(last) = func.path.segments.last() {
                let name = last.ident.to_string();
                let typed = self.rules.tauri
                    && func.qself.is_none()
                    && ((super::specta::is_typed_listen(&name, node.args.len())
                        && self.typed_listen_call(&func.path, node, last.ident.span()))
                        || self.typed_emit_path_call(&func.path, node, last.ident.span()));
                if !typed && func.qself.is_none() && self.names.contains(name.as_str()) {
                    let segments = segments(&func.path);
                    let receiver = segments[..segments.len() - 1].join("::");
                    let full_path = self.imported_path(&segments);
                    let shape = CallShape {
                        form: if segments.len() == 1 {
                            Form::Bare
                        } else {
                            Form::Path
                        },
                        name: &name,
                        receiver: (segments.len() > 1).then_some(receiver.as_str()),
                        full_path: &full_path,
                        args: node.args.len(),
                    };
                    let args: Vec<&Expr> = node.args.iter().collect();
                    let turbofish: Vec<&Type> = match &last.arguments {
                        syn::PathArguments::AngleBracketed(generics) => generics
                            .args
                            .iter()
                            .filter_map(|arg| match arg {
                                syn::GenericArgument::Type(ty) => Some(ty),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    self.check_call(&shape, &args, &turbofish, last.ident.span());
                }
                if func.qself.is_none() {
                    let callee = Callee::Path(segments(&func.path));
                    let type_args = self.type_args(last);
                    self.record_call(callee, &node.args, type_args, last.ident.span());
                }
            }
            // The callee's path is recorded above, not again as a value.
            for arg in &node.args {
                self.visit_expr(arg);
            }
            return;
        }
        visit::visit_expr_call(self, node);
    }

    /// A function used as a value with a turbofish (`add_systems(Update, relay::<Ping>)`):
    /// a use that gives its type parameters.
    fn visit_expr_path(&mut self, node: &'ast syn::ExprPath) {
        if let (None, Some(last)) = (&node.qself, node.path.segments.last()) {
            let is_fn = last
                .ident
                .to_string()
                .starts_with(|c: char| c.is_lowercase());
            if is_fn && matches!(last.arguments, syn::PathArguments::AngleBracketed(_)) {
                let type_args = self.type_args(last);
                if !type_args.is_empty() {
                    let callee = Callee::Path(segments(&node.path));
                    self.record_call(callee, &Punctuated::new(), type_args, last.ident.span());
                }
            }
        }
        visit::visit_expr_path(self, node);
    }

    fn visit_item_macro(&mut self, node: &'ast syn::ItemMacro) {
        // `macro_rules!` bodies are templates, not code; one that puts a
        // `tauri_specta::Event` derive on the item it is given is remembered.
        if node.mac.path.is_ident("macro_rules") {
            if self.rules.tauri {
                if let Some(ident) = &node.ident {
                    let text = node.mac.tokens.to_string().replace(' ', "");
                    if text.contains("tauri_specta::Event") && text.contains("$item") {
                        self.typed_event_macros.insert(ident.to_string());
                    }
                }
            }
            return;
        }
        // `common_event_derives! { pub enum DetectEvent { .. } }`: the item is a typed event.
        let typed_macro = node
            .mac
            .path
            .get_ident()
            .is_some_and(|name| self.typed_event_macros.contains(&name.to_string()));
        if typed_macro {
            if let Ok(item) = node.mac.parse_body::<Item>() {
                let ident = match &item {
                    Item::Enum(item) => Some(&item.ident),
                    Item::Struct(item) => Some(&item.ident),
                    _ => None,
                };
                if let Some(ident) = ident {
                    if let Some(name) = super::specta::named(ident, item_attrs(&item)) {
                        self.facts.typed_events.push((ident.to_string(), name));
                    }
                }
                self.visit_item(&item);
                return;
            }
        }
        visit::visit_item_macro(self, node);
    }

    fn visit_macro(&mut self, node: &'ast syn::Macro) {
        let Some(last) = node.path.segments.last() else {
            return;
        };
        let name = last.ident.to_string();
        // tauri-specta's `collect_events![A, B]` given to a plugin's builder: those typed
        // events are named `plugin:NAME:a`.
        if self.rules.tauri && name == "collect_events" {
            if let Some(plugin) = self.plugin.clone() {
                for ident in registered_functions(node.tokens.clone()) {
                    self.facts
                        .typed_event_plugins
                        .push((ident.to_string(), plugin.clone()));
                }
            }
            return;
        }
        if self.rules.tauri && matches!(name.as_str(), "generate_handler" | "collect_commands") {
            // `commands::save`, `save::<tauri::Wry>` and tauri-specta's `save<tauri::Wry>`
            // (no expression, so read as tokens) register `save`.
            for ident in registered_functions(node.tokens.clone()) {
                let location = self.location(ident.span());
                self.facts.registrations.push(crate::extract::Registration {
                    function: ident.to_string(),
                    plugin: self.plugin.clone(),
                    location,
                });
            }
            return;
        }
        let args = self.visit_macro_args(node);
        let Some(args) = args else {
            return;
        };
        if self.names.contains(name.as_str()) {
            let segments = segments(&node.path);
            let receiver = segments[..segments.len() - 1].join("::");
            let full_path = self.imported_path(&segments);
            let shape = CallShape {
                form: Form::Macro,
                name: &name,
                receiver: (segments.len() > 1).then_some(receiver.as_str()),
                full_path: &full_path,
                args: args.len(),
            };
            let refs: Vec<&Expr> = args.iter().collect();
            self.check_call(&shape, &refs, &[], last.ident.span());
        }
        for arg in &args {
            self.visit_expr(arg);
        }
    }
}

impl Visitor<'_> {
    /// Bevy: a closure with a `Trigger<T>`/`On<T>` parameter is an observer of `T`, one
    /// with an `EventReader<T>` parameter a system reading `T` (systems returned as
    /// closures); its writer parameters publish like a function's.
    fn bevy_observer_closure(&mut self, node: &syn::ExprClosure) -> Option<usize> {
        let mut bindings = Vec::new();
        for input in &node.inputs {
            if let syn::Pat::Type(typed) = input {
                bevy_bindings(&typed.pat, &typed.ty, &mut bindings);
            }
        }
        if bindings.is_empty() {
            return None;
        }
        let subscribes = bindings.iter().any(|(_, ty)| {
            bevy_param(ty).is_some_and(|(wrapper, _)| {
                matches!(
                    wrapper.as_str(),
                    "Trigger" | "On" | "EventReader" | "MessageReader"
                )
            })
        });
        let id = subscribes.then(|| {
            let id = self.register_closure(node);
            let start = node.or1_token.span.start();
            self.pending_closures.remove(&(start.line, start.column));
            id
        });
        let name = self
            .functions
            .last()
            .map(|f| format!("{}::{{closure}}", f.name))
            .unwrap_or_else(|| "{closure}".to_owned());
        let handler = id.map_or(HandlerRef::Opaque, HandlerRef::Closure);
        for (pat, ty) in bindings {
            self.bevy_binding(pat, ty, &name, handler.clone());
        }
        id
    }

    fn record_const(&mut self, name: String, expr: &Expr, associated: bool) {
        let scope = self.scope();
        let value = key_of(expr, &Locals::default(), &scope);
        if value == KeyExpr::Unknown {
            return;
        }
        let mut path = self.module_path();
        if associated {
            match &scope.self_type {
                Some(ty) => path.push(ty.to_string()),
                None => return,
            }
        }
        path.push(name);
        self.facts.consts.push(ConstFact { path, value });
    }
}

/// The closure an argument is, through `&`, parentheses and `Box::new`-style wrappers.
fn closure_of(arg: &Expr) -> Option<&syn::ExprClosure> {
    match see_through(arg) {
        Expr::Closure(closure) => Some(closure),
        _ => None,
    }
}

/// The bindings of a parameter pattern with their types, through tuples:
/// `(mut a, mut b): (EventReader<A>, EventWriter<B>)` gives both.
fn bevy_bindings<'a>(pat: &'a syn::Pat, ty: &'a Type, out: &mut Vec<(&'a syn::Pat, &'a Type)>) {
    match (pat, ty) {
        (syn::Pat::Tuple(pats), Type::Tuple(types)) if pats.elems.len() == types.elems.len() => {
            for (pat, ty) in pats.elems.iter().zip(&types.elems) {
                bevy_bindings(pat, ty, out);
            }
        }
        (syn::Pat::Type(typed), _) => bevy_bindings(&typed.pat, &typed.ty, out),
        (syn::Pat::Paren(paren), _) => bevy_bindings(&paren.pat, ty, out),
        (syn::Pat::Tuple(_), _) => {}
        _ => out.push((pat, ty)),
    }
}

/// The systems a run condition gates: `a.run_if(..)`, `a.after(b).run_if(..)` → `a`;
/// `(a, b).run_if(..)` → `a`, `b`.
fn gated_systems<'a>(receiver: &'a Expr, out: &mut Vec<&'a syn::Path>) {
    match receiver {
        Expr::Path(path) if path.qself.is_none() => out.push(&path.path),
        Expr::MethodCall(call) => gated_systems(&call.receiver, out),
        Expr::Tuple(tuple) => {
            for elem in &tuple.elems {
                gated_systems(elem, out);
            }
        }
        Expr::Paren(paren) => gated_systems(&paren.expr, out),
        _ => {}
    }
}

/// `key` with each of `own` (the function's type parameters) in its type arguments as a
/// [`KeyExpr::TypeParam`]; `None` when it names a parameter of an enclosing `impl`
/// (`outer`), which no use of the function spells.
fn mark_type_params(key: &KeyExpr, own: &[String], outer: &[String]) -> Option<KeyExpr> {
    key.map_type_leaves(&mut |leaf| match leaf {
        KeyExpr::Type {
            name,
            variant: None,
            head: None,
            ..
        } => match own.iter().position(|param| param == name) {
            Some(index) => Some(KeyExpr::TypeParam(index)),
            None if outer.contains(name) => None,
            None => Some(leaf.clone()),
        },
        other => Some(other.clone()),
    })
}

/// The names of a generic item's type parameters.
fn type_param_names(generics: &syn::Generics) -> impl Iterator<Item = String> + '_ {
    generics.type_params().map(|param| param.ident.to_string())
}

/// A bevy parameter type `Wrapper<T, ..>` (through references): the wrapper's name and `T`.
fn bevy_param(ty: &Type) -> Option<(String, &Type)> {
    let ty = match ty {
        Type::Reference(r) => &*r.elem,
        other => other,
    };
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let name = last.ident.to_string();
    if name == "Res" || name == "ResMut" {
        // `ResMut<Events<T>>`, `Res<Messages<T>>`.
        let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
            return None;
        };
        let inner = generics.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(Type::Path(inner)) => inner.path.segments.last(),
            _ => None,
        })?;
        if inner.ident != "Events" && inner.ident != "Messages" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(generics) = &inner.arguments else {
            return None;
        };
        let event = generics.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })?;
        return Some(("Events".to_owned(), event));
    }
    if !matches!(
        name.as_str(),
        "EventReader" | "MessageReader" | "EventWriter" | "MessageWriter" | "Trigger" | "On"
    ) {
        return None;
    }
    let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    let event = generics.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })?;
    Some((name, event))
}

/// Every type name a type mentions, trait objects and `impl Trait` left out.
fn type_names(ty: &Type) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
            self.0.push(segment.ident.to_string());
            visit::visit_path_segment(self, segment);
        }
        fn visit_type_trait_object(&mut self, _: &'ast syn::TypeTraitObject) {}
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {}
    }
    let mut names = Names(Vec::new());
    names.visit_type(ty);
    names.0.sort();
    names.0.dedup();
    names.0
}

/// The one name a `let` pattern binds (`sub`, `mut sub`, `sub: Subscriber`).
fn bound_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
        syn::Pat::Type(typed) => bound_name(&typed.pat),
        _ => None,
    }
}

/// The statements among `stmts` that use `name`: a statement that mentions it outside
/// its nested blocks is used whole (`while let Some(m) = sub.next().await { .. }`,
/// `if a.try_recv().is_ok() { .. }`, `consumer.run(closure)`); otherwise the blocks that
/// mention it are searched the same way (`loop { if a.try_recv().is_ok() { .. } }`).
fn uses_of(stmts: &[syn::Stmt], name: &str, out: &mut Vec<Range>) {
    for (index, stmt) in stmts.iter().enumerate() {
        let mut finder = Mentions {
            name,
            direct: false,
            blocks: Vec::new(),
        };
        finder.visit_stmt(stmt);
        if finder.direct {
            out.push(range_of(stmt));
            // `let m = sub.recv().await;`: what reads `m` handles the message too.
            if let syn::Stmt::Local(local) = stmt {
                if let Some(bound) = bound_name(&local.pat).filter(|bound| bound != name) {
                    uses_of(&stmts[index + 1..], &bound, out);
                }
            }
            continue;
        }
        for block in finder.blocks {
            uses_of(&block.stmts, name, out);
        }
    }
}

/// Whether a statement mentions a name outside its nested blocks, and which of those
/// blocks mention it.
struct Mentions<'n, 'ast> {
    name: &'n str,
    direct: bool,
    blocks: Vec<&'ast syn::Block>,
}

impl<'ast> Visit<'ast> for Mentions<'_, 'ast> {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        if ident == self.name {
            self.direct = true;
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        if tokens_mention(block.to_token_stream(), self.name) {
            self.blocks.push(block);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if tokens_mention(mac.tokens.clone(), self.name) {
            self.direct = true;
        }
    }
}

fn tokens_mention(tokens: proc_macro2::TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == name,
        proc_macro2::TokenTree::Group(group) => tokens_mention(group.stream(), name),
        _ => false,
    })
}

/// The stretch of the file a statement covers.
fn range_of(stmt: &syn::Stmt) -> Range {
    use syn::spanned::Spanned;
    span_range(stmt.span())
}

fn span_range(span: Span) -> Range {
    let (start, end) = (span.start(), span.end());
    Range {
        start: (start.line as u32, start.column as u32 + 1),
        end: (end.line as u32, end.column as u32 + 1),
    }
}

/// An item's outer attributes.
fn item_attrs(item: &Item) -> &[syn::Attribute] {
    match item {
        Item::Const(item) => &item.attrs,
        Item::Enum(item) => &item.attrs,
        Item::ExternCrate(item) => &item.attrs,
        Item::Fn(item) => &item.attrs,
        Item::ForeignMod(item) => &item.attrs,
        Item::Impl(item) => &item.attrs,
        Item::Macro(item) => &item.attrs,
        Item::Mod(item) => &item.attrs,
        Item::Static(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        Item::Trait(item) => &item.attrs,
        Item::TraitAlias(item) => &item.attrs,
        Item::Type(item) => &item.attrs,
        Item::Union(item) => &item.attrs,
        Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

/// The name a `#[tauri::command]` (or `#[command]`, imported from tauri) function is
/// invoked by: its own, or the attribute's `rename = "..."`.
fn tauri_command(attrs: &[syn::Attribute], ident: &proc_macro2::Ident) -> Option<String> {
    let attr = attrs.iter().find(|attr| {
        let segments: Vec<String> = attr
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        matches!(
            segments.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["tauri", "command"] | ["command"]
        )
    })?;
    let mut name = ident.to_string();
    if let syn::Meta::List(list) = &attr.meta {
        let _ = list.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                name = value.value();
            } else if meta.input.peek(Token![=]) {
                // `rename_all = "snake_case"` and the like rename arguments, not the command.
                let _: Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    Some(name)
}

/// Test code (DESIGN.md precise rule 8): `#[cfg(test)]` (or `cfg(all(test, ..))`) items and
/// test functions (`#[test]`, `#[tokio::test]`, `#[bench]`, ..: an attribute whose last
/// segment is `test` or `bench`).
fn is_test_code(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.is_ident("cfg") {
            let syn::Meta::List(list) = &attr.meta else {
                return false;
            };
            let text = list.tokens.to_string().replace(' ', "");
            return text == "test"
                || (text.starts_with("all(")
                    && text
                        .trim_start_matches("all(")
                        .trim_end_matches(')')
                        .split(',')
                        .any(|part| part == "test")
                    && !text.contains("not(")
                    && !text.contains("any("));
        }
        path.segments
            .last()
            .is_some_and(|segment| segment.ident == "test" || segment.ident == "bench")
    })
}

/// Where a parameter's name is.
fn pat_span(pat: &syn::Pat) -> Span {
    match pat {
        syn::Pat::Ident(ident) => ident.ident.span(),
        other => other
            .to_token_stream()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span()),
    }
}

/// The closure or path to a function a handler argument comes down to; `None` for
/// anything else (a literal, a const, a struct value, a method call's result).
fn handler_target(expr: &Expr) -> Option<&Expr> {
    match see_through(expr) {
        Expr::Block(block) => match block.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => handler_target(tail),
            _ => None,
        },
        other @ Expr::Closure(_) => Some(other),
        other if is_fn_path(other) => Some(other),
        _ => None,
    }
}

/// A path that can name a function or method: `on_edge`, `Self::on_edge`,
/// `handlers::on_edge`; not a const (`STREAM`), a type or a unit value (`Handler`).
fn is_fn_path(expr: &Expr) -> bool {
    let Expr::Path(path) = see_through(expr) else {
        return false;
    };
    path.qself.is_none()
        && path.path.segments.last().is_some_and(|last| {
            let name = last.ident.to_string();
            !name.starts_with(|c: char| c.is_uppercase()) && !is_const_name(&name)
        })
}

/// `Some(..)` or `None`: an argument only an `Option` parameter takes.
fn is_option_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Path(path) if path.path.is_ident("Some"))
        }
        Expr::Path(path) => path.path.is_ident("None"),
        _ => false,
    }
}

/// The event type a handler's parameter carries: the type argument of an envelope
/// (`EventEnvelope<UserCreated>`, `Envelope<T>`, `Message<T>`, `Event<T>`: a generic type
/// named `Event`, `Message` or `Envelope`, or ending in `Envelope`, with one type argument),
/// else the parameter's own type (`AssetEvent<Image>` is an event about images). r2e's `bus.subscribe(|e: EventEnvelope<UserCreated>| ..)`
/// hears what `bus.emit(UserCreated { .. })` sends.
fn carried_type(ty: &Type) -> &Type {
    let inner = match ty {
        Type::Reference(r) => return carried_type(&r.elem),
        Type::Paren(p) => return carried_type(&p.elem),
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    };
    let Some(last) = inner else { return ty };
    let name = last.ident.to_string();
    if !(super::WRAPPER_TYPES.contains(&name.as_str()) || name.ends_with("Envelope")) {
        return ty;
    }
    let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
        return ty;
    };
    let mut types = generics.args.iter().filter_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (types.next(), types.next()) {
        (Some(inner), None) => inner,
        _ => ty,
    }
}

/// A turbofish argument that can be an event type: not `_`, `()`, or a const generic
/// written as a path (`RETRY`; syn reads it as a type).
fn is_event_type(ty: &Type) -> bool {
    match ty {
        Type::Infer(_) | Type::Never(_) => false,
        Type::Tuple(tuple) => !tuple.elems.is_empty(),
        Type::Path(path) => {
            path.qself.is_some()
                || path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| !is_const_name(&last.ident.to_string()))
        }
        Type::Reference(r) => is_event_type(&r.elem),
        Type::Paren(p) => is_event_type(&p.elem),
        Type::Group(g) => is_event_type(&g.elem),
        _ => true,
    }
}

/// The source text of a syntax node, whitespace removed.
fn text<T: ToTokens + ?Sized>(node: &T) -> String {
    let mut out = node.to_token_stream().to_string();
    out.retain(|c| !c.is_whitespace());
    out
}

/// A key expression's source text as messages show it: the tokens without the spaces the
/// token printer puts between all of them, but every literal as written (`"number has no
/// state_topic"` keeps its spaces), a space between two words (`x as u8`) and after a comma.
fn key_text<T: ToTokens + ?Sized>(node: &T) -> String {
    let mut out = String::new();
    write_tokens(node.to_token_stream(), &mut out);
    out
}

fn write_tokens(tokens: proc_macro2::TokenStream, out: &mut String) {
    use proc_macro2::{Delimiter, TokenTree};
    let mut word_before = false;
    for tree in tokens {
        match tree {
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if word_before {
                    out.push(' ');
                }
                out.push_str(&tree.to_string());
                word_before = true;
            }
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                if punct.as_char() == ',' {
                    out.push(' ');
                }
                word_before = false;
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(group.stream(), out);
                if out.ends_with(", ") {
                    out.pop();
                }
                out.push_str(close);
                word_before = false;
            }
        }
    }
}

fn collect_idents(pat: &syn::Pat, out: &mut BTreeSet<String>) {
    match pat {
        syn::Pat::Ident(ident) => {
            out.insert(ident.ident.to_string());
        }
        syn::Pat::Type(typed) => collect_idents(&typed.pat, out),
        syn::Pat::Reference(r) => collect_idents(&r.pat, out),
        syn::Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| collect_idents(p, out)),
        syn::Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| collect_idents(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| collect_idents(&f.pat, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| collect_idents(p, out)),
        syn::Pat::Or(or) => or.cases.iter().for_each(|p| collect_idents(p, out)),
        _ => {}
    }
}

fn flatten_use(
    tree: &UseTree,
    prefix: Vec<String>,
    imports: &mut Vec<(String, Vec<String>)>,
    globs: &mut Vec<Vec<String>>,
) {
    match tree {
        UseTree::Path(path) => {
            let mut prefix = prefix;
            prefix.push(path.ident.to_string());
            flatten_use(&path.tree, prefix, imports, globs);
        }
        UseTree::Name(name) if name.ident == "self" => {
            if let Some(last) = prefix.last() {
                imports.push((last.clone(), prefix.clone()));
            }
        }
        UseTree::Name(name) => {
            let mut path = prefix;
            path.push(name.ident.to_string());
            imports.push((name.ident.to_string(), path));
        }
        UseTree::Rename(rename) => {
            let mut path = prefix;
            if rename.ident != "self" {
                path.push(rename.ident.to_string());
            }
            if rename.rename != "_" {
                imports.push((rename.rename.to_string(), path));
            }
        }
        UseTree::Glob(_) => globs.push(prefix),
        UseTree::Group(group) => {
            for tree in &group.items {
                flatten_use(tree, prefix.clone(), imports, globs);
            }
        }
    }
}

/// Makes a path absolute when its first segment says how: `crate::`, `self::`, `super::`.
pub fn absolutize(path: Vec<String>, module: &[String], crate_name: &str) -> Vec<String> {
    match path.first().map(String::as_str) {
        Some("crate") => std::iter::once(crate_name.to_owned())
            .chain(path[1..].iter().cloned())
            .collect(),
        Some("self") => module.iter().chain(&path[1..]).cloned().collect(),
        Some("super") => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            let keep = module.len().saturating_sub(supers).max(1);
            module[..keep]
                .iter()
                .chain(&path[supers..])
                .cloned()
                .collect()
        }
        _ => path,
    }
}

/// The name of a handler expression: a path's last segment, or what a closure calls.
fn handler_expr_name(expr: &Expr) -> Option<String> {
    match see_through(expr) {
        Expr::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Block(block) => match block.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => handler_expr_name(tail),
            _ => None,
        },
        Expr::Closure(closure) => {
            let body = match see_through(&closure.body) {
                Expr::Block(block) if block.block.stmts.len() == 1 => match &block.block.stmts[0] {
                    syn::Stmt::Expr(expr, _) => see_through(expr),
                    _ => &closure.body,
                },
                other => other,
            };
            let called = match body {
                Expr::Await(a) => see_through(&a.base),
                Expr::Try(t) => see_through(&t.expr),
                other => other,
            };
            Some(match called {
                Expr::MethodCall(call) => call.method.to_string(),
                Expr::Call(call) => match &*call.func {
                    Expr::Path(path) => path
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default(),
                    _ => "{closure}".to_owned(),
                },
                _ => "{closure}".to_owned(),
            })
        }
        _ => None,
    }
}

/// The type of a value a typed event's method is called on: a struct literal, a binding to
/// one, a unit struct, or what a constructor of the type makes (`FrameLayoutEvent::from(l)`,
/// `EditorStateChanged::new(state)`).
fn typed_value(receiver: &Expr, locals: &Locals, scope: &crate::extract::Scope) -> KeyExpr {
    match key_of(receiver, locals, scope) {
        KeyExpr::Constructor { ty, .. } | KeyExpr::Wrapper { ty, .. } => *ty,
        KeyExpr::Unknown => match see_through(receiver) {
            Expr::Call(call) => match &*call.func {
                Expr::Path(func) if func.qself.is_none() => {
                    let segments = segments(&func.path);
                    match segments.len().checked_sub(1) {
                        Some(at) if at > 0 && is_type_name(&segments[at - 1]) => {
                            type_key(&segments[..at], scope)
                        }
                        _ => KeyExpr::Unknown,
                    }
                }
                _ => KeyExpr::Unknown,
            },
            _ => KeyExpr::Unknown,
        },
        key => key,
    }
}

/// The argument that names the Tauri plugin of a builder chain: of
/// `Builder::new("app-menu")` (also `tauri::plugin::Builder::<R>::new(..)`) at the root of
/// `Builder::new("app-menu").setup(..).invoke_handler(..)`, or with `specta`, of
/// tauri-specta's `.plugin_name(PLUGIN_NAME)` in the chain.
fn plugin_builder_name(receiver: &Expr, specta: bool) -> Option<&Expr> {
    let mut expr = receiver;
    loop {
        match expr {
            Expr::MethodCall(call) if specta && call.method == "plugin_name" => {
                return call.args.first();
            }
            Expr::MethodCall(call) => expr = &call.receiver,
            Expr::Paren(paren) => expr = &paren.expr,
            Expr::Call(call) => {
                let Expr::Path(func) = &*call.func else {
                    return None;
                };
                let segments: Vec<String> = func
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                if specta || !segments.ends_with(&["Builder".to_owned(), "new".to_owned()]) {
                    return None;
                }
                return call.args.first();
            }
            _ => return None,
        }
    }
}

/// The functions a `generate_handler![..]` or `collect_commands![..]` lists: the last name
/// of each comma-separated path, before its generic arguments (`commands::save`,
/// `save::<tauri::Wry>`, `save<tauri::Wry>`).
fn registered_functions(tokens: proc_macro2::TokenStream) -> Vec<proc_macro2::Ident> {
    use proc_macro2::TokenTree;
    let mut out = Vec::new();
    let mut last: Option<proc_macro2::Ident> = None;
    let mut angle = 0usize;
    for token in tokens {
        match token {
            TokenTree::Punct(p) if p.as_char() == '<' => angle += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => angle = angle.saturating_sub(1),
            TokenTree::Punct(p) if p.as_char() == ',' && angle == 0 => out.extend(last.take()),
            TokenTree::Ident(ident) if angle == 0 => last = Some(ident),
            _ => {}
        }
    }
    out.extend(last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths() {
        let module = vec!["app".to_owned(), "graph".to_owned()];
        let abs =
            |p: &[&str]| absolutize(p.iter().map(|s| s.to_string()).collect(), &module, "app");
        assert_eq!(abs(&["crate", "events", "X"]), ["app", "events", "X"]);
        assert_eq!(abs(&["self", "X"]), ["app", "graph", "X"]);
        assert_eq!(abs(&["super", "events", "X"]), ["app", "events", "X"]);
        assert_eq!(abs(&["events", "X"]), ["events", "X"]);
    }

    #[test]
    fn key_text_keeps_the_spaces_inside_literals() {
        let shown = |code: &str| key_text(&syn::parse_str::<Expr>(code).unwrap());
        assert_eq!(
            shown(r#"format!("{}/{}", self.prefix, "number has no state_topic")"#),
            r#"format!("{}/{}", self.prefix, "number has no state_topic")"#
        );
        assert_eq!(
            shown("std :: env :: var ( \"APP TOPIC\" )"),
            r#"std::env::var("APP TOPIC")"#
        );
        assert_eq!(shown("(id as u8, &mut x, 'c')"), "(id as u8, &mut x, 'c')");
        assert_eq!(shown("r#\"a  b\"#"), "r#\"a  b\"#");
    }
}
