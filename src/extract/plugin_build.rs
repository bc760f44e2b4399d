//! A Tauri plugin's build script: `tauri_plugin::Builder::new(COMMANDS).build()` in its
//! `build.rs` declares the plugin's commands, also those written in Kotlin or Swift for
//! mobile (`get_lookup_dictionary`) and the built-in `checkPermissions`, which have no
//! `#[tauri::command]` in Rust. What the front end may invoke as `plugin:NAME|..`.

use syn::visit::Visit;
use syn::{Expr, Item, Lit};

/// The command names a build script hands `tauri_plugin::Builder::new(..)`, as a slice
/// literal (`&["a", "b"]`) or a `const`/`static` of the file holding one; sorted.
pub fn declared_commands(syntax: &syn::File) -> Vec<String> {
    let mut finder = Finder { lists: Vec::new() };
    finder.visit_file(syntax);
    let mut names: Vec<String> = finder
        .lists
        .iter()
        .flat_map(|arg| {
            strings(arg)
                .or_else(|| constant(syntax, arg))
                .unwrap_or_default()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

struct Finder<'ast> {
    lists: Vec<&'ast Expr>,
}

impl<'ast> Visit<'ast> for Finder<'ast> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(func) = &*call.func {
            let segments = super::keys::segments(&func.path);
            let builder = match segments.as_slice() {
                [first, .., builder, new] => {
                    first == "tauri_plugin" && builder == "Builder" && new == "new"
                }
                _ => false,
            };
            if let (true, Some(arg)) = (builder, call.args.first()) {
                self.lists.push(arg);
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

/// The string literals of `&["a", "b"]` or `["a", "b"]`.
fn strings(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Reference(reference) => strings(&reference.expr),
        Expr::Paren(paren) => strings(&paren.expr),
        Expr::Array(array) => Some(
            array
                .elems
                .iter()
                .filter_map(|elem| match elem {
                    Expr::Lit(lit) => match &lit.lit {
                        Lit::Str(s) => Some(s.value()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The list a `const`/`static` of the file named by `expr` holds.
fn constant(syntax: &syn::File, expr: &Expr) -> Option<Vec<String>> {
    let Expr::Path(path) = expr else {
        return None;
    };
    let name = path.path.get_ident()?;
    syntax.items.iter().find_map(|item| match item {
        Item::Const(c) if c.ident == *name => strings(&c.expr),
        Item::Static(s) if s.ident == *name => strings(&s.expr),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_const_list_or_an_inline_one() {
        let file = syn::parse_file(
            "const COMMANDS: &[&str] = &[\"ping\", \"checkPermissions\"];\n\
             fn main() { tauri_plugin::Builder::new(COMMANDS).android_path(\"android\").build(); }",
        )
        .unwrap();
        assert_eq!(declared_commands(&file), vec!["checkPermissions", "ping"]);
        let inline =
            syn::parse_file("fn main() { tauri_plugin::Builder::new(&[\"b\", \"a\"]).build() }")
                .unwrap();
        assert_eq!(declared_commands(&inline), vec!["a", "b"]);
        // Another crate's builder declares nothing.
        let other =
            syn::parse_file("fn main() { cc::Builder::new(&[\"x\"]).compile(\"y\"); }").unwrap();
        assert!(declared_commands(&other).is_empty());
    }
}
