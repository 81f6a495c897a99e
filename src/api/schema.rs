//! The API reference as data: `assets/omics-api.json`, generated from
//! `../shared/spec/omics-api-full.zh.txt` by `scripts/gen_api_schema.py` (every action, its
//! parameters with type, required flag and nesting, every data structure, and the values the
//! reference lists for its enumerations).
//!
//! The simulator checks every request against it before anything else, as strictly as the
//! service: an unknown name is `UnknownParameter`, a missing required field (nested ones
//! too) `MissingParameter` naming its path (`WDLOption.FailureMode`), a wrong JSON type
//! `InvalidParameter`, a value outside a listed enumeration `InvalidParameterValue`. The CLI
//! checks what it is about to send against the same data (`--dry-run` says so), so a request
//! the reference would refuse is caught before it leaves.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The generated schema, as committed.
pub const SCHEMA_JSON: &str = include_str!("../../assets/omics-api.json");

#[derive(Debug, Deserialize)]
pub struct Api {
    pub version: String,
    pub actions: HashMap<String, Action>,
    pub structures: HashMap<String, Structure>,
}

#[derive(Debug, Deserialize)]
pub struct Action {
    /// `doc` (the API reference) or `notes` (NOTES.md beside it, for newer actions).
    pub source: String,
    /// The regions the action supports; `None`: not restricted.
    pub regions: Option<Vec<String>>,
    pub input: Vec<Field>,
    #[serde(default)]
    pub output: Vec<Field>,
    #[serde(default)]
    pub errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Structure {
    #[serde(default)]
    pub used_by: Vec<String>,
    pub members: Vec<Field>,
}

/// A parameter or a structure's member.
#[derive(Debug, Deserialize)]
pub struct Field {
    pub name: String,
    /// `String`, `Integer`, `Float`, `Boolean`, `Timestamp`, or a structure's name.
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub array: bool,
    /// `None` for members of structures the service only returns.
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(rename = "enum", default)]
    pub values: Option<Vec<String>>,
}

/// Why a request does not conform, as the service's error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub message: String,
}

impl Violation {
    fn new(code: &'static str, message: String) -> Self {
        Self { code, message }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The schema, parsed once. The file is generated and checked by tests, so a parse failure
/// is a build defect; it is reported as an empty schema that knows no action.
pub fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        serde_json::from_str(SCHEMA_JSON).unwrap_or_else(|e| {
            tracing::error!("assets/omics-api.json does not parse: {e}");
            Api {
                version: String::new(),
                actions: HashMap::new(),
                structures: HashMap::new(),
            }
        })
    })
}

impl Api {
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.get(name)
    }

    /// Checks a request body of `action` (the common parameters are headers, not in it).
    pub fn check(&self, action: &str, body: &Map<String, Value>) -> Result<(), Violation> {
        let Some(a) = self.action(action) else {
            return Err(Violation::new(
                "InvalidAction",
                format!("The action {action} is not in the API reference."),
            ));
        };
        self.check_object(&a.input, body, "")
    }

    fn check_object(
        &self,
        fields: &[Field],
        obj: &Map<String, Value>,
        prefix: &str,
    ) -> Result<(), Violation> {
        if let Some(k) = obj.keys().find(|k| !fields.iter().any(|f| &f.name == *k)) {
            return Err(Violation::new(
                "UnknownParameter",
                format!("The parameter `{prefix}{k}` is not recognized."),
            ));
        }
        for f in fields {
            let path = format!("{prefix}{}", f.name);
            match obj.get(&f.name) {
                None | Some(Value::Null) => {
                    if f.required == Some(true) {
                        return Err(Violation::new(
                            "MissingParameter",
                            format!("The request is missing a required parameter `{path}`."),
                        ));
                    }
                }
                Some(Value::Array(items)) if f.array => {
                    for (i, v) in items.iter().enumerate() {
                        self.check_value(f, v, &format!("{path}.{i}"))?;
                    }
                }
                Some(_) if f.array => {
                    return Err(Violation::new(
                        "InvalidParameter",
                        format!("The parameter `{path}` must be an array of {}.", f.ty),
                    ));
                }
                Some(v) => self.check_value(f, v, &path)?,
            }
        }
        Ok(())
    }

    fn check_value(&self, f: &Field, v: &Value, path: &str) -> Result<(), Violation> {
        let wrong = |want: &str| {
            Err(Violation::new(
                "InvalidParameter",
                format!("The parameter `{path}` must be {want}."),
            ))
        };
        match (f.ty.as_str(), v) {
            ("String" | "Timestamp", Value::String(s)) => match &f.values {
                Some(values) if !values.iter().any(|x| x == s) => Err(Violation::new(
                    "InvalidParameterValue",
                    format!(
                        "The value {s:?} of `{path}` is not one of: {}.",
                        values.join(", ")
                    ),
                )),
                _ => Ok(()),
            },
            ("String" | "Timestamp", _) => wrong("a string"),
            ("Integer", Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
            ("Integer", _) => wrong("an integer"),
            ("Float", Value::Number(_)) => Ok(()),
            ("Float", _) => wrong("a number"),
            ("Boolean", Value::Bool(_)) => Ok(()),
            ("Boolean", _) => wrong("a boolean"),
            (name, v) => match (self.structures.get(name), v) {
                (Some(s), Value::Object(m)) => {
                    self.check_object(&s.members, m, &format!("{path}."))
                }
                (Some(_), _) => wrong(&format!("an object ({name})")),
                // A type the generator could not resolve is not held against the request.
                (None, _) => Ok(()),
            },
        }
    }

    /// A GET request's query (`Limit=10&Filters.0.Name=x&Filters.0.Values.0=y`), decoded
    /// and made back into the JSON body it stands for, every value typed as the schema says
    /// (`10` an integer, `true` a boolean), so it is checked and served like a POST.
    pub fn body_from_query(
        &self,
        action: &str,
        pairs: &[(String, String)],
    ) -> Result<Map<String, Value>, Violation> {
        let mut tree = Node::Branch(BTreeMap::new());
        for (k, v) in pairs {
            let segments: Vec<&str> = k.split('.').collect();
            tree.insert(k, &segments, v)?;
        }
        let fields = self.action(action).map_or(&[][..], |a| &a.input[..]);
        match tree.into_value(self, Some((fields, false)), "")? {
            Value::Object(m) => Ok(m),
            _ => Ok(Map::new()),
        }
    }
}

/// A flattened query key's place: a value, or named (or numbered) children.
enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

fn malformed(key: &str) -> Violation {
    Violation::new(
        "InvalidParameter",
        format!("The query parameter `{key}` clashes with another one."),
    )
}

impl Node {
    fn insert(&mut self, key: &str, segments: &[&str], value: &str) -> Result<(), Violation> {
        let Node::Branch(children) = self else {
            return Err(malformed(key));
        };
        let Some((seg, rest)) = segments.split_first() else {
            return Err(malformed(key));
        };
        let seg = *seg;
        if rest.is_empty() {
            if children.contains_key(seg) {
                return Err(malformed(key));
            }
            children.insert(seg.to_string(), Node::Leaf(value.to_string()));
            return Ok(());
        }
        children
            .entry(seg.to_string())
            .or_insert_with(|| Node::Branch(BTreeMap::new()))
            .insert(key, rest, value)
    }

    /// The JSON value, typed by `fields` (the members expected here) or by `ty`.
    fn into_value(
        self,
        api: &Api,
        fields: Option<(&[Field], bool)>,
        path: &str,
    ) -> Result<Value, Violation> {
        let Node::Branch(children) = self else {
            return Ok(Value::Null);
        };
        let mut out = Map::new();
        for (name, child) in children {
            let field = fields.and_then(|(fs, _)| fs.iter().find(|f| f.name == name));
            let here = format!("{path}{name}");
            out.insert(name, typed(api, child, field, &here)?);
        }
        Ok(Value::Object(out))
    }
}

fn typed(api: &Api, node: Node, field: Option<&Field>, path: &str) -> Result<Value, Violation> {
    let Some(f) = field else {
        // Unknown to the schema: kept as text so the check names it.
        return Ok(untyped(node));
    };
    if f.array {
        let Node::Branch(items) = node else {
            return Ok(untyped(node));
        };
        let mut indexed: Vec<(usize, Node)> = Vec::with_capacity(items.len());
        for (k, v) in items {
            let i = k.parse::<usize>().map_err(|_| {
                Violation::new(
                    "InvalidParameter",
                    format!("`{path}.{k}`: array elements are numbered from 0."),
                )
            })?;
            indexed.push((i, v));
        }
        indexed.sort_by_key(|(i, _)| *i);
        if indexed.iter().enumerate().any(|(n, (i, _))| n != *i) {
            return Err(Violation::new(
                "InvalidParameter",
                format!("`{path}`: array elements must be numbered 0, 1, 2, … without gaps."),
            ));
        }
        let mut out = Vec::with_capacity(indexed.len());
        for (i, v) in indexed {
            out.push(scalar_or_struct(api, v, f, &format!("{path}.{i}"))?);
        }
        return Ok(Value::Array(out));
    }
    scalar_or_struct(api, node, f, path)
}

fn scalar_or_struct(api: &Api, node: Node, f: &Field, path: &str) -> Result<Value, Violation> {
    match node {
        Node::Leaf(s) => Ok(match f.ty.as_str() {
            "Integer" => s.parse::<i64>().map_or(Value::String(s), Value::from),
            "Float" => s
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::String(s), Value::Number),
            "Boolean" => match s.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(s),
            },
            _ => Value::String(s),
        }),
        branch => match api.structures.get(&f.ty) {
            Some(st) => branch.into_value(api, Some((&st.members, true)), &format!("{path}.")),
            None => Ok(untyped(branch)),
        },
    }
}

fn untyped(node: Node) -> Value {
    match node {
        Node::Leaf(s) => Value::String(s),
        Node::Branch(children) => {
            Value::Object(children.into_iter().map(|(k, v)| (k, untyped(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(action: &str, body: Value) -> Result<(), Violation> {
        let Value::Object(m) = body else {
            panic!("test bodies are objects")
        };
        api().check(action, &m)
    }

    fn code(r: Result<(), Violation>) -> Option<(&'static str, String)> {
        r.err().map(|v| (v.code, v.message))
    }

    #[test]
    fn every_action_omtop_sends_is_in_the_schema() {
        for a in [
            "DescribeProjects",
            "DescribeRunGroups",
            "DescribeRuns",
            "GetRunCalls",
            "GetRunStatus",
            "GetRunMetadataFile",
            "GetRunJobLog",
            "TerminateRunGroup",
            "RetryRuns",
            "RunApplication",
        ] {
            assert!(api().action(a).is_some(), "{a} missing from the schema");
        }
        assert_eq!(api().version, crate::api::VERSION);
    }

    #[test]
    fn a_run_option_needs_every_required_member() {
        let (c, m) = code(check(
            "RetryRuns",
            json!({"RunGroupId": "run-x", "WDLOption": {"UseCallCache": true}}),
        ))
        .expect("refused");
        assert_eq!(c, "MissingParameter");
        assert!(m.contains("`WDLOption.FailureMode`"), "{m}");
        assert_eq!(
            check(
                "RetryRuns",
                json!({"RunGroupId": "run-x", "WDLOption": {
                    "FailureMode": "NoNewCalls", "UseCallCache": true, "UseErrorOnHold": false}}),
            ),
            Ok(())
        );
    }

    #[test]
    fn unknown_names_types_and_enums() {
        let (c, m) = code(check("DescribeRuns", json!({"Bogus": 1}))).expect("refused");
        assert_eq!((c, m.contains("`Bogus`")), ("UnknownParameter", true));
        let (c, m) = code(check(
            "RunApplication",
            json!({"ApplicationId": "a", "Name": "n", "EnvironmentId": "e",
                   "Option": {"FailureMode": "Sometimes", "UseCallCache": false, "UseErrorOnHold": false}}),
        ))
        .expect("refused");
        assert_eq!(c, "InvalidParameterValue");
        assert!(
            m.contains("Option.FailureMode") && m.contains("NoNewCalls"),
            "{m}"
        );
        let (c, m) = code(check("DescribeRuns", json!({"Limit": "10"}))).expect("refused");
        assert_eq!((c, m.contains("`Limit`")), ("InvalidParameter", true));
        let (c, m) = code(check(
            "DescribeRuns",
            json!({"Filters": [{"Name": "Status", "Values": ["RUNNING"], "Op": "eq"}]}),
        ))
        .expect("refused");
        assert_eq!(
            (c, m.contains("`Filters.0.Op`")),
            ("UnknownParameter", true)
        );
        let (c, m) = code(check(
            "DescribeRuns",
            json!({"Filters": [{"Name": "Status"}]}),
        ))
        .expect("refused");
        assert_eq!(
            (c, m.contains("`Filters.0.Values`")),
            ("MissingParameter", true)
        );
        let (c, _) = code(check(
            "RetryRuns",
            json!({"RunGroupId": "run-x", "NFOption": {"NFVersion": "99.1"}}),
        ))
        .expect("refused");
        assert_eq!(c, "InvalidParameterValue");
    }

    #[test]
    fn a_query_becomes_the_typed_body_it_stands_for() {
        let pairs: Vec<(String, String)> = [
            ("Limit", "10"),
            ("Offset", "0"),
            ("Filters.0.Name", "Status"),
            ("Filters.0.Values.0", "RUNNING"),
            ("Filters.0.Values.1", "INIT"),
            ("Filters.1.Name", "RunGroupId"),
            ("Filters.1.Values.0", "run-x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let body = api()
            .body_from_query("DescribeRuns", &pairs)
            .expect("decodes");
        assert_eq!(
            Value::Object(body),
            json!({"Limit": 10, "Offset": 0, "Filters": [
                {"Name": "Status", "Values": ["RUNNING", "INIT"]},
                {"Name": "RunGroupId", "Values": ["run-x"]}]})
        );
        let pairs: Vec<(String, String)> = [
            ("RunGroupId", "run-x"),
            ("WDLOption.FailureMode", "NoNewCalls"),
            ("WDLOption.UseCallCache", "True"),
            ("WDLOption.UseErrorOnHold", "false"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let body = api().body_from_query("RetryRuns", &pairs).expect("decodes");
        assert_eq!(api().check("RetryRuns", &body), Ok(()));
        assert_eq!(body["WDLOption"]["UseCallCache"], json!(true));
        let gap = [("RunUuids.1".to_string(), "u".to_string())];
        assert_eq!(
            api().body_from_query("RetryRuns", &gap).map_err(|v| v.code),
            Err("InvalidParameter")
        );
        let bad_int = [("Limit".to_string(), "ten".to_string())];
        let body = api()
            .body_from_query("DescribeRuns", &bad_int)
            .expect("decodes");
        assert_eq!(
            api().check("DescribeRuns", &body).map_err(|v| v.code),
            Err("InvalidParameter")
        );
    }
}
