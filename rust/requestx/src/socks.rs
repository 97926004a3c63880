//! SOCKS4/4a (with its user id) and SOCKS5 (RFC 1928, RFC 1929 username/password)
//! handshakes on an open connection to the proxy.
//!
//! Our own rather than hyper-util's for three reasons: its SOCKS4 sends no user id
//! (`socks4://user@` must reach the proxy), its local lookups block the runtime's thread, and
//! it resolves the destination before the proxy hears a byte. Here the order is `PySocks`'
//! (and so requests'): connect to the proxy, greet it (SOCKS5), then resolve the
//! destination locally when the scheme says so (`socks5://`, `socks4://`), then ask for the
//! tunnel. A proxy that answers nothing therefore fails as a proxy, not as a DNS lookup.
//!
//! Every function returns a description of what went wrong, for a `ProxyError`, or the
//! lookup's own error (a connection error, as for a direct connection).

use std::net::IpAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::errors::EngineError;

/// Why a handshake failed: the proxy (a `ProxyError`) or the local lookup of the destination.
pub enum Failure {
    Proxy(String),
    Lookup(EngineError),
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Self::Proxy(if error.kind() == std::io::ErrorKind::UnexpectedEof {
            "the proxy closed the connection during the SOCKS handshake".into()
        } else {
            format!("SOCKS handshake failed: {error}")
        })
    }
}

/// Where the tunnel should lead.
pub struct Destination<'a> {
    pub host: &'a str,
    pub port: u16,
    /// The proxy resolves the name (`socks5h://`, `socks4a://`); else it is resolved here.
    pub remote_dns: bool,
}

/// SOCKS4 CONNECT, or `SOCKS4a` when the proxy resolves the name; `user_id` as given.
pub async fn socks4<S>(
    stream: &mut S,
    destination: &Destination<'_>,
    user_id: &str,
) -> Result<(), Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if user_id.as_bytes().contains(&0) {
        return Err(Failure::Proxy(
            "a SOCKS4 user id cannot hold a NUL byte".into(),
        ));
    }
    let mut request = vec![4, 1];
    request.extend_from_slice(&destination.port.to_be_bytes());
    let name = match destination.host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            request.extend_from_slice(&ip.octets());
            None
        }
        Ok(IpAddr::V6(_)) => {
            return Err(Failure::Proxy("SOCKS4 cannot reach an IPv6 address".into()));
        }
        Err(_) if destination.remote_dns => {
            // SOCKS4a: the address 0.0.0.x (x > 0) says a name follows the user id.
            request.extend_from_slice(&[0, 0, 0, 1]);
            Some(destination.host)
        }
        Err(_) => {
            let ip = resolve(destination.host, destination.port, true).await?;
            match ip {
                IpAddr::V4(ip) => request.extend_from_slice(&ip.octets()),
                IpAddr::V6(_) => unreachable!("resolve(.., v4_only=true) gives IPv4"),
            }
            None
        }
    };
    request.extend_from_slice(user_id.as_bytes());
    request.push(0);
    if let Some(name) = name {
        request.extend_from_slice(name.as_bytes());
        request.push(0);
    }
    stream.write_all(&request).await?;
    let mut reply = [0_u8; 8];
    stream.read_exact(&mut reply).await?;
    match reply[1] {
        0x5a => Ok(()),
        0x5b => Err(Failure::Proxy(
            "the SOCKS4 proxy rejected the request".into(),
        )),
        0x5c => Err(Failure::Proxy(
            "the SOCKS4 proxy could not reach the client's identd".into(),
        )),
        0x5d => Err(Failure::Proxy(
            "the SOCKS4 proxy's identd did not confirm the user id".into(),
        )),
        other => Err(Failure::Proxy(format!(
            "the SOCKS4 proxy answered with unknown status {other:#04x}"
        ))),
    }
}

/// SOCKS5 CONNECT, offering username/password (RFC 1929) when `credentials` are given.
pub async fn socks5<S>(
    stream: &mut S,
    destination: &Destination<'_>,
    credentials: Option<(&str, &str)>,
) -> Result<(), Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let greeting: &[u8] = if credentials.is_some() {
        &[5, 2, 0, 2]
    } else {
        &[5, 1, 0]
    };
    stream.write_all(greeting).await?;
    let mut chosen = [0_u8; 2];
    stream.read_exact(&mut chosen).await?;
    if chosen[0] != 5 {
        return Err(Failure::Proxy(format!(
            "not a SOCKS5 proxy (it answered version {})",
            chosen[0]
        )));
    }
    match (chosen[1], credentials) {
        (0, _) => {}
        (2, Some((user, password))) => authenticate(stream, user, password).await?,
        (0xff, None) => {
            return Err(Failure::Proxy(
                "the SOCKS5 proxy requires credentials (none were given)".into(),
            ));
        }
        (0xff, Some(_)) => {
            return Err(Failure::Proxy(
                "the SOCKS5 proxy accepts none of the offered authentication methods".into(),
            ));
        }
        (other, _) => {
            return Err(Failure::Proxy(format!(
                "the SOCKS5 proxy chose authentication method {other}, which was not offered"
            )));
        }
    }
    let mut request = vec![5, 1, 0];
    let ip = match destination.host.parse::<IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) if destination.remote_dns => None,
        Err(_) => Some(resolve(destination.host, destination.port, false).await?),
    };
    match ip {
        Some(IpAddr::V4(ip)) => {
            request.push(1);
            request.extend_from_slice(&ip.octets());
        }
        Some(IpAddr::V6(ip)) => {
            request.push(4);
            request.extend_from_slice(&ip.octets());
        }
        None => {
            let name = destination.host.as_bytes();
            let length = u8::try_from(name.len()).map_err(|_| {
                Failure::Proxy("the host name is too long for SOCKS5 (255 bytes at most)".into())
            })?;
            request.push(3);
            request.push(length);
            request.extend_from_slice(name);
        }
    }
    request.extend_from_slice(&destination.port.to_be_bytes());
    stream.write_all(&request).await?;
    let mut head = [0_u8; 4];
    stream.read_exact(&mut head).await?;
    if head[1] != 0 {
        return Err(Failure::Proxy(socks5_refusal(head[1])));
    }
    // The address the proxy bound: read and dropped.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => usize::from(stream.read_u8().await?) + 2,
        other => {
            return Err(Failure::Proxy(format!(
                "the SOCKS5 proxy answered with unknown address type {other}"
            )));
        }
    };
    let mut bound = vec![0_u8; rest];
    stream.read_exact(&mut bound).await?;
    Ok(())
}

async fn authenticate<S>(stream: &mut S, user: &str, password: &str) -> Result<(), Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let too_long = |what: &str| Failure::Proxy(format!("the SOCKS5 {what} is over 255 bytes"));
    let user_length = u8::try_from(user.len()).map_err(|_| too_long("user name"))?;
    let password_length = u8::try_from(password.len()).map_err(|_| too_long("password"))?;
    let mut request = vec![1, user_length];
    request.extend_from_slice(user.as_bytes());
    request.push(password_length);
    request.extend_from_slice(password.as_bytes());
    stream.write_all(&request).await?;
    let mut reply = [0_u8; 2];
    stream.read_exact(&mut reply).await?;
    if reply[1] == 0 {
        Ok(())
    } else {
        Err(Failure::Proxy(
            "the SOCKS5 proxy rejected the user name and password".into(),
        ))
    }
}

fn socks5_refusal(code: u8) -> String {
    let why = match code {
        1 => "general failure",
        2 => "connection not allowed by its rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown reply",
    };
    format!("the SOCKS5 proxy refused the tunnel: {why} ({code})")
}

/// `host`'s first address (IPv4 only when `v4_only`: SOCKS4 has no other).
async fn resolve(host: &str, port: u16, v4_only: bool) -> Result<IpAddr, Failure> {
    let lookup_failed = |what: String| Failure::Lookup(EngineError::ConnectFailed(what));
    tokio::net::lookup_host((host, port))
        .await
        .map_err(|error| lookup_failed(format!("failed to resolve {host}: {error}")))?
        .map(|address| address.ip())
        .find(|ip| !v4_only || ip.is_ipv4())
        .ok_or_else(|| lookup_failed(format!("{host} resolved to no usable address")))
}

#[cfg(test)]
mod tests {
    use super::{Destination, Failure, socks4, socks5};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    }

    #[test]
    fn socks4a_sends_the_user_id_then_the_name() {
        runtime().block_on(async {
            let (mut client, mut proxy) = duplex(1024);
            let serving = tokio::spawn(async move {
                let mut request = vec![0_u8; 8 + b"alice\0".len() + b"proxy.test\0".len()];
                proxy.read_exact(&mut request).await.expect("request");
                proxy
                    .write_all(&[0, 0x5a, 0, 0, 0, 0, 0, 0])
                    .await
                    .expect("reply");
                request
            });
            let destination = Destination {
                host: "proxy.test",
                port: 8080,
                remote_dns: true,
            };
            assert!(socks4(&mut client, &destination, "alice").await.is_ok());
            let request = serving.await.expect("served");
            assert_eq!(&request[..8], &[4, 1, 0x1f, 0x90, 0, 0, 0, 1]);
            assert_eq!(&request[8..], b"alice\0proxy.test\0");
        });
    }

    #[test]
    fn socks5_refusal_is_a_proxy_failure() {
        runtime().block_on(async {
            let (mut client, mut proxy) = duplex(1024);
            tokio::spawn(async move {
                let mut greeting = [0_u8; 3];
                proxy.read_exact(&mut greeting).await.expect("greeting");
                proxy.write_all(&[5, 0]).await.expect("choice");
                let mut request = [0_u8; 10];
                proxy.read_exact(&mut request).await.expect("request");
                proxy
                    .write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
                    .await
                    .expect("reply");
            });
            let destination = Destination {
                host: "127.0.0.1",
                port: 80,
                remote_dns: false,
            };
            match socks5(&mut client, &destination, None).await {
                Err(Failure::Proxy(why)) => assert!(why.contains("connection refused"), "{why}"),
                _ => panic!("expected a proxy failure"),
            }
        });
    }
}
