//! The base tree of `choreo diff --base REV`: the analyzed path as of a git revision,
//! written into a temporary directory from `git archive`, so the work tree (and the index)
//! is never touched. Only the `git` command is used.
//!
//! Only what the analysis of the path can read is extracted: the path's subtree (discovery
//! reads no `.gitignore` above the analyzed root), the `choreo.toml` beside a single file, and
//! a `-c FILE` that lies inside the repository. Paths inside the temporary tree relative to
//! its root are the same as in the work tree, so both reports name files alike.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why the base tree could not be had.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GitError {
    #[error("path `{}` does not exist", path.display())]
    #[diagnostic(
        code(choreo::diff::path),
        help("pass a directory or a `.rs` file of a git work tree")
    )]
    MissingPath { path: PathBuf },
    #[error("cannot run `git`: {source}")]
    #[diagnostic(
        code(choreo::diff::git),
        help("`choreo diff --base` reads the base revision with git: install git and put it on PATH, or compare two reports: `choreo diff OLD.json NEW.json`")
    )]
    NoGit { source: std::io::Error },
    #[error("`{}` is not inside a git work tree: {message}", path.display())]
    #[diagnostic(
        code(choreo::diff::not_a_work_tree),
        help("run `choreo diff --base REV` on a path inside a git clone, or compare two reports written by `choreo analyze -o FILE`: `choreo diff OLD.json NEW.json`")
    )]
    NotAWorkTree { path: PathBuf, message: String },
    #[error("unknown revision `{rev}` in the git repository at `{}`; the clone is shallow, so its history may simply not reach it", repo.display())]
    #[diagnostic(
        code(choreo::diff::unknown_revision),
        help("fetch the history first: `git fetch --unshallow` (and `git fetch origin BRANCH` for a branch), or in GitHub Actions check out with `fetch-depth: 0`")
    )]
    ShallowClone { rev: String, repo: PathBuf },
    #[error("unknown revision `{rev}` in the git repository at `{}`", repo.display())]
    #[diagnostic(
        code(choreo::diff::unknown_revision),
        help("pass a commit, branch or tag of this repository (`git log --oneline` lists commits); for a remote branch, `git fetch` it first and pass `origin/BRANCH`")
    )]
    UnknownRevision { rev: String, repo: PathBuf },
    #[error("`git {command}` failed: {message}")]
    #[diagnostic(code(choreo::diff::git))]
    Failed { command: String, message: String },
    #[error("cannot write the base tree to a temporary directory: {source}")]
    #[diagnostic(
        code(choreo::diff::temp),
        help("check that the temporary directory (TMPDIR) exists and has space")
    )]
    Temp { source: std::io::Error },
}

/// The analyzed path as of a revision, in a temporary directory that is removed on drop.
#[derive(Debug)]
pub struct BaseTree {
    /// Holds the directory for as long as the tree is used.
    _dir: tempfile::TempDir,
    /// What to analyze: the path's counterpart in the base tree. When the revision does
    /// not have the path (the change adds it), an empty directory.
    pub root: PathBuf,
    /// The counterpart of `-c FILE` when the revision has it; `None` when there was no
    /// `-c` or the file is outside the repository or not in the revision (then the head's
    /// file applies to both sides).
    pub config: Option<PathBuf>,
    /// The full commit id the revision named.
    pub commit: String,
    /// The analyzed path relative to the repository's top directory, `/`-separated, empty
    /// for the top itself: what GitHub annotations need in front of the report's paths.
    pub prefix: String,
}

/// Writes the tree of `path` as of `rev` into a temporary directory. `config` is the `-c
/// FILE` the head is analyzed with, if any.
pub fn base_tree(path: &Path, rev: &str, config: Option<&Path>) -> Result<BaseTree, GitError> {
    if !path.exists() {
        return Err(GitError::MissingPath {
            path: path.to_owned(),
        });
    }
    let is_file = path.is_file();
    let dir = if is_file {
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        }
    } else {
        path.to_owned()
    };
    let located = git(&dir, &["rev-parse", "--show-toplevel", "--show-prefix"]).map_err(
        |error| match error {
            GitError::Failed { message, .. } => GitError::NotAWorkTree {
                path: path.to_owned(),
                message,
            },
            other => other,
        },
    )?;
    let mut lines = located.lines();
    let top = PathBuf::from(lines.next().unwrap_or_default());
    let mut prefix = lines
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    if top.as_os_str().is_empty() {
        return Err(GitError::NotAWorkTree {
            path: path.to_owned(),
            message: "git names no top directory".to_owned(),
        });
    }
    if is_file {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        prefix = join(&prefix, &name);
    }

    let spec = format!("{rev}^{{commit}}");
    let commit = match git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    ) {
        Ok(commit) => commit.trim().to_owned(),
        Err(GitError::Failed { .. }) => {
            let shallow = git(&top, &["rev-parse", "--is-shallow-repository"])
                .is_ok_and(|answer| answer.trim() == "true");
            return Err(if shallow {
                GitError::ShallowClone {
                    rev: rev.to_owned(),
                    repo: top,
                }
            } else {
                GitError::UnknownRevision {
                    rev: rev.to_owned(),
                    repo: top,
                }
            });
        }
        Err(other) => return Err(other),
    };

    // What to extract: the path's subtree, the config beside a single file, the `-c` file.
    let mut wanted: Vec<String> = Vec::new();
    let has = |rel: &str| {
        rel.is_empty() || git(&top, &["cat-file", "-e", &format!("{commit}:{rel}")]).is_ok()
    };
    let root_there = has(&prefix);
    if root_there && !prefix.is_empty() {
        wanted.push(prefix.clone());
    }
    if is_file {
        let beside = join(parent_of(&prefix), "choreo.toml");
        if has(&beside) {
            wanted.push(beside);
        }
    }
    let config_rel = config.and_then(|file| relative_to(&top, file));
    let config_there = config_rel
        .as_deref()
        .filter(|rel| !rel.is_empty() && has(rel));
    if let Some(rel) = config_there {
        wanted.push(rel.to_owned());
    }

    let temp = tempfile::Builder::new()
        .prefix("choreo-base-")
        .tempdir()
        .map_err(|source| GitError::Temp { source })?;
    if prefix.is_empty() {
        // The whole tree, which holds everything else wanted.
        archive(&top, &commit, &[], temp.path())?;
    } else if !wanted.is_empty() {
        archive(&top, &commit, &wanted, temp.path())?;
    }
    let mut root = temp.path().to_owned();
    if !prefix.is_empty() {
        root.push(&prefix);
    }
    if !root_there {
        std::fs::create_dir_all(&root).map_err(|source| GitError::Temp { source })?;
    }
    let config = config_there.map(|rel| temp.path().join(rel));
    Ok(BaseTree {
        _dir: temp,
        root,
        config,
        commit,
        prefix: if is_file {
            parent_of(&prefix).to_owned()
        } else {
            prefix
        },
    })
}

/// Whether an analysis can read the file: sources, manifests and configs, `.gitignore`s
/// and JSON (a contract's schema). Images, assets and the rest of a tree are not written.
fn analysis_reads(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    name == ".gitignore"
        || path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| matches!(ext, "rs" | "toml" | "json"))
}

/// `git archive` of `paths` (the whole tree when empty) at `commit`, unpacked into `into`
/// as it streams: only the files an analysis reads ([`analysis_reads`]) and those named in
/// `paths` (a `-c` config of any name).
fn archive(top: &Path, commit: &str, paths: &[String], into: &Path) -> Result<(), GitError> {
    let mut args: Vec<&str> = vec!["archive", "--format=tar", commit, "--"];
    args.extend(paths.iter().map(String::as_str));
    let mut child = command(top, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| GitError::NoGit { source })?;
    // Drained on its own thread, so a chatty git never blocks on a full pipe.
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let unpacked = match child.stdout.take() {
        Some(stdout) => {
            // Buffered: the archive is read in 512-byte records.
            let mut tar = tar::Archive::new(std::io::BufReader::with_capacity(1 << 16, stdout));
            tar.set_preserve_permissions(false);
            tar.set_preserve_mtime(false);
            let named = |path: &Path| paths.iter().any(|p| Path::new(p) == path);
            tar.entries().and_then(|entries| {
                for entry in entries {
                    let mut entry = entry?;
                    if !entry.header().entry_type().is_file() {
                        continue;
                    }
                    let path = entry.path()?.into_owned();
                    if analysis_reads(&path) || named(&path) {
                        entry.unpack_in(into)?;
                    }
                }
                Ok(())
            })
        }
        None => Ok(()),
    };
    let status = child.wait().map_err(|source| GitError::NoGit { source })?;
    let message = stderr
        .and_then(|thread| thread.join().ok())
        .unwrap_or_default();
    if !status.success() {
        return Err(GitError::Failed {
            command: format!("archive {commit}"),
            message: first_line(&message),
        });
    }
    unpacked.map_err(|source| GitError::Temp { source })
}

/// Runs git in `dir` and returns its stdout; a non-zero exit is `Failed` with git's message.
fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = command(dir, args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| GitError::NoGit { source })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(GitError::Failed {
            command: args.join(" "),
            message: first_line(&String::from_utf8_lossy(&output.stderr)),
        })
    }
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        // Paths are passed as they are, never as glob patterns.
        .env("GIT_LITERAL_PATHSPECS", "1")
        // Never a pager or a credential prompt: choreo may run without a terminal.
        .env("GIT_PAGER", "cat")
        .env("GIT_TERMINAL_PROMPT", "0");
    command
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no message");
    line.strip_prefix("fatal: ").unwrap_or(line).to_owned()
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn parent_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `file` relative to the repository's top directory, `/`-separated, when it lies inside.
fn relative_to(top: &Path, file: &Path) -> Option<String> {
    let top = top.canonicalize().ok()?;
    let file = file.canonicalize().ok()?;
    let rel = file.strip_prefix(&top).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_an_analysis_reads_is_unpacked() {
        for kept in [
            "src/lib.rs",
            "Cargo.toml",
            "choreo.toml",
            "a/.gitignore",
            "schemas/x.json",
        ] {
            assert!(analysis_reads(Path::new(kept)), "{kept}");
        }
        for left in ["assets/hero.png", "README.md", "Cargo.lock", "web/app.css"] {
            assert!(!analysis_reads(Path::new(left)), "{left}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(join("", "a.rs"), "a.rs");
        assert_eq!(join("src", "a.rs"), "src/a.rs");
        assert_eq!(parent_of("src/a.rs"), "src");
        assert_eq!(parent_of("a.rs"), "");
        assert_eq!(
            first_line("\nfatal: not a git repository\nmore"),
            "not a git repository"
        );
    }
}
