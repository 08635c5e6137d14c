//! The keys of an OpenTofu-encrypted state and the cipher: a `pbkdf2` key derived from a
//! passphrase with the salt, iterations, hash and length its metadata records; an `aws_kms` data
//! key decrypted by KMS from the ciphertext its metadata holds; and AES-GCM as OpenTofu's
//! `aes_gcm` method writes it (the 12-byte nonce first, then the ciphertext and 16-byte tag).
//!
//! Keys are secrets: they live in memory only for the one decryption and are never shown.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};
use anyhow::{anyhow, bail, Result};
use base64::Engine;
use serde::Deserialize;
use std::collections::BTreeMap;

use super::config::Block;
use crate::aws::access::Access;

/// A byte string as Go's `encoding/json` writes `[]byte`: standard base64.
fn base64_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).map_err(serde::de::Error::custom)
}

/// What the `pbkdf2` key provider records beside the state.
#[derive(Debug, Deserialize)]
pub struct Pbkdf2Meta {
    #[serde(deserialize_with = "base64_bytes")]
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub hash_function: String,
    pub key_length: usize,
}

/// What the `aws_kms` key provider records: the data key, encrypted under the KMS key.
#[derive(Deserialize)]
pub struct KmsMeta {
    #[serde(deserialize_with = "base64_bytes")]
    pub ciphertext_blob: Vec<u8>,
    #[serde(default)]
    pub encryption_context: BTreeMap<String, String>,
}

/// The decryption key of a `pbkdf2` provider. OpenTofu derives it from the metadata, not from the
/// configuration's `key_length` or `iterations`, so a state written before those changed still opens.
pub fn pbkdf2_key(provider: &Block, meta: &Pbkdf2Meta) -> Result<Vec<u8>> {
    let at = format!("key_provider.pbkdf2.{}", provider.name);
    if provider.attributes.contains_key("chain") {
        bail!("{at}: a chained passphrase (chain = ...) is not supported; give passphrase in TF_ENCRYPTION");
    }
    let passphrase = provider
        .string("passphrase", "key_provider")?
        .ok_or_else(|| anyhow!("{at} has no passphrase; give it in TF_ENCRYPTION"))?;
    if meta.iterations == 0 || !(1..=1024).contains(&meta.key_length) {
        bail!(
            "{at}: the state's key metadata is not valid (iterations {}, key length {})",
            meta.iterations,
            meta.key_length
        );
    }
    let mut key = vec![0u8; meta.key_length];
    match meta.hash_function.as_str() {
        "sha256" => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase.as_bytes(), &meta.salt, meta.iterations, &mut key),
        "sha512" => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(passphrase.as_bytes(), &meta.salt, meta.iterations, &mut key),
        other => bail!("{at}: the state's key uses hash function {other:?}; sha256 and sha512 are known"),
    }
    Ok(key)
}

/// The data key of an `aws_kms` provider, decrypted by KMS with the credentials of `access` (in
/// the provider's `region` when it names one).
pub async fn kms_key(provider: &Block, meta: &KmsMeta, access: &Access) -> Result<Vec<u8>> {
    let at = format!("key_provider.aws_kms.{}", provider.name);
    let key_id = provider.string("kms_key_id", "key_provider")?.ok_or_else(|| anyhow!("{at} has no kms_key_id"))?;
    let mut access = access.clone();
    if let Some(region) = provider.string("region", "key_provider")? {
        access.region = Some(region);
    }
    let sdk = access.sdk_config().await;
    let out = aws_sdk_kms::Client::new(&sdk)
        .decrypt()
        .key_id(&key_id)
        .ciphertext_blob(aws_smithy_types::Blob::new(meta.ciphertext_blob.clone()))
        .set_encryption_context(
            (!meta.encryption_context.is_empty()).then(|| meta.encryption_context.clone().into_iter().collect()),
        )
        .send()
        .await
        .map_err(|e| anyhow!("{at}: KMS cannot decrypt the state's data key: {}", crate::aws::ListError::from(e).0))?;
    out.plaintext.map(|b| b.into_inner()).ok_or_else(|| anyhow!("{at}: KMS returned no data key"))
}

/// Why AES-GCM would not open a payload.
#[derive(Debug, PartialEq, Eq)]
pub enum Open {
    /// The tag does not match: the key (or the `aad`) is not the one the state was written with.
    WrongKey,
    /// Not a payload this method can hold, or a key of a length AES does not take.
    Malformed(String),
}

/// AES-192 in GCM with the standard 12-byte nonce; the crate names only the 128 and 256 forms.
type Aes192Gcm = aes_gcm::AesGcm<aes_gcm::aes::Aes192, aes_gcm::aead::consts::U12>;

/// Opens `nonce || ciphertext || tag` with `key` (16, 24 or 32 bytes, as OpenTofu takes).
pub fn aes_gcm_open(key: &[u8], data: &[u8], aad: &[u8]) -> Result<Vec<u8>, Open> {
    const NONCE: usize = 12;
    if data.len() < NONCE + 16 {
        return Err(Open::Malformed("the encrypted data is too short to hold a nonce and a tag".into()));
    }
    let (nonce, body) = data.split_at(NONCE);
    let payload = Payload { msg: body, aad };
    let nonce = Nonce::from_slice(nonce);
    let opened = match key.len() {
        16 => Aes128Gcm::new_from_slice(key).map(|c| c.decrypt(nonce, payload)),
        24 => Aes192Gcm::new_from_slice(key).map(|c| c.decrypt(nonce, payload)),
        32 => Aes256Gcm::new_from_slice(key).map(|c| c.decrypt(nonce, payload)),
        n => return Err(Open::Malformed(format!("an AES-GCM key of {n} bytes (16, 24 or 32 are taken)"))),
    };
    match opened {
        Ok(Ok(plain)) => Ok(plain),
        Ok(Err(_)) => Err(Open::WrongKey),
        Err(_) => Err(Open::Malformed("an unusable key".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pbkdf2_block(passphrase: &str) -> Block {
        let attributes = [("passphrase".to_owned(), hcl::Expression::String(passphrase.into()))].into_iter().collect();
        Block { kind: "pbkdf2".into(), name: "foo".into(), attributes }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// OpenTofu's own vector (internal/encryption/keyprovider/pbkdf2/example_decrypt_test.go):
    /// its documented passphrase, this salt, 600,000 rounds of SHA-512, 32 bytes.
    #[test]
    fn pbkdf2_matches_opentofus_published_vector() {
        let salt = [
            0x10, 0xec, 0x3d, 0x3f, 0xe0, 0x2a, 0xd2, 0xbe, 0xe6, 0xf1, 0xf5, 0x54, 0x0f, 0x8e, 0x6b, 0xbe, 0x3b, 0x8b,
            0x29, 0x44, 0x5c, 0xf5, 0x02, 0xd2, 0x7d, 0x47, 0xad, 0x55, 0x4a, 0xa8, 0x97, 0x1f,
        ];
        let meta =
            Pbkdf2Meta { salt: salt.to_vec(), iterations: 600_000, hash_function: "sha512".into(), key_length: 32 };
        let key = pbkdf2_key(&pbkdf2_block("correct-horse-battery-staple"), &meta).unwrap();
        assert_eq!(hex(&key), "225872367198760137e0a18580433447bbf578fbe2b87ff36aef3c175fe5709c");
    }

    #[test]
    fn metadata_reads_as_go_writes_it() {
        let meta: Pbkdf2Meta = serde_json::from_str(
            r#"{"salt":"ZmFrZXNhbHQ=","iterations":600000,"hash_function":"sha512","key_length":32}"#,
        )
        .unwrap();
        assert_eq!(meta.salt, b"fakesalt");
        let err = pbkdf2_key(&pbkdf2_block("x"), &Pbkdf2Meta { hash_function: "md5".into(), ..meta }).unwrap_err();
        assert!(err.to_string().contains("hash function \"md5\""), "{err}");
    }

    #[test]
    fn aes_gcm_opens_nonce_first_and_tells_a_wrong_key() {
        let key = [7u8; 32];
        let nonce = [1u8; 12];
        let sealed = Aes256Gcm::new_from_slice(&key)
            .unwrap()
            .encrypt(Nonce::from_slice(&nonce), &b"{\"version\":4}"[..])
            .unwrap();
        let data = [nonce.as_slice(), &sealed].concat();
        assert_eq!(aes_gcm_open(&key, &data, &[]).unwrap(), b"{\"version\":4}");
        assert_eq!(aes_gcm_open(&[8u8; 32], &data, &[]), Err(Open::WrongKey));
        assert_eq!(aes_gcm_open(&key, &data, b"other aad"), Err(Open::WrongKey));
        assert!(matches!(aes_gcm_open(&key, &data[..20], &[]), Err(Open::Malformed(_))));
        assert!(matches!(aes_gcm_open(&[0u8; 20], &data, &[]), Err(Open::Malformed(_))));
    }
}
