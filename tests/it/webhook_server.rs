//! A tiny HTTP server on loopback standing in for a sink (Slack's incoming webhook, PagerDuty's
//! events API, a webhook receiver, Teams): it records every request, headers and body, and
//! answers from a script (`429` with `Retry-After`, `500`, ...), then `200 ok`.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub content_type: String,
    /// Every header, names lowercased, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl Request {
    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    /// Answers to give, in order, before falling back to 200: (status, extra header line).
    script: VecDeque<(u16, Option<String>)>,
}

/// The server; it stops with the test process (its thread only accepts).
pub struct WebhookServer {
    state: Arc<Mutex<State>>,
    /// The webhook address, with a secret-looking path that must never be printed.
    pub url: String,
}

/// The secret part of every test webhook address.
pub const SECRET: &str = "T0TEST/B0TEST/xoxTestSecretToken42";

impl WebhookServer {
    pub fn start() -> WebhookServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let url = format!("http://127.0.0.1:{}/services/{SECRET}", listener.local_addr().unwrap().port());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(req) = read_request(&mut stream) else { continue };
                let answer = {
                    let mut s = shared.lock().unwrap();
                    s.requests.push(req);
                    s.script.pop_front()
                };
                let (status, header) = answer.unwrap_or((200, None));
                let body = if status == 200 { "ok" } else { "server_error" };
                let reason = match status {
                    200 => "OK",
                    429 => "Too Many Requests",
                    404 => "Not Found",
                    _ => "Internal Server Error",
                };
                let extra = header.map(|h| format!("{h}\r\n")).unwrap_or_default();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        WebhookServer { state, url }
    }

    /// Answers the next requests with these statuses (and header lines), then 200.
    pub fn answer(&self, script: &[(u16, Option<&str>)]) {
        let mut s = self.state.lock().unwrap();
        s.script.extend(script.iter().map(|(c, h)| (*c, h.map(str::to_owned))));
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let (mut length, mut content_type, mut headers) = (0usize, String::new(), Vec::new());
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "content-type" => content_type = v.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { path, content_type, headers, body: String::from_utf8_lossy(&body).into_owned(), at: Instant::now() })
}
