//! From every file's facts to the `Model`: keys resolved through consts, imports, crates
//! and type aliases (`paths`), parameters followed to their call sites (DESIGN.md precise
//! rule 6), `[events] aliases` applied, components named, and every handler followed
//! through the calls it makes to the publishes it causes (`Flow`s).

mod coupling;
mod paths;
mod wanted;

pub use wanted::{wanted_names, Wanted, AND};

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::config::Config;
use crate::discover::Discovery;
use crate::extract::{
    Body, Callee, FileFacts, HandlerRef, Holder, KeyExpr, Range, RawSite, Receiver,
};
use crate::model::{Flow, Location, Model, ParseFailure, Settings, Site, SiteKind, UnresolvedSite};
use crate::topic;

use paths::{FnId, Paths, Resolved};

/// How many wrapper functions deep a parameter key is followed to its call sites.
const MAX_WRAPPER_DEPTH: usize = 4;

/// A site with what resolution needs to know beyond the model's view of it.
struct Placed {
    site: Site,
    /// The `impl` self type holding the site, if any.
    holder_type: Option<String>,
    file: usize,
    body: Option<Body>,
    handler: Option<HandlerRef>,
}

/// Resolves every file's facts into the model the graph and lints read. `files[i]` are the
/// facts of `discovery.files[i]`. Names are resolved inside each resolution unit
/// (`units`) on its own, on the parser threads; the model joins the units.
pub fn resolve(files: &[FileFacts], discovery: &Discovery, config: &Config) -> Model {
    use rayon::prelude::*;
    let names = ComponentNames::new(files, discovery.crates > 1);
    let mut units: BTreeMap<usize, Vec<&FileFacts>> = BTreeMap::new();
    for (index, facts) in files.iter().enumerate() {
        let unit = discovery.files.get(index).map_or(0, |file| file.unit);
        units.entry(unit).or_default().push(facts);
    }
    let parts: Vec<Unit> = units
        .par_iter()
        .map(|(_, files)| resolve_unit(files, config, &names))
        .collect();

    // The units' sites, sorted as one list, with the flows' and handlers' indices moved
    // to where their sites went.
    let mut sites: Vec<(Site, usize, usize)> = Vec::new();
    for (part, unit) in parts.iter().enumerate() {
        sites.extend(
            unit.sites
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, site)| (site, part, i)),
        );
    }
    sites.sort_by(|a, b| a.0.cmp(&b.0));
    let mut moved: Vec<Vec<usize>> = parts.iter().map(|unit| vec![0; unit.sites.len()]).collect();
    for (at, (_, part, i)) in sites.iter().enumerate() {
        moved[*part][*i] = at;
    }
    let mut flows = Vec::new();
    let mut unresolved_handlers = Vec::new();
    let mut unresolved = Vec::new();
    let mut couplings = Vec::new();
    let mut external_types = BTreeSet::new();
    for (part, unit) in parts.into_iter().enumerate() {
        external_types.extend(unit.external_types);
        flows.extend(unit.flows.into_iter().map(|flow| Flow {
            subscribe: moved[part][flow.subscribe],
            publish: moved[part][flow.publish],
            via: flow.via,
        }));
        unresolved_handlers.extend(unit.unresolved_handlers.into_iter().map(|i| moved[part][i]));
        unresolved.extend(unit.unresolved);
        couplings.extend(unit.couplings);
    }
    flows.sort_by_key(|flow| (flow.subscribe, flow.publish));
    unresolved_handlers.sort_unstable();
    unresolved.sort();
    unresolved.dedup();
    couplings.sort();
    let sites = sites.into_iter().map(|(site, _, _)| site).collect();

    let mut parse_failures: Vec<ParseFailure> =
        files.iter().filter_map(|f| f.failure.clone()).collect();
    parse_failures.extend(discovery.errors.iter().map(|error| ParseFailure {
        location: Location {
            file: error.rel.clone(),
            line: 1,
            column: 1,
        },
        message: error.message.clone(),
    }));
    parse_failures.sort();
    let mut suppressions: Vec<_> = files
        .iter()
        .flat_map(|f| f.suppressions.iter().cloned())
        .collect();
    suppressions.sort();

    Model {
        sites,
        unresolved,
        flows,
        unresolved_handlers,
        couplings,
        files_scanned: files.len(),
        files_parsed: files
            .iter()
            .filter(|f| f.failure.is_none() && !f.skipped)
            .count(),
        files_unreachable: files.iter().filter(|f| f.unreachable).count(),
        commands: crate::commands::collect(files),
        parse_failures,
        suppressions,
        external_types,
        project: config.name.clone(),
        settings: Settings {
            topic_syntax: config.topic_syntax,
            contracts: config.contracts.clone(),
            components: config.components.clone(),
            config_file: config.file.clone(),
            fan_out_threshold: config.fan_out_threshold,
            external_subscribers: config.external_subscribers.clone(),
            external_publishers: config.external_publishers.clone(),
            framework_prefixes: config
                .presets
                .iter()
                .flat_map(|preset| {
                    preset
                        .framework_prefix()
                        .into_iter()
                        .chain(preset.plugin_prefixes(&discovery.dependencies))
                })
                .collect(),
        },
    }
}

/// What resolution finds in one unit: its sites sorted, the flows and unresolved
/// handlers as indices into them.
struct Unit {
    sites: Vec<Site>,
    unresolved: Vec<UnresolvedSite>,
    flows: Vec<Flow>,
    unresolved_handlers: Vec<usize>,
    couplings: Vec<crate::model::Coupling>,
    /// Type keys no file of the unit defines (DESIGN.md precise rule 9).
    external_types: BTreeSet<String>,
}

/// Resolves the files of one unit, which name only each other.
fn resolve_unit(files: &[&FileFacts], config: &Config, names: &ComponentNames) -> Unit {
    let paths = Paths::new(files);
    let calls = CallGraph::new(&paths);
    let placeholder = topic::placeholder(config.topic_syntax);

    let defined: std::collections::HashSet<&str> = files
        .iter()
        .flat_map(|file| file.types.iter().map(String::as_str))
        .collect();
    let crates: std::collections::HashSet<&str> =
        files.iter().map(|file| file.crate_name.as_str()).collect();
    let mut external_types = BTreeSet::new();
    let mut type_keys: BTreeSet<String> = BTreeSet::new();
    let mut placed: Vec<Placed> = Vec::new();
    let mut unresolved = Vec::new();
    let field_sites = system_param_sites(files);
    for (index, file) in files.iter().enumerate() {
        let fields = field_sites.iter().filter(|(at, _)| *at == index);
        for raw in file.sites.iter().chain(fields.map(|(_, raw)| raw)) {
            let generic = matches!(raw.key, KeyExpr::Type { .. }) && has_type_param(&raw.key);
            let resolved = match paths.resolve(index, &raw.key) {
                // `EventReader<Resp<T>>` in `fn set_token<T>`: spelled at each use.
                _ if generic => match raw.body {
                    Some(Body::Fn(function)) => {
                        calls.expand_generic(&paths, (index, function), &raw.key)
                    }
                    _ => Vec::new(),
                },
                Resolved::Param(param) => match raw.body {
                    Some(Body::Fn(function)) => calls.expand(&paths, (index, function), param, 0),
                    _ => Vec::new(),
                },
                Resolved::TypeParam(param) => match raw.body {
                    Some(Body::Fn(function)) => {
                        calls.expand_types(&paths, (index, function), param)
                    }
                    _ => Vec::new(),
                },
                Resolved::Unknown => Vec::new(),
                key => vec![(index, None, key)],
            };
            if resolved.is_empty() {
                // A generic name on an unrelated receiver (`registry.publish(&krate, ..)`)
                // with a key that says nothing is another API's method: no site, no finding.
                if raw.name_only {
                    continue;
                }
                // A call of the tree's own same-named method whose argument there is a
                // byte payload: the key is elsewhere (its body's site, by rule 6). Inside
                // a method of that name, the call is the wrapped client's (delegation).
                // (Only for keys that say nothing by themselves: what the lazy analysis
                // fetches the method definitions for, `wanted_names`.)
                let says_nothing = matches!(raw.key, KeyExpr::Unknown | KeyExpr::Call { .. });
                if says_nothing
                    && raw
                        .method_key
                        .as_ref()
                        .is_some_and(|(method, index, options)| {
                            raw.function.as_ref() != Some(method)
                                && (paths.takes_bytes(method, *index, options)
                                    || paths.takes_own_type(method, *index))
                        })
                {
                    continue;
                }
                // A path call of the tree's own function of that name (`Flow::publish(result)`,
                // a test helper's `test_client::publish(port, topic, ..)`) is not the client
                // API's: a key it passes on is its body's site (precise rule 6).
                if says_nothing
                    && raw.own_path.as_ref().is_some_and(|call| match call {
                        KeyExpr::Call {
                            callee: Callee::Path(segments),
                            scope,
                        } => !paths.fn_path(index, scope, segments).is_empty(),
                        KeyExpr::Call {
                            callee:
                                Callee::Method {
                                    name,
                                    receiver: Receiver::SelfField(field),
                                },
                            scope,
                        } => paths.field_has_method(scope, field, name),
                        _ => false,
                    })
                {
                    continue;
                }
                // A parameter of one of the tree's own types (`state: &StateHandle` passed
                // on as `self.number.publish(state, client)`) is no topic: the call is a
                // method of the tree's that only shares the name.
                if let (KeyExpr::Param(param), Some(Body::Fn(function))) = (&raw.key, raw.body) {
                    let types = file.functions[function].param_types.get(*param);
                    if types.is_some_and(|types| types.iter().any(|ty| paths.defines_type(ty))) {
                        continue;
                    }
                }
                unresolved.push(UnresolvedSite {
                    location: raw.location.clone(),
                    kind: raw.kind,
                    expr: raw.key_text.clone(),
                });
                continue;
            }
            // A call returning one of several keys is a site of each.
            let resolved = resolved
                .into_iter()
                .flat_map(|(at_file, at_call, key)| match key {
                    Resolved::Any(keys) => keys
                        .into_iter()
                        .map(|key| (at_file, at_call, key))
                        .collect::<Vec<_>>(),
                    key => vec![(at_file, at_call, key)],
                });
            for (at_file, at_call, key) in resolved {
                let (key, pattern) = match key {
                    Resolved::Type(key) => {
                        // `Pointer<Click>` is defined where `Pointer` is; `Event::Saved`
                        // where `Event` is.
                        let base = key.split(['<', ':']).next().unwrap_or_default();
                        let own = type_crate(file, &raw.key).is_some_and(|c| crates.contains(c));
                        if !own && !defined.contains(base) {
                            external_types.insert(key.clone());
                        }
                        type_keys.insert(key.clone());
                        (key, false)
                    }
                    Resolved::Str(key) => (key, false),
                    Resolved::Pattern(pieces) => (pieces.join(placeholder), true),
                    Resolved::Param(_)
                    | Resolved::TypeParam(_)
                    | Resolved::Any(_)
                    | Resolved::Unknown => continue,
                };
                let key = config.aliases.get(&key).cloned().unwrap_or(key);
                let mut site = place(raw, files[at_file], at_file, at_call, key, pattern, names);
                // A closure is named after the function it calls only when that function
                // is the tree's own (`move |e| this.on_edge(e)`), not `log.push(e)`.
                if matches!(site.handler, Some(HandlerRef::Closure(_)))
                    && site
                        .site
                        .handler
                        .as_deref()
                        .is_some_and(|name| !paths.defines_fn(name))
                {
                    site.site.handler = Some("{closure}".to_owned());
                }
                placed.push(site);
            }
        }
    }
    // A value written without type arguments (`PriceChanged { .. }`) has the arguments
    // inference gives it: when the tree spells the type with one set of arguments only
    // (`subscribe::<PriceChanged<f64>>`), it is that.
    let inferred = inferred_arguments(&type_keys);
    for site in &mut placed {
        if let Some(full) = inferred.get(&site.site.key) {
            site.site.key = full.clone();
        }
    }
    let external_types = external_types
        .into_iter()
        .map(|key| inferred.get(&key).cloned().unwrap_or(key))
        .collect();
    placed.sort_by(|a, b| a.site.cmp(&b.site));
    // A call of a wrapper that is itself a site (the bus's own `publish`) is one site.
    placed.dedup_by(|b, a| {
        a.site.location == b.site.location && a.site.kind == b.site.kind && a.site.key == b.site.key
    });

    let (flows, unresolved_handlers) = flows(&paths, &calls, &placed);
    let type_components: BTreeMap<String, String> = placed
        .iter()
        .filter_map(|p| Some((p.holder_type.clone()?, p.site.component.clone())))
        .collect();
    let couplings = coupling::couplings(&paths, &type_components);
    Unit {
        sites: placed.into_iter().map(|p| p.site).collect(),
        unresolved,
        flows,
        unresolved_handlers,
        couplings,
        external_types,
    }
}

/// The crate a type key's path names, through the module's imports
/// (`use unlocks_events::Done;`, `crate::events::Done`), when it names one: a type of one of
/// the tree's crates is the tree's own even where no definition is seen (a macro may make
/// it, or the file that would is not compiled).
fn type_crate<'a>(file: &'a FileFacts, key: &'a KeyExpr) -> Option<&'a str> {
    let (name, head, scope) = match key {
        KeyExpr::Type {
            name, head, scope, ..
        } => (name, head, scope),
        KeyExpr::Constructor { ty, .. }
        | KeyExpr::Wrapper { ty, .. }
        | KeyExpr::Stringified(ty) => return type_crate(file, ty),
        _ => return None,
    };
    let first = head.as_ref().unwrap_or(name);
    if let Some(path) = file
        .modules
        .get(scope.module)
        .and_then(|module| module.uses.get(first))
    {
        return path.first().map(String::as_str);
    }
    match head.as_deref() {
        Some("crate" | "self" | "super") => Some(&file.crate_name),
        head => head,
    }
}

/// Bevy (DESIGN.md precise rule 12): the field uses (`params.writer.send(..)`) whose value
/// is a `#[derive(SystemParam)]` struct with a reader or writer field of that name, as
/// sites of the field's event: `(file, site)`.
fn system_param_sites(files: &[&FileFacts]) -> Vec<(usize, RawSite)> {
    let mut fields: HashMap<(&str, &str), &crate::extract::ParamField> = HashMap::new();
    for file in files {
        for param in &file.system_params {
            for field in &param.fields {
                fields.insert((&param.name, &field.name), field);
            }
        }
    }
    if fields.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (index, file) in files.iter().enumerate() {
        for used in &file.field_uses {
            let Some(field) = used
                .types
                .iter()
                .find_map(|ty| fields.get(&(ty.as_str(), used.field.as_str())))
            else {
                continue;
            };
            if field.kind != used.kind {
                continue;
            }
            let mut site = used.site.clone();
            site.key = field.key.clone();
            site.key_text = field.key_text.clone();
            out.push((index, site));
        }
    }
    // One subscribe site per function and field: reading twice is one subscription.
    out.sort_by(|a, b| (a.0, &a.1.location).cmp(&(b.0, &b.1.location)));
    let mut seen = BTreeSet::new();
    out.retain(|(file, site)| {
        site.kind == SiteKind::Publish
            || seen.insert((*file, site.function.clone(), site.key_text.clone()))
    });
    out
}

/// Type keys written without arguments whose type the tree spells with exactly one set
/// of arguments: `PriceChanged` → `PriceChanged<f64>`. With two (`Pointer<Click>`,
/// `Pointer<Over>`) the bare key stays as it is.
fn inferred_arguments(type_keys: &BTreeSet<String>) -> HashMap<String, String> {
    let mut spelled: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for key in type_keys {
        if let Some((base, _)) = key.split_once('<') {
            spelled.entry(base).or_default().push(key);
        }
    }
    spelled
        .into_iter()
        .filter(|(base, full)| full.len() == 1 && type_keys.contains(*base))
        .map(|(base, full)| (base.to_owned(), full[0].clone()))
        .collect()
}

/// A resolved site, at its own place or, for a wrapper's parameter key, at a call of the
/// wrapper (`at_call`: index into the file's calls).
fn place(
    raw: &RawSite,
    file: &FileFacts,
    file_index: usize,
    at_call: Option<usize>,
    key: String,
    pattern: bool,
    names: &ComponentNames,
) -> Placed {
    let call = at_call.map(|i| &file.calls[i]);
    let holder = call.map_or(&raw.holder, |c| &*c.holder);
    let location = call.map_or_else(|| raw.location.clone(), |c| c.location(&file.file));
    let test = file.test
        || file
            .test_ranges
            .iter()
            .any(|range| range.contains(&location));
    Placed {
        holder_type: match holder {
            Holder::Type(name) => Some(name.clone()),
            Holder::Module(_) => None,
        },
        site: Site {
            location,
            kind: raw.kind,
            key,
            pattern,
            component: names.name(&file.crate_name, holder),
            function: call.map_or_else(
                || raw.function.clone(),
                |c| c.function.as_deref().map(str::to_owned),
            ),
            handler: raw.handler.clone(),
            payload: raw.payload.clone(),
            test,
        },
        file: file_index,
        body: call.map_or(raw.body, |c| c.body),
        handler: raw.handler_ref.clone(),
    }
}

/// Every call's resolved callees, and the reverse: who calls each function.
struct CallGraph {
    /// Per file, per call: the functions it may reach.
    callees: Vec<Vec<Vec<FnId>>>,
    callers: HashMap<FnId, Vec<(usize, usize)>>,
}

impl CallGraph {
    fn new(paths: &Paths<'_>) -> Self {
        use rayon::prelude::*;
        // Every call of every parsed file: the largest part of resolution, and per file.
        let callees: Vec<Vec<Vec<FnId>>> = paths
            .files()
            .par_iter()
            .enumerate()
            .map(|(index, file)| {
                file.calls
                    .iter()
                    .map(|call| paths.callees(index, &call.scope, &call.callee))
                    .collect()
            })
            .collect();
        let mut callers: HashMap<FnId, Vec<(usize, usize)>> = HashMap::new();
        for (file, per_call) in callees.iter().enumerate() {
            for (call, targets) in per_call.iter().enumerate() {
                for target in targets {
                    callers.entry(*target).or_default().push((file, call));
                }
            }
        }
        CallGraph { callees, callers }
    }

    /// The keys a function's `param`-th parameter takes at its call sites: (file, call,
    /// key) for every call whose argument resolves, following callers that pass their own
    /// parameter through.
    /// The keys a type-parameter key takes at the function's uses with a turbofish
    /// (`relay::<Ping>`), each located at the use.
    fn expand_types(
        &self,
        paths: &Paths<'_>,
        function: FnId,
        param: usize,
    ) -> Vec<(usize, Option<usize>, Resolved)> {
        let mut out = Vec::new();
        for &(file, call_index) in self.callers_of(function) {
            let call = &paths.files()[file].calls[call_index];
            if let Some(arg) = call.type_args.get(param) {
                if let key @ Resolved::Type(_) = paths.resolve(file, arg) {
                    out.push((file, Some(call_index), key));
                }
            }
        }
        out
    }

    /// The calls of a function: (file, index into its calls).
    fn callers_of(&self, function: FnId) -> &[(usize, usize)] {
        self.callers
            .get(&function)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// A type key with the function's type parameters in it (`Resp<T>`), spelled with the
    /// type arguments of each use of the function that gives them all
    /// (`set_token::<SignIn>` → `Resp<SignIn>`).
    fn expand_generic(
        &self,
        paths: &Paths<'_>,
        function: FnId,
        key: &KeyExpr,
    ) -> Vec<(usize, Option<usize>, Resolved)> {
        let mut out = Vec::new();
        let mut unspelled = false;
        for &(file, call_index) in self.callers_of(function) {
            let call = &paths.files()[file].calls[call_index];
            let spelled: Vec<Option<String>> = call
                .type_args
                .iter()
                .map(|arg| match paths.resolve(file, arg) {
                    Resolved::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect();
            match substitute(key, &spelled) {
                Some(key) => {
                    if let found @ Resolved::Type(_) = paths.resolve(function.0, &key) {
                        out.push((file, Some(call_index), found));
                    }
                }
                None => unspelled = true,
            }
        }
        // Used without its arguments (`relay::<T>` in a generic plugin), or never with a
        // turbofish: the site stands for every key of that shape, a pattern like a
        // `format!`'s (`Response<*>`; precise rule 5), at its own place.
        if unspelled || out.is_empty() {
            let holes = vec![Some(PATTERN_HOLE.to_owned()); MAX_TYPE_PARAMS];
            if let Some(Resolved::Type(ty)) =
                substitute(key, &holes).map(|key| paths.resolve(function.0, &key))
            {
                let pieces: Vec<String> = ty.split(PATTERN_HOLE).map(str::to_owned).collect();
                out.push((function.0, None, Resolved::Pattern(pieces)));
            }
        }
        out
    }

    fn expand(
        &self,
        paths: &Paths<'_>,
        function: FnId,
        param: usize,
        depth: usize,
    ) -> Vec<(usize, Option<usize>, Resolved)> {
        if depth >= MAX_WRAPPER_DEPTH {
            return Vec::new();
        }
        let mut out = Vec::new();
        for &(file, call_index) in self.callers_of(function) {
            let call = &paths.files()[file].calls[call_index];
            let Some(arg) = call.args.get(param) else {
                continue;
            };
            match paths.resolve(file, arg) {
                Resolved::Param(outer) => {
                    if let Some(Body::Fn(caller)) = call.body {
                        // The call is the wrapper's site only through its own callers.
                        out.extend(self.expand(paths, (file, caller), outer, depth + 1));
                    }
                }
                Resolved::Unknown => {}
                key => out.push((file, Some(call_index), key)),
            }
        }
        out
    }
}

/// A frame of the handler walk: a body (or part of one, for stream handlers) and the
/// calls that led to it.
struct Frame {
    file: usize,
    body: Body,
    part: Part,
    via: Vec<String>,
}

/// Which part of a body a handler is.
enum Part {
    Whole,
    /// From a place on: an unbound stream-style subscription.
    From(Location),
    /// The statements that use a bound subscription.
    Ranges(Vec<Range>),
}

impl Part {
    fn contains(&self, location: &Location) -> bool {
        match self {
            Part::Whole => true,
            Part::From(from) => location >= from,
            Part::Ranges(ranges) => ranges.iter().any(|range| range.contains(location)),
        }
    }

    /// [`Part::contains`] for a call of the file named `file`, without a `Location`.
    fn contains_call(&self, file: &str, call: &crate::extract::CallFact) -> bool {
        match self {
            Part::Whole => true,
            Part::From(from) => {
                (file, call.line, call.column) >= (from.file.as_str(), from.line, from.column)
            }
            Part::Ranges(ranges) => ranges
                .iter()
                .any(|range| range.contains_at(call.line, call.column)),
        }
    }
}

/// Follows every subscription's handler through the calls it makes (breadth first, so the
/// recorded chain is a shortest one) and records each publish it reaches.
fn flows(paths: &Paths<'_>, calls: &CallGraph, placed: &[Placed]) -> (Vec<Flow>, Vec<usize>) {
    let mut publishes: HashMap<(usize, Body), Vec<usize>> = HashMap::new();
    for (index, site) in placed.iter().enumerate() {
        if let (SiteKind::Publish, Some(body)) = (site.site.kind, site.body) {
            publishes.entry((site.file, body)).or_default().push(index);
        }
    }
    let mut calls_in: HashMap<(usize, Body), Vec<usize>> = HashMap::new();
    for (file, facts) in paths.files().iter().enumerate() {
        for (index, call) in facts.calls.iter().enumerate() {
            if let Some(body) = call.body {
                calls_in.entry((file, body)).or_default().push(index);
            }
        }
    }

    let mut flows = Vec::new();
    let mut unresolved = Vec::new();
    for (index, subscription) in placed.iter().enumerate() {
        if subscription.site.kind != SiteKind::Subscribe {
            continue;
        }
        let starts = handler_bodies(paths, subscription);
        if starts.is_empty() {
            unresolved.push(index);
            continue;
        }
        let mut seen: BTreeSet<(usize, Body)> = BTreeSet::new();
        let mut reached: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut queue: VecDeque<Frame> = starts.into();
        while let Some(frame) = queue.pop_front() {
            if matches!(frame.part, Part::Whole) && !seen.insert((frame.file, frame.body)) {
                continue;
            }
            let after = |location: &Location| frame.part.contains(location);
            for &publish in publishes
                .get(&(frame.file, frame.body))
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if after(&placed[publish].site.location) {
                    reached.entry(publish).or_insert_with(|| frame.via.clone());
                }
            }
            for &call in calls_in
                .get(&(frame.file, frame.body))
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let facts = &paths.files()[frame.file];
                if !frame.part.contains_call(&facts.file, &facts.calls[call]) {
                    continue;
                }
                for &(file, function) in &calls.callees[frame.file][call] {
                    if seen.contains(&(file, Body::Fn(function))) {
                        continue;
                    }
                    let mut via = frame.via.clone();
                    via.push(fn_name(paths.files()[file], function));
                    queue.push_back(Frame {
                        file,
                        body: Body::Fn(function),
                        part: Part::Whole,
                        via,
                    });
                }
            }
        }
        flows.extend(reached.into_iter().map(|(publish, via)| Flow {
            subscribe: index,
            publish,
            via,
        }));
    }
    (flows, unresolved)
}

/// Where a subscription's handler starts.
fn handler_bodies(paths: &Paths<'_>, subscription: &Placed) -> Vec<Frame> {
    let frame = |file, body, part| Frame {
        file,
        body,
        part,
        via: Vec::new(),
    };
    match &subscription.handler {
        Some(HandlerRef::Closure(id)) => {
            vec![frame(subscription.file, Body::Closure(*id), Part::Whole)]
        }
        Some(HandlerRef::Fn(function)) => {
            vec![frame(subscription.file, Body::Fn(*function), Part::Whole)]
        }
        Some(HandlerRef::Stream {
            body: Some(body),
            from,
        }) => {
            vec![frame(subscription.file, *body, Part::From(from.clone()))]
        }
        Some(HandlerRef::Bound {
            body: Some(body),
            ranges,
        }) => {
            vec![frame(
                subscription.file,
                *body,
                Part::Ranges(ranges.clone()),
            )]
        }
        Some(HandlerRef::Path { segments, scope }) => paths
            .fn_path(subscription.file, scope, segments)
            .into_iter()
            .map(|(file, function)| frame(file, Body::Fn(function), Part::Whole))
            .collect(),
        Some(
            HandlerRef::Stream { body: None, .. }
            | HandlerRef::Bound { body: None, .. }
            | HandlerRef::Opaque,
        )
        | None => Vec::new(),
    }
}

/// `Type::method` or `function`, for call chains.
fn fn_name(file: &FileFacts, function: usize) -> String {
    let f = &file.functions[function];
    match &f.owner {
        Some(owner) => format!("{owner}::{}", f.name),
        None => f.name.clone(),
    }
}

/// Component naming (DESIGN.md precise rules 4 and 15).
struct ComponentNames {
    workspace: bool,
    /// Type names held by sites in more than one crate.
    ambiguous: BTreeSet<String>,
}

impl ComponentNames {
    fn new(files: &[FileFacts], workspace: bool) -> Self {
        let mut crates_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for file in files {
            for site in &file.sites {
                if let Holder::Type(name) = &site.holder {
                    crates_of.entry(name).or_default().insert(&file.crate_name);
                }
            }
        }
        ComponentNames {
            workspace,
            ambiguous: crates_of
                .into_iter()
                .filter(|(_, crates)| crates.len() > 1)
                .map(|(name, _)| name.to_owned())
                .collect(),
        }
    }

    fn name(&self, crate_name: &str, holder: &Holder) -> String {
        match holder {
            Holder::Type(name) if self.ambiguous.contains(name) => format!("{crate_name}::{name}"),
            Holder::Type(name) => name.clone(),
            Holder::Module(path) => {
                let root = if self.workspace { crate_name } else { "crate" };
                std::iter::once(root)
                    .chain(path.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join("::")
            }
        }
    }
}

/// What a type parameter no use spells stands for while a generic type key is resolved
/// into a pattern: a name no type has.
const PATTERN_HOLE: &str = "\u{0}";

/// More type parameters than a function has.
const MAX_TYPE_PARAMS: usize = 64;

/// Whether a key holds a type parameter of its function ([`KeyExpr::TypeParam`]).
fn has_type_param(key: &KeyExpr) -> bool {
    match key {
        KeyExpr::TypeParam(_) => true,
        KeyExpr::Type { args, .. } => args.iter().any(has_type_param),
        _ => false,
    }
}

/// `key` with each type parameter replaced by the type a use spells it with, already
/// resolved (`Resp<T>` with `[SignIn]` → `Resp<SignIn>`); `None` if a use leaves one out.
fn substitute(key: &KeyExpr, spelled: &[Option<String>]) -> Option<KeyExpr> {
    let KeyExpr::Type { scope, .. } = key else {
        return None;
    };
    key.map_type_leaves(&mut |leaf| match leaf {
        KeyExpr::TypeParam(index) => Some(KeyExpr::Type {
            name: spelled.get(*index)?.clone()?,
            variant: None,
            args: Vec::new(),
            head: None,
            scope: scope.clone(),
        }),
        other => Some(other.clone()),
    })
}
