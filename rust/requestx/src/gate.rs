//! `PlainGate`: `Session.get(url)` in one native call when nothing in the session asks for
//! more than the engine's plainest path.
//!
//! Why: for a small GET on a kept-alive connection, the engine's whole exchange costs about
//! 45k instructions, and the Python checks that decide the call is plain (nobody patched
//! `Session.send`, no auth, no proxies, no cookies to send, a stock adapter, the session's
//! headers unchanged, ...) cost about 38k more: each is cheap, but `CPython` charges hundreds
//! of instructions for every attribute read, call and comparison. The same checks made here
//! read the same attributes through the C API and skip the interpreter.
//!
//! The rule is the Python one, `Session.get` → `Session._plain` → `Session._request_plain`
//! (sync, whole body, no retries), read in the same order: anything the gate is unsure of
//! (a subclass's method, a patched one, a mapping of a foreign type, an async caller, a
//! streamed or retried call, a first sight of a URL or header set) makes it answer None
//! before anything is sent, and Python takes its own path. Work Python caches (the prepared
//! URL, the adapter per URL, the encoded session headers, the Client per pool key) is read
//! from Python's caches and, on a miss, asked of the Python function that fills them.
//! `tests/test_plain_gate.py` checks both sides decide alike.

use std::time::Instant;

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

use crate::assemble::ResponseKit;
use crate::call::{Call, HeaderLines, Timeouts, seconds};
use crate::client::Client;

/// How many definitions `PlainGate::new` takes (the fields of `PlainGate`).
const DEFINITIONS: usize = 22;

/// What the gate compares with and calls: Python's own definitions, handed over once by
/// `requestx.sessions` (the one place that names them).
#[pyclass(module = "requestx._requestx", frozen)]
pub struct PlainGate {
    session_type: Py<PyType>,
    own_request: Py<PyAny>,
    own_send: Py<PyAny>,
    own_prepare_request: Py<PyAny>,
    own_merge_environment_settings: Py<PyAny>,
    own_get_adapter: Py<PyAny>,
    adapter_type: Py<PyType>,
    own_adapter_send: Py<PyAny>,
    own_build_response: Py<PyAny>,
    headers_type: Py<PyType>,
    cookie_jar_type: Py<PyType>,
    no_cookies: Py<PyAny>,
    prepared_type: Py<PyType>,
    /// The `__dict__` `_request_plain` leaves on a plain GET's `PreparedRequest`, with None
    /// for the URL and the headers (see `send`).
    prepared_template: Py<PyDict>,
    /// `PreparedRequest.__new__`, looked up once.
    prepared_new: Py<PyAny>,
    prepared_urls: Py<PyDict>,
    prepare_url: Py<PyAny>,
    not_plain: Py<PyAny>,
    mode_module: Py<PyAny>,
    running_loop: Py<PyAny>,
    redirect_statuses: Py<PyAny>,
    request_errors: Py<PyAny>,
    kit: Py<ResponseKit>,
}

#[pymethods]
impl PlainGate {
    /// The definitions, by name (`requestx.sessions` passes each as a keyword argument);
    /// a missing or unknown name is a `TypeError`.
    #[new]
    #[pyo3(signature = (**definitions))]
    fn new(definitions: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let Some(definitions) = definitions else {
            return Err(PyTypeError::new_err(
                "PlainGate takes its definitions by name",
            ));
        };
        let get = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            definitions
                .get_item(name)?
                .ok_or_else(|| PyTypeError::new_err(format!("PlainGate needs {name}")))
        };
        let py = definitions.py();
        let prepared_type = get("prepared_type")?.cast_into::<PyType>()?;
        let prepared_new = prepared_type.getattr(intern!(py, "__new__"))?.unbind();
        // What PreparedRequest() and the prepare_* steps would leave (see _request_plain).
        let prepared_template = PyDict::new(py);
        prepared_template.set_item(intern!(py, "method"), intern!(py, "GET"))?;
        prepared_template.set_item(intern!(py, "url"), py.None())?;
        prepared_template.set_item(intern!(py, "_headers_from"), py.None())?;
        prepared_template.set_item(intern!(py, "_cookie_jar"), get("fresh_jar")?)?;
        prepared_template.set_item(intern!(py, "body"), py.None())?;
        prepared_template.set_item(intern!(py, "_body_position"), py.None())?;
        let gate = Self {
            session_type: get("session_type")?.cast_into::<PyType>()?.unbind(),
            own_request: get("own_request")?.unbind(),
            own_send: get("own_send")?.unbind(),
            own_prepare_request: get("own_prepare_request")?.unbind(),
            own_merge_environment_settings: get("own_merge_environment_settings")?.unbind(),
            own_get_adapter: get("own_get_adapter")?.unbind(),
            adapter_type: get("adapter_type")?.cast_into::<PyType>()?.unbind(),
            own_adapter_send: get("own_adapter_send")?.unbind(),
            own_build_response: get("own_build_response")?.unbind(),
            headers_type: get("headers_type")?.cast_into::<PyType>()?.unbind(),
            cookie_jar_type: get("cookie_jar_type")?.cast_into::<PyType>()?.unbind(),
            no_cookies: get("no_cookies")?.unbind(),
            prepared_type: prepared_type.unbind(),
            prepared_template: prepared_template.unbind(),
            prepared_new,
            prepared_urls: get("prepared_urls")?.cast_into::<PyDict>()?.unbind(),
            prepare_url: get("prepare_url")?.unbind(),
            not_plain: get("not_plain")?.unbind(),
            mode_module: get("mode_module")?.unbind(),
            running_loop: get("running_loop")?.unbind(),
            redirect_statuses: get("redirect_statuses")?.unbind(),
            request_errors: get("request_errors")?.unbind(),
            kit: get("kit")?.cast_into::<ResponseKit>()?.unbind(),
        };
        if definitions.len() != DEFINITIONS {
            return Err(PyTypeError::new_err(format!(
                "PlainGate takes {DEFINITIONS} definitions, {} were given",
                definitions.len()
            )));
        }
        Ok(gate)
    }

    /// `session.get(url, **options)` sent and answered, or None when Python must decide
    /// (nothing was sent then).
    fn get<'py>(
        &self,
        session: &Bound<'py, PyAny>,
        url: &Bound<'py, PyAny>,
        options: &Bound<'py, PyDict>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(plan) = self.plan(session, url, options)? else {
            return Ok(None);
        };
        self.send(session, plan).map(Some)
    }

    /// Whether `get` would send `session.get(url, **options)` itself, without sending it:
    /// for the test that the gate and Python decide alike.
    fn admits(
        &self,
        session: &Bound<'_, PyAny>,
        url: &Bound<'_, PyAny>,
        options: &Bound<'_, PyDict>,
    ) -> PyResult<bool> {
        Ok(self.plan(session, url, options)?.is_some())
    }
}

/// A call the gate will send, with everything it was decided from.
struct Plan<'py> {
    target: Bound<'py, PyString>,
    adapter: Bound<'py, PyAny>,
    prepared_headers: Bound<'py, PyAny>,
    client: Bound<'py, Client>,
    call: Call,
    timeout: Bound<'py, PyAny>,
    verify: Bound<'py, PyAny>,
    allow_redirects: Bound<'py, PyAny>,
}

/// The keyword arguments `get` may carry, as `_PLAIN_GET_OPTIONS` names them.
struct Options<'py> {
    timeout: Option<Bound<'py, PyAny>>,
    allow_redirects: Option<Bound<'py, PyAny>>,
    stream: Option<Bound<'py, PyAny>>,
    verify: Option<Bound<'py, PyAny>>,
}

impl<'py> Options<'py> {
    /// The options, or None when one is not among them.
    fn read(options: &Bound<'py, PyDict>) -> PyResult<Option<Self>> {
        let mut read = Self {
            timeout: None,
            allow_redirects: None,
            stream: None,
            verify: None,
        };
        for (name, value) in options.iter() {
            let Ok(name) = name.cast::<PyString>() else {
                return Ok(None);
            };
            let slot = match name.to_str()? {
                "timeout" => &mut read.timeout,
                "allow_redirects" => &mut read.allow_redirects,
                "stream" => &mut read.stream,
                "verify" => &mut read.verify,
                _ => return Ok(None),
            };
            *slot = Some(value);
        }
        Ok(Some(read))
    }
}

impl PlainGate {
    /// The call `Session.get` would make on its plain path, or None (see the module doc).
    fn plan<'py>(
        &self,
        session: &Bound<'py, PyAny>,
        url: &Bound<'py, PyAny>,
        options: &Bound<'py, PyDict>,
    ) -> PyResult<Option<Plan<'py>>> {
        let py = session.py();
        // `get`: a str URL, known options, the class's own `request`.
        if !url.is_instance_of::<PyString>() {
            return Ok(None);
        }
        let Some(options) = Options::read(options)? else {
            return Ok(None);
        };
        let class = session.get_type();
        let instance = session.getattr(intern!(py, "__dict__"))?;
        let instance = instance.cast::<PyDict>()?;
        let session = Attributes {
            session,
            instance,
            exact: class.is(self.session_type.bind(py)),
        };
        if !self.session_is_plain(&session, &class)? {
            return Ok(None);
        }
        // `_request_plain`.
        let mut verify = options
            .verify
            .clone()
            .unwrap_or_else(|| py.None().into_bound(py));
        if session.get(intern!(py, "trust_env"))?.is_truthy()? {
            verify = session
                .session
                .call_method1(intern!(py, "_environment_verify"), (url, &verify))?;
            if verify.is(self.not_plain.bind(py)) {
                return Ok(None);
            }
        }
        let prepared_urls = self.prepared_urls.bind(py);
        let prepared = match prepared_urls.get_item(url)? {
            Some(known) if known.is_truthy()? => known,
            _ => self.prepare_url.bind(py).call1((url,))?,
        };
        let prepared = prepared.cast::<PyTuple>()?;
        let target = prepared.get_item(0)?;
        let target = target.cast_into::<PyString>()?;
        let has_credentials = prepared.get_item(1)?.is_truthy()?;
        let adapter = self.adapter(&session, &class, &target)?;
        let Some(plain_headers) = self.plain_headers(&session)? else {
            return Ok(None);
        };
        if has_credentials || !self.is_stock(&adapter)? {
            return Ok(None);
        }
        let stream = match &options.stream {
            Some(stream) if !stream.is_none() => stream.clone(),
            _ => session.get(intern!(py, "stream"))?,
        };
        if verify.is_none() {
            verify = session.get(intern!(py, "verify"))?;
        }
        if stream.is_truthy()? || !no_retries(&adapter)? {
            return Ok(None);
        }
        let timeout = options
            .timeout
            .clone()
            .unwrap_or_else(|| py.None().into_bound(py));
        let Some((client, read_timeout, connect_timeout)) =
            self.pool(&adapter, &target, &timeout, &verify)?
        else {
            return Ok(None);
        };
        let block = plain_headers.get_item(1)?;
        let block = block.cast::<HeaderLines>()?;
        let call = Call {
            method: hyper::Method::GET,
            url: target.to_str()?.to_owned(),
            headers: block.get().map().clone(),
            body: None,
            timeouts: Timeouts {
                read: seconds(read_timeout)?,
                connect: seconds(connect_timeout)?,
            },
        };
        Ok(Some(Plan {
            target,
            adapter,
            prepared_headers: plain_headers.get_item(2)?,
            client,
            call,
            timeout,
            verify,
            allow_redirects: options
                .allow_redirects
                .unwrap_or_else(|| pyo3::types::PyBool::new(py, true).to_owned().into_any()),
        }))
    }

    /// `get`'s and `_plain`'s checks of the session: its class's own methods, nothing
    /// patched on it, a sync caller, and nothing to add to the request.
    fn session_is_plain(
        &self,
        session: &Attributes<'_, '_>,
        class: &Bound<'_, PyType>,
    ) -> PyResult<bool> {
        let py = class.py();
        let instance = session.instance;
        if !owns(class, intern!(py, "request"), &self.own_request)?
            || instance.contains(intern!(py, "request"))?
            // `_plain`: the class's own methods, nothing patched on the session.
            || !owns(class, intern!(py, "prepare_request"), &self.own_prepare_request)?
            || !owns(
                class,
                intern!(py, "merge_environment_settings"),
                &self.own_merge_environment_settings,
            )?
            || !owns(class, intern!(py, "send"), &self.own_send)?
            || instance.contains(intern!(py, "send"))?
        {
            return Ok(false);
        }
        // The mode first: an async caller takes Python's way (cheapest to find out).
        if self.wants_async(&session.get(intern!(py, "mode"))?)? {
            return Ok(false);
        }
        if !session.get(intern!(py, "auth"))?.is_none()
            || session.get(intern!(py, "proxies"))?.is_truthy()?
            || session.get(intern!(py, "params"))?.is_truthy()?
            || !session.get(intern!(py, "cert"))?.is_none()
            || !self.no_cookies(&session.get(intern!(py, "cookies"))?)?
            || !plain_hooks(&session.get(intern!(py, "hooks"))?)?
        {
            return Ok(false);
        }
        Ok(true)
    }

    /// Send `plan`: the Response, made as `_request_plain` makes it.
    fn send<'py>(
        &self,
        session: &Bound<'py, PyAny>,
        plan: Plan<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = session.py();
        let prep = self
            .prepared_new
            .bind(py)
            .call1((self.prepared_type.bind(py),))?;
        let fields = self.prepared_template.bind(py).copy()?;
        fields.set_item(intern!(py, "url"), &plan.target)?;
        fields.set_item(intern!(py, "_headers_from"), &plan.prepared_headers)?;
        prep.setattr(intern!(py, "__dict__"), fields)?;
        let client = plan.client.get();
        let started = Instant::now();
        let raw = match client.send(py, &plan.call, false) {
            Ok(raw) => raw,
            Err(error) => return Err(self.with_request(py, error, &prep)),
        };
        let elapsed = started.elapsed().as_secs_f64();
        let settle =
            raw.sets_cookies() || self.redirect_statuses.bind(py).contains(raw.status())?;
        let response = self.kit.get().build(
            &Bound::new(py, raw)?,
            &prep,
            &plan.adapter,
            plan.target.as_any(),
            elapsed,
        )?;
        if !settle {
            return Ok(response);
        }
        // A cookie to keep or a redirect to follow: Python's own code does the rest.
        session.call_method1(
            intern!(py, "_settle_plain"),
            (
                prep,
                response,
                false,
                plan.timeout,
                plan.verify,
                plan.allow_redirects,
            ),
        )
    }

    /// `_mode.wants_async(mode)`, with `asyncio._get_running_loop` for "auto".
    fn wants_async(&self, mode: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = mode.py();
        let mut mode = mode.clone();
        if mode.eq(intern!(py, "auto"))? {
            mode = self.mode_module.bind(py).getattr(intern!(py, "_default"))?;
            if mode.eq(intern!(py, "auto"))? {
                return Ok(!self.running_loop.bind(py).call0()?.is_none());
            }
        }
        mode.eq(intern!(py, "async"))
    }

    /// `_no_cookies(jar)`: an empty top level of a `CookieJar`'s store, asked here; anything
    /// else asked of Python.
    fn no_cookies(&self, jar: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = jar.py();
        if jar.is_instance(self.cookie_jar_type.bind(py))?
            && let Ok(store) = jar.getattr(intern!(py, "_cookies"))
            && let Ok(store) = store.cast::<PyDict>()
            && store.is_empty()
        {
            return Ok(true);
        }
        self.no_cookies.bind(py).call1((jar,))?.is_truthy()
    }

    /// `session.get_adapter(target)`, answered from its memo when the mounts are unchanged.
    fn adapter<'py>(
        &self,
        session: &Attributes<'_, 'py>,
        class: &Bound<'py, PyType>,
        target: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = class.py();
        if owns(class, intern!(py, "get_adapter"), &self.own_get_adapter)?
            && !session.instance.contains(intern!(py, "get_adapter"))?
            && let Some(known) = memo_answer(session, target)?
        {
            return Ok(known);
        }
        session
            .session
            .call_method1(intern!(py, "get_adapter"), (target,))
    }

    /// `session._plain_headers()`, answered from its cache when the headers are unchanged.
    fn plain_headers<'py>(
        &self,
        session: &Attributes<'_, 'py>,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let py = session.instance.py();
        let headers = session.get(intern!(py, "headers"))?;
        if !headers.get_type().is(self.headers_type.bind(py)) {
            return Ok(None);
        }
        if let Ok(cached) = session.get(intern!(py, "_plain_headers_cache"))
            && let Ok(cached) = cached.cast::<PyTuple>()
            && cached.len() == 2
            && same_entries(
                &headers.getattr(intern!(py, "_store"))?,
                &cached.get_item(0)?,
                false,
            )?
        {
            return Ok(Some(cached.get_item(1)?.cast_into::<PyTuple>()?));
        }
        let plain = session
            .session
            .call_method0(intern!(py, "_plain_headers"))?;
        if plain.is_none() {
            return Ok(None);
        }
        Ok(Some(plain.cast_into::<PyTuple>()?))
    }

    /// `_is_stock(adapter)`.
    fn is_stock(&self, adapter: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = adapter.py();
        let class = self.adapter_type.bind(py);
        Ok(adapter.get_type().is(class)
            && owns(class, intern!(py, "send"), &self.own_adapter_send)?
            && owns(
                class,
                intern!(py, "build_response"),
                &self.own_build_response,
            )?)
    }

    /// `adapter._plain_pool(...)` as (Client, read timeout, connect timeout), from its cache
    /// when the key is there; None when the pool's object is not an engine Client.
    #[allow(clippy::type_complexity)]
    fn pool<'py>(
        &self,
        adapter: &Bound<'py, PyAny>,
        target: &Bound<'py, PyString>,
        timeout: &Bound<'py, PyAny>,
        verify: &Bound<'py, PyAny>,
    ) -> PyResult<Option<(Bound<'py, Client>, Option<f64>, Option<f64>)>> {
        let py = adapter.py();
        let https = target.to_str()?.starts_with("https:");
        let mut pool = None;
        // Unverified HTTPS warns in `_plain_pool`: that call is left to Python.
        if !https || verify.is_truthy()? {
            let key = PyTuple::new(
                py,
                [
                    pyo3::types::PyBool::new(py, https).to_owned().into_any(),
                    timeout.clone(),
                    verify.clone(),
                ],
            )?;
            let pools = adapter.getattr(intern!(py, "_plain_pools"))?;
            match pools.cast::<PyDict>()?.get_item(&key) {
                Ok(found) => pool = found,
                Err(error) if error.is_instance_of::<PyTypeError>(py) => {} // unhashable
                Err(error) => return Err(error),
            }
        }
        let pool = if let Some(pool) = pool {
            pool
        } else {
            // Python fills the cache (and warns, where it does).
            let prep = self.prepared_type.bind(py).call0()?;
            prep.setattr(intern!(py, "url"), target)?;
            adapter.call_method1(intern!(py, "_plain_pool"), (prep, timeout, verify))?
        };
        let pool = pool.cast::<PyTuple>()?;
        let Ok(client) = pool.get_item(0)?.cast_into::<Client>() else {
            return Ok(None);
        };
        Ok(Some((
            client,
            pool.get_item(1)?.extract()?,
            pool.get_item(2)?.extract()?,
        )))
    }

    /// `_with_request(error, prep)` for the errors Python attaches the request to.
    fn with_request(&self, py: Python<'_>, error: PyErr, prep: &Bound<'_, PyAny>) -> PyErr {
        let value = error.value(py);
        if value
            .is_instance(self.request_errors.bind(py))
            .unwrap_or(false)
            && value
                .getattr(intern!(py, "request"))
                .map_or(true, |request| request.is_none())
        {
            // As `_with_request` does; a failure to set it leaves the error as raised.
            let _ = value.setattr(intern!(py, "request"), prep);
        }
        error
    }
}

/// Whether `class.name` is Python's own definition (not overridden, not patched).
fn owns(class: &Bound<'_, PyType>, name: &Bound<'_, PyString>, own: &Py<PyAny>) -> PyResult<bool> {
    Ok(class.getattr(name)?.is(own.bind(class.py())))
}

/// `len(hooks) == 1 and not hooks.get("response")`.
fn plain_hooks(hooks: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = hooks.py();
    if hooks.len()? != 1 {
        return Ok(false);
    }
    Ok(!hooks
        .call_method1(intern!(py, "get"), (intern!(py, "response"),))?
        .is_truthy()?)
}

/// `adapter._no_retries()`: the default policy (`total == 0`, not False).
fn no_retries(adapter: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = adapter.py();
    let total = adapter
        .getattr(intern!(py, "max_retries"))?
        .getattr(intern!(py, "total"))?;
    Ok(!total.is(pyo3::types::PyBool::new(py, false).as_any()) && total.eq(0)?)
}

/// The adapter `Session.get_adapter`'s memo holds for `target`, if the mounts are the ones
/// it was made among (see `Session._adapter_memo`).
fn memo_answer<'py>(
    session: &Attributes<'_, 'py>,
    target: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = target.py();
    let memo = session.get(intern!(py, "_adapter_memo"))?;
    let Ok(memo) = memo.cast::<PyTuple>() else {
        return Ok(None);
    };
    let adapters = session.get(intern!(py, "adapters"))?;
    if memo.len() != 2 || !same_entries(&adapters, &memo.get_item(0)?, true)? {
        return Ok(None);
    }
    let found = memo.get_item(1)?;
    found.cast::<PyDict>()?.get_item(target)
}

/// A `dict` or `OrderedDict` (of those exact types), whose entries the checks below read
/// with the dict's own lookup; None for any other mapping.
fn plain_dict<'a, 'py>(mapping: &'a Bound<'py, PyAny>) -> Option<&'a Bound<'py, PyDict>> {
    let py = mapping.py();
    let class = mapping.get_type();
    let ordered = class.is(py.get_type::<pyo3::types::PyDict>()) || is_ordered_dict(&class);
    if !ordered {
        return None;
    }
    mapping.cast::<PyDict>().ok()
}

/// Whether `class` is `collections.OrderedDict` itself.
fn is_ordered_dict(class: &Bound<'_, PyType>) -> bool {
    static ORDERED_DICT: pyo3::sync::PyOnceLock<Py<PyType>> = pyo3::sync::PyOnceLock::new();
    let py = class.py();
    ORDERED_DICT
        .import(py, "collections", "OrderedDict")
        .is_ok_and(|ordered| class.is(ordered))
}

/// Whether `mapping`'s entries equal `seen` (a tuple or list), in order: its items when
/// `pairs` (as `tuple(mapping.items()) == seen` would say), else its values (as
/// `list(mapping.values()) == seen` would).
fn same_entries(
    mapping: &Bound<'_, PyAny>,
    seen: &Bound<'_, PyAny>,
    pairs: bool,
) -> PyResult<bool> {
    let py = mapping.py();
    if mapping.len()? != seen.len()? {
        return Ok(false);
    }
    let Some(dict) = plain_dict(mapping) else {
        // Another mapping type: through its own view.
        let view = if pairs {
            mapping.call_method0(intern!(py, "items"))?
        } else {
            mapping.call_method0(intern!(py, "values"))?
        };
        for (now, then) in view.try_iter()?.zip(seen.try_iter()?) {
            if !same(&now?, &then?)? {
                return Ok(false);
            }
        }
        return Ok(true);
    };
    // The mapping's own iteration order (an OrderedDict's, not its dict's), then the
    // dict's lookup: no view, no item tuples.
    for (key, then) in dict.as_any().try_iter()?.zip(seen.try_iter()?) {
        let (key, then) = (key?, then?);
        let Some(value) = dict.get_item(&key)? else {
            return Ok(false);
        };
        let matches = if pairs {
            let Ok(then) = then.cast::<PyTuple>() else {
                return Ok(false);
            };
            then.len() == 2 && same(&key, &then.get_item(0)?)? && same(&value, &then.get_item(1)?)?
        } else {
            same(&value, &then)?
        };
        if !matches {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `now == then`, answered by identity when they are the same object (nearly always: only
/// a changed entry pays for a comparison).
fn same(now: &Bound<'_, PyAny>, then: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(now.is(then) || now.eq(then)?)
}

/// A session's attributes: read from its instance `__dict__` when its class is `Session`
/// itself (whose attributes are plain instance attributes: no property or `__getattr__`
/// stands in front of the dict), else by `getattr`.
struct Attributes<'a, 'py> {
    session: &'a Bound<'py, PyAny>,
    instance: &'a Bound<'py, PyDict>,
    exact: bool,
}

impl<'py> Attributes<'_, 'py> {
    fn get(&self, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        if self.exact
            && let Some(value) = self.instance.get_item(name)?
        {
            return Ok(value);
        }
        self.session.getattr(name)
    }
}
