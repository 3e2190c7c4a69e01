//! Downloading a model file from an address the user typed (`verbatim models add URL`).
//!
//! Nothing is fetched unless the user names it. Only HTTPS with a verified certificate is used
//! (plain http only to this machine, for tests), redirects are followed (model hubs send the
//! file from another server), and an interrupted download goes on where it stopped: the part
//! file is kept, and the next run asks only for the bytes after it (an HTTP Range request).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use ureq::http::Uri;

/// Bytes read and written at a time, and between progress reports.
const CHUNK: usize = 256 * 1024;
/// How long to wait for a server to accept the connection (and to find its name).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may send nothing before the download stops (it can be resumed).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// SHA-256 of the whole file, hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// Why a download failed. The part file is kept whenever it holds anything, so the same
/// command goes on from where it stopped.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Not an http(s) address with a server name.
    #[error("{0} is not a web address verbatim can download from: give the file's full https:// address")]
    BadUrl(String),
    /// A plain http address of another machine: anyone on the way could change the file.
    #[error("{0} is a plain http:// address, so the file could be changed on its way: use the https:// address")]
    NotHttps(String),
    /// The server could not be reached, or the connection broke.
    #[error("could not download {url}: {reason}. Check the address and the internet connection, then run the same command again{}", kept(*.saved, .part))]
    Network {
        /// The address given.
        url: String,
        /// What went wrong, in words.
        reason: String,
        /// Bytes in the part file.
        saved: u64,
        /// The part file.
        part: PathBuf,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}: {}", status_hint(*.status))]
    Status {
        /// The address given.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The disk filled up while writing.
    #[error("the disk is full: {} of the model are saved in {}. Free {} and run the same command again to go on from there", size(*.saved), .part.display(), needed(*.saved, *.total))]
    DiskFull {
        /// The part file.
        part: PathBuf,
        /// Bytes in it.
        saved: u64,
        /// The file's size, if the server said.
        total: Option<u64>,
    },
    /// The part file could not be read or written.
    #[error("{}: {action} failed: {source}. Check that the folder is yours and writable, then run the same command again", .part.display())]
    File {
        /// The part file.
        part: PathBuf,
        /// What was being done, in words.
        action: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
}

/// Downloads `url` to `part` (created 0600 if missing; appended to if it exists, resuming with a Range request), then returns its SHA-256 (hex) and length.
pub fn download(
    url: &str,
    part: &Path,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Downloaded, DownloadError> {
    let agent = agent_for(url)?;
    let file_err = |action, source| DownloadError::File { part: part.to_path_buf(), action, source };
    let have = match fs::metadata(part) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(file_err("reading the size of the part downloaded so far", e)),
    };
    let net = |reason: String, saved| DownloadError::Network { url: url.into(), reason, saved, part: part.into() };
    let mut offset = have;
    // At most two rounds: a part the server's file does not continue is dropped once.
    let (response, total) = loop {
        let mut request = agent.get(url);
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        let response = request.call().map_err(|e| net(reason(&e), have))?;
        let (start, range_total) =
            response.headers().get("content-range").and_then(|v| v.to_str().ok()).map_or((None, None), content_range);
        let length = response.body().content_length();
        match response.status().as_u16() {
            206 if offset > 0 && start == Some(offset) => break (response, range_total.or(length.map(|l| l + offset))),
            // 416: nothing lies after the part; it is complete if it is as long as the file.
            416 if offset > 0 && range_total == Some(offset) => {
                progress(offset, Some(offset));
                return finish(part);
            }
            // The part is longer than the file, or the server sent another range: the file
            // changed since the part was saved, so start over.
            206 | 416 if offset > 0 => offset = 0,
            // 200 to a Range request: the server ignores ranges and sends the whole file.
            200..=299 => {
                offset = 0;
                break (response, range_total.or(length));
            }
            status => return Err(DownloadError::Status { url: url.into(), status }),
        }
    };
    // Opened only now, so an address that fails leaves no empty file behind.
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(part)
        .map_err(|e| file_err("opening", e))?;
    file.set_len(offset).and_then(|()| file.seek(SeekFrom::Start(offset))).map_err(|e| file_err("preparing", e))?;
    let mut done = offset;
    progress(done, total);
    let mut body = response.into_body().into_reader();
    let mut buf = vec![0; CHUNK];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(net(io_reason(&e), done)),
        };
        if let Err(e) = file.write_all(&buf[..n]) {
            // write_all may have written part of the chunk: the file says how much is saved.
            let saved = file.metadata().map_or(done, |m| m.len());
            return Err(write_failed(e, part, saved, total));
        }
        done += n as u64;
        progress(done, total);
    }
    if let Some(total) = total
        && done < total
    {
        return Err(net(format!("the server stopped sending after {} of {}", size(done), size(total)), done));
    }
    file.sync_all().map_err(|e| file_err("saving", e))?;
    drop(file);
    finish(part)
}

/// The last path segment of `url`, percent-decoded, e.g. ".../ggml-base.bin?download=true" -> "ggml-base.bin".
pub fn file_name(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.split(['?', '#']).next()?.split_once('/')?.1;
    let segment = path.rsplit('/').next()?.as_bytes();
    let mut bytes = Vec::with_capacity(segment.len());
    let mut i = 0;
    while i < segment.len() {
        // Only two hex digits make an escape (from_str_radix alone would also take "+f").
        let hex = segment.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let hex = hex.and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (segment[i], hex) {
            (b'%', Some(b)) => (bytes.push(b), i += 3),
            (c, _) => (bytes.push(c), i += 1),
        };
    }
    let name = String::from_utf8(bytes).ok()?;
    // The caller makes a file of it: a decoded name must not reach into another folder.
    let unsafe_name = name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']);
    (!unsafe_name).then_some(name)
}

/// An agent for `url`, or why verbatim will not download from it.
fn agent_for(url: &str) -> Result<ureq::Agent, DownloadError> {
    let bad = || DownloadError::BadUrl(url.into());
    let uri: Uri = url.parse().map_err(|_| bad())?;
    let host = uri.host().ok_or_else(bad)?;
    let loopback = host == "127.0.0.1" || host == "[::1]" || host.eq_ignore_ascii_case("localhost");
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => {}
        Some(s) if s.eq_ignore_ascii_case("http") && loopback => {}
        Some(s) if s.eq_ignore_ascii_case("http") => return Err(DownloadError::NotHttps(url.into())),
        _ => return Err(bad()),
    }
    let mut config = ureq::Agent::config_builder()
        // Also refuses a redirect from https to plain http.
        .https_only(!loopback)
        .http_status_as_error(false)
        .user_agent(concat!("verbatim/", env!("CARGO_PKG_VERSION")))
        // Byte offsets must count the file's own bytes, not a compressed stream's.
        .accept_encoding("identity")
        .timeout_resolve(Some(CONNECT_TIMEOUT))
        .timeout_connect(Some(CONNECT_TIMEOUT))
        // No overall limit: 3 GB on a slow line takes hours; only a silent server is given up on.
        .timeout_per_read(Some(READ_TIMEOUT));
    if loopback {
        // A proxy from the environment could not reach this machine's own server.
        config = config.proxy(None);
    }
    Ok(config.build().new_agent())
}

/// Syncs the complete part file and hashes it from disk: earlier runs wrote its first bytes.
fn finish(part: &Path) -> Result<Downloaded, DownloadError> {
    let file_err = |action, source| DownloadError::File { part: part.to_path_buf(), action, source };
    let file = File::open(part).map_err(|e| file_err("opening", e))?;
    file.sync_all().map_err(|e| file_err("saving", e))?;
    let mut hasher = Sha256::new();
    let bytes =
        io::copy(&mut BufReader::with_capacity(CHUNK, file), &mut hasher).map_err(|e| file_err("reading", e))?;
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Downloaded { sha256, bytes })
}

/// The start and the total of a `Content-Range: bytes START-END/TOTAL` (or `bytes */TOTAL`).
fn content_range(value: &str) -> (Option<u64>, Option<u64>) {
    let Some(rest) = value.trim().strip_prefix("bytes ") else { return (None, None) };
    let (range, total) = rest.split_once('/').unwrap_or((rest, "*"));
    (range.split_once('-').and_then(|(start, _)| start.trim().parse().ok()), total.trim().parse().ok())
}

/// A failed write as an error: a full disk says how much is saved and how much room to make.
fn write_failed(source: io::Error, part: &Path, saved: u64, total: Option<u64>) -> DownloadError {
    match source.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            DownloadError::DiskFull { part: part.into(), saved, total }
        }
        _ => DownloadError::File { part: part.into(), action: "writing", source },
    }
}

/// Why a request failed, in words.
fn reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::HostNotFound => "no server of that name was found".into(),
        // std says a name lookup failed only in its message (that error kind is not public).
        ureq::Error::Io(io) if io.to_string().starts_with("failed to lookup address") => {
            "no server of that name was found".into()
        }
        ureq::Error::Timeout(_) => "the server did not answer in time".into(),
        // rustls reports a certificate it cannot verify as invalid data on the connection.
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::InvalidData => secure(io),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => secure(e),
        ureq::Error::Io(io) => io_reason(io),
        ureq::Error::RequireHttpsOnly(to) => format!("it sent verbatim on to a plain http:// address ({to})"),
        other => other.to_string(),
    }
}

/// A secure connection that could not be set up, in words.
fn secure(e: &dyn std::fmt::Display) -> String {
    format!(
        "a secure connection could not be set up ({e}). If your network inspects secure connections, \
         download the file in a browser and add it with `verbatim models add FILE`"
    )
}

/// Why a connection failed or broke, in words.
fn io_reason(e: &io::Error) -> String {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return reason(inner);
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "the server refused the connection".into(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => "the connection broke".into(),
        io::ErrorKind::TimedOut => "the server stopped sending".into(),
        _ => e.to_string(),
    }
}

/// What an HTTP error status means for the user.
fn status_hint(status: u16) -> &'static str {
    match status {
        404 | 410 => "there is no file at that address; copy it again from the model's page",
        401 | 403 => "access is refused; download the file in a browser, then `verbatim models add FILE`",
        429 | 503 => "the server is busy; wait a while and run the same command again",
        500..=599 => "the server has a problem; try again later",
        _ => "check the address",
    }
}

/// The message's tail that says what was kept of a failed download.
fn kept(saved: u64, part: &Path) -> String {
    let (size, part) = (size(saved), part.display());
    if saved == 0 { String::new() } else { format!(": it goes on from the {size} already saved in {part}") }
}

/// How much room a full disk needs.
fn needed(saved: u64, total: Option<u64>) -> String {
    match total {
        Some(total) if total > saved => format!("at least {}", size(total - saved)),
        _ => "some space".into(),
    }
}

/// A size for people: "77.7 MB".
fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} kB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.2} GB", bytes as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// Requests a test server saw: the request head, and the body bytes it sent.
    type Log = Arc<Mutex<Vec<(String, usize)>>>;

    /// A local HTTP/1.1 server of `data`: `/model.bin` honours `Range: bytes=N-`, `/plain.bin`
    /// ignores it, `/drop.bin` breaks its first answer after `drop_after` bytes, `/moved`
    /// redirects to `/model.bin`, anything else is 404. Runs until the test process ends.
    fn serve(data: Vec<u8>, drop_after: usize) -> (String, Log) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let log = Log::default();
        let seen = log.clone();
        std::thread::spawn(move || {
            let mut dropped = false;
            for stream in listener.incoming() {
                let mut s = stream.unwrap();
                let mut head = String::new();
                let mut reader = BufReader::new(&s);
                while reader.read_line(&mut head).unwrap() > 2 {}
                let head = head.to_ascii_lowercase();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                let range: Option<usize> =
                    head.lines().find_map(|l| l.strip_prefix("range: bytes=")?.strip_suffix('-')?.parse().ok());
                let len = data.len();
                let (status, start, extra) = match (path.as_str(), range) {
                    ("/moved", _) => ("302 Found", len, "Location: /model.bin\r\n".to_owned()),
                    ("/model.bin" | "/drop.bin", Some(n)) if n >= len => {
                        ("416 Range Not Satisfiable", len, format!("Content-Range: bytes */{len}\r\n"))
                    }
                    ("/model.bin" | "/drop.bin", Some(n)) => {
                        ("206 Partial Content", n, format!("Content-Range: bytes {n}-{}/{len}\r\n", len - 1))
                    }
                    ("/model.bin" | "/drop.bin" | "/plain.bin", _) => ("200 OK", 0, String::new()),
                    _ => ("404 Not Found", len, String::new()),
                };
                let body = &data[start..];
                let send = if path == "/drop.bin" && !dropped { drop_after.min(body.len()) } else { body.len() };
                dropped |= path == "/drop.bin";
                let head_out =
                    format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n", body.len());
                let _ = s.write_all(head_out.as_bytes()).and_then(|()| s.write_all(&body[..send]));
                seen.lock().unwrap().push((head, send));
            }
        });
        (base, log)
    }

    fn data() -> Vec<u8> {
        (0..700_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
    }

    fn sha(bytes: &[u8]) -> String {
        Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn downloads_a_whole_file_through_a_redirect() {
        let (base, log) = serve(data(), 0);
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("m.part");
        let mut calls = Vec::new();
        let got = download(&format!("{base}/moved"), &part, &mut |d, t| calls.push((d, t))).unwrap();
        assert_eq!(fs::read(&part).unwrap(), data());
        assert_eq!(got, Downloaded { sha256: sha(&data()), bytes: 700_000 });
        assert_eq!(calls.first(), Some(&(0, Some(700_000))));
        assert_eq!(calls.last(), Some(&(700_000, Some(700_000))));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&part).unwrap().permissions().mode() & 0o777, 0o600);
        let log = log.lock().unwrap();
        assert!(log[0].0.starts_with("get /moved ") && log[1].0.starts_with("get /model.bin "), "{log:?}");
        assert!(log[1].0.contains(&format!("user-agent: verbatim/{}\r\n", env!("CARGO_PKG_VERSION"))));
        assert!(!log[1].0.contains("range:") && log[1].0.contains("accept-encoding: identity\r\n"));
    }

    #[test]
    fn a_broken_download_goes_on_where_it_stopped() {
        let (base, log) = serve(data(), 250_000);
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("m.part");
        let url = format!("{base}/drop.bin");
        let err = download(&url, &part, &mut |_, _| {}).unwrap_err().to_string();
        assert!(
            err.contains("the connection broke") && err.contains("again: it goes on from the 250 kB already saved in"),
            "{err}"
        );
        assert_eq!(fs::read(&part).unwrap(), data()[..250_000]);
        let mut calls = Vec::new();
        let got = download(&url, &part, &mut |d, t| calls.push((d, t))).unwrap();
        assert_eq!(fs::read(&part).unwrap(), data());
        assert_eq!(got.sha256, sha(&data()));
        assert_eq!(calls.first(), Some(&(250_000, Some(700_000))));
        let (head, sent) = log.lock().unwrap()[1].clone();
        assert!(head.contains("range: bytes=250000-\r\n"), "{head}");
        assert_eq!(sent, 450_000);
        // A complete part: the server answers 416 and nothing more is sent.
        assert_eq!(download(&url, &part, &mut |_, _| {}).unwrap(), got);
        assert_eq!(log.lock().unwrap().iter().skip(2).map(|r| r.1).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn a_server_that_ignores_ranges_is_downloaded_from_the_start() {
        let (base, log) = serve(data(), 0);
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("m.part");
        fs::write(&part, &data()[..100_000]).unwrap();
        let got = download(&format!("{base}/plain.bin"), &part, &mut |_, _| {}).unwrap();
        assert_eq!(fs::read(&part).unwrap(), data());
        assert_eq!((got.bytes, &got.sha256), (700_000, &sha(&data())));
        assert!(log.lock().unwrap()[0].0.contains("range: bytes=100000-"));
        // A part longer than the file (it changed on the server): 416, then the whole file anew.
        fs::write(&part, vec![7; 800_000]).unwrap();
        assert_eq!(download(&format!("{base}/model.bin"), &part, &mut |_, _| {}).unwrap(), got);
        assert_eq!(fs::read(&part).unwrap(), data());
    }

    #[test]
    fn errors_say_what_happened_and_leave_no_file() {
        let (base, _log) = serve(data(), 0);
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("m.part");
        let url = format!("{base}/nothing.bin");
        let err = download(&url, &part, &mut |_, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::Status { status: 404, .. }));
        assert!(err.to_string().starts_with(&format!("{url} answered HTTP 404: there is no file")), "{err}");
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let err = download(&format!("http://{closed}/m.bin"), &part, &mut |_, _| {}).unwrap_err().to_string();
        assert!(err.contains("refused the connection") && err.ends_with("run the same command again"), "{err}");
        let err = download("http://example.com/ggml-base.bin", &part, &mut |_, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::NotHttps(_)) && err.to_string().contains("use the https:// address"));
        let err = download("ftp://example.com/ggml-base.bin", &part, &mut |_, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::BadUrl(_)));
        assert!(!part.exists());
        let full = write_failed(io::Error::from_raw_os_error(28), &part, 1_500_000_000, Some(3_000_000_000));
        let text = full.to_string();
        assert!(text.starts_with("the disk is full: 1.50 GB of the model are saved in"), "{text}");
        assert!(text.contains("Free at least 1.50 GB and run the same command again to go on"), "{text}");
    }

    #[test]
    fn file_names_come_from_the_last_segment() {
        let hf = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin?download=true";
        assert_eq!(file_name(hf).as_deref(), Some("ggml-base.bin"));
        assert_eq!(file_name("https://x.org/m/nb%20whisper%C3%A6.bin#top").as_deref(), Some("nb whisperæ.bin"));
        assert_eq!(file_name("https://x.org/a%2Fb.bin"), None);
        assert_eq!(file_name("https://x.org/m/%2e%2E"), None);
        assert_eq!(file_name("https://x.org/models/"), None);
        assert_eq!(file_name("https://x.org"), None);
        assert_eq!(file_name("https://x.org/100%.bin").as_deref(), Some("100%.bin"));
        assert_eq!(file_name("https://x.org/a%+fb").as_deref(), Some("a%+fb"));
    }
}
