//! A cache of file digests kept between syntheses, so that hashing function
//! assets reads only the files that changed.
//!
//! An entry is used only while the file's size, modification time, change
//! time and inode are all what they were when it was digested; any write,
//! rename or `touch` changes one of them. A file changed within the last
//! [`SETTLE`] is digested but not recorded: a second write in the same clock
//! tick could leave the times as they were (git's "racy" files). So the cache
//! can make synthesis faster but never change its output.
//!
//! Directory listings are kept the same way, under the directory's own
//! stamp: adding, removing or renaming an entry changes its times. It also
//! keeps what hashing reads of each `Cargo.toml`
//! ([`CrateManifest`]), keyed by the manifest's digest rather than by path:
//! a summary is used only for the very bytes it was read from.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::asset::Entries;
use crate::crate_manifest::CrateManifest;

/// The first line of a cache file; other files are ignored. Its number
/// changes with the format of the lines or of a [`CrateManifest`].
const HEADER: &str = "infra-digests 2";

/// The start of a line holding a manifest's summary: `manifest <digest> <json>`.
const MANIFEST: &str = "manifest ";

/// The start of a line holding a directory's entries:
/// `dir <size> <mtime> <ctime> <inode> <json [path, entries]>`.
const DIR: &str = "dir ";

/// How long a file must be unchanged before its digest is recorded.
const SETTLE: Duration = Duration::from_secs(2);

/// What identifies one version of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let (ctime_ns, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (ctime_ns, inode) = (0, 0);
        Stamp {
            size: meta.len(),
            mtime_ns: meta.modified().map_or(0, nanos),
            ctime_ns,
            inode,
        }
    }

    /// The four numbers `size mtime ctime inode` at the front of `parts`.
    fn parse<'a>(parts: &mut impl Iterator<Item = &'a str>) -> Option<Stamp> {
        Some(Stamp {
            size: parts.next()?.parse().ok()?,
            mtime_ns: parts.next()?.parse().ok()?,
            ctime_ns: parts.next()?.parse().ok()?,
            inode: parts.next()?.parse().ok()?,
        })
    }

    /// Unchanged for [`SETTLE`] as of `now`.
    fn settled(&self, now: SystemTime) -> bool {
        let limit = nanos(now) - SETTLE.as_nanos() as i128;
        self.mtime_ns < limit && self.ctime_ns < limit
    }
}

/// `size mtime ctime inode`, as [`Stamp::parse`] reads it.
impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Stamp {
            size,
            mtime_ns,
            ctime_ns,
            inode,
        } = self;
        write!(f, "{size} {mtime_ns} {ctime_ns} {inode}")
    }
}

/// What is known of files (or directories) by path: each value with the
/// stamp of the version it was taken from.
#[derive(Debug)]
struct Records<T> {
    /// As recorded by an earlier synthesis.
    known: HashMap<PathBuf, (Stamp, T)>,
    /// The entries to write: the settled ones used this time.
    used: Vec<(PathBuf, Stamp, T)>,
}

impl<T: Clone> Records<T> {
    fn new(known: HashMap<PathBuf, (Stamp, T)>) -> Records<T> {
        Records {
            known,
            used: Vec::new(),
        }
    }

    /// The value for `path`: the recorded one while the path's stamp is
    /// unchanged, else `compute`. Sets `changed` when what is to be written
    /// differs from what was recorded.
    fn get(
        &mut self,
        path: &Path,
        compute: impl FnOnce() -> io::Result<T>,
        now: SystemTime,
        changed: &mut bool,
    ) -> io::Result<T> {
        let stamp = Stamp::of(&fs::metadata(path)?);
        let value = match self.known.get(path) {
            Some((known, value)) if *known == stamp => value.clone(),
            _ => {
                *changed = true;
                compute()?
            }
        };
        if stamp.settled(now) {
            self.used.push((path.to_path_buf(), stamp, value.clone()));
        } else {
            *changed = true;
        }
        Ok(value)
    }

    /// Whether every recorded entry was used again.
    fn all_used(&self) -> bool {
        self.used.len() == self.known.len()
    }
}

/// Nanoseconds since the Unix epoch (negative before it).
fn nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// The digests of an earlier synthesis, and those of this one.
#[derive(Debug)]
pub(crate) struct DigestCache {
    file: PathBuf,
    /// File digests.
    files: Records<[u8; 32]>,
    /// Directory entries.
    dirs: Records<Entries>,
    /// Manifest digest → its summary as JSON, as recorded.
    known_manifests: HashMap<[u8; 32], String>,
    /// The summaries to write: those used or read this time.
    used_manifests: BTreeMap<[u8; 32], String>,
    /// Whether the entries to write differ from what `file` holds.
    changed: bool,
}

impl DigestCache {
    /// The cache kept in `file`; empty when it is missing or unreadable.
    pub(crate) fn load(file: PathBuf) -> DigestCache {
        let text = fs::read_to_string(&file)
            .ok()
            .filter(|text| text.lines().next() == Some(HEADER))
            .unwrap_or_default();
        let (mut known, mut known_dirs, mut known_manifests) =
            (HashMap::new(), HashMap::new(), HashMap::new());
        for line in text.lines().skip(1) {
            if let Some(entry) = line.strip_prefix(MANIFEST) {
                known_manifests.extend(parse_manifest_line(entry));
            } else if let Some(entry) = line.strip_prefix(DIR) {
                known_dirs.extend(parse_dir_line(entry));
            } else {
                known.extend(parse_line(line));
            }
        }
        DigestCache {
            file,
            files: Records::new(known),
            dirs: Records::new(known_dirs),
            known_manifests,
            used_manifests: BTreeMap::new(),
            changed: false,
        }
    }

    /// The entries of the directory `dir`: the recorded ones if the
    /// directory is unchanged since, else `read` of it.
    pub(crate) fn entries(
        &mut self,
        dir: &Path,
        read: impl FnOnce(&Path) -> io::Result<Entries>,
    ) -> io::Result<Entries> {
        self.entries_as_of(dir, read, SystemTime::now())
    }

    /// [`Self::entries`] with the clock read as `now`.
    fn entries_as_of(
        &mut self,
        dir: &Path,
        read: impl FnOnce(&Path) -> io::Result<Entries>,
        now: SystemTime,
    ) -> io::Result<Entries> {
        self.dirs.get(dir, || read(dir), now, &mut self.changed)
    }

    /// The summary recorded for the manifest whose bytes have `digest`.
    pub(crate) fn manifest(&mut self, digest: &[u8; 32]) -> Option<CrateManifest> {
        let json = self.known_manifests.get(digest)?;
        let manifest = serde_json::from_str(json).ok()?;
        self.used_manifests.insert(*digest, json.clone());
        Some(manifest)
    }

    /// Records the summary of the manifest whose bytes have `digest`.
    pub(crate) fn record_manifest(&mut self, digest: [u8; 32], manifest: &CrateManifest) {
        if let Ok(json) = serde_json::to_string(manifest) {
            self.used_manifests.insert(digest, json);
            self.changed = true;
        }
    }

    /// The digest of the file at `path`: the recorded one if the file is
    /// unchanged since, else `compute` of its bytes.
    pub(crate) fn digest(
        &mut self,
        path: &Path,
        compute: impl FnOnce(&[u8]) -> [u8; 32],
    ) -> io::Result<[u8; 32]> {
        self.digest_as_of(path, compute, SystemTime::now())
    }

    /// [`Self::digest`] with the clock read as `now`.
    fn digest_as_of(
        &mut self,
        path: &Path,
        compute: impl FnOnce(&[u8]) -> [u8; 32],
        now: SystemTime,
    ) -> io::Result<[u8; 32]> {
        let compute = || Ok(compute(&fs::read(path)?));
        self.files.get(path, compute, now, &mut self.changed)
    }

    /// Writes this synthesis's entries if they differ from the file's
    /// (atomically: a concurrent synthesis reads the old file or the new).
    pub(crate) fn save(&self) -> io::Result<()> {
        if !self.changed
            && self.files.all_used()
            && self.dirs.all_used()
            && self.used_manifests.len() == self.known_manifests.len()
        {
            return Ok(());
        }
        let mut text = format!("{HEADER}\n");
        for (path, stamp, digest) in &self.files.used {
            let digest = hex::encode(digest);
            text.push_str(&format!("{digest} {stamp} {}\n", path.display()));
        }
        for (dir, stamp, entries) in &self.dirs.used {
            if let Ok(json) = serde_json::to_string(&(dir, entries)) {
                text.push_str(&format!("{DIR}{stamp} {json}\n"));
            }
        }
        for (digest, json) in &self.used_manifests {
            text.push_str(&format!("{MANIFEST}{} {json}\n", hex::encode(digest)));
        }
        if let Some(dir) = self.file.parent() {
            fs::create_dir_all(dir)?;
        }
        let tmp = self
            .file
            .with_extension(format!("tmp{}", std::process::id()));
        fs::write(&tmp, text)?;
        fs::rename(&tmp, &self.file)
    }
}

/// One entry: `digest size mtime ctime inode path` (the path last: it may hold spaces).
fn parse_line(line: &str) -> Option<(PathBuf, (Stamp, [u8; 32]))> {
    let mut parts = line.splitn(6, ' ');
    let mut digest = [0u8; 32];
    hex::decode_to_slice(parts.next()?, &mut digest).ok()?;
    let stamp = Stamp::parse(&mut parts)?;
    Some((PathBuf::from(parts.next()?), (stamp, digest)))
}

/// One directory entry after [`DIR`]: `size mtime ctime inode json`.
fn parse_dir_line(entry: &str) -> Option<(PathBuf, (Stamp, Entries))> {
    let mut parts = entry.splitn(5, ' ');
    let stamp = Stamp::parse(&mut parts)?;
    let (dir, entries): (PathBuf, Entries) = serde_json::from_str(parts.next()?).ok()?;
    Some((dir, (stamp, entries)))
}

/// One manifest entry after [`MANIFEST`]: `digest json`.
fn parse_manifest_line(entry: &str) -> Option<([u8; 32], String)> {
    let (hex_digest, json) = entry.split_once(' ')?;
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hex_digest, &mut digest).ok()?;
    Some((digest, json.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A digest that counts its calls.
    fn counting(calls: &mut u32) -> impl FnOnce(&[u8]) -> [u8; 32] + '_ {
        move |bytes| {
            *calls += 1;
            let mut d = [0u8; 32];
            d[0] = bytes.len() as u8;
            d
        }
    }

    /// A minute from now: every file written so far is settled then.
    fn later() -> SystemTime {
        SystemTime::now() + Duration::from_secs(60)
    }

    #[test]
    fn unchanged_files_are_not_read_again_and_changed_ones_are() {
        let dir = tempfile::tempdir().unwrap();
        let (file, cache) = (dir.path().join("a b.rs"), dir.path().join("c/digests"));
        fs::write(&file, "one").unwrap();
        let mut calls = 0;

        let mut first = DigestCache::load(cache.clone());
        let d1 = first
            .digest_as_of(&file, counting(&mut calls), later())
            .unwrap();
        first.save().unwrap();
        let mut second = DigestCache::load(cache.clone());
        let d2 = second
            .digest_as_of(&file, counting(&mut calls), later())
            .unwrap();
        assert_eq!(d2, d1);
        assert_eq!(calls, 1, "the second synthesis used the recorded digest");
        assert!(!second.changed);

        fs::write(&file, "three").unwrap();
        let mut third = DigestCache::load(cache);
        let d3 = third
            .digest_as_of(&file, counting(&mut calls), later())
            .unwrap();
        assert_ne!(d3, d1);
        assert_eq!(calls, 2, "a written file is digested again");
    }

    #[test]
    fn a_file_changed_just_now_is_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let (file, cache) = (dir.path().join("a.rs"), dir.path().join("digests"));
        fs::write(&file, "fresh").unwrap();
        let mut calls = 0;
        let mut first = DigestCache::load(cache.clone());
        first.digest(&file, counting(&mut calls)).unwrap();
        first.save().unwrap();
        DigestCache::load(cache)
            .digest(&file, counting(&mut calls))
            .unwrap();
        assert_eq!(calls, 2);
    }

    #[test]
    fn unchanged_directories_are_not_read_again_and_changed_ones_are() {
        let dir = tempfile::tempdir().unwrap();
        let (tree, cache) = (dir.path().join("crate dir"), dir.path().join("digests"));
        fs::create_dir_all(tree.join("src")).unwrap();
        fs::write(tree.join("Cargo.toml"), "").unwrap();
        let mut reads = 0;
        let mut listing = |cache: &mut DigestCache| {
            let mut entries = cache
                .entries_as_of(
                    &tree,
                    |d| {
                        reads += 1;
                        crate::asset::read_entries(d)
                    },
                    later(),
                )
                .unwrap();
            entries.sort();
            entries
        };

        let mut first = DigestCache::load(cache.clone());
        let one = listing(&mut first);
        first.save().unwrap();
        assert_eq!(
            one,
            [("Cargo.toml".to_owned(), false), ("src".to_owned(), true)]
        );
        let mut second = DigestCache::load(cache.clone());
        assert_eq!(listing(&mut second), one);
        assert!(
            !second.changed,
            "the second synthesis used the recorded entries"
        );

        fs::write(tree.join("build.rs"), "").unwrap();
        let mut third = DigestCache::load(cache);
        assert_eq!(listing(&mut third).len(), 3, "a new file is listed");
        assert_eq!(reads, 2);
    }

    #[test]
    fn manifest_summaries_are_kept_by_the_digest_of_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("digests");
        let manifest = CrateManifest {
            package: Some("api".into()),
            ..CrateManifest::default()
        };
        let mut first = DigestCache::load(cache.clone());
        first.record_manifest([1; 32], &manifest);
        first.save().unwrap();
        let mut second = DigestCache::load(cache.clone());
        assert_eq!(second.manifest(&[1; 32]), Some(manifest));
        assert_eq!(second.manifest(&[2; 32]), None);
        second.save().unwrap();
        assert_eq!(DigestCache::load(cache).known_manifests.len(), 1);
    }

    #[test]
    fn a_corrupt_or_foreign_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("digests");
        fs::write(&cache, "something else\nzz 1 2 3 4 /x\n").unwrap();
        assert!(DigestCache::load(cache.clone()).files.known.is_empty());
        fs::write(&cache, format!("{HEADER}\nzz 1 2 3 4 /x\n")).unwrap();
        assert!(DigestCache::load(cache).files.known.is_empty());
    }
}
