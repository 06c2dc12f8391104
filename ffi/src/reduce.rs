//! Reductions with the TS backend's semantics (f64 accumulation; max/min propagate NaN;
//! argmax/argmin keep the first best index). Trailing axes reduce rows, leading axes
//! accumulate whole rows into a column vector, any other pattern is transposed first.

use crate::dtype::{f16_to_f32, load, store_raw, DType};
use crate::meta::{product, Buf, Meta};
use crate::par::{cores, for_ranges, map_ranges, SendPtr, GRAIN};

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Sum,
    Prod,
    Max,
    Min,
    ArgMax,
    ArgMin,
}

/// A stored element type read as f64.
trait Elem: Copy + Send + Sync {
    fn f(self) -> f64;
}
impl Elem for f32 {
    fn f(self) -> f64 {
        self as f64
    }
}
impl Elem for f64 {
    fn f(self) -> f64 {
        self
    }
}
/// float16 bits.
impl Elem for u16 {
    fn f(self) -> f64 {
        f16_to_f32(self) as f64
    }
}
impl Elem for u8 {
    fn f(self) -> f64 {
        self as f64
    }
}
impl Elem for i32 {
    fn f(self) -> f64 {
        self as f64
    }
}
impl Elem for i8 {
    fn f(self) -> f64 {
        self as f64
    }
}

/// A decoded reduction: x dense [shape] reduced over the sorted `axes` into dense out.
pub struct Reduce {
    op: Op,
    x: Buf,
    shape: Vec<usize>,
    axes: Vec<usize>,
    out: Buf,
}

impl Reduce {
    /// Decodes `op, x (buffer), ndim, shape.., naxes, axes.., out (buffer)`.
    pub fn decode(m: &mut Meta) -> Result<Reduce, String> {
        let op = match m.usize()? {
            0 => Op::Sum,
            1 => Op::Prod,
            2 => Op::Max,
            3 => Op::Min,
            4 => Op::ArgMax,
            5 => Op::ArgMin,
            c => return Err(format!("reduce: unknown op code {c}")),
        };
        let x = m.buf()?;
        let nd = m.usize()?;
        let shape = (0..nd).map(|_| m.usize()).collect::<Result<Vec<_>, _>>()?;
        let na = m.usize()?;
        let axes = (0..na).map(|_| m.usize()).collect::<Result<Vec<_>, _>>()?;
        let out = m.buf()?;
        if axes.iter().any(|&a| a >= nd) || axes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("reduce: axes {axes:?} are not sorted axes of a {nd}-d array"));
        }
        x.expect("reduce", "x", product("reduce", &shape)?)?;
        let kept: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).map(|a| shape[a]).collect();
        out.expect("reduce", "out", product("reduce", &kept)?)?;
        Ok(Reduce { op, x, shape, axes, out })
    }
}

/// Runs a reduction (layout in `Reduce::decode`).
pub fn reduce(m: &mut Meta) -> Result<(), String> {
    let Reduce { op, x, shape, axes, out } = Reduce::decode(m)?;
    let (x, xdt, nd) = (x.ptr, x.dt, shape.len());
    let out = Out { p: SendPtr(out.ptr), dt: out.dt };
    let kept: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).collect();
    let outer: usize = kept.iter().map(|&a| shape[a]).product();
    let red: usize = axes.iter().map(|&a| shape[a]).product();
    // Runs of adjacent reduced / kept axes (size-1 axes dropped) decide the loop: the
    // flattened index over the reduced axes, which argmax/argmin report, is unchanged.
    let runs = merge_runs(&shape, &axes);
    let trailing = runs.iter().skip_while(|r| !r.1).all(|r| r.1);
    let leading = runs.iter().skip_while(|r| r.1).all(|r| !r.1);
    macro_rules! go {
        ($t:ty) => {{
            let x = x as *const $t;
            let total = outer * red;
            if trailing {
                unsafe { rows(op, std::slice::from_raw_parts(x, total), outer, red, out) }
            } else if leading {
                unsafe { cols(op, std::slice::from_raw_parts(x, total), red, outer, out) }
            } else if !matches!(op, Op::ArgMax | Op::ArgMin) {
                unsafe { strided(op, std::slice::from_raw_parts(x, total), &runs, outer, out) }
            } else {
                let t = unsafe { transpose(x as *const u8, xdt, &shape, &kept, &axes) };
                rows(op, &t, outer, red, out)
            }
        }};
    }
    match xdt {
        DType::F32 => go!(f32),
        DType::F64 | DType::I64 => go!(f64),
        DType::F16 => go!(u16),
        DType::U8 | DType::Bool => go!(u8),
        DType::I32 => go!(i32),
        DType::I8 => go!(i8),
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Out {
    p: SendPtr,
    dt: DType,
}

impl Out {
    fn set(&self, i: usize, v: f64) {
        unsafe { store_raw(self.p.0, self.dt, i as isize, v) }
    }
}

/// The shape as runs `(size, reduced)` of adjacent axes of one kind, size-1 axes dropped.
fn merge_runs(shape: &[usize], axes: &[usize]) -> Vec<(usize, bool)> {
    let mut runs: Vec<(usize, bool)> = Vec::new();
    for (d, &n) in shape.iter().enumerate() {
        if n == 1 {
            continue;
        }
        let r = axes.contains(&d);
        match runs.last_mut() {
            Some(last) if last.1 == r => last.0 *= n,
            _ => runs.push((n, r)),
        }
    }
    runs
}

/// The identity of a splittable op, and how two partial results combine.
fn init(op: Op) -> f64 {
    match op {
        Op::Sum => 0.0,
        Op::Prod => 1.0,
        Op::Max => f64::NEG_INFINITY,
        _ => f64::INFINITY,
    }
}

#[inline(always)]
fn combine(op: Op, acc: f64, v: f64) -> f64 {
    match op {
        Op::Sum => acc + v,
        Op::Prod => acc * v,
        // NaN sticks: once acc is NaN no comparison replaces it.
        Op::Max => {
            if v > acc || v.is_nan() {
                v
            } else {
                acc
            }
        }
        _ => {
            if v < acc || v.is_nan() {
                v
            } else {
                acc
            }
        }
    }
}

/// sum/prod/max/min over an interleaved pattern (e.g. axes (0, 2, 3) of NCHW) without a
/// transpose: the input is walked in memory order as contiguous runs of the innermost
/// run of axes. A reduced innermost run folds into one output (vectorised `run`), a kept
/// one adds elementwise into a slice of outputs. The outermost run is split into a fixed
/// number of chunks (from the sizes and core count only, never timing), each with its
/// own f64 accumulators, combined in chunk order: the result does not vary between runs.
fn strided<T: Elem>(op: Op, x: &[T], runs: &[(usize, bool)], outer: usize, out: Out) {
    let nr = runs.len();
    let inner = runs[nr - 1];
    // Output stride of each run (kept runs only) and the count of inner blocks.
    let mut ostride = vec![0usize; nr];
    let mut s = 1;
    for d in (0..nr).rev() {
        if !runs[d].1 {
            ostride[d] = s;
            s *= runs[d].0;
        }
    }
    let blocks: usize = runs[..nr - 1].iter().map(|r| r.0).product();
    let first = runs[0].0;
    let per_first = blocks / first.max(1);
    let chunks = (x.len() / GRAIN).clamp(1, cores().min(first).max(1));
    let step = first.div_ceil(chunks);
    let parts: Vec<Vec<f64>> = {
        let mut parts: Vec<Vec<f64>> = (0..chunks).map(|_| vec![init(op); outer]).collect();
        let ptrs: Vec<SendPtr> =
            parts.iter_mut().map(|p| SendPtr(p.as_mut_ptr() as *mut u8)).collect();
        let ptrs = &ptrs;
        let (ostride, runs) = (&ostride, runs);
        for_ranges(chunks, 1, |ca, cb| {
            let mut idx = vec![0usize; nr - 1];
            for (ch, part) in ptrs.iter().enumerate().take(cb).skip(ca) {
                let acc = unsafe { std::slice::from_raw_parts_mut(part.get() as *mut f64, outer) };
                let (b0, b1) = ((ch * step).min(first), ((ch + 1) * step).min(first));
                for b in b0 * per_first..b1 * per_first {
                    // Decode block b into run indices (outermost first) -> output base.
                    let mut rem = b;
                    let mut o = 0;
                    for d in (0..nr - 1).rev() {
                        idx[d] = rem % runs[d].0;
                        rem /= runs[d].0;
                        o += idx[d] * ostride[d];
                    }
                    let src = &x[b * inner.0..(b + 1) * inner.0];
                    if inner.1 {
                        acc[o] = combine(op, acc[o], run(op, src));
                    } else {
                        let dst = &mut acc[o..o + inner.0];
                        match op {
                            Op::Sum => dst.iter_mut().zip(src).for_each(|(a, v)| *a += v.f()),
                            Op::Prod => dst.iter_mut().zip(src).for_each(|(a, v)| *a *= v.f()),
                            _ => dst
                                .iter_mut()
                                .zip(src)
                                .for_each(|(a, v)| *a = combine(op, *a, v.f())),
                        }
                    }
                }
            }
        });
        parts
    };
    let (head, rest) = parts.split_first().expect("at least one chunk");
    for (i, &h) in head.iter().enumerate() {
        let v = rest.iter().fold(h, |a, p| combine(op, a, p[i]));
        out.set(i, v);
    }
}

/// Copies `x` into f64 in [kept..., reduced...] axis order.
unsafe fn transpose(
    x: *const u8,
    dt: DType,
    shape: &[usize],
    kept: &[usize],
    axes: &[usize],
) -> Vec<f64> {
    let nd = shape.len();
    let mut st = vec![1isize; nd];
    for d in (0..nd.saturating_sub(1)).rev() {
        st[d] = st[d + 1] * shape[d + 1] as isize;
    }
    let perm: Vec<usize> = kept.iter().chain(axes.iter()).copied().collect();
    let pshape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let pst: Vec<isize> = perm.iter().map(|&p| st[p]).collect();
    let total: usize = shape.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; nd];
    let mut src = 0isize;
    for _ in 0..total {
        out.push(load(x, dt, src));
        for d in (0..nd).rev() {
            idx[d] += 1;
            src += pst[d];
            if idx[d] < pshape[d] {
                break;
            }
            src -= pst[d] * pshape[d] as isize;
            idx[d] = 0;
        }
    }
    out
}

/// Reduces one contiguous run (sum/prod/max/min; argmax/argmin return the index).
fn run<T: Elem>(op: Op, x: &[T]) -> f64 {
    match op {
        Op::Sum => {
            // Eight accumulators let the loop vectorise; the result differs from a serial
            // sum only by rounding (and is usually closer to the exact sum).
            let mut acc = [0f64; 8];
            let chunks = x.chunks_exact(8);
            let tail = chunks.remainder();
            for c in chunks {
                for l in 0..8 {
                    acc[l] += c[l].f();
                }
            }
            let mut s =
                ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            for v in tail {
                s += v.f();
            }
            s
        }
        Op::Prod => x.iter().fold(1.0, |a, v| a * v.f()),
        Op::Max | Op::Min => {
            let mut acc = if op == Op::Max { f64::NEG_INFINITY } else { f64::INFINITY };
            for v in x {
                let v = v.f();
                if v.is_nan() {
                    return f64::NAN;
                }
                if (op == Op::Max && v > acc) || (op == Op::Min && v < acc) {
                    acc = v;
                }
            }
            acc
        }
        Op::ArgMax | Op::ArgMin => {
            let Some(first) = x.first() else { return 0.0 };
            let (mut best, mut best_v) = (0usize, first.f());
            for (r, v) in x.iter().enumerate().skip(1) {
                let v = v.f();
                if (op == Op::ArgMax && v > best_v) || (op == Op::ArgMin && v < best_v) {
                    best_v = v;
                    best = r;
                }
            }
            best as f64
        }
    }
}

/// out[o] = reduce(x[o*red .. (o+1)*red]).
fn rows<T: Elem>(op: Op, x: &[T], outer: usize, red: usize, out: Out) {
    let splittable = !matches!(op, Op::ArgMax | Op::ArgMin);
    if outer < cores() && splittable && red >= 2 * GRAIN {
        // Few long rows: split each row across threads and combine the partial results.
        for o in 0..outer {
            let row = &x[o * red..(o + 1) * red];
            let parts = map_ranges(red, GRAIN, |a, b| run(op, &row[a..b]));
            let v = match op {
                Op::Sum => parts.iter().sum(),
                Op::Prod => parts.iter().product(),
                _ if parts.iter().any(|p| p.is_nan()) => f64::NAN,
                Op::Max => parts.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
                _ => parts.iter().cloned().fold(f64::INFINITY, f64::min),
            };
            out.set(o, v);
        }
        return;
    }
    let grain = (GRAIN / red.max(1)).max(1);
    for_ranges(outer, grain, |a, b| {
        for o in a..b {
            out.set(o, run(op, &x[o * red..(o + 1) * red]));
        }
    });
}

/// out[i] = reduce over r of x[r*inner + i]: whole rows accumulate into a vector.
fn cols<T: Elem>(op: Op, x: &[T], red: usize, inner: usize, out: Out) {
    let grain = (GRAIN / red.max(1)).max(64);
    for_ranges(inner, grain, |a, b| {
        let w = b - a;
        if matches!(op, Op::ArgMax | Op::ArgMin) {
            let mut best = vec![0f64; w];
            let mut best_v: Vec<f64> =
                if red > 0 { x[a..b].iter().map(|v| v.f()).collect() } else { vec![0.0; w] };
            for r in 1..red {
                let row = &x[r * inner + a..r * inner + b];
                for i in 0..w {
                    let v = row[i].f();
                    if (op == Op::ArgMax && v > best_v[i]) || (op == Op::ArgMin && v < best_v[i]) {
                        best_v[i] = v;
                        best[i] = r as f64;
                    }
                }
            }
            for (i, &b) in best.iter().enumerate() {
                out.set(a + i, b);
            }
            return;
        }
        let init = match op {
            Op::Sum => 0.0,
            Op::Prod => 1.0,
            Op::Max => f64::NEG_INFINITY,
            _ => f64::INFINITY,
        };
        let mut acc = vec![init; w];
        for r in 0..red {
            let row = &x[r * inner + a..r * inner + b];
            match op {
                Op::Sum => acc.iter_mut().zip(row).for_each(|(s, v)| *s += v.f()),
                Op::Prod => acc.iter_mut().zip(row).for_each(|(s, v)| *s *= v.f()),
                Op::Max => acc.iter_mut().zip(row).for_each(|(s, v)| {
                    let v = v.f();
                    if v > *s || v.is_nan() {
                        *s = v
                    }
                }),
                _ => acc.iter_mut().zip(row).for_each(|(s, v)| {
                    let v = v.f();
                    if v < *s || v.is_nan() {
                        *s = v
                    }
                }),
            }
        }
        for (i, v) in acc.into_iter().enumerate() {
            out.set(a + i, v);
        }
    });
}
