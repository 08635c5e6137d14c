//! Where a history lives: a SQLite file, or a PostgreSQL database named by a URL
//! (`postgres://USER@HOST:PORT/DB?sslmode=...&sslrootcert=...`), and how to connect to it.
//!
//! A password is taken, as libpq takes it, from the URL, else `PGPASSWORD`, else `~/.pgpass`
//! (or the file `PGPASSFILE` names). It is never part of how the location is shown, and every
//! connection error is told without it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};

/// A history's place: `--db`, `DRIFTSCAN_DB`, or `history` in the config.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    File(PathBuf),
    Postgres(PgUrl),
}

/// How TLS is asked for, with libpq's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A PostgreSQL URL, kept apart from its password and its TLS options.
#[derive(Clone, PartialEq)]
pub struct PgUrl {
    /// The URL without password, `sslmode` and `sslrootcert`: what is shown.
    shown: String,
    password: Option<String>,
    pub sslmode: SslMode,
    pub sslrootcert: Option<PathBuf>,
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgUrl({})", self.shown)
    }
}

impl FromStr for Location {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            PgUrl::parse(s).map(Location::Postgres).map_err(|e| e.to_string())
        } else {
            Ok(Location::File(PathBuf::from(s)))
        }
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Self {
        Location::File(p)
    }
}

impl From<&str> for Location {
    fn from(s: &str) -> Self {
        s.parse().unwrap_or_else(|_| Location::File(PathBuf::from(s)))
    }
}

impl Location {
    /// A config's `history`: a URL as written, a path relative to the config's folder.
    pub fn in_config(s: &str, base: &Path) -> Result<Location, String> {
        match s.parse()? {
            Location::File(p) => Ok(Location::File(base.join(p))),
            pg => Ok(pg),
        }
    }

    /// Whether there is a history to read: the file, or driftscan's schema in the database. An
    /// empty database holds none yet, as a missing file does, so reading commands create
    /// nothing there either; a server that cannot be reached is an error.
    pub fn exists(&self) -> Result<bool> {
        match self {
            Location::File(p) => Ok(p.exists()),
            Location::Postgres(url) => {
                let db = super::db::Db::postgres(url.connect()?);
                let version = super::schema::postgres_version(&db)
                    .map_err(|e| anyhow!("history {}: {}", url.shown, crate::error::one_line(&e)))?;
                Ok(version > 0)
            }
        }
    }

    /// The file, for a SQLite history.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    /// How the location is named in messages: the path, or the URL without its password.
    pub fn display(&self) -> Shown<'_> {
        Shown(self)
    }
}

/// See [`Location::display`].
pub struct Shown<'a>(&'a Location);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => f.write_str(&u.shown),
        }
    }
}

impl PgUrl {
    fn parse(s: &str) -> Result<PgUrl> {
        let (base, query) = s.split_once('?').unwrap_or((s, ""));
        let (scheme, rest) = base.split_once("://").expect("checked by the caller");
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let (userinfo, hostport) = authority.rsplit_once('@').map_or((None, authority), |(u, h)| (Some(u), h));
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pw)) => (Some(user), Some(percent_decode(pw))),
                None => (Some(u), None),
            },
            None => (None, None),
        };
        let mut sslmode = SslMode::Prefer;
        let mut sslrootcert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => {
                    sslmode = match v {
                        "disable" => SslMode::Disable,
                        "allow" | "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => bail!("sslmode={other}: expected disable, prefer, require, verify-ca or verify-full"),
                    }
                }
                "sslrootcert" => sslrootcert = Some(PathBuf::from(percent_decode(v))),
                "password" => bail!("put the password in PGPASSWORD or ~/.pgpass, not in the URL's query"),
                _ => kept.push(pair),
            }
        }
        let user = user.map(|u| format!("{u}@")).unwrap_or_default();
        let mut shown = format!("{scheme}://{user}{hostport}/{path}");
        if !kept.is_empty() {
            shown = format!("{shown}?{}", kept.join("&"));
        }
        Ok(PgUrl { shown, password, sslmode, sslrootcert })
    }

    /// Connects, with the password found as libpq finds it and TLS as `sslmode` asks.
    pub fn connect(&self) -> Result<postgres::Client> {
        let mut cfg: postgres::Config = self.shown.parse().map_err(|e| anyhow!("{}: {e}", self.shown))?;
        cfg.application_name("driftscan");
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(std::time::Duration::from_secs(10));
        }
        let password = self.password.clone().or_else(|| std::env::var("PGPASSWORD").ok()).or_else(|| {
            let host = match cfg.get_hosts().first() {
                Some(postgres::config::Host::Tcp(h)) => h.clone(),
                _ => "localhost".into(),
            };
            let port = cfg.get_ports().first().copied().unwrap_or(5432);
            let user = cfg.get_user().unwrap_or_default().to_owned();
            let db = cfg.get_dbname().unwrap_or(&user).to_owned();
            pgpass(&host, port, &db, &user)
        });
        if let Some(p) = &password {
            cfg.password(p.as_bytes());
        }
        // The synchronous client starts a runtime of its own, which cannot be inside another.
        let connected = match self.sslmode {
            SslMode::Disable => {
                cfg.ssl_mode(postgres::config::SslMode::Disable);
                super::db::off_runtime(|| cfg.connect(postgres::NoTls))
            }
            SslMode::Prefer => {
                let tls = self.tls()?;
                cfg.ssl_mode(postgres::config::SslMode::Prefer);
                super::db::off_runtime(|| cfg.connect(tls))
            }
            _ => {
                let tls = self.tls()?;
                cfg.ssl_mode(postgres::config::SslMode::Require);
                super::db::off_runtime(|| cfg.connect(tls))
            }
        };
        connected.map_err(|e| {
            let mut text = words(&e);
            if let Some(p) = password.as_deref().filter(|p| !p.is_empty()) {
                text = text.replace(p, "***");
            }
            anyhow!("history {}: {text}", self.shown)
        })
    }

    /// The TLS connector `sslmode` asks for: `prefer` and `require` encrypt without checking the
    /// certificate (as libpq, unless `sslrootcert` is given: then as `verify-ca`), `verify-ca`
    /// checks it against `sslrootcert` (else the system's roots), `verify-full` also checks
    /// that it names the host.
    fn tls(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("TLS setup")?;
        let verify = match (self.sslmode, &self.sslrootcert) {
            (SslMode::VerifyFull, _) => Some(true),
            (SslMode::VerifyCa, _) | (SslMode::Require, Some(_)) => Some(false),
            _ => None,
        };
        let config = match verify {
            None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(tls::Unchecked(provider)))
                .with_no_client_auth(),
            Some(names) => {
                let roots = self.roots()?;
                let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .context("TLS setup")?;
                if names {
                    builder.with_webpki_verifier(webpki).with_no_client_auth()
                } else {
                    builder
                        .dangerous()
                        .with_custom_certificate_verifier(Arc::new(tls::AnyName(webpki)))
                        .with_no_client_auth()
                }
            }
        };
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    fn roots(&self) -> Result<rustls::RootCertStore> {
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        let mut roots = rustls::RootCertStore::empty();
        match &self.sslrootcert {
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| anyhow!("sslrootcert {}: {e}", path.display()))?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    bail!("sslrootcert {}: no certificate in it", path.display());
                }
            }
            None => {
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            }
        }
        Ok(roots)
    }
}

/// A PostgreSQL error in one line: the server's message when it sent one, else the client's
/// words and their cause.
pub fn words(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_owned();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let t = s.to_string();
        if !text.contains(&t) {
            text = format!("{text}: {t}");
        }
        source = s.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The password `~/.pgpass` (or `PGPASSFILE`) holds for this host, port, database and user:
/// the first line whose fields match, `*` matching anything.
fn pgpass(host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(path).ok()?;
    let port = port.to_string();
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let fields = split_pgpass(line);
        let [h, p, d, u, pw] = fields.as_slice() else { return None };
        let ok = |f: &str, v: &str| f == "*" || f == v;
        (ok(h, host) && ok(p, &port) && ok(d, db) && ok(u, user)).then(|| pw.clone())
    })
}

/// A `.pgpass` line's five fields; `\:` and `\\` are a colon and a backslash.
fn split_pgpass(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut chars) = (Vec::new(), String::new(), line.chars());
    while let Some(c) = chars.next() {
        match c {
            '\\' => cur.extend(chars.next()),
            ':' => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

mod tls {
    //! Certificate checks for the `sslmode`s that check less than the full chain and name.

    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::WebPkiServerVerifier;
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};

    /// `prefer`, `require`: encrypted, the certificate unchecked, as libpq does.
    #[derive(Debug)]
    pub struct Unchecked(pub Arc<CryptoProvider>);

    impl ServerCertVerifier for Unchecked {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    /// `verify-ca`: the chain checked against the roots, the host name not.
    #[derive(Debug)]
    pub struct AnyName(pub Arc<WebPkiServerVerifier>);

    impl ServerCertVerifier for AnyName {
        fn verify_server_cert(
            &self,
            end: &CertificateDer<'_>,
            inter: &[CertificateDer<'_>],
            name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            match self.0.verify_server_cert(end, inter, name, ocsp, now) {
                Err(Error::InvalidCertificate(
                    CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
                )) => Ok(ServerCertVerified::assertion()),
                other => other,
            }
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.0.verify_tls12_signature(m, c, d)
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.0.verify_tls13_signature(m, c, d)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password_or_tls_options() {
        let l: Location = "postgres://scan:s3cr%40t@db.internal:6432/drift?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5"
            .parse()
            .unwrap();
        let Location::Postgres(u) = &l else { panic!("{l:?}") };
        assert_eq!(l.display().to_string(), "postgres://scan@db.internal:6432/drift?connect_timeout=5");
        assert_eq!(u.password.as_deref(), Some("s3cr@t"));
        assert_eq!((u.sslmode, u.sslrootcert.as_deref()), (SslMode::VerifyFull, Some(Path::new("/etc/ca.pem"))));
        assert!(!format!("{l:?}").contains("s3cr"));
        assert_eq!("a/history.db".parse::<Location>().unwrap(), Location::File("a/history.db".into()));
        assert!("postgres://h/db?sslmode=sometimes".parse::<Location>().unwrap_err().contains("sslmode=sometimes"));
    }

    #[test]
    fn pgpass_lines_match_field_by_field_with_wildcards_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "# comment\nother:5432:*:*:no\ndb.internal:*:drift:scan:pa\\:ss\n*:*:*:*:fallback\n")
            .unwrap();
        std::env::set_var("PGPASSFILE", &file);
        assert_eq!(pgpass("db.internal", 6432, "drift", "scan").as_deref(), Some("pa:ss"));
        assert_eq!(pgpass("elsewhere", 5432, "x", "y").as_deref(), Some("fallback"));
        std::env::remove_var("PGPASSFILE");
    }
}
