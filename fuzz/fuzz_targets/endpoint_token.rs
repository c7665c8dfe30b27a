//! The edge token endpoint's app-token checks: `bearer_token`, `verify_token`, `check_claims`,
//! `parse_jwks` / `key_candidates` and `jwks_action`. Never panics; a refusal is a 401 (500 only
//! for an internal failure) whose message contains neither the token (16+ characters), nor any
//! of its parts (16+), nor the HS256 secret; `Verified` only for an HS256 token whose signature
//! is the HMAC-SHA256 of its signing input under the configured secret (recomputed here);
//! `NeedsKey` only for RS256 / ES256 with a JWKS configured; accepted claims have a valid `sub`
//! and unexpired `exp`.
//!
//! Each input is used twice: as the token text (or, when it starts with `{`, a JWKS document),
//! and through `arbitrary` as generated claims signed with the configured HS256 secret, so that
//! the fuzzer gets past the signature to the claim checks.
//!
//! The JSON parts are read as in the package, JSON text → the core's typed values, here with
//! serde_json (the package: `JSON.parse` + serde-wasm-bindgen). The repeated-name check, which
//! compares the members the text has with those of the parsed value, is checked against a
//! streaming oracle that sees every name: a token whose header or payload repeats a name in any
//! object is never accepted, and the counts differ exactly when a name repeats.
#![no_main]

use acs_identity::core::access_token::exact_ms_of_seconds;
use acs_identity::core::endpoint::{
    bearer_token, check_claims, count_text_members, is_low_s, jwks_action, jwks_keys_trusted,
    key_candidates, mapping_key, parse_jwks, verify_token, Claims, Config, JwkKey, JwksAction,
    JwksPolicy, JwksState, KeyAlg, KvBinding, Member, MemberCount, TrustSource, Verification,
    CLOCK_SKEW_MS, MAX_JSON_DEPTH, MAX_KEY_CHARS, MAX_SUB_BYTES, MAX_SUB_CHARS,
};
use acs_identity_fuzz::{
    assert_not_echoed, b64url, endpoint_config, hmac_raw, text, SerdeJson, ENDPOINT_CS,
    ENDPOINT_SECRET,
};
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// The oracle: whether any object of a JSON text repeats a member name (serde_json streams
/// every name, decoded, before its map keeps only one).
struct Repeats(bool);

struct RepeatsVisitor;

impl<'de> Visitor<'de> for RepeatsVisitor {
    type Value = Repeats;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Repeats, E> {
        Ok(Repeats(false))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Repeats, E> {
        Ok(Repeats(false))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Repeats, E> {
        Ok(Repeats(false))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Repeats, E> {
        Ok(Repeats(false))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Repeats, E> {
        Ok(Repeats(false))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<Repeats, E> {
        Ok(Repeats(false))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Repeats, A::Error> {
        let mut any = false;
        while let Some(Repeats(r)) = seq.next_element()? {
            any |= r;
        }
        Ok(Repeats(any))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Repeats, A::Error> {
        let mut seen = HashSet::new();
        let mut any = false;
        while let Some(key) = map.next_key::<String>()? {
            any |= !seen.insert(key);
            let Repeats(r) = map.next_value()?;
            any |= r;
        }
        Ok(Repeats(any))
    }
}

impl<'de> Deserialize<'de> for Repeats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(RepeatsVisitor)
    }
}

/// The nesting depth of a JSON text (brackets outside strings).
fn depth(text: &str) -> usize {
    let (mut d, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for c in text.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => in_string = true,
            (false, _, '{' | '[') => {
                d += 1;
                max = max.max(d);
            }
            (false, _, '}' | ']') => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The member count against the oracle, for any JSON text serde_json accepts.
fn check_member_count(text: &str) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let counted = count_text_members(text);
    if depth(text) > MAX_JSON_DEPTH {
        assert!(counted.is_none(), "too deep, yet counted");
        return;
    }
    // serde_json refuses lone surrogates: a text it accepts is counted.
    let counted = counted.expect("a JSON text within the depth limit is counted");
    let parsed = MemberCount::deserialize(&value).expect("counts");
    let Ok(Repeats(repeats)) = serde_json::from_str::<Repeats>(text) else {
        return;
    };
    assert_eq!(parsed.all != counted.all, repeats, "{text:?}");
    assert!(parsed.all <= counted.all && parsed.top <= counted.top);
    if !repeats {
        assert_eq!(parsed.top, counted.top);
    }
}

/// A JSON text of at most `depth` levels whose member names often repeat (also spelled with
/// escapes), with the names the checks read.
fn arb_json_text(u: &mut Unstructured, depth: usize) -> Result<String> {
    const NAMES: [&str; 12] = [
        "sub",
        "\\u0073ub",
        "exp",
        "iat",
        "nbf",
        "iss",
        "aud",
        "alg",
        "kid",
        "a",
        "a:b",
        "\\\"",
    ];
    let choice = if depth == 0 {
        u.int_in_range(0..=4)?
    } else {
        u.int_in_range(0..=6)?
    };
    Ok(match choice {
        0 => "null".into(),
        1 => if u.arbitrary()? { "true" } else { "false" }.into(),
        2 => arb_number_text(u)?,
        3 => serde_json::to_string(&u.arbitrary::<String>()?).unwrap_or_default(),
        4 => format!("\"{}\"", u.choose(&NAMES)?),
        5 => {
            let n = u.int_in_range(0..=4)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(arb_json_text(u, depth - 1)?);
            }
            format!("[{}]", items.join(","))
        }
        _ => {
            let n = u.int_in_range(0..=5)?;
            let mut members = Vec::with_capacity(n);
            for _ in 0..n {
                let name = u.choose(&NAMES)?;
                members.push(format!("\"{name}\":{}", arb_json_text(u, depth - 1)?));
            }
            format!("{{{}}}", members.join(","))
        }
    })
}

/// A JSON number's text: integers, fractions, exponents, the edges of the date range.
fn arb_number_text(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0 => u.arbitrary::<i64>()?.to_string(),
        1 => format!("{}.{}", u.arbitrary::<i32>()?, u.arbitrary::<u16>()?),
        2 => format!("{}e{}", u.arbitrary::<i16>()?, u.int_in_range(-330..=330)?),
        3 => u
            .choose(&[
                "99999999999999.98",
                "-99999999999999.98",
                "1e14",
                "100000000000000",
                "-0",
                "5e-324",
                "-5e-324",
            ])?
            .to_string(),
        _ => {
            let f = f64::from_bits(u.arbitrary()?);
            if f.is_finite() {
                serde_json::to_string(&f).unwrap_or_else(|_| "0".into())
            } else {
                "0".into()
            }
        }
    })
}

const CS: &str = ENDPOINT_CS;
const SECRET: &str = ENDPOINT_SECRET;
const ISSUER: &str = "https://issuer.example.com/";
const AUDIENCE: &str = "acs-token-endpoint";
/// A realistic "now" (2025-07-10) for the generated tokens.
const NOW_MS: i64 = 1_752_183_579_000;

/// (config, its HS256 secret when it has one)
fn configs() -> &'static [(Config, Option<&'static str>)] {
    static CONFIGS: OnceLock<Vec<(Config, Option<&'static str>)>> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let make = |pairs: &[(&str, &str)]| endpoint_config(pairs, KvBinding::Missing);
        vec![
            (
                make(&[("ACS_CONNECTION_STRING", CS), ("AUTH_JWT_SECRET", SECRET)]),
                Some(SECRET),
            ),
            (
                make(&[
                    ("ACS_CONNECTION_STRING", CS),
                    ("AUTH_JWT_SECRET", SECRET),
                    ("AUTH_JWKS_URL", "https://login.example.com/keys"),
                    ("AUTH_ISSUER", ISSUER),
                    ("AUTH_AUDIENCE", AUDIENCE),
                ]),
                Some(SECRET),
            ),
            (
                make(&[
                    ("ACS_CONNECTION_STRING", CS),
                    ("AUTH_JWKS_URL", "https://login.example.com/keys"),
                    ("AUTH_ISSUER", ISSUER),
                    ("AUTH_AUDIENCE_OPTIONAL", "true"),
                    ("AUTH_TOKEN_TYPES", "JWT,at+jwt"),
                ]),
                None,
            ),
        ]
    })
}

/// Refusals for probe tokens: fixed text (`Display` and `Debug`).
fn fixed_messages() -> &'static [String] {
    static FIXED: OnceLock<Vec<String>> = OnceLock::new();
    FIXED.get_or_init(|| {
        let mut probes: Vec<String> = (0..12).map(|n| ".".repeat(n)).collect();
        probes.push("a".into());
        let body = b64url(br#"{"exp":1}"#);
        for header in [
            r#"{}"#,
            r#"{"alg":"none"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"RS256"}"#,
            r#"{"alg":"ES256"}"#,
            r#"{"alg":"PS256"}"#,
            r#"{"alg":"HS256","crit":[]}"#,
            r#"{"alg":"HS256","kid":1}"#,
        ] {
            probes.push(format!("{}.{body}.", b64url(header.as_bytes())));
            probes.push(format!("{}.{body}.c2ln", b64url(header.as_bytes())));
        }
        let mut out = Vec::new();
        for (config, _) in configs() {
            for p in &probes {
                if let Err(r) = verify_token(config, p, &SerdeJson) {
                    out.push(format!("{r} {r:?}"));
                }
            }
            for claims in [
                r#"{}"#,
                r#"{"exp":"x"}"#,
                r#"{"exp":1}"#,
                r#"{"exp":1e13,"nbf":1e13}"#,
                r#"{"exp":1e13,"iat":1e13}"#,
                r#"{"exp":1e13}"#,
                r#"{"exp":1e13,"iss":"x"}"#,
            ] {
                let claims: Claims = serde_json::from_str(claims).expect("probe claims");
                if let Err(r) = check_claims(config, &claims, NOW_MS) {
                    out.push(format!("{r} {r:?}"));
                }
            }
        }
        for auth in ["", "Basic x", "Bearer", "Bearer a b"] {
            if let Err(r) = bearer_token(Some(auth)) {
                out.push(format!("{r} {r:?}"));
            }
        }
        out
    })
}

fn check_token(token: &str, now_ms: i64) {
    // The header carries it as sent.
    match bearer_token(Some(&format!("Bearer {token}"))) {
        Ok(t) => assert_eq!(t, token.trim()),
        Err(r) => {
            assert_eq!(r.status, 401);
            assert!(token.trim().is_empty() || token.trim().contains(char::is_whitespace));
        }
    }
    let secret_shown = |shown: &str| {
        assert!(!shown.contains(SECRET), "the HS256 secret leaked: {shown}");
        if token.chars().count() >= 16 {
            assert_not_echoed(shown, token, fixed_messages(), "the app token");
        }
        for part in token.split('.') {
            if part.chars().count() >= 16 {
                assert_not_echoed(shown, part, fixed_messages(), "a part of the app token");
            }
        }
    };
    for (config, secret) in configs() {
        match verify_token(config, token, &SerdeJson) {
            Ok(Verification::Verified(claims)) => {
                let secret = secret.expect("HS256 is verified only with a secret");
                let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
                let header = token.split('.').next().unwrap_or("");
                let json_part = |part: &str| {
                    acs_identity::core::access_token::decode_base64url(part)
                        .and_then(|h| String::from_utf8(h).ok())
                        .expect("a verified part decodes")
                };
                let header = json_part(header);
                let payload = json_part(token.split('.').nth(1).unwrap_or(""));
                for part in [&header, &payload] {
                    let Repeats(repeats) = serde_json::from_str(part).expect("JSON");
                    assert!(!repeats, "accepted with a repeated name: {part:?}");
                }
                let header: serde_json::Value = serde_json::from_str(&header).expect("JSON");
                assert_eq!(header["alg"].as_str(), Some("HS256"));
                let payload: serde_json::Value = serde_json::from_str(&payload).expect("JSON");
                assert!(payload.is_object());
                let expected = hmac_raw(secret.as_bytes(), signing_input.as_bytes());
                let given = acs_identity::core::access_token::decode_base64url(signature)
                    .expect("a verified signature decodes");
                assert_eq!(given, expected, "Verified with a wrong signature");
                match check_claims(config, &claims, now_ms) {
                    Ok(sub) => {
                        assert!(!sub.trim().is_empty());
                        assert!(!sub.chars().any(char::is_control));
                        for source in [TrustSource::Secret, TrustSource::Jwks] {
                            if let Ok(key) = mapping_key(config, source, &claims, &sub) {
                                assert!(key.ends_with(&format!(".{}:{sub}", source.as_str())));
                                assert!(key.chars().count() <= MAX_KEY_CHARS);
                            }
                        }
                        assert!(sub.chars().count() <= MAX_SUB_CHARS && sub.len() <= MAX_SUB_BYTES);
                        assert_eq!(claims.sub.as_str(), Some(sub.as_str()));
                        assert_eq!(payload["sub"].as_str(), Some(sub.as_str()));
                        let exp = match claims.exp {
                            Member::Number(n) => exact_ms_of_seconds(n),
                            _ => None,
                        }
                        .expect("exp");
                        assert!(exp.saturating_add(CLOCK_SKEW_MS) > now_ms);
                        if let Some(iss) = &config.issuer {
                            assert_eq!(claims.iss.as_str(), Some(iss.as_str()));
                        }
                    }
                    Err(r) => {
                        assert_eq!(r.status, 401, "{r:?}");
                        assert!(r.www_authenticate.is_some());
                        secret_shown(&format!("{r} {r:?}"));
                    }
                }
            }
            Ok(Verification::NeedsKey(check)) => {
                assert!(config.jwks_url.is_some());
                let (signing_input, _) = token.rsplit_once('.').expect("three parts");
                assert_eq!(check.signing_input, signing_input);
                assert!(!check.signature.is_empty());
                if check.alg == KeyAlg::Es256 {
                    assert_eq!(check.signature.len(), 64);
                    assert!(is_low_s(&check.signature), "a high-S ES256 signature");
                }
            }
            Err(r) => {
                assert!(r.status == 401 || r.status == 500, "{r:?}");
                if r.status == 401 {
                    assert!(r.www_authenticate.is_some());
                }
                secret_shown(&format!("{r} {r:?}"));
            }
        }
    }
}

fn check_jwks(text: &str) {
    check_member_count(text);
    let Ok(keys) = parse_jwks(text, &SerdeJson) else {
        return;
    };
    for k in &keys {
        match (&k.alg, &k.key) {
            (KeyAlg::Rs256, JwkKey::Rsa { n, e }) => {
                let n = acs_identity::core::access_token::decode_base64url(n).expect("n");
                let e = acs_identity::core::access_token::decode_base64url(e).expect("e");
                assert!(n.len() >= 256 && !e.is_empty() && e.len() <= 8);
            }
            (KeyAlg::Es256, JwkKey::EcP256 { x, y }) => {
                for c in [x, y] {
                    let c = acs_identity::core::access_token::decode_base64url(c).expect("xy");
                    assert_eq!(c.len(), 32);
                }
            }
            other => panic!("key type and alg disagree: {other:?}"),
        }
    }
    for alg in [KeyAlg::Rs256, KeyAlg::Es256] {
        let kid = keys.first().and_then(|k| k.kid.as_deref());
        for kid in [None, kid, Some("nope")] {
            let c = key_candidates(&keys, alg, kid);
            assert!(c.len() <= 4);
            assert!(c.iter().all(|&i| keys[i].alg == alg));
        }
    }
}

/// Realistic instants (years 1 to 9999) for the JWKS cache policy.
fn instant(u: &mut Unstructured) -> Result<i64> {
    u.int_in_range(-62_135_596_800_000..=253_402_300_799_999)
}

fn check_jwks_policy(u: &mut Unstructured) -> Result<()> {
    let state = JwksState {
        fetched_at_ms: if u.arbitrary()? {
            Some(instant(u)?)
        } else {
            None
        },
        last_refetch_ms: if u.arbitrary()? {
            Some(instant(u)?)
        } else {
            None
        },
        last_failure_ms: if u.arbitrary()? {
            Some(instant(u)?)
        } else {
            None
        },
    };
    let has_match: bool = u.arbitrary()?;
    let now = instant(u)?;
    let policy = JwksPolicy::from_seconds(u.int_in_range(1..=86_400)?, u.int_in_range(0..=86_400)?);
    let action = jwks_action(&policy, &state, has_match, now);
    if state.fetched_at_ms.is_none() {
        assert!(matches!(
            action,
            JwksAction::Fetch { refetch: false } | JwksAction::Unavailable
        ));
    }
    // Keys past their lifetime and grace period are never used.
    if action == JwksAction::Use && state.fetched_at_ms.is_some() {
        let age = now.saturating_sub(state.fetched_at_ms.unwrap_or(now));
        assert!(age < policy.ttl_ms || jwks_keys_trusted(&policy, &state, now));
    }
    if action == JwksAction::Stale {
        assert!(!jwks_keys_trusted(&policy, &state, now));
    }
    if action == JwksAction::Unavailable {
        assert!(state.fetched_at_ms.is_none());
    }
    Ok(())
}

/// Generated claims (often a plausible `exp`, `sub`, `iss`, `aud`, `nbf`, `iat`, sometimes a
/// repeated name), signed HS256.
fn structured(u: &mut Unstructured) -> Result<(String, i64)> {
    let mut claims: Vec<String> = Vec::new();
    if u.arbitrary()? {
        let extra = arb_json_text(u, 2)?;
        if let Some(inner) = extra.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
            if !inner.is_empty() {
                claims.push(inner.to_string());
            }
        }
    }
    let offset_s: i64 = u.int_in_range(-7200..=7200)?;
    let now_s = NOW_MS / 1000;
    let mut push = |u: &mut Unstructured, name: &str, plausible: String| -> Result<()> {
        let value = match u.int_in_range(0..=5)? {
            0 => return Ok(()),
            1 => arb_json_text(u, 1)?,
            2 => arb_number_text(u)?,
            _ => plausible,
        };
        claims.push(format!("\"{name}\":{value}"));
        Ok(())
    };
    push(u, "exp", (now_s + offset_s).to_string())?;
    push(u, "nbf", (now_s - offset_s).to_string())?;
    push(u, "iat", (now_s - offset_s.abs()).to_string())?;
    let sub = serde_json::to_string(&u.arbitrary::<String>()?).unwrap_or_default();
    push(u, "sub", sub)?;
    push(u, "iss", format!("\"{ISSUER}\""))?;
    let aud = if u.arbitrary()? {
        format!("\"{AUDIENCE}\"")
    } else {
        format!("[\"other\",\"{AUDIENCE}\"]")
    };
    push(u, "aud", aud)?;
    let header = match u.int_in_range(0..=8)? {
        0 => r#"{"alg":"HS256","kid":"k1"}"#.to_string(),
        1 => arb_json_text(u, 1)?,
        2 => r#"{"alg":"RS256","kid":"k1"}"#.to_string(),
        3 => r#"{"alg":"ES256"}"#.to_string(),
        4 => r#"{"alg":"HS256","typ":"JWT","\u0061lg":"HS256"}"#.to_string(),
        _ => r#"{"alg":"HS256","typ":"JWT"}"#.to_string(),
    };
    let payload = format!("{{{}}}", claims.join(","));
    check_member_count(&payload);
    let signing_input = format!(
        "{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes())
    );
    let signature = match u.int_in_range(0..=5)? {
        0 => u.arbitrary::<Vec<u8>>()?,
        1 => {
            let mut s = hmac_raw(SECRET.as_bytes(), signing_input.as_bytes());
            let i = u.choose_index(s.len())?;
            s[i] ^= 1 << u.int_in_range(0..=7)?;
            s
        }
        _ => hmac_raw(SECRET.as_bytes(), signing_input.as_bytes()),
    };
    let now = NOW_MS + i64::from(u.int_in_range(-100_000..=100_000)?) * 1000;
    Ok((format!("{signing_input}.{}", b64url(&signature)), now))
}

fuzz_target!(|data: &[u8]| {
    if let Some(input) = text(data) {
        if input.starts_with('{') {
            check_jwks(input);
        } else {
            check_token(input, NOW_MS);
        }
    }
    let mut u = Unstructured::new(data);
    if let Ok((token, now)) = structured(&mut u) {
        check_token(&token, now);
    }
    let _ = check_jwks_policy(&mut Unstructured::new(data));
});
