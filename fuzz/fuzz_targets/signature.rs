//! The signature header parser and verification never panic, and only the real tag passes.
//! Input: one byte giving the secret's length, the secret, one byte giving the header's
//! length, the header, then the body.

#![no_main]

use helpscout_webhook::signature::{self, Rejection, Verifier};
use libfuzzer_sys::fuzz_target;

fn take<'a>(data: &mut &'a [u8]) -> &'a [u8] {
    let Some((&n, rest)) = data.split_first() else {
        return &[];
    };
    let n = usize::from(n).min(rest.len());
    let (head, tail) = rest.split_at(n);
    *data = tail;
    head
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let secret = take(&mut rest);
    let header = take(&mut rest);
    let body = rest;

    let decoded = signature::decode_signature(header);
    let blank = signature::is_blank(secret);
    let verifier = Verifier::new([secret, b"another secret".as_slice()]);
    assert_eq!(
        verifier.is_err(),
        blank,
        "a blank secret is refused, any other is used"
    );
    let Ok(v) = verifier else {
        return;
    };
    let real = signature::tag(secret, body);
    let other = signature::tag(b"another secret", body);
    let verdict = v.check(header, body);
    match verdict {
        Ok(0) => assert_eq!(decoded, Some(real)),
        Ok(1) => assert!(decoded == Some(other) && other != real),
        Ok(i) => panic!("index {i} of two secrets"),
        Err(Rejection::Missing) => assert!(header.trim_ascii().is_empty()),
        Err(Rejection::Malformed) => assert!(decoded.is_none() && !header.trim_ascii().is_empty()),
        Err(Rejection::Mismatch) => assert!(decoded.is_some_and(|t| t != real && t != other)),
    }
    assert_eq!(v.verify(header, body), verdict.ok());
    // the real signature always passes, with or without surrounding whitespace
    let sig = signature::sign(secret, body);
    assert_eq!(v.check(sig.as_bytes(), body), Ok(0));
    assert_eq!(v.check(format!(" {sig}\r\n").as_bytes(), body), Ok(0));
    assert_eq!(signature::decode_signature(sig.as_bytes()), Some(real));
});
