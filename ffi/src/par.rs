//! Splitting large kernels across cores with `std::thread::scope`, under one process-wide
//! core budget: kernels running at the same time (nonblocking calls overlap) and OpenBLAS
//! share the cores instead of oversubscribing them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Below this many elements per thread, spawning costs more than it saves (a spawn is
/// ~10-20 us; a thread streams ~100k f32 elements in that time).
pub const GRAIN: usize = 1 << 17;

static BUSY: AtomicUsize = AtomicUsize::new(0);

pub fn cores() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Cores reserved by a running kernel; returned when dropped.
pub struct Reservation(pub usize);

impl Drop for Reservation {
    fn drop(&mut self) {
        BUSY.fetch_sub(self.0, Ordering::AcqRel);
    }
}

/// Reserves up to `want` cores (at least one: the calling thread always works).
pub fn reserve(want: usize) -> Reservation {
    let total = cores();
    let mut got = 1;
    let _ = BUSY.fetch_update(Ordering::AcqRel, Ordering::Acquire, |busy| {
        got = want.min(total.saturating_sub(busy)).max(1);
        Some(busy + got)
    });
    Reservation(got)
}

/// Runs `f(start, end)` over `[0, n)` split into contiguous ranges, one per thread, when
/// `n` is large; inline otherwise. The first range runs on the calling thread.
pub fn for_ranges<F>(n: usize, grain: usize, f: F)
where
    F: Fn(usize, usize) + Sync,
{
    let want = (n / grain.max(1)).clamp(1, cores());
    if want == 1 {
        f(0, n);
        return;
    }
    let r = reserve(want);
    let t = r.0;
    if t == 1 {
        f(0, n);
        return;
    }
    let step = n.div_ceil(t);
    std::thread::scope(|s| {
        let f = &f;
        for i in 1..t {
            let (a, b) = ((i * step).min(n), ((i + 1) * step).min(n));
            s.spawn(move || f(a, b));
        }
        f(0, step.min(n));
    });
}

/// Maps ranges to partial results (same split as `for_ranges`), in range order.
pub fn map_ranges<R, F>(n: usize, grain: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize, usize) -> R + Sync,
{
    let want = (n / grain.max(1)).clamp(1, cores());
    let r = if want > 1 { Some(reserve(want)) } else { None };
    let t = r.as_ref().map_or(1, |r| r.0);
    if t == 1 {
        return vec![f(0, n)];
    }
    let step = n.div_ceil(t);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = (1..t)
            .map(|i| {
                let (a, b) = ((i * step).min(n), ((i + 1) * step).min(n));
                s.spawn(move || f(a, b))
            })
            .collect();
        let mut out = vec![f(0, step.min(n))];
        for h in handles {
            out.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        out
    })
}

/// A raw pointer that may cross into scoped threads; each thread touches disjoint ranges.
#[derive(Clone, Copy)]
pub struct SendPtr(pub *mut u8);
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    /// The address (a method, so closures capture the Send wrapper, not the raw field).
    #[inline(always)]
    pub fn get(self) -> *mut u8 {
        self.0
    }
}
