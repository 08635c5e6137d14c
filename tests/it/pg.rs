//! A real PostgreSQL server for the shared-history tests: Debian's server binaries
//! (`/usr/lib/postgresql/*/bin`, or `initdb` on PATH), a cluster made by `initdb` in a
//! temporary folder, listening on a free loopback port only, with password authentication;
//! stopped when dropped. When it cannot start the test fails, saying why: it never skips
//! (`make postgresql` installs the server).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The password of the test role: no output of a shared-history test may contain it.
pub const PASSWORD: &str = "pg-test-password-driftscan";
pub const USER: &str = "driftscan";

pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// The folder of the server binaries: the newest Debian cluster version, else PATH's `initdb`.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some(b) = versions.pop() {
        return b;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).find(|p| p.join("initdb").exists()).unwrap_or_else(|| {
        panic!(
            "PostgreSQL's initdb is not installed (neither /usr/lib/postgresql/*/bin nor PATH): run `make postgresql`"
        )
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs a server binary as a user that may: PostgreSQL refuses to run as root, so as root the
/// cluster belongs to `nobody`.
fn server_cmd(bin: &std::path::Path, name: &str) -> Command {
    let exe = bin.join(name);
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]).arg(exe);
        c
    } else {
        Command::new(exe)
    }
}

/// The server of the PostgreSQL pass (see `store`): started by the first test that needs it,
/// shared by the whole test process, which holds no handle to drop at its end. A watchdog
/// process stops the server and removes its folder once the test process is gone, however it
/// ended.
pub fn shared() -> &'static Pg {
    static SHARED: std::sync::OnceLock<Pg> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let pg = Pg::start_with(200);
        let stop = server_cmd(&pg.bin, "pg_ctl");
        let mut line: Vec<String> = std::iter::once(stop.get_program()).chain(stop.get_args()).map(quote).collect();
        line.extend(["-D".into(), quote(pg.dir.path().join("data").as_os_str()), "-m immediate -w stop".into()]);
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            stop = line.join(" "),
            dir = quote(pg.dir.path().as_os_str()),
        );
        use std::os::unix::process::CommandExt;
        // Never waited for: it outlives this process, which is the point of it.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            // Its own process group: a Ctrl-C that ends the tests does not end the cleanup.
            .process_group(0)
            .spawn()
            .expect("starting the PostgreSQL watchdog");
        pg
    })
}

fn quote(arg: &std::ffi::OsStr) -> String {
    format!("'{}'", arg.to_string_lossy().replace('\'', "'\\''"))
}

/// A driftscan run with the test password where PostgreSQL looks for it, and no `~/.pgpass`.
pub fn env(cmd: &mut Command) -> &mut Command {
    cmd.env("PGPASSWORD", PASSWORD).env("PGPASSFILE", "/nonexistent/pgpass")
}

impl Pg {
    /// Starts a fresh cluster. Panics with the reason when it cannot.
    pub fn start() -> Pg {
        Pg::start_with(60)
    }

    /// Starts a fresh cluster taking up to `connections` clients at once.
    fn start_with(connections: u32) -> Pg {
        let bin = bin_dir();
        let dir = tempfile::Builder::new().prefix("driftscan-pg").tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if unsafe { libc::geteuid() } == 0 {
            // The server runs as nobody: its folder must be nobody's.
            let ok = Command::new("chown").args(["-R", "nobody:nogroup"]).arg(dir.path()).status().unwrap().success();
            assert!(ok, "chown of the PostgreSQL test folder failed");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let out = server_cmd(&bin, "initdb")
            .args(["-D"])
            .arg(&data)
            .args(["-U", USER, "--auth=scram-sha-256", "--pwfile"])
            .arg(&pwfile)
            .args(["-E", "UTF8", "--no-locale", "--no-sync"])
            .output()
            .unwrap_or_else(|e| panic!("running {}/initdb: {e}", bin.display()));
        assert!(
            out.status.success(),
            "initdb failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let log = dir.path().join("log");
        // The free port may be taken before the server binds it (by a test running beside):
        // the server then fails to start, and another port is tried.
        let mut failed = String::new();
        for _ in 0..5 {
            let port = free_port();
            let out = server_cmd(&bin, "pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .arg("-o")
                .arg(format!(
                    "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections={connections}",
                    dir.path().display()
                ))
                .args(["-w", "-t", "60", "start"])
                .output()
                .expect("running pg_ctl");
            if out.status.success() {
                let pg = Pg { dir, bin, port };
                pg.create_db("driftscan");
                return pg;
            }
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            failed = format!("{}\n{log}", String::from_utf8_lossy(&out.stderr));
        }
        panic!("PostgreSQL did not start:\n{failed}");
    }

    /// The URL of database `db`, without a password (the runs get it from PGPASSWORD).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{db}?sslmode=disable", self.port)
    }

    pub fn client(&self, db: &str) -> postgres::Client {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match postgres::Client::connect(
                &format!("host=127.0.0.1 port={} user={USER} password={PASSWORD} dbname={db}", self.port),
                postgres::NoTls,
            ) {
                Ok(c) => return c,
                Err(e) if Instant::now() > deadline => panic!("connecting to the test PostgreSQL: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Makes another empty database on the server. One at a time: PostgreSQL refuses to copy
    /// its template while another CREATE DATABASE reads it.
    pub fn create_db(&self, name: &str) {
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        self.client("postgres").batch_execute(&format!("CREATE DATABASE {name}")).expect("CREATE DATABASE");
    }

    /// One number from database `db` (a count).
    pub fn count(&self, db: &str, sql: &str) -> i64 {
        self.client(db).query_one(sql, &[]).map(|r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = server_cmd(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}
