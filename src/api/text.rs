//! [`Text`]: a string field of the service's lists, stored once per distinct value within an
//! answer.
//!
//! A 10,000-shard scatter sends the same parent id, runtime, status and meta 10,000 times,
//! and a page of runs repeats its project, group, application and environment ids. The
//! dashboard keeps such answers for as long as they are on screen, so while an answer is
//! read ([`sharing`]) equal strings become one shared allocation instead of one each. A
//! refresh can share the strings of the answer it replaces too ([`Held`], [`sharing_in`]).

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;

use arcstr::ArcStr;

use serde::de::{MapAccess, SeqAccess};
use serde::{Serialize, Serializer};

use super::lenient::Lenient;
use super::types::RunMetadata;

/// An immutable string that clones by reference count. Reads like `&str` (it derefs to
/// one), compares with `str`, and serializes as a JSON string.
///
/// Held as an `ArcStr`: one pointer wide (an `Arc<str>` is two), with the length and the
/// count beside the bytes, so a call's sixteen string fields take half the room in every
/// node of a 20,000-call tree, and `Option<Text>` is no wider.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(ArcStr);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

thread_local! {
    /// The distinct strings of the answer being read on this thread, if one is.
    static POOL: RefCell<Option<HashSet<ArcStr>>> = const { RefCell::new(None) };
}

/// Runs `read` with equal [`Text`] values sharing one allocation. Nested calls share the
/// outer pool; the pool is dropped when the outermost call returns, so nothing outlives
/// the answer but the values themselves.
pub fn sharing<T>(read: impl FnOnce() -> T) -> T {
    let outer = POOL.with(|p| p.borrow().is_some());
    if outer {
        return read();
    }
    POOL.with(|p| *p.borrow_mut() = Some(HashSet::new()));
    // Cleared even if `read` unwinds, so a later answer never sees this one's strings.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            POOL.with(|p| *p.borrow_mut() = None);
        }
    }
    let _clear = Clear;
    read()
}

/// The distinct strings of an answer while it is read.
pub type Pool = HashSet<ArcStr>;

/// Strings the caller holds from the last answer to a request (a call tree's, at one path),
/// for the next answer to it to share: what did not change between the two (a scatter's
/// ids, commands and paths) is then the allocation already held, not a second copy.
/// Gathered where they are held, as clones of the values; hashed into a [`Pool`] only while
/// the next answer is read, and dropped with it, so nothing is kept between refreshes.
#[derive(Debug, Clone, Default)]
pub struct Held(Vec<Text>);

impl Held {
    /// The strings of `calls`. A value that neighbouring calls share (their parent id,
    /// status, runtime) is taken once.
    pub fn of_calls<'a>(calls: impl IntoIterator<Item = &'a RunMetadata>) -> Self {
        let mut held = Vec::new();
        let mut last = [None; RunMetadata::TEXTS];
        for call in calls {
            for (t, prev) in call.texts().into_iter().zip(&mut last) {
                if let Some(t) = t
                    && !prev.is_some_and(|p: &Text| ArcStr::ptr_eq(&p.0, &t.0))
                {
                    held.push(t.clone());
                }
                *prev = t;
            }
        }
        held.shrink_to_fit();
        Self(held)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pool an answer is read with.
    pub fn into_pool(self) -> Pool {
        self.0.into_iter().map(|t| t.0).collect()
    }
}

/// Runs `read` with equal [`Text`] values sharing one allocation, as [`sharing`] does, the
/// pool being `pool`: an answer read in pieces (as it arrives) shares strings across its
/// pieces, and with the strings `pool` started with ([`Held::into_pool`]).
pub fn sharing_in<T>(pool: &mut Pool, read: impl FnOnce() -> T) -> T {
    if POOL.with(|p| p.borrow().is_some()) {
        return read();
    }
    POOL.with(|p| *p.borrow_mut() = Some(std::mem::take(pool)));
    struct Back<'a>(&'a mut Pool);
    impl Drop for Back<'_> {
        fn drop(&mut self) {
            *self.0 = POOL.with(|p| p.borrow_mut().take()).unwrap_or_default();
        }
    }
    let _back = Back(pool);
    read()
}

pub(crate) fn intern(s: &str) -> Text {
    POOL.with(|p| match p.borrow_mut().as_mut() {
        Some(pool) => match pool.get(s) {
            Some(shared) => Text(shared.clone()),
            None => {
                let shared = ArcStr::from(s);
                pool.insert(shared.clone());
                Text(shared)
            }
        },
        None => Text(ArcStr::from(s)),
    })
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(ArcStr::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(ArcStr::from(s))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.0.to_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Whatever a `String` field would read, shared.
impl Lenient for Text {
    fn from_str(s: &str) -> Option<Self> {
        Some(intern(s))
    }
    fn from_i64(n: i64) -> Option<Self> {
        String::from_i64(n).map(|s| intern(&s))
    }
    fn from_u64(n: u64) -> Option<Self> {
        String::from_u64(n).map(|s| intern(&s))
    }
    fn from_f64(n: f64) -> Option<Self> {
        String::from_f64(n).map(|s| intern(&s))
    }
    fn from_bool(b: bool) -> Option<Self> {
        String::from_bool(b).map(|s| intern(&s))
    }
    fn from_object<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Ok(String::from_object(map)?.map(|s| intern(&s)))
    }
    fn from_array<'de, A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        Ok(String::from_array(seq)?.map(|s| intern(&s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::GetRunCallsResponse;

    const SHARDS: &str = r#"{"Calls": [
        {"RunId": "a-1", "ParentId": "a", "Status": "RUNNING", "Runtime": "{\"cpu\":4}"},
        {"RunId": "a-2", "ParentId": "a", "Status": "RUNNING", "Runtime": "{\"cpu\":4}"}]}"#;

    fn calls() -> Vec<crate::api::types::RunMetadata> {
        let r: GetRunCallsResponse = serde_json::from_str(SHARDS).expect("reads");
        r.calls.expect("calls")
    }

    #[test]
    fn equal_strings_of_one_answer_share_one_allocation() {
        let c = sharing(calls);
        let shared = |a: &Option<Text>, b: &Option<Text>| match (a, b) {
            (Some(a), Some(b)) => ArcStr::ptr_eq(&a.0, &b.0),
            _ => panic!("present"),
        };
        assert!(shared(&c[0].parent_id, &c[1].parent_id));
        assert!(shared(&c[0].status, &c[1].status));
        assert!(shared(&c[0].runtime, &c[1].runtime));
        assert!(!shared(&c[0].run_id, &c[1].run_id));
        assert_eq!(c[1].run_id.as_deref(), Some("a-2"));
        assert_eq!(c[0].runtime.as_deref(), Some(r#"{"cpu":4}"#));
    }

    #[test]
    fn outside_an_answer_nothing_is_pooled_or_kept() {
        let c = calls();
        assert!(!ArcStr::ptr_eq(
            &c[0].parent_id.clone().expect("a").0,
            &c[1].parent_id.clone().expect("a").0
        ));
        // The pool of one answer is gone once it is read, even if reading panicked.
        let _ = std::panic::catch_unwind(|| sharing(|| panic!("a broken reader")));
        assert!(POOL.with(|p| p.borrow().is_none()));
        let a = sharing(calls);
        let b = sharing(calls);
        assert!(!ArcStr::ptr_eq(
            &a[0].parent_id.clone().expect("a").0,
            &b[0].parent_id.clone().expect("a").0
        ));
    }

    #[test]
    fn a_later_answer_shares_the_strings_the_earlier_one_left() {
        let first = sharing(calls);
        let held = Held::of_calls(&first);
        // a-1, a-2, and once each what the two calls share: a, RUNNING, {"cpu":4}.
        assert_eq!(held.len(), 5);
        let mut pool = held.into_pool();
        let second = sharing_in(&mut pool, calls);
        let id = |c: &crate::api::types::RunMetadata| c.run_id.clone().expect("an id").0;
        let parent = |c: &crate::api::types::RunMetadata| c.parent_id.clone().expect("a").0;
        assert!(ArcStr::ptr_eq(&id(&first[1]), &id(&second[1])));
        assert!(ArcStr::ptr_eq(&parent(&first[0]), &parent(&second[1])));
        assert!(
            pool.contains("a-2"),
            "the pool is handed back with the answer's strings"
        );
        drop(pool);
        drop(first);
        assert_eq!(
            ArcStr::strong_count(&id(&second[1])),
            Some(2),
            "only the answer holds it"
        );
        assert!(POOL.with(|p| p.borrow().is_none()));
        assert!(Held::of_calls(&[]).is_empty());
    }

    #[test]
    fn reads_and_writes_like_a_string() {
        let t = Text::from("RUNNING");
        assert!(t == "RUNNING" && t.starts_with("RUN") && t.len() == 7);
        assert_eq!(format!("{t} {t:?}"), "RUNNING \"RUNNING\"");
        assert_eq!(serde_json::to_string(&t).expect("json"), "\"RUNNING\"");
        assert_eq!(String::from(t), "RUNNING");
    }
}
