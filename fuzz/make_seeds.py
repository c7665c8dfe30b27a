#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/seeds/<target>/ (run from anywhere; deterministic).

Crash reproducers found by the fuzzers are added to the same folders by hand, named
`crash-<what>`; this script never deletes files, it only (re)writes its own seeds.
"""
import base64, hashlib, hmac, json, os, random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
rng = random.Random(20250710)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def jwt(header, claims, signature):
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    c = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{h}.{c}.{b64url(signature)}"


KEY64 = base64.b64encode(bytes(rng.randrange(256) for _ in range(64))).decode()
RES = "2dee53b4-368b-45b4-ab52-8493fb117652"
ACS_ID = f"8:acs:{RES}_00000005-14a2-493b-8a72-5a3a0d000081"
EXPIRES = "2025-07-10T21:39:39.3244584+00:00"
REAL_CLAIMS = {
    "skypeid": ACS_ID[2:], "scp": 1792, "csi": "1720561179", "exp": 1720647579,
    "acsScope": "chat, voip", "resourceId": RES, "resourceLocation": "unitedstates",
    "iat": 1720561179,
}
RS_HEADER = {"alg": "RS256", "kid": "5B3nRxtQ7ji8eNDc3Fy05Kf97ZE",
             "x5t": "oP1R7DSdJsJkk_t5ExvGXvU3J9k", "typ": "JWT"}
ACS_TOKEN = jwt(RS_HEADER, REAL_CLAIMS, bytes(rng.randrange(256) for _ in range(256)))

# connection_string
for name, cs in {
    "real": f"endpoint=https://contoso-acs.communication.azure.com/;accesskey={KEY64}",
    "vector": "endpoint=https://example.com/;accesskey=pw==",
    "any-case-order-extra": f" AccessKey = {KEY64} ; Endpoint = https://Contoso.Communication.Azure.com:443 ;region=eu;",
    "loopback-port": "endpoint=http://127.0.0.1:4000/;accesskey=pw==",
    "ipv6": "endpoint=http://[::1]:9000;accesskey=c2VjcmV0LWtleS1ieXRlcw",
    "duplicate-key": f"endpoint=https://x.com/;accesskey={KEY64};accesskey={KEY64}",
    "bad-endpoint-path": f"endpoint=https://x.com/path?q=1;accesskey={KEY64}",
    "bad-key": "endpoint=https://x.com/;accesskey=c2VjcmV0LWtleS1ieXRlcw=!",
}.items():
    write("connection_string", name, cs)

# url
for name, u in {
    "vector": "https://example.com/testPath?testQuery=test",
    "issue-token": "https://contoso-acs.communication.azure.com/identities/8%3Aacs%3Ax_y/:issueAccessToken?api-version=2025-06-30",
    "loopback-fragment": "http://127.0.0.1:8080/identities?api-version=2023-10-01#frag",
    "ipv6-port": "http://[::1]:9000/",
    "default-port-upper": "HTTPS://Example.COM:443",
    "query-only": "https://h?a=b",
    "userinfo": "https://user:pw@example.com/",
    "bad-port": "https://example.com:99999/",
}.items():
    write("url", name, u)

# access_token
write("access_token", "acs-real", ACS_TOKEN)
write("access_token", "padded-unsigned", jwt({"alg": "none"}, {"exp": 10.5, "acsScope": " chat ,,voip.join "}, b"") + "")
write("access_token", "jwe-five-parts", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ")
write("access_token", "exp-string", jwt(RS_HEADER, {"exp": "1720647579"}, b"\x01\x02"))
write("access_token", "four-parts", ACS_TOKEN + ".x")

# identifiers
for i, raw in enumerate([
    ACS_ID, "8:spool:abc_def", "8:dod-acs:r_u", "8:gcch-acs:res_ten_usr", "8:acs:r_t_u",
    "8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130", "8:teamsvisitor:v", "8:dod:u", "28:orgid:app",
    "28:gcch:a", "4:+14255550123", "8:acs:", " 8:acs:x", "9:acs:x", "8:ACS:x",
]):
    write("identifiers", f"raw-{i:02}", raw)

# json and responses: the service's bodies (§2, §3)
token_body = json.dumps({"token": ACS_TOKEN, "expiresOn": EXPIRES}, separators=(",", ":"))
bodies = {
    "create": ("201 0", json.dumps({"identity": {"id": ACS_ID}})),
    "create-and-token": ("201 1", json.dumps({"identity": {"id": ACS_ID}, "accessToken": {"token": ACS_TOKEN, "expiresOn": EXPIRES}})),
    "create-custom-id": ("200 2", json.dumps({"identity": {"id": ACS_ID, "customId": "alice", "lastTokenIssuedAt": EXPIRES}})),
    "get-user": ("200 3", json.dumps({"id": ACS_ID, "customId": None})),
    "delete": ("204 4", ""),
    "revoke": ("204 5", ""),
    "issue": ("200 6", token_body),
    "exchange": ("200 7", token_body),
    "bad-expires": ("200 6", json.dumps({"token": ACS_TOKEN, "expiresOn": "tomorrow"})),
    "validation-error": ("400 6 req-1", '{"error":{"code":"ValidationError","message":"ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.","target":"ExpiresInMinutes"}}'),
    "invalid-access-token": ("401 7", '{"error":{"code":"InvalidAccessToken","message":"Provided access token is not valid."}}'),
    "app-id": ("400 7", '{"error":{"code":"ValidationError","message":"AAD application is not the expected one.","target":"appId","details":[{"code":"x"}],"innererror":{"code":"y"}}}'),
    "denied": ("401 6", '{"error":{"code":"Denied","message":"Request \'x-ms-content-sha256\' differs from generated content hash."}}'),
    "bad-gateway": ("502 4", "<html>busy</html>"),
}
for name, (head, body) in bodies.items():
    write("responses", name, f"{head}\n{body}")
    if body:
        write("json", name, body)
write("json", "escapes", '["a\\u00e9\\n", "\\ud83d\\ude00", -0.5e2, 1E+2, 9007199254740993, 1e-7, {"a":[[],{}]}, true, false, null]')
write("json", "request", '{"scopes":["chat"],"expiresInMinutes":60}')

# signing: method, URL, Unix ms, base64 key, RFC 1123 date, ISO 8601 date, body
write("signing", "vector", "GET\nhttps://example.com/testPath?testQuery=test\n1649873352000\npw==\nWed, 13 Apr 2022 18:09:12 GMT\n2025-07-10T21:39:39.3244584+00:00\n")
write("signing", "issue-token", f"post\nhttp://127.0.0.1:8080/identities/8%3Aacs%3Ax/:issueAccessToken?api-version=2025-06-30\n1752183579324\n{KEY64}\nTue, 29 Feb 2000 00:00:00 GMT\n2024-04-02 05:54:23.957003+00:00\n" + '{"scopes":["chat"],"expiresInMinutes":60}')
write("signing", "edges", "PATCH\nhttps://[::1]:8443/?\n253402300799999\nc2VjcmV0LWtleS1ieXRlcw\n13 Apr 2022 18:09:12 UTC\n0001-01-01T00:00:00-00:01\n")
write("signing", "dates", "DELETE\nhttps://x.com/\n-62135596800000\npw\nFri, 31 Dec 9999 23:59:59 GMT\n9999-12-31T23:59:59.9999999Z\n")

# endpoint_body
for name, body in {
    "empty": "", "defaults": "{}", "recorded": '{"scopes":["chat"],"expiresInMinutes":60}',
    "all": '{"scopes":["chat","voip","chat"],"expiresInMinutes":1440.0}',
    "nulls": '{"scopes":null,"expiresInMinutes":null}', "not-allowed": '{"scopes":["chat.join.limited"]}',
    "unknown-key": '{"scope":["chat"]}', "duplicate": '{"scopes":["chat"],"scopes":["voip"]}',
    "array": '["chat"]',
}.items():
    write("endpoint_body", name, body)

# endpoint_token (the fuzz target's HS256 secret, issuer and audience; now = 2025-07-10)
SECRET = b"fuzz-secret-fuzz-secret-fuzz-secret!"
NOW = 1752183579


def hs256(header, claims):
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    c = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(SECRET, f"{h}.{c}".encode(), hashlib.sha256).digest()
    return f"{h}.{c}.{b64url(sig)}"


claims = {"sub": "user-42", "iss": "https://issuer.example.com/", "aud": ["x", "acs-token-endpoint"],
          "exp": NOW + 3600, "iat": NOW - 10, "nbf": NOW - 10}
write("endpoint_token", "hs256-valid", hs256({"alg": "HS256", "typ": "JWT"}, claims))
write("endpoint_token", "hs256-expired", hs256({"alg": "HS256"}, dict(claims, exp=NOW - 120)))
write("endpoint_token", "hs256-long-sub", hs256({"alg": "HS256"}, dict(claims, sub="é" * 257)))
write("endpoint_token", "rs256", jwt({"alg": "RS256", "kid": "k1"}, claims, bytes(256)))
write("endpoint_token", "es256-short-sig", jwt({"alg": "ES256"}, claims, bytes(63)))
write("endpoint_token", "alg-none", jwt({"alg": "none"}, claims, b""))
write("endpoint_token", "crit", jwt({"alg": "HS256", "crit": ["b64"]}, claims, b"x"))
rsa_n = b64url(b"\x00" + bytes(rng.randrange(256) for _ in range(256)))
ec = lambda: b64url(bytes(rng.randrange(256) for _ in range(32)))
write("endpoint_token", "jwks", json.dumps({"keys": [
    {"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": rsa_n, "e": "AQAB"},
    {"kty": "EC", "kid": "k2", "crv": "P-256", "x": ec(), "y": ec(), "key_ops": ["verify"]},
    {"kty": "oct", "kid": "k3", "k": b64url(SECRET)},
    {"kty": "RSA", "kid": "k4", "use": "enc", "n": rsa_n, "e": "AQAB"},
]}))
