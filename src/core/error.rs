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
}
