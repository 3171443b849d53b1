"""Type stubs for the Rust extension ``helpscout._core``."""

import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union, final

from typing_extensions import Self, disjoint_base

_Bytes = Union[bytes, bytearray, memoryview, str]

__all__ = [
    "DEBUG_BUILD",
    "DEFAULT_MAX_BODY_BYTES",
    "KINDS",
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_SECRET_CHARS",
    "TEST_EVENT",
    "Address",
    "ApiClient",
    "Attachment",
    "AttachmentData",
    "BaseConversation",
    "BeaconChat",
    "Chat",
    "Conversation",
    "CustomField",
    "Customer",
    "Deleted",
    "Email",
    "Embedded",
    "Field",
    "Folder",
    "Mailbox",
    "MailboxRef",
    "Option",
    "Organization",
    "Person",
    "Phone",
    "Ping",
    "Rating",
    "Record",
    "SearchConversation",
    "SearchCustomer",
    "SocialProfile",
    "Source",
    "SurveyResponse",
    "Tag",
    "Thread",
    "User",
    "UserStatus",
    "Verifier",
    "WebHookEvent",
    "Website",
    "Workflow",
    "__version__",
    "_event_from_state",
    "_record_from_json",
    "dedupe_key",
    "events",
    "record_class_name",
    "secret_is_blank",
    "sign",
    "to_camel_case",
    "to_snake_case",
]
__version__: str
MAX_SECRET_CHARS: int
TEST_EVENT: str
MAX_DEPTH: int
MAX_BODY_BYTES: int
DEFAULT_MAX_BODY_BYTES: int
MAX_INT_DIGITS: int
DEBUG_BUILD: bool
KINDS: Tuple[str, ...]
"""Every record class name, ``Record`` first (generated from the Rust kind registry)."""

def sign(secret: bytes, body: bytes) -> str: ...
def secret_is_blank(secret: Union[str, bytes]) -> bool: ...
def dedupe_key(event_type: str, body: bytes) -> str: ...
def to_snake_case(key: str) -> str: ...
def to_camel_case(name: str) -> str: ...
def events() -> List[Tuple[str, str, str, bool]]: ...
def record_class_name(event_type: str) -> str: ...
def _record_from_json(class_name: str, text: str, context: str) -> Record: ...
def _event_from_state(
    event_type: Optional[str],
    record: Record,
    secret_index: Optional[int] = None,
    signature: Optional[str] = None,
    raw: Optional[bytes] = None,
) -> WebHookEvent: ...

@disjoint_base
class Record:
    """A typed view of a JSON object; fields read as snake_case attributes and can be
    assigned (the body itself never changes)."""

    def __new__(cls, **kwargs: Any) -> Self: ...
    def __getattribute__(self, name: str, /) -> Any: ...
    def __setattr__(self, name: str, value: Any, /) -> None: ...
    def __delattr__(self, name: str, /) -> None: ...
    def __getitem__(self, key: str, /) -> Any: ...
    def __setitem__(self, key: str, value: Any, /) -> None: ...
    def __delitem__(self, key: str, /) -> None: ...
    def __contains__(self, key: str, /) -> bool: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def to_api(self) -> Any: ...
    def serialize(self) -> Any: ...
    def to_dict(self) -> Any: ...
    def to_json(self) -> str: ...
    def keys(self) -> List[str]: ...
    def detach(self) -> Self: ...
    def validate(self) -> bool: ...
    def equal(self, other: object) -> bool: ...
    @staticmethod
    def get_non_empty_vals(mapping: Mapping[Any, Any]) -> Dict[Any, Any]: ...
    def _repr_html_(self) -> str: ...
    @classmethod
    def from_api(cls, **kwargs: Any) -> Self: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

    # Fields every record may carry; others are reached the same way.
    id: Any

class Embedded(Record): ...

class Conversation(Record):
    number: Optional[int]
    subject: Optional[str]
    status: Optional[str]
    state: Optional[str]
    type: Optional[str]
    preview: Optional[str]
    mailbox_id: Optional[int]
    folder_id: Optional[int]
    thread_count: Optional[int]
    threads: Optional[List[Thread]]
    customer: Optional[Person]
    primary_customer: Optional[Person]
    owner: Optional[Person]
    assignee: Optional[Person]
    created_by: Optional[Person]
    created_at: Optional[datetime.datetime]
    closed_at: Optional[datetime.datetime]
    modified_at: Optional[datetime.datetime]
    user_modified_at: Optional[datetime.datetime]
    tags: Optional[List[Any]]
    custom_fields: Optional[List[Field]]
    source: Optional[Source]
    cc: Optional[List[str]]
    bcc: Optional[List[str]]
    is_draft: Optional[bool]
    mailbox: Optional[MailboxRef]

class Thread(Record):
    type: Optional[str]
    status: Optional[str]
    state: Optional[str]
    body: Optional[str]
    created_by: Optional[Person]
    customer: Optional[Person]
    assigned_to: Optional[Person]
    created_at: Optional[datetime.datetime]
    opened_at: Optional[datetime.datetime]
    attachments: Optional[List[Attachment]]
    action_type: Optional[str]
    created_by_customer: Optional[bool]

class Person(Record):
    customer_person_type: bool
    first_name: Optional[str]
    last_name: Optional[str]
    email: Optional[str]
    type: Optional[str]
    photo_url: Optional[str]

class Customer(Record):
    customer_person_type: bool
    first_name: Optional[str]
    last_name: Optional[str]
    email: Optional[str]
    emails: Optional[List[Email]]
    phones: Optional[List[Phone]]
    chats: Optional[List[Chat]]
    social_profiles: Optional[List[SocialProfile]]
    websites: Optional[List[Website]]
    address: Optional[Address]
    gender: Optional[str]
    photo_type: Optional[str]
    organization: Optional[str]
    job_title: Optional[str]
    location: Optional[str]
    background: Optional[str]
    created_at: Optional[datetime.datetime]
    modified_at: Optional[datetime.datetime]

class User(Record): ...

class Rating(Record):
    rating: Optional[str]
    mailbox: Optional[MailboxRef]
    comments: Optional[str]
    customer: Optional[Customer]
    ticket_id: Optional[int]
    thread_id: Optional[int]
    created_at: Optional[datetime.datetime]

class Source(Record):
    type: Optional[str]
    via: Optional[str]

class MailboxRef(Record):
    name: Optional[str]

class Attachment(Record):
    file_name: Optional[str]
    mime_type: Optional[str]
    size: Optional[int]

class Tag(Record):
    tag: Optional[str]
    color: Optional[str]

class Field(Record):
    name: Optional[str]
    value: Optional[str]
    label: Optional[str]

class CustomField(Record): ...

class Email(Record):
    value: Optional[str]
    location: Optional[str]

class Phone(Record):
    value: Optional[str]
    location: Optional[str]

class Chat(Record):
    value: Optional[str]
    type: Optional[str]

class BeaconChat(Record):
    beacon_id: Optional[str]
    preview: Optional[str]
    created_at: Optional[datetime.datetime]
    events: Optional[List[Record]]

class SocialProfile(Record):
    value: Optional[str]
    type: Optional[str]

class Website(Record):
    value: Optional[str]

class Address(Record):
    lines: Optional[List[str]]
    city: Optional[str]
    state: Optional[str]
    postal_code: Optional[str]
    country: Optional[str]

class Organization(Record):
    name: Optional[str]

class UserStatus(Record):
    user_id: Optional[int]

class SurveyResponse(Record):
    customer: Optional[Customer]

class Deleted(Record): ...
class Ping(Record): ...
class Option(Record): ...
class Folder(Record): ...
class Mailbox(Record): ...
class Workflow(Record): ...
class SearchConversation(Record): ...
class SearchCustomer(Record): ...
class BaseConversation(Record): ...
class AttachmentData(Record): ...

@disjoint_base
class WebHookEvent:
    """An authenticated delivery: the event name and the typed record of its body."""

    def __new__(
        cls, event_type: Optional[str] = None, record: Union[Record, dict, None] = None
    ) -> Self: ...
    @property
    def event_type(self) -> Optional[str]: ...
    @property
    def record(self) -> Any: ...
    @property
    def is_test(self) -> bool: ...
    @property
    def is_known(self) -> bool: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def deleted_resource(self) -> Optional[str]: ...
    @property
    def payload_version(self) -> Optional[str]: ...
    @property
    def secret_index(self) -> Optional[int]: ...
    @property
    def dedupe_key(self) -> str: ...
    @property
    def signature(self) -> Optional[str]: ...
    @property
    def shape_matches(self) -> bool: ...
    def to_api(self) -> Dict[str, Any]: ...
    def to_envelope(self) -> Dict[str, Any]: ...
    def fetch(self, hs: Any) -> Any: ...
    @classmethod
    def from_envelope(cls, envelope: Dict[str, Any]) -> WebHookEvent: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

@final
class Verifier:
    """The secrets of one webhook; its repr never shows them."""

    def __new__(cls, secrets: List[Union[str, bytes]], first_index: int = 0) -> Self: ...
    def verify(
        self, signature: Optional[_Bytes], data: _Bytes, encoding: Optional[str] = None
    ) -> Optional[int]: ...
    def authenticate(
        self, signature: Optional[_Bytes], data: _Bytes, encoding: Optional[str] = None
    ) -> int: ...
    def receive(
        self,
        event_type: Optional[Union[str, bytes]],
        signature: Optional[_Bytes],
        data: _Bytes,
        encoding: Optional[str] = None,
    ) -> WebHookEvent: ...
    def sign(self, data: _Bytes, encoding: Optional[str] = None) -> str: ...
    def __len__(self) -> int: ...

@final
class ApiClient:
    """Mailbox API 2.0 webhook client; requests run with the GIL released."""

    def __new__(
        cls,
        app_id: Optional[str] = None,
        app_secret: Optional[str] = None,
        access_token: Optional[str] = None,
        base_url: str = "https://api.helpscout.net",
        timeout: float = 30.0,
        rate_limit_retries: int = 3,
        max_retry_wait: float = 60.0,
        retries: int = 2,
    ) -> Self: ...
    def create_webhook(self, hook_json: str, allow_unknown_events: bool) -> int: ...
    def update_webhook(self, id: int, hook_json: str, allow_unknown_events: bool) -> None: ...
    def delete_webhook(self, id: int) -> None: ...
    def get_webhook(self, id: int) -> str: ...
    def list_webhooks(self) -> str: ...
    def get_resource(self, url: str) -> str: ...
