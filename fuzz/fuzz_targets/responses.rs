//! `operations::parse_response` for every `Operation` kind, with any status and body read as the
//! package reads it (the JSON parsed, then read into the core's derived answer type; here
//! serde_json parses, in the package `JSON.parse`): never panics; every object reads; every
//! error carries the status and the request id; a JSON body answers the same as its compact
//! form; no error message contains a `token` value of the body (checked by replacing every
//! `token` string and seeing whether the message changes with it).
//!
//! Input: a first line `<status> <operation> [<request id>]`, then the body. Operations:
//! 0 createUser, 1 createUserAndToken, 2 createUser with customId, 3 getUser, 4 deleteUser,
//! 5 revokeTokens, 6 getToken, 7 getTokenForTeamsUser. A first line that does not parse means
//! status 200 and operation 0 (the whole input is then still the body).
#![no_main]

use acs_identity::core::date::{MAX_UNIX_MS, MIN_UNIX_MS};
use acs_identity::core::operations::{
    parse_response, Answer, Minutes, Nullable, Operation, OperationOutput,
};
use acs_identity::core::{Error, ErrorKind};
use acs_identity_fuzz::text;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The body as the package's boundary reads it.
fn answer(body: &str) -> Answer<Value> {
    if body.trim().is_empty() {
        return Answer::Empty;
    }
    match serde_json::from_str::<Value>(body) {
        Err(_) => Answer::NotJson,
        Ok(v) if v.is_object() => Answer::Object(Box::new(
            serde_json::from_value(v).expect("every object reads: its members are lenient"),
        )),
        Ok(_) => Answer::NotObject,
    }
}

/// Every string value under a member named `name`, at any depth.
fn strings_named<'a>(v: &'a Value, name: &str, out: &mut Vec<&'a str>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| strings_named(i, name, out)),
        Value::Object(members) => {
            for (k, val) in members {
                if k == name {
                    if let Value::String(s) = val {
                        out.push(s);
                    }
                }
                strings_named(val, name, out);
            }
        }
        _ => {}
    }
}

/// `v` with every string under a member named `name` replaced by `f(old)`.
fn replace_named(v: &Value, name: &str, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| replace_named(i, name, f)).collect())
        }
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, val)| {
                    let val = match val {
                        Value::String(s) if k == name => Value::String(f(s)),
                        other => replace_named(other, name, f),
                    };
                    (k.clone(), val)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

const ID: &str = "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";
const GUID: &str = "11111111-2222-3333-4444-555555555555";

fn operation(n: usize) -> Operation {
    let scopes = || vec![Some("chat".to_string()), Some("voip".to_string())];
    match n % 8 {
        0 => Operation::CreateUser {
            custom_id: None,
            scopes: None,
            expires_in_minutes: None,
        },
        1 => Operation::CreateUser {
            custom_id: None,
            scopes: Some(Nullable::Value(scopes())),
            expires_in_minutes: Some(Nullable::Value(Minutes(60.0))),
        },
        2 => Operation::CreateUser {
            custom_id: Some("alice".into()),
            scopes: None,
            expires_in_minutes: None,
        },
        3 => Operation::GetUser { id: ID.into() },
        4 => Operation::DeleteUser { id: ID.into() },
        5 => Operation::RevokeTokens { id: ID.into() },
        6 => Operation::IssueToken {
            id: ID.into(),
            scopes: scopes(),
            expires_in_minutes: None,
        },
        _ => Operation::ExchangeTeamsToken {
            token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln".into(),
            app_id: GUID.into(),
            user_id: GUID.into(),
        },
    }
}

fn check_result(
    op: &Operation,
    status: u16,
    request_id: Option<&str>,
    result: &Result<OperationOutput, Error>,
) {
    match result {
        Ok(out) => {
            assert!((200..300).contains(&status), "success for status {status}");
            match out {
                OperationOutput::Empty => assert!(matches!(
                    op,
                    Operation::DeleteUser { .. } | Operation::RevokeTokens { .. }
                )),
                OperationOutput::Token(t) => {
                    assert!(!t.token.is_empty());
                    assert!((MIN_UNIX_MS..=MAX_UNIX_MS).contains(&t.expires_on_ms));
                    assert!(!format!("{out:?}").contains(&t.token) || t.token.len() < 8);
                }
                OperationOutput::Identity {
                    id, access_token, ..
                } => {
                    assert!(!id.is_empty());
                    if let Operation::CreateUser {
                        scopes: Some(_), ..
                    } = op
                    {
                        assert!(access_token.is_some());
                    }
                }
            }
        }
        Err(e) => {
            assert_eq!(e.status_code, Some(status));
            assert_eq!(e.request_id.as_deref(), request_id);
            if (200..300).contains(&status) {
                assert_eq!(e.kind, ErrorKind::UnexpectedResponse);
            }
        }
    }
}

fn message(result: &Result<OperationOutput, Error>) -> Option<String> {
    result.as_ref().err().map(|e| e.message.clone())
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = text(data) else { return };
    let (head, body) = input.split_once('\n').unwrap_or(("", input));
    let mut fields = head.split_whitespace();
    let status = fields.next().and_then(|s| s.parse::<u16>().ok());
    let op_index = fields.next().and_then(|s| s.parse::<usize>().ok());
    let (status, op_index, body) = match (status, op_index) {
        (Some(s), Some(o)) => (s, o, body),
        _ => (200, 0, input),
    };
    let request_id = fields.next();
    let op = operation(op_index);

    let result = parse_response(&op, status, &answer(body), request_id);
    check_result(&op, status, request_id, &result);

    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return;
    };
    // Whitespace does not matter: the compact body gives the same answer.
    let compact = value.to_string();
    assert_eq!(
        parse_response(&op, status, &answer(&compact), request_id),
        result,
        "compact body {compact:?}"
    );
    // Tokens never reach a message: change every `token` string (same length, still non-empty)
    // and a message that contained one must contain it still, from another part of the body.
    let mut tokens = Vec::new();
    strings_named(&value, "token", &mut tokens);
    tokens.retain(|t| t.chars().count() >= 8);
    if tokens.is_empty() {
        return;
    }
    let Some(original) = message(&result) else {
        return;
    };
    let blinded = replace_named(&value, "token", &|t| "\u{7}".repeat(t.chars().count()));
    let blinded_result = parse_response(&op, status, &answer(&blinded.to_string()), request_id);
    let blinded_message = message(&blinded_result).unwrap_or_default();
    for token in tokens {
        if original.contains(token) {
            assert!(
                blinded_message.contains(token),
                "a token of the body leaked into the message {original:?}"
            );
        }
    }
});
