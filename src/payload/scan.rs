//! One pass over the body that validates it as JSON and records its structure.
//!
//! The pass is iterative (an explicit stack, never recursion), refuses nesting deeper than
//! [`MAX_DEPTH`] and integers longer than [`MAX_INT_DIGITS`], and leaves behind an
//! [`Index`]: for every object and array, where it starts and the spans of its members
//! (16 bytes per member, 12 per container). A nested read then jumps to its container
//! instead of scanning the text again.
//!
//! The text is valid UTF-8 before it gets here (checked by `std::str::from_utf8`), so
//! strings only need their quotes, escapes and control characters looked at.

use crate::limits::{MAX_DEPTH, MAX_INT_DIGITS};

/// Why the scan stopped, and at which byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Not JSON (serde_json is asked for the wording).
    Syntax(usize),
    /// The text ends inside a value.
    Eof(usize),
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep(usize),
    /// An integer with more than [`MAX_INT_DIGITS`] digits.
    Number(usize),
}

/// One member of an object (or item of an array): its key's span (the text between the
/// quotes; empty for array items) and its value's span, as byte offsets. 16 bytes: whether
/// the key holds escapes is the top bit of `key_end` (offsets are below 2^31, as bodies
/// are at most `MAX_BODY_BYTES`). Records read their members straight from the index
/// (`crate::payload::Member` is this type), so a record's first read copies nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    key_start: u32,
    key_end: u32,
    value_start: u32,
    value_end: u32,
}

const ESCAPED: u32 = 1 << 31;

impl Entry {
    fn new(key: (u32, u32, bool), value_start: u32, value_end: u32) -> Entry {
        Entry {
            key_start: key.0,
            key_end: key.1 | if key.2 { ESCAPED } else { 0 },
            value_start,
            value_end,
        }
    }

    /// The byte span of the key's text between its quotes (empty for array items).
    #[inline]
    pub fn key_span(&self) -> std::ops::Range<usize> {
        self.key_start as usize..(self.key_end & !ESCAPED) as usize
    }

    /// Where the key's text starts (the byte after its opening quote).
    #[inline]
    pub(crate) fn key_start(&self) -> u32 {
        self.key_start
    }

    /// Whether the key holds escapes (and so must be decoded before use).
    #[inline]
    pub fn key_escaped(&self) -> bool {
        self.key_end & ESCAPED != 0
    }

    /// The key's length in bytes as written, escapes and all.
    #[inline]
    pub(crate) fn key_len(&self) -> usize {
        (self.key_end & !ESCAPED).saturating_sub(self.key_start) as usize
    }

    /// The byte span of the value.
    #[inline]
    pub fn value(&self) -> std::ops::Range<usize> {
        self.value_start as usize..self.value_end as usize
    }
}

/// An object or array: where it starts, and which entries are its members (its end is
/// its entry's `value_end` in its parent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Container {
    start: u32,
    first: u32,
    len: u32,
}

/// The structure of a validated document.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// In order of their opening bracket, so sorted by `start`.
    containers: Vec<Container>,
    /// Every container's entries, each container's contiguous and in document order.
    entries: Vec<Entry>,
}

impl Index {
    /// Which entries (positions in the index) belong to the container that starts at byte
    /// `start`, if one does.
    pub fn range_at(&self, start: usize) -> Option<std::ops::Range<u32>> {
        let start = u32::try_from(start).ok()?;
        let at = self
            .containers
            .binary_search_by_key(&start, |c| c.start)
            .ok()?;
        let c = self.containers[at];
        Some(c.first..c.first + c.len)
    }

    /// The entries at positions `range` (from [`Index::range_at`]); empty when out of range.
    #[inline]
    pub fn entries(&self, range: std::ops::Range<u32>) -> &[Entry] {
        self.entries
            .get(range.start as usize..range.end as usize)
            .unwrap_or(&[])
    }

    /// Every entry of the document (members and items), containers in no useful order.
    pub fn all_entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many objects and arrays the document has.
    pub fn container_count(&self) -> usize {
        self.containers.len()
    }

    /// Give back what the capacity guessed before the scan left unused, when that is worth
    /// a reallocation (the index lives as long as any record read from the body).
    fn shrink(&mut self) {
        fn shrink<T>(v: &mut Vec<T>) {
            let spare = (v.capacity() - v.len()) * std::mem::size_of::<T>();
            if spare > 1024 && v.capacity() > v.len() + v.len() / 4 {
                v.shrink_to_fit();
            }
        }
        shrink(&mut self.containers);
        shrink(&mut self.entries);
    }
}

const NO_KEY: (u32, u32, bool) = (0, 0, false);

struct Frame {
    container: usize,
    mark: usize,
    is_object: bool,
    key: (u32, u32, bool),
}

/// Bytes that end the fast run inside a string: the quote, the backslash and the control
/// characters JSON forbids unescaped.
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The offset of the first byte at or after `j` that ends a plain run inside a string (a
/// quote, a backslash or a control character), or `b.len()`. Eight bytes at a time: a
/// byte is "interesting" when it is below 0x20 or equal to `"` or `\`. Where SSE2 is not
/// there, [`next_stop`] is this loop; elsewhere it finishes the last bytes of the body and
/// is the reference the SSE2 search is tested against.
#[inline]
fn skip_plain(b: &[u8], mut j: usize) -> usize {
    while let Some(chunk) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let below_space = x.wrapping_sub(ONES * 0x20) & !x;
        let quote =
            (x ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES) & !(x ^ (ONES * u64::from(b'"')));
        let backslash =
            (x ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES) & !(x ^ (ONES * u64::from(b'\\')));
        let hits = (below_space | quote | backslash) & HIGHS;
        if hits != 0 {
            // The lowest set high bit is the first interesting byte (little-endian); bytes
            // before it are plain, whatever borrows did above it.
            return j + (hits.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < b.len() && !STRING_STOP[b[j] as usize] {
        j += 1;
    }
    j
}

/// The offset of the first byte at or after `j` that ends a plain run inside a string (a
/// quote, a backslash or a control character), or `b.len()`: what [`skip_plain`] returns.
///
/// On x86-64, sixteen bytes per step with SSE2 (three compares and a `pmovmskb`); SSE2 is
/// part of every x86-64 CPU, so nothing is detected at run time. The intrinsics come from
/// `safe_arch`, which offers them as safe functions where the target has the feature, so
/// this crate keeps `unsafe_code = "forbid"`. The last fifteen bytes or fewer, and other
/// targets (or the `portable-scan` feature, which tests their path here), take
/// [`skip_plain`].
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "sse2",
    not(feature = "portable-scan")
))]
#[inline]
fn next_stop(b: &[u8], mut j: usize) -> usize {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };
    while let Some(chunk) = b.get(j..j + 16) {
        let mut c = [0u8; 16];
        c.copy_from_slice(chunk);
        let x = load_unaligned_m128i(&c);
        let stop = bitor_m128i(
            bitor_m128i(
                cmp_eq_mask_i8_m128i(x, set_splat_i8_m128i(b'"' as i8)),
                cmp_eq_mask_i8_m128i(x, set_splat_i8_m128i(b'\\' as i8)),
            ),
            // x <= 0x1F, unsigned: min(x, 0x1F) == x
            cmp_eq_mask_i8_m128i(min_u8_m128i(x, set_splat_i8_m128i(0x1F)), x),
        );
        let bits = move_mask_i8_m128i(stop);
        if bits != 0 {
            return j + bits.trailing_zeros() as usize;
        }
        j += 16;
    }
    skip_plain(b, j)
}

#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "sse2",
    not(feature = "portable-scan")
)))]
#[inline]
fn next_stop(b: &[u8], j: usize) -> usize {
    skip_plain(b, j)
}

#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The offset just after the string whose opening quote is at `i`, and whether it holds
/// escapes.
#[inline(always)]
fn string_end(b: &[u8], i: usize) -> Result<(usize, bool), ScanError> {
    // Most strings (keys above all) hold no escape: their end is the next stop.
    let j = next_stop(b, i + 1);
    if b.get(j) == Some(&b'"') {
        return Ok((j + 1, false));
    }
    string_end_from(b, j)
}

/// [`string_end`] from `j`, the first stop inside the string that is not its closing quote.
#[inline(never)]
fn string_end_from(b: &[u8], mut j: usize) -> Result<(usize, bool), ScanError> {
    let mut escaped = false;
    loop {
        match b.get(j) {
            None => return Err(ScanError::Eof(j)),
            Some(b'"') => return Ok((j + 1, escaped)),
            Some(b'\\') => {
                escaped = true;
                match b.get(j + 1) {
                    None => return Err(ScanError::Eof(j + 1)),
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                    Some(b'u') => {
                        for k in j + 2..j + 6 {
                            match b.get(k) {
                                None => return Err(ScanError::Eof(k)),
                                Some(c) if c.is_ascii_hexdigit() => {}
                                Some(_) => return Err(ScanError::Syntax(k)),
                            }
                        }
                        j += 6;
                    }
                    Some(_) => return Err(ScanError::Syntax(j + 1)),
                }
                j = next_stop(b, j);
            }
            Some(_) => return Err(ScanError::Syntax(j)), // a control character
        }
    }
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// The offset just after the number starting at `i` (JSON grammar), refusing integers
/// longer than [`MAX_INT_DIGITS`].
fn number_end(b: &[u8], i: usize) -> Result<usize, ScanError> {
    let mut j = i;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let int_start = j;
    match b.get(j) {
        Some(b'0') => j += 1,
        Some(b'1'..=b'9') => j = digits(b, j),
        None => return Err(ScanError::Eof(j)),
        Some(_) => return Err(ScanError::Syntax(j)),
    }
    let int_digits = j - int_start;
    let mut integer = true;
    if b.get(j) == Some(&b'.') {
        integer = false;
        let k = digits(b, j + 1);
        if k == j + 1 {
            return Err(if k >= b.len() {
                ScanError::Eof(k)
            } else {
                ScanError::Syntax(k)
            });
        }
        j = k;
    }
    if let Some(b'e' | b'E') = b.get(j) {
        integer = false;
        j += 1;
        if let Some(b'+' | b'-') = b.get(j) {
            j += 1;
        }
        let k = digits(b, j);
        if k == j {
            return Err(if k >= b.len() {
                ScanError::Eof(k)
            } else {
                ScanError::Syntax(k)
            });
        }
        j = k;
    }
    if integer && int_digits > MAX_INT_DIGITS {
        return Err(ScanError::Number(i));
    }
    // A float no f64 can hold (`1e999`) would read as infinity, which JSON cannot write back.
    if !integer {
        let finite = std::str::from_utf8(&b[i..j])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(f64::is_finite);
        if !finite {
            return Err(ScanError::Number(i));
        }
    }
    Ok(j)
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Result<usize, ScanError> {
    for (k, &expected) in word.iter().enumerate() {
        match b.get(i + k) {
            None => return Err(ScanError::Eof(i + k)),
            Some(&c) if c == expected => {}
            Some(_) => return Err(ScanError::Syntax(i + k)),
        }
    }
    Ok(i + word.len())
}

/// Read `"key" :` at `i`; returns the key's inner span and the offset of the value.
#[inline(always)]
fn member_key(b: &[u8], i: usize) -> Result<((u32, u32, bool), usize), ScanError> {
    match b.get(i) {
        Some(b'"') => {}
        None => return Err(ScanError::Eof(i)),
        Some(_) => return Err(ScanError::Syntax(i)),
    }
    let (end, escaped) = string_end(b, i)?;
    let colon = skip_ws(b, end);
    match b.get(colon) {
        Some(b':') => {}
        None => return Err(ScanError::Eof(colon)),
        Some(_) => return Err(ScanError::Syntax(colon)),
    }
    Ok(((off(i + 1), off(end - 1), escaped), skip_ws(b, colon + 1)))
}

/// Offsets fit in 31 bits: the body is at most `MAX_BODY_BYTES` (64 MiB), checked before
/// scanning (and again at the top of [`scan`]).
#[inline]
fn off(i: usize) -> u32 {
    i as u32
}

/// Validate `b` as one JSON value and index its containers. Returns the index and the span
/// of the top-level value (without surrounding whitespace).
pub(crate) fn scan(b: &[u8]) -> Result<(Index, usize, usize), ScanError> {
    if b.len() > (ESCAPED - 1) as usize {
        return Err(ScanError::Syntax(0));
    }
    let (mut index, start, end) = scan_all(b)?;
    index.shrink();
    Ok((index, start, end))
}

fn scan_all(b: &[u8]) -> Result<(Index, usize, usize), ScanError> {
    // Guesses from Help Scout's payloads (an entry per 20-50 bytes, a container per 100 or
    // more), capped so that a body of one huge string reserves nothing large; the vectors
    // grow as needed and give back what is left over (`Index::shrink`).
    let mut index = Index {
        containers: Vec::with_capacity((b.len() / 128 + 4).min(1024)),
        entries: Vec::with_capacity((b.len() / 24 + 8).min(8192)),
    };
    let mut scratch: Vec<Entry> = Vec::with_capacity(64);
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    let mut key = NO_KEY;
    let mut i = skip_ws(b, 0);
    'value: loop {
        // A value starts at `i`.
        let start = i;
        // A finished value waiting to be added to its container: a scalar now (its end); a
        // container when its closing bracket is reached (`None` here: an empty container is
        // closed below like any other).
        let mut pending = match b.get(i) {
            None => return Err(ScanError::Eof(i)),
            Some(&open @ (b'{' | b'[')) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ScanError::TooDeep(i));
                }
                let is_object = open == b'{';
                index.containers.push(Container {
                    start: off(i),
                    first: 0,
                    len: 0,
                });
                stack.push(Frame {
                    container: index.containers.len() - 1,
                    mark: scratch.len(),
                    is_object,
                    key,
                });
                i = skip_ws(b, i + 1);
                let close = if is_object { b'}' } else { b']' };
                if b.get(i) != Some(&close) {
                    if is_object {
                        (key, i) = member_key(b, i)?;
                    } else {
                        key = NO_KEY;
                    }
                    continue 'value;
                }
                None
            }
            Some(b'"') => Some(string_end(b, i)?.0),
            Some(b't') => Some(literal(b, i, b"true")?),
            Some(b'f') => Some(literal(b, i, b"false")?),
            Some(b'n') => Some(literal(b, i, b"null")?),
            Some(b'-' | b'0'..=b'9') => Some(number_end(b, i)?),
            Some(_) => return Err(ScanError::Syntax(i)),
        }
        .map(|end| (start, end));
        // After a value: a comma, a closing bracket, or the end of the document.
        loop {
            if let Some((s, e)) = pending.take() {
                if stack.is_empty() {
                    let rest = skip_ws(b, e);
                    return if rest == b.len() {
                        Ok((index, s, e))
                    } else {
                        Err(ScanError::Syntax(rest))
                    };
                }
                scratch.push(Entry::new(key, off(s), off(e)));
                i = skip_ws(b, e);
            }
            let Some(top) = stack.last() else {
                return Err(ScanError::Syntax(i));
            };
            let close = if top.is_object { b'}' } else { b']' };
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if top.is_object {
                        (key, i) = member_key(b, i)?;
                    } else {
                        key = NO_KEY;
                    }
                    continue 'value;
                }
                Some(&c) if c == close => {
                    let Some(frame) = stack.pop() else {
                        return Err(ScanError::Syntax(i));
                    };
                    let first = index.entries.len();
                    index.entries.extend_from_slice(&scratch[frame.mark..]);
                    scratch.truncate(frame.mark);
                    let c = &mut index.containers[frame.container];
                    c.first = off(first);
                    c.len = off(index.entries.len() - first);
                    let container_start = c.start as usize;
                    key = frame.key;
                    pending = Some((container_start, i + 1));
                }
                None => return Err(ScanError::Eof(i)),
                Some(_) => return Err(ScanError::Syntax(i)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sixteen-bytes-at-a-time search finds, from every offset, the byte the
    /// eight-bytes-at-a-time loop finds (with `portable-scan` both sides are that loop), on
    /// bodies of every length around the 16-byte and 8-byte steps made of stops (quote,
    /// backslash, every control character) and plain bytes (ASCII, UTF-8 lead and
    /// continuation bytes, 0x7F, 0xFF).
    #[test]
    fn the_sse2_stop_search_agrees_with_the_byte_loop_everywhere() {
        let alphabet: Vec<u8> = (0u8..0x20)
            .chain([
                b'"', b'\\', b' ', b'a', b'/', 0x7F, 0x80, 0xC3, 0xA9, 0xFF, b'u',
            ])
            .collect();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const PLAIN: &[u8] = b"plain text, 0123 \xC3\xA9";
        let mut checked = 0usize;
        for len in (0..=200).chain([255, 256, 257, 511, 512, 513, 1000]) {
            for round in 0..12 {
                // From all stops to almost none: one byte in `1 << round` is a stop.
                let body: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        if r % (1 << round) == 0 {
                            alphabet[(r >> 20) as usize % alphabet.len()]
                        } else {
                            PLAIN[(r >> 32) as usize % PLAIN.len()]
                        }
                    })
                    .collect();
                for j in 0..=len + 1 {
                    assert_eq!(
                        next_stop(&body, j),
                        skip_plain(&body, j),
                        "len {len}, from {j}: {body:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 250_000, "{checked}");
    }
}
