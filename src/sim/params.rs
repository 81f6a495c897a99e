//! Request parameters as the actions read them, after `api::schema` has checked names, JSON
//! types, required fields and enumerations: required non-empty values, Limit/Offset ranges
//! and filter names.

use serde_json::{Map, Value};

use crate::api::types::Filter;

/// An error answer: `Response.Error.Code` and `.Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErr {
    pub code: String,
    pub message: String,
}

impl ApiErr {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

pub type Res<T> = Result<T, ApiErr>;

/// The default and largest page of the Describe actions.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: i64 = 100;

/// A request body: a JSON object whose parameter names are checked against a list.
pub struct Params(Map<String, Value>);

fn type_err(name: &str, want: &str) -> ApiErr {
    ApiErr::new(
        "InvalidParameter",
        format!("The parameter `{name}` must be {want}."),
    )
}

impl Params {
    /// Parses the body; an empty body is `{}`.
    pub fn parse(body: &[u8]) -> Res<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Map::new()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(Self(m)),
            Ok(_) => Err(ApiErr::new(
                "InvalidParameter",
                "The request body must be a JSON object.",
            )),
            Err(e) => Err(ApiErr::new(
                "InvalidParameter",
                format!("The request body is not valid JSON: {e}."),
            )),
        }
    }

    /// Parameters already decoded (from a GET's query string).
    pub fn from_map(m: Map<String, Value>) -> Self {
        Self(m)
    }

    pub fn map(&self) -> &Map<String, Value> {
        &self.0
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn opt_str(&self, name: &str) -> Res<Option<&str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(type_err(name, "a string")),
        }
    }

    /// A required, non-empty string.
    pub fn req_str(&self, name: &str) -> Res<&str> {
        match self.opt_str(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ApiErr::new(
                "MissingParameter",
                format!("The request is missing a required parameter `{name}`."),
            )),
        }
    }

    pub fn opt_int(&self, name: &str) -> Res<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| type_err(name, "an integer")),
            Some(_) => Err(type_err(name, "an integer")),
        }
    }

    pub fn opt_str_list(&self, name: &str) -> Res<Option<Vec<String>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| type_err(name, "an array of strings"))
                })
                .collect::<Res<Vec<_>>>()
                .map(Some),
            Some(_) => Err(type_err(name, "an array of strings")),
        }
    }

    /// An object parameter decoded into `T` (a RunOption, an NFOption).
    pub fn opt_object<T: serde::de::DeserializeOwned>(&self, name: &str) -> Res<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|_| type_err(name, "an object")),
            Some(_) => Err(type_err(name, "an object")),
        }
    }

    /// `Limit` (default 10, 0 also means the default, at most 100) and `Offset` (≥ 0).
    pub fn page(&self) -> Res<(usize, usize)> {
        let limit = match self.opt_int("Limit")? {
            None | Some(0) => DEFAULT_LIMIT,
            Some(l) if !(0..=MAX_LIMIT).contains(&l) => {
                return Err(ApiErr::new(
                    "InvalidParameterValue",
                    format!("The value of `Limit` must be between 0 and {MAX_LIMIT}, got {l}."),
                ));
            }
            Some(l) => l as usize,
        };
        let offset = match self.opt_int("Offset")? {
            None => 0,
            Some(o) if o < 0 => {
                return Err(ApiErr::new(
                    "InvalidParameterValue",
                    format!("The value of `Offset` must not be negative, got {o}."),
                ));
            }
            Some(o) => o as usize,
        };
        Ok((limit, offset))
    }

    /// `Filters`, each name one of `allowed`.
    pub fn filters(&self, allowed: &[&str]) -> Res<Vec<Filter>> {
        let Some(v) = self.get("Filters") else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = v else {
            return Err(type_err("Filters", "an array of Filter"));
        };
        let mut out = Vec::new();
        for item in items {
            let f: Filter = serde_json::from_value(item.clone()).map_err(|_| {
                type_err(
                    "Filters",
                    "an array of {\"Name\": string, \"Values\": [string]}",
                )
            })?;
            if !allowed.contains(&f.name.as_str()) {
                return Err(ApiErr::new(
                    "InvalidParameterValue",
                    format!(
                        "The filter name `{}` is not supported; use one of: {}.",
                        f.name,
                        allowed.join(", ")
                    ),
                ));
            }
            out.push(f);
        }
        Ok(out)
    }
}

/// Whether an item passes every filter (AND across filters, OR within values). `field`
/// gives the item's value for a filter name and whether that name matches by substring.
pub fn matches(filters: &[Filter], field: impl Fn(&str) -> (String, bool)) -> bool {
    filters.iter().all(|f| {
        let (value, substring) = field(&f.name);
        f.values.iter().any(|v| {
            if substring {
                value.contains(v.as_str())
            } else {
                value == *v
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Params {
        Params::parse(s.as_bytes()).expect("object")
    }

    #[test]
    fn limits_and_offsets() {
        assert_eq!(p("{}").page(), Ok((10, 0)));
        assert_eq!(p(r#"{"Limit": 100, "Offset": 5}"#).page(), Ok((100, 5)));
        assert_eq!(
            p(r#"{"Limit": 101}"#).page().map_err(|e| e.code),
            Err("InvalidParameterValue".into())
        );
        assert!(
            p(r#"{"Limit": 101}"#)
                .page()
                .err()
                .is_some_and(|e| e.message.contains("Limit"))
        );
        assert_eq!(
            p(r#"{"Limit": "5"}"#).page().map_err(|e| e.code),
            Err("InvalidParameter".into())
        );
        assert_eq!(
            p(r#"{"Offset": -1}"#).page().map_err(|e| e.code),
            Err("InvalidParameterValue".into())
        );
    }

    #[test]
    fn filters_and_names() {
        let q = p(r#"{"Filters": [{"Name": "Status", "Values": ["RUNNING"]}], "Bogus": 1}"#);
        assert_eq!(q.filters(&["Status"]).map(|f| f.len()), Ok(1));
        assert!(
            q.filters(&["Name"])
                .err()
                .is_some_and(|e| e.message.contains("Status"))
        );
        assert_eq!(
            p(r#"{"Filters": 3}"#).filters(&[]).map_err(|e| e.code),
            Err("InvalidParameter".into())
        );
        assert!(Params::parse(b"[1]").is_err());
        assert_eq!(
            p("{}").req_str("RunUuid").map_err(|e| e.code),
            Err("MissingParameter".into())
        );
    }

    #[test]
    fn filter_semantics() {
        let fs = vec![
            Filter::new("Name", ["germ", "rna"]),
            Filter::new("Status", ["RUNNING"]),
        ];
        let item = |name: &'static str, status: &'static str| {
            move |f: &str| {
                if f == "Name" {
                    (name.to_string(), true)
                } else {
                    (status.to_string(), false)
                }
            }
        };
        assert!(matches(&fs, item("wgs-germline-1", "RUNNING")));
        assert!(!matches(&fs, item("wgs-germline-1", "COMPLETE")));
        assert!(!matches(&fs, item("sarek", "RUNNING")));
    }
}
