//! Connection strings (§5): `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>`.
//!
//! Keys are matched case-insensitively, pairs are split on `;` and each pair on its first `=` (so the
//! key's base64 padding survives). The endpoint may carry a port and a trailing `/`; its path must be
//! empty or `/`. Error messages never contain the key or the connection string.

use super::error::{Error, ErrorKind, Result};
use super::signing::AccessKey;
use super::url::Url;

const FORMAT_HINT: &str =
    "The format should be as follows: endpoint=https://<ResourceUrl>/;accesskey=<KeyValue>";

/// A parsed connection string: the endpoint and the decoded access key.
#[derive(Clone)]
pub struct ConnectionString {
    pub endpoint: Endpoint,
    pub key: AccessKey,
}

/// A validated service endpoint: `scheme://authority/`, no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: Url,
}

impl Endpoint {
    /// Parses an endpoint URL. Its path must be empty or `/`, and it must have no query.
    pub fn parse(input: &str) -> Result<Endpoint> {
        let url = Url::parse(input.trim())?;
        if url.path_and_query != "/" {
            return Err(Error::new(
                ErrorKind::InvalidUrl,
                "invalid endpoint: it must be just scheme and host, such as https://<resource>.communication.azure.com/ (no path or query)",
            ));
        }
        Ok(Endpoint { url })
    }

    /// `https://host[:port]/` — always with the trailing slash.
    pub fn as_str(&self) -> String {
        format!("{}/", self.url.origin())
    }

    /// The full URL of a request path (`/identities?...`).
    pub fn join(&self, path_and_query: &str) -> String {
        format!("{}{}", self.url.origin(), path_and_query)
    }
}

impl std::fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint.as_str())
            .field("key", &"<redacted>")
            .finish()
    }
}

fn bad(what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidConnectionString,
        format!("invalid connection string: {what}. {FORMAT_HINT}"),
    )
}

impl ConnectionString {
    pub fn parse(input: &str) -> Result<ConnectionString> {
        let mut endpoint = None;
        let mut key = None;
        for pair in input.split(';') {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let Some((name, value)) = pair.split_once('=') else {
                return Err(bad("every part must be name=value"));
            };
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => &mut endpoint,
                "accesskey" => &mut key,
                // Unknown names are ignored, as the official SDKs do; their values are never echoed.
                _ => continue,
            };
            if slot.is_some() {
                return Err(bad(&format!(
                    "`{}` is given more than once",
                    name.trim().to_ascii_lowercase()
                )));
            }
            *slot = Some(value.trim());
        }
        let endpoint = endpoint.ok_or_else(|| bad("the `endpoint` is missing"))?;
        let key = key.ok_or_else(|| bad("the `accesskey` is missing"))?;
        let endpoint = Endpoint::parse(endpoint)
            .map_err(|e| bad(&format!("the endpoint is not valid ({})", e.message)))?;
        let key = AccessKey::from_base64(key).map_err(|e| Error {
            kind: ErrorKind::InvalidConnectionString,
            message: format!("invalid connection string: {}. {FORMAT_HINT}", e.message),
            ..e
        })?;
        Ok(ConnectionString { endpoint, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_order() {
        for cs in [
            "endpoint=https://res.communication.azure.com/;accesskey=pw==",
            "ACCESSKEY=pw==;Endpoint=https://res.communication.azure.com",
            " endpoint = https://res.communication.azure.com/ ; accessKey = pw== ;",
            "endpoint=https://res.communication.azure.com/;accesskey=pw==;extra=ignored",
        ] {
            let p = ConnectionString::parse(cs).unwrap();
            assert_eq!(
                p.endpoint.as_str(),
                "https://res.communication.azure.com/",
                "{cs}"
            );
            assert_eq!(p.key.bytes(), &[0xa7]);
        }
        let p = ConnectionString::parse("endpoint=http://127.0.0.1:4000/;accesskey=pw==").unwrap();
        assert_eq!(p.endpoint.as_str(), "http://127.0.0.1:4000/");
        assert_eq!(
            p.endpoint.join("/identities?api-version=x"),
            "http://127.0.0.1:4000/identities?api-version=x"
        );
    }

    #[test]
    fn every_bad_connection_string() {
        let secret = "c2VjcmV0LWtleS1ieXRlcw==";
        let cases = [
            ("", "endpoint` is missing"),
            ("accesskey=pw==", "endpoint` is missing"),
            ("endpoint=https://x.com/", "accesskey` is missing"),
            ("endpoint=https://x.com/;accesskey", "name=value"),
            ("endpoint=https://x.com/;accesskey=", "access key is empty"),
            (
                "endpoint=https://x.com/;accesskey=not base64!",
                "not valid base64",
            ),
            ("endpoint=https://x.com/path;accesskey=pw==", "no path"),
            ("endpoint=https://x.com/?q=1;accesskey=pw==", "no path"),
            ("endpoint=x.com;accesskey=pw==", "absolute"),
            ("endpoint=ftp://x.com/;accesskey=pw==", "scheme"),
            (
                "endpoint=https://x.com/;endpoint=https://y.com/;accesskey=pw==",
                "more than once",
            ),
            ("endpoint=https://x.com:70000/;accesskey=pw==", "port"),
        ];
        for (cs, needle) in cases {
            let err = ConnectionString::parse(cs).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidConnectionString, "{cs}");
            assert!(err.message.contains(needle), "{cs}: {}", err.message);
            assert!(err
                .message
                .contains("endpoint=https://<ResourceUrl>/;accesskey=<KeyValue>"));
        }
        for cs in [
            format!("endpoint=https://x.com/p;accesskey={secret}"),
            format!("endpoint=https://x.com/;accesskey={secret}!"),
            format!("endpoint=https://x.com/;accesskey={secret};accesskey={secret}"),
        ] {
            let err = ConnectionString::parse(&cs).unwrap_err();
            assert!(!err.message.contains(secret), "{}", err.message);
            assert!(!format!("{err:?}").contains(secret));
        }
        let ok = ConnectionString::parse(&format!("endpoint=https://x.com/;accesskey={secret}"))
            .unwrap();
        assert!(!format!("{ok:?}").contains(secret));
    }
}
