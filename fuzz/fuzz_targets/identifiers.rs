//! Raw ids (contract §7): `parse_raw_id(s).raw_id() == s` for every string (the module's
//! promise), parsing is stable (`parse(raw_id(parse(s))) == parse(s)`), and
//! `validate_communication_user_id` never panics, accepts exactly the trimmed, non-empty
//! communication user ids with something after the prefix, and echoes at most 64 characters.
#![no_main]

use acs_identity::core::identifiers::{parse_raw_id, validate_communication_user_id, Identifier};
use acs_identity::core::ErrorKind;
use acs_identity_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(raw) = text(data) else { return };
    let id = parse_raw_id(raw);
    assert_eq!(id.raw_id(), raw, "raw id round trip of {id:?}");
    assert_eq!(parse_raw_id(&id.raw_id()), id);
    match &id {
        Identifier::PhoneNumber { .. } => assert!(raw.starts_with("4:")),
        Identifier::Unknown { id } => assert_eq!(id, raw),
        Identifier::CommunicationUser { id } => {
            assert_eq!(id, raw);
            assert!(raw.starts_with("8:"));
            assert_eq!(raw.split(':').count(), 3);
        }
        Identifier::TeamsExtensionUser { raw_id, .. } => assert!(raw_id.is_none()),
        Identifier::MicrosoftTeamsUser { user_id, .. } => assert!(!user_id.contains(':')),
        Identifier::MicrosoftTeamsApp { app_id, .. } => assert!(!app_id.contains(':')),
    }

    let valid = validate_communication_user_id(raw);
    let expected = !raw.is_empty()
        && raw.trim() == raw
        && !raw.ends_with(':')
        && matches!(id, Identifier::CommunicationUser { .. });
    assert_eq!(valid.is_ok(), expected, "{raw:?}: {valid:?}");
    if let Err(e) = valid {
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert_eq!(e.target.as_deref(), Some("user"));
        // At most 64 characters, each escaped to at most 10 (`\u{10ffff}`), plus fixed text.
        assert!(e.message.chars().count() <= 64 * 10 + 200, "{}", e.message);
    }
});
