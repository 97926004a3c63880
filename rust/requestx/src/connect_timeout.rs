//! The connect timeout of one call, applied by a layer around reqwest's connector.
//!
//! Why: reqwest fixes a connect timeout per client, and a client is a pool. Pools used to
//! be keyed by connect timeout, so every distinct value (`timeout=5 + i * 1e-6` in a loop)
//! opened a pool of its own, never evicted, and calls with different timeouts never shared a
//! connection. Here the pool has no timeout: each call puts its own in a task-local, and the
//! layer applies it to a connection that call opens.
//!
//! Invariant: hyper-util starts a connect lazily, from the request's own future (it races
//! the pool's checkout against it), so the connector is called while the call's task-local
//! is in scope. A connect started for one call and finished in the background for the pool
//! keeps the limit it started with.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

tokio::task_local! {
    static CONNECT_TIMEOUT: Option<Duration>;
}

/// Run `future` (a reqwest send) with `limit` as the connect timeout of what it opens.
pub async fn scoped<F: Future>(limit: Option<Duration>, future: F) -> F::Output {
    CONNECT_TIMEOUT.scope(limit, future).await
}

/// The layer reqwest's `connector_layer` takes.
#[derive(Clone, Copy, Default)]
pub struct CallConnectTimeout;

impl<S> tower_layer::Layer<S> for CallConnectTimeout {
    type Service = Limited<S>;

    fn layer(&self, inner: S) -> Limited<S> {
        Limited { inner }
    }
}

#[derive(Clone)]
pub struct Limited<S> {
    inner: S,
}

impl<S, R> tower_service::Service<R> for Limited<S>
where
    S: tower_service::Service<R>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: R) -> Self::Future {
        let limit = CONNECT_TIMEOUT.try_with(|limit| *limit).ok().flatten();
        let connecting = self.inner.call(destination);
        Box::pin(async move {
            match limit {
                None => connecting.await.map_err(Into::into),
                // `Elapsed` in the error's chain makes it a ConnectTimeout (errors.rs).
                Some(limit) => match tokio::time::timeout(limit, connecting).await {
                    Ok(connected) => connected.map_err(Into::into),
                    Err(elapsed) => Err(Box::new(elapsed) as BoxError),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{CallConnectTimeout, scoped};
    use std::future::{Ready, ready};
    use std::task::{Context, Poll};
    use std::time::Duration;
    use tower_layer::Layer;
    use tower_service::Service;

    /// A connector that never connects.
    #[derive(Clone)]
    struct Never;

    impl Service<()> for Never {
        type Response = ();
        type Error = std::io::Error;
        type Future = std::future::Pending<Result<(), std::io::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), std::io::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, (): ()) -> Self::Future {
            std::future::pending()
        }
    }

    /// A connector that connects at once.
    #[derive(Clone)]
    struct Instant;

    impl Service<()> for Instant {
        type Response = u8;
        type Error = std::io::Error;
        type Future = Ready<Result<u8, std::io::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), std::io::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, (): ()) -> Self::Future {
            ready(Ok(7))
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a test runtime")
    }

    #[test]
    fn the_calls_limit_applies_to_its_connect() {
        runtime().block_on(async {
            let mut connector = CallConnectTimeout.layer(Never);
            // Called inside the scope, as hyper-util calls the connector: from the request's
            // own future, when it is first polled.
            let connecting = async { connector.call(()).await };
            let result = scoped(Some(Duration::from_millis(10)), connecting).await;
            let error = result.expect_err("the connect never finishes");
            assert!(error.is::<tokio::time::error::Elapsed>());
        });
    }

    #[test]
    fn without_a_limit_a_connect_is_left_alone() {
        runtime().block_on(async {
            let mut connector = CallConnectTimeout.layer(Instant);
            assert_eq!(connector.call(()).await.expect("connected"), 7);
            let limited = scoped(Some(Duration::from_secs(3)), async {
                connector.call(()).await
            })
            .await;
            assert_eq!(limited.expect("connected in time"), 7);
        });
    }
}
