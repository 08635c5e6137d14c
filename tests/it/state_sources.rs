//! States where teams keep them: standard input, an `http` backend (GitLab's managed state), HCP
//! Terraform's API, and OpenTofu-encrypted states, each read as a local file is and named by its
//! source. The servers are real HTTP on loopback ([`StateServer`]) that check credentials and
//! record requests; no output may hold a token, password or passphrase ([`SECRETS`]).
//!
//! [`SECRETS`]: crate::harness::SECRETS

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::Value;

use crate::harness::{driftscan, root, run, venv_bin, Run, HTTP_PASSWORD, PASSPHRASE, TFC_TOKEN};
use crate::state_server::StateServer;

const MODULES: &str = "testdata/states/modules.tfstate";

/// `driftscan state --format json` with these arguments and environment, from the project root.
fn state(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = driftscan();
    cmd.current_dir(root()).args(["state", "--format", "json"]);
    for a in args {
        cmd.args(["--state", a]);
    }
    cmd.envs(env.iter().copied());
    run(&mut cmd)
}

/// Runs `cmd` with `input` on its standard input.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Run {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let got = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for secret in crate::harness::SECRETS {
        assert!(!got.stdout.contains(secret) && !got.stderr.contains(secret), "a secret reached the output");
    }
    got
}

/// The `state` of every row of a successful `driftscan state` run, and how many rows.
fn states_of(out: &Run) -> (Vec<String>, usize) {
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let rows = out.json()["resources"].as_array().unwrap().clone();
    let mut names: Vec<String> = rows.iter().map(|r| r["state"].as_str().unwrap().to_owned()).collect();
    names.dedup();
    (names, rows.len())
}

/// Exit 1 and one stderr line holding every needle.
fn one_line_error(out: &Run, needles: &[&str]) {
    assert_eq!(out.code, 1, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "not one line:\n{}", out.stderr);
    for n in needles {
        assert!(out.stderr.contains(n), "{:?} lacks {n:?}", out.stderr);
    }
}

fn modules_rows() -> usize {
    states_of(&state(&[MODULES], &[])).1
}

#[test]
fn a_state_on_standard_input_is_named_dash() {
    let bytes = std::fs::read(root().join(MODULES)).unwrap();
    let mut cmd = driftscan();
    cmd.current_dir(root()).args(["state", "--format", "json", "--state", "-"]);
    let (names, rows) = states_of(&run_with_stdin(&mut cmd, &bytes));
    assert_eq!((names, rows), (vec!["-".to_owned()], modules_rows()));

    let mut cmd = driftscan();
    cmd.current_dir(root()).args(["state", "--state", "-"]);
    one_line_error(&run_with_stdin(&mut cmd, b"not a state"), &["driftscan: error: -: not JSON"]);
}

#[test]
fn an_http_backend_is_read_with_basic_auth_as_terraform_sends_it() {
    let server = StateServer::start();
    let path = "/api/v4/projects/7/terraform/state/prod";
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("gitlab-ci-token:{HTTP_PASSWORD}"))
    );
    server.serve(path, Some(&basic), &std::fs::read_to_string(root().join(MODULES)).unwrap());
    let url = format!("{}{path}", server.base);
    let auth = [("TF_HTTP_USERNAME", "gitlab-ci-token"), ("TF_HTTP_PASSWORD", HTTP_PASSWORD)];
    let (names, rows) = states_of(&state(&[&url], &auth));
    assert_eq!((names, rows), (vec![url.clone()], modules_rows()));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("GET", path));
    assert_eq!(seen[0].authorization.as_deref(), Some(basic.as_str()));

    let wrong = [("TF_HTTP_USERNAME", "gitlab-ci-token"), ("TF_HTTP_PASSWORD", "not-the-password")];
    one_line_error(&state(&[&url], &wrong), &[&url, "HTTP 401", "credentials given were refused"]);
    one_line_error(&state(&[&url], &[]), &["HTTP 401", "no credentials were given", "TF_HTTP_USERNAME"]);
    // Plain http leaves this machine never; nothing is sent.
    one_line_error(&state(&["http://gitlab.example.com/state"], &auth), &["over https://"]);
}

/// An HCP Terraform stand-in: organization `acme`, workspace `prod` (`ws-1`), whose current
/// state version downloads from `download_host` (another host than the API's gets no token).
fn hcp(download_host: &str) -> StateServer {
    let server = StateServer::start();
    let bearer = format!("Bearer {TFC_TOKEN}");
    server.serve(
        "/api/v2/organizations/acme/workspaces/prod",
        Some(&bearer),
        r#"{"data": {"id": "ws-1", "type": "workspaces", "attributes": {"name": "prod"}}}"#,
    );
    let port = server.host.rsplit(':').next().unwrap().to_owned();
    server.serve(
        "/api/v2/workspaces/ws-1/current-state-version",
        Some(&bearer),
        &format!(
            r#"{{"data": {{"id": "sv-1", "type": "state-versions", "attributes": {{"serial": 3,
               "hosted-state-download-url": "http://{download_host}:{port}/archivist/v1/object/sv-1"}}}}}}"#
        ),
    );
    server
}

#[test]
fn hcp_terraform_is_read_through_the_current_state_version() {
    let server = hcp("localhost");
    server.serve("/archivist/v1/object/sv-1", None, &std::fs::read_to_string(root().join(MODULES)).unwrap());
    let url = format!("tfc://{}/acme/prod", server.host);
    let (names, rows) = states_of(&state(&[&url], &[("TF_TOKEN_127_0_0_1", TFC_TOKEN)]));
    assert_eq!((names, rows), (vec![url.clone()], modules_rows()));
    let seen: Vec<(String, Option<String>)> = server.seen().into_iter().map(|s| (s.path, s.authorization)).collect();
    let bearer = Some(format!("Bearer {TFC_TOKEN}"));
    assert_eq!(
        seen,
        vec![
            ("/api/v2/organizations/acme/workspaces/prod".to_owned(), bearer.clone()),
            ("/api/v2/workspaces/ws-1/current-state-version".to_owned(), bearer),
            // The download is on another host: signed, and sent no token.
            ("/archivist/v1/object/sv-1".to_owned(), None),
        ]
    );

    // The token from Terraform's credentials file, when no variable holds it.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".terraform.d")).unwrap();
    let creds = serde_json::json!({"credentials": {server.host.clone(): {"token": TFC_TOKEN}}});
    std::fs::write(home.path().join(".terraform.d/credentials.tfrc.json"), creds.to_string()).unwrap();
    let (names, _) = states_of(&state(&[&url], &[("HOME", home.path().to_str().unwrap())]));
    assert_eq!(names, vec![url.clone()]);

    let nowhere = tempfile::tempdir().unwrap();
    let no_home = [("HOME", nowhere.path().to_str().unwrap())];
    one_line_error(&state(&[&url], &no_home), &[&url, "no token for", "set TF_TOKEN_127_0_0_1"]);
    let wrong = [("TF_TOKEN_127_0_0_1", "wrong-token"), no_home[0]];
    one_line_error(&state(&[&url], &wrong), &[&url, "HTTP 401", "token was refused"]);
    // Answers that are not the API's shape are named, not followed.
    let bearer = format!("Bearer {TFC_TOKEN}");
    server.serve("/api/v2/organizations/acme/workspaces/odd", Some(&bearer), "<html>maintenance</html>");
    server.serve("/api/v2/organizations/acme/workspaces/plain", Some(&bearer), r#"{"data": {"id": "ws-2"}}"#);
    server.serve(
        "/api/v2/workspaces/ws-2/current-state-version",
        Some(&bearer),
        r#"{"data": {"attributes": {"hosted-state-download-url": "http://archivist.example.com/sv"}}}"#,
    );
    let token = [("TF_TOKEN_127_0_0_1", TFC_TOKEN)];
    let odd = format!("tfc://{}/acme/odd", server.host);
    one_line_error(&state(&[&odd], &token), &[&odd, "answer for the workspace is not JSON"]);
    let plain = format!("tfc://{}/acme/plain", server.host);
    one_line_error(&state(&[&plain], &token), &[&plain, "download address is refused", "over https://"]);
    let other = format!("tfc://{}/acme/staging", server.host);
    one_line_error(
        &state(&[&other], &[("TF_TOKEN_127_0_0_1", TFC_TOKEN)]),
        &["HTTP 404", "no such organization or workspace"],
    );
}

/// `src` encrypted by tools/encrypt_state.py into `dst`, with the pbkdf2 provider (1,000 rounds).
fn encrypt_pbkdf2(src: &std::path::Path, dst: &std::path::Path, passphrase: &str) {
    let out = Command::new(venv_bin("python"))
        .arg(root().join("tools/encrypt_state.py"))
        .args([src.to_str().unwrap(), dst.to_str().unwrap(), "pbkdf2", passphrase, "1000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn pbkdf2_config(passphrase: &str) -> String {
    format!(
        r#"key_provider "pbkdf2" "main" {{
             passphrase = "{passphrase}"
           }}
           method "aes_gcm" "main" {{
             keys = key_provider.pbkdf2.main
           }}
           state {{
             method = method.aes_gcm.main
           }}"#
    )
}

#[test]
fn an_opentofu_encrypted_state_opens_with_its_passphrase_only() {
    let dir = tempfile::tempdir().unwrap();
    let enc = dir.path().join("terraform.tfstate");
    encrypt_pbkdf2(&root().join(MODULES), &enc, PASSPHRASE);
    let name = enc.to_str().unwrap();
    let sealed: Value = serde_json::from_str(&std::fs::read_to_string(&enc).unwrap()).unwrap();
    assert_eq!(sealed["encryption_version"], "v0");

    let (names, rows) = states_of(&state(&[name], &[("TF_ENCRYPTION", &pbkdf2_config(PASSPHRASE))]));
    assert_eq!((names, rows), (vec![name.to_owned()], modules_rows()));

    one_line_error(&state(&[name], &[]), &[name, "the state is OpenTofu-encrypted; give its key", "TF_ENCRYPTION"]);
    let wrong = pbkdf2_config("a-wrong-passphrase-of-length");
    one_line_error(
        &state(&[name], &[("TF_ENCRYPTION", &wrong)]),
        &[name, "the key is wrong", "key_provider.pbkdf2.main"],
    );
    // The same state on standard input opens the same way.
    let mut cmd = driftscan();
    cmd.current_dir(root())
        .args(["state", "--format", "json", "--state", "-"])
        .env("TF_ENCRYPTION", pbkdf2_config(PASSPHRASE));
    assert_eq!(states_of(&run_with_stdin(&mut cmd, &std::fs::read(&enc).unwrap())).1, modules_rows());
}
