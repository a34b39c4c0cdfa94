//! A scripted OAuth endpoint on 127.0.0.1: a minimal HTTP/1.1 server (one request per
//! connection) whose answers the test lists in advance and which records every request.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status, extra headers, JSON body.
    Json(u16, Vec<(&'static str, String)>, String),
    /// Waits this long before answering 200 with a token (longer than the client timeout).
    Slow(Duration),
    /// 200 with a body of this many bytes sent with `Transfer-Encoding: chunked` (no length).
    Chunked(usize),
}

impl Reply {
    /// 200 with a bearer token living `expires_in` seconds.
    pub fn token(access_token: &str, expires_in: u64) -> Self {
        Reply::Json(200, vec![], token_body(access_token, expires_in))
    }

    /// A status with an empty JSON body.
    pub fn status(status: u16) -> Self {
        Reply::Json(status, vec![], "{}".to_owned())
    }
}

fn token_body(access_token: &str, expires_in: u64) -> String {
    format!(
        r#"{{"access_token":"{access_token}","token_type":"Bearer","expires_in":{expires_in},"scope":"read"}}"#
    )
}

/// A whole response with `Content-Length`.
fn with_length(status: u16, extra: &[(&'static str, String)], body: &str) -> String {
    let mut response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(body);
    response
}

/// A 200 whose `size`-byte body comes in 4 KiB chunks, its length never declared.
fn chunked(size: usize) -> String {
    let mut response = "HTTP/1.1 200 X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_owned();
    let mut left = size;
    while left > 0 {
        let n = left.min(4096);
        response.push_str(&format!("{n:x}\r\n{}\r\n", "a".repeat(n)));
        left -= n;
    }
    response.push_str("0\r\n\r\n");
    response
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Request path.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// The body.
    pub body: String,
}

impl Recorded {
    /// The form body as pairs.
    pub fn form(&self) -> HashMap<String, String> {
        url_decode_pairs(&self.body)
    }
}

fn url_decode_pairs(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Decodes `application/x-www-form-urlencoded` text.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The running server. The last scripted reply repeats once the script is used up.
pub struct OAuthServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl OAuthServer {
    /// Starts serving `script` in order.
    pub async fn start(script: Vec<Reply>) -> Self {
        assert!(!script.is_empty(), "the script needs at least one reply");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let recorded = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let reply = {
                    let mut script = script.lock().unwrap();
                    if script.len() > 1 {
                        script.pop_front().unwrap()
                    } else {
                        script[0].clone()
                    }
                };
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let mut reader = BufReader::new(stream);
                    let mut line = String::new();
                    reader.read_line(&mut line).await.unwrap();
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let mut headers = HashMap::new();
                    loop {
                        line.clear();
                        reader.read_line(&mut line).await.unwrap();
                        let trimmed = line.trim_end();
                        if trimmed.is_empty() {
                            break;
                        }
                        let (name, value) = trimmed.split_once(':').unwrap();
                        headers.insert(name.to_ascii_lowercase(), value.trim().to_owned());
                    }
                    let length: usize = headers
                        .get("content-length")
                        .map_or(0, |v| v.parse().unwrap());
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).await.unwrap();
                    recorded.lock().unwrap().push(Recorded {
                        path,
                        headers,
                        body: String::from_utf8(body).unwrap(),
                    });
                    let response = match reply {
                        Reply::Json(status, extra, body) => with_length(status, &extra, &body),
                        Reply::Slow(delay) => {
                            tokio::time::sleep(delay).await;
                            with_length(200, &[], &token_body("slow-token", 3600))
                        }
                        Reply::Chunked(size) => chunked(size),
                    };
                    let mut stream = reader.into_inner();
                    // The client may have given up (timeout tests).
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { url, requests }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}
