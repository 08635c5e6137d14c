//! A small HTTP server on loopback that holds states as a remote backend does: the `http`
//! backend protocol (`GET` on the address) and the HCP Terraform API (JSON:API documents and a
//! download URL). It checks each route's `Authorization` header, answering 401 when it is wrong,
//! and records every request with the header it carried.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// What one path answers.
#[derive(Clone)]
pub struct Route {
    /// The `Authorization` header the route requires; `None` takes any, none included.
    pub auth: Option<String>,
    pub status: u16,
    /// `{base}` in it is replaced by the server's `http://127.0.0.1:PORT`.
    pub body: String,
}

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
}

pub struct StateServer {
    seen: Arc<Mutex<Vec<Seen>>>,
    routes: Arc<Mutex<BTreeMap<String, Route>>>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// `127.0.0.1:PORT`.
    pub host: String,
}

impl StateServer {
    pub fn start() -> StateServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
        let base = format!("http://{host}");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let routes: Arc<Mutex<BTreeMap<String, Route>>> = Arc::default();
        let (seen2, routes2, base2) = (seen.clone(), routes.clone(), base.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(req) = read_request(&stream) else { continue };
                let route = routes2.lock().unwrap().get(&req.path).cloned();
                let (status, body) = match route {
                    None => (404, "{\"errors\":[{\"status\":\"404\",\"title\":\"not found\"}]}".to_owned()),
                    Some(r) if r.auth.is_some() && r.auth != req.authorization => {
                        (401, "{\"errors\":[{\"status\":\"401\",\"title\":\"unauthorized\"}]}".to_owned())
                    }
                    Some(r) => (r.status, r.body.replace("{base}", &base2)),
                };
                seen2.lock().unwrap().push(req);
                let reason = match status {
                    200 => "OK",
                    401 => "Unauthorized",
                    404 => "Not Found",
                    _ => "Other",
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        StateServer { seen, routes, base, host }
    }

    /// Serves `body` at `path` with status 200, to requests with this `Authorization` header.
    pub fn serve(&self, path: &str, auth: Option<&str>, body: &str) {
        let route = Route { auth: auth.map(str::to_owned), status: 200, body: body.to_owned() };
        self.routes.lock().unwrap().insert(path.to_owned(), route);
    }

    /// The requests so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(stream: &std::net::TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut authorization = None;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.trim().eq_ignore_ascii_case("authorization") {
                authorization = Some(v.trim().to_owned());
            }
        }
    }
    Some(Seen { method, path, authorization })
}
