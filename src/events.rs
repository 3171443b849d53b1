//! The catalogue of Help Scout webhook events (`X-HelpScout-Event` values).
//!
//! Sources: `PROTOCOL.md` section 1. The twelve events the original Python library knew keep
//! its exact descriptions. Names that are not in the catalogue are still received: Help Scout
//! adds events without notice, so [`record_kind`] falls back on the name's family prefix and
//! finally on a generic record.

use crate::models::Kind;

/// One catalogued event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInfo {
    /// The header value, e.g. `convo.created`.
    pub name: &'static str,
    /// A one-line human description.
    pub description: &'static str,
    /// The record kind its body parses into.
    pub kind: Kind,
    /// Whether the event can be subscribed through `POST /v2/webhooks` (it appears in the
    /// API's `events` enumeration). Some events are only documented for delivery.
    pub subscribable: bool,
}

const fn ev(
    name: &'static str,
    description: &'static str,
    kind: Kind,
    subscribable: bool,
) -> EventInfo {
    EventInfo {
        name,
        description,
        kind,
        subscribable,
    }
}

/// The name of the test ("ping") delivery.
pub const TEST_EVENT: &str = "helpscout.test";

/// Every known event, sorted by name.
pub const EVENTS: &[EventInfo] = &[
    ev(
        "beacon.chat.agent.replied",
        "An agent replied in a Beacon chat.",
        Kind::BeaconChat,
        false,
    ),
    ev(
        "beacon.chat.assigned",
        "A Beacon chat was assigned.",
        Kind::BeaconChat,
        false,
    ),
    ev(
        "beacon.chat.created",
        "A Beacon chat was started.",
        Kind::BeaconChat,
        true,
    ),
    ev(
        "beacon.chat.customer.replied",
        "The customer replied in a Beacon chat.",
        Kind::BeaconChat,
        true,
    ),
    ev(
        "convo.agent.reply.created",
        "An agent replied to the conversation.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.ai-answers-email.reply.created",
        "AI Answers replied to an email conversation.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.ai-answers-email.resolution",
        "AI Answers resolved an email conversation.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.ai-answers.created",
        "A conversation was created by AI Answers.",
        Kind::Conversation,
        false,
    ),
    ev(
        "convo.assigned",
        "Conversation was assigned.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.created",
        "Conversation was created.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.custom-fields",
        "Conversation custom fields were updated.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.customer.reply.created",
        "The customer replied to the conversation.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.deleted",
        "Conversation was deleted.",
        Kind::Deleted,
        true,
    ),
    ev(
        "convo.merged",
        "Conversation was merged.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.moved",
        "Conversation was moved.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.note.created",
        "A note was added to the conversation.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.status",
        "Conversation status was updated.",
        Kind::Conversation,
        true,
    ),
    ev(
        "convo.tags",
        "Conversation tags were updated.",
        Kind::Conversation,
        true,
    ),
    ev(
        "customer.created",
        "A customer was created.",
        Kind::Customer,
        true,
    ),
    ev(
        "customer.deleted",
        "A customer was deleted.",
        Kind::Deleted,
        true,
    ),
    ev(
        "customer.updated",
        "A customer was updated.",
        Kind::Customer,
        true,
    ),
    ev(
        "helpscout.test",
        "A test delivery sent by Help Scout.",
        Kind::Ping,
        false,
    ),
    ev(
        "message.survey.response.received",
        "A survey response was received.",
        Kind::SurveyResponse,
        true,
    ),
    ev(
        "organization.created",
        "An organization was created.",
        Kind::Organization,
        true,
    ),
    ev(
        "organization.deleted",
        "An organization was deleted.",
        Kind::Deleted,
        true,
    ),
    ev(
        "organization.updated",
        "An organization was updated.",
        Kind::Organization,
        true,
    ),
    ev(
        "satisfaction.ratings",
        "A rating was received.",
        Kind::Rating,
        true,
    ),
    ev("tag.created", "A tag was created.", Kind::Tag, true),
    ev("tag.deleted", "A tag was deleted.", Kind::Deleted, true),
    ev("tag.updated", "A tag was updated.", Kind::Tag, true),
    ev(
        "user.status.changed",
        "A user's availability status changed.",
        Kind::UserStatus,
        true,
    ),
];

/// The catalogue entry for `name`, if it is a known event.
pub fn lookup(name: &str) -> Option<&'static EventInfo> {
    EVENTS
        .binary_search_by(|e| e.name.cmp(name))
        .ok()
        .map(|i| &EVENTS[i])
}

/// Whether `name` is the test delivery.
pub fn is_test(name: &str) -> bool {
    name == TEST_EVENT
}

/// The record kind for an event name, known or not.
///
/// Unknown names are routed by family (`convo.` → conversation, `customer.` → customer,
/// `beacon.chat.` → chat, ...) and a `.deleted` suffix gives a [`Kind::Deleted`] record, so a
/// new event in a known family still gets a typed record. Anything else is a generic record.
pub fn record_kind(name: &str) -> Kind {
    if let Some(info) = lookup(name) {
        return info.kind;
    }
    if name.ends_with(".deleted") {
        return Kind::Deleted;
    }
    let families: &[(&str, Kind)] = &[
        ("convo.", Kind::Conversation),
        ("customer.", Kind::Customer),
        ("satisfaction.", Kind::Rating),
        ("beacon.chat.", Kind::BeaconChat),
        ("tag.", Kind::Tag),
        ("organization.", Kind::Organization),
        ("user.status.", Kind::UserStatus),
        ("message.survey.", Kind::SurveyResponse),
    ];
    families
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map_or(Kind::Record, |(_, kind)| *kind)
}

/// For a delete event, the resource that was deleted (`conversation`, `customer`, ...).
pub fn deleted_resource(name: &str) -> Option<&'static str> {
    let family = name.strip_suffix(".deleted")?;
    Some(match family {
        "convo" => "conversation",
        "customer" => "customer",
        "tag" => "tag",
        "organization" => "organization",
        _ => "unknown",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_sorted_and_unique() {
        for pair in EVENTS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} !< {}",
                pair[0].name,
                pair[1].name
            );
        }
    }

    #[test]
    fn original_descriptions_are_kept() {
        let original = [
            ("convo.assigned", "Conversation was assigned."),
            ("convo.created", "Conversation was created."),
            ("convo.deleted", "Conversation was deleted."),
            ("convo.merged", "Conversation was merged."),
            ("convo.moved", "Conversation was moved."),
            ("convo.status", "Conversation status was updated."),
            ("convo.tags", "Conversation tags were updated."),
            (
                "convo.customer.reply.created",
                "The customer replied to the conversation.",
            ),
            (
                "convo.agent.reply.created",
                "An agent replied to the conversation.",
            ),
            (
                "convo.note.created",
                "A note was added to the conversation.",
            ),
            ("customer.created", "A customer was created."),
            ("satisfaction.ratings", "A rating was received."),
        ];
        for (name, description) in original {
            assert_eq!(
                lookup(name).map(|e| e.description),
                Some(description),
                "{name}"
            );
        }
    }

    #[test]
    fn api_enumeration_is_subscribable() {
        // PROTOCOL.md section 1, newest API `events` enumeration.
        let api = "beacon.chat.created, beacon.chat.customer.replied, convo.agent.reply.created, convo.ai-answers-email.reply.created, convo.ai-answers-email.resolution, convo.assigned, convo.created, convo.custom-fields, convo.customer.reply.created, convo.deleted, convo.merged, convo.moved, convo.note.created, convo.status, convo.tags, customer.created, customer.deleted, customer.updated, message.survey.response.received, organization.created, organization.deleted, organization.updated, satisfaction.ratings, tag.created, tag.deleted, tag.updated, user.status.changed";
        let names: Vec<&str> = api.split(", ").collect();
        for n in &names {
            assert!(lookup(n).is_some_and(|e| e.subscribable), "{n}");
        }
        let subscribable = EVENTS.iter().filter(|e| e.subscribable).count();
        assert_eq!(subscribable, names.len());
    }

    #[test]
    fn unknown_events_route_by_family() {
        assert_eq!(record_kind("convo.something.new"), Kind::Conversation);
        assert_eq!(record_kind("beacon.chat.closed"), Kind::BeaconChat);
        assert_eq!(record_kind("mailbox.deleted"), Kind::Deleted);
        assert_eq!(record_kind("brand.new.thing"), Kind::Record);
        assert_eq!(record_kind(""), Kind::Record);
        assert_eq!(deleted_resource("convo.deleted"), Some("conversation"));
        assert_eq!(deleted_resource("mailbox.deleted"), Some("unknown"));
        assert_eq!(deleted_resource("convo.created"), None);
        assert!(is_test("helpscout.test"));
        assert!(!is_test("helpscout.test2"));
    }
}
