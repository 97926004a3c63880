//! TLS settings, built once per `Client` and shared by every pool built from them.
//!
//! Why: with the platform verifier, building a rustls configuration means reading and
//! parsing the system's CA certificates (about 5 ms). requestx keeps a pool per thread and a
//! `Client` per Session, so building one per pool would cost that per thread and per
//! Session. Here the configuration is built once (and the default one, platform roots
//! without a client certificate, once per process) and handed to each pool ready-made. The engine's own connections (`connector.rs`) take them from a
//! process-wide table by settings (`shared`), so equal settings share HTTP/2 connections.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error as TlsError, SignatureScheme};

/// What the user asked of TLS (see `Client::new`).
pub struct TlsOptions<'a> {
    pub verify: bool,
    /// PEM of the trusted CA certificates replacing the platform's, when given.
    pub ca_bundle: Option<&'a [u8]>,
    /// PEM of the client certificate chain and its key.
    pub identity: Option<(&'a [u8], &'a [u8])>,
    pub http2: bool,
}

/// Whether the operating system's trust store holds any CA certificate: a minimal container
/// may have none, and then `verify=True` could verify nothing (Python falls back to
/// certifi's bundle). Asked once per process; `SSL_CERT_FILE` / `SSL_CERT_DIR` count, as
/// they do for the platform verifier on Linux.
pub fn platform_has_roots() -> bool {
    static ANSWER: OnceLock<bool> = OnceLock::new();
    *ANSWER.get_or_init(|| !rustls_native_certs::load_native_certs().certs.is_empty())
}

/// One TLS configuration as the engine shares it: HTTP/2 connections are pooled per
/// process by origin *and* this id, so two Sessions with the same settings share one.
pub struct Tls {
    /// Equal for equal settings (same verify, CA bundle bytes, client identity, ALPN).
    pub id: u64,
    /// As configured: ALPN offers h2 then http/1.1 when HTTP/2 is on.
    pub config: Arc<ClientConfig>,
    /// The same with ALPN offering http/1.1 only: for an origin known to answer in HTTP/1.1
    /// on this thread's own connections (see `engine.rs`).
    pub h1_only: Arc<ClientConfig>,
}

/// Bound on the distinct configurations kept; emptied when full (they are only shared less).
const SHARED_MAX: usize = 64;

/// The shared configuration for `options`, built once per distinct settings per process.
pub fn shared(options: &TlsOptions<'_>) -> Result<Arc<Tls>, String> {
    static KNOWN: Mutex<Option<HashMap<Vec<u8>, Arc<Tls>>>> = Mutex::new(None);
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let key = settings_key(options);
    if let Some(known) = KNOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .and_then(|known| known.get(&key))
    {
        return Ok(Arc::clone(known));
    }
    // Built without the lock held: loading the platform's roots takes milliseconds.
    let config = client_config(options)?;
    let mut h1_only = config.clone();
    h1_only.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tls = Arc::new(Tls {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        config: Arc::new(config),
        h1_only: Arc::new(h1_only),
    });
    let mut guard = KNOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let known = guard.get_or_insert_with(HashMap::new);
    if let Some(raced) = known.get(&key) {
        return Ok(Arc::clone(raced));
    }
    if known.len() >= SHARED_MAX {
        known.clear();
    }
    known.insert(key, Arc::clone(&tls));
    Ok(tls)
}

/// The settings as one byte string (lengths included, so no two settings run together).
fn settings_key(options: &TlsOptions<'_>) -> Vec<u8> {
    let mut key = vec![u8::from(options.verify), u8::from(options.http2)];
    let mut part = |bytes: Option<&[u8]>| match bytes {
        None => key.push(0),
        Some(bytes) => {
            key.push(1);
            key.extend(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_le_bytes());
            key.extend(bytes);
        }
    };
    part(options.ca_bundle);
    part(options.identity.map(|(cert, _)| cert));
    part(options.identity.map(|(_, key)| key));
    key
}

/// The rustls configuration for `options`; errors are messages for the user.
pub fn client_config(options: &TlsOptions<'_>) -> Result<ClientConfig, String> {
    let plain = options.verify && options.ca_bundle.is_none() && options.identity.is_none();
    if plain {
        // The common case, shared by every Session of the process.
        static PLATFORM: [OnceLock<Result<ClientConfig, String>>; 2] =
            [OnceLock::new(), OnceLock::new()];
        return PLATFORM[usize::from(options.http2)]
            .get_or_init(|| build(options))
            .clone();
    }
    build(options)
}

fn build(options: &TlsOptions<'_>) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("invalid TLS settings: {error}"))?;
    let builder = if !options.verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate {
                algorithms: provider.signature_verification_algorithms,
            }))
    } else if let Some(pem) = options.ca_bundle {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|error| format!("invalid CA bundle: {error}"))?;
            roots
                .add(cert)
                .map_err(|error| format!("invalid CA certificate: {error}"))?;
        }
        builder.with_root_certificates(roots)
    } else {
        let verifier = rustls_platform_verifier::Verifier::new(Arc::clone(&provider))
            .map_err(|error| format!("could not load the platform's CA certificates: {error}"))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    };
    let mut config = match options.identity {
        None => builder.with_no_client_auth(),
        Some((cert_pem, key_pem)) => {
            let chain = CertificateDer::pem_slice_iter(cert_pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| format!("invalid client certificate: {error}"))?;
            let key = PrivateKeyDer::from_pem_slice(key_pem)
                .map_err(|error| format!("invalid client key: {error}"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| format!("unusable client certificate: {error}"))?
        }
    };
    config.alpn_protocols = if options.http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(config)
}

fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// `verify=False`: any certificate chain is accepted (as requests does), but the handshake
/// signatures are still checked against the certificate the server sent.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
