//! Throughput of the Python-free core on the benchmark payloads: HMAC-SHA1 alone, the
//! signature check, UTF-8 validation alone, serde_json's validating pass, and our
//! validate-and-index pass (`Document::parse`), in GB/s, best of 7.
//!
//! `cargo bench --bench core_throughput` (payload files from `bench/payloads/`, written by
//! `python bench/bench_receive.py --write-payloads`; the fixtures are used when absent).

use helpscout_webhook::payload::Document;
use helpscout_webhook::signature::{sign, Verifier};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn best_of<F: FnMut()>(bytes: usize, mut f: F) -> (f64, f64) {
    // Calibrate to about 20 ms per batch.
    let mut n = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        if t.elapsed().as_secs_f64() > 0.02 {
            break;
        }
        n *= 2;
    }
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / n as f64);
    }
    (best * 1e6, bytes as f64 / best / 1e9)
}

fn payloads() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("bench").join("payloads");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|e| e == "json") {
                if let Ok(b) = std::fs::read(&p) {
                    let name = p.file_stem().map(|s| s.to_string_lossy().into_owned());
                    out.push((name.unwrap_or_default(), b));
                }
            }
        }
    }
    if out.is_empty() {
        for name in ["customer.created", "convo.created", "satisfaction.ratings"] {
            let p = root.join("tests/fixtures").join(format!("{name}.json"));
            if let Ok(b) = std::fs::read(p) {
                out.push((name.to_owned(), b));
            }
        }
    }
    out
}

fn main() {
    // `HS_PROFILE=N`: parse each payload N times and stop (for callgrind); `HS_ONLY=name`
    // keeps one payload.
    if let Some(n) = std::env::var("HS_PROFILE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let only = std::env::var("HS_ONLY").ok();
        for (name, body) in payloads() {
            if only.as_ref().is_some_and(|o| *o != name) {
                continue;
            }
            for _ in 0..n {
                black_box(Document::parse(black_box(&body)).is_ok());
            }
        }
        return;
    }
    let secret = b"bench-secret-0123456789";
    let verifier = Verifier::new([secret.as_slice()]).expect("a secret");
    println!(
        "{:<28}{:>9} {:>16} {:>16} {:>16} {:>16} {:>16}",
        "payload", "bytes", "hmac-sha1", "verify", "utf-8 check", "serde validate", "parse+index"
    );
    for (name, body) in payloads() {
        let sig = sign(secret, &body);
        let n = body.len();
        let cols = [
            best_of(n, || {
                black_box(sign(black_box(secret), black_box(&body)));
            }),
            best_of(n, || {
                black_box(
                    verifier
                        .check(black_box(sig.as_bytes()), black_box(&body))
                        .ok(),
                );
            }),
            best_of(n, || {
                black_box(std::str::from_utf8(black_box(&body)).is_ok());
            }),
            best_of(n, || {
                let text = std::str::from_utf8(&body).unwrap_or("");
                black_box(serde_json::from_str::<serde::de::IgnoredAny>(black_box(text)).is_ok());
            }),
            best_of(n, || {
                black_box(Document::parse(black_box(&body)).is_ok());
            }),
        ];
        print!("{name:<28}{n:>9}");
        for (us, gbs) in cols {
            print!(" {us:>7.2}us {gbs:>4.2}GB/s");
        }
        println!();
    }
}
