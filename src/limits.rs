//! Every limit the library enforces, named once. The scanner, the converters (JSON to
//! Python, Python to JSON, `serialize`) and the request helpers all read these, and the
//! Python package exposes them as `helpscout._core.MAX_DEPTH` and friends.

/// The deepest nesting of objects and arrays a payload may have. Help Scout's payloads are
/// fewer than 10 levels deep; 128 (serde_json's and CPython's `json` comfort zone) leaves
/// room for anything real while keeping every recursive operation far from the stack's end.
pub const MAX_DEPTH: usize = 128;

/// The body size the framework helpers accept by default (a conversation with 40 long
/// threads is about 100 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// The largest body `receive` parses at all, whatever the caller's own limit. It keeps every
/// offset in 32 bits and memory bounded.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The most digits an integer may have. Python refuses to convert longer decimal strings
/// (`sys.int_info.default_max_str_digits`), so `json.loads` fails on them too; refusing at
/// receive keeps every later read consistent with that.
pub const MAX_INT_DIGITS: usize = 4300;
