//! Opening a connection: DNS, TCP (or a proxy's tunnel, `proxy.rs`), and for `https://` the
//! TLS handshake with ALPN.
//!
//! The result says which protocol the server chose (ALPN `h2`, else HTTP/1.1) and carries a
//! duplicate of the TCP socket: the HTTP/1.1 pool peeks at it, before reusing an idle
//! connection, to see whether the server has closed it.
//!
//! A connection belongs to the runtime it was opened on (its socket is registered with that
//! runtime's I/O driver); `Io::rehome` moves it to another, as `engine.rs` does with an
//! HTTP/2 connection (opened by any thread, then driven for all of them by the shared one).

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream as ProbeStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::errors::EngineError;
use crate::proxy::Proxy;
use crate::target::Target;

/// A connection's byte stream: plain TCP or TLS over it.
pub enum Io {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// TLS to the origin inside TLS to an `https://` proxy.
    Nested(Box<Nested>),
}

/// The stream of an `https://` URL reached through an `https://` proxy: TLS to the origin
/// inside TLS to the proxy.
type Nested = TlsStream<TlsStream<TcpStream>>;

/// An open connection, not yet speaking HTTP.
pub struct Connected {
    pub io: Io,
    /// A non-blocking duplicate of the TCP socket, to peek at while the connection is idle.
    pub probe: ProbeStream,
    /// Whether ALPN chose HTTP/2.
    pub h2: bool,
}

/// Connect to `target`, through `proxy` when there is one (with the TLS configuration of
/// the hop to an `https://` proxy), with TLS from `tls` when it is `https://` (to the
/// origin, inside a tunnel); `limit` bounds the whole of it (resolving, TCP, the proxy's
/// handshake and TLS), as the connect timeout.
pub async fn connect(
    target: &Target,
    proxy: Option<(&Proxy, &Arc<ClientConfig>)>,
    tls: Option<&Arc<ClientConfig>>,
    limit: Option<Duration>,
) -> Result<Connected, EngineError> {
    let connecting = open(target, proxy, tls);
    match limit {
        None => connecting.await,
        Some(limit) => tokio::time::timeout(limit, connecting).await.map_err(|_| {
            EngineError::ConnectTimeout(format!(
                "connection to {} timed out (connect timeout={}s)",
                target.origin,
                limit.as_secs_f64()
            ))
        })?,
    }
}

async fn open(
    target: &Target,
    proxy: Option<(&Proxy, &Arc<ClientConfig>)>,
    tls: Option<&Arc<ClientConfig>>,
) -> Result<Connected, EngineError> {
    let io = match proxy {
        None => Io::Plain(tcp(target).await?),
        Some((proxy, hop)) => proxy.open(target, hop).await?,
    };
    let failed = |error: io::Error| {
        EngineError::ConnectFailed(format!("error connecting to {}: {error}", target.origin))
    };
    // The probe is a duplicate of the TCP socket (dup on Unix, WSADuplicateSocket on
    // Windows); non-blocking set on it explicitly, as Windows does not carry the mode over
    // to a duplicate.
    let probe = duplicate(io.tcp()).map_err(failed)?;
    probe.set_nonblocking(true).map_err(failed)?;
    let (Some(config), Some(name)) = (tls, target.server_name.clone()) else {
        return Ok(Connected {
            io,
            probe,
            h2: false,
        });
    };
    let connector = TlsConnector::from(Arc::clone(config));
    let refused = |error: io::Error| handshake_error(target, &error);
    let (io, h2) = match io {
        Io::Plain(stream) => {
            let stream = connector.connect(name, stream).await.map_err(refused)?;
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            (Io::Tls(Box::new(stream)), h2)
        }
        Io::Tls(stream) => {
            let stream = connector.connect(name, *stream).await.map_err(refused)?;
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            (Io::Nested(Box::new(stream)), h2)
        }
        Io::Nested(_) => {
            return Err(EngineError::Engine(
                "a proxy handed over a connection secured twice already".into(),
            ));
        }
    };
    Ok(Connected { io, probe, h2 })
}

impl Io {
    /// Register the socket with `runtime`'s I/O driver instead of the one it was opened on.
    /// The TLS state stays as it is: only the socket under it is swapped, for a duplicate
    /// of itself registered there (the original is deregistered as it is dropped).
    pub fn rehome(&mut self, runtime: &tokio::runtime::Runtime) -> io::Result<()> {
        let tcp = match self {
            Self::Plain(stream) => stream,
            Self::Tls(stream) => &mut stream.get_mut().0,
            Self::Nested(stream) => &mut stream.get_mut().0.get_mut().0,
        };
        let copy = duplicate(tcp)?;
        // Unix carries the non-blocking mode over to a duplicate; Windows does not.
        copy.set_nonblocking(true)?;
        let _entered = runtime.enter();
        *tcp = TcpStream::from_std(copy)?;
        Ok(())
    }
}

impl Io {
    /// The TCP socket under any TLS.
    fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(stream) => stream,
            Self::Tls(stream) => stream.get_ref().0,
            Self::Nested(stream) => stream.get_ref().0.get_ref().0,
        }
    }
}

#[cfg(unix)]
fn duplicate(stream: &TcpStream) -> io::Result<std::net::TcpStream> {
    use std::os::fd::AsFd;
    Ok(stream.as_fd().try_clone_to_owned()?.into())
}

#[cfg(windows)]
fn duplicate(stream: &TcpStream) -> io::Result<std::net::TcpStream> {
    use std::os::windows::io::AsSocket;
    Ok(stream.as_socket().try_clone_to_owned()?.into())
}

fn handshake_error(target: &Target, error: &io::Error) -> EngineError {
    let message = format!(
        "TLS handshake with {} failed: {}",
        target.origin,
        crate::errors::describe(error)
    );
    if crate::errors::chain_has::<rustls::Error>(error) {
        EngineError::Ssl(message)
    } else {
        EngineError::ConnectFailed(message)
    }
}

/// A TCP connection to the first of the target's addresses that accepts one.
async fn tcp(target: &Target) -> Result<TcpStream, EngineError> {
    let addresses: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|error| {
                EngineError::ConnectFailed(format!("failed to resolve {}: {error}", target.host))
            })?
            .collect(),
    };
    let mut last_error = None;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    Err(EngineError::ConnectFailed(match last_error {
        Some(error) => format!("error connecting to {}: {error}", target.origin),
        None => format!("{} resolved to no address", target.host),
    }))
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
            Self::Nested(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
            Self::Nested(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
            Self::Nested(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(stream) => stream.is_write_vectored(),
            Self::Tls(stream) => stream.is_write_vectored(),
            Self::Nested(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
            Self::Nested(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
            Self::Nested(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
