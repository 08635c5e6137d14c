//! The generic webhook: a versioned JSON body per alert (a group of changes), signed with
//! HMAC-SHA256 so a receiver can reject forgeries and replays.
//!
//! The scheme (also in the README): header `X-Driftscan-Signature: t=<unix seconds>,v1=<hex>`,
//! where `<hex>` is HMAC-SHA256 keyed with the shared secret over `<unix seconds>.<raw body>`.
//! A receiver recomputes it over the bytes it received, compares in constant time, and refuses
//! a timestamp older than it tolerates (five minutes is usual). HMAC is written out here over
//! `sha2` (RFC 2104) rather than adding a crate for a dozen lines.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::group::{Cause, Group};
use crate::history::Action;

/// The body's schema version; fields are only ever added within a version.
pub const VERSION: u32 = 1;
/// The header carrying the signature.
pub const HEADER: &str = "X-Driftscan-Signature";

/// The body for `action` on alert `g` (its key `alert_key`), sent at `sent_at`.
pub fn body(action: Action, g: &Group, alert_key: &str, sent_at: &str) -> Value {
    let cause = match &g.cause {
        Cause::Single => json!({"kind": "single"}),
        Cause::MassChange { attribute } => json!({"kind": "mass_change", "attribute": attribute}),
        Cause::Actor { actor } => json!({"kind": "actor", "actor": actor}),
    };
    json!({
        "version": VERSION,
        "action": action.as_str(),
        "alert_key": alert_key,
        "sent_at": sent_at,
        "summary": g.describe(),
        "cause": cause,
        "size": g.members.len(),
        "most_unusual": g.lead().id,
        "changes": g.members,
    })
}

/// The header value for `body` sent at `timestamp` (unix seconds).
pub fn signature(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mac = hmac_sha256(secret, format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={}", hex(&mac))
}

/// Checks a header against `body` as a receiver would (for tests and the README's example).
pub fn verify(secret: &[u8], header: &str, body: &str) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = x.parse::<i64>().ok(),
            Some(("v1", x)) => v1 = Some(x),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let want = signature(secret, t, body);
    let want = want.rsplit_once("v1=").map_or("", |(_, h)| h);
    // Constant time: every byte is compared whatever the first difference.
    want.len() == v1.len() && want.bytes().zip(v1.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// HMAC (RFC 2104) with SHA-256: a 64-byte block, keys longer than a block hashed first.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_and_a_changed_body_fails() {
        // RFC 4231 test case 2: key "Jefe".
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than a block.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex(&mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        let sig = signature(b"s3cret", 1_764_000_000, "{\"a\":1}");
        assert!(sig.starts_with("t=1764000000,v1="));
        assert!(verify(b"s3cret", &sig, "{\"a\":1}"));
        assert!(!verify(b"s3cret", &sig, "{\"a\":2}"));
        assert!(!verify(b"other", &sig, "{\"a\":1}"));
        assert!(!verify(b"s3cret", &sig.replace("1764000000", "1764000001"), "{\"a\":1}"), "the time is signed");
    }
}
