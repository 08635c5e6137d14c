//! The test environment: the built binary, a scratch folder, and a moto server of its own on a
//! free loopback port. If moto cannot start, the test fails: it never skips.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use crate::store::{Backend, History};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// The `driftscan` binary, with an environment that reaches no real AWS and reads no user config.
pub fn driftscan() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_driftscan"));
    isolate(&mut cmd);
    cmd
}

/// Clears everything AWS-related the developer's shell might carry and points credentials at
/// fixed test values.
fn isolate(cmd: &mut Command) {
    for (k, _) in std::env::vars() {
        // TF_: tokens (TF_TOKEN_*), http backend credentials, TF_ENCRYPTION, TF_CLOUD_HOSTNAME.
        if k.starts_with("AWS_") || k.starts_with("DRIFTSCAN_") || k.starts_with("TF_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDTESTDRIFTSCAN")
        .env("AWS_SECRET_ACCESS_KEY", SECRETS[0])
        .env("AWS_SESSION_TOKEN", SECRETS[1])
        .env("AWS_CONFIG_FILE", "/nonexistent/driftscan-test-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/driftscan-test-credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true");
}

/// Credentials every driftscan run in the tests gets (the AWS secret key and session token),
/// and those the state source tests give (an HCP Terraform token, an http backend password, an
/// OpenTofu passphrase): no output of any test may contain them.
pub const SECRETS: [&str; 5] =
    ["test-secret-driftscan", "test-session-token-driftscan", TFC_TOKEN, HTTP_PASSWORD, PASSPHRASE];

/// The HCP Terraform token of the state source tests.
pub const TFC_TOKEN: &str = "tfc-test-token.atlasv1.driftscan";
/// The `http` backend password of the state source tests.
pub const HTTP_PASSWORD: &str = "glpat-test-password-driftscan";
/// The OpenTofu passphrase of the encrypted state tests.
pub const PASSPHRASE: &str = "test-passphrase-of-opentofu-driftscan";

/// What a finished command printed, and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// Runs a command to completion.
pub fn run(cmd: &mut Command) -> Run {
    let Output { status, stdout, stderr } = cmd.output().expect("running driftscan");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    // Every output of every behaviour test is searched for the credentials it ran with.
    for secret in SECRETS.into_iter().chain([crate::pg::PASSWORD]) {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a credential reached the output:\nstdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

/// The Python of the project's virtualenv (made by `make venv`), which has moto and boto3.
pub fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var_os("DRIFTSCAN_VENV").map(PathBuf::from).unwrap_or_else(|| root().join(".venv"));
    let bin = venv.join("bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `make venv` (or `make test`) to install the pinned moto server",
        bin.display()
    );
    bin
}

/// A moto server on a free loopback port, stopped when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
    /// Credentials the estate is created with (moto accepts any unless IAM is enforced).
    pub keys: (String, String),
}

impl Moto {
    /// Starts moto; panics (failing the test) if it does not answer within 30 s.
    pub fn start() -> Moto {
        Moto::start_with(&[])
    }

    /// Starts moto with extra environment variables for the server.
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        // A free port can be taken between this check and moto's bind (by a PostgreSQL server,
        // a proxy or another moto of a test running beside): then moto exits, and another try
        // picks another port. A TCP connect alone would take the other server for moto.
        let mut last = String::new();
        for _ in 0..5 {
            match Moto::try_start(env) {
                Ok(moto) => return moto,
                Err(e) => last = e,
            }
        }
        panic!("{last}");
    }

    fn try_start(env: &[(&str, &str)]) -> Result<Moto, String> {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        // tools/moto_server.py: moto with two of its gaps filled (see there), as the demo runs it.
        let mut cmd = Command::new(venv_bin("python"));
        cmd.arg(root().join("tools/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("starting moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !answers_as_moto(port) {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(e) = child.stderr.take() {
                    for line in BufReader::new(e).lines().map_while(Result::ok) {
                        err.push_str(&line);
                        err.push('\n');
                    }
                }
                return Err(format!("moto_server exited ({status}) before answering:\n{err}"));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!("moto_server did not answer on {endpoint} within 30 s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // moto logs every request to stderr; drain it so the pipe never fills and blocks it.
        if let Some(e) = child.stderr.take() {
            std::thread::spawn(move || for _ in BufReader::new(e).lines() {});
        }
        Ok(Moto { child, endpoint, keys: ("AKIDTESTDRIFTSCAN".into(), "test-secret-driftscan".into()) })
    }

    /// `driftscan` aimed at this server.
    pub fn driftscan(&self) -> Command {
        let mut cmd = driftscan();
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint).env("AWS_REGION", "us-east-1");
        cmd
    }

    /// Runs `tools/estate.py` against this server.
    pub fn estate(&self, args: &[&str]) -> String {
        self.tool("estate.py", args)
    }

    /// Runs a script of `tools/` (an estate of one service: `estate_iam.py`, ...) against this
    /// server; returns what it printed.
    pub fn tool(&self, script: &str, args: &[&str]) -> String {
        let script = root().join("tools").join(script);
        let mut all = vec![script.to_str().unwrap()];
        all.extend_from_slice(args);
        self.venv_python(&all)
    }

    /// Runs a Python snippet (with boto3) against this server; returns what it printed.
    pub fn python(&self, code: &str) -> String {
        self.venv_python(&["-c", code])
    }

    /// The virtualenv's Python with this server's endpoint and admin credentials.
    pub fn venv_python(&self, args: &[&str]) -> String {
        let out = Command::new(venv_bin("python"))
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", &self.keys.0)
            .env("AWS_SECRET_ACCESS_KEY", &self.keys.1)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("running the virtualenv's python");
        assert!(out.status.success(), "python {:?} failed:\n{}", &args[..1], String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scratch folder with the sample estate created in a moto server of its own.
pub struct Estate {
    pub moto: Moto,
    pub dir: tempfile::TempDir,
    /// Ids of what was made, from `estate.json`.
    pub ids: serde_json::Value,
}

impl Estate {
    /// Starts moto and creates the estate (see `tools/estate.py`).
    pub fn create() -> Estate {
        Estate::create_in(Moto::start())
    }

    pub fn create_in(moto: Moto) -> Estate {
        let dir = tempfile::tempdir().expect("temp dir");
        let ids =
            serde_json::from_str(&moto.estate(&["create", "--out", dir.path().to_str().unwrap()])).expect("estate ids");
        Estate { moto, dir, ids }
    }

    /// Applies named out-of-band changes; returns what `estate.py drift` printed (new ids).
    pub fn drift(&self, names: &[&str]) -> serde_json::Value {
        let mut args = vec!["drift", "--out", self.dir.path().to_str().unwrap()];
        args.extend_from_slice(names);
        serde_json::from_str(&self.moto.estate(&args)).expect("drift output")
    }

    pub fn id(&self, key: &str) -> String {
        self.ids[key].as_str().unwrap_or_else(|| panic!("no id {key}")).to_owned()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `driftscan` run in the scratch folder, aimed at this estate's emulator. `--db history.db`
    /// names the estate's history, wherever this pass keeps it (see [`Estate::history`]).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.moto.driftscan();
        cmd.current_dir(self.dir.path());
        self.history().env(&mut cmd);
        cmd.args(self.with_history(args));
        cmd
    }

    /// `args` with `history.db` after `--db` turned into the estate's history.
    fn with_history(&self, args: &[&str]) -> Vec<String> {
        let mut after_db = false;
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            out.push(if after_db && *a == "history.db" { self.history_arg() } else { (*a).to_owned() });
            after_db = *a == "--db";
        }
        out
    }

    /// What `--db` gets for the estate's history, where a command's arguments are added after
    /// it is made.
    pub fn history_arg(&self) -> String {
        self.history().arg()
    }

    /// The estate's history: `history.db` in the scratch folder, or on the PostgreSQL pass a
    /// database of its own on the test server.
    pub fn history(&self) -> &'static History {
        History::of(self.dir.path())
    }

    /// `driftscan scan` over both state files (one by path, one by glob); add flags and run.
    pub fn scan_command(&self) -> Command {
        self.command(&["scan", "--state", "infra/terraform.tfstate", "--state", "envs/*/terraform.tfstate"])
    }

    /// A scan with JSON out and the history in the scratch folder.
    pub fn scan(&self, extra: &[&str]) -> Run {
        run(self.scan_command().args(["--db", &self.history_arg(), "--format", "json"]).args(self.with_history(extra)))
    }
}

/// Whether `path` exists; a helper that reads better in assertions.
pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// Copies a directory tree (test sources into an estate's directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Whether moto's own dashboard answers on `port` (not merely something accepting connections).
fn answers_as_moto(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut page = Vec::new();
    let _ = s.take(64 * 1024).read_to_end(&mut page);
    let page = String::from_utf8_lossy(&page);
    page.starts_with("HTTP/1.") && page.contains(" 200 ") && page.contains("Moto")
}
