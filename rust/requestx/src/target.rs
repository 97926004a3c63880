//! `Target`: where a request goes, worked out once per URL (the `Client` caches it by text).
//!
//! Everything the engine's own connections need from a URL: the origin that pools them,
//! the host and port to connect to, the name TLS checks the certificate against, the Host
//! header (HTTP/1.1) or `:authority` (HTTP/2), and the request target in both forms.

use std::sync::Arc;

use hyper::Uri;
use hyper::header::HeaderValue;
use rustls::pki_types::ServerName;

/// `http://` or `https://`: the only schemes the engine's own connections carry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scheme {
    Http,
    Https,
}

#[derive(Clone)]
pub struct Target {
    pub scheme: Scheme,
    /// `scheme://host:port`: connections are pooled by it.
    pub origin: Arc<str>,
    /// The host to resolve and connect to (an IPv6 address without its brackets).
    pub host: String,
    pub port: u16,
    /// What TLS checks the server's certificate against (https only).
    pub server_name: Option<ServerName<'static>>,
    /// `host[:port]`, the port only when it is not the scheme's default (as http.client
    /// writes the Host header).
    pub host_header: HeaderValue,
    /// The request target in origin form (path and query), for HTTP/1.1.
    pub path: Uri,
    /// The absolute URI (scheme, authority, path), for HTTP/2's pseudo-headers.
    pub absolute: Uri,
    pub url: String,
}

impl Target {
    /// The target of an `http://` or `https://` URL; None for another scheme or a URL
    /// that cannot be sent. Credentials in the URL are left out of everything sent: the
    /// Python layer has made them an Authorization header already (requests'
    /// `prepare_auth`), and sends none when the caller chose other auth.
    pub fn for_url(url: &url::Url) -> Option<Self> {
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return None,
        };
        let host_text = url.host_str()?;
        // An IPv6 address is written in brackets in the URL, not when connecting.
        let host = host_text
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .unwrap_or(host_text)
            .to_owned();
        let port = url.port_or_known_default()?;
        let host_header = match url.port() {
            Some(explicit) => format!("{host_text}:{explicit}"),
            None => host_text.to_owned(),
        };
        let mut path = url.path().to_owned();
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        let server_name = match scheme {
            Scheme::Http => None,
            Scheme::Https => Some(ServerName::try_from(host.clone()).ok()?),
        };
        let absolute = Uri::builder()
            .scheme(url.scheme())
            .authority(host_header.as_str())
            .path_and_query(path.as_str())
            .build()
            .ok()?;
        Some(Self {
            scheme,
            origin: Arc::from(format!("{}://{host_text}:{port}", url.scheme())),
            host,
            port,
            server_name,
            host_header: HeaderValue::from_str(&host_header).ok()?,
            path: Uri::try_from(path).ok()?,
            absolute,
            url: without_credentials(url),
        })
    }
}

/// `url` as text, without a `user:password@` part.
fn without_credentials(url: &url::Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.as_str().to_owned();
    }
    let mut bare = url.clone();
    // Only fails for URLs without a host, which have no target.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::{Scheme, Target};

    fn target(url: &str) -> Option<Target> {
        Target::for_url(&url::Url::parse(url).expect("a valid URL"))
    }

    #[test]
    fn host_header_has_the_port_only_when_it_is_not_the_default() {
        let explicit = target("http://example.test:8080/a?b=c#frag").expect("plain");
        assert_eq!(explicit.host_header, "example.test:8080");
        assert_eq!(&*explicit.origin, "http://example.test:8080");
        assert_eq!(explicit.path, "/a?b=c");
        assert_eq!(explicit.absolute, "http://example.test:8080/a?b=c");
        let default = target("https://example.test/").expect("tls");
        assert_eq!(default.host_header, "example.test");
        assert_eq!(&*default.origin, "https://example.test:443");
        assert_eq!((default.scheme, default.port), (Scheme::Https, 443));
        assert!(default.server_name.is_some());
    }

    #[test]
    fn ipv6_hosts_connect_without_brackets() {
        let v6 = target("https://[::1]:9000/").expect("tls");
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.host_header, "[::1]:9000");
        assert_eq!(v6.absolute, "https://[::1]:9000/");
    }

    #[test]
    fn only_http_and_https_have_a_target() {
        assert!(target("ftp://example.test/").is_none());
        assert!(target("http://example.test/").is_some());
    }

    #[test]
    fn credentials_in_the_url_are_never_sent() {
        let with = target("http://user:secret@example.test:8080/a").expect("plain");
        assert_eq!(with.host_header, "example.test:8080");
        assert_eq!(with.absolute, "http://example.test:8080/a");
        assert_eq!(with.url, "http://example.test:8080/a");
        assert!(!with.url.contains("secret"));
    }
}
