//! When to retry a request and how long to wait (used by the wasm transport around §2 calls).
//!
//! Pure and clock-free: the caller passes the current time and a jitter value in `0..1`.
//!
//! Rules of [`decide`]:
//! * Retried: statuses 408, 429, 500, 502, 503, 504 and network failures (a single attempt
//!   that could not reach the service, or whose connection broke), except permanent ones.
//! * Network failures are classified by [`classify_failure`] from the runtime's cause code
//!   (`err.cause.code` of Node's `fetch`): [`Failure::NotSent`] (connection refused, host or
//!   network unreachable, a temporary DNS failure: the request provably never left, so even a
//!   create is retried), [`Failure::Permanent`] (unknown host, TLS certificate or handshake
//!   errors: never sent, and a retry would fail the same way, so never retried) and
//!   [`Failure::Unknown`] (reset, timeout, no code: the request may have reached the service).
//! * [`Outcome::Timeout`] (the caller's overall time limit for the call ran out) is never
//!   retried: there is no time left to retry in.
//! * A non-idempotent request (a create without `customId`) may already have taken effect after
//!   an [`Failure::Unknown`] network failure or a 500 / 502 / 504: it is not retried and the answer is
//!   [`Decision::StopUnsafe`], so the caller can say the identity may have been created.
//!   408, 429 and 503 mean the service did not process the request, so those are retried even
//!   for a non-idempotent request.
//! * At most `max_retries` retries (`attempt` counts the retries already made: 0 after the first
//!   attempt failed).
//! * The delay: the `retry-after-ms` header (milliseconds) wins, then `Retry-After` (seconds, or
//!   an HTTP date minus `now_ms`, never negative); otherwise exponential back-off
//!   `min(max_delay_ms, base_delay_ms * 2^attempt)` scaled by `0.8 + 0.4 * jitter`. Every delay
//!   is capped at `max_delay_ms` (also after jitter). Unparseable hints are ignored.

use super::date;

/// How many times and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 3).
    pub max_retries: u32,
    /// Back-off before the first retry, doubled each time (default 800 ms).
    pub base_delay_ms: u32,
    /// Longest wait between attempts, server hints included (default 60 s).
    pub max_delay_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay_ms: 800,
            max_delay_ms: 60_000,
        }
    }
}

/// What is known about a network failure (an attempt that got no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The request may have reached the service (connection reset, broken answer, no cause).
    Unknown,
    /// The request provably never left, and a retry may succeed (connection refused, host or
    /// network unreachable, temporary DNS failure).
    NotSent,
    /// The request never left, and a retry would fail the same way (unknown host, TLS
    /// certificate or handshake failure).
    Permanent,
}

/// Classifies a network failure from the runtime's error code (`ECONNREFUSED`, `ENOTFOUND`,
/// `DEPTH_ZERO_SELF_SIGNED_CERT`, ...: Node's `err.cause.code`; Bun's `ConnectionRefused`).
/// An absent or unrecognised code is [`Failure::Unknown`].
pub fn classify_failure(code: Option<&str>) -> Failure {
    let Some(code) = code else {
        return Failure::Unknown;
    };
    match code {
        "ECONNREFUSED" | "ConnectionRefused" | "EHOSTUNREACH" | "ENETUNREACH" | "EAI_AGAIN"
        | "EADDRNOTAVAIL" => Failure::NotSent,
        "ENOTFOUND" | "EAI_NONAME" | "EAI_FAIL" => Failure::Permanent,
        // Node's TLS verification codes (OpenSSL's names) and its TLS / SSL error codes.
        _ if code.contains("CERT")
            || code.starts_with("ERR_TLS_")
            || code.starts_with("ERR_SSL_")
            || code == "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
            || code == "HOSTNAME_MISMATCH" =>
        {
            Failure::Permanent
        }
        _ => Failure::Unknown,
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The service answered with this HTTP status.
    Status(u16),
    /// The attempt did not get an answer (DNS, refused, reset, TLS, ...).
    NetworkFailure(Failure),
    /// The overall time limit of the call ran out.
    Timeout,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait `delay_ms`, then try again.
    Retry { delay_ms: u32 },
    /// Report the outcome as it is.
    Stop,
    /// Report the outcome, adding that a non-idempotent create may have taken effect.
    StopUnsafe,
}

/// Decides whether to retry after an attempt; see the module documentation for the rules.
/// `attempt` is the number of retries already made, `retry_after` / `retry_after_ms` are the
/// raw header values, `jitter` a random value in `0..1` (clamped; not finite counts as 0.5).
#[allow(clippy::too_many_arguments)]
pub fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    outcome: Outcome,
    idempotent: bool,
    retry_after: Option<&str>,
    retry_after_ms: Option<&str>,
    now_ms: i64,
    jitter: f64,
) -> Decision {
    // Whether the service may have acted on the request (only retryable outcomes get past here).
    let may_have_been_processed = match outcome {
        Outcome::Timeout | Outcome::NetworkFailure(Failure::Permanent) => return Decision::Stop,
        Outcome::NetworkFailure(Failure::Unknown) | Outcome::Status(500 | 502 | 504) => true,
        Outcome::NetworkFailure(Failure::NotSent) | Outcome::Status(408 | 429 | 503) => false,
        Outcome::Status(_) => return Decision::Stop,
    };
    if !idempotent && may_have_been_processed {
        return Decision::StopUnsafe;
    }
    if attempt >= policy.max_retries {
        return Decision::Stop;
    }
    let max = u64::from(policy.max_delay_ms);
    let delay = server_delay_ms(retry_after, retry_after_ms, now_ms)
        .unwrap_or_else(|| backoff_ms(policy, attempt, jitter))
        .min(max);
    Decision::Retry {
        delay_ms: u32::try_from(delay).unwrap_or(policy.max_delay_ms),
    }
}

/// The delay the service asked for, if it asked in a form we understand.
fn server_delay_ms(
    retry_after: Option<&str>,
    retry_after_ms: Option<&str>,
    now_ms: i64,
) -> Option<u64> {
    if let Some(ms) = retry_after_ms.and_then(ceil_non_negative) {
        return Some(ms);
    }
    let value = retry_after?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: seconds (saturating for absurdly long values).
        return Some(
            value
                .parse::<u64>()
                .unwrap_or(u64::MAX)
                .saturating_mul(1000),
        );
    }
    let at = date::parse_rfc1123(value)?;
    Some(u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0))
}

/// A non-negative decimal number (`12`, `12.4`, `12.`, `.4`; no sign, no exponent) rounded up
/// to an integer, exactly, saturating at `u64::MAX` for absurdly long values.
fn ceil_non_negative(text: &str) -> Option<u64> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let whole = int.bytes().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    let has_fraction = frac.bytes().any(|d| d != b'0');
    Some(whole.saturating_add(u64::from(has_fraction)))
}

fn backoff_ms(policy: &RetryPolicy, attempt: u32, jitter: f64) -> u64 {
    let max = u64::from(policy.max_delay_ms);
    let exponential = if attempt >= 32 {
        max
    } else {
        (u64::from(policy.base_delay_ms) << attempt).min(max)
    };
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let scaled = (exponential as f64 * (0.8 + 0.4 * jitter)).round();
    (scaled as u64).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_649_873_352_000; // Wed, 13 Apr 2022 18:09:12 GMT

    fn run(attempt: u32, outcome: Outcome, idempotent: bool) -> Decision {
        decide(
            &RetryPolicy::default(),
            attempt,
            outcome,
            idempotent,
            None,
            None,
            NOW,
            0.5,
        )
    }

    fn hinted(retry_after: Option<&str>, retry_after_ms: Option<&str>) -> Decision {
        decide(
            &RetryPolicy::default(),
            0,
            Outcome::Status(429),
            true,
            retry_after,
            retry_after_ms,
            NOW,
            0.5,
        )
    }

    #[test]
    fn default_policy() {
        assert_eq!(
            RetryPolicy::default(),
            RetryPolicy {
                max_retries: 3,
                base_delay_ms: 800,
                max_delay_ms: 60_000
            }
        );
    }

    #[test]
    fn retryable_statuses() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                run(0, Outcome::Status(status), true),
                Decision::Retry { delay_ms: 800 },
                "{status}"
            );
        }
        for failure in [Failure::Unknown, Failure::NotSent] {
            assert_eq!(
                run(0, Outcome::NetworkFailure(failure), true),
                Decision::Retry { delay_ms: 800 }
            );
        }
        for status in [200, 201, 204, 301, 400, 401, 403, 404, 409, 501, 505, 599] {
            assert_eq!(
                run(0, Outcome::Status(status), true),
                Decision::Stop,
                "{status}"
            );
            assert_eq!(
                run(0, Outcome::Status(status), false),
                Decision::Stop,
                "{status}"
            );
        }
    }

    #[test]
    fn timeouts_are_not_retried() {
        assert_eq!(run(0, Outcome::Timeout, true), Decision::Stop);
        assert_eq!(run(0, Outcome::Timeout, false), Decision::Stop);
    }

    #[test]
    fn non_idempotent_requests() {
        for outcome in [
            Outcome::NetworkFailure(Failure::Unknown),
            Outcome::Status(500),
            Outcome::Status(502),
            Outcome::Status(504),
        ] {
            assert_eq!(run(0, outcome, false), Decision::StopUnsafe, "{outcome:?}");
            assert_eq!(run(5, outcome, false), Decision::StopUnsafe, "{outcome:?}");
        }
        for status in [408, 429, 503] {
            assert_eq!(
                run(0, Outcome::Status(status), false),
                Decision::Retry { delay_ms: 800 }
            );
        }
    }

    #[test]
    fn network_failures_by_cause() {
        for code in [
            "ECONNREFUSED",
            "ConnectionRefused",
            "EHOSTUNREACH",
            "ENETUNREACH",
            "EAI_AGAIN",
        ] {
            assert_eq!(classify_failure(Some(code)), Failure::NotSent, "{code}");
        }
        for code in [
            "ENOTFOUND",
            "DEPTH_ZERO_SELF_SIGNED_CERT",
            "SELF_SIGNED_CERT_IN_CHAIN",
            "CERT_HAS_EXPIRED",
            "ERR_TLS_CERT_ALTNAME_INVALID",
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
            "ERR_SSL_WRONG_VERSION_NUMBER",
        ] {
            assert_eq!(classify_failure(Some(code)), Failure::Permanent, "{code}");
        }
        for code in [
            None,
            Some("ECONNRESET"),
            Some("UND_ERR_SOCKET"),
            Some("ETIMEDOUT"),
            Some(""),
        ] {
            assert_eq!(classify_failure(code), Failure::Unknown, "{code:?}");
        }
        // Never left: a create is retried, and nothing is said about a possible identity.
        let not_sent = Outcome::NetworkFailure(Failure::NotSent);
        assert_eq!(run(0, not_sent, false), Decision::Retry { delay_ms: 800 });
        assert_eq!(run(0, not_sent, true), Decision::Retry { delay_ms: 800 });
        // Permanent: never retried, never "may have created".
        let permanent = Outcome::NetworkFailure(Failure::Permanent);
        assert_eq!(run(0, permanent, false), Decision::Stop);
        assert_eq!(run(0, permanent, true), Decision::Stop);
        // Unknown: a create without customId may have taken effect.
        let unknown = Outcome::NetworkFailure(Failure::Unknown);
        assert_eq!(run(0, unknown, false), Decision::StopUnsafe);
    }

    #[test]
    fn stops_after_max_retries() {
        assert!(matches!(
            run(2, Outcome::Status(503), true),
            Decision::Retry { .. }
        ));
        assert_eq!(run(3, Outcome::Status(503), true), Decision::Stop);
        assert_eq!(
            run(4, Outcome::NetworkFailure(Failure::Unknown), true),
            Decision::Stop
        );
        assert_eq!(
            run(3, Outcome::NetworkFailure(Failure::NotSent), false),
            Decision::Stop
        );
        let none = RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(
            decide(&none, 0, Outcome::Status(503), true, None, None, NOW, 0.5),
            Decision::Stop
        );
    }

    #[test]
    fn exponential_backoff_with_jitter() {
        assert_eq!(
            run(1, Outcome::Status(503), true),
            Decision::Retry { delay_ms: 1600 }
        );
        assert_eq!(
            run(2, Outcome::Status(503), true),
            Decision::Retry { delay_ms: 3200 }
        );
        let p = RetryPolicy::default();
        let after_503 = |policy: &RetryPolicy, attempt, jitter| {
            decide(
                policy,
                attempt,
                Outcome::Status(503),
                true,
                None,
                None,
                NOW,
                jitter,
            )
        };
        let d = |attempt, jitter| after_503(&p, attempt, jitter);
        assert_eq!(d(0, 0.0), Decision::Retry { delay_ms: 640 });
        assert_eq!(d(0, 1.0), Decision::Retry { delay_ms: 960 });
        assert_eq!(d(0, -3.0), Decision::Retry { delay_ms: 640 }, "clamped");
        assert_eq!(d(0, 7.0), Decision::Retry { delay_ms: 960 }, "clamped");
        assert_eq!(d(0, f64::NAN), Decision::Retry { delay_ms: 800 });
        let long = RetryPolicy {
            max_retries: 100,
            ..p
        };
        let d = |attempt, jitter| after_503(&long, attempt, jitter);
        assert_eq!(
            d(7, 0.5),
            Decision::Retry { delay_ms: 60_000 },
            "800 * 128 capped"
        );
        assert_eq!(d(7, 0.0), Decision::Retry { delay_ms: 48_000 });
        assert_eq!(
            d(7, 1.0),
            Decision::Retry { delay_ms: 60_000 },
            "capped after jitter"
        );
        assert_eq!(
            d(40, 0.5),
            Decision::Retry { delay_ms: 60_000 },
            "no overflow"
        );
        assert_eq!(d(99, 0.0), Decision::Retry { delay_ms: 48_000 });
    }

    #[test]
    fn server_hints() {
        assert_eq!(
            hinted(None, Some("1500")),
            Decision::Retry { delay_ms: 1500 }
        );
        assert_eq!(
            hinted(Some("10"), Some(" 250 ")),
            Decision::Retry { delay_ms: 250 },
            "ms wins"
        );
        assert_eq!(hinted(None, Some("0")), Decision::Retry { delay_ms: 0 });
        assert_eq!(hinted(None, Some("12.4")), Decision::Retry { delay_ms: 13 });
        assert_eq!(
            hinted(None, Some("12.000")),
            Decision::Retry { delay_ms: 12 }
        );
        assert_eq!(hinted(None, Some("12.")), Decision::Retry { delay_ms: 12 });
        assert_eq!(hinted(None, Some(".5")), Decision::Retry { delay_ms: 1 });
        assert_eq!(hinted(None, Some("0.0")), Decision::Retry { delay_ms: 0 });
        // Exact: an f64 would read this as 12.0.
        assert_eq!(
            hinted(None, Some("12.00000000000000000001")),
            Decision::Retry { delay_ms: 13 }
        );
        assert_eq!(
            hinted(None, Some("99999999999999999999999.5")),
            Decision::Retry { delay_ms: 60_000 },
            "saturates, then capped"
        );
        assert_eq!(
            hinted(Some("10"), None),
            Decision::Retry { delay_ms: 10_000 }
        );
        assert_eq!(
            hinted(Some("10"), Some("soon")),
            Decision::Retry { delay_ms: 10_000 }
        );
        assert_eq!(hinted(Some("0"), None), Decision::Retry { delay_ms: 0 });
        assert_eq!(
            hinted(Some("Wed, 13 Apr 2022 18:09:42 GMT"), None),
            Decision::Retry { delay_ms: 30_000 }
        );
        assert_eq!(
            hinted(Some("Wed, 13 Apr 2022 18:00:00 GMT"), None),
            Decision::Retry { delay_ms: 0 },
            "a date in the past means now"
        );
        // Capped at max_delay_ms.
        assert_eq!(
            hinted(Some("3600"), None),
            Decision::Retry { delay_ms: 60_000 }
        );
        assert_eq!(
            hinted(Some("99999999999999999999999"), None),
            Decision::Retry { delay_ms: 60_000 }
        );
        assert_eq!(
            hinted(None, Some("1e9")),
            Decision::Retry { delay_ms: 800 },
            "not a plain number"
        );
        assert_eq!(
            hinted(None, Some("86400000")),
            Decision::Retry { delay_ms: 60_000 }
        );
        // Unparseable hints fall back to back-off.
        for (ra, ram) in [
            (Some("soon"), None),
            (None, Some("-5")),
            (None, Some(".")),
            (None, Some("1.2.3")),
            (None, Some("+5")),
            (None, Some("1 5")),
            (None, Some("Infinity")),
            (Some(""), Some("")),
            (Some("-1"), None),
        ] {
            assert_eq!(
                hinted(ra, ram),
                Decision::Retry { delay_ms: 800 },
                "{ra:?} {ram:?}"
            );
        }
        // Hints never make a non-retryable outcome retryable.
        let p = RetryPolicy::default();
        assert_eq!(
            decide(
                &p,
                0,
                Outcome::Status(400),
                true,
                Some("1"),
                Some("1"),
                NOW,
                0.5
            ),
            Decision::Stop
        );
    }

    proptest! {
        #[test]
        fn delays_never_exceed_the_maximum(
            attempt in 0u32..64,
            status in 100u16..600,
            idempotent: bool,
            ra in proptest::option::of("\\PC{0,30}"),
            ram in proptest::option::of("[0-9.e+-]{0,12}"),
            now in -10_000_000_000_000i64..10_000_000_000_000,
            jitter in -2.0f64..2.0,
            max in 0u32..100_000,
            base in 0u32..100_000,
        ) {
            let p = RetryPolicy { max_retries: 100, base_delay_ms: base, max_delay_ms: max };
            if let Decision::Retry { delay_ms } = decide(&p, attempt, Outcome::Status(status), idempotent, ra.as_deref(), ram.as_deref(), now, jitter) {
                prop_assert!(delay_ms <= max);
            }
        }
    }
}
