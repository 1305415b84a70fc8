//! A real TLS connection to the bundle store (`--probe`), verified against the image's own
//! trust store and nothing else: the server chain, the host name, the protocol, and the
//! reason for any failure as OpenSSL reports it. The only network I/O bootready does.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use openssl::ssl::{HandshakeError, Ssl, SslContext, SslMethod, SslOptions, SslRef, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509CheckFlags;
use openssl::x509::{X509, X509VerifyResult};
use serde::Serialize;

use super::certs::{self, CertSummary};
use super::trust_store::TrustStore;

/// The whole probe (name lookup, connect, handshake) ends within this time.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why the probe failed, in the words a remediation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// The URL is not `https://host[:port]/...`.
    BadUrl,
    /// The image has no trust store to verify with.
    NoTrustStore,
    /// The host name does not resolve.
    Dns,
    /// The server refused the connection.
    Refused,
    /// Nothing answered within the time limit.
    Timeout,
    /// Another network error.
    Network,
    /// The chain does not lead to a CA in the image's trust store.
    UnknownCa,
    /// A certificate of the chain has expired.
    Expired,
    /// A certificate of the chain is not valid yet.
    NotYetValid,
    /// The certificate does not name the host.
    NameMismatch,
    /// Another verification error.
    Verify,
    /// The TLS handshake failed for another reason (protocol, cipher).
    Handshake,
}

/// The outcome of the probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// The URL probed.
    pub url: String,
    /// Host and port connected to.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The image's bundle the chain was verified against.
    pub trust_store: Option<String>,
    /// The address that answered.
    pub address: Option<String>,
    /// True when the handshake completed and the chain and host name verified.
    pub verified: bool,
    /// Why it failed.
    pub failure: Option<FailureKind>,
    /// The failure in OpenSSL's (or the system's) words.
    pub detail: Option<String>,
    /// The negotiated protocol, e.g. `TLSv1.3`.
    pub protocol: Option<String>,
    /// The negotiated cipher.
    pub cipher: Option<String>,
    /// The chain the server sent, leaf first.
    pub chain: Vec<CertSummary>,
    /// How long the probe took, in milliseconds.
    pub elapsed_ms: u64,
}

/// Splits an `https://` URL into host and port (default 443). IPv6 literals in brackets.
pub fn host_port(url: &str) -> Result<(String, u16), String> {
    let rest = url
        .get(..8)
        .filter(|s| s.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
        .ok_or_else(|| format!("{url}: not an https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| format!("{url}: unclosed [ in the host"))?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(format!("{url}: no host"));
    }
    let port = match port {
        Some(p) => {
            p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| format!("{url}: bad port '{p}'"))?
        }
        None => 443,
    };
    Ok((host.to_string(), port))
}

/// Probes `url`, verifying with the certificates of `store` only; `now` (seconds since the
/// epoch), when given, is the verification time (`--now`).
pub fn gather(url: &str, store: &TrustStore, now: Option<i64>) -> ProbeResult {
    let start = Instant::now();
    let deadline = start + TIMEOUT;
    let mut r = ProbeResult {
        url: url.to_string(),
        host: String::new(),
        port: 0,
        trust_store: store.path.clone(),
        address: None,
        verified: false,
        failure: None,
        detail: None,
        protocol: None,
        cipher: None,
        chain: Vec::new(),
        elapsed_ms: 0,
    };
    if let Err((kind, detail)) = run(url, store, now, deadline, &mut r) {
        r.failure = Some(kind);
        r.detail = Some(detail);
    }
    r.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    r
}

type Failure = (FailureKind, String);

fn run(
    url: &str,
    store: &TrustStore,
    now: Option<i64>,
    deadline: Instant,
    r: &mut ProbeResult,
) -> Result<(), Failure> {
    let (host, port) = host_port(url).map_err(|e| (FailureKind::BadUrl, e))?;
    r.host = host.clone();
    r.port = port;
    if store.path.is_none() {
        return Err((FailureKind::NoTrustStore, "the image has no CA bundle to verify with".into()));
    }
    let ctx =
        context(store, now).map_err(|e| (FailureKind::Handshake, format!("setting up OpenSSL: {e}")))?;
    let ssl =
        session(&ctx, &host).map_err(|e| (FailureKind::Handshake, format!("setting up OpenSSL: {e}")))?;
    let addrs = resolve(&host, port, deadline)?;
    let tcp = connect(&addrs, deadline, r)?;
    let stream = DeadlineStream { inner: tcp, deadline };
    match ssl.connect(stream) {
        Ok(mut tls) => {
            describe(tls.ssl(), r);
            r.verified = true;
            let _ = tls.shutdown();
            Ok(())
        }
        Err(HandshakeError::Failure(mid)) | Err(HandshakeError::WouldBlock(mid)) => {
            describe(mid.ssl(), r);
            let verify = mid.ssl().verify_result();
            if verify != X509VerifyResult::OK {
                return Err((kind_of(verify), verify.error_string().to_string()));
            }
            let e = mid.error();
            if let Some(io) = e.io_error()
                && io.kind() == io::ErrorKind::TimedOut
            {
                return Err((
                    FailureKind::Timeout,
                    format!("no TLS handshake within {} s", TIMEOUT.as_secs()),
                ));
            }
            Err((FailureKind::Handshake, e.to_string()))
        }
        Err(HandshakeError::SetupFailure(e)) => Err((FailureKind::Handshake, e.to_string())),
    }
}

/// An OpenSSL client context that trusts exactly the store's certificates. Built from a bare
/// context, not `SslConnector::builder`, which would first load this machine's default CA
/// file (slow, and a broken host bundle would fail a probe that never uses it).
fn context(store: &TrustStore, now: Option<i64>) -> Result<SslContext, openssl::error::ErrorStack> {
    let mut b = SslContext::builder(SslMethod::tls_client())?;
    b.set_options(SslOptions::NO_COMPRESSION | SslOptions::NO_SSLV2 | SslOptions::NO_SSLV3);
    let mut x = X509StoreBuilder::new()?;
    for der in &store.der {
        if let Ok(cert) = X509::from_der(der) {
            x.add_cert(cert)?;
        }
    }
    b.set_cert_store(x.build());
    b.set_verify(SslVerifyMode::PEER);
    if let Some(now) = now {
        b.verify_param_mut().set_time(now as _);
    }
    Ok(b.build())
}

/// One connection: SNI for a host name (never for an IP address, as RFC 6066 says), and the
/// name or address the certificate must carry.
fn session(ctx: &SslContext, host: &str) -> Result<Ssl, openssl::error::ErrorStack> {
    let mut ssl = Ssl::new(ctx)?;
    match host.parse::<IpAddr>() {
        Ok(ip) => ssl.param_mut().set_ip(ip)?,
        Err(_) => {
            ssl.set_hostname(host)?;
            let param = ssl.param_mut();
            param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
            param.set_host(host)?;
        }
    }
    Ok(ssl)
}

fn resolve(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, Failure> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    // getaddrinfo has no timeout of its own: run it aside and stop waiting at the deadline.
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send((name.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err((FailureKind::Dns, format!("{host}: no address"))),
        Ok(Err(e)) => Err((FailureKind::Dns, format!("{host}: {e}"))),
        Err(_) => {
            Err((FailureKind::Timeout, format!("{host}: no name resolution within {} s", TIMEOUT.as_secs())))
        }
    }
}

fn connect(addrs: &[SocketAddr], deadline: Instant, r: &mut ProbeResult) -> Result<TcpStream, Failure> {
    let mut last = (FailureKind::Network, "no address to connect to".to_string());
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err((FailureKind::Timeout, format!("no connection within {} s", TIMEOUT.as_secs())));
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                r.address = Some(addr.to_string());
                return Ok(s);
            }
            Err(e) => {
                let kind = match e.kind() {
                    io::ErrorKind::ConnectionRefused => FailureKind::Refused,
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => FailureKind::Timeout,
                    _ => FailureKind::Network,
                };
                last = (kind, format!("{addr}: {e}"));
            }
        }
    }
    Err(last)
}

fn describe(ssl: &SslRef, r: &mut ProbeResult) {
    let version = ssl.version_str();
    if version != "unknown" {
        r.protocol = Some(version.to_string());
    }
    r.cipher = ssl.current_cipher().map(|c| c.name().to_string()).filter(|c| c != "(NONE)");
    if let Some(chain) = ssl.peer_cert_chain() {
        r.chain = chain.iter().map(certs::summarise).collect();
    }
}

/// Maps OpenSSL's verify result to the reason a user acts on.
pub fn kind_of(v: X509VerifyResult) -> FailureKind {
    // Codes from OpenSSL's x509_vfy.h (stable since 1.0.2).
    match v.as_raw() {
        // UNABLE_TO_GET_ISSUER_CERT, DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN,
        // UNABLE_TO_GET_ISSUER_CERT_LOCALLY, UNABLE_TO_VERIFY_LEAF_SIGNATURE
        2 | 18 | 19 | 20 | 21 => FailureKind::UnknownCa,
        10 => FailureKind::Expired,           // CERT_HAS_EXPIRED
        9 => FailureKind::NotYetValid,        // CERT_NOT_YET_VALID
        62 | 64 => FailureKind::NameMismatch, // HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
        _ => FailureKind::Verify,
    }
}

/// A TCP stream whose every read and write ends at one deadline, so the handshake as a whole
/// is bounded, however many round trips it takes.
#[derive(Debug)]
struct DeadlineStream {
    inner: TcpStream,
    deadline: Instant,
}

impl DeadlineStream {
    fn arm(&self, read: bool) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "probe time limit reached"));
        }
        if read { self.inner.set_read_timeout(Some(left)) } else { self.inner.set_write_timeout(Some(left)) }
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm(true)?;
        self.inner.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock => io::Error::new(io::ErrorKind::TimedOut, e),
            _ => e,
        })
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.arm(false)?;
        self.inner.write(buf).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock => io::Error::new(io::ErrorKind::TimedOut, e),
            _ => e,
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(host_port("https://store.example.com/b/x.sh"), Ok(("store.example.com".into(), 443)));
        assert_eq!(host_port("HTTPS://127.0.0.1:8443"), Ok(("127.0.0.1".into(), 8443)));
        assert_eq!(host_port("https://u:p@[::1]:9/x"), Ok(("::1".into(), 9)));
        assert_eq!(host_port("https://[::1]/x"), Ok(("::1".into(), 443)));
        for bad in
            ["http://a", "https://", "https://a:0", "https://a:99999", "https://[::1", "https://:443", "ftp"]
        {
            assert!(host_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_trust_store_and_refused_and_bad_url() {
        let none = TrustStore::none();
        let r = gather("https://127.0.0.1:1/", &none, None);
        assert_eq!(r.failure, Some(FailureKind::NoTrustStore));
        let mut store = TrustStore::none();
        store.path = Some("/etc/ssl/certs/ca-certificates.crt".into());
        // A port nothing listens on: bind one, note it, drop it.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let r = gather(&format!("https://127.0.0.1:{port}/"), &store, None);
        assert_eq!(r.failure, Some(FailureKind::Refused), "{r:?}");
        assert_eq!(gather("https://a:0/", &store, None).failure, Some(FailureKind::BadUrl));
    }

    #[test]
    fn a_silent_server_times_out() {
        // Accepts the TCP connection but never speaks TLS: the handshake must end at the deadline.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
        let mut store = TrustStore::none();
        store.path = Some("/x".into());
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut s = DeadlineStream { inner: tcp, deadline: Instant::now() + Duration::from_millis(200) };
        let t = Instant::now();
        let err = s.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(t.elapsed() < Duration::from_secs(2));
        drop(held.join());
    }
}
