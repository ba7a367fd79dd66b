//! The configuration cache (`.eipform/config.cache`): what reading each `*.tf` file gave (its
//! blocks, with their analysed expressions, and its diagnostics), keyed by the file's name and a
//! 128-bit hash of its text. A file unchanged since the last run is decoded instead of parsed:
//! parsing with hcl-edit and reading the trees into blocks was a quarter of a no-op plan's work.
//!
//! It is only ever a shortcut, never a source of truth:
//! - a cache is read only when this very binary wrote it (the binary's version, size and
//!   modification time are in the key), its checksum holds and its format is this one; a file
//!   whose entry does not decode is parsed as if there were no entry;
//! - it is written only into a `.eipform` directory that already exists (plan and apply create
//!   one; `validate` in a fresh directory leaves no trace), only when a file had to be parsed,
//!   and atomically (a temporary file renamed over the old one), mode 0600 like the state;
//! - `EIPFORM_CONFIG_CACHE=0` turns it off.
//!
//! Spans are stored without their file name: every range read from a file is in that file.
//! [`SourceRange`] and [`Expr`] therefore (de)serialize only inside [`in_file`], which names the
//! file (and its text, which expressions share) for the entry being written or read.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use foldhash::{HashMap, HashMapExt};
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Lifecycle;
use crate::diag::SourceRange;
use crate::eval::expr::Stored;
use crate::eval::{Expr, SourceText};

/// The cache's file, in the configuration directory.
pub const CACHE_FILE: &str = ".eipform/config.cache";

/// The environment variable that turns the cache off (`0`, `off`, `false`, `no`).
pub const CACHE_ENV: &str = "EIPFORM_CONFIG_CACHE";

/// The first bytes of a cache file; the last one is the format's version.
const MAGIC: &[u8; 8] = b"eipfcfg\x01";

/// One file's entry: its name, the hash of its text and what reading it gave (a postcard
/// encoding of its events, decoded only when the file is read).
#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    name: &'a str,
    hash: u128,
    events: &'a [u8],
}

#[derive(Serialize, Deserialize)]
struct Contents<'a> {
    build: u64,
    #[serde(borrow)]
    entries: Vec<Entry<'a>>,
}

/// The cache of one configuration directory, as read at the start of a load.
pub struct Cache {
    path: PathBuf,
    build: u64,
    /// The file as read (entries point into it), when it was valid.
    bytes: Vec<u8>,
    /// Per file name: the text hash and the range of its events in `bytes`.
    entries: HashMap<String, (u128, std::ops::Range<usize>)>,
}

impl Cache {
    /// The cache of `dir`, read when valid (empty when missing or not valid). `None` when the
    /// cache is turned off or this binary cannot tell its own identity.
    pub fn open(dir: &Path) -> Option<Cache> {
        if std::env::var(CACHE_ENV).is_ok_and(|v| matches!(v.trim(), "0" | "off" | "false" | "no"))
        {
            return None;
        }
        let mut cache = Cache {
            path: dir.join(CACHE_FILE),
            build: build_id()?,
            bytes: Vec::new(),
            entries: HashMap::new(),
        };
        if let Ok(bytes) = std::fs::read(&cache.path) {
            cache.entries = index(&bytes, cache.build).unwrap_or_default();
            if !cache.entries.is_empty() {
                cache.bytes = bytes;
            }
        }
        Some(cache)
    }

    /// The stored events of file `name` when its text hashes to `hash`.
    pub fn hit(&self, name: &str, hash: u128) -> Option<&[u8]> {
        match self.entries.get(name) {
            Some((h, range)) if *h == hash => self.bytes.get(range.clone()),
            _ => None,
        }
    }

    /// Replaces the cache with `files`: (name, text hash, encoded events). Written only into an
    /// existing `.eipform` directory; a failure to write leaves the old cache (or none), which
    /// costs only a parse next time.
    pub fn store(&self, files: &[(&str, u128, &[u8])]) {
        let Some(dir) = self.path.parent().filter(|d| d.is_dir()) else {
            return;
        };
        let contents = Contents {
            build: self.build,
            entries: files
                .iter()
                .map(|(name, hash, events)| Entry {
                    name,
                    hash: *hash,
                    events,
                })
                .collect(),
        };
        let Ok(payload) = postcard::to_stdvec(&contents) else {
            return;
        };
        let write = || -> std::io::Result<()> {
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(MAGIC)?;
            tmp.write_all(&xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes())?;
            tmp.write_all(&payload)?;
            tmp.persist(&self.path).map_err(|e| e.error)?;
            Ok(())
        };
        let _ = write();
    }
}

/// The hash a file's entry is keyed by.
pub fn text_hash(text: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

/// The entries of a cache file, when it is whole, of this format and written by this build.
fn index(bytes: &[u8], build: u64) -> Option<HashMap<String, (u128, std::ops::Range<usize>)>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, payload) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*sum) != xxhash_rust::xxh3::xxh3_64(payload) {
        return None;
    }
    let contents: Contents<'_> = postcard::from_bytes(payload).ok()?;
    if contents.build != build {
        return None;
    }
    let base = bytes.as_ptr() as usize;
    let mut out = HashMap::with_capacity(contents.entries.len());
    for e in contents.entries {
        let start = e.events.as_ptr() as usize - base;
        out.insert(e.name.to_string(), (e.hash, start..start + e.events.len()));
    }
    Some(out)
}

/// Identifies the running binary: its version, size and modification time. A rebuilt binary,
/// whose types may encode differently, never reads a cache an earlier one wrote.
fn build_id() -> Option<u64> {
    static ID: OnceLock<Option<u64>> = OnceLock::new();
    *ID.get_or_init(|| {
        let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let key = format!(
            "{} {} {} {}",
            env!("CARGO_PKG_VERSION"),
            meta.len(),
            modified.as_secs(),
            modified.subsec_nanos()
        );
        Some(xxhash_rust::xxh3::xxh3_64(key.as_bytes()))
    })
}

thread_local! {
    /// The file whose entry is being written or read, and its text.
    static FILE: RefCell<Option<(Arc<str>, Arc<SourceText>)>> = const { RefCell::new(None) };
}

/// Runs `f` with `file` (whose text is `src`) as the file that ranges and expressions are
/// written from or read into.
pub fn in_file<T>(file: &Arc<str>, src: &Arc<SourceText>, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            FILE.with(|c| *c.borrow_mut() = None);
        }
    }
    FILE.with(|c| *c.borrow_mut() = Some((file.clone(), src.clone())));
    let _reset = Reset;
    f()
}

fn current() -> Option<(Arc<str>, Arc<SourceText>)> {
    FILE.with(|c| c.borrow().clone())
}

impl Serialize for SourceRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let in_file = FILE.with(|c| {
            c.borrow()
                .as_ref()
                .is_some_and(|(f, _)| Arc::ptr_eq(f, &self.file) || **f == *self.file)
        });
        if !in_file {
            return Err(S::Error::custom("a range outside the file being cached"));
        }
        (self.span.start, self.span.end).serialize(s)
    }
}

impl<'de> Deserialize<'de> for SourceRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SourceRange, D::Error> {
        let (start, end) = <(usize, usize)>::deserialize(d)?;
        let file = FILE
            .with(|c| c.borrow().as_ref().map(|(f, _)| f.clone()))
            .ok_or_else(|| D::Error::custom("a range read outside a cached file"))?;
        Ok(SourceRange {
            file,
            span: start..end,
        })
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let src = current().map(|(_, src)| src);
        match src.and_then(|src| self.stored(&src)) {
            Some(stored) => stored.serialize(s),
            None => Err(S::Error::custom(
                "an expression outside the file being cached",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Expr, D::Error> {
        let stored = Stored::deserialize(d)?;
        let (file, src) = current()
            .ok_or_else(|| D::Error::custom("an expression read outside a cached file"))?;
        Expr::restore(stored, &src, &file)
            .ok_or_else(|| D::Error::custom("an expression the file does not have"))
    }
}

/// A block's lifecycle: blocks without a `lifecycle` block share one ([`Lifecycle::none`]),
/// and read from the cache they share it again.
pub mod shared_lifecycle {
    use super::*;

    pub fn serialize<S: Serializer>(l: &Arc<Lifecycle>, s: S) -> Result<S::Ok, S::Error> {
        let shared = Arc::ptr_eq(l, &Lifecycle::none());
        (!shared).then_some(&**l).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Lifecycle>, D::Error> {
        Ok(Option::<Lifecycle>::deserialize(d)?.map_or_else(Lifecycle::none, Arc::new))
    }
}

/// A JSON value as its text (the cache's format cannot hold self-describing values).
pub mod json_text {
    use super::*;
    use serde_json::Value;

    pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        serde_json::from_str(<&str>::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// A JSON number as its text.
pub mod number_text {
    use super::*;
    use serde_json::Number;

    pub fn serialize<S: Serializer>(n: &Number, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&n.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        <&str>::deserialize(d)?.parse().map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_expressions_are_written_only_for_the_file_being_cached() {
        let file: Arc<str> = Arc::from("a.tf");
        let range = SourceRange {
            file: file.clone(),
            span: 3..9,
        };
        assert!(postcard::to_stdvec(&range).is_err(), "outside any file");
        let src = SourceText::new(Arc::from("x = 1\n"));
        let bytes = in_file(&file, &src, || postcard::to_stdvec(&range)).unwrap();
        let other: Arc<str> = Arc::from("b.tf");
        assert!(in_file(&other, &src, || postcard::to_stdvec(&range)).is_err());
        assert!(
            postcard::from_bytes::<SourceRange>(&bytes).is_err(),
            "no file to read into"
        );
        let read: SourceRange = in_file(&file, &src, || postcard::from_bytes(&bytes)).unwrap();
        assert_eq!(read, range);
    }

    #[test]
    fn a_cache_of_another_build_is_not_read() {
        let payload = postcard::to_stdvec(&Contents {
            build: 7,
            entries: vec![Entry {
                name: "a.tf",
                hash: 1,
                events: b"xyz",
            }],
        })
        .unwrap();
        let mut bytes = MAGIC.to_vec();
        bytes.extend(xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes());
        bytes.extend(&payload);
        let entries = index(&bytes, 7).unwrap();
        assert_eq!(&bytes[entries["a.tf"].1.clone()], b"xyz");
        assert!(index(&bytes, 8).is_none());
    }
}
