//! A fault-injecting HTTP proxy on loopback, in front of moto: it answers some requests with
//! EC2's throttling error and forwards the rest. One request per connection keeps it simple;
//! the SDK reconnects as it would after any `Connection: close`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Counts of what the proxy did.
#[derive(Default)]
pub struct Counts {
    pub forwarded: AtomicU64,
    pub throttled: AtomicU64,
}

/// The running proxy; stops accepting when dropped.
pub struct Proxy {
    pub endpoint: String,
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Forwards to `upstream` (`http://127.0.0.1:PORT`), throttling every `every`-th request.
    pub fn throttling(upstream: &str, every: u64) -> Proxy {
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
                let throttle = n % every == 0;
                let (c, upstream) = (c.clone(), upstream.clone());
                std::thread::spawn(move || {
                    let _ = handle(conn, &upstream, throttle, &c);
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

fn handle(client: TcpStream, upstream: &str, throttle: bool, counts: &Counts) -> std::io::Result<()> {
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
    if throttle {
        counts.throttled.fetch_add(1, Ordering::SeqCst);
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>\
                   <Message>Request limit exceeded.</Message></Error></Errors><RequestID>driftscan-test</RequestID></Response>";
        write!(
            client,
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
            xml.len()
        )?;
        return client.flush();
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
    client.write_all(&response)?;
    client.flush()
}
