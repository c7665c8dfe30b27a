// Cases of the wasm boundary, shared by the Node and the browser wasm-bindgen-test binaries.
use acs_identity::wasm::sign::{parse_connection_string, sign_request};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

const VECTOR_AUTH: &str =
    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=";

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn field(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap()
}

fn vector_options(extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![
        ("method", JsValue::from_str("GET")),
        ("url", JsValue::from_str("https://example.com/testPath?testQuery=test")),
        ("accessKey", JsValue::from_str("pw==")),
        ("date", JsValue::from_str("Wed, 13 Apr 2022 18:09:12 GMT")),
    ];
    for (k, v) in extra {
        pairs.retain(|(name, _)| name != k);
        pairs.push((k, v.clone()));
    }
    options(&pairs)
}

#[wasm_bindgen_test]
fn authorization_vector() {
    let h: JsValue = sign_request(vector_options(&[])).unwrap();
    assert_eq!(field(&h, "authorization").as_string().unwrap(), VECTOR_AUTH);
    assert_eq!(
        field(&h, "x-ms-content-sha256").as_string().unwrap(),
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    assert_eq!(field(&h, "x-ms-date").as_string().unwrap(), "Wed, 13 Apr 2022 18:09:12 GMT");
}

#[wasm_bindgen_test]
fn date_as_date_object_and_number() {
    let ms = 1_649_873_352_000.0;
    for date in [JsValue::from(js_sys::Date::new(&JsValue::from_f64(ms))), JsValue::from_f64(ms)] {
        let h: JsValue = sign_request(vector_options(&[("date", date)])).unwrap();
        assert_eq!(field(&h, "authorization").as_string().unwrap(), VECTOR_AUTH);
    }
}

#[wasm_bindgen_test]
fn body_bytes_and_string_agree() {
    let body = r#"{"scopes":["chat"],"expiresInMinutes":60}"#;
    let a: JsValue = sign_request(vector_options(&[("body", JsValue::from_str(body))])).unwrap();
    let bytes = Uint8Array::from(body.as_bytes());
    let b: JsValue = sign_request(vector_options(&[("body", bytes.into())])).unwrap();
    assert_eq!(
        field(&a, "x-ms-content-sha256").as_string().unwrap(),
        "E55T2AR1et0dXg9viVUjwxjce4gxp+nmLcQffc3NPsA="
    );
    assert_eq!(field(&a, "authorization"), field(&b, "authorization"));
}

fn error_code(err: JsValue) -> String {
    assert!(err.is_instance_of::<js_sys::Error>(), "errors are JS Error objects");
    field(&err, "code").as_string().unwrap()
}

#[wasm_bindgen_test]
fn errors_carry_codes() {
    let err = sign_request(vector_options(&[("accessKey", JsValue::from_str("not base64!"))])).unwrap_err();
    assert_eq!(error_code(err), "InvalidAccessKey");
    let err = sign_request(vector_options(&[("url", JsValue::from_str("example.com"))])).unwrap_err();
    assert_eq!(error_code(err), "InvalidUrl");
    let err = sign_request(vector_options(&[("date", JsValue::from_str("yesterday"))])).unwrap_err();
    assert_eq!(field(&err, "target").as_string().unwrap(), "date");
    assert_eq!(error_code(err), "InvalidArgument");
    let err = sign_request(JsValue::from_str("nope")).unwrap_err();
    assert_eq!(error_code(err), "InvalidArgument");
    let err = parse_connection_string(JsValue::from_str("endpoint=https://x.com/p;accesskey=c2VjcmV0")).unwrap_err();
    let message = field(&err, "message").as_string().unwrap();
    assert!(!message.contains("c2VjcmV0"), "{message}");
    assert_eq!(error_code(err), "InvalidConnectionString");
}

#[wasm_bindgen_test]
fn connection_string_endpoint() {
    let r: JsValue = parse_connection_string(JsValue::from_str("endpoint=http://127.0.0.1:8080;accesskey=pw=="))
        .unwrap();
    assert_eq!(field(&r, "endpoint").as_string().unwrap(), "http://127.0.0.1:8080/");
}

fn message(err: &JsValue) -> String {
    field(err, "message").as_string().unwrap()
}

#[wasm_bindgen_test]
fn sign_options_name_what_is_wrong() {
    // Read with serde-wasm-bindgen, checked member by member: each message names the option.
    let err = sign_request(vector_options(&[("accessKey", JsValue::NULL)])).unwrap_err();
    assert_eq!(message(&err), "`accessKey` must be a string");
    assert_eq!(field(&err, "target").as_string().unwrap(), "accessKey");
    let err = sign_request(vector_options(&[("connectionString", JsValue::from_str("x"))])).unwrap_err();
    assert_eq!(message(&err), "give exactly one of `accessKey` and `connectionString`");
    let err = sign_request(vector_options(&[("method", JsValue::from_f64(1.0))])).unwrap_err();
    assert_eq!(message(&err), "`method` must be a string");
    let err = sign_request(vector_options(&[("body", JsValue::from_f64(1.0))])).unwrap_err();
    assert_eq!(field(&err, "target").as_string().unwrap(), "body");
    // The result has exactly the three headers, in order.
    let h = sign_request(vector_options(&[])).unwrap();
    let keys: Vec<String> = Object::keys(h.unchecked_ref::<Object>()).iter().map(|k| k.as_string().unwrap()).collect();
    assert_eq!(keys, ["x-ms-date", "x-ms-content-sha256", "authorization"]);
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn jwt(claims: &str) -> JsValue {
    JsValue::from_str(&format!("{}.{}.{}", b64url(br#"{"alg":"RS256"}"#), b64url(claims.as_bytes()), b64url(b"sig")))
}

#[wasm_bindgen_test]
fn decoded_tokens_are_read_by_the_js_engine() {
    use acs_identity::wasm::token::decode_access_token;
    let info = decode_access_token(jwt(r#"{"exp":1.001,"iat":"x","skypeid":"acs:1","acsScope":" chat ,voip","n":[1,{"a":null}]}"#)).unwrap();
    let ms = |k: &str| field(&info, k).unchecked_into::<js_sys::Date>().get_time();
    assert_eq!(ms("expiresOn"), 1001.0, "the milliseconds of the decimal 1.001");
    assert!(field(&info, "issuedAt").is_undefined());
    assert!(Reflect::has(&info, &"issuedAt".into()).unwrap(), "every key is present");
    assert_eq!(field(&info, "communicationUserId").as_string().unwrap(), "8:acs:1");
    let scopes: Vec<String> = js_sys::Array::from(&field(&info, "scopes")).iter().map(|s| s.as_string().unwrap()).collect();
    assert_eq!(scopes, ["chat", "voip"]);
    let claims = js_sys::JSON::stringify(&field(&info, "claims")).unwrap().as_string().unwrap();
    assert_eq!(claims, r#"{"exp":1.001,"iat":"x","skypeid":"acs:1","acsScope":" chat ,voip","n":[1,{"a":null}]}"#);
    for (claims, text) in [
        ("[1]", "the token payload is not a JSON object"),
        ("{", "the token payload is not valid JSON"),
        (r#"{"exp":"1"}"#, "the token's exp claim is not a number"),
        (r#"{"exp":null}"#, "the token has no exp claim"),
        (r#"{"exp":1e400}"#, "the token's exp claim is out of the supported date range"),
    ] {
        let err = decode_access_token(jwt(claims)).unwrap_err();
        assert_eq!(error_code(err.clone()), "InvalidToken");
        assert_eq!(message(&err), text, "{claims}");
    }
}
