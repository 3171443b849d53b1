//! Field names as records receive them: the text of a Python `str` and whether it names an
//! attribute of the record classes themselves, remembered per `str` object.
//!
//! On the abi3 build for Python 3.9, reading a `str`'s text copies it twice (a `bytes`
//! object, then a Rust `String`), which cost more than the rest of a cached attribute
//! read. The names code reads (`record.first_name`) are the same interned objects on every
//! call, so each is read once and kept here: up to [`KEPT_NAMES`] names of at most
//! [`KEPT_NAME_BYTES`] bytes. A kept name's `str` is held, so its address cannot be reused
//! by another object. When the cache is full it is emptied and fills again with the names
//! in use: names built at run time (f-strings, keys from data) cannot shut out the names
//! of the code for good, nor make the cache grow.

use super::Record;
use crate::models::Kind;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::sync::{Arc, OnceLock, RwLock};

/// How many names are kept at most (a bounded cache: names built at run time, such as
/// item keys from data, cannot make it grow without end).
const KEPT_NAMES: usize = 4096;
/// Longer names are not kept.
const KEPT_NAME_BYTES: usize = 128;

/// FNV-1a: a few instructions for the short keys hashed on every attribute read, where
/// SipHash cost more than the rest of the lookup (neither table is filled by a peer).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvBuild = BuildHasherDefault<Fnv>;

/// For maps keyed by an object's address: a multiply and a shift (addresses are distinct,
/// 16-byte aligned, and chosen by the allocator, not by a peer).
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = ((n as u64) >> 4)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(32);
    }
}

type AddressBuild = BuildHasherDefault<AddressHasher>;

/// The attribute names of the record classes themselves (methods, dunders): they always
/// win over a JSON key of the same name, which stays reachable as an item.
static CLASS_NAMES: OnceLock<HashSet<String, FnvBuild>> = OnceLock::new();

/// Whether `name` is an attribute of the record classes (every dunder counts).
pub(crate) fn is_class_attribute(py: Python<'_>, name: &str) -> PyResult<bool> {
    if name.starts_with("__") {
        return Ok(true);
    }
    if let Some(names) = CLASS_NAMES.get() {
        return Ok(names.contains(name));
    }
    let dir = py
        .import("builtins")?
        .getattr("dir")?
        .call1((py.get_type::<Record>(),))?;
    let names: HashSet<String, FnvBuild> = dir.extract::<Vec<String>>()?.into_iter().collect();
    let found = names.contains(name);
    let _ = CLASS_NAMES.set(names);
    Ok(found)
}

/// A name's text and whether it is a class attribute.
pub(crate) struct Name<'a> {
    pub text: NameText<'a>,
    pub class_attribute: bool,
}

/// A name's text: a declared field name, shared with the cache, or read for this call.
pub(crate) enum NameText<'a> {
    Declared(&'static str),
    Kept(Arc<str>),
    Read(Cow<'a, str>),
}

impl Deref for NameText<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            NameText::Declared(t) => t,
            NameText::Kept(t) => t,
            NameText::Read(t) => t,
        }
    }
}

/// A declared field name, by the address of its interned `str`.
struct Declared {
    /// Held so that the address stays this object's (and the `str` interned).
    _name: Py<PyString>,
    text: &'static str,
    class_attribute: bool,
}

/// Every field name the record kinds declare, interned: code reading `record.first_name`
/// passes the interpreter's interned `str` for the name, this same object. Made once and
/// never changed, so it is read without a lock (the names of [`KEPT`] need one).
static DECLARED: PyOnceLock<HashMap<usize, Declared, AddressBuild>> = PyOnceLock::new();

/// Intern the declared field names (at import, so that the first read does not pay it).
pub(crate) fn intern_declared(py: Python<'_>) -> PyResult<()> {
    declared(py).map(|_| ())
}

fn declared<'py>(py: Python<'py>) -> PyResult<&'py HashMap<usize, Declared, AddressBuild>> {
    DECLARED.get_or_try_init(py, || {
        let mut map = HashMap::default();
        for kind in Kind::ALL {
            for text in kind.declared_names() {
                let name = PyString::intern(py, text);
                let class_attribute = is_class_attribute(py, text)?;
                map.entry(name.as_ptr() as usize)
                    .or_insert_with(|| Declared {
                        _name: name.unbind(),
                        text,
                        class_attribute,
                    });
            }
        }
        Ok(map)
    })
}

struct Kept {
    /// Held so that the address, the key, stays this object's.
    _name: Py<PyString>,
    text: Arc<str>,
    class_attribute: bool,
}

type KeptMap = HashMap<usize, Kept, AddressBuild>;

static KEPT: RwLock<Option<KeptMap>> = RwLock::new(None);

fn kept(name: &Bound<'_, PyString>) -> Option<Name<'static>> {
    let map = KEPT.read().ok()?;
    let k = map.as_ref()?.get(&(name.as_ptr() as usize))?;
    Some(Name {
        text: NameText::Kept(Arc::clone(&k.text)),
        class_attribute: k.class_attribute,
    })
}

/// Keep `name` (an exact `str`); empties the cache first when it is full. The names
/// dropped are handed back, to be released once the lock is let go (dropping a `str`
/// could in principle run code that reads a name).
fn keep(name: &Bound<'_, PyString>, text: &str, class_attribute: bool) -> Option<KeptMap> {
    let mut guard = KEPT.write().ok()?;
    let map = guard.get_or_insert_with(HashMap::default);
    let dropped = (map.len() >= KEPT_NAMES).then(|| std::mem::take(map));
    map.entry(name.as_ptr() as usize).or_insert_with(|| Kept {
        _name: name.clone().unbind(),
        text: Arc::from(text),
        class_attribute,
    });
    dropped
}

/// The text of `name` and whether it names a class attribute; `None` when it holds a lone
/// surrogate (no field has such a name).
pub(crate) fn name_of<'a>(
    py: Python<'_>,
    name: &'a Bound<'_, PyString>,
) -> PyResult<Option<Name<'a>>> {
    // Only exact `str` objects are kept: a subclass's text could change with its state.
    let exact = name.is_exact_instance_of::<PyString>();
    if exact {
        if let Some(d) = declared(py)?.get(&(name.as_ptr() as usize)) {
            return Ok(Some(Name {
                text: NameText::Declared(d.text),
                class_attribute: d.class_attribute,
            }));
        }
        if let Some(found) = kept(name) {
            return Ok(Some(found));
        }
    }
    let Ok(text) = name.to_cow() else {
        return Ok(None);
    };
    let class_attribute = is_class_attribute(py, &text)?;
    if exact && text.len() <= KEPT_NAME_BYTES {
        drop(keep(name, &text, class_attribute));
    }
    Ok(Some(Name {
        text: NameText::Read(text),
        class_attribute,
    }))
}

/// `name` as an exact `str` with the same text, for the keys of a record's dicts: a `str`
/// subclass could hash and compare as it likes (equal to every key, say) and so read, or
/// shadow, another field's value. A name holding a lone surrogate is returned as it is.
pub(crate) fn exact_str<'py>(name: &Bound<'py, PyString>) -> Bound<'py, PyString> {
    if name.is_exact_instance_of::<PyString>() {
        return name.clone();
    }
    match name.to_cow() {
        Ok(text) => PyString::new(name.py(), &text),
        Err(_) => name.clone(),
    }
}
