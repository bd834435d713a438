//! Reads a JSON body into the wire structs, remembering where each value sits, so a value of
//! the wrong type is reported as `alerts[3].labels.team: expected a string, found a number`
//! rather than serde's bare "invalid type". A small serde `Deserializer` over an already
//! parsed `serde_json::Value`; it never quotes a client's string back.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde_json::Value;

use crate::domain::alert::{AlertError, segment};

/// The body as JSON. serde_json refuses nesting deeper than 128 levels, so a hostile
/// `[[[[...` ends in an error, not a stack overflow.
pub fn parse_body(body: &[u8]) -> Result<Value, AlertError> {
    serde_json::from_slice(body)
        .map_err(|e| AlertError::new("body", format!("not valid JSON: {e}")))
}

/// `value` (found at `path`) as a `T`, or an error naming the exact field that is wrong.
pub fn read<T: DeserializeOwned>(value: &Value, path: &str) -> Result<T, AlertError> {
    T::deserialize(At {
        value,
        path: Path::Root(path),
    })
    .map_err(|e| AlertError::new(e.path.unwrap_or_else(|| path.to_owned()), e.message))
}

/// Where a value sits, as a chain back to the root; written out only when something fails.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root(&'p str),
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root(root) => f.write_str(root),
            Self::Key(parent, key) => {
                let parent = parent.to_string();
                if parent.is_empty() {
                    write!(f, "{}", segment(key))
                } else {
                    write!(f, "{parent}.{}", segment(key))
                }
            }
            Self::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

#[derive(Debug)]
pub struct WireError {
    /// Set by the innermost value that failed; outer levels leave it alone.
    path: Option<String>,
    message: String,
}

impl WireError {
    fn at(mut self, path: &Path<'_>) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_string());
        }
        self
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WireError {}

impl de::Error for WireError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            path: None,
            message: msg.to_string(),
        }
    }

    /// serde's own message quotes the value (`invalid type: string "..."`); ours names only
    /// its kind, in JSON's words rather than Rust's.
    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format!(
            "expected {}, found {}",
            json_words(&expected.to_string()),
            kind(&unexpected)
        ))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format!(
            "expected {}, found another {}",
            json_words(&expected.to_string()),
            kind(&unexpected)
                .trim_start_matches("a ")
                .trim_start_matches("an ")
        ))
    }
}

fn unexpected(value: &Value) -> de::Unexpected<'_> {
    use de::Unexpected as U;
    match value {
        Value::Null => U::Unit,
        Value::Bool(b) => U::Bool(*b),
        Value::Number(_) => U::Other("number"),
        Value::String(_) => U::Other("string"),
        Value::Array(_) => U::Seq,
        Value::Object(_) => U::Map,
    }
}

fn kind(unexpected: &de::Unexpected<'_>) -> &'static str {
    use de::Unexpected as U;
    match unexpected {
        U::Bool(_) => "a boolean",
        U::Unsigned(_) | U::Signed(_) => "an integer",
        U::Float(_) => "a fractional number",
        U::Char(_) | U::Str(_) => "a string",
        U::Unit | U::Option => "null",
        U::Seq => "an array",
        U::Map => "an object",
        U::Other("number") => "a number",
        U::Other("string") => "a string",
        _ => "another kind of value",
    }
}

fn json_words(expected: &str) -> String {
    match expected {
        "a sequence" => "an array".to_owned(),
        "a map" => "an object".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" => {
            "an integer".to_owned()
        }
        "f32" | "f64" => "a number".to_owned(),
        other => other.to_owned(),
    }
}

/// A value and where it sits.
struct At<'de, 'p> {
    value: &'de Value,
    path: Path<'p>,
}

impl<'de> de::Deserializer<'de> for At<'de, '_> {
    type Error = WireError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    match n.as_f64() {
                        Some(f) => visitor.visit_f64(f),
                        None => Err(de::Error::custom("a number out of range")),
                    }
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items {
                items: items.iter(),
                index: 0,
                path: self.path,
            }),
            Value::Object(map) => visitor.visit_map(Entries {
                entries: map.iter(),
                pending: None,
                path: self.path,
            }),
        }
    }

    /// `null` is "absent" for an `Option`, as the senders mean it.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, WireError> {
        visitor.visit_newtype_struct(self)
    }

    /// Only an object: serde's derived structs would also take an array, field by position,
    /// which no sender means.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, WireError> {
        if self.value.is_object() {
            self.deserialize_any(visitor)
        } else {
            Err(de::Error::invalid_type(unexpected(self.value), &visitor))
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

struct Items<'de, 'p> {
    items: std::slice::Iter<'de, Value>,
    index: usize,
    path: Path<'p>,
}

impl<'de> de::SeqAccess<'de> for Items<'de, '_> {
    type Error = WireError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, WireError> {
        let Some(value) = self.items.next() else {
            return Ok(None);
        };
        let path = Path::Index(&self.path, self.index);
        self.index += 1;
        seed.deserialize(At { value, path })
            .map(Some)
            .map_err(|e| e.at(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'de, 'p> {
    entries: serde_json::map::Iter<'de>,
    pending: Option<(&'de str, &'de Value)>,
    path: Path<'p>,
}

impl<'de> de::MapAccess<'de> for Entries<'de, '_> {
    type Error = WireError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, WireError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        seed.deserialize(de::value::BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, WireError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| de::Error::custom("a value without its key"))?;
        let path = Path::Key(&self.path, key);
        seed.deserialize(At { value, path })
            .map_err(|e| e.at(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, Default)]
    #[serde(default, expecting = "an object")]
    struct Wire {
        name: Option<String>,
        alerts: Option<Vec<Inner>>,
        #[serde(rename = "orgId")]
        org_id: Option<i64>,
        details: Option<Value>,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default, expecting = "an object")]
    struct Inner {
        labels: Option<BTreeMap<String, String>>,
    }

    fn fails(value: Value) -> String {
        read::<Wire>(&value, "").unwrap_err().to_string()
    }

    #[test]
    fn wrong_types_name_the_field_and_not_the_value() {
        assert_eq!(
            fails(json!({"alerts": [{}, {"labels": {"team": 5}}]})),
            "alerts[1].labels.team: expected a string, found an integer"
        );
        let secret = "s3cr3t-value-that-must-not-echo";
        let msg = fails(json!({"alerts": [{"labels": secret}]}));
        assert_eq!(msg, "alerts[0].labels: expected an object, found a string");
        assert_eq!(
            fails(json!({"name": ["x"]})),
            "name: expected a string, found an array"
        );
        assert_eq!(
            fails(json!([1])),
            "body: expected an object, found an array"
        );
        assert_eq!(
            fails(json!({"orgId": "one"})),
            "orgId: expected an integer, found a string"
        );
        assert_eq!(
            fails(json!({"orgId": 1.5})),
            "orgId: expected an integer, found a fractional number"
        );
    }

    #[test]
    fn nulls_absent_fields_and_unknown_fields_are_fine() {
        let w: Wire = read(
            &json!({"name": null, "alerts": [{"labels": null}], "extra": {"x": [1]}}),
            "",
        )
        .unwrap();
        assert!(w.name.is_none());
        assert!(w.alerts.unwrap()[0].labels.is_none());
        let w: Wire = read(
            &json!({"details": {"a": [1, -2, 3.5, null, true, "s"]}}),
            "",
        )
        .unwrap();
        assert_eq!(w.details, Some(json!({"a": [1, -2, 3.5, null, true, "s"]})));
    }

    #[test]
    fn bad_json_and_deep_nesting_are_errors() {
        let err = parse_body(b"{not json").unwrap_err();
        assert!(err.to_string().starts_with("body: not valid JSON"), "{err}");
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_body(deep.as_bytes()).is_err());
        let long_key = format!("{{\"{}\": {{\"labels\": 1}}}}", "k".repeat(10_000));
        let value = parse_body(long_key.as_bytes()).unwrap();
        let err = read::<BTreeMap<String, Inner>>(&value, "").unwrap_err();
        assert!(err.path().len() < 60, "{}", err.path());
    }
}
