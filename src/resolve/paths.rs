//! Names to definitions: const and static paths to their values, function paths to their
//! definitions, through `use` imports, re-exports, globs and crate names; type aliases to
//! their targets.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::extract::{
    absolutize, Callee, FileFacts, KeyExpr, Scope, WRAPPER_FIELDS, WRAPPER_TYPES,
};

/// The `index`-th element of a tuple value: of the tuple itself, or of each branch of an
/// `if`/`match` that yields tuples.
fn element(value: &KeyExpr, index: usize) -> Option<KeyExpr> {
    match value {
        KeyExpr::Tuple(elements) => elements.get(index).cloned(),
        KeyExpr::Branches(branches) => branches
            .iter()
            .map(|branch| element(branch, index))
            .collect::<Option<Vec<_>>>()
            .map(KeyExpr::Branches),
        _ => None,
    }
}

/// The keys of branches as one: a key when they agree, [`Resolved::Any`] when each is a
/// key and they differ, `Unknown` when one is no key.
fn any_of(keys: impl Iterator<Item = Resolved>) -> Resolved {
    let mut all = Vec::new();
    for key in keys {
        match key {
            Resolved::Str(_) | Resolved::Type(_) | Resolved::Pattern(_) => all.push(key),
            Resolved::Any(keys) => all.extend(keys),
            Resolved::Param(_) | Resolved::TypeParam(_) | Resolved::Unknown => {
                return Resolved::Unknown
            }
        }
    }
    all.sort();
    all.dedup();
    match all.len() {
        0 => Resolved::Unknown,
        1 => all.pop().unwrap_or(Resolved::Unknown),
        _ => Resolved::Any(all),
    }
}

/// How deep const-to-const and re-export chains are followed; cycles stop here.
pub const MAX_DEPTH: usize = 32;

/// A key after resolution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resolved {
    Str(String),
    Type(String),
    Pattern(Vec<String>),
    /// Several keys, sorted, each a `Str`, `Type` or `Pattern`: what a call returns when
    /// its function's branches yield different keys (`match self { A => "a", B => "b" }`).
    /// The call is a site of each.
    Any(Vec<Resolved>),
    /// The N-th parameter of the enclosing function.
    Param(usize),
    /// The N-th type parameter of the enclosing function.
    TypeParam(usize),
    Unknown,
}

/// Method names of the standard library's traits and types. A call of one of these is never
/// taken for a call of the tree's own function: `e.payload.clone()` in a handler is not a
/// call of some `impl Clone` elsewhere. (It also keeps the lazy analysis from loading every
/// file that mentions `clone`.)
pub const STD_METHODS: &[&str] = &[
    "and_modify",
    "and_then",
    "as_array",
    "as_bool",
    "as_f64",
    "as_i64",
    "as_mut",
    "as_object",
    "as_ref",
    "as_str",
    "as_u64",
    "borrow",
    "borrow_mut",
    "clone",
    "clone_from",
    "cmp",
    "collect",
    "contains",
    "contains_key",
    "default",
    "deref",
    "deref_mut",
    "drop",
    "entry",
    "eq",
    "err",
    "expect",
    "extend",
    "filter",
    "fmt",
    "from",
    "get",
    "get_mut",
    "get_or_init",
    "hash",
    "insert",
    "into",
    "into_iter",
    "is_empty",
    "is_none",
    "is_some",
    "iter",
    "iter_mut",
    "len",
    "lock",
    "map",
    "map_err",
    "ne",
    "next",
    "ok",
    "or_default",
    "or_else",
    "or_insert",
    "or_insert_with",
    "partial_cmp",
    "pop",
    "push",
    "read",
    "recv",
    "remove",
    "retain",
    "send",
    "to_owned",
    "to_string",
    "to_vec",
    "try_from",
    "try_into",
    "try_lock",
    "try_recv",
    "try_send",
    "unwrap",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "write",
];

/// Types and traits of the standard library. `Arc::new(..)` or `Instant::now()` in a
/// handler is never taken for a call of the tree's own function, in either the lazy or the
/// eager analysis: otherwise every file that mentions `Arc` and defines some `fn new` would
/// have to be parsed to rule it out. A tree that defines its own type of one of these
/// names does not get its associated functions followed.
pub const STD_TYPES: &[&str] = &[
    "Arc",
    "AtomicBool",
    "AtomicI32",
    "AtomicI64",
    "AtomicU32",
    "AtomicU64",
    "AtomicUsize",
    "BTreeMap",
    "BTreeSet",
    "BinaryHeap",
    "Box",
    "Cell",
    "Clone",
    "Cow",
    "Default",
    "Duration",
    "From",
    "HashMap",
    "HashSet",
    "Instant",
    "Into",
    "LazyLock",
    "Mutex",
    "OnceCell",
    "OnceLock",
    "Option",
    "Path",
    "PathBuf",
    "PhantomData",
    "Pin",
    "Rc",
    "RefCell",
    "Result",
    "RwLock",
    "String",
    "SystemTime",
    "ToString",
    "Vec",
    "VecDeque",
    "Weak",
];

/// A function definition: (file index, index into that file's `functions`).
pub type FnId = (usize, usize);

/// The tree's definitions, indexed for lookups by path.
pub struct Paths<'a> {
    files: &'a [&'a FileFacts],
    consts: HashMap<&'a [String], (usize, &'a KeyExpr)>,
    /// Free functions by absolute path.
    free_fns: HashMap<Vec<String>, Vec<FnId>>,
    /// Methods by (self type, name).
    methods: HashMap<(&'a str, &'a str), Vec<FnId>>,
    /// Methods by name alone.
    methods_by_name: HashMap<&'a str, Vec<FnId>>,
    modules: HashMap<&'a [String], Vec<(usize, usize)>>,
    aliases: HashMap<&'a str, BTreeSet<&'a str>>,
    /// Associated consts by (self type, name), for `Type::NAME` written where the impl
    /// block is not (`impl Named for UserCreated { const NAME: .. }` in another module).
    assoc_consts: HashMap<(&'a str, &'a str), Vec<(usize, &'a KeyExpr)>>,
    /// Structs defined with a key field: wrapper types (DESIGN.md key form 4).
    wrapper_types: HashSet<&'a str>,
    /// `(Enum, Variant)` where the variant wraps the type of its own name.
    wrapped_variants: HashSet<(&'a str, &'a str)>,
    /// (enum, variant) → the string strum's derives give it.
    variant_strings: HashMap<(&'a str, &'a str), &'a str>,
    /// Type → the event name its `tauri_specta::Event` derive gives it.
    typed_events: HashMap<&'a str, &'a str>,
    /// Type → the plugin whose tauri-specta builder collects it.
    typed_event_plugins: HashMap<&'a str, &'a str>,
    /// Every struct, enum, union and type alias the files define.
    defined_types: HashSet<&'a str>,
    /// How many paths lookups have tried, for tests of their cost.
    #[cfg(test)]
    tried: std::sync::atomic::AtomicUsize,
}

impl<'a> Paths<'a> {
    pub fn new(files: &'a [&'a FileFacts]) -> Self {
        let mut paths = Paths {
            files,
            consts: HashMap::new(),
            free_fns: HashMap::new(),
            methods: HashMap::new(),
            methods_by_name: HashMap::new(),
            modules: HashMap::new(),
            aliases: HashMap::new(),
            assoc_consts: HashMap::new(),
            wrapper_types: HashSet::new(),
            wrapped_variants: HashSet::new(),
            variant_strings: HashMap::new(),
            typed_events: HashMap::new(),
            typed_event_plugins: HashMap::new(),
            defined_types: HashSet::new(),
            #[cfg(test)]
            tried: std::sync::atomic::AtomicUsize::new(0),
        };
        for (index, file) in files.iter().enumerate() {
            for fact in &file.consts {
                paths
                    .consts
                    .entry(fact.path.as_slice())
                    .or_insert((index, &fact.value));
                if let [.., owner, name] = fact.path.as_slice() {
                    if owner.starts_with(|c: char| c.is_uppercase())
                        && owner.chars().any(char::is_lowercase)
                    {
                        paths
                            .assoc_consts
                            .entry((owner, name))
                            .or_default()
                            .push((index, &fact.value));
                    }
                }
            }
            for fact in &file.structs {
                if fact
                    .fields
                    .iter()
                    .any(|field| WRAPPER_FIELDS.contains(&field.name.as_str()))
                {
                    paths.wrapper_types.insert(&fact.name);
                }
            }
            for fact in &file.enums {
                for variant in &fact.wrapped {
                    paths.wrapped_variants.insert((&fact.name, variant));
                }
                for (variant, string) in &fact.strings {
                    paths
                        .variant_strings
                        .entry((&fact.name, variant))
                        .or_insert(string);
                }
            }
            for (ty, name) in &file.typed_events {
                paths.typed_events.entry(ty).or_insert(name);
            }
            for (ty, plugin) in &file.typed_event_plugins {
                paths.typed_event_plugins.entry(ty).or_insert(plugin);
            }
            paths
                .defined_types
                .extend(file.types.iter().map(String::as_str));
            for (module_index, module) in file.modules.iter().enumerate() {
                paths
                    .modules
                    .entry(module.path.as_slice())
                    .or_default()
                    .push((index, module_index));
            }
            for alias in &file.aliases {
                if let Some(name) = alias.path.last() {
                    paths
                        .aliases
                        .entry(name.as_str())
                        .or_default()
                        .insert(&alias.target);
                }
            }
            for (fn_index, function) in file.functions.iter().enumerate() {
                let id = (index, fn_index);
                match &function.owner {
                    Some(owner) => {
                        paths
                            .methods
                            .entry((owner, &function.name))
                            .or_default()
                            .push(id);
                        paths
                            .methods_by_name
                            .entry(&function.name)
                            .or_default()
                            .push(id);
                    }
                    None => {
                        let mut path = function.module.clone();
                        path.push(function.name.clone());
                        paths.free_fns.entry(path).or_default().push(id);
                    }
                }
            }
        }
        paths
    }

    pub fn files(&self) -> &'a [&'a FileFacts] {
        self.files
    }

    /// Resolves a key expression written in `file`.
    pub fn resolve(&self, file: usize, key: &KeyExpr) -> Resolved {
        self.resolve_at(file, key, 0, true)
    }

    /// `calls`: whether a call's returned key may still be followed (key form 7 follows
    /// one call, not a chain).
    fn resolve_at(&self, file: usize, key: &KeyExpr, depth: usize, calls: bool) -> Resolved {
        if depth > MAX_DEPTH {
            return Resolved::Unknown;
        }
        match key {
            KeyExpr::Str(s) => Resolved::Str(s.clone()),
            KeyExpr::Format { pieces, args } => {
                // Placeholders whose argument resolves to a string are inlined
                // (`format!("{}.{}", PREFIX, id)` → `wadm.status.*`).
                let mut out = vec![pieces[0].clone()];
                for (arg, piece) in args.iter().zip(&pieces[1..]) {
                    match self.resolve_at(file, arg, depth + 1, false) {
                        Resolved::Str(text) => {
                            if let Some(last) = out.last_mut() {
                                last.push_str(&text);
                                last.push_str(piece);
                            }
                        }
                        _ => out.push(piece.clone()),
                    }
                }
                if out.len() == 1 {
                    Resolved::Str(out.pop().unwrap_or_default())
                } else if out.iter().all(String::is_empty) {
                    Resolved::Unknown
                } else {
                    Resolved::Pattern(out)
                }
            }
            KeyExpr::Param(index) => Resolved::Param(*index),
            KeyExpr::TypeParam(index) => Resolved::TypeParam(*index),
            KeyExpr::Stringified(inner) => {
                if let KeyExpr::Type {
                    name,
                    variant: Some(variant),
                    args,
                    ..
                } = &**inner
                {
                    let name = self.alias_target(name);
                    let string = self.variant_strings.get(&(name.as_str(), variant.as_str()));
                    if let (Some(string), true) = (string, args.is_empty()) {
                        return Resolved::Str((*string).to_owned());
                    }
                }
                self.resolve_at(file, inner, depth + 1, calls)
            }
            KeyExpr::Unknown => Resolved::Unknown,
            KeyExpr::TypedEvent(ty) => match &**ty {
                KeyExpr::Type { name, .. } => {
                    let ty = self.alias_target(name);
                    match (
                        self.typed_events.get(ty.as_str()),
                        self.typed_event_plugins.get(ty.as_str()),
                    ) {
                        (Some(name), Some(plugin)) => {
                            Resolved::Str(format!("plugin:{plugin}:{name}"))
                        }
                        (Some(name), None) => Resolved::Str((*name).to_owned()),
                        (None, _) => Resolved::Unknown,
                    }
                }
                _ => Resolved::Unknown,
            },
            KeyExpr::Type {
                name,
                variant,
                args,
                ..
            } => {
                let name = self.alias_target(name);
                let mut key = match variant {
                    // `Event::Saved(s)` of `enum Event { Saved(Saved) }` is a `Saved`.
                    Some(variant) if self.wraps(&name, variant) => self.alias_target(variant),
                    Some(variant) => format!("{name}::{variant}"),
                    None => name,
                };
                // `Pointer<Click>`: each type argument spelled as a key of its own.
                if !args.is_empty() {
                    let mut spelled = Vec::with_capacity(args.len());
                    for arg in args {
                        match self.resolve_at(file, arg, depth + 1, calls) {
                            Resolved::Type(arg) => spelled.push(arg),
                            _ => return Resolved::Unknown,
                        }
                    }
                    key = format!("{key}<{}>", spelled.join(", "));
                }
                Resolved::Type(key)
            }
            KeyExpr::VariantField { name, variant, .. } => {
                if self.wraps(&self.alias_target(name), variant) {
                    Resolved::Type(self.alias_target(variant))
                } else {
                    Resolved::Unknown
                }
            }
            KeyExpr::Wrapper { inner, ty } => {
                match self.resolve_at(file, inner, depth + 1, calls) {
                    found @ (Resolved::Str(_)
                    | Resolved::Pattern(_)
                    | Resolved::Param(_)
                    | Resolved::Any(_)) => found,
                    _ => self.resolve_at(file, ty, depth + 1, calls),
                }
            }
            KeyExpr::Constructor { inner, ty } => {
                let wrapper = matches!(&**ty, KeyExpr::Type { name, variant: None, .. }
                    if self.is_wrapper_type(&self.alias_target(name)));
                if wrapper {
                    if let found @ (Resolved::Str(_)
                    | Resolved::Pattern(_)
                    | Resolved::Param(_)
                    | Resolved::Any(_)) = self.resolve_at(file, inner, depth + 1, calls)
                    {
                        return found;
                    }
                }
                self.resolve_at(file, ty, depth + 1, calls)
            }
            KeyExpr::Const { segments, scope } => {
                let candidates = self.candidates(file, scope, segments);
                match self.lookup(candidates, &|path| self.consts.get(path).copied()) {
                    Some((at, value)) => self.resolve_at(at, value, depth + 1, calls),
                    None => match self.assoc_const(scope, segments) {
                        Some((at, value)) => self.resolve_at(at, value, depth + 1, calls),
                        None => Resolved::Unknown,
                    },
                }
            }
            KeyExpr::Call { callee, scope } if calls => {
                self.call_key(file, scope, callee, None, depth)
            }
            KeyExpr::Call { .. } => Resolved::Unknown,
            // A tuple is no key; the element a tuple pattern binds may be.
            KeyExpr::Tuple(_) => Resolved::Unknown,
            KeyExpr::Element { of, index } => match &**of {
                KeyExpr::Call { callee, scope } if calls => {
                    self.call_key(file, scope, callee, Some(*index), depth)
                }
                of => match element(of, *index) {
                    Some(element) => self.resolve_at(file, &element, depth + 1, calls),
                    None => Resolved::Unknown,
                },
            },
            KeyExpr::Branches(branches) => {
                let mut keys = branches
                    .iter()
                    .map(|branch| self.resolve_at(file, branch, depth + 1, calls));
                let first = keys.next().unwrap_or(Resolved::Unknown);
                if matches!(first, Resolved::Param(_) | Resolved::TypeParam(_))
                    || !keys.all(|other| other == first)
                {
                    Resolved::Unknown
                } else {
                    first
                }
            }
        }
    }

    /// The key of a call of a function of the tree (key form 7), or with `element` of the
    /// tuple it returns: what every function the call may reach returns, when they agree.
    /// Within one function, branches that return different keys make the call a site of
    /// each ([`Resolved::Any`]).
    fn call_key(
        &self,
        file: usize,
        scope: &Scope,
        callee: &Callee,
        element_of: Option<usize>,
        depth: usize,
    ) -> Resolved {
        let mut found = self
            .returned(file, scope, callee)
            .into_iter()
            .map(|(at, returns)| {
                let projected;
                let returns = match element_of {
                    None => returns,
                    Some(index) => match element(returns, index) {
                        Some(found) => {
                            projected = found;
                            &projected
                        }
                        None => return Resolved::Unknown,
                    },
                };
                let key = match returns {
                    KeyExpr::Branches(branches) => any_of(
                        branches
                            .iter()
                            .map(|branch| self.resolve_at(at, branch, depth + 1, false)),
                    ),
                    returns => self.resolve_at(at, returns, depth + 1, false),
                };
                match key {
                    // A parameter of the callee is not followed further.
                    Resolved::Param(_) | Resolved::TypeParam(_) => Resolved::Unknown,
                    key => key,
                }
            });
        let first = found.next().unwrap_or(Resolved::Unknown);
        if found.all(|other| other == first) {
            first
        } else {
            Resolved::Unknown
        }
    }

    /// Whether variant `variant` of enum `name` wraps the type of its own name.
    fn wraps(&self, name: &str, variant: &str) -> bool {
        self.wrapped_variants.contains(&(name, variant))
    }

    /// Whether a type is an event wrapper: named like one, or defined with a key field.
    pub fn is_wrapper_type(&self, name: &str) -> bool {
        WRAPPER_TYPES.contains(&name) || self.wrapper_types.contains(name)
    }

    /// `Type::NAME` (or `Self::NAME`) as an associated const of `Type`'s impl blocks,
    /// wherever they are; only when all of them agree on the value.
    fn assoc_const(&self, scope: &Scope, segments: &[String]) -> Option<(usize, &'a KeyExpr)> {
        let [.., owner, name] = segments else {
            return None;
        };
        let owner = match owner.as_str() {
            "Self" => scope.self_type.as_deref()?.to_owned(),
            owner => self.alias_target(owner),
        };
        let found = self.assoc_consts.get(&(owner.as_str(), name.as_str()))?;
        let first = found.first()?;
        found
            .iter()
            .all(|(_, value)| *value == first.1)
            .then_some(*first)
    }

    /// The keys returned by the functions a call may reach in the caller's own crate
    /// (key form 7: not across crates).
    pub fn returned(
        &self,
        file: usize,
        scope: &Scope,
        callee: &Callee,
    ) -> Vec<(usize, &'a KeyExpr)> {
        let crate_name = &self.files[file].crate_name;
        let mut out = Vec::new();
        for (at, function) in self.callees(file, scope, callee) {
            let facts = &self.files[at];
            if &facts.crate_name != crate_name {
                continue;
            }
            match &facts.functions[function].returns {
                Some(returns) => out.push((at, &**returns)),
                None => return Vec::new(),
            }
        }
        out
    }

    /// A type alias's final target, when the name has exactly one.
    pub fn alias_target(&self, name: &str) -> String {
        let mut current = name;
        for _ in 0..MAX_DEPTH {
            match self.aliases.get(current) {
                Some(targets) if targets.len() == 1 => {
                    let next = targets.iter().next().copied().unwrap_or(current);
                    if next == current {
                        break;
                    }
                    current = next;
                }
                _ => break,
            }
        }
        current.to_owned()
    }

    /// The functions a call may reach: a method of the caller's own type first, else the
    /// only method of that name in the tree; a path through imports; `Type::f` and
    /// `Self::f` by type name. Ambiguous or unknown names resolve to nothing.
    pub fn callees(
        &self,
        file: usize,
        scope: &Scope,
        callee: &crate::extract::Callee,
    ) -> Vec<FnId> {
        use crate::extract::Callee;
        match callee {
            Callee::Method { name, .. } => {
                if STD_METHODS.contains(&name.as_str()) {
                    return Vec::new();
                }
                if let Some(owner) = &scope.self_type {
                    if let Some(found) = self.methods.get(&(&**owner, name.as_str())) {
                        return self.nearest(file, found);
                    }
                }
                match self.methods_by_name.get(name.as_str()) {
                    Some(found) if found.len() == 1 => found.clone(),
                    _ => Vec::new(),
                }
            }
            Callee::Path(segments) => self.fn_path(file, scope, segments),
        }
    }

    /// Whether the tree defines a function or method of that name.
    pub fn defines_fn(&self, name: &str) -> bool {
        self.methods_by_name.contains_key(name)
            || self
                .free_fns
                .keys()
                .any(|path| path.last().is_some_and(|last| last == name))
    }

    /// Whether a call `name(..)` with `Some(..)`/`None` at `options` is one of the tree's own
    /// methods of that name that takes a byte buffer (a parameter whose type mentions `u8`,
    /// `Bytes` or `BytesMut`) at argument `index`: the tree defines such methods, each
    /// takes an `Option` where the call passes one, and a byte buffer at `index`. Such a
    /// call is the tree's own wrapper (`Publisher::publish(&self, data: Vec<u8>,
    /// destination: Option<&str>)` called as `publish(data, Some(&subject))`), whose
    /// argument there is a payload, never a key; a client's `publish(subject, payload)`
    /// takes no `Option`.
    pub fn takes_bytes(&self, name: &str, index: usize, options: &[usize]) -> bool {
        let mentions = |types: Option<&Vec<String>>, wanted: &[&str]| {
            types.is_some_and(|types| types.iter().any(|ty| wanted.contains(&ty.as_str())))
        };
        !options.is_empty()
            && self.methods_by_name.get(name).is_some_and(|ids| {
                !ids.is_empty()
                    && ids.iter().all(|&(file, function)| {
                        let types = &self.files[file].functions[function].param_types;
                        mentions(types.get(index), &["u8", "Bytes", "BytesMut"])
                            && options
                                .iter()
                                .all(|&at| mentions(types.get(at), &["Option"]))
                    })
            })
    }

    /// Whether a field of the enclosing impl's struct (`self.flow`) has a type of the
    /// tree's with a method of that name (`Flow::publish`).
    pub fn field_has_method(&self, scope: &Scope, field: &str, name: &str) -> bool {
        let Some(owner) = scope.self_type.as_deref() else {
            return false;
        };
        self.files
            .iter()
            .flat_map(|file| &file.structs)
            .filter(|fact| fact.name == owner)
            .flat_map(|fact| &fact.fields)
            .filter(|fact| fact.name == field)
            .flat_map(|fact| &fact.types)
            .any(|ty| self.has_method(ty, name))
    }

    /// Whether one of the files defines a type of this name (struct, enum, union, alias).
    pub fn defines_type(&self, name: &str) -> bool {
        self.defined_types.contains(name)
    }

    /// Whether every method of the tree named `name` takes, at `index`, a value of one of
    /// the tree's own types (`fn publish(&self, state: &StateHandle, client: &HassClient)`):
    /// a call of it passes no topic there, so with a key that says nothing by itself it is
    /// the tree's own method, not a client's `publish(subject, ..)`.
    pub fn takes_own_type(&self, name: &str, index: usize) -> bool {
        self.methods_by_name.get(name).is_some_and(|ids| {
            !ids.is_empty()
                && ids.iter().all(|&(file, function)| {
                    self.files[file].functions[function]
                        .param_types
                        .get(index)
                        .is_some_and(|types| {
                            types
                                .iter()
                                .any(|ty| self.defined_types.contains(ty.as_str()))
                        })
                })
        })
    }

    /// Whether a type has a method or associated function of that name.
    pub fn has_method(&self, owner: &str, name: &str) -> bool {
        self.methods.contains_key(&(owner, name))
    }

    /// Functions named by a path written in `scope`.
    pub fn fn_path(&self, file: usize, scope: &Scope, segments: &[String]) -> Vec<FnId> {
        let (Some(name), Some(owner)) = (
            segments.last(),
            segments.len().checked_sub(2).map(|i| &segments[i]),
        ) else {
            return self.free_fn(file, scope, segments);
        };
        let owner = if owner == "Self" {
            match &scope.self_type {
                Some(ty) => ty.to_string(),
                None => return Vec::new(),
            }
        } else if STD_TYPES.contains(&owner.as_str()) {
            return Vec::new();
        } else if owner.starts_with(|c: char| c.is_uppercase()) {
            self.alias_target(owner)
        } else {
            return self.free_fn(file, scope, segments);
        };
        match self.methods.get(&(owner.as_str(), name.as_str())) {
            Some(found) => self.nearest(file, found),
            None => Vec::new(),
        }
    }

    /// Of the methods a type name may mean, those of the caller's own crate if it defines
    /// any (two crates may each have a `Handler`), and of those the caller's own file if it
    /// defines any.
    fn nearest(&self, file: usize, found: &[FnId]) -> Vec<FnId> {
        let crate_name = &self.files[file].crate_name;
        let same_crate: Vec<FnId> = found
            .iter()
            .copied()
            .filter(|(at, _)| &self.files[*at].crate_name == crate_name)
            .collect();
        let pool = if same_crate.is_empty() {
            found.to_vec()
        } else {
            same_crate
        };
        let same_file: Vec<FnId> = pool.iter().copied().filter(|(at, _)| *at == file).collect();
        if same_file.is_empty() {
            pool
        } else {
            same_file
        }
    }

    fn free_fn(&self, file: usize, scope: &Scope, segments: &[String]) -> Vec<FnId> {
        let candidates = self.candidates(file, scope, segments);
        self.lookup(candidates, &|path| self.free_fns.get(path).cloned())
            .unwrap_or_default()
    }

    /// The absolute paths a path written in `scope` may stand for, most likely first.
    pub fn candidates(&self, file: usize, scope: &Scope, segments: &[String]) -> Vec<Vec<String>> {
        let facts = &self.files[file];
        let Some(module) = facts.modules.get(scope.module) else {
            return Vec::new();
        };
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let join =
            |a: &[String], b: &[String]| -> Vec<String> { a.iter().chain(b).cloned().collect() };
        match first.as_str() {
            "crate" | "self" | "super" => {
                vec![absolutize(
                    segments.to_vec(),
                    &module.path,
                    &facts.crate_name,
                )]
            }
            "Self" => match &scope.self_type {
                Some(ty) => {
                    let mut path = module.path.clone();
                    path.push(ty.to_string());
                    vec![join(&path, &segments[1..])]
                }
                None => Vec::new(),
            },
            _ => {
                let mut out = Vec::new();
                if let Some(target) = module.uses.get(first) {
                    let imported = join(target, &segments[1..]);
                    out.push(join(&module.path, &imported));
                    out.push(imported);
                } else {
                    out.push(join(&module.path, segments));
                    out.push(segments.to_vec());
                    for glob in &module.globs {
                        out.push(join(glob, segments));
                        out.push(join(&join(&module.path, glob), segments));
                    }
                }
                out
            }
        }
    }

    /// The definition at the first of `candidates` (absolute paths) that has one,
    /// following `use` re-exports and globs.
    fn lookup<T>(
        &self,
        candidates: Vec<Vec<String>>,
        get: &dyn Fn(&[String]) -> Option<T>,
    ) -> Option<T> {
        self.lookup_walking(candidates, get, &mut Walk::default())
    }

    /// [`Paths::lookup`], remembering in `walk`.
    fn lookup_walking<T>(
        &self,
        candidates: Vec<Vec<String>>,
        get: &dyn Fn(&[String]) -> Option<T>,
        walk: &mut Walk<'_>,
    ) -> Option<T> {
        candidates
            .into_iter()
            .find_map(|candidate| self.lookup_from(candidate, 0, get, walk))
    }

    /// The modules that a lookup of a const or function path written in `scope` reads and
    /// that no parsed file defines, up to the first candidate that resolves: the lazy
    /// analysis parses their files, whose re-exports (`pub use events::*;`) may hold the
    /// definition without naming it.
    pub fn missing_modules(
        &self,
        file: usize,
        scope: &Scope,
        segments: &[String],
        missing: &mut BTreeSet<Vec<String>>,
    ) {
        let mut walk = Walk {
            missing: Some(missing),
            ..Walk::default()
        };
        let found = |path: &[String]| {
            (self.consts.contains_key(path) || self.free_fns.contains_key(path)).then_some(())
        };
        self.lookup_walking(self.candidates(file, scope, segments), &found, &mut walk);
    }

    fn lookup_from<T>(
        &self,
        path: Vec<String>,
        depth: usize,
        get: &dyn Fn(&[String]) -> Option<T>,
        walk: &mut Walk<'_>,
    ) -> Option<T> {
        if depth > MAX_DEPTH {
            return None;
        }
        #[cfg(test)]
        self.tried
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(found) = get(&path) {
            return Some(found);
        }
        // Every path is tried once per lookup: glob re-exports fan out and loop (`libc`
        // re-exports its platform modules into each other), and following them without
        // remembering where we have been is exponential in the chain's length.
        if !walk.seen.insert(path.clone()) {
            return None;
        }
        let (name, module_path) = path.split_last()?;
        let Some(modules) = self.modules.get(module_path) else {
            if let Some(missing) = walk.missing.as_deref_mut() {
                if !module_path.is_empty() {
                    missing.insert(module_path.to_vec());
                }
            }
            return None;
        };
        for &(file, module_index) in modules {
            let module = &self.files[file].modules[module_index];
            if !module.uses.contains_key(name) && module.globs.is_empty() {
                continue;
            }
            let scope = Scope {
                module: module_index,
                self_type: None,
            };
            for candidate in self.candidates(file, &scope, std::slice::from_ref(name)) {
                if candidate != path {
                    if let Some(found) = self.lookup_from(candidate, depth + 1, get, walk) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }
}

/// What one lookup remembers: the paths it has tried, and, when asked, the modules it
/// needed that no parsed file defines.
#[derive(Default)]
struct Walk<'m> {
    seen: HashSet<Vec<String>>,
    missing: Option<&'m mut BTreeSet<Vec<String>>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::loose_file;
    use crate::extract::{extract_text, Callee};
    use crate::rules::{Preset, RuleSet};

    /// `libc`'s shape: platform modules that glob re-export each other. A name defined
    /// nowhere used to be chased through every order of the globs, up to `MAX_DEPTH`
    /// deep: hours on `libc` itself.
    #[test]
    fn glob_cycles_are_searched_once() {
        let modules = 12;
        let mut text = String::new();
        for i in 0..modules {
            text.push_str(&format!("pub mod m{i} {{\n"));
            for j in 0..modules {
                if j != i {
                    text.push_str(&format!("    pub use crate::m{j}::*;\n"));
                }
            }
            text.push_str("}\n");
        }
        text.push_str("use m0::*;\nfn main() { missing(); present(); }\n");
        text.push_str("pub mod m5x { pub fn present() {} }\n");
        text = text.replace(
            "pub mod m5 {\n",
            "pub mod m5 {\n    pub use crate::m5x::present;\n",
        );
        let rules = RuleSet::new(&[Preset::Generic], &[]);
        let files = [extract_text(&loose_file("src/lib.rs"), &text, &rules)];
        let refs: Vec<&FileFacts> = files.iter().collect();
        let paths = Paths::new(&refs);
        let call = |name: &str| {
            files[0]
                .calls
                .iter()
                .find(|call| matches!(&call.callee, Callee::Path(p) if p.last().is_some_and(|n| n == name)))
                .expect("the call is extracted")
        };
        let missing = call("missing");
        assert!(paths.callees(0, &missing.scope, &missing.callee).is_empty());
        // Each module's path for the name, tried a few times over: linear, not exponential.
        let tried = paths.tried.load(std::sync::atomic::Ordering::Relaxed);
        assert!(tried < 50 * modules, "{tried} paths tried");
        let present = call("present");
        assert_eq!(
            paths.callees(0, &present.scope, &present.callee).len(),
            1,
            "a name that is there is still found through the globs"
        );
    }
}
