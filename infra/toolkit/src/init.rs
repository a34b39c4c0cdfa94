//! `infra init`: a new app that synthesizes, tests and deploys with no edits.
//!
//! The files come from `templates/init/` (embedded), with a tiny placeholder
//! scheme: `{{name}}` (the package, from the directory's name), `{{stack}}`
//! (the stack, the name in PascalCase), `{{dependencies}}` (the toolkit
//! crates, by version or by path) and `{{patch}}` (the checkout's
//! `[patch.crates-io]`, by path, or nothing). Anything else between double
//! braces is an error, so a template cannot ship a placeholder unreplaced.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Each file of a new project, by its path in the project, and its template.
const FILES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../templates/init/Cargo.toml.tpl"),
    ),
    ("src/main.rs", include_str!("../templates/init/src/main.rs")),
    ("src/lib.rs", include_str!("../templates/init/src/lib.rs")),
    (
        "tests/stack.rs",
        include_str!("../templates/init/tests/stack.rs"),
    ),
    (
        "functions/writer/Cargo.toml",
        include_str!("../templates/init/functions/writer/Cargo.toml.tpl"),
    ),
    (
        "functions/writer/src/main.rs",
        include_str!("../templates/init/functions/writer/src/main.rs"),
    ),
    ("README.md", include_str!("../templates/init/README.md.tpl")),
    (
        ".github/workflows/ci.yml",
        include_str!("../templates/init/ci.yml"),
    ),
    (".gitignore", include_str!("../templates/init/gitignore")),
];

/// The toolkit crates a new project uses: the key it names each by, the
/// crate's folder in a checkout, and its package on crates.io.
const CRATES: &[(&str, &str, &str)] = &[
    ("rcdk-toolkit", "infra/toolkit", "rcdk-toolkit"),
    ("constructs", "infra/constructs", "rcdk-constructs"),
    ("aws-constructs", "infra/aws", "rcdk-aws"),
];

/// How a new project depends on the toolkit crates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependencies {
    /// The `[workspace.dependencies]` lines of the toolkit crates.
    lines: String,
    /// A `[patch.crates-io]` section, or nothing.
    patch: String,
    /// A lock file to start from.
    lock: Option<PathBuf>,
}

impl Dependencies {
    /// By version, from crates.io.
    pub fn published() -> Dependencies {
        let mut lines = String::new();
        for (key, _, package) in CRATES {
            let _ = if key == package {
                writeln!(lines, "{key} = \"0.1\"")
            } else {
                writeln!(
                    lines,
                    "{key} = {{ package = \"{package}\", version = \"0.1\" }}"
                )
            };
        }
        Dependencies {
            lines,
            patch: String::new(),
            lock: None,
        }
    }

    /// By path, from the checkout at `checkout`, with its patches and a copy
    /// of its `Cargo.lock`: the project resolves, offline, to the versions
    /// the checkout already built (cargo drops the entries it does not use).
    pub fn from_checkout(checkout: &Path) -> Result<Dependencies> {
        let not_a_checkout = |e: Error| Error::NotACheckout {
            path: checkout.to_path_buf(),
            source: Box::new(e),
        };
        let root = checkout
            .canonicalize()
            .map_err(|e| not_a_checkout(Error::file("find", checkout)(e)))?;
        let mut lines = String::new();
        for (key, dir, _) in CRATES {
            let dir = root.join(dir);
            let package = package_name(&dir.join("Cargo.toml")).map_err(not_a_checkout)?;
            let path = toml_string(&dir)?;
            let _ = if *key == package {
                writeln!(lines, "{key} = {{ path = {path} }}")
            } else {
                writeln!(
                    lines,
                    "{key} = {{ package = \"{package}\", path = {path} }}"
                )
            };
        }
        let lock = root.join("Cargo.lock");
        Ok(Dependencies {
            lines,
            patch: patches(&root)?,
            lock: lock.is_file().then_some(lock),
        })
    }
}

/// Writes a new project into `dir` (created; refused unless empty) and
/// returns the files written, relative to `dir`.
pub fn scaffold(dir: &Path, deps: &Dependencies) -> Result<Vec<PathBuf>> {
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Error::NotEmpty {
            dir: dir.to_path_buf(),
        });
    }
    let name = package_name_for(dir)?;
    let stack = pascal_case(&name);
    let vars = [
        ("name", name.as_str()),
        ("stack", stack.as_str()),
        ("dependencies", deps.lines.trim_end()),
        ("patch", deps.patch.as_str()),
    ];
    let mut written = Vec::new();
    for (path, template) in FILES {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(Error::file("create", parent))?;
        }
        let text = render(path, template, &vars)?;
        std::fs::write(&file, text).map_err(Error::file("write", &file))?;
        written.push(PathBuf::from(path));
    }
    if let Some(lock) = &deps.lock {
        std::fs::copy(lock, dir.join("Cargo.lock")).map_err(Error::file("copy", lock))?;
        written.push(PathBuf::from("Cargo.lock"));
    }
    Ok(written)
}

/// `template` (of `file`) with each `{{key}}` of `vars` replaced; an error
/// names any other `{{word}}` left.
fn render(file: &'static str, template: &str, vars: &[(&str, &str)]) -> Result<String> {
    let mut out = template.to_owned();
    for (key, value) in vars {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    let mut rest = out.as_str();
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        if let Some(end) = after.find("}}") {
            let word = &after[..end];
            if !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(Error::Placeholder {
                    file,
                    placeholder: word.to_owned(),
                });
            }
        }
        rest = after;
    }
    Ok(out)
}

/// The package name for a project in `dir`: its folder name, lower-case,
/// with anything but letters, digits, `-` and `_` made `-`.
fn package_name_for(dir: &Path) -> Result<String> {
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::NoAppName {
            dir: dir.to_path_buf(),
        })?;
    let name: String = base
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-');
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => Ok(name.to_owned()),
        _ => Ok(format!("app-{name}").trim_end_matches('-').to_owned()),
    }
}

/// `my-app` → `MyApp`: a CloudFormation stack name.
fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `[package] name` of the manifest at `path`.
fn package_name(path: &Path) -> Result<String> {
    read_toml(path)?
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::NoPackageName {
            path: path.to_path_buf(),
        })
}

fn read_toml(path: &Path) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(Error::file("read", path))?;
    toml::from_str(&text).map_err(|e| Error::parse(path, "TOML", e))
}

/// The `[patch.crates-io]` of the workspace at `root`, paths made absolute.
fn patches(root: &Path) -> Result<String> {
    let workspace = read_toml(&root.join("Cargo.toml"))?;
    let Some(patch) = workspace
        .get("patch")
        .and_then(|p| p.get("crates-io"))
        .and_then(toml::Value::as_table)
    else {
        return Ok(String::new());
    };
    let mut out = String::from(
        "\n# The checkout's patches, so that its Cargo.lock applies as is.\n[patch.crates-io]\n",
    );
    for (name, spec) in patch {
        let mut spec = spec.clone();
        if let Some(path) = spec.get_mut("path") {
            if let Some(relative) = path.as_str() {
                *path = toml::Value::String(root.join(relative).to_string_lossy().into_owned());
            }
        }
        let _ = writeln!(out, "{name} = {spec}");
    }
    Ok(out)
}

/// `path` as a TOML string.
fn toml_string(path: &Path) -> Result<String> {
    let text = path.to_str().ok_or_else(|| Error::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    Ok(toml::Value::String(text.to_owned()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_unknown_ones_refused() {
        let vars = [("name", "shop")];
        assert_eq!(render("f", "x {{name}} y", &vars).unwrap(), "x shop y");
        assert_eq!(
            render("f", "run: echo ${{ github.ref }}", &vars).unwrap(),
            "run: echo ${{ github.ref }}",
            "GitHub expressions are not placeholders"
        );
        let err = render("src/lib.rs", "{{nmae}}", &vars).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the template of src/lib.rs has an unknown placeholder {{nmae}} (a bug in infra; please report it)"
        );
    }

    #[test]
    fn names_come_from_the_folder() {
        let name = |d: &str| package_name_for(Path::new(d)).unwrap();
        assert_eq!(name("/tmp/newapp"), "newapp");
        assert_eq!(name("/tmp/My App"), "my-app");
        assert_eq!(name("2024"), "app-2024");
        assert_eq!(pascal_case("my-app_x"), "MyAppX");
        assert_eq!(pascal_case("newapp"), "Newapp");
    }

    #[test]
    fn every_template_renders() {
        let deps = Dependencies::published();
        let vars = [
            ("name", "x"),
            ("stack", "X"),
            ("dependencies", deps.lines.as_str()),
            ("patch", ""),
        ];
        for (path, template) in FILES {
            assert!(render(path, template, &vars).is_ok(), "{path}");
        }
    }
}
