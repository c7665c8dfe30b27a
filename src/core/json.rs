//! A small JSON value, a strict RFC 8259 parser and a compact writer.
//!
//! Used for every JSON text the crate reads or writes: request bodies (contract §2), service
//! answers and error bodies (§2, §3) and the claims of access tokens (§6). It is deliberately
//! small: one value type, no generics, no serde.
//!
//! * Parsing is strict: no trailing commas, no comments, no leading zeros, no `NaN`/`Infinity`,
//!   no control characters inside strings, `\u` surrogate pairs are combined and lone
//!   surrogates are rejected, nesting is limited to [`MAX_DEPTH`], and the whole input must be
//!   consumed apart from whitespace.
//! * Numbers are kept as their text ([`Number`]), never converted to or from `f64`: the crate
//!   only ever needs integers out of them (token dates, minutes), and those are computed
//!   exactly from the decimal text ([`Number::as_i64`], [`Number::scaled_floor`]). This keeps
//!   float parsing and formatting out of the `.wasm`. As a consequence any number the grammar
//!   allows is accepted, also one beyond the range of `f64` such as `1e400` (JavaScript's
//!   `JSON.parse` accepts it too, as `Infinity`); the accessors answer `None` for a value that
//!   does not fit, so a caller sees it as out of range.
//! * Objects keep their members in document order, duplicates included; [`Json::get`] returns
//!   the first member with the key.
//! * Writing is compact and escapes strings exactly as JavaScript's `JSON.stringify` does, so
//!   a body written here is byte-identical to the one the official JS SDK sends (which matters
//!   because the body's hash is signed, §4). A number is written as its text: as it was parsed
//!   (`1E+2` stays `1E+2`), or as the plain decimal integer for one made from an `i64`, which
//!   is what `JSON.stringify` writes for integers below 10^21.
//!
//! Parse errors are a [`JsonError`] (a static message and a byte offset, never any of the input
//! text); callers turn it into an [`Error`] of the kind that fits their context with
//! [`JsonError::to_error`].

use super::error::{Error, ErrorKind};
use std::fmt::{self, Write as _};

/// Deepest nesting of arrays and objects [`parse`] accepts.
pub const MAX_DEPTH: usize = 64;

/// Largest integer an `f64` holds exactly together with all smaller ones (2^53 - 1): the limit
/// of [`Number::as_i64`], so that every integer it answers means the same in JavaScript.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// A JSON value. Objects are a list of members in document order (duplicates kept).
///
/// Equality is structural, and numbers compare by their text (see [`Number`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// A JSON number, kept as its text.
///
/// The text always matches the JSON number grammar (RFC 8259 §6,
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`): the parser, [`Number::parse`] and
/// [`Number::from_i64`] (also as `From<i64>`) are the only ways to make one. Its value is read
/// exactly from the decimal text, with integer arithmetic only ([`Number::as_i64`],
/// [`Number::scaled_floor`]).
///
/// Two numbers are equal when their texts are: `1`, `1.0` and `1e0` are three different
/// `Number`s with the same value. That is what the round trip `parse(write(v)) == v` needs, and
/// no caller compares numbers otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number(Box<str>);

impl Number {
    /// The number written `text`, when all of `text` is a JSON number (no whitespace).
    pub fn parse(text: &str) -> Option<Number> {
        let mut p = Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        };
        match p.number() {
            Ok(Json::Number(n)) if p.pos == text.len() => Some(n),
            _ => None,
        }
    }

    /// `n` as a number, written as a plain decimal integer (as `JSON.stringify` writes it).
    pub fn from_i64(n: i64) -> Number {
        Number(n.to_string().into_boxed_str())
    }

    /// The number's JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value when it is an integer within ±(2^53 - 1), the range in which a JavaScript
    /// number holds every integer exactly. Exact: `1e2`, `2.50e1`, `-0` and `3.0` are integers;
    /// `3.5`, `3.0000000000000001` and `1e300` are not (or not in range).
    pub fn as_i64(&self) -> Option<i64> {
        match self.scaled(0) {
            Some((n, true)) if n.unsigned_abs() <= MAX_SAFE_INTEGER => Some(n),
            _ => None,
        }
    }

    /// `floor(value × 10^k)`, computed exactly from the text, when it fits an `i64`.
    ///
    /// For example `scaled_floor(3)` turns seconds into whole milliseconds: `1.2345` gives
    /// `1234`, `-1.2345` gives `-1235`, `1e-400` gives `0` and `1e400` gives `None`.
    pub fn scaled_floor(&self, k: u32) -> Option<i64> {
        self.scaled(k).map(|(n, _)| n)
    }

    /// `floor(value × 10^k)` when it fits an `i64`, and whether it is exact (no non-zero digit
    /// was dropped).
    fn scaled(&self, k: u32) -> Option<(i64, bool)> {
        // The text is valid (see the type's documentation): sign, digits with at most one '.',
        // then an optional exponent.
        let text = self.0.as_bytes();
        let (negative, text) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let mantissa_len = text
            .iter()
            .position(|b| matches!(b, b'e' | b'E'))
            .unwrap_or(text.len());
        let (mantissa, exponent) = text.split_at(mantissa_len);
        let (int_digits, frac_digits) = match mantissa.iter().position(|&b| b == b'.') {
            Some(dot) => (&mantissa[..dot], &mantissa[dot + 1..]),
            None => (mantissa, &[][..]),
        };
        // The value is the digit string D = int_digits ++ frac_digits with the decimal point
        // after its first `point` digits (a point beyond either end pads D with zeros).
        let point = i64::try_from(int_digits.len())
            .unwrap_or(i64::MAX)
            .saturating_add(exponent_value(exponent.get(1..).unwrap_or(&[])))
            .saturating_add(i64::from(k));
        let mut magnitude: u64 = 0;
        let mut exact = true;
        let mut count: i64 = 0;
        for &d in int_digits.iter().chain(frac_digits) {
            if count < point {
                magnitude = magnitude
                    .checked_mul(10)?
                    .checked_add(u64::from(d - b'0'))?;
            } else if d != b'0' {
                exact = false;
                break;
            }
            count += 1;
        }
        // Zeros up to the point; at most 20 before a non-zero magnitude overflows.
        if magnitude != 0 {
            while count < point {
                magnitude = magnitude.checked_mul(10)?;
                count += 1;
            }
        }
        let floor = if negative {
            // Below zero, dropping a fraction rounds one further down.
            0i64.checked_sub_unsigned(magnitude.checked_add(u64::from(!exact))?)?
        } else {
            i64::try_from(magnitude).ok()?
        };
        Some((floor, exact))
    }
}

/// The value of an exponent's text (`[+-]?[0-9]+`), clamped to ±2^40: far beyond any exponent
/// that can still leave a value in `i64` range (a text has fewer than 2^40 digits).
fn exponent_value(text: &[u8]) -> i64 {
    const LIMIT: i64 = 1 << 40;
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let magnitude = digits
        .iter()
        .fold(0i64, |e, &d| (e * 10 + i64::from(d - b'0')).min(LIMIT));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Number {
        Number::from_i64(n)
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Json {
        Json::Number(Number::from_i64(n))
    }
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

    /// The number, when `self` is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as an integer, only when it is integral and within ±(2^53 - 1) (see
    /// [`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
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
            Json::Number(n) => out.push_str(n.as_str()),
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
        Ok(Json::Number(Number(text.into())))
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

    /// The number written `text` (which must be one).
    fn num(text: &str) -> Number {
        Number::parse(text).unwrap_or_else(|| panic!("{text:?} is a JSON number"))
    }

    fn n(text: &str) -> Json {
        Json::Number(num(text))
    }

    #[test]
    fn parses_scalars() {
        assert_eq!(parse("null"), Ok(Json::Null));
        assert_eq!(parse(" true "), Ok(Json::Bool(true)));
        assert_eq!(parse("false"), Ok(Json::Bool(false)));
        assert_eq!(parse("0"), Ok(Json::from(0)));
        assert_eq!(parse("-0.5e2"), Ok(n("-0.5e2")));
        assert_eq!(parse("-0.5e2").unwrap().as_i64(), Some(-50));
        assert_eq!(parse(" 1E+2 "), Ok(n("1E+2")));
        assert_eq!(parse("1E+2").unwrap().as_i64(), Some(100));
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
            "-Infinity",
            "-01",
            "1.e5",
            "1e+",
            "0x10",
            "1_000",
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
    fn numbers_keep_their_text() {
        for text in [
            "0",
            "-0",
            "1E+2",
            "2.50e1",
            "-0.000",
            "1e-7",
            "123456.789",
            "1e400",
        ] {
            let v = parse(text).unwrap();
            assert_eq!(v.as_number().map(Number::as_str), Some(text));
            assert_eq!(v.to_json_string(), text, "written as parsed");
        }
        assert_eq!(n("1"), n("1"));
        assert_ne!(n("1"), n("1.0"), "numbers compare by text");
        assert_eq!(Json::from(-42).to_json_string(), "-42");
        assert_eq!(Number::from(i64::MIN).as_str(), "-9223372036854775808");
        assert_eq!(Number::from_i64(7), num("7"));
        for bad in [
            "", " 1", "1 ", "-", "+1", "01", "1.", ".5", "1e", "1e+", "NaN", "1x",
        ] {
            assert_eq!(Number::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn numbers_beyond_f64_are_accepted_as_out_of_range() {
        // JSON.parse accepts these too (as ±Infinity or 0); the text is kept, and the
        // accessors answer None where the value does not fit.
        let v = parse(r#"{"big":1e400,"small":-1e-400,"long":1e999999999999999999999}"#).unwrap();
        let big = v.get("big").and_then(Json::as_number).unwrap();
        assert_eq!(big.as_i64(), None);
        assert_eq!(big.scaled_floor(0), None);
        let small = v.get("small").and_then(Json::as_number).unwrap();
        assert_eq!(small.as_i64(), None);
        assert_eq!(small.scaled_floor(3), Some(-1));
        assert_eq!(num("1e-400").scaled_floor(3), Some(0));
        let long = v.get("long").and_then(Json::as_number).unwrap();
        assert_eq!(long.scaled_floor(0), None);
        assert_eq!(num("0e999999999999999999999").as_i64(), Some(0));
        assert_eq!(num("1e-999999999999999999999").scaled_floor(3), Some(0));
        assert_eq!(
            v.to_json_string(),
            r#"{"big":1e400,"small":-1e-400,"long":1e999999999999999999999}"#
        );
    }

    #[test]
    fn accessors() {
        for (text, want) in [
            ("3", Some(3)),
            ("-3", Some(-3)),
            ("3.0", Some(3)),
            ("-0", Some(0)),
            ("0.0e5", Some(0)),
            ("1e2", Some(100)),
            ("1E+2", Some(100)),
            ("2.50e1", Some(25)),
            ("100e-2", Some(1)),
            ("9007199254740991", Some(9_007_199_254_740_991)),
            ("-9007199254740991", Some(-9_007_199_254_740_991)),
            ("9.007199254740991e15", Some(9_007_199_254_740_991)),
            ("9007199254740992", None),
            ("-9007199254740992", None),
            ("3.5", None),
            ("-3.5", None),
            ("12345e-3", None),
            ("1e-5", None),
            ("3.0000000000000001", None),
            ("1e300", None),
        ] {
            assert_eq!(num(text).as_i64(), want, "{text}");
            assert_eq!(n(text).as_i64(), want, "{text}");
        }
        assert_eq!(s("3").as_i64(), None);
        assert_eq!(s("3").as_number(), None);
        assert_eq!(Json::Bool(true).as_bool(), Some(true));
        assert_eq!(Json::Null.as_bool(), None);
        assert!(Json::Null.is_null());
        assert_eq!(Json::Null.get("a"), None);
        assert_eq!(Json::Array(vec![]).as_str(), None);
    }

    #[test]
    fn scaled_floor() {
        for (text, k, want) in [
            ("1.2345", 3, Some(1234)),
            ("-1.2345", 3, Some(-1235)),
            ("-1.2340", 3, Some(-1234)),
            ("10.5", 3, Some(10_500)),
            ("1720647579", 3, Some(1_720_647_579_000)),
            ("1.720647579123e9", 3, Some(1_720_647_579_123)),
            ("1e-3", 3, Some(1)),
            ("0.0001", 3, Some(0)),
            ("-0.0001", 3, Some(-1)),
            ("-1e-4", 3, Some(-1)),
            ("-0.000", 3, Some(0)),
            ("-0", 0, Some(0)),
            ("0", 18, Some(0)),
            ("5", 18, Some(5_000_000_000_000_000_000)),
            ("10", 18, None),
            ("9223372036854775807", 0, Some(i64::MAX)),
            ("9223372036854775807.9", 0, Some(i64::MAX)),
            ("9223372036854775808", 0, None),
            ("-9223372036854775808", 0, Some(i64::MIN)),
            ("-9223372036854775807.5", 0, Some(i64::MIN)),
            ("-9223372036854775808.5", 0, None),
            ("92233720368547758070e-1", 0, Some(i64::MAX)),
            ("1e18", 1, None),
            ("1e300", 3, None),
        ] {
            assert_eq!(num(text).scaled_floor(k), want, "{text} × 10^{k}");
        }
    }

    #[test]
    fn writes_compact() {
        let v = Json::Object(vec![
            ("scopes".into(), Json::Array(vec![s("chat")])),
            ("expiresInMinutes".into(), Json::from(60)),
            ("x".into(), n("-1.5e-7")),
        ]);
        assert_eq!(
            v.to_json_string(),
            r#"{"scopes":["chat"],"expiresInMinutes":60,"x":-1.5e-7}"#
        );
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

    /// The grammar of a JSON number, with fractions and exponents of every form.
    const NUMBER_TEXT: &str = "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,4})?";

    /// A finite `f64` as Rust writes it (shortest round-trip digits), plain or with an exponent.
    fn f64_text() -> impl Strategy<Value = String> {
        (
            any::<f64>().prop_filter("finite", |n| n.is_finite()),
            any::<bool>(),
        )
            .prop_map(|(n, exp)| {
                if exp {
                    format!("{n:e}")
                } else {
                    format!("{n}")
                }
            })
    }

    fn arb_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any::<i64>().prop_map(Number::from_i64),
            any::<i32>().prop_map(|n| Number::from(i64::from(n))),
            NUMBER_TEXT.prop_map(|t| num(&t)),
            f64_text().prop_map(|t| num(&t)),
        ]
    }

    /// Oracle for [`Number::scaled`]: `floor(±D × 10^shift)` for the digit string `D` (at most
    /// 30 digits), in `i128`, and whether it is exact; `None` when beyond `i128` (and so far
    /// beyond `i64`).
    fn oracle(negative: bool, digits: &str, shift: i64) -> Option<(i128, bool)> {
        let d: i128 = digits.parse().unwrap();
        if d == 0 {
            return Some((0, true));
        }
        let (q, r) = if shift >= 0 {
            let scale = 10i128.checked_pow(u32::try_from(shift).ok()?)?;
            (d.checked_mul(scale)?, 0)
        } else {
            match 10i128.checked_pow(u32::try_from(-shift).unwrap_or(u32::MAX)) {
                Some(scale) => (d / scale, d % scale),
                None => (0, d),
            }
        };
        Some(if negative {
            (-q - i128::from(r != 0), r == 0)
        } else {
            (q, r == 0)
        })
    }

    fn arb_json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            arb_number().prop_map(Json::Number),
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
        fn numbers_round_trip(n in arb_number()) {
            let v = Json::Number(n);
            let text = v.to_json_string();
            prop_assert_eq!(parse(&text), Ok(v));
        }

        #[test]
        fn scaled_matches_exact_arithmetic(
            negative: bool,
            int in "0|[1-9][0-9]{0,14}",
            frac in "[0-9]{0,14}",
            exp in proptest::option::of((prop_oneof!["e", "E"], prop_oneof!["", "\\+", "-"], 0i64..40)),
            k in 0u32..7,
        ) {
            let mut text = format!("{}{int}", if negative { "-" } else { "" });
            if !frac.is_empty() {
                text = format!("{text}.{frac}");
            }
            let mut e = 0;
            if let Some((mark, sign, value)) = &exp {
                text = format!("{text}{mark}{sign}{value}");
                e = if sign == "-" { -value } else { *value };
            }
            let number = num(&text);
            let shift = e - frac.len() as i64 + i64::from(k);
            let want = oracle(negative, &format!("{int}{frac}"), shift);
            let floor = want.and_then(|(q, _)| i64::try_from(q).ok());
            prop_assert_eq!(number.scaled_floor(k), floor, "{} × 10^{}", text, k);
            let unscaled = oracle(negative, &format!("{int}{frac}"), shift - i64::from(k));
            let integer = unscaled
                .filter(|&(q, exact)| exact && q.unsigned_abs() <= u128::from(MAX_SAFE_INTEGER))
                .map(|(q, _)| q as i64);
            prop_assert_eq!(number.as_i64(), integer, "{}", text);
        }

        #[test]
        fn as_i64_agrees_with_f64(text in f64_text()) {
            // The rule the f64 representation had: integral and within ±(2^53 - 1).
            let f: f64 = text.parse().unwrap();
            let old = (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_991.0).then_some(f as i64);
            prop_assert_eq!(num(&text).as_i64(), old, "{}", text);
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
