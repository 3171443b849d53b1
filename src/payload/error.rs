//! What can be wrong with a payload, as one kind enum with its HTTP status.

use std::fmt;

/// Why a payload could not be read. `as_str()` is the machine-readable `reason` the Python
/// exception carries; `http_status()` is the answer an endpoint gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadErrorKind {
    /// Not valid UTF-8 (or UTF-16/32 when the bytes say so).
    Utf8,
    /// Not JSON.
    Syntax,
    /// The JSON ends inside a value.
    Eof,
    /// Nothing but whitespace.
    Empty,
    /// Valid JSON, but not an object.
    NotObject,
    /// Nested deeper than `limits::MAX_DEPTH`.
    TooDeep,
    /// An integer longer than `limits::MAX_INT_DIGITS`, or a float beyond f64's range.
    Number,
    /// Larger than `limits::MAX_BODY_BYTES`.
    TooLarge,
}

impl PayloadErrorKind {
    /// Every kind, for tables and tests.
    pub const ALL: &'static [PayloadErrorKind] = &[
        PayloadErrorKind::Utf8,
        PayloadErrorKind::Syntax,
        PayloadErrorKind::Eof,
        PayloadErrorKind::Empty,
        PayloadErrorKind::NotObject,
        PayloadErrorKind::TooDeep,
        PayloadErrorKind::Number,
        PayloadErrorKind::TooLarge,
    ];

    /// The `reason` string of the Python exception.
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadErrorKind::Utf8 => "utf8",
            // An early end is a syntax error to callers that only look at the reason.
            PayloadErrorKind::Syntax | PayloadErrorKind::Eof => "syntax",
            PayloadErrorKind::Empty => "empty",
            PayloadErrorKind::NotObject => "not_object",
            PayloadErrorKind::TooDeep => "too_deep",
            PayloadErrorKind::Number => "number",
            PayloadErrorKind::TooLarge => "too_large",
        }
    }

    /// The HTTP status an endpoint answers with.
    pub fn http_status(self) -> u16 {
        match self {
            PayloadErrorKind::TooLarge => 413,
            _ => 400,
        }
    }
}

/// A payload that cannot be read: its kind, a message for a person, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    pub kind: PayloadErrorKind,
    /// What went wrong and where, for a person.
    pub message: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
    /// 0-based character offset into the text, when known (`json.JSONDecodeError.pos`).
    pub offset: Option<usize>,
}

impl PayloadError {
    pub(crate) fn new(
        kind: PayloadErrorKind,
        message: String,
        at: Option<(usize, usize, usize)>,
    ) -> Self {
        PayloadError {
            kind,
            message,
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
            offset: at.map(|a| a.2),
        }
    }

    /// The machine-readable reason (`kind.as_str()`).
    pub fn reason(&self) -> &'static str {
        self.kind.as_str()
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PayloadError {}
