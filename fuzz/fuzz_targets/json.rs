//! `json::parse`: never panics (deep nesting included); for every value it accepts,
//! `parse(to_json_string(v)) == v` and the compact text is a fixed point. The same input also
//! drives a generated value (through `arbitrary`) through write → parse.
#![no_main]

use acs_identity::core::json::{self, Json, MAX_DEPTH};
use acs_identity_fuzz::{arb_json, text};
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fn depth(v: &Json) -> usize {
    match v {
        Json::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Json::Object(members) => 1 + members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn round_trip(v: &Json) {
    let compact = v.to_json_string();
    let again = json::parse(&compact)
        .unwrap_or_else(|e| panic!("the writer's output does not parse: {e} in {compact:?}"));
    assert_eq!(&again, v, "round trip of {compact:?}");
    assert_eq!(
        again.to_json_string(),
        compact,
        "compact text is a fixed point"
    );
}

fuzz_target!(|data: &[u8]| {
    if let Some(input) = text(data) {
        match json::parse(input) {
            Ok(v) => {
                assert!(depth(&v) <= MAX_DEPTH);
                round_trip(&v);
            }
            Err(e) => assert!(e.offset <= input.len(), "{e:?}"),
        }
    }
    if let Ok(v) = arb_json(&mut Unstructured::new(data), 8) {
        round_trip(&v);
    }
});
