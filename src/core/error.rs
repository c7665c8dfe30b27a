//! The one error type of the crate.
//!
//! Every failure carries a stable machine-readable `code` (see [`ErrorKind::code`]) and a message
//! that says what was wrong in plain words. Messages are written by hand at each failure site and
//! never include secrets: no access key, connection string, signature or token is ever formatted
//! into an error. The wasm boundary turns an [`Error`] into a JavaScript `AcsIdentityError` with
//! `code`, `statusCode`, `target`, `details` and `requestId`.

use std::fmt;

/// What kind of failure happened. The `code` strings are part of the public API: never rename one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The connection string is malformed, or lacks `endpoint` / `accesskey`.
    InvalidConnectionString,
    /// The access key is not valid base64 (or is empty).
    InvalidAccessKey,
    /// A URL or endpoint is malformed, has an unsupported scheme, or is not allowed.
    InvalidUrl,
    /// An argument has the wrong type, is missing, or is out of range.
    InvalidArgument,
    /// An access token (JWT) could not be decoded: malformed, or encrypted (JWE).
    InvalidToken,
    /// The request did not finish within its time limit.
    Timeout,
    /// The caller aborted the request with its `AbortSignal`.
    Aborted,
    /// The request could not reach the service (DNS, connection refused, reset, ...).
    NetworkError,
    /// The service answered something that does not match the contract.
    UnexpectedResponse,
    /// The service answered with an error; the string is the service's own `error.code`
    /// (for example `ValidationError`, `InvalidAccessToken`, `Denied`, `IdentityNotFound`).
    Service(String),
}

impl ErrorKind {
    /// The stable code, as JavaScript sees it in `error.code`.
    pub fn code(&self) -> &str {
        match self {
            ErrorKind::InvalidConnectionString => "InvalidConnectionString",
            ErrorKind::InvalidAccessKey => "InvalidAccessKey",
            ErrorKind::InvalidUrl => "InvalidUrl",
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::InvalidToken => "InvalidToken",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Aborted => "Aborted",
            ErrorKind::NetworkError => "NetworkError",
            ErrorKind::UnexpectedResponse => "UnexpectedResponse",
            ErrorKind::Service(code) => code,
        }
    }
}

/// An error with a stable code and a secret-free message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// HTTP status of the service's answer, when there was one.
    pub status_code: Option<u16>,
    /// The service's `error.target`, or the name of the local argument that was wrong.
    pub target: Option<String>,
    /// The service's `error.details`, as compact JSON text, when present.
    pub details_json: Option<String>,
    /// The `x-ms-client-request-id` of the failed request, when one was sent.
    pub request_id: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            status_code: None,
            target: None,
            details_json: None,
            request_id: None,
        }
    }

    pub fn invalid_argument(target: &str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message).with_target(target)
    }

    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status_code = Some(status);
        self
    }

    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    pub fn code(&self) -> &str {
        self.kind.code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for Error {}

/// A JavaScript number as a message shows it, written with integer arithmetic only (Rust's
/// float formatting would add about 30 KB to the `.wasm`).
///
/// * `NaN`, `Infinity`, `-Infinity`, and an integer below 2^63 in magnitude exactly, as
///   JavaScript's `String(n)` writes them (`-0` too, as `0`).
/// * Any other number from 10^-6 up to 2^63 in magnitude rounded to at most 6 fraction digits:
///   `60.5`, `0.333333`.
/// * Beyond those, rounded to 6 significant digits with an exponent, `1.79769e+308`,
///   `4.94066e-324`. The digits come from scaling by 10 repeatedly, so for these rare values
///   the last digit may be one off.
pub fn show_number(n: f64) -> String {
    /// 2^63: every `f64` below it in magnitude that is an integer fits an `i64`.
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if n.is_nan() {
        return "NaN".into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let mut m = n.abs();
    if m.is_infinite() {
        return format!("{sign}Infinity");
    }
    if m < TWO_POW_63 && m.fract() == 0.0 {
        return (n as i64).to_string();
    }
    if (1e-6..TWO_POW_63).contains(&m) {
        // Not an integer, hence below 2^53: both parts fit a u64. Subtracting the integer part
        // is exact.
        let mut whole = m.trunc() as u64;
        let mut micros = (m.fract() * 1e6).round() as u64;
        if micros == 1_000_000 {
            whole += 1;
            micros = 0;
        }
        let fraction = format!("{micros:06}");
        let fraction = fraction.trim_end_matches('0');
        let point = if fraction.is_empty() { "" } else { "." };
        return format!("{sign}{whole}{point}{fraction}");
    }
    let mut exponent = 0i32;
    while m >= 10.0 {
        m /= 10.0;
        exponent += 1;
    }
    while m < 1.0 {
        m *= 10.0;
        exponent -= 1;
    }
    let mut digits = (m * 1e5).round() as u64;
    if digits >= 1_000_000 {
        digits /= 10;
        exponent += 1;
    }
    let digits = digits.to_string();
    let (first, rest) = digits.split_at(1);
    let rest = rest.trim_end_matches('0');
    let point = if rest.is_empty() { "" } else { "." };
    let plus = if exponent >= 0 { "+" } else { "" };
    format!("{sign}{first}{point}{rest}e{plus}{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            ErrorKind::InvalidConnectionString.code(),
            "InvalidConnectionString"
        );
        assert_eq!(ErrorKind::Service("Denied".into()).code(), "Denied");
        let e = Error::invalid_argument("scopes", "scopes must not be empty").with_status(400);
        assert_eq!(e.to_string(), "InvalidArgument: scopes must not be empty");
        assert_eq!(e.target.as_deref(), Some("scopes"));
        assert_eq!(e.status_code, Some(400));
    }

    #[test]
    fn shows_numbers_like_javascript() {
        for (n, shown) in [
            (0.0, "0"),
            (-0.0, "0"),
            (59.0, "59"),
            (-60.0, "-60"),
            (60.5, "60.5"),
            (-60.5, "-60.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.333333"),
            (-2.0 / 3.0, "-0.666667"),
            (0.000_001, "0.000001"),
            (0.999_999_9, "1"),
            (-1.999_999_6, "-2"),
            (123_456.789, "123456.789"),
            (9_007_199_254_740_991.0, "9007199254740991"),
            (4_503_599_627_370_495.5, "4503599627370495.5"),
            (1e15, "1000000000000000"),
            (-9_223_372_036_854_774_784.0, "-9223372036854774784"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(show_number(n), shown, "{n:?}");
        }
        // Beyond those: 6 significant digits and an exponent.
        for (n, shown) in [
            (9_223_372_036_854_775_808.0, "9.22337e+18"),
            (1e21, "1e+21"),
            (-1.5e300, "-1.5e+300"),
            (f64::MAX, "1.79769e+308"),
            (9.999_999e22, "1e+23"),
            (5e-7, "5e-7"),
            (-1.234_567e-7, "-1.23457e-7"),
            (f64::MIN_POSITIVE, "2.22507e-308"),
            (5e-324, "4.94066e-324"),
        ] {
            assert_eq!(show_number(n), shown, "{n:?}");
        }
    }
}
