//! Where states come from: each `--state` argument is a local file or glob, `-` (standard input,
//! for `terraform state pull | driftscan scan --state -`), `s3://` ([`super::remote`]), an
//! `http(s)://` address of an `http` backend ([`super::http`]) or an HCP Terraform workspace
//! `tfc://` ([`super::tfc`]). Whatever the source, the state is named by the argument that found
//! it, in every change and every error, and an OpenTofu-encrypted one is decrypted first
//! ([`super::encryption`]).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::state::{self, parse_state_with, Attributes, StateFile};
use super::{encryption, http, remote, tfc};
use crate::aws::access::Access;
use crate::error::StateError;

/// The name standard input goes by, as `--state -` names it.
pub const STDIN: &str = "-";

/// What reading states needs besides their names.
#[derive(Debug, Clone)]
pub struct Options {
    /// Credentials for `s3://` states and for KMS (an `aws_kms` key provider).
    pub access: Access,
    /// The `username`/`password` of a `backend "http"` block; else `TF_HTTP_USERNAME` /
    /// `TF_HTTP_PASSWORD` are used.
    pub http_auth: Option<http::Auth>,
    /// How to open OpenTofu-encrypted states ([`encryption::load`]).
    pub encryption: Option<encryption::Config>,
    pub which: Attributes,
}

impl Options {
    /// Plain options: these credentials, `TF_ENCRYPTION` alone, every attribute kept as `which` says.
    pub fn new(access: Access, which: Attributes) -> Result<Options> {
        Ok(Options { access, http_auth: None, encryption: encryption::load(None)?, which })
    }
}

/// Reads every state `patterns` names, sorted by name. A state named twice is read once.
pub async fn load_states(patterns: &[String], opts: &Options) -> Result<Vec<StateFile>> {
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    let mut local = Vec::new();
    let mut sdk = None;
    for pattern in patterns {
        if pattern == STDIN {
            if seen.insert(STDIN.to_owned()) {
                files.push(from_bytes(STDIN, &read_stdin()?, opts).await?);
            }
        } else if pattern.starts_with("s3://") {
            if sdk.is_none() {
                sdk = Some(opts.access.sdk_config().await);
            }
            let sdk = sdk.as_ref().expect("set above");
            for url in remote::expand(sdk, pattern).await? {
                if seen.insert(url.clone()) {
                    files.push(from_bytes(&url, &remote::fetch(sdk, &url).await?, opts).await?);
                }
            }
        } else if http::is_http(pattern) {
            if seen.insert(pattern.clone()) {
                let auth = http::Auth::resolve(opts.http_auth.as_ref());
                files.push(from_bytes(pattern, &http::fetch_state(pattern, auth.as_ref()).await?, opts).await?);
            }
        } else if tfc::is_tfc(pattern) {
            // Named with its host, however it was written, so the history sees one name for it.
            let ws = tfc::Workspace::parse(pattern)?;
            if seen.insert(ws.url()) {
                files.push(from_bytes(&ws.url(), &tfc::fetch_state(&ws).await?, opts).await?);
            }
        } else {
            local.push(pattern.clone());
        }
    }
    for path in state::expand(&local)? {
        files.push(read_local(&path, opts).await?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Standard input, whole. A terminal is refused: the run would wait for a state typed in.
fn read_stdin() -> Result<Vec<u8>> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        anyhow::bail!(
            "-: standard input is a terminal; pipe a state into it (terraform state pull | driftscan ... --state -)"
        );
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|source| StateError::Io { path: PathBuf::from(STDIN), source })?;
    Ok(bytes)
}

/// A state read from a source that gives it whole; `name` names it.
async fn from_bytes(name: &str, bytes: &[u8], opts: &Options) -> Result<StateFile> {
    if encryption::is_encrypted(bytes) {
        let plain = encryption::decrypt(name, bytes, opts.encryption.as_ref(), &opts.access).await?;
        return Ok(parse_state_with(Path::new(name), &plain, opts.which)?);
    }
    Ok(parse_state_with(Path::new(name), bytes, opts.which)?)
}

/// A local file, streamed as [`state`] reads it; one it refuses is looked at again as an
/// encrypted state, so a plain state costs no second look.
async fn read_local(path: &Path, opts: &Options) -> Result<StateFile> {
    match state::read_state_with(path, opts.which) {
        Ok(file) => Ok(file),
        Err(e @ (StateError::Io { .. } | StateError::Directory { .. })) => Err(e.into()),
        Err(e) => {
            // Only the head is read to tell: a huge file that is not JSON is not read whole again.
            let io = |source| StateError::Io { path: path.into(), source };
            let mut head = Vec::new();
            std::fs::File::open(path).and_then(|f| f.take(HEAD).read_to_end(&mut head)).map_err(io)?;
            if !encryption::may_be_encrypted(&head) {
                return Err(e.into());
            }
            let bytes = std::fs::read(path).map_err(io)?;
            if encryption::is_encrypted(&bytes) {
                from_bytes(&path.display().to_string(), &bytes, opts).await
            } else {
                Err(e.into())
            }
        }
    }
}

/// How much of a refused local file is read to tell whether it is an encrypted state.
const HEAD: u64 = 64 * 1024;
