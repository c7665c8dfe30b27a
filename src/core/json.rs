//! A small JSON value, a strict RFC 8259 parser and a compact writer.
//!
//! Used for every JSON text the crate reads or writes: request bodies (contract §2), service
//! answers and error bodies (§2, §3) and the claims of access tokens (§6). It is deliberately
//! small: one value type, no generics, no serde.
//!
//! * Parsing is strict: no trailing commas, no comments, no leading zeros, no `NaN`/`Infinity`,
//!   no control characters inside strings, `\u` surrogate pairs are combined and lone
//!   surrogates are rejected, nesting is limited to [`MAX_DEPTH`], and the whole input must be
//!   consumed apart from whitespace. Numbers that overflow `f64` are rejected.
//! * Objects keep their members in document order, duplicates included; [`Json::get`] returns
//!   the first member with the key.
//! * Writing is compact and escapes strings exactly as JavaScript's `JSON.stringify` does, so
//!   a body written here is byte-identical to the one the official JS SDK sends (which matters
//!   because the body's hash is signed, §4). Integral numbers up to 2^53 are written without a
//!   fraction, like `JSON.stringify`.
//!
//! Parse errors are a [`JsonError`] (a static message and a byte offset, never any of the input
//! text); callers turn it into an [`Error`] of the kind that fits their context with
//! [`JsonError::to_error`].

use super::error::{Error, ErrorKind};
use std::fmt::{self, Write as _};

/// Deepest nesting of arrays and objects [`parse`] accepts.
pub const MAX_DEPTH: usize = 64;

/// Largest integer an `f64` holds exactly together with all smaller ones (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JSON value. Objects are a list of members in document order (duplicates kept).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Why a text is not JSON: a fixed description and the byte offset where it went wrong.
/// It never contains any of the input, so it is safe to show even for secret-bearing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    pub message: &'static str,
    pub offset: usize,
}

impl JsonError {
    /// An [`Error`] of `kind` saying that `what` (for example "the service's answer") is not
    /// valid JSON, with the reason and offset.
    pub fn to_error(&self, kind: ErrorKind, what: &str) -> Error {
        Error::new(
            kind,
            format!(
                "{what} is not valid JSON: {} at byte {}",
                self.message, self.offset
            ),
        )
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl Json {
    /// The first member named `key` when `self` is an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as an integer, only when it is integral and within ±(2^53 - 1), the range in
    /// which the text's value is known exactly.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER => Some(*n as i64),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Compact JSON text (no whitespace), members in order.
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    /// Appends the compact JSON text of `self` to `out`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(true) => out.push_str("true"),
            Json::Bool(false) => out.push_str("false"),
            Json::Number(n) => write_json_number(out, *n),
            Json::String(s) => write_json_string(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, key);
                    out.push(':');
                    value.write_to(out);
                }
                out.push('}');
            }
        }
    }
}

/// Appends `s` as a quoted JSON string, escaped like `JSON.stringify`: `"` and `\` with a
/// backslash, `\b \t \n \f \r` in short form, other control characters as `\u00xx`.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is the index of an ASCII byte, hence a char boundary.
        out.push_str(s.get(start..i).unwrap_or(""));
        if short.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

/// Appends a number as `JSON.stringify` would for common values: integers (up to 2^53) without
/// a fraction, exponent notation below 1e-6 and from 1e21, `null` for non-finite values.
pub fn write_json_number(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        let _ = write!(out, "{}", n as i64);
    } else if n.abs() >= 1e21 || n.abs() < 1e-6 {
        // Rust's shortest round-trip digits, e.g. `1e21`, `1.5e-7`.
        let _ = write!(out, "{:e}", n);
    } else {
        let _ = write!(out, "{}", n);
    }
}

/// Parses a complete JSON text (RFC 8259, strict; see the module documentation).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: &'static str) -> JsonError {
        JsonError {
            message,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static str, value: Json) -> Result<Json, JsonError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.object(depth + 1),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting is deeper than 64 levels"));
        }
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                None => return Err(self.err("unexpected end of input in an array")),
                Some(_) => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting is deeper than 64 levels"));
        }
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                None => return Err(self.err("unexpected end of input in an object")),
                Some(_) => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.err("leading zeros are not allowed"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("expected a digit in the exponent"));
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Json::Number(n)),
            _ => Err(JsonError {
                message: "number out of range",
                offset: start,
            }),
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.err("expected four hex digits after \\u")),
            };
            v = v * 16 + d as u32;
            self.pos += 1;
        }
        Ok(v)
    }

    /// Parses a string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err("unterminated string"));
            };
            match b {
                b'"' => {
                    out.push_str(self.text.get(run..self.pos).unwrap_or(""));
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(run..self.pos).unwrap_or(""));
                    self.pos += 1;
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                0x00..=0x1f => return Err(self.err("control character in a string")),
                _ => self.pos += 1,
            }
        }
    }

    /// Parses one escape after its backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let Some(b) = self.peek() else {
            return Err(self.err("unterminated string"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = match first {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(self.err("lone surrogate in a \\u escape"));
                        }
                        self.pos += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.err("lone surrogate in a \\u escape"));
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.err("lone surrogate in a \\u escape")),
                    _ => first,
                };
                match char::from_u32(code) {
                    Some(c) => c,
                    None => return Err(self.err("invalid \\u escape")),
                }
            }
            _ => {
                self.pos -= 1;
                return Err(self.err("invalid escape"));
            }
        };
        out.push(c);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &str) -> Json {
        Json::String(v.to_string())
    }

    #[test]
    fn parses_scalars() {
        assert_eq!(parse("null"), Ok(Json::Null));
        assert_eq!(parse(" true "), Ok(Json::Bool(true)));
        assert_eq!(parse("false"), Ok(Json::Bool(false)));
        assert_eq!(parse("0"), Ok(Json::Number(0.0)));
        assert_eq!(parse("-0.5e2"), Ok(Json::Number(-50.0)));
        assert_eq!(parse("1E+2"), Ok(Json::Number(100.0)));
        assert_eq!(parse("\"a\\u00e9\\n\""), Ok(s("aé\n")));
        assert_eq!(parse("\"\\ud83d\\ude00\""), Ok(s("😀")));
        assert_eq!(
            parse("\"\\\"\\\\\\/\\b\\f\\r\\t\""),
            Ok(s("\"\\/\u{8}\u{c}\r\t"))
        );
        assert_eq!(parse("\"héllo 😀\""), Ok(s("héllo 😀")));
    }

    #[test]
    fn parses_containers() {
        let v = parse(r#" { "a" : [1, 2, {"b": null}], "c": "d", "a": 3 } "#).unwrap();
        assert_eq!(
            v.get("a").and_then(|a| a.as_array()).map(|a| a.len()),
            Some(3)
        );
        assert_eq!(v.get("c").and_then(Json::as_str), Some("d"));
        assert_eq!(v.get("missing"), None);
        assert_eq!(
            v.as_object().map(|m| m.len()),
            Some(3),
            "duplicates are kept"
        );
        assert_eq!(parse("[]"), Ok(Json::Array(vec![])));
        assert_eq!(parse("{}"), Ok(Json::Object(vec![])));
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            " ",
            "[1,]",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "// c\n1",
            "/* c */1",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "NaN",
            "Infinity",
            "1e400",
            "tru",
            "nul",
            "\"abc",
            "\"a\nb\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "1 2",
            "{} x",
            "[",
            "{",
            "{\"a\"",
            "{\"a\":",
            "'a'",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(parse("[1,]").unwrap_err().offset, 3);
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(
            parse(&deep).unwrap_err().message,
            "nesting is deeper than 64 levels"
        );
        let objects = format!(
            "{}1{}",
            "{\"a\":".repeat(MAX_DEPTH + 1),
            "}".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&objects).is_err());
        // Very deep input fails fast without exhausting the stack.
        assert!(parse(&"[".repeat(100_000)).is_err());
    }

    #[test]
    fn accessors() {
        assert_eq!(Json::Number(3.0).as_i64(), Some(3));
        assert_eq!(Json::Number(-3.0).as_i64(), Some(-3));
        assert_eq!(Json::Number(3.5).as_i64(), None);
        assert_eq!(Json::Number(1e300).as_i64(), None);
        assert_eq!(
            Json::Number(9_007_199_254_740_991.0).as_i64(),
            Some(9_007_199_254_740_991)
        );
        assert_eq!(s("3").as_i64(), None);
        assert_eq!(Json::Number(3.5).as_f64(), Some(3.5));
        assert_eq!(Json::Bool(true).as_bool(), Some(true));
        assert_eq!(Json::Null.as_bool(), None);
        assert!(Json::Null.is_null());
        assert_eq!(Json::Null.get("a"), None);
        assert_eq!(Json::Array(vec![]).as_str(), None);
    }

    #[test]
    fn writes_compact() {
        let v = Json::Object(vec![
            ("scopes".into(), Json::Array(vec![s("chat")])),
            ("expiresInMinutes".into(), Json::Number(60.0)),
        ]);
        assert_eq!(
            v.to_json_string(),
            r#"{"scopes":["chat"],"expiresInMinutes":60}"#
        );
        assert_eq!(Json::Number(-0.0).to_json_string(), "0");
        assert_eq!(Json::Number(1.5).to_json_string(), "1.5");
        assert_eq!(Json::Number(1e21).to_json_string(), "1e21");
        assert_eq!(Json::Number(1e-7).to_json_string(), "1e-7");
        assert_eq!(Json::Number(123456.789).to_json_string(), "123456.789");
        assert_eq!(Json::Number(f64::NAN).to_json_string(), "null");
        assert_eq!(
            Json::Array(vec![Json::Null, Json::Bool(true), Json::Bool(false)]).to_json_string(),
            "[null,true,false]"
        );
    }

    #[test]
    fn escapes_like_json_stringify() {
        let mut out = String::new();
        write_json_string(
            &mut out,
            "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é😀/\u{2028}",
        );
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f}é😀/\u{2028}\""
        );
    }

    fn arb_json() -> impl Strategy<Value = Json> {
        let number = prop_oneof![
            any::<i32>().prop_map(|n| n as f64),
            any::<f64>().prop_filter("finite", |n| n.is_finite()),
            (-1e6f64..1e6f64),
        ];
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            number.prop_map(Json::Number),
            any::<String>().prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                prop::collection::vec((any::<String>(), inner), 0..6).prop_map(Json::Object),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trip(v in arb_json()) {
            let text = v.to_json_string();
            prop_assert_eq!(parse(&text), Ok(v));
        }

        #[test]
        fn never_panics(text in "\\PC{0,64}") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_json_like(text in "[\\[\\]{}\":,0-9eE.+\\-\\\\u tfnrl a-d]{0,48}") {
            let _ = parse(&text);
        }
    }
}
