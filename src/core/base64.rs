//! Base64 (RFC 4648) as the crate needs it, and nothing more: the standard alphabet with padding
//! for the signature headers (§4), strict decoding of access keys, and lenient base64url
//! decoding of JWT parts.
//!
//! Written here rather than taken from the `base64` crate, whose generic engines cost the
//! `.wasm` about 6 KB; the property tests check these functions against that crate (a
//! dev-dependency) on generated input, accepted and rejected alike.

/// Which 64 symbols, and how strictly to read them.
#[derive(Clone, Copy)]
struct Rules {
    /// `-_` instead of `+/` (RFC 4648 §5).
    url_safe: bool,
    /// Accept `=` padding (canonical or shorter) after the last symbols.
    padding: bool,
    /// Accept bits set in the last symbol beyond the decoded bytes (non-canonical text, as `atob`
    /// does).
    trailing_bits: bool,
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    let symbol = |n: u32, shift: u32| STANDARD[(n >> shift & 63) as usize];
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[symbol(n, 18), symbol(n, 12), symbol(n, 6), symbol(n, 0)]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[symbol(n, 18), symbol(n, 12), b'=', b'=']);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[symbol(n, 18), symbol(n, 12), symbol(n, 6), b'=']);
        }
        _ => {}
    }
    // Every byte is from the ASCII alphabet or `=`.
    String::from_utf8(out).unwrap_or_default()
}

/// Strict standard base64 without padding: every byte a symbol, canonical last symbol. `None`
/// otherwise.
pub fn decode_standard_unpadded(text: &str) -> Option<Vec<u8>> {
    decode(
        text.as_bytes(),
        Rules {
            url_safe: false,
            padding: false,
            trailing_bits: false,
        },
    )
}

/// base64url with or without `=` padding, tolerant of non-zero trailing bits (as `atob`). `None`
/// when it is not base64url.
pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    decode(
        text.as_bytes(),
        Rules {
            url_safe: true,
            padding: true,
            trailing_bits: true,
        },
    )
}

/// Strict base64url: no padding, canonical last symbol (the form JWS requires, RFC 7515 §2).
/// `None` otherwise.
pub fn decode_url_strict(text: &str) -> Option<Vec<u8>> {
    decode(
        text.as_bytes(),
        Rules {
            url_safe: true,
            padding: false,
            trailing_bits: false,
        },
    )
}

fn symbol_value(b: u8, url_safe: bool) -> Option<u32> {
    let v = match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' if !url_safe => 62,
        b'/' if !url_safe => 63,
        b'-' if url_safe => 62,
        b'_' if url_safe => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

fn decode(text: &[u8], rules: Rules) -> Option<Vec<u8>> {
    // Symbols first, then only padding: `=` is allowed after two or three symbols of the last
    // quad, and no quad may be longer than four characters.
    let symbols = text.iter().position(|&b| b == b'=').unwrap_or(text.len());
    let padding = text.len() - symbols;
    let rem = symbols % 4;
    if rem == 1
        || (padding > 0
            && (!rules.padding
                || rem == 0
                || rem + padding > 4
                || text[symbols..].iter().any(|&b| b != b'=')))
    {
        return None;
    }
    let mut out = Vec::with_capacity(symbols / 4 * 3 + 2);
    for quad in text[..symbols].chunks(4) {
        let mut n = 0u32;
        for &b in quad {
            n = (n << 6) | symbol_value(b, rules.url_safe)?;
        }
        // `quad.len()` symbols carry `6 × len` bits; whole bytes are the top `len - 1` bytes.
        let bytes = quad.len() - 1;
        let extra = 6 * quad.len() - 8 * bytes;
        if !rules.trailing_bits && n & ((1 << extra) - 1) != 0 {
            return None;
        }
        let n = n >> extra;
        for i in (0..bytes).rev() {
            out.push((n >> (8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::alphabet;
    use ::base64::engine::general_purpose::{STANDARD as ORACLE, STANDARD_NO_PAD as ORACLE_NO_PAD};
    use ::base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use ::base64::Engine as _;
    use proptest::prelude::*;

    /// What `decode_url` replaced: the `base64` crate configured as lenient base64url.
    const ORACLE_URL: GeneralPurpose = GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );

    /// What JWS requires: base64url without padding, canonical (the crate's strict engine).
    const ORACLE_URL_STRICT: GeneralPurpose = ::base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// Text near base64: symbols of both alphabets, padding, and a few bytes of neither.
    fn near_base64() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                8 => proptest::sample::select(STANDARD.to_vec()),
                2 => proptest::sample::select(b"-_=".to_vec()),
                1 => proptest::sample::select(b" .\n!".to_vec()),
            ],
            0..14,
        )
        .prop_map(|b| String::from_utf8(b).unwrap())
    }

    proptest! {
        #[test]
        fn encode_matches_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..70)) {
            prop_assert_eq!(encode(&bytes), ORACLE.encode(&bytes));
        }

        #[test]
        fn decoders_agree_with_the_base64_crate(text in near_base64()) {
            prop_assert_eq!(decode_standard_unpadded(&text), ORACLE_NO_PAD.decode(&text).ok());
            prop_assert_eq!(decode_url(&text), ORACLE_URL.decode(&text).ok());
            prop_assert_eq!(decode_url_strict(&text), ORACLE_URL_STRICT.decode(&text).ok());
        }

        #[test]
        fn decoders_agree_on_encodings(bytes in proptest::collection::vec(any::<u8>(), 0..40), pad in 0usize..3, flip in any::<bool>()) {
            // A valid encoding, its padding trimmed or lengthened, maybe with a non-canonical last symbol.
            let mut text = ORACLE_NO_PAD.encode(&bytes);
            if flip && !text.is_empty() && text.len() % 4 != 0 {
                let last = text.pop().unwrap();
                let i = STANDARD.iter().position(|&c| char::from(c) == last).unwrap();
                text.push(char::from(STANDARD[(i + 1) % 64]));
            }
            let url = text.replace('+', "-").replace('/', "_") + &"=".repeat(pad);
            prop_assert_eq!(decode_standard_unpadded(&text), ORACLE_NO_PAD.decode(&text).ok());
            prop_assert_eq!(decode_url(&url), ORACLE_URL.decode(&url).ok());
            prop_assert_eq!(decode_url_strict(&url), ORACLE_URL_STRICT.decode(&url).ok());
            if !flip {
                prop_assert_eq!(decode_standard_unpadded(&text), Some(bytes));
            }
        }
    }

    #[test]
    fn rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(encode(plain.as_bytes()), encoded);
            let unpadded = encoded.trim_end_matches('=');
            assert_eq!(
                decode_standard_unpadded(unpadded).as_deref(),
                Some(plain.as_bytes())
            );
            assert_eq!(decode_url(encoded).as_deref(), Some(plain.as_bytes()));
            assert_eq!(decode_url(unpadded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(encode(&[0xfb, 0xff]), "+/8=");
        assert_eq!(decode_url("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
    }

    #[test]
    fn rejects() {
        for bad in ["Z", "Zm9vY", "Zg==", "Zm8=", "Zm9v!", "-_8", "Zh"] {
            assert_eq!(decode_standard_unpadded(bad), None, "{bad}");
        }
        for bad in ["Z", "Z===", "Zg===", "Zm9v=", "=", "Zg=A", "+/8", "Zm9v Yg"] {
            assert_eq!(decode_url(bad), None, "{bad}");
        }
        // Shorter padding and non-canonical trailing bits are accepted by the lenient reader.
        assert_eq!(decode_url("Zg=").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode_url("Zh").as_deref(), Some(&b"f"[..]));
    }
}
