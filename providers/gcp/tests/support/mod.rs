//! A local HTTP server that responds to GCP API calls with responses written in the tests, in
//! the APIs' real JSON format: pages, errors (403, 404, 429 with `Retry-After`) and policies.
//!
//! Routes are `METHOD /path`, followed by the `parent` and `pageToken` query parameters
//! when a request has them: `GET /v3/projects?parent=folders/1&pageToken=p2`. A route
//! holds a queue of responses: each request takes the next one, and the last one repeats.
//! Every request is recorded, so tests can check what the client sent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::{Value, json};

/// One response: status, extra headers, JSON body.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body,
        }
    }

    /// Returns a Google API error with its status name, as the APIs send it.
    pub fn error(status: u16, name: &str, message: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: json!({"error": {"code": status, "message": message, "status": name}}),
        }
    }

    pub fn denied(permission: &str) -> Reply {
        Reply::error(
            403,
            "PERMISSION_DENIED",
            &format!("Permission '{permission}' denied on resource (or it may not exist)."),
        )
    }

    pub fn throttled() -> Reply {
        let mut reply = Reply::error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Read requests'.",
        );
        reply
            .headers
            .push(("Retry-After".to_owned(), "0".to_owned()));
        reply
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
}

#[derive(Default)]
struct State {
    routes: BTreeMap<String, Vec<Reply>>,
    requests: Vec<Request>,
}

/// The server, listening on 127.0.0.1 on a free port until the test ends.
#[derive(Clone)]
pub struct GcpServer {
    state: Arc<Mutex<State>>,
    pub url: String,
}

impl GcpServer {
    pub fn start() -> GcpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = GcpServer {
            state: Arc::default(),
            url,
        };
        let state = Arc::clone(&server.state);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else {
                    continue;
                };
                let state = Arc::clone(&state);
                thread::spawn(move || serve(stream, &state));
            }
        });
        server
    }

    /// Responds to `route` (`GET /v1/...`) with these replies in turn.
    pub fn route(&self, route: &str, replies: Vec<Reply>) -> &Self {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(route.to_owned(), replies);
        self
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();

        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();

        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let request = Request {
            method: method.clone(),
            path: percent_decode(path),
            query: percent_decode(query),
        };
        let reply = answer(state, &request);
        let body = reply.body.to_string();
        let mut response = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            reply.status,
            body.len()
        );
        for (name, value) in &reply.headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&body);
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn answer(state: &Mutex<State>, request: &Request) -> Reply {
    let mut state = state.lock().unwrap();
    state.requests.push(request.clone());
    let selectors: Vec<&str> = ["parent=", "pageToken="]
        .iter()
        .filter_map(|name| {
            request
                .query
                .split('&')
                .find(|pair| pair.starts_with(name) && pair.len() > name.len())
        })
        .collect();
    let route = if selectors.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        format!(
            "{} {}?{}",
            request.method,
            request.path,
            selectors.join("&")
        )
    };
    let Some(replies) = state.routes.get_mut(&route) else {
        return Reply::error(404, "NOT_FOUND", &format!("no route for `{route}`"));
    };
    if replies.len() > 1 {
        replies.remove(0)
    } else {
        replies[0].clone()
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[index + 1..index + 3], 16)
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
