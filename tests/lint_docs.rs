//! `docs/lints/` holds one page per lint, generated from the lints' own docs; this test
//! fails when a page drifts from its lint. Regenerate with `CHOREO_BLESS=1 cargo test
//! --test lint_docs`.

use std::path::Path;

use choreo::lints::LINTS;

#[test]
fn every_lint_has_an_up_to_date_page() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lints");
    let bless = std::env::var_os("CHOREO_BLESS").is_some();
    let mut stale = Vec::new();
    for lint in LINTS {
        let path = dir.join(format!("{}.md", lint.name));
        let want = lint.page();
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    let mut index = String::from("# Lints\n\n| lint | default | what it flags |\n|---|---|---|\n");
    for lint in LINTS {
        index.push_str(&format!(
            "| [`{0}`]({0}.md) | {1} | {2} |\n",
            lint.name, lint.default_level, lint.summary
        ));
    }
    let index_path = dir.join("README.md");
    if std::fs::read_to_string(&index_path).ok().as_deref() != Some(index.as_str()) {
        if bless {
            std::fs::write(&index_path, &index).unwrap();
        } else {
            stale.push(index_path.display().to_string());
        }
    }
    // No page for a lint that no longer exists.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let known =
            name == "README.md" || LINTS.iter().any(|lint| format!("{}.md", lint.name) == name);
        assert!(known, "docs/lints/{name} documents no lint; delete it");
    }
    assert!(
        stale.is_empty(),
        "lint docs drifted; run `CHOREO_BLESS=1 cargo test --test lint_docs`: {stale:?}"
    );
}
