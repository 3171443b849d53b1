//! What each record kind is: its class name, which nested keys are records of which kind,
//! the original library's attribute names that v2 payloads carry under another name, the
//! fields that read as `None` when absent, and the fields a short `repr` shows.
//!
//! Everything here is data; the bindings turn it into Python classes and attribute reads.

use std::borrow::Cow;

/// The one list of record kinds: variant, Python class name, docstring. Everything else that
/// names every kind is generated from it: the [`Kind`] enum here, and in the bindings the
/// Python classes, the dispatch that instantiates them, their module registration and
/// `_core.KINDS` (which a test checks the `.pyi` stubs and `helpscout.models` against).
/// `Record`, the base class of all of them, is not in the list.
macro_rules! with_kinds {
    ($callback:ident) => {
        $callback! {
            Embedded => "Embedded": "An `_embedded` HAL object; its members are typed by the record that owns it.",
            Conversation => "Conversation": "A conversation (v2 or legacy v1 payload).",
            Thread => "Thread": "A conversation thread: a reply, note, line item, chat or phone entry.",
            Customer => "Customer": "A customer (v2 or legacy v1 payload).",
            Person => "Person": "A reference to a customer, user or team inside another record.",
            User => "User": "A Help Scout user.",
            Rating => "Rating": "A satisfaction rating.",
            Source => "Source": "Where a conversation or thread came from (`type`, `via`).",
            MailboxRef => "MailboxRef": "A reference to a mailbox (legacy v1 `{id, name}`).",
            Attachment => "Attachment": "A file attached to a thread.",
            Tag => "Tag": "A tag (full v2 tag, or the short `{id, color, tag}` form inside a conversation).",
            Field => "Field": "A custom field value on a conversation or chat.",
            CustomField => "CustomField": "A custom field definition.",
            Email => "Email": "A customer email address.",
            Phone => "Phone": "A customer phone number.",
            Chat => "Chat": "A customer chat handle (`value`, `type`); Beacon chats are `BeaconChat`.",
            BeaconChat => "BeaconChat": "A Beacon (live) chat.",
            SocialProfile => "SocialProfile": "A customer social profile.",
            Website => "Website": "A customer website.",
            Address => "Address": "A customer address.",
            Organization => "Organization": "An organization.",
            UserStatus => "UserStatus": "A user's availability (`user.status.changed`).",
            SurveyResponse => "SurveyResponse": "A survey response (`message.survey.response.received`).",
            Deleted => "Deleted": "The body of a delete event: the id of what was deleted.",
            Ping => "Ping": "The body of a `helpscout.test` delivery.",
            DropdownOption => "Option": "A dropdown option of a custom field definition.",
            Folder => "Folder": "A mailbox folder.",
            Mailbox => "Mailbox": "A mailbox.",
            Workflow => "Workflow": "A workflow.",
            SearchConversation => "SearchConversation": "A conversation as returned by search.",
            SearchCustomer => "SearchCustomer": "A customer as returned by search.",
            BaseConversation => "BaseConversation": "The fields every conversation shape has.",
            AttachmentData => "AttachmentData": "Attachment data (base64).",
        }
    };
}
#[cfg_attr(not(feature = "python"), allow(unused_imports))]
pub(crate) use with_kinds;

macro_rules! define_kinds {
    ($($kind:ident => $class:literal: $doc:literal),* $(,)?) => {
        /// The kind of a record; each maps to one Python class.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { Record, $($kind),* }

        impl Kind {
            /// Every kind, `Record` first, then in registry order.
            pub const ALL: &'static [Kind] = &[Kind::Record, $(Kind::$kind),*];

            /// The Python class name.
            pub fn class_name(self) -> &'static str {
                match self { Kind::Record => "Record", $(Kind::$kind => $class),* }
            }

            /// The class docstring.
            pub fn doc(self) -> &'static str {
                match self {
                    Kind::Record => "The base class of every record.",
                    $(Kind::$kind => $doc),*
                }
            }
        }
    };
}

with_kinds!(define_kinds);

impl Kind {
    /// The kind whose class is called `name`.
    pub fn from_class_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.class_name() == name)
    }

    /// The kind of the record stored under `key` in a record whose routing context is
    /// `self` (for `_embedded` objects the context is the owning record's kind).
    pub fn child(self, key: &str) -> Kind {
        match (self, key) {
            (_, "_embedded") => Kind::Embedded,
            (Kind::Rating | Kind::SurveyResponse, "customer") => Kind::Customer,
            (
                _,
                "customer" | "primaryCustomer" | "assignee" | "createdBy" | "closedBy"
                | "closedByUser" | "owner" | "assignedTo" | "author",
            ) => Kind::Person,
            (Kind::Rating, "user") => Kind::Person,
            (
                Kind::Conversation
                | Kind::Thread
                | Kind::SearchConversation
                | Kind::BaseConversation,
                "source",
            ) => Kind::Source,
            (_, "mailbox" | "fromMailbox") => Kind::MailboxRef,
            (_, "threads") => Kind::Thread,
            (_, "tags") => Kind::Tag,
            (_, "customFields") => Kind::Field,
            (_, "attachments") => Kind::Attachment,
            (_, "emails") => Kind::Email,
            (_, "phones") => Kind::Phone,
            (_, "chats") => Kind::Chat,
            (_, "socialProfiles" | "social_profiles") => Kind::SocialProfile,
            (_, "websites") => Kind::Website,
            (_, "address") => Kind::Address,
            (_, "options") => Kind::DropdownOption,
            (_, "folders") => Kind::Folder,
            _ => Kind::Record,
        }
    }

    /// Whether records of this kind are `_embedded` holders that route by their owner.
    pub fn routes_by_owner(self) -> bool {
        self == Kind::Embedded
    }

    /// For an object stored under `key` in a record routed by `self`: its kind, and the
    /// context its own members are routed by (an `_embedded` object keeps its owner's).
    pub fn route(self, key: &str) -> (Kind, Kind) {
        let kind = self.child(key);
        (kind, if kind.routes_by_owner() { self } else { kind })
    }

    /// Attribute names of the original library (and documented fields) that read as
    /// `None` when the payload does not carry them, besides those of [`Kind::base`].
    /// Other unknown names raise.
    pub fn declared(self) -> &'static [&'static str] {
        match self {
            Kind::Record | Kind::Embedded | Kind::Ping => &["id"],
            Kind::Conversation => &[
                "id",
                "number",
                "subject",
                "status",
                "thread_count",
                "preview",
                "modified_at",
                "type",
                "folder_id",
                "is_draft",
                "draft",
                "owner",
                "mailbox",
                "customer",
                "created_by",
                "created_by_type",
                "created_at",
                "closed_at",
                "closed_by",
                "source",
                "threads",
                "cc",
                "bcc",
                "tags",
                "spam",
                "locked",
                "user_modified_at",
                "state",
                "mailbox_id",
                "assignee",
                "primary_customer",
                "closed_by_user",
                "user_updated_at",
                "custom_fields",
                "customer_waiting_since",
                "snooze",
            ],
            Kind::BaseConversation => &[
                "id",
                "number",
                "subject",
                "status",
                "thread_count",
                "preview",
                "modified_at",
            ],
            Kind::SearchConversation => &[
                "id",
                "number",
                "subject",
                "status",
                "thread_count",
                "preview",
                "modified_at",
                "mailbox_id",
                "customer_name",
                "customer_email",
                "has_attachments",
            ],
            Kind::Thread => &[
                "id",
                "assigned_to",
                "status",
                "created_at",
                "opened_at",
                "created_by",
                "source",
                "action_type",
                "action_source_id",
                "from_mailbox",
                "type",
                "state",
                "customer",
                "body",
                "to",
                "cc",
                "bcc",
                "attachments",
                "saved_reply_id",
                "created_by_customer",
                "action",
            ],
            Kind::Customer | Kind::SearchCustomer => &[
                "photo_type",
                "gender",
                "age",
                "organization",
                "job_title",
                "location",
                "background",
                "address",
                "social_profiles",
                "phones",
                "chats",
                "websites",
                "updated_at",
                "organization_id",
                "properties",
                "draft",
                "conversation_count",
            ],
            Kind::Person => &[
                "id",
                "customer_person_type",
                "full_name",
                "first_name",
                "last_name",
                "email",
                "emails",
                "phone",
                "type",
                "photo_url",
                "created_at",
                "modified_at",
            ],
            Kind::User => &["role", "timezone", "updated_at"],
            Kind::Rating => &[
                "id",
                "customer",
                "ticket_id",
                "thread_id",
                "mailbox",
                "rating",
                "comments",
                "created_at",
                "modified_at",
                "conversation_id",
                "conversation_number",
                "mailbox_id",
                "user",
            ],
            Kind::Source => &["id", "type", "via"],
            Kind::MailboxRef => &["id", "name"],
            Kind::Mailbox => &[
                "id",
                "name",
                "slug",
                "email",
                "folders",
                "created_at",
                "modified_at",
            ],
            Kind::Attachment => &[
                "id",
                "data",
                "hash",
                "mime_type",
                "file_name",
                "size",
                "width",
                "height",
                "url",
                "filename",
                "state",
            ],
            Kind::AttachmentData => &["id", "data"],
            Kind::Tag => &[
                "id",
                "tag",
                "slug",
                "count",
                "color",
                "created_at",
                "modified_at",
                "name",
                "updated_at",
                "ticket_count",
            ],
            Kind::Field => &["id", "field_id", "name", "value", "type", "label", "text"],
            Kind::CustomField => &[
                "id",
                "field_name",
                "field_type",
                "required",
                "order",
                "options",
            ],
            Kind::Email | Kind::Phone => &["id", "value", "location", "type"],
            Kind::Chat | Kind::SocialProfile => &["id", "value", "type"],
            Kind::BeaconChat => &[
                "id",
                "value",
                "type",
                "beacon_id",
                "mailbox_id",
                "created_at",
                "assignee",
                "customer",
                "preview",
                "custom_fields",
                "tags",
                "timeline",
                "events",
            ],
            Kind::Website => &["id", "value"],
            Kind::Address => &[
                "id",
                "lines",
                "city",
                "state",
                "postal_code",
                "country",
                "created_at",
                "modified_at",
            ],
            Kind::Organization => &[
                "id",
                "name",
                "website",
                "description",
                "location",
                "logo_url",
                "note",
                "domains",
                "phones",
                "brand_color",
                "customer_count",
                "conversation_count",
                "properties",
            ],
            Kind::UserStatus => &["id", "user_id", "email", "chat"],
            Kind::SurveyResponse => &["id", "message", "response", "customer"],
            Kind::Deleted => &["id"],
            Kind::DropdownOption => &["id", "label", "order"],
            Kind::Folder => &[
                "id",
                "name",
                "type",
                "user_id",
                "total_count",
                "active_count",
                "modified_at",
            ],
            Kind::Workflow => &[
                "id",
                "mailbox_id",
                "type",
                "status",
                "order",
                "name",
                "created_at",
                "modified_at",
            ],
        }
    }

    /// The kind whose declared fields this kind also has (the original's class hierarchy:
    /// Customer and User are Persons).
    pub fn base(self) -> Option<Kind> {
        matches!(self, Kind::Customer | Kind::SearchCustomer | Kind::User).then_some(Kind::Person)
    }

    /// Whether `name` reads as `None` when absent (see [`Kind::declared`]).
    pub fn is_declared(self, name: &str) -> bool {
        self.declared().contains(&name) || self.base().is_some_and(|b| b.is_declared(name))
    }

    /// What the declared field `name` reads as when the payload lacks it: the original
    /// model's default (`Customer.gender` is `"unknown"`), or `None`. `None` (the Rust
    /// option) when `name` is not declared.
    pub fn default_of(self, name: &str) -> Option<FieldDefault> {
        use FieldDefault::{Int, Str};
        if !self.is_declared(name) {
            return None;
        }
        // helpscout 0.1.3's `default=` values (Person's `__init__` sets `type` to 'user').
        let own = match (self, name) {
            (Kind::Conversation | Kind::BaseConversation | Kind::SearchConversation, "status") => {
                Some(Str("pending"))
            }
            (Kind::Customer | Kind::SearchCustomer, "gender") => Some(Str("unknown")),
            (Kind::Customer | Kind::SearchCustomer | Kind::Person | Kind::User, "type") => {
                Some(Str("user"))
            }
            (Kind::Chat | Kind::SocialProfile, "type") => Some(Str("other")),
            (Kind::Email | Kind::Phone, "location") => Some(Str("other")),
            (Kind::CustomField, "field_type") => Some(Str("SINGLE_LINE")),
            (Kind::Folder, "type") => Some(Str("drafts")),
            (Kind::Source, "type") => Some(Str("api")),
            (Kind::Workflow, "type") => Some(Str("manual")),
            (Kind::Workflow, "status") => Some(Str("invalid")),
            (Kind::Workflow, "order") => Some(Int(1)),
            (_, "customer_person_type") => Some(FieldDefault::Bool(false)),
            _ => None,
        };
        Some(own.unwrap_or(FieldDefault::None))
    }

    /// Every declared name, the base kind's included.
    pub fn declared_names(self) -> impl Iterator<Item = &'static str> {
        self.declared()
            .iter()
            .chain(self.base().map_or(&[][..], Kind::declared))
            .copied()
    }

    /// Fields a short `repr` shows after the class name, in order (absent ones skipped).
    pub fn repr_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Conversation | Kind::SearchConversation | Kind::BaseConversation => {
                &["id", "number", "subject"]
            }
            Kind::Thread => &["id", "type", "state"],
            Kind::Customer | Kind::SearchCustomer | Kind::Person | Kind::User => {
                &["id", "first_name", "last_name", "email"]
            }
            Kind::Rating => &["id", "rating"],
            Kind::Tag => &["id", "tag"],
            Kind::Email | Kind::Phone | Kind::Chat | Kind::SocialProfile | Kind::Website => {
                &["id", "value"]
            }
            Kind::BeaconChat => &["id", "preview"],
            Kind::Organization
            | Kind::MailboxRef
            | Kind::Mailbox
            | Kind::Folder
            | Kind::Workflow => &["id", "name"],
            Kind::UserStatus => &["user_id"],
            Kind::SurveyResponse => &["response"],
            Kind::Field => &["id", "name", "value"],
            Kind::Attachment => &["id", "file_name"],
            Kind::Source => &["type", "via"],
            Kind::Address => &["city", "country"],
            _ => &["id"],
        }
    }

    /// Where the original attribute `name` lives in a payload of this kind that does not
    /// carry it under its own key.
    pub fn alias(self, name: &str) -> Option<Alias> {
        use Alias::{Equals, FirstValue, IdRecord, Path};
        let person = || match name {
            "first_name" => Some(Path(&["first"])),
            "last_name" => Some(Path(&["last"])),
            "customer_person_type" => Some(Equals(&["type"], "customer")),
            _ => None,
        };
        match self {
            Kind::Conversation => match name {
                "customer" => Some(Path(&["primaryCustomer"])),
                "owner" => Some(Path(&["assignee"])),
                "threads" => Some(Path(&["_embedded", "threads"])),
                "thread_count" => Some(Path(&["threads"])),
                "modified_at" | "user_modified_at" => Some(Path(&["userUpdatedAt"])),
                "created_by_type" => Some(Path(&["createdBy", "type"])),
                "is_draft" | "draft" => Some(Equals(&["state"], "draft")),
                "mailbox" => Some(IdRecord("mailboxId", Kind::MailboxRef)),
                _ => None,
            },
            Kind::Thread => match name {
                "attachments" => Some(Path(&["_embedded", "attachments"])),
                "action_type" => Some(Path(&["action", "type"])),
                "created_by_customer" => Some(Equals(&["createdBy", "type"], "customer")),
                _ => None,
            },
            Kind::Customer | Kind::SearchCustomer => match name {
                "emails" => Some(Path(&["_embedded", "emails"])),
                "phones" => Some(Path(&["_embedded", "phones"])),
                "chats" => Some(Path(&["_embedded", "chats"])),
                "social_profiles" => Some(Path(&["_embedded", "social_profiles"])),
                "websites" => Some(Path(&["_embedded", "websites"])),
                "address" => Some(Path(&["_embedded", "address"])),
                "properties" => Some(Path(&["_embedded", "properties"])),
                "modified_at" => Some(Path(&["updatedAt"])),
                "email" => Some(FirstValue(&["_embedded", "emails"], "value")),
                _ => person(),
            },
            Kind::Person | Kind::User => match name {
                "modified_at" => Some(Path(&["updatedAt"])),
                _ => person(),
            },
            Kind::Email | Kind::Phone => (name == "location").then_some(Path(&["type"])),
            Kind::Rating => match name {
                "ticket_id" => Some(Path(&["conversationId"])),
                "mailbox" => Some(IdRecord("mailboxId", Kind::MailboxRef)),
                _ => None,
            },
            Kind::Tag => match name {
                "tag" => Some(Path(&["name"])),
                "count" => Some(Path(&["ticketCount"])),
                "modified_at" => Some(Path(&["updatedAt"])),
                _ => None,
            },
            Kind::Attachment => match name {
                "file_name" => Some(Path(&["filename"])),
                "url" => Some(Path(&["_links", "data", "href"])),
                _ => None,
            },
            Kind::Address => (name == "modified_at").then_some(Path(&["updatedAt"])),
            Kind::Field => match name {
                "field_id" => Some(Path(&["id"])),
                "label" => Some(Path(&["text"])),
                _ => None,
            },
            Kind::SurveyResponse => {
                (name == "customer").then_some(Path(&["_embedded", "customer"]))
            }
            Kind::BeaconChat => (name == "events").then_some(Path(&["_embedded", "events"])),
            _ => None,
        }
    }

    /// Whether a body with these top-level keys has the shape of this kind's payloads. The
    /// `X-HelpScout-Event` header is not signed, so a signed body can arrive under another
    /// event's name; this is the check `WebHookEvent.shape_matches` makes.
    pub fn shape_matches<'a>(self, mut keys: impl Iterator<Item = &'a str>) -> bool {
        let markers: &[&str] = match self {
            Kind::Conversation => &[
                "number",
                "subject",
                "threads",
                "mailboxId",
                "mailbox",
                "primaryCustomer",
                "folderId",
                "isDraft",
                "createdBy",
                "status",
            ],
            Kind::Customer => &[
                "firstName",
                "lastName",
                "first",
                "last",
                "emails",
                "gender",
                "jobTitle",
                "background",
                "photoType",
                "age",
            ],
            Kind::Rating => &["rating"],
            Kind::Tag => &["name", "slug", "color", "tag", "ticketCount"],
            Kind::Organization => &["name", "domains", "website", "brandColor"],
            Kind::UserStatus => &["userId"],
            Kind::SurveyResponse => &["response"],
            Kind::BeaconChat => &["beaconId", "timeline"],
            Kind::Deleted => {
                // Only an id (and links): a full resource under a delete event is a mismatch.
                let mut has_id = false;
                for k in keys {
                    match k {
                        "id" => has_id = true,
                        "_links" | "type" => {}
                        _ => return false,
                    }
                }
                return has_id;
            }
            _ => return true,
        };
        keys.any(|k| markers.contains(&k))
    }

    /// Whether an alias for `name` wins over a scalar stored under the same key. Only the
    /// conversation's `threads`: v2 uses it for the thread count, the original for the list.
    pub fn alias_overrides_scalar(self, name: &str) -> bool {
        self == Kind::Conversation && name == "threads"
    }

    /// Which payload shape a record of this kind has, from its top-level keys.
    pub fn payload_version<'a>(
        self,
        mut keys: impl Iterator<Item = &'a str>,
    ) -> Option<&'static str> {
        let v1_markers: &[&str] = match self {
            Kind::Conversation => &["owner", "mailbox", "threadCount", "isDraft", "modifiedAt"],
            Kind::Customer => &[
                "emails",
                "phones",
                "socialProfiles",
                "modifiedAt",
                "address",
            ],
            Kind::Rating => &["ticketId", "mailbox"],
            _ => return None,
        };
        Some(if keys.any(|k| v1_markers.contains(&k)) {
            "v1"
        } else {
            "v2"
        })
    }
}

/// The value a declared field reads as when the payload lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldDefault {
    None,
    Str(&'static str),
    Int(i64),
    Bool(bool),
}

/// Where an original attribute name finds its value in a v2 payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alias {
    /// The value at this path of JSON keys.
    Path(&'static [&'static str]),
    /// Whether the string at this path equals the given value.
    Equals(&'static [&'static str], &'static str),
    /// Field `.1` of the first object in the array at path `.0`.
    FirstValue(&'static [&'static str], &'static str),
    /// A record of kind `.1` whose only field is the id found under key `.0` (v2 sends
    /// `mailboxId` where v1 sent `mailbox: {id, name}`).
    IdRecord(&'static str, Kind),
}

/// Whether a JSON key holds a timestamp that reads as a `datetime`.
pub fn is_timestamp_key(key: &str) -> bool {
    key.ends_with("At")
        || key.ends_with("_at")
        || matches!(key, "time" | "timestamp" | "snoozedUntil" | "scheduledFor")
}

/// The original library's camelCase → snake_case rule, extended so that every key gives an
/// identifier: `firstName` → `first_name`, `photoURL` → `photo_url`, `HTMLBody` →
/// `html_body`, `social-profiles` → `social_profiles`, `message:dashboard` →
/// `message_dashboard`.
///
/// The two regex passes of the original (`(.)([A-Z][a-z]+)` then `([a-z0-9])([A-Z])`, each
/// replaced with `\1_\2`, then lower-cased) are reproduced exactly, including their
/// non-overlapping matching.
pub fn to_snake_case(key: &str) -> Cow<'_, str> {
    if is_snake(key.as_bytes()) {
        return Cow::Borrowed(key);
    }
    if key.is_ascii() {
        let bytes: Vec<u8> = snake_passes(
            key.as_bytes(),
            |&c| c == b'\n',
            u8::is_ascii_uppercase,
            u8::is_ascii_lowercase,
            u8::is_ascii_digit,
        );
        return Cow::Owned(
            bytes
                .into_iter()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == b'_' {
                        char::from(c.to_ascii_lowercase())
                    } else {
                        '_'
                    }
                })
                .collect(),
        );
    }
    let chars: Vec<char> = key.chars().collect();
    let out: String = snake_passes(
        &chars,
        |&c| c == '\n',
        char::is_ascii_uppercase,
        char::is_ascii_lowercase,
        char::is_ascii_digit,
    )
    .into_iter()
    .collect();
    Cow::Owned(
        out.to_lowercase()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect(),
    )
}

/// The two regex passes of the original over a sequence of characters (or ASCII bytes).
fn snake_passes<T: Copy + From<u8>>(
    s: &[T],
    is_newline: impl Fn(&T) -> bool,
    upper: impl Fn(&T) -> bool,
    lower: impl Fn(&T) -> bool,
    digit: impl Fn(&T) -> bool,
) -> Vec<T> {
    let underscore = T::from(b'_');
    // Pass 1: (.)([A-Z][a-z]+)
    let mut pass1: Vec<T> = Vec::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if !is_newline(&c) && s.get(i + 1).is_some_and(&upper) && s.get(i + 2).is_some_and(&lower) {
            let mut j = i + 3;
            while s.get(j).is_some_and(&lower) {
                j += 1;
            }
            pass1.push(c);
            pass1.push(underscore);
            pass1.extend_from_slice(&s[i + 1..j]);
            i = j;
        } else {
            pass1.push(c);
            i += 1;
        }
    }
    // Pass 2: ([a-z0-9])([A-Z])
    let mut out: Vec<T> = Vec::with_capacity(pass1.len() + 4);
    let mut i = 0;
    while i < pass1.len() {
        let c = pass1[i];
        if (lower(&c) || digit(&c)) && pass1.get(i + 1).is_some_and(&upper) {
            out.push(c);
            out.push(underscore);
            out.push(pass1[i + 1]);
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether `key` is its own snake form: small ASCII letters, digits and `_` only.
#[inline]
pub fn is_snake(key: &[u8]) -> bool {
    key.iter()
        .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The first byte of the snake form of a key whose first byte is the ASCII `k0`.
#[inline]
pub fn snake_first(k0: u8) -> u8 {
    if k0.is_ascii_alphanumeric() {
        k0.to_ascii_lowercase()
    } else {
        b'_'
    }
}

/// Whether `to_snake_case(key) == name`, rejecting most keys without converting them.
#[inline]
pub fn snake_matches(key: &str, name: &str) -> bool {
    let (k, n) = (key.as_bytes(), name.as_bytes());
    // An ASCII first character is kept lower-cased (or becomes `_`) whatever follows it,
    // so comparing first bytes rejects most keys in a few instructions.
    if let (Some(&k0), Some(&n0)) = (k.first(), n.first()) {
        if k0.is_ascii() && snake_first(k0) != n0 {
            return false;
        }
    }
    if key.is_ascii() {
        // The snake form of an ASCII key is never shorter than the key.
        if k.len() > n.len() {
            return false;
        }
        if let Some(matches) = plain_camel_matches(k, n) {
            return matches;
        }
    }
    to_snake_case(key) == name
}

/// `snake_matches` without converting, for the keys nearly every payload has: ASCII
/// letters, digits and `_`, not starting with a capital, each capital followed by a small
/// letter (`firstName`, `address2Line`, `created_at`). For these the original's two
/// passes put exactly one `_` before each capital, so the snake form is compared byte by
/// byte as it is produced. `None` for any other key (the full rule decides).
#[inline]
fn plain_camel_matches(key: &[u8], name: &[u8]) -> Option<bool> {
    let mut n = 0;
    let mut mismatch = false;
    for (i, &c) in key.iter().enumerate() {
        if c.is_ascii_uppercase() {
            if i == 0 || !key.get(i + 1).is_some_and(u8::is_ascii_lowercase) {
                return None;
            }
            mismatch |= name.get(n) != Some(&b'_') || name.get(n + 1) != Some(&(c | 0x20));
            n += 2;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' {
            mismatch |= name.get(n) != Some(&c);
            n += 1;
        } else {
            return None;
        }
        if mismatch {
            // Still a plain key? Only then is `false` the answer; finish checking its shape.
            let rest = &key[i + 1..];
            let plain = rest.iter().enumerate().all(|(j, &c)| {
                if c.is_ascii_uppercase() {
                    rest.get(j + 1).is_some_and(u8::is_ascii_lowercase)
                } else {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'
                }
            });
            return plain.then_some(false);
        }
    }
    Some(n == name.len())
}

/// The original library's snake_case → camelCase rule (`first_name` → `firstName`), with
/// leading underscores kept (`_embedded` stays `_embedded`). Each later component is
/// title-cased like Python's `str.title()`.
pub fn to_camel_case(name: &str) -> String {
    let body = name.trim_start_matches('_');
    let mut out = String::with_capacity(name.len());
    out.push_str(&name[..name.len() - body.len()]);
    let mut parts = body.split('_');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        let mut prev_cased = false;
        for c in part.chars() {
            if c.is_alphabetic() {
                if prev_cased {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                prev_cased = true;
            } else {
                out.push(c);
                prev_cased = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_the_original_rule() {
        let cases = [
            ("firstName", "first_name"),
            ("id", "id"),
            ("photoURL", "photo_url"),
            ("HTMLBody", "html_body"),
            ("mailboxIds", "mailbox_ids"),
            ("_embedded", "_embedded"),
            ("social_profiles", "social_profiles"),
            ("social-profiles", "social_profiles"),
            ("message:dashboard", "message_dashboard"),
            ("customerWaitingSince", "customer_waiting_since"),
            ("ABcDe", "a_bc_de"),
            ("userID2Fa", "user_id2_fa"),
            ("X", "x"),
            ("210334", "210334"),
            ("ÉtéDate", "été_date"),
            ("prénomNom", "prénom_nom"),
        ];
        for (key, want) in cases {
            assert_eq!(to_snake_case(key), want, "{key}");
            assert!(snake_matches(key, want), "{key}");
            assert!(!snake_matches(key, "zzz"), "{key}");
        }
        assert!(!snake_matches("firstName", "first"));
    }

    #[test]
    fn snake_matches_agrees_with_the_full_rule_on_every_short_key() {
        // Every key of up to 5 characters over letters of both cases, a digit, `_`, `-`
        // and a non-ASCII letter, against its own snake form and near misses.
        let alphabet = ['a', 'b', 'B', 'C', '1', '_', '-', 'é'];
        let mut keys = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for k in &frontier {
                for c in alphabet {
                    next.push(format!("{k}{c}"));
                }
            }
            keys.extend(next.iter().cloned());
            frontier = next;
        }
        for key in &keys {
            let snake = to_snake_case(key).into_owned();
            let mut names = vec![
                snake.clone(),
                format!("{snake}a"),
                format!("{snake}_"),
                snake.chars().skip(1).collect(),
                snake.chars().rev().collect(),
                key.to_lowercase(),
                "a_b".to_owned(),
            ];
            names.push(snake.replacen('_', "", 1));
            for name in names {
                assert_eq!(
                    snake_matches(key, &name),
                    snake == name,
                    "key {key:?}, name {name:?}"
                );
            }
        }
    }

    #[test]
    fn camel_case_round_trips_documented_keys() {
        for key in [
            "firstName",
            "postalCode",
            "photoUrl",
            "_embedded",
            "id",
            "customFields",
            "userUpdatedAt",
        ] {
            assert_eq!(to_camel_case(&to_snake_case(key)), key);
        }
        assert_eq!(to_camel_case("abc_1def"), "abc1Def");
    }

    #[test]
    fn class_names_are_unique_and_found() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_class_name(k.class_name()), Some(*k));
        }
        assert_eq!(Kind::from_class_name("Nope"), None);
    }

    #[test]
    fn routing_and_aliases() {
        assert_eq!(Kind::Conversation.child("primaryCustomer"), Kind::Person);
        assert_eq!(Kind::Rating.child("customer"), Kind::Customer);
        assert_eq!(Kind::Conversation.child("customer"), Kind::Person);
        assert_eq!(Kind::Customer.child("source"), Kind::Record);
        assert_eq!(Kind::Conversation.child("_embedded"), Kind::Embedded);
        assert_eq!(
            Kind::Conversation.route("_embedded"),
            (Kind::Embedded, Kind::Conversation)
        );
        assert_eq!(
            Kind::Conversation.route("threads"),
            (Kind::Thread, Kind::Thread)
        );
        assert_eq!(
            Kind::Conversation.alias("customer"),
            Some(Alias::Path(&["primaryCustomer"]))
        );
        assert_eq!(Kind::Conversation.alias("nothing"), None);
        assert!(Kind::Conversation.alias_overrides_scalar("threads"));
        assert!(
            is_timestamp_key("createdAt")
                && is_timestamp_key("time")
                && !is_timestamp_key("format")
        );
        assert_eq!(
            Kind::Conversation.payload_version(["id", "owner"].into_iter()),
            Some("v1")
        );
        assert_eq!(
            Kind::Conversation.payload_version(["id", "assignee"].into_iter()),
            Some("v2")
        );
        assert_eq!(Kind::Tag.payload_version(["id"].into_iter()), None);
        for k in Kind::ALL {
            assert!(k.is_declared("id") || *k == Kind::UserStatus, "{k:?}");
        }
        assert!(Kind::Customer.is_declared("first_name") && Kind::Customer.is_declared("gender"));
        assert!(Kind::User.is_declared("email") && !Kind::User.is_declared("gender"));
        assert!(Kind::Customer.declared_names().any(|n| n == "photo_url"));
    }
}
