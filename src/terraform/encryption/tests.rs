//! Encrypted states made here with the documented algorithm (PBKDF2 then AES-GCM, nonce first,
//! metadata as base64 JSON); the behaviour tests make them with Python's own libraries too.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;

use super::*;

const STATE: &[u8] = br#"{"version": 4, "terraform_version": "1.8.0", "serial": 1, "lineage": "x", "resources": []}"#;
const PASSPHRASE: &str = "correct-horse-battery-staple";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An envelope as OpenTofu writes it, with a pbkdf2 provider called `name` (1,000 rounds, so the
/// unoptimised test build stays fast; the rounds are read from the metadata).
fn envelope(passphrase: &str, name: &str) -> Vec<u8> {
    let salt = [3u8; 32];
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(passphrase.as_bytes(), &salt, 1000, &mut key);
    let nonce = [9u8; 12];
    let sealed = Aes256Gcm::new_from_slice(&key).unwrap().encrypt(Nonce::from_slice(&nonce), STATE).unwrap();
    let meta = serde_json::json!({"salt": b64(&salt), "iterations": 1000, "hash_function": "sha512", "key_length": 32});
    serde_json::to_vec(&serde_json::json!({
        "meta": {format!("key_provider.pbkdf2.{name}"): b64(meta.to_string().as_bytes())},
        "encrypted_data": b64(&[nonce.as_slice(), &sealed].concat()),
        "encryption_version": "v0",
    }))
    .unwrap()
}

fn config(passphrase: &str) -> Config {
    Config::parse(
        &format!(
            r#"key_provider "pbkdf2" "main" {{ passphrase = "{passphrase}" }}
               key_provider "pbkdf2" "old" {{ passphrase = "an-older-passphrase-1" }}
               method "aes_gcm" "main" {{ keys = key_provider.pbkdf2.main }}
               method "aes_gcm" "old" {{ keys = key_provider.pbkdf2.old }}
               state {{
                 method = method.aes_gcm.main
                 fallback {{ method = method.aes_gcm.old }}
               }}"#
        ),
        "TF_ENCRYPTION",
    )
    .unwrap()
}

fn run(bytes: &[u8], cfg: Option<&Config>) -> Result<Vec<u8>> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(decrypt("envs/prod.tfstate", bytes, cfg, &Access::default()))
}

#[test]
fn the_right_passphrase_opens_the_state() {
    let bytes = envelope(PASSPHRASE, "main");
    assert!(is_encrypted(&bytes));
    assert!(!is_encrypted(STATE));
    assert_eq!(run(&bytes, Some(&config(PASSPHRASE))).unwrap(), STATE);
}

#[test]
fn a_fallback_key_opens_a_state_written_before_a_key_rotation() {
    let bytes = envelope("an-older-passphrase-1", "old");
    assert_eq!(run(&bytes, Some(&config(PASSPHRASE))).unwrap(), STATE);
}

#[test]
fn without_a_key_one_line_says_how_to_give_it() {
    let err = run(&envelope(PASSPHRASE, "main"), None).unwrap_err().to_string();
    assert!(err.starts_with("envs/prod.tfstate: the state is OpenTofu-encrypted; give its key"), "{err}");
    assert!(err.contains("TF_ENCRYPTION") && !err.contains('\n'), "{err}");
}

#[test]
fn a_wrong_passphrase_says_the_key_is_wrong_and_never_shows_it() {
    let bytes = envelope(PASSPHRASE, "main");
    let mut cfg = config("not-the-passphrase-at-all");
    // Both methods fail: the main one with the wrong key, the old one has no metadata here.
    cfg.state.as_mut().unwrap().fallback = None;
    let err = run(&bytes, Some(&cfg)).unwrap_err().to_string();
    assert_eq!(
        err,
        "envs/prod.tfstate: the key is wrong: the state does not decrypt with method.aes_gcm.main with key_provider.pbkdf2.main"
    );
    assert!(!err.contains("not-the-passphrase"));
}

#[test]
fn a_method_whose_provider_wrote_no_metadata_is_named() {
    let bytes = envelope(PASSPHRASE, "other");
    let err = run(&bytes, Some(&config(PASSPHRASE))).unwrap_err().to_string();
    assert_eq!(
        err,
        "envs/prod.tfstate: the state was written with another key: method.aes_gcm.main and method.aes_gcm.old \
         find no key metadata of theirs in it (it holds key_provider.pbkdf2.other)"
    );
}

#[test]
fn metadata_may_be_an_object_and_an_alias_names_it() {
    let mut v: Value = serde_json::from_slice(&envelope(PASSPHRASE, "main")).unwrap();
    let raw = v["meta"]["key_provider.pbkdf2.main"].as_str().unwrap().to_owned();
    let decoded: Value =
        serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(raw).unwrap()).unwrap();
    v["meta"] = serde_json::json!({"team-key": decoded});
    let mut cfg = config(PASSPHRASE);
    let provider = cfg.key_providers.get_mut(&("pbkdf2".into(), "main".into())).unwrap();
    provider.attributes.insert("encrypted_metadata_alias".into(), hcl::Expression::String("team-key".into()));
    assert_eq!(run(&serde_json::to_vec(&v).unwrap(), Some(&cfg)).unwrap(), STATE);
}

proptest::proptest! {
    /// A damaged envelope (bytes flipped anywhere: the metadata, the nonce, the ciphertext, the
    /// tag) never panics and never opens to something else: it opens to the state, or fails in
    /// one line that names the state.
    #[test]
    fn damaged_envelopes_fail_in_one_line(flips in proptest::collection::vec((0usize..1 << 16, proptest::prelude::any::<u8>()), 1..4)) {
        static SEALED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let mut bytes = SEALED.get_or_init(|| envelope(PASSPHRASE, "main")).clone();
        let len = bytes.len();
        for (i, v) in flips {
            bytes[i % len] = v;
        }
        if !is_encrypted(&bytes) {
            return Ok(());
        }
        match run(&bytes, Some(&config(PASSPHRASE))) {
            Ok(plain) => proptest::prop_assert_eq!(plain, STATE),
            Err(e) => {
                let msg = e.to_string();
                proptest::prop_assert!(msg.starts_with("envs/prod.tfstate: ") && !msg.contains('\n'), "{}", msg);
            }
        }
    }

    /// Any text as TF_ENCRYPTION parses or fails in one line naming it.
    #[test]
    fn any_configuration_text_parses_or_fails_in_one_line(text in "\\PC{0,200}") {
        if let Err(e) = Config::parse(&text, "TF_ENCRYPTION") {
            let msg = e.to_string();
            proptest::prop_assert!(msg.starts_with("TF_ENCRYPTION: ") && !msg.contains('\n'), "{}", msg);
        }
    }
}
