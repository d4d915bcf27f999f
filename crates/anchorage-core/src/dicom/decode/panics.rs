//! Panics caught in decoders: turned into errors, but counted and logged, never hidden.
//!
//! The decoders read data from files, and most of them are third-party code that may
//! panic on a corrupt stream. [`catch`] turns such a panic into an error for the file, so
//! that one file cannot take a load (or the window) down; but every panic it catches is
//! written to stderr — the decoder, the frame, the panic's message, the file — and
//! counted, so that a decoder that starts panicking on good data makes a test fail
//! instead of quietly taking a slower path or refusing a file.
//!
//! [`caught_panics`] is the count for the whole process. Tests run in parallel threads of
//! one process, and some of them feed broken input on purpose, so a test that must see no
//! panic counts with [`count_caught`] instead: the panics caught while its closure runs,
//! on its own thread and in the loading tasks that closure starts on other threads (the
//! loader carries the counter into its rayon tasks with [`current_scope`] and
//! [`within`]).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the log line of a caught panic starts with (tests look for it on stderr).
pub const LOG_PREFIX: &str = "decoder panic caught";

/// Panics caught by [`catch`] in this process so far.
static CAUGHT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The counters of the [`count_caught`] calls this thread works for.
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
    /// The file and frame this thread is decoding, for the log line.
    static CONTEXT: RefCell<(Option<PathBuf>, Option<String>)> = const { RefCell::new((None, None)) };
}

/// The counters of the enclosing [`count_caught`] calls, to carry into worker threads.
#[derive(Debug, Clone, Default)]
pub struct Scope(Vec<Arc<AtomicUsize>>);

/// How many decoder panics [`catch`] has turned into errors in this process.
pub fn caught_panics() -> usize {
    CAUGHT.load(Ordering::Relaxed)
}

/// Runs `f` and returns its result with the number of decoder panics caught while it
/// ran: on this thread, and in the tasks of the loads it started (see the module docs).
pub fn count_caught<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let mine = Arc::new(AtomicUsize::new(0));
    let mut scope = current_scope().unwrap_or_default();
    scope.0.push(mine.clone());
    let out = within(Some(scope), f);
    (out, mine.load(Ordering::Relaxed))
}

/// The counters this thread reports caught panics to, if any.
pub fn current_scope() -> Option<Scope> {
    SCOPE.with(|s| s.borrow().clone())
}

/// Runs `f` reporting caught panics to `scope` (taken from the thread that started the
/// work with [`current_scope`]).
pub fn within<T>(scope: Option<Scope>, f: impl FnOnce() -> T) -> T {
    let _restore = Restore(SCOPE.with(|s| s.replace(scope)), |before| {
        SCOPE.with(|s| *s.borrow_mut() = before)
    });
    f()
}

/// Runs `f` with `path` named in the log line of any panic caught meanwhile.
pub fn in_file<T>(path: &Path, f: impl FnOnce() -> T) -> T {
    let before = CONTEXT.with(|c| c.borrow_mut().0.replace(path.into()));
    let _restore = Restore(before, |before| CONTEXT.with(|c| c.borrow_mut().0 = before));
    f()
}

/// Runs `f` with frame `frame_no` of `frames` named in the log line of any panic caught
/// meanwhile.
pub fn in_frame<T>(frame_no: usize, frames: u32, f: impl FnOnce() -> T) -> T {
    let what = format!("frame {frame_no} of {frames}");
    let before = CONTEXT.with(|c| c.borrow_mut().1.replace(what));
    let _restore = Restore(before, |before| CONTEXT.with(|c| c.borrow_mut().1 = before));
    f()
}

/// Puts a thread-local value back when dropped, also when a panic unwinds past it.
struct Restore<V: Default, F: FnMut(V)>(V, F);

impl<V: Default, F: FnMut(V)> Drop for Restore<V, F> {
    fn drop(&mut self) {
        (self.1)(std::mem::take(&mut self.0));
    }
}

/// Runs `f`, the decoder named `decoder`; a panic in it is counted, logged to stderr
/// ("decoder panic caught in DECODER, frame N of M: MESSAGE: FILE") and returned as `Err`
/// with the panic's message, for the caller to turn into an error or a fall-back.
pub fn catch<T>(decoder: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    let payload = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(out) => return Ok(out),
        Err(payload) => payload,
    };
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    CAUGHT.fetch_add(1, Ordering::Relaxed);
    SCOPE.with(|s| {
        for counter in s.borrow().iter().flat_map(|scope| &scope.0) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let (file, frame) = CONTEXT.with(|c| c.borrow().clone());
    let frame = frame.map(|f| format!(", {f}")).unwrap_or_default();
    let file = file
        .map(|p| format!(": {}", p.display()))
        .unwrap_or_default();
    eprintln!("{LOG_PREFIX} in {decoder}{frame}: {message}{file}");
    Err(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_is_counted_in_its_scope_and_in_the_process() {
        let before = caught_panics();
        let (r, n) = count_caught(|| {
            in_file(Path::new("/x/y.dcm"), || {
                in_frame(2, 3, || {
                    catch("a test decoder", || -> u8 { panic!("boom") })
                })
            })
        });
        assert_eq!(r, Err("boom".to_string()));
        assert_eq!(n, 1);
        assert!(caught_panics() > before);
        // Nested scopes count in both; work carried to another thread counts too.
        let ((inner, outer_part), outer) = count_caught(|| {
            let scope = current_scope();
            let on_other_thread = std::thread::spawn(move || {
                within(scope, || {
                    catch("a test decoder", || -> u8 { panic!("{}", 7) }).is_err()
                })
            })
            .join();
            assert!(matches!(on_other_thread, Ok(true)));
            (count_caught(|| catch("a test decoder", || 1)).1, 1)
        });
        assert_eq!((inner, outer_part, outer), (0, 1, 1));
        assert_eq!(count_caught(|| catch("a test decoder", || 5)), (Ok(5), 0));
        // A panic that escapes (not caught by `catch`) leaves no counter behind.
        let escaped = std::panic::catch_unwind(|| {
            count_caught(|| in_file(Path::new("/z.dcm"), || -> u8 { panic!("escapes") }))
        });
        assert!(escaped.is_err());
        assert!(current_scope().is_none());
        assert_eq!(CONTEXT.with(|c| c.borrow().clone()), (None, None));
    }
}
