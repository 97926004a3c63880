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
}

/// An open connection, not yet speaking HTTP.
pub struct Connected {
    pub io: Io,
    /// A non-blocking duplicate of the TCP socket, to peek at while the connection is idle.
    pub probe: ProbeStream,
    /// Whether ALPN chose HTTP/2.
    pub h2: bool,
}

/// Connect to `target`, through `proxy` when there is one, with TLS from `tls` when it is
/// `https://` (to the origin, inside a tunnel); `limit` bounds the whole of it (resolving,
/// TCP, the proxy's handshake and TLS), as the connect timeout.
pub async fn connect(
    target: &Target,
    proxy: Option<&Proxy>,
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
    proxy: Option<&Proxy>,
    tls: Option<&Arc<ClientConfig>>,
) -> Result<Connected, EngineError> {
    let stream = match proxy {
        None => tcp(target).await?,
        Some(proxy) => proxy.open(target).await?,
    };
    let failed = |error: io::Error| {
        EngineError::ConnectFailed(format!("error connecting to {}: {error}", target.origin))
    };
    stream.set_nodelay(true).map_err(failed)?;
    // The probe is a duplicate of the socket made through std, which does it on every
    // platform (dup on Unix, WSADuplicateSocket on Windows); non-blocking set on it
    // explicitly, as Windows does not carry the mode over to a duplicate.
    let socket = stream.into_std().map_err(failed)?;
    let probe = socket.try_clone().map_err(failed)?;
    probe.set_nonblocking(true).map_err(failed)?;
    let stream = TcpStream::from_std(socket).map_err(failed)?;
    let (Some(config), Some(name)) = (tls, target.server_name.clone()) else {
        return Ok(Connected {
            io: Io::Plain(stream),
            probe,
            h2: false,
        });
    };
    let stream = TlsConnector::from(Arc::clone(config))
        .connect(name, stream)
        .await
        .map_err(|error| handshake_error(target, &error))?;
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    Ok(Connected {
        io: Io::Tls(Box::new(stream)),
        probe,
        h2,
    })
}

impl Io {
    /// Register the socket with `runtime`'s I/O driver instead of the one it was opened on.
    /// The TLS state stays as it is: only the socket under it is swapped, for a duplicate
    /// of itself registered there (the original is deregistered as it is dropped).
    pub fn rehome(&mut self, runtime: &tokio::runtime::Runtime) -> io::Result<()> {
        let tcp = match self {
            Self::Plain(stream) => stream,
            Self::Tls(stream) => &mut stream.get_mut().0,
        };
        let copy = duplicate(tcp)?;
        // Unix carries the non-blocking mode over to a duplicate; Windows does not.
        copy.set_nonblocking(true)?;
        let _entered = runtime.enter();
        *tcp = TcpStream::from_std(copy)?;
        Ok(())
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
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(stream) => stream.is_write_vectored(),
            Self::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
