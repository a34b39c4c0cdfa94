//! File assets: code built from workspace crates, identified by a content hash.
//!
//! Synthesis never compiles. A crate asset's hash covers what the build
//! depends on: the crate's files and those of the workspace crates it depends
//! on by path, the workspace lock file, the workspace's `[profile]` settings
//! and the build settings the declaring construct names ([`CrateBuild`]; what
//! they mean, such as a Lambda architecture, is that construct library's).
//! The same sources give the same hash on every machine: paths are relative
//! and `/`-separated, files are visited in sorted order and CRLF line endings
//! count as LF.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::crate_manifest::{CrateManifest, Local};
use crate::digest_cache::DigestCache;
use crate::error::Error;
use crate::value::{sub, Value};

/// The bootstrap qualifier of the AWS CDK's default bootstrap stack.
pub const BOOTSTRAP_QUALIFIER: &str = "hnb659fds";

/// How a crate asset is built, as the construct that declares it says (such
/// as `rcdk-aws`'s Lambda functions): the framework hashes and records it, and
/// gives it no meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrateBuild<'a> {
    /// Every build setting that changes the built file (target, profile,
    /// runtime), hashed before the sources.
    pub settings: &'a str,
    /// The platform the file is built for, recorded as [`FileAsset::platform`]
    /// for the tool that builds it.
    pub platform: &'static str,
}

/// A file asset of a stack, in the cdk-assets sense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileAsset {
    /// SHA-256 of the asset's sources, 64 hex digits; also its object key stem.
    pub hash: String,
    /// Where the asset's file will be, relative to the cloud assembly directory.
    pub source_path: String,
    /// The workspace crate the asset is built from, relative to the source root
    /// (`functions/orders-api`); `None` for non-code assets such as templates.
    pub crate_dir: Option<String>,
    /// The package name of that crate (the binary cargo-lambda builds).
    pub package: Option<String>,
    /// The platform the code is built for ([`CrateBuild::platform`]); `None`
    /// for non-code assets.
    pub platform: Option<&'static str>,
}

impl FileAsset {
    /// The object key in the staging bucket.
    pub fn object_key(&self) -> String {
        let ext = Path::new(&self.source_path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("bin");
        format!("{}.{ext}", self.hash)
    }
}

/// Resource metadata key naming the asset's file, relative to the cloud
/// assembly directory (the AWS CDK's `cx-api` `ASSET_RESOURCE_METADATA_PATH_KEY`).
const ASSET_PATH_METADATA_KEY: &str = "aws:asset:path";
/// Resource metadata key saying whether that file is build output rather than
/// sources (`ASSET_RESOURCE_METADATA_IS_BUNDLED_KEY`).
const ASSET_IS_BUNDLED_METADATA_KEY: &str = "aws:asset:is-bundled";
/// Resource metadata key naming the resource property that holds the asset
/// (`ASSET_RESOURCE_METADATA_PROPERTY_KEY`).
const ASSET_PROPERTY_METADATA_KEY: &str = "aws:asset:property";

/// Where a crate asset's built file (a zip) lives once published: what a
/// resource property that takes code from S3 names (a Lambda function's
/// `Code`, for one).
#[derive(Clone, Debug)]
pub struct AssetLocation {
    /// The asset's hash.
    pub hash: String,
    /// The asset's file, relative to the cloud assembly directory (`asset.<hash>.zip`).
    pub path: String,
    /// The bootstrap staging bucket, `cdk-hnb659fds-assets-<account>-<region>`.
    pub bucket_name: Value<String>,
    /// The object key, `<hash>.zip`.
    pub object_key: Value<String>,
}

impl AssetLocation {
    /// The `Metadata` entries the AWS CDK writes on a resource whose
    /// `property` (`Code` for a Lambda function) is this asset, so that tools
    /// reading the template (SAM CLI, LocalStack's `cdklocal`) find the file.
    ///
    /// `aws:asset:is-bundled` is `true`: the file is the crate's build output
    /// (made by the tool the declaring library's [`CrateBuild`] is for), not
    /// sources to build, which is what the CDK writes for bundled assets.
    pub fn resource_metadata(&self, property: &str) -> [(&'static str, Json); 3] {
        [
            (ASSET_PATH_METADATA_KEY, Json::from(self.path.as_str())),
            (ASSET_IS_BUNDLED_METADATA_KEY, Json::Bool(true)),
            (ASSET_PROPERTY_METADATA_KEY, Json::from(property)),
        ]
    }
}

/// The bootstrap staging bucket of `account` and `region`,
/// `cdk-hnb659fds-assets-<account>-<region>` (the AWS CDK's default bootstrap).
pub fn staging_bucket_name(account: &str, region: &str) -> String {
    format!("cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{region}")
}

/// The staging bucket's name with `${AWS::AccountId}` and `${AWS::Region}`:
/// a `Fn::Sub` template, and the form asset manifests use.
pub fn staging_bucket_template() -> String {
    staging_bucket_name("${AWS::AccountId}", "${AWS::Region}")
}

/// The staging bucket name, as the AWS CDK's default synthesizer writes it.
pub(crate) fn staging_bucket() -> Value<String> {
    sub(staging_bucket_template())
}

/// What hashing function assets reads, read once per app: a workspace's
/// functions share crates and the lock file, so each file is hashed and each
/// manifest parsed once however many functions include it. Keyed by path;
/// an app is built once per synthesis (a watcher builds a new app per
/// change), so a file cannot change under it.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    manifests: HashMap<PathBuf, Rc<CrateManifest>>,
    digests: HashMap<PathBuf, [u8; 32]>,
    listings: HashMap<PathBuf, Rc<Vec<String>>>,
    /// Digests kept between syntheses ([`crate::App::set_digest_cache`]).
    pub(crate) cache: Option<DigestCache>,
}

impl Sources {
    /// What hashing reads of the `Cargo.toml` of the crate or workspace at
    /// `dir`: the cache's summary of these bytes, else parsed.
    fn manifest(&mut self, dir: &Path) -> Result<Rc<CrateManifest>, Error> {
        if let Some(m) = self.manifests.get(dir) {
            return Ok(Rc::clone(m));
        }
        let path = dir.join("Cargo.toml");
        let read_error = |source| Error::Read {
            path: path.display().to_string(),
            source,
        };
        // With a cache: the summary recorded for the manifest's digest, if any.
        let digest = match self.cache {
            Some(_) => Some(self.digest(&path).map_err(read_error)?),
            None => None,
        };
        let recorded = digest.and_then(|d| self.cache.as_mut()?.manifest(&d));
        let manifest = match recorded {
            Some(manifest) => manifest,
            None => {
                let text = fs::read_to_string(&path).map_err(read_error)?;
                let manifest = CrateManifest::parse(&text).map_err(|source| Error::Manifest {
                    path: path.display().to_string(),
                    source,
                })?;
                // Recorded under the digest of the very bytes parsed.
                if let (Some(d), Some(cache)) = (digest, &mut self.cache) {
                    if file_digest(text.as_bytes()) == d {
                        cache.record_manifest(d, &manifest);
                    }
                }
                manifest
            }
        };
        let manifest = Rc::new(manifest);
        self.manifests
            .insert(dir.to_path_buf(), Rc::clone(&manifest));
        Ok(manifest)
    }

    /// SHA-256 of a file's bytes, CRLF line endings counted as LF.
    fn digest(&mut self, path: &Path) -> std::io::Result<[u8; 32]> {
        if let Some(d) = self.digests.get(path) {
            return Ok(*d);
        }
        let digest = match &mut self.cache {
            Some(cache) => cache.digest(path, file_digest)?,
            None => file_digest(&fs::read(path)?),
        };
        self.digests.insert(path.to_path_buf(), digest);
        Ok(digest)
    }

    /// The files under `dir`, relative to it and sorted (see [`list_files`]).
    fn listing(&mut self, dir: &Path) -> std::io::Result<Rc<Vec<String>>> {
        if let Some(l) = self.listings.get(dir) {
            return Ok(Rc::clone(l));
        }
        let mut files = Vec::new();
        let cache = &mut self.cache;
        list_files(dir, dir, &mut files, &mut |d| match cache {
            Some(cache) => cache.entries(d, read_entries),
            None => read_entries(d),
        })?;
        files.sort_unstable();
        let files = Rc::new(files);
        self.listings.insert(dir.to_path_buf(), Rc::clone(&files));
        Ok(files)
    }
}

/// Hashes the crate at `crate_dir` (relative to `root`) as built with `build`.
pub(crate) fn crate_asset(
    root: &Path,
    sources: &mut Sources,
    crate_dir: &str,
    build: CrateBuild<'_>,
) -> Result<FileAsset, Error> {
    let manifest = sources.manifest(&root.join(crate_dir))?;
    let package = manifest.package.clone().ok_or_else(|| Error::NoPackage {
        crate_dir: crate_dir.to_owned(),
    })?;
    let workspace = sources.manifest(root).ok();

    let mut hasher = Sha256::new();
    hasher.update(build.settings);
    let settings = workspace.as_deref();
    if let Some(profiles) = settings.and_then(|w| w.profiles.as_ref()) {
        hasher.update(b"profiles\0");
        hasher.update(profiles);
    }
    // Features and versions declared once for the workspace, and the build's flags
    // (`.cargo/config.toml`: rustflags per target) change the binary without touching a
    // crate's own files.
    if let Some(dependencies) = settings.and_then(|w| w.workspace_dependencies.as_ref()) {
        hasher.update(b"workspace.dependencies\0");
        hasher.update(dependencies);
    }
    for file in ["Cargo.lock", ".cargo/config.toml"] {
        if let Ok(digest) = sources.digest(&root.join(file)) {
            hash_file(&mut hasher, file, &digest);
        }
    }
    for (dir, files) in source_dirs(root, sources, crate_dir, workspace.as_deref())? {
        let base = root.join(&dir);
        for rel in files.iter() {
            let digest = sources
                .digest(&base.join(rel))
                .map_err(|source| Error::Read {
                    path: format!("{dir}/{rel}"),
                    source,
                })?;
            hash_file(&mut hasher, &format!("{dir}/{rel}"), &digest);
        }
    }
    let hash = hex::encode(hasher.finalize());
    Ok(FileAsset {
        source_path: format!("asset.{hash}.zip"),
        hash,
        crate_dir: Some(crate_dir.to_owned()),
        package: Some(package),
        platform: Some(build.platform),
    })
}

/// The files of one directory, relative to it and sorted.
type Listing = Rc<Vec<String>>;

/// The crate directories a function's hash covers (the crate and its path
/// dependencies, sorted), each with its files (see [`list_files`]).
fn source_dirs(
    root: &Path,
    sources: &mut Sources,
    crate_dir: &str,
    workspace: Option<&CrateManifest>,
) -> Result<Vec<(String, Listing)>, Error> {
    let mut dirs = vec![crate_dir.to_owned()];
    collect_path_dependencies(root, sources, crate_dir, workspace, &mut dirs)?;
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let files = sources
                .listing(&root.join(&dir))
                .map_err(|source| Error::Read {
                    path: dir.clone(),
                    source,
                })?;
            Ok((dir, files))
        })
        .collect()
}

/// The files whose contents make the asset hash of the function crate at
/// `crate_dir` (relative to `root`): the workspace's `Cargo.toml` (its
/// profiles) and `Cargo.lock`, and every file of the crate and of the crates
/// it depends on by path. A change to any of them changes the hash; what
/// `infra watch` watches. Paths are relative to `root`.
pub fn function_sources(root: &Path, crate_dir: &str) -> Result<Vec<PathBuf>, Error> {
    let mut sources = Sources::default();
    let workspace = sources.manifest(root).ok();
    let mut out: Vec<PathBuf> = Vec::new();
    if workspace.is_some() {
        out.push(PathBuf::from("Cargo.toml"));
    }
    if root.join("Cargo.lock").is_file() {
        out.push(PathBuf::from("Cargo.lock"));
    }
    for (dir, files) in source_dirs(root, &mut sources, crate_dir, workspace.as_deref())? {
        out.extend(files.iter().map(|rel| Path::new(&dir).join(rel)));
    }
    Ok(out)
}

/// SHA-256 of a file's bytes, CRLF line endings counted as LF.
fn file_digest(bytes: &[u8]) -> [u8; 32] {
    if bytes.contains(&b'\r') {
        Sha256::digest(String::from_utf8_lossy(bytes).replace("\r\n", "\n")).into()
    } else {
        Sha256::digest(bytes).into()
    }
}

/// The asset of a synthesized template, hashed from its bytes.
pub(crate) fn template_asset(file_name: &str, body: &[u8]) -> FileAsset {
    FileAsset {
        hash: hex::encode(Sha256::digest(body)),
        source_path: file_name.to_owned(),
        crate_dir: None,
        package: None,
        platform: None,
    }
}

/// One file in an asset's hash: its path and the digest of its contents.
fn hash_file(hasher: &mut Sha256, rel: &str, digest: &[u8; 32]) {
    hasher.update(rel.as_bytes());
    hasher.update([0]);
    hasher.update(digest);
}

/// Adds the directories of the crates `crate_dir` depends on by path (directly
/// or through `workspace = true`), transitively, to `dirs`.
fn collect_path_dependencies(
    root: &Path,
    sources: &mut Sources,
    crate_dir: &str,
    workspace: Option<&CrateManifest>,
    dirs: &mut Vec<String>,
) -> Result<(), Error> {
    let manifest = sources.manifest(&root.join(crate_dir))?;
    for (name, local) in &manifest.dependencies {
        let dep_dir = match local {
            Local::Path(path) => normalize(&PathBuf::from(crate_dir).join(path)),
            Local::Workspace => match workspace.and_then(|w| w.workspace_path(name)) {
                Some(path) => normalize(Path::new(path)),
                None => continue,
            },
        };
        if !dirs.contains(&dep_dir) {
            dirs.push(dep_dir.clone());
            collect_path_dependencies(root, sources, &dep_dir, workspace, dirs)?;
        }
    }
    Ok(())
}

/// `a/b/../c` → `a/c`, with `/` separators.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// The entries of one directory that are files or directories: (name,
/// whether it is a directory), in the order the system gives them.
pub(crate) type Entries = Vec<(String, bool)>;

/// Reads the [`Entries`] of `dir`.
pub(crate) fn read_entries(dir: &Path) -> std::io::Result<Entries> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() || kind.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            out.push((name, kind.is_dir()));
        }
    }
    Ok(out)
}

/// Lists the files under `dir` relative to `base`, skipping `target/` and
/// hidden entries; `read` gives each directory's entries.
fn list_files(
    base: &Path,
    dir: &Path,
    out: &mut Vec<String>,
    read: &mut impl FnMut(&Path) -> std::io::Result<Entries>,
) -> std::io::Result<()> {
    for (name, is_dir) in read(dir)? {
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let path = dir.join(&name);
        if is_dir {
            list_files(base, &path, out, read)?;
        } else {
            let rel = path.strip_prefix(base).unwrap_or(&path);
            out.push(normalize(rel));
        }
    }
    Ok(())
}

/// The `Code` property value of a function deployed from `asset`.
pub(crate) fn location(asset: &FileAsset) -> AssetLocation {
    AssetLocation {
        hash: asset.hash.clone(),
        path: asset.source_path.clone(),
        bucket_name: staging_bucket(),
        object_key: Value::Literal(asset.object_key()),
    }
}

/// The ARN of the bootstrap stack's role of `kind` (`deploy`,
/// `file-publishing`, …), as an `Fn::Sub` template: the one place its name is
/// spelled.
pub(crate) fn bootstrap_role(kind: &str) -> String {
    format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/cdk-{BOOTSTRAP_QUALIFIER}-{kind}-role-${{AWS::AccountId}}-${{AWS::Region}}"
    )
}

/// The asset's entry in `<Stack>.assets.json`. A function asset's
/// `displayName` (which the CDK CLI prints while publishing) is its package
/// name, which also lets tools such as `scripts/check-assets.py` tell which
/// crate a zip must hold.
pub(crate) fn manifest_entry(asset: &FileAsset) -> Json {
    let mut entry = serde_json::json!({
        "source": { "path": asset.source_path, "packaging": "file" },
        "destinations": {
            "current_account-current_region": {
                "bucketName": staging_bucket_template(),
                "objectKey": asset.object_key(),
                "assumeRoleArn": bootstrap_role("file-publishing")
            }
        }
    });
    if let Some(package) = &asset.package {
        entry["displayName"] = Json::from(package.as_str());
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers=[\"fns/*\"]\n[workspace.dependencies]\nshared = { path = \"fns/shared\" }\n[profile.release]\nlto = true\n",
        )
        .unwrap();
        fs::write(root.join("Cargo.lock"), "# lock\n").unwrap();
        for (name, deps) in [
            ("api", "shared = { workspace = true }\nserde = \"1\""),
            ("shared", ""),
            ("other", ""),
        ] {
            fs::create_dir_all(root.join("fns").join(name).join("src")).unwrap();
            fs::write(
                root.join("fns").join(name).join("Cargo.toml"),
                format!("[package]\nname = \"{name}\"\n[dependencies]\n{deps}\n"),
            )
            .unwrap();
            fs::write(
                root.join("fns").join(name).join("src/main.rs"),
                "fn main() {}\n",
            )
            .unwrap();
        }
        dir
    }

    const ARM: CrateBuild = CrateBuild {
        settings: "arch=arm64\0",
        platform: "arm64",
    };

    fn hash(root: &Path, build: CrateBuild) -> String {
        crate_asset(root, &mut Sources::default(), "fns/api", build)
            .unwrap()
            .hash
    }

    #[test]
    fn sources_are_the_files_the_hash_covers() {
        let ws = workspace();
        let root = ws.path();
        fs::create_dir_all(root.join("fns/api/target")).unwrap();
        fs::write(root.join("fns/api/target/junk"), "x").unwrap();
        let listed: Vec<String> = function_sources(root, "fns/api")
            .unwrap()
            .iter()
            .map(|p| normalize(p))
            .collect();
        assert_eq!(
            listed,
            [
                "Cargo.toml",
                "Cargo.lock",
                "fns/api/Cargo.toml",
                "fns/api/src/main.rs",
                "fns/shared/Cargo.toml",
                "fns/shared/src/main.rs"
            ]
        );
        assert!(function_sources(root, "fns/missing").is_err());
    }

    #[test]
    fn the_digest_cache_leaves_the_hash_as_it_was() {
        let ws = workspace();
        let root = ws.path();
        let file = root.join("target/.digests");
        let cached = || {
            let mut sources = Sources {
                cache: Some(DigestCache::load(file.clone())),
                ..Sources::default()
            };
            let hash = crate_asset(root, &mut sources, "fns/api", ARM)
                .unwrap()
                .hash;
            sources.cache.unwrap().save().unwrap();
            hash
        };
        let plain = hash(root, ARM);
        assert_eq!(cached(), plain, "recording");
        assert!(fs::read_to_string(&file).unwrap().contains("\nmanifest "));
        assert_eq!(cached(), plain, "from the records");

        // A changed manifest is read again, not taken from the records.
        fs::write(
            root.join("fns/api/Cargo.toml"),
            "[package]\nname = \"api\"\n[dependencies]\nshared = { workspace = true }\nother = { path = \"../other\" }\n",
        )
        .unwrap();
        let changed = hash(root, ARM);
        assert_ne!(changed, plain);
        assert_eq!(cached(), changed);
    }

    #[test]
    fn hash_is_stable_and_covers_sources_dependencies_lock_and_settings() {
        let ws = workspace();
        let root = ws.path();
        let base = hash(root, ARM);
        assert_eq!(base.len(), 64);
        assert_eq!(base, hash(root, ARM), "same input, same hash");
        assert_ne!(
            base,
            hash(
                root,
                CrateBuild {
                    settings: "arch=x86_64\0",
                    platform: "x86_64"
                }
            ),
            "build settings count"
        );

        fs::create_dir_all(root.join("fns/api/target")).unwrap();
        fs::write(root.join("fns/api/target/junk"), "x").unwrap();
        assert_eq!(base, hash(root, ARM), "target/ is ignored");

        fs::write(root.join("fns/other/src/main.rs"), "fn main() { }\n").unwrap();
        assert_eq!(base, hash(root, ARM), "unrelated crates are ignored");

        fs::write(root.join("fns/api/src/main.rs"), "fn main() {}\r\n").unwrap();
        assert_eq!(base, hash(root, ARM), "CRLF counts as LF");

        fs::create_dir_all(root.join(".cargo")).unwrap();
        for (file, text) in [
            ("fns/shared/src/main.rs", "fn main() { 1; }\n"),
            ("Cargo.lock", "# lock 2\n"),
            (".cargo/config.toml", "[build]\nrustflags = [\"-Cdebuginfo=0\"]\n"),
            (
                "Cargo.toml",
                "[workspace]\nmembers=[\"fns/*\"]\n[workspace.dependencies]\nshared = { path = \"fns/shared\", features = [\"x\"] }\n[profile.release]\nlto = true\n",
            ),
            ("fns/api/src/main.rs", "fn main() { 2; }\n"),
        ] {
            let before = hash(root, ARM);
            fs::write(root.join(file), text).unwrap();
            assert_ne!(before, hash(root, ARM), "{file} counts");
        }
    }

    #[test]
    fn missing_crate_is_a_clear_error() {
        let ws = workspace();
        let err = crate_asset(ws.path(), &mut Sources::default(), "fns/nope", ARM).unwrap_err();
        assert!(err.to_string().contains("fns/nope/Cargo.toml"), "{err}");
    }
}
