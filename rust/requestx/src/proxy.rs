//! Proxies on the engine's own connections: an HTTP proxy, spoken to in plain text or over
//! TLS (`https://` proxies) (forwarding `http://`, a CONNECT tunnel for `https://`), SOCKS5
//! (`socks5://` resolves the host here, `socks5h://` has the proxy resolve it, as requests
//! does) or SOCKS4 (`socks4://`, `socks4a://` likewise; `socks4://user@` sends the user id).
//!
//! Which proxy a request takes (the `proxies` mapping, environment variables, `no_proxy`)
//! is chosen in Python; a `Client` holds at most one, and every request it sends uses it.
//!
//! The CONNECT handshake is hyper-util's (`Tunnel`), the SOCKS ones ours (`socks.rs`), run
//! once per new connection on the connection to the proxy (TCP, and TLS for an `https://`
//! proxy). What comes back is that stream, so the rest of the engine (TLS to the origin
//! inside the tunnel, the idle probe, moving an HTTP/2 connection to the shared runtime)
//! treats it as any other connection.
//!
//! Every failure on the way to the origin (the proxy refused, closed, asked for credentials,
//! could not reach the origin) is a `ProxyError`; a connect timeout stays a `ConnectTimeout`
//! (the caller bounds the whole connect).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine as _;
use hyper::Uri;
use hyper::header::HeaderValue;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tower_service::Service;

use crate::connector::Io;
use crate::errors::EngineError;
use crate::socks::{self, Destination};
use crate::target::{Scheme, Target};

/// How the proxy is spoken to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// An HTTP proxy: `http://` requests are forwarded (absolute-form target), `https://`
    /// ones go through a CONNECT tunnel.
    Http,
    /// SOCKS5; `remote_dns` (`socks5h://`) sends the host name to the proxy.
    Socks5 { remote_dns: bool },
    /// SOCKS4; `remote_dns` (`socks4a://`) sends the host name to the proxy.
    Socks4 { remote_dns: bool },
}

/// One proxy, parsed once when its `Client` is made.
pub struct Proxy {
    pub kind: Kind,
    host: String,
    port: u16,
    uri: Uri,
    /// The name the proxy's certificate is checked against, for an `https://` proxy.
    tls_name: Option<ServerName<'static>>,
    credentials: Option<(String, String)>,
    /// `Proxy-Authorization: Basic ...` from the credentials (HTTP proxies).
    pub authorization: Option<HeaderValue>,
    /// Names this proxy and its credentials in the process-wide HTTP/2 table, so a tunnel
    /// is shared only by requests that would have opened the same one.
    pub key: Arc<str>,
    /// The pool key of connections that forward `http://` requests: one proxy connection
    /// carries requests to every origin.
    pub forward_key: Arc<str>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credentials stay out of debug output.
        f.debug_struct("Proxy")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Parse `url` (`http://`, `https://`, `socks5://`, `socks5h://`, `socks4://`,
    /// `socks4a://`; credentials in it or in `credentials`, which win). The error says
    /// what is wrong, for a `ValueError`.
    pub fn parse(url: &str, credentials: Option<(String, String)>) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|error| error.to_string())?;
        let (kind, default_port) = match parsed.scheme() {
            "http" | "https" => (Kind::Http, if parsed.scheme() == "http" { 80 } else { 443 }),
            "socks5" => (Kind::Socks5 { remote_dns: false }, 1080),
            "socks5h" => (Kind::Socks5 { remote_dns: true }, 1080),
            "socks4" => (Kind::Socks4 { remote_dns: false }, 1080),
            "socks4a" => (Kind::Socks4 { remote_dns: true }, 1080),
            other => return Err(format!("unsupported proxy scheme {other:?}")),
        };
        let host_text = parsed
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or("the proxy URL has no host")?;
        let host = strip_brackets(host_text).to_owned();
        let tls_name = match parsed.scheme() {
            "https" => Some(
                ServerName::try_from(host.clone())
                    .map_err(|error| format!("invalid proxy host {host:?}: {error}"))?,
            ),
            _ => None,
        };
        let port = parsed.port().unwrap_or(default_port);
        let credentials = credentials.or_else(|| {
            let user = percent_decoded(parsed.username());
            let password = percent_decoded(parsed.password().unwrap_or(""));
            (!user.is_empty()).then_some((user, password))
        });
        let has_password = credentials
            .as_ref()
            .is_some_and(|(_, password)| !password.is_empty());
        if has_password && matches!(kind, Kind::Socks4 { .. }) {
            // SOCKS4 has a user id (`socks4://user@host`), not a password: refuse rather than
            // drop the password silently.
            return Err(
                "SOCKS4 takes a user id but no password (socks4://user@host); use socks5:// or socks5h:// for a password".into(),
            );
        }
        let authorization = match &credentials {
            Some((user, password)) if kind == Kind::Http => {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                let mut value = HeaderValue::from_str(&format!("Basic {token}"))
                    .map_err(|error| error.to_string())?;
                value.set_sensitive(true);
                Some(value)
            }
            _ => None,
        };
        let authority = format!("{host_text}:{port}");
        let uri = Uri::builder()
            .scheme("http")
            .authority(authority.as_str())
            .path_and_query("/")
            .build()
            .map_err(|error| error.to_string())?;
        let who = match &credentials {
            Some((user, password)) => format!("{user}:{password}@"),
            None => String::new(),
        };
        let key = Arc::from(format!("{}://{who}{authority}", parsed.scheme()));
        let forward_key = Arc::from(format!("forwarded through {key}"));
        Ok(Self {
            kind,
            host,
            port,
            uri,
            tls_name,
            credentials,
            authorization,
            key,
            forward_key,
        })
    }

    /// Whether `target` is forwarded (sent to the proxy as it is, absolute-form) rather
    /// than tunnelled.
    pub fn forwards(&self, target: &Target) -> bool {
        self.kind == Kind::Http && target.scheme == Scheme::Http
    }

    /// A stream that reaches `target`: to the proxy when it forwards, else through a
    /// tunnel (CONNECT or SOCKS) that carries bytes to `target`'s host and port. `tls`
    /// (HTTP/1.1 by ALPN) secures the hop to an `https://` proxy.
    pub async fn open(&self, target: &Target, tls: &Arc<ClientConfig>) -> Result<Io, EngineError> {
        let to_proxy = ToProxy {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls_name.clone().map(|name| (name, Arc::clone(tls))),
        };
        let failed = |what: String| {
            EngineError::Proxy(format!(
                "proxy {}:{} on the way to {}: {what}",
                self.host, self.port, target.origin
            ))
        };
        let io = match self.kind {
            Kind::Http if target.scheme == Scheme::Http => to_proxy
                .connect()
                .await
                .map_err(|error| failed(format!("cannot connect: {error}")))?,
            Kind::Http => {
                let mut tunnel = Tunnel::new(self.uri.clone(), to_proxy);
                if let Some(authorization) = &self.authorization {
                    tunnel = tunnel.with_auth(authorization.clone());
                }
                let destination = destination(&target.host, target.port)?;
                tunnel
                    .call(destination)
                    .await
                    .map_err(|error| failed(crate::errors::describe(&error)))?
            }
            Kind::Socks4 { remote_dns } | Kind::Socks5 { remote_dns } => {
                let mut io = to_proxy
                    .connect()
                    .await
                    .map_err(|error| failed(format!("cannot connect: {error}")))?
                    .into_inner();
                let destination = Destination {
                    host: &target.host,
                    port: target.port,
                    remote_dns,
                };
                let credentials = self
                    .credentials
                    .as_ref()
                    .map(|(user, password)| (user.as_str(), password.as_str()));
                let handshake = if matches!(self.kind, Kind::Socks4 { .. }) {
                    let user_id = credentials.map_or("", |(user, _)| user);
                    socks::socks4(&mut io, &destination, user_id).await
                } else {
                    socks::socks5(&mut io, &destination, credentials).await
                };
                return match handshake {
                    Ok(()) => Ok(io),
                    Err(socks::Failure::Proxy(why)) => Err(failed(why)),
                    Err(socks::Failure::Lookup(error)) => Err(error),
                };
            }
        };
        Ok(io.into_inner())
    }
}

/// The URI the handshakes read the destination's host and port from.
fn destination(host: &str, port: u16) -> Result<Uri, EngineError> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Uri::builder()
        .scheme("http")
        .authority(authority.as_str())
        .path_and_query("/")
        .build()
        .map_err(|error| EngineError::InvalidUrl(format!("invalid host {host:?}: {error}")))
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host)
}

/// A URL's user or password as the proxy takes it (`%40` is `@`), as requests unquotes them.
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The connector the handshakes are given: a connection to the proxy, TCP and, for an
/// `https://` proxy, TLS (the URI they pass is the proxy's own, already known here).
#[derive(Clone)]
struct ToProxy {
    host: String,
    port: u16,
    tls: Option<(ServerName<'static>, Arc<ClientConfig>)>,
}

impl ToProxy {
    async fn connect(self) -> io::Result<TokioIo<Io>> {
        let stream = TcpStream::connect((self.host.as_str(), self.port)).await?;
        stream.set_nodelay(true)?;
        let Some((name, config)) = self.tls else {
            return Ok(TokioIo::new(Io::Plain(stream)));
        };
        let secured = TlsConnector::from(config).connect(name, stream).await?;
        Ok(TokioIo::new(Io::Tls(Box::new(secured))))
    }
}

type Connecting = Pin<Box<dyn Future<Output = io::Result<TokioIo<Io>>> + Send>>;

impl Service<Uri> for ToProxy {
    type Response = TokioIo<Io>;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _proxy: Uri) -> Connecting {
        Box::pin(self.clone().connect())
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, Proxy};

    #[test]
    fn schemes_and_default_ports() {
        let http = Proxy::parse("http://127.0.0.1", None).expect("http");
        assert_eq!((http.kind, http.port), (Kind::Http, 80));
        let local = Proxy::parse("socks5://[::1]", None).expect("socks5");
        assert_eq!(local.kind, Kind::Socks5 { remote_dns: false });
        assert_eq!((local.host.as_str(), local.port), ("::1", 1080));
        let remote = Proxy::parse("socks5h://proxy.test:9050", None).expect("socks5h");
        assert_eq!(remote.kind, Kind::Socks5 { remote_dns: true });
        let socks4a = Proxy::parse("socks4a://127.0.0.1", None).expect("socks4a");
        assert_eq!(socks4a.kind, Kind::Socks4 { remote_dns: true });
        assert!(Proxy::parse("socks4://u:p@127.0.0.1", None).is_err());
        let user_id = Proxy::parse("socks4://alice@127.0.0.1", None).expect("a user id");
        assert_eq!(user_id.credentials, Some(("alice".into(), String::new())));
        assert!(Proxy::parse("ftp://proxy.test", None).is_err());
        let secured = Proxy::parse("https://proxy.test", None).expect("https");
        assert_eq!((secured.kind, secured.port), (Kind::Http, 443));
        assert!(secured.tls_name.is_some());
    }

    #[test]
    fn credentials_make_a_basic_proxy_authorization() {
        let proxy = Proxy::parse(
            "http://127.0.0.1:3128",
            Some(("user".into(), "secret".into())),
        )
        .expect("http");
        let header = proxy.authorization.expect("a header");
        assert_eq!(header, "Basic dXNlcjpzZWNyZXQ=");
        let from_url = Proxy::parse("http://us%40er:p%3Ass@127.0.0.1:3128", None).expect("http");
        assert_eq!(
            from_url.credentials,
            Some(("us@er".to_owned(), "p:ss".to_owned()))
        );
        // SOCKS credentials go in the handshake, never in a header.
        let socks = Proxy::parse("socks5://u:p@127.0.0.1", None).expect("socks");
        assert!(socks.authorization.is_none());
        assert!(socks.credentials.is_some());
    }

    #[test]
    fn different_credentials_name_different_proxies() {
        let one = Proxy::parse("http://127.0.0.1:3128", Some(("a".into(), "1".into())));
        let two = Proxy::parse("http://127.0.0.1:3128", Some(("a".into(), "2".into())));
        assert_ne!(one.expect("one").key, two.expect("two").key);
    }
}
