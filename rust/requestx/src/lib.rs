//! Native core of `requestx`, loaded by Python as the private module `requestx._requestx`.
//!
//! The Python package re-exports what users need; nothing here is public API on its own.

mod assemble;
mod bridge;
mod call;
mod client;
mod connector;
mod decode;
mod engine;
mod errors;
mod gate;
mod h1;
mod h2;
mod header_case;
mod local;
mod process;
mod proxy;
mod response;
mod runtime;
mod socks;
mod target;
mod tls;
mod upload;

use pyo3::prelude::*;

/// The crate version, which is also the version of every package in the release train.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Stop the engine's runtime; `requestx` registers it with `atexit`.
#[pyfunction]
fn shutdown(py: Python<'_>) {
    local::shutdown();
    runtime::shutdown(py);
}

/// Whether the operating system's trust store holds any CA certificate (checked once).
#[pyfunction]
fn platform_roots_available(py: Python<'_>) -> bool {
    py.detach(tls::platform_has_roots)
}

/// How many origins the process-wide HTTP/2 table (with its ALPN memory) holds now: for
/// tests of its bound (`REQUESTX_ALPN_CACHE_SIZE`).
#[pyfunction]
fn alpn_cache_len() -> usize {
    h2::remembered()
}

/// Python module `requestx._requestx`.
#[pymodule]
#[pyo3(name = "_requestx")]
fn requestx_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", VERSION)?;
    module.add_class::<client::Client>()?;
    module.add_class::<call::Call>()?;
    module.add_class::<call::HeaderLines>()?;
    module.add_class::<response::RawResponse>()?;
    module.add_class::<assemble::ResponseKit>()?;
    module.add_class::<gate::PlainGate>()?;
    module.add_class::<bridge::Completions>()?;
    module.add_class::<bridge::Submitted>()?;
    module.add_function(wrap_pyfunction!(shutdown, module)?)?;
    module.add_function(wrap_pyfunction!(process::forked, module)?)?;
    module.add_function(wrap_pyfunction!(platform_roots_available, module)?)?;
    module.add_function(wrap_pyfunction!(alpn_cache_len, module)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{VERSION, requestx_native};
    use pyo3::prelude::*;

    #[test]
    fn module_exports_the_crate_version() {
        Python::initialize();
        Python::attach(|py| {
            let module = pyo3::wrap_pymodule!(requestx_native)(py);
            let reported: String = module
                .getattr(py, "__version__")
                .and_then(|value| value.extract(py))
                .expect("module has a string __version__");
            assert_eq!(reported, VERSION);
        });
    }
}
