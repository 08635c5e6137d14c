//! OpenTofu state encryption (OpenTofu 1.7+): a state written as
//! `{"meta": {...}, "encrypted_data": "...", "encryption_version": "v0"}` is opened with the
//! configuration OpenTofu itself reads, `TF_ENCRYPTION` over the `encryption {}` block of
//! `--tf-dir`'s `terraform {}` block.
//!
//! The format, as OpenTofu's `internal/encryption` writes it: `encrypted_data` is base64 of the
//! method's output; `meta` maps each key provider's storage key (`key_provider.TYPE.NAME`, or its
//! `encrypted_metadata_alias`) to base64 of that provider's metadata as JSON. The state target's
//! method is tried first, then each `fallback`, as OpenTofu does when it reads.

mod config;
mod keys;

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

pub use config::Config;
use keys::Open;

use super::sources;
use crate::aws::access::Access;

/// The variable OpenTofu reads its encryption configuration from.
const ENV: &str = "TF_ENCRYPTION";

/// What to say when a state is encrypted and nothing says how to open it.
const HOW: &str = "give its key as OpenTofu takes it: TF_ENCRYPTION holding the key_provider, method and state \
                   blocks, or an encryption block in the terraform block of --tf-dir";

/// The configuration to open encrypted states with: `TF_ENCRYPTION` merged over the
/// `encryption {}` block of the Terraform sources; `None` when neither is given.
pub fn load(block: Option<&sources::Encryption>) -> Result<Option<Config>> {
    let file =
        block.map(|b| Config::parse(&b.body, &format!("{}:{}: encryption", b.file.display(), b.line))).transpose()?;
    let env = std::env::var(ENV).ok().filter(|v| !v.trim().is_empty());
    let env = env.map(|v| Config::parse(&v, ENV)).transpose()?;
    Ok(match (file, env) {
        (Some(file), Some(env)) => Some(file.merge(env)),
        (file, env) => file.or(env),
    })
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    meta: BTreeMap<String, Value>,
    encrypted_data: String,
    encryption_version: String,
}

/// Whether `bytes` are an encrypted state. Cheap for a plain state: Go writes `meta` (small)
/// before `encrypted_data`, so the envelope names `"encrypted_data"` near its start, and only
/// bytes that do are parsed whole to be sure.
pub fn is_encrypted(bytes: &[u8]) -> bool {
    may_be_encrypted(&bytes[..bytes.len().min(64 * 1024)]) && serde_json::from_slice::<Envelope>(bytes).is_ok()
}

/// Whether the first bytes of a file may start an encrypted state: an object that names
/// `"encrypted_data"`.
pub fn may_be_encrypted(head: &[u8]) -> bool {
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && memchr::memmem::find(head, b"\"encrypted_data\"").is_some()
}

/// Decrypts the state `name` holds in `bytes`, with `cfg`; `access` reaches KMS.
pub async fn decrypt(name: &str, bytes: &[u8], cfg: Option<&Config>, access: &Access) -> Result<Vec<u8>> {
    let envelope: Envelope = serde_json::from_slice(bytes)
        .map_err(|e| anyhow!("{name}: the state is OpenTofu-encrypted, but its envelope is not valid ({e})"))?;
    if envelope.encryption_version != "v0" {
        bail!(
            "{name}: the state is OpenTofu-encrypted with format {:?}; format v0 is read",
            envelope.encryption_version
        );
    }
    let target = cfg.and_then(|c| c.state.as_ref());
    let (Some(cfg), Some(target)) = (cfg, target) else {
        bail!("{name}: the state is OpenTofu-encrypted; {HOW}");
    };
    let methods = target.methods();
    if methods.is_empty() {
        bail!("{name}: the state is OpenTofu-encrypted, and the encryption state block names no method");
    }
    let data = base64::engine::general_purpose::STANDARD
        .decode(envelope.encrypted_data.as_bytes())
        .map_err(|e| anyhow!("{name}: the state's encrypted_data is not base64 ({e})"))?;
    let mut wrong = Vec::new();
    let mut unwritten = Vec::new();
    for key in &methods {
        let at = format!("method.{}.{}", key.0, key.1);
        let method = cfg
            .methods
            .get(key)
            .ok_or_else(|| anyhow!("{name}: {at} is not defined in the encryption configuration"))?;
        match key.0.as_str() {
            "aes_gcm" => {}
            "unencrypted" => continue, // reads plain states, which are not sent here
            other => bail!("{name}: method {other:?} is not supported; aes_gcm is read"),
        }
        let Some((provider, key_bytes)) = provider_key(name, cfg, method, &envelope.meta, access).await? else {
            // The provider wrote nothing beside this state: a fallback may have.
            unwritten.push(at);
            continue;
        };
        match keys::aes_gcm_open(&key_bytes, &data, &aad(method)) {
            Ok(plain) => return Ok(plain),
            Err(Open::WrongKey) => wrong.push(format!("{at} with {provider}")),
            Err(Open::Malformed(why)) => bail!("{name}: {at} cannot decrypt the state: {why}"),
        }
    }
    if wrong.is_empty() {
        let held: Vec<&str> = envelope.meta.keys().map(String::as_str).collect();
        bail!(
            "{name}: the state was written with another key: {} find no key metadata of theirs in it (it holds {})",
            unwritten.join(" and "),
            if held.is_empty() { "none".to_owned() } else { held.join(", ") }
        );
    }
    bail!("{name}: the key is wrong: the state does not decrypt with {}", wrong.join(", nor "))
}

/// The key a method's `keys` provider gives for this state, and the provider's address; `None`
/// when the state holds no metadata of that provider (it was not written with it).
async fn provider_key(
    name: &str,
    cfg: &Config,
    method: &config::Block,
    meta: &BTreeMap<String, Value>,
    access: &Access,
) -> Result<Option<(String, Vec<u8>)>> {
    let at = format!("method.{}.{}", method.kind, method.name);
    let key = method.reference("keys").ok_or_else(|| anyhow!("{name}: {at}: keys does not name a key_provider"))?;
    let address = format!("key_provider.{}.{}", key.0, key.1);
    let provider = cfg.key_providers.get(&key).ok_or_else(|| anyhow!("{name}: {address} is not defined"))?;
    let storage = provider.string("encrypted_metadata_alias", "key_provider")?.unwrap_or_else(|| address.clone());
    let Some(raw) = meta.get(&storage) else { return Ok(None) };
    let json =
        metadata_json(raw).map_err(|why| anyhow!("{name}: the key metadata for {storage} is not valid ({why})"))?;
    let bad = |e: serde_json::Error| anyhow!("{name}: the key metadata for {storage} is not valid ({e})");
    let bytes = match key.0.as_str() {
        "pbkdf2" => keys::pbkdf2_key(provider, &serde_json::from_value(json).map_err(bad)?),
        "aws_kms" => keys::kms_key(provider, &serde_json::from_value(json).map_err(bad)?, access).await,
        other => bail!("{name}: key_provider {other:?} is not supported; pbkdf2 and aws_kms are read"),
    }
    .map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(Some((address, bytes)))
}

/// A provider's metadata: base64 of JSON, as Go writes a `[]byte`; a JSON object is taken too.
fn metadata_json(raw: &Value) -> Result<Value, String> {
    match raw {
        Value::String(s) => {
            let bytes = base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).map_err(|e| e.to_string())?;
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())
        }
        Value::Object(_) => Ok(raw.clone()),
        _ => Err("neither base64 nor an object".into()),
    }
}

/// The method's `aad` (a list of byte values), or none.
fn aad(method: &config::Block) -> Vec<u8> {
    let Some(hcl::Expression::Array(items)) = method.attributes.get("aad") else { return Vec::new() };
    items
        .iter()
        .filter_map(|e| match e {
            hcl::Expression::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
