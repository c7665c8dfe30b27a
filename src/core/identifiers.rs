//! Communication identifiers and their raw ids (contract §7).
//!
//! [`parse_raw_id`] and [`Identifier::raw_id`] follow the official JS SDK
//! (`@azure/communication-common` 2.4: `createIdentifierFromRawId` / `getIdentifierRawId`):
//!
//! * `4:<anything>` is a phone number; the number keeps its `+` (`4:+14255550123`).
//! * Otherwise the raw id must have exactly three `:`-separated segments, else it is unknown.
//! * `8:acs:`, `8:dod-acs:`, `8:gcch-acs:` are communication users, except that a suffix of
//!   exactly three `_`-separated parts is a Teams extension user `<resource>_<tenant>_<user>`.
//! * `8:spool:` is always a communication user.
//! * `8:orgid:`, `8:dod:`, `8:gcch:` are Teams users; `8:teamsvisitor:` an anonymous Teams user.
//! * `28:orgid:`, `28:dod:`, `28:gcch:` are Teams apps.
//! * Anything else is [`Identifier::Unknown`], kept verbatim.
//!
//! Every raw id round-trips: `parse_raw_id(r).raw_id() == r`.

use super::error::{Error, Result};

/// The Microsoft cloud an identifier belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Public,
    Dod,
    Gcch,
}

/// A communication identifier, as parsed from its raw id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// `8:acs:...`, `8:spool:...`, `8:dod-acs:...`, `8:gcch-acs:...`; `id` is the full raw id.
    CommunicationUser { id: String },
    /// `8:acs:<resource>_<tenant>_<user>` (and the dod / gcch variants).
    /// `raw_id`, when set, is returned verbatim by [`Identifier::raw_id`] (as the JS SDK's
    /// optional `rawId`); [`parse_raw_id`] leaves it `None` because the parts rebuild it exactly.
    TeamsExtensionUser {
        user_id: String,
        tenant_id: String,
        resource_id: String,
        cloud: Cloud,
        raw_id: Option<String>,
    },
    /// `8:orgid:` / `8:dod:` / `8:gcch:`, or `8:teamsvisitor:` when anonymous (then the raw id
    /// carries no cloud and parsing reports [`Cloud::Public`]).
    MicrosoftTeamsUser {
        user_id: String,
        is_anonymous: bool,
        cloud: Cloud,
    },
    /// `28:orgid:` / `28:dod:` / `28:gcch:`.
    MicrosoftTeamsApp { app_id: String, cloud: Cloud },
    /// `4:<number>`; the number is kept as written, `+` included.
    PhoneNumber { phone_number: String },
    /// Anything else, verbatim.
    Unknown { id: String },
}

impl Identifier {
    /// The identifier's raw id (the inverse of [`parse_raw_id`]).
    pub fn raw_id(&self) -> String {
        match self {
            Identifier::CommunicationUser { id } | Identifier::Unknown { id } => id.clone(),
            Identifier::TeamsExtensionUser {
                user_id,
                tenant_id,
                resource_id,
                cloud,
                raw_id,
            } => match raw_id {
                Some(raw) => raw.clone(),
                None => {
                    let prefix = match cloud {
                        Cloud::Public => "8:acs:",
                        Cloud::Dod => "8:dod-acs:",
                        Cloud::Gcch => "8:gcch-acs:",
                    };
                    format!("{prefix}{resource_id}_{tenant_id}_{user_id}")
                }
            },
            Identifier::MicrosoftTeamsUser {
                user_id,
                is_anonymous,
                cloud,
            } => {
                let prefix = match (is_anonymous, cloud) {
                    (true, _) => "8:teamsvisitor:",
                    (false, Cloud::Public) => "8:orgid:",
                    (false, Cloud::Dod) => "8:dod:",
                    (false, Cloud::Gcch) => "8:gcch:",
                };
                format!("{prefix}{user_id}")
            }
            Identifier::MicrosoftTeamsApp { app_id, cloud } => {
                let prefix = match cloud {
                    Cloud::Public => "28:orgid:",
                    Cloud::Dod => "28:dod:",
                    Cloud::Gcch => "28:gcch:",
                };
                format!("{prefix}{app_id}")
            }
            Identifier::PhoneNumber { phone_number } => format!("4:{phone_number}"),
        }
    }

    /// The kind's name as used in messages: `CommunicationUser`, `TeamsExtensionUser`,
    /// `MicrosoftTeamsUser`, `MicrosoftTeamsApp`, `PhoneNumber` or `Unknown`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Identifier::CommunicationUser { .. } => "CommunicationUser",
            Identifier::TeamsExtensionUser { .. } => "TeamsExtensionUser",
            Identifier::MicrosoftTeamsUser { .. } => "MicrosoftTeamsUser",
            Identifier::MicrosoftTeamsApp { .. } => "MicrosoftTeamsApp",
            Identifier::PhoneNumber { .. } => "PhoneNumber",
            Identifier::Unknown { .. } => "Unknown",
        }
    }
}

/// Parses a raw id into an [`Identifier`]. Never fails: unrecognised ids are `Unknown`.
pub fn parse_raw_id(raw: &str) -> Identifier {
    if let Some(phone_number) = raw.strip_prefix("4:") {
        return Identifier::PhoneNumber {
            phone_number: phone_number.to_string(),
        };
    }
    let mut segments = raw.split(':');
    let (Some(kind), Some(scheme), Some(suffix), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return unknown(raw);
    };
    let teams_user = |cloud, is_anonymous| Identifier::MicrosoftTeamsUser {
        user_id: suffix.to_string(),
        is_anonymous,
        cloud,
    };
    let teams_app = |cloud| Identifier::MicrosoftTeamsApp {
        app_id: suffix.to_string(),
        cloud,
    };
    match (kind, scheme) {
        ("8", "teamsvisitor") => teams_user(Cloud::Public, true),
        ("8", "orgid") => teams_user(Cloud::Public, false),
        ("8", "dod") => teams_user(Cloud::Dod, false),
        ("8", "gcch") => teams_user(Cloud::Gcch, false),
        ("8", "acs") => acs_user(raw, suffix, Cloud::Public),
        ("8", "dod-acs") => acs_user(raw, suffix, Cloud::Dod),
        ("8", "gcch-acs") => acs_user(raw, suffix, Cloud::Gcch),
        ("8", "spool") => Identifier::CommunicationUser {
            id: raw.to_string(),
        },
        ("28", "orgid") => teams_app(Cloud::Public),
        ("28", "dod") => teams_app(Cloud::Dod),
        ("28", "gcch") => teams_app(Cloud::Gcch),
        _ => unknown(raw),
    }
}

fn unknown(raw: &str) -> Identifier {
    Identifier::Unknown {
        id: raw.to_string(),
    }
}

fn acs_user(raw: &str, suffix: &str, cloud: Cloud) -> Identifier {
    let mut parts = suffix.split('_');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(resource), Some(tenant), Some(user), None) => Identifier::TeamsExtensionUser {
            user_id: user.to_string(),
            tenant_id: tenant.to_string(),
            resource_id: resource.to_string(),
            cloud,
            raw_id: None,
        },
        _ => Identifier::CommunicationUser {
            id: raw.to_string(),
        },
    }
}

/// Longest piece of caller input echoed in an error message, in characters.
pub(crate) const ECHO_MAX_CHARS: usize = 64;

/// `"text"` for an error message: escaped (control characters and quotes visible) and cut to
/// [`ECHO_MAX_CHARS`] characters with a trailing `…` when longer. Only for non-secret input.
pub(crate) fn quote_capped(text: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == ECHO_MAX_CHARS {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('"');
    out
}

/// Checks that `id` is the raw id of a communication user (`8:acs:<resource>_<id>` and the
/// `8:spool:`, `8:dod-acs:`, `8:gcch-acs:` forms). Errors are `InvalidArgument` with target
/// `user` and say what is wrong; at most 64 characters of the input are echoed.
pub fn validate_communication_user_id(id: &str) -> Result<()> {
    const WANT: &str = "user must be a communication user id such as 8:acs:<resource>_<id>";
    if id.is_empty() {
        return Err(Error::invalid_argument("user", "user must not be empty"));
    }
    if id.trim() != id {
        return Err(Error::invalid_argument(
            "user",
            format!(
                "user must not have leading or trailing whitespace, got {}",
                quote_capped(id)
            ),
        ));
    }
    match parse_raw_id(id) {
        Identifier::CommunicationUser { .. } => {
            // `8:acs:` alone parses as a communication user but names nobody.
            if id.ends_with(':') {
                return Err(Error::invalid_argument(
                    "user",
                    format!(
                        "{WANT}, got {} with nothing after the prefix",
                        quote_capped(id)
                    ),
                ));
            }
            Ok(())
        }
        Identifier::Unknown { .. } => Err(Error::invalid_argument(
            "user",
            format!("{WANT}, got {}", quote_capped(id)),
        )),
        other => Err(Error::invalid_argument(
            "user",
            format!(
                "{WANT}, got an id of kind {} ({})",
                other.kind_name(),
                quote_capped(id)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;
    use proptest::prelude::*;

    const ACS: &str =
        "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";

    fn user(id: &str) -> Identifier {
        Identifier::CommunicationUser { id: id.into() }
    }

    #[test]
    fn parses_every_kind() {
        assert_eq!(parse_raw_id(ACS), user(ACS));
        assert_eq!(parse_raw_id("8:spool:a_b_c"), user("8:spool:a_b_c"));
        assert_eq!(parse_raw_id("8:dod-acs:r_u"), user("8:dod-acs:r_u"));
        assert_eq!(parse_raw_id("8:gcch-acs:r_u"), user("8:gcch-acs:r_u"));
        assert_eq!(parse_raw_id("8:acs:"), user("8:acs:"));
        assert_eq!(parse_raw_id("8:acs:a_b_c_d"), user("8:acs:a_b_c_d"));
        assert_eq!(
            parse_raw_id("8:gcch-acs:res_ten_usr"),
            Identifier::TeamsExtensionUser {
                user_id: "usr".into(),
                tenant_id: "ten".into(),
                resource_id: "res".into(),
                cloud: Cloud::Gcch,
                raw_id: None,
            }
        );
        assert!(matches!(
            parse_raw_id("8:acs:r_t_u"),
            Identifier::TeamsExtensionUser {
                cloud: Cloud::Public,
                ..
            }
        ));
        assert!(matches!(
            parse_raw_id("8:dod-acs:r_t_u"),
            Identifier::TeamsExtensionUser {
                cloud: Cloud::Dod,
                ..
            }
        ));
        for (raw, cloud, anon) in [
            ("8:orgid:u", Cloud::Public, false),
            ("8:dod:u", Cloud::Dod, false),
            ("8:gcch:u", Cloud::Gcch, false),
            ("8:teamsvisitor:u", Cloud::Public, true),
        ] {
            assert_eq!(
                parse_raw_id(raw),
                Identifier::MicrosoftTeamsUser {
                    user_id: "u".into(),
                    is_anonymous: anon,
                    cloud
                },
                "{raw}"
            );
        }
        for (raw, cloud) in [
            ("28:orgid:a", Cloud::Public),
            ("28:dod:a", Cloud::Dod),
            ("28:gcch:a", Cloud::Gcch),
        ] {
            assert_eq!(
                parse_raw_id(raw),
                Identifier::MicrosoftTeamsApp {
                    app_id: "a".into(),
                    cloud
                }
            );
        }
        assert_eq!(
            parse_raw_id("4:+14255550123"),
            Identifier::PhoneNumber {
                phone_number: "+14255550123".into()
            }
        );
        assert_eq!(
            parse_raw_id("4:a:b:c"),
            Identifier::PhoneNumber {
                phone_number: "a:b:c".into()
            }
        );
        for raw in [
            "",
            "8:acs",
            "8:acs:a:b",
            "9:acs:x",
            "28:teamsvisitor:x",
            "x",
            "8:ACS:x",
        ] {
            assert_eq!(
                parse_raw_id(raw),
                Identifier::Unknown { id: raw.into() },
                "{raw}"
            );
        }
    }

    #[test]
    fn formats_every_kind() {
        let ext = Identifier::TeamsExtensionUser {
            user_id: "u".into(),
            tenant_id: "t".into(),
            resource_id: "r".into(),
            cloud: Cloud::Dod,
            raw_id: None,
        };
        assert_eq!(ext.raw_id(), "8:dod-acs:r_t_u");
        let with_raw = Identifier::TeamsExtensionUser {
            user_id: "u".into(),
            tenant_id: "t".into(),
            resource_id: "r".into(),
            cloud: Cloud::Dod,
            raw_id: Some("8:acs:custom".into()),
        };
        assert_eq!(with_raw.raw_id(), "8:acs:custom");
        let visitor = Identifier::MicrosoftTeamsUser {
            user_id: "v".into(),
            is_anonymous: true,
            cloud: Cloud::Gcch,
        };
        assert_eq!(visitor.raw_id(), "8:teamsvisitor:v");
        let app = Identifier::MicrosoftTeamsApp {
            app_id: "a".into(),
            cloud: Cloud::Public,
        };
        assert_eq!(app.raw_id(), "28:orgid:a");
        assert_eq!(app.kind_name(), "MicrosoftTeamsApp");
    }

    #[test]
    fn validates_communication_user_ids() {
        assert!(validate_communication_user_id(ACS).is_ok());
        assert!(validate_communication_user_id("8:spool:x").is_ok());
        assert!(validate_communication_user_id("8:gcch-acs:r_u").is_ok());
        let err = validate_communication_user_id("8:orgid:abc").unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert_eq!(err.target.as_deref(), Some("user"));
        assert_eq!(
            err.message,
            "user must be a communication user id such as 8:acs:<resource>_<id>, \
             got an id of kind MicrosoftTeamsUser (\"8:orgid:abc\")"
        );
        assert!(validate_communication_user_id("8:acs:r_t_u")
            .unwrap_err()
            .message
            .contains("TeamsExtensionUser"));
        assert_eq!(
            validate_communication_user_id("").unwrap_err().message,
            "user must not be empty"
        );
        assert!(validate_communication_user_id(" 8:acs:x")
            .unwrap_err()
            .message
            .contains("whitespace"));
        assert!(validate_communication_user_id("8:acs:")
            .unwrap_err()
            .message
            .contains("nothing after the prefix"));
        let err = validate_communication_user_id("hello").unwrap_err();
        assert!(err.message.ends_with("got \"hello\""), "{}", err.message);
    }

    #[test]
    fn echo_is_capped() {
        let long = "x".repeat(10_000);
        let err = validate_communication_user_id(&long).unwrap_err();
        assert!(err.message.len() < 200, "{}", err.message);
        assert!(err.message.contains('…'));
        assert_eq!(quote_capped("a\"b\n"), "\"a\\\"b\\n\"");
        let exact = "é".repeat(ECHO_MAX_CHARS);
        assert_eq!(quote_capped(&exact), format!("\"{exact}\""));
    }

    fn arb_cloud() -> impl Strategy<Value = Cloud> {
        prop_oneof![Just(Cloud::Public), Just(Cloud::Dod), Just(Cloud::Gcch)]
    }

    fn arb_identifier() -> impl Strategy<Value = Identifier> {
        let part = "[A-Za-z0-9-]{1,12}";
        prop_oneof![
            ("(8:acs:|8:spool:|8:dod-acs:|8:gcch-acs:)", part, part).prop_map(|(p, r, u)| {
                Identifier::CommunicationUser {
                    id: format!("{p}{r}_{u}"),
                }
            }),
            (part, part, part, arb_cloud()).prop_map(|(u, t, r, cloud)| {
                Identifier::TeamsExtensionUser {
                    user_id: u,
                    tenant_id: t,
                    resource_id: r,
                    cloud,
                    raw_id: None,
                }
            }),
            (part, arb_cloud()).prop_map(|(u, cloud)| Identifier::MicrosoftTeamsUser {
                user_id: u,
                is_anonymous: false,
                cloud
            }),
            part.prop_map(|u| Identifier::MicrosoftTeamsUser {
                user_id: u,
                is_anonymous: true,
                cloud: Cloud::Public
            }),
            (part, arb_cloud())
                .prop_map(|(a, cloud)| Identifier::MicrosoftTeamsApp { app_id: a, cloud }),
            "\\+?[0-9]{1,15}".prop_map(|p| Identifier::PhoneNumber { phone_number: p }),
            "[a-z]{1,6}:[a-z]{1,6}".prop_map(|id| Identifier::Unknown { id }),
        ]
    }

    proptest! {
        #[test]
        fn raw_id_round_trips(raw in "\\PC{0,40}") {
            prop_assert_eq!(parse_raw_id(&raw).raw_id(), raw);
        }

        #[test]
        fn structured_raw_id_round_trips(raw in "(4|8|28|9):(acs|spool|dod-acs|gcch-acs|orgid|dod|gcch|teamsvisitor|x)?:?[a-z_:]{0,12}") {
            prop_assert_eq!(parse_raw_id(&raw).raw_id(), raw);
        }

        #[test]
        fn identifier_round_trips(id in arb_identifier()) {
            prop_assert_eq!(parse_raw_id(&id.raw_id()), id);
        }

        #[test]
        fn validation_never_panics(raw in "\\PC{0,80}") {
            let _ = validate_communication_user_id(&raw);
        }
    }
}
