//! How a field is read when the service sends the wrong JSON type: numbers may come as
//! strings and the other way round, a malformed element of an array is dropped, and anything
//! else unreadable becomes `None` instead of failing the whole response.
//!
//! Fields are read straight from the JSON text, each kind of value handed to the field's
//! type, so a 20 MB answer is never held as a `serde_json::Value` tree on the way.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A type a field may hold, and what each kind of JSON value becomes (by default, `None`).
pub trait Lenient: Sized {
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_string(s: String) -> Option<Self> {
        Self::from_str(&s)
    }
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_u64(n: u64) -> Option<Self> {
        i64::try_from(n).ok().and_then(Self::from_i64)
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn from_array<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// Reads a field leniently: null, or a value `T` cannot take, is `None`.
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(Field::<T>(PhantomData))
}

struct Field<T>(PhantomData<T>);

impl<'de, T: Lenient> DeserializeSeed<'de> for Field<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Lenient> Visitor<'de> for Field<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, s: &str) -> Result<Option<T>, E> {
        Ok(T::from_str(s))
    }
    fn visit_string<E>(self, s: String) -> Result<Option<T>, E> {
        Ok(T::from_string(s))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Option<T>, E> {
        Ok(T::from_i64(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Option<T>, E> {
        Ok(T::from_u64(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Option<T>, E> {
        Ok(T::from_f64(n))
    }
    fn visit_bool<E>(self, b: bool) -> Result<Option<T>, E> {
        Ok(T::from_bool(b))
    }
    fn visit_unit<E>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        T::from_object(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<T>, A::Error> {
        T::from_array(seq)
    }
}

/// A JSON number as serde_json writes it (`3`, `-1`, `2.5`).
fn number(n: impl Into<serde_json::Number>) -> String {
    n.into().to_string()
}

/// Text: a number or boolean as written, an object or array as compact JSON.
impl Lenient for String {
    fn from_str(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
    fn from_string(s: String) -> Option<Self> {
        Some(s)
    }
    fn from_i64(n: i64) -> Option<Self> {
        Some(number(n))
    }
    fn from_u64(n: u64) -> Option<Self> {
        Some(number(n))
    }
    fn from_f64(n: f64) -> Option<Self> {
        serde_json::Number::from_f64(n).map(number)
    }
    fn from_bool(b: bool) -> Option<Self> {
        Some(b.to_string())
    }
    fn from_object<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        let v: Value = serde::Deserialize::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Some(v.to_string()))
    }
    fn from_array<'de, A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        let v: Value = serde::Deserialize::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(Some(v.to_string()))
    }
}

/// A whole number: a float is cut, a string is parsed.
impl Lenient for i64 {
    fn from_str(s: &str) -> Option<Self> {
        s.trim().parse().ok()
    }
    fn from_i64(n: i64) -> Option<Self> {
        Some(n)
    }
    fn from_u64(n: u64) -> Option<Self> {
        Some(i64::try_from(n).unwrap_or(i64::MAX))
    }
    fn from_f64(n: f64) -> Option<Self> {
        Some(n as i64)
    }
}

/// A number: a whole number as a float, a string parsed; NaN and infinities are `None`.
impl Lenient for f64 {
    fn from_str(s: &str) -> Option<Self> {
        s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
    }
    fn from_i64(n: i64) -> Option<Self> {
        Some(n as f64)
    }
    fn from_u64(n: u64) -> Option<Self> {
        Some(n as f64)
    }
    fn from_f64(n: f64) -> Option<Self> {
        Some(n).filter(|n| n.is_finite())
    }
}

/// `true`/`false`, `"true"`/`"1"`/`"false"`/`"0"`, or a whole number (non-zero is true).
impl Lenient for bool {
    fn from_str(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }
    fn from_i64(n: i64) -> Option<Self> {
        Some(n != 0)
    }
    fn from_bool(b: bool) -> Option<Self> {
        Some(b)
    }
}

/// A list: elements that cannot be read are dropped.
impl<T: Lenient> Lenient for Vec<T> {
    fn from_array<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(Field::<T>(PhantomData))? {
            out.extend(item);
        }
        // A list grown by doubling may be nearly half empty; 10,000 calls are kept a while.
        out.shrink_to_fit();
        Ok(Some(out))
    }
}

/// Declares a response structure: PascalCase on the wire, every field optional and lenient,
/// `None` fields left out when serialized (for `--json` output and the simulator).
macro_rules! model {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $name {
            $(
                $(#[$fm])*
                #[serde(
                    deserialize_with = "crate::api::lenient::lenient",
                    skip_serializing_if = "Option::is_none"
                )]
                pub $field: Option<$ty>,
            )*
        }

        /// An object; anything else is `None`.
        impl crate::api::lenient::Lenient for $name {
            fn from_object<'de, A: serde::de::MapAccess<'de>>(
                map: A,
            ) -> Result<Option<Self>, A::Error> {
                let d = serde::de::value::MapAccessDeserializer::new(map);
                <Self as serde::Deserialize>::deserialize(d).map(Some)
            }
        }
    };
}

pub(crate) use model;

#[cfg(test)]
mod tests {
    use crate::api::types::{Run, RunMetadata, RunStatusCount};

    #[test]
    fn each_kind_of_value_becomes_what_the_field_holds() {
        let json = r#"{"RunId": 12.5, "CallName": ["a", {"b": null}], "CallCached": "1",
            "Preprocess": 0, "PostProcess": 1.0, "StartTime": 1700000000, "EndTime": true,
            "SubmitTime": {"at": 1}, "Meta": false, "Status": null}"#;
        let m: RunMetadata = serde_json::from_str(json).expect("reads");
        assert_eq!(m.run_id.as_deref(), Some("12.5"));
        assert_eq!(m.call_name.as_deref(), Some(r#"["a",{"b":null}]"#));
        assert_eq!(m.call_cached, Some(true));
        assert_eq!(m.preprocess, Some(false));
        assert_eq!(m.post_process, None);
        let start = m.start_time.expect("a time");
        assert_eq!(
            (start.raw.as_str(), start.unix()),
            ("1700000000", Some(1_700_000_000))
        );
        let end = m.end_time.expect("kept as text");
        assert_eq!((end.raw.as_str(), end.parsed), ("true", None));
        assert_eq!(m.submit_time.map(|t| t.raw).as_deref(), Some(r#"{"at":1}"#));
        assert_eq!(m.meta.as_deref(), Some("false"));
        assert_eq!(m.status, None);
    }

    #[test]
    fn numbers_out_of_range_and_broken_elements_do_not_fail_the_answer() {
        let json = r#"{"Count": 18446744073709551615, "Status": 7}"#;
        let c: RunStatusCount = serde_json::from_str(json).expect("reads");
        assert_eq!(c.count, Some(i64::MAX));
        assert_eq!(c.status.as_deref(), Some("7"));
        let json =
            r#"{"ExecutionTime": [1, 2], "Cache": "none", "Option": {"UseCallCache": "TRUE"}}"#;
        let r: Run = serde_json::from_str(json).expect("reads");
        assert_eq!(r.execution_time, None);
        assert_eq!(r.cache, None);
        assert_eq!(r.option.and_then(|o| o.use_call_cache), Some(true));
    }
}
