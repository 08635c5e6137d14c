//! A fault-injecting HTTP proxy on loopback, in front of moto: it answers some requests with a
//! fault (EC2's throttling error, a 500, a reset connection, a truncated or slow response) and
//! forwards the rest. One request per connection keeps it simple; the SDK reconnects as it would
//! after any `Connection: close`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Counts of what the proxy did.
#[derive(Default)]
pub struct Counts {
    pub forwarded: AtomicU64,
    pub throttled: AtomicU64,
    /// Faults other than throttling.
    pub faulted: AtomicU64,
}

/// What the proxy does to one request instead of forwarding it as it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// 503 with EC2's `RequestLimitExceeded`.
    Throttle,
    /// 500 with EC2's `InternalError`.
    ServerError,
    /// The connection closed without a response.
    Reset,
    /// Forwarded, but only the first half of the response reaches the client.
    Truncate,
    /// Forwarded after this many milliseconds.
    Slow(u64),
    /// Forwarded, with every `.0` in the response body replaced by `.1`: for an emulator's
    /// answer that strays from the AWS API's shape.
    Replace(&'static str, &'static str),
}

/// Decides, from the request's sequence number (from 1) and its body (`Action=DescribeVolumes&...`),
/// whether to inject a fault.
pub type Plan = Arc<dyn Fn(u64, &str) -> Option<Fault> + Send + Sync>;

/// The running proxy; stops accepting when dropped.
pub struct Proxy {
    pub endpoint: String,
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Forwards to `upstream` (`http://127.0.0.1:PORT`), throttling every `every`-th request.
    pub fn throttling(upstream: &str, every: u64) -> Proxy {
        Proxy::with_plan(upstream, Arc::new(move |n, _| (n % every == 0).then_some(Fault::Throttle)))
    }

    /// Forwards to `upstream`, injecting what `plan` says.
    pub fn with_plan(upstream: &str, plan: Plan) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (counts.clone(), stop.clone());
        std::thread::spawn(move || {
            let seen = AtomicU64::new(0);
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
                let (c, upstream, plan) = (c.clone(), upstream.clone(), plan.clone());
                std::thread::spawn(move || {
                    let _ = handle(conn, &upstream, n, &plan, &c);
                });
            }
        });
        Proxy { endpoint, counts, stop }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.endpoint.trim_start_matches("http://"));
    }
}

fn handle(client: TcpStream, upstream: &str, n: u64, plan: &Plan, counts: &Counts) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut client = client;
    let fault = plan(n, &String::from_utf8_lossy(&body));
    let error = |status: &str, code: &str, message: &str| {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
             <Message>{message}</Message></Error></Errors><RequestID>driftscan-test</RequestID></Response>"
        );
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
            xml.len()
        )
    };
    match fault {
        Some(Fault::Throttle) => {
            counts.throttled.fetch_add(1, Ordering::SeqCst);
            client.write_all(
                error("503 Service Unavailable", "RequestLimitExceeded", "Request limit exceeded.").as_bytes(),
            )?;
            return client.flush();
        }
        Some(Fault::ServerError) => {
            counts.faulted.fetch_add(1, Ordering::SeqCst);
            client.write_all(
                error("500 Internal Server Error", "InternalError", "An internal error has occurred").as_bytes(),
            )?;
            return client.flush();
        }
        Some(Fault::Reset) => {
            counts.faulted.fetch_add(1, Ordering::SeqCst);
            return client.shutdown(std::net::Shutdown::Both);
        }
        Some(Fault::Slow(ms)) => {
            counts.faulted.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        Some(Fault::Truncate) => {
            counts.faulted.fetch_add(1, Ordering::SeqCst);
        }
        Some(Fault::Replace(..)) | None => {}
    }
    counts.forwarded.fetch_add(1, Ordering::SeqCst);
    let mut up = TcpStream::connect(upstream)?;
    for line in &head {
        up.write_all(line.as_bytes())?;
    }
    up.write_all(b"Connection: close\r\n\r\n")?;
    up.write_all(&body)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    if fault == Some(Fault::Truncate) {
        // Headers promise the whole body; half of it arrives, then the connection closes.
        client.write_all(&response[..response.len() / 2 + 1])?;
        client.flush()?;
        return client.shutdown(std::net::Shutdown::Both);
    }
    if let Some(Fault::Replace(from, to)) = fault {
        response = replace_in_body(&response, from, to);
    }
    client.write_all(&response)?;
    client.flush()
}

/// The response with `from` replaced by `to` in its body and its `Content-Length` made right.
fn replace_in_body(response: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(response);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return response.to_vec() };
    if !body.contains(from) {
        return response.to_vec();
    }
    let body = body.replace(from, to);
    let head: Vec<String> = head
        .split("\r\n")
        .map(|line| {
            if line.to_ascii_lowercase().starts_with("content-length:") {
                format!("Content-Length: {}", body.len())
            } else {
                line.to_owned()
            }
        })
        .collect();
    format!("{}\r\n\r\n{body}", head.join("\r\n")).into_bytes()
}
