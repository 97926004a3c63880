//! This process's id, kept: `std::process::id()` is a system call each time (glibc stopped
//! caching it), and every request asks, to notice it runs in a child after `fork()`.
//!
//! Python code can only go on in a child made by `os.fork()` (multiprocessing included),
//! and `requestx` registers `forked` to run there (`os.register_at_fork`), so the kept id
//! is refreshed before any request the child makes.

use std::sync::atomic::{AtomicU32, Ordering};

use pyo3::prelude::*;

/// 0 until first asked.
static ID: AtomicU32 = AtomicU32::new(0);

/// This process's id.
pub fn id() -> u32 {
    match ID.load(Ordering::Relaxed) {
        0 => {
            let id = std::process::id();
            ID.store(id, Ordering::Relaxed);
            id
        }
        id => id,
    }
}

/// Run in the child after `os.fork()`: the kept id is the parent's.
#[pyfunction]
pub fn forked() {
    ID.store(std::process::id(), Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_kept_id_is_the_process_id() {
        assert_eq!(super::id(), std::process::id());
        super::forked();
        assert_eq!(super::id(), std::process::id());
    }
}
