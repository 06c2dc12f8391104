//! The one generic elementwise kernel (and strided copy, which is its identity row).
//! Values are computed in f64, as the TS backend's JS numbers are, and stored with the
//! same C-cast rules, so results match the reference bit for bit where the math does.
//! Dense same-dtype float operands take a fused loop; everything else (broadcast,
//! strides, mixed dtypes) goes through L1-sized chunks converted to f64.

use crate::dtype::{ew_value, f16_to_f32, f64_to_f16, to_int32, DType};
use crate::meta::{check_view, Meta};
use crate::par::{for_ranges, SendPtr, GRAIN};

/// One operand: element (i0, i1, ...) is at `ptr[offset + sum(i_d * strides[d])]`.
pub struct Operand {
    pub ptr: SendPtr,
    pub dt: DType,
    pub offset: isize,
    pub strides: Vec<isize>,
}

/// A decoded elementwise call: `out = f(ins..., s0, s1)` over `shape`.
pub struct Ew {
    pub shape: Vec<usize>,
    pub out: Operand,
    pub ins: Vec<Operand>,
    pub s0: f64,
    pub s1: f64,
}

/// Elements per chunk on the general path: three f64 inputs plus the result fit in L1.
const CH: usize = 512;

impl Ew {
    /// An empty call, to decode into (`decode_into` reuses its vectors).
    pub const fn new() -> Ew {
        Ew {
            shape: Vec::new(),
            out: Operand {
                ptr: SendPtr(std::ptr::null_mut()),
                dt: DType::F32,
                offset: 0,
                strides: Vec::new(),
            },
            ins: Vec::new(),
            s0: 0.0,
            s1: 0.0,
        }
    }

    /// Decodes `ndim, shape.., out operand, nin, in operands.., s0, s1` (an operand is a
    /// buffer, its view's offset and strides), reusing this call's vectors: no allocation
    /// once they have grown (a tiny op's whole kernel then costs less than the allocations
    /// did). Every view must lie inside its buffer.
    pub fn decode_into(&mut self, m: &mut Meta) -> Result<(), String> {
        let nd = m.usize()?;
        self.shape.clear();
        for _ in 0..nd {
            self.shape.push(m.usize()?);
        }
        fn operand(
            m: &mut Meta,
            shape: &[usize],
            o: &mut Operand,
            name: &str,
        ) -> Result<(), String> {
            let b = m.buf()?;
            o.ptr = SendPtr(b.ptr);
            o.dt = b.dt;
            o.offset = m.isize()?;
            o.strides.clear();
            for _ in 0..shape.len() {
                o.strides.push(m.isize()?);
            }
            check_view("elementwise", name, b.len, o.offset, shape, &o.strides)
        }
        operand(m, &self.shape, &mut self.out, "out")?;
        let nin = m.usize()?;
        if !(1..=3).contains(&nin) {
            return Err(format!("elementwise: {nin} inputs (expected 1 to 3)"));
        }
        while self.ins.len() < nin {
            self.ins.push(Operand {
                ptr: SendPtr(std::ptr::null_mut()),
                dt: DType::F32,
                offset: 0,
                strides: Vec::new(),
            });
        }
        self.ins.truncate(nin);
        const NAMES: [&str; 3] = ["input 0", "input 1", "input 2"];
        for (o, name) in self.ins.iter_mut().zip(NAMES) {
            operand(m, &self.shape, o, name)?;
        }
        self.s0 = m.f64()?;
        self.s1 = m.f64()?;
        self.collapse();
        Ok(())
    }

    /// Checks an `mx_elementwise` block (the row id, then this layout) without running it.
    pub fn check(m: &mut Meta) -> Result<(), String> {
        m.isize()?;
        Ew::new().decode_into(m)
    }

    /// Merges axes that are contiguous in every operand and drops size-1 axes, so most
    /// calls become one long inner loop. In place: axis `w` of the result only reads axes
    /// `>= w` of the input.
    fn collapse(&mut self) {
        let mut w = 0;
        for d in 0..self.shape.len() {
            let len = self.shape[d];
            if len == 1 {
                continue;
            }
            let ops = std::iter::once(&self.out).chain(self.ins.iter());
            let merge =
                w > 0 && ops.into_iter().all(|o| o.strides[w - 1] == o.strides[d] * len as isize);
            let ops = std::iter::once(&mut self.out).chain(self.ins.iter_mut());
            if merge {
                self.shape[w - 1] *= len;
                for o in ops {
                    o.strides[w - 1] = o.strides[d];
                }
            } else {
                self.shape[w] = len;
                for o in ops {
                    o.strides[w] = o.strides[d];
                }
                w += 1;
            }
        }
        self.shape.truncate(w);
        self.out.strides.truncate(w);
        for o in self.ins.iter_mut() {
            o.strides.truncate(w);
        }
    }

    fn total(&self) -> usize {
        self.shape.iter().product()
    }

    /// Runs `f` (inputs a, b, c and scalars s0, s1, all f64) over every element.
    pub fn run<F>(&self, f: F) -> Result<(), String>
    where
        F: Fn(f64, f64, f64, f64, f64) -> f64 + Sync,
    {
        let n = self.total();
        if n == 0 {
            return Ok(());
        }
        if self.try_dense(&f) || self.try_rows(&f) {
            return Ok(());
        }
        for_ranges(n, GRAIN, |a, b| unsafe { self.walk(a, b, &f) });
        Ok(())
    }

    /// Strided copy with dtype conversion: the identity row, plus a memcpy path.
    pub fn copy(&self) -> Result<(), String> {
        let (o, i) = (&self.out, &self.ins[0]);
        let exact = o.dt == i.dt && !matches!(o.dt, DType::I64 | DType::Bool);
        if exact
            && self.shape.len() <= 1
            && self.shape.iter().all(|_| o.strides[0] == 1 && i.strides[0] == 1)
        {
            let n = self.total();
            let sz = o.dt.size();
            let (src, dst) = (i.ptr, o.ptr);
            let (so, doff) = (i.offset, o.offset);
            for_ranges(n, GRAIN, |a, b| unsafe {
                std::ptr::copy_nonoverlapping(
                    src.get().offset((so + a as isize) * sz as isize),
                    dst.get().offset((doff + a as isize) * sz as isize),
                    (b - a) * sz,
                );
            });
            return Ok(());
        }
        if exact && self.copy_rows() {
            return Ok(());
        }
        self.run(|a, _, _, _, _| a)
    }

    /// Same-dtype copy whose innermost axis is contiguous in both views (a column block
    /// `x[:, 1:3]`, a sub-matrix): one memcpy per row, rows found by an odometer. The
    /// general path would convert every element through f64 in chunks.
    fn copy_rows(&self) -> bool {
        let nd = self.shape.len();
        let (o, i) = (&self.out, &self.ins[0]);
        // Up to 8 outer axes (an odometer on the stack); more take the general path.
        if !(2..=9).contains(&nd) || o.strides[nd - 1] != 1 || i.strides[nd - 1] != 1 {
            return false;
        }
        let inner = self.shape[nd - 1];
        let rows = self.total() / inner;
        let sz = o.dt.size() as isize;
        let (src, dst) = (i.ptr, o.ptr);
        let grain = (GRAIN / inner).max(1);
        for_ranges(rows, grain, |a, b| unsafe {
            // The row's position on the outer axes, then stepped like an odometer.
            let mut idx = [0usize; 8];
            let mut r = a;
            for d in (0..nd - 1).rev() {
                idx[d] = r % self.shape[d];
                r /= self.shape[d];
            }
            for _ in a..b {
                let (mut so, mut doff) = (i.offset, o.offset);
                for (d, &at) in idx.iter().enumerate().take(nd - 1) {
                    so += at as isize * i.strides[d];
                    doff += at as isize * o.strides[d];
                }
                std::ptr::copy_nonoverlapping(
                    src.get().offset(so * sz),
                    dst.get().offset(doff * sz),
                    inner * sz as usize,
                );
                for d in (0..nd - 1).rev() {
                    idx[d] += 1;
                    if idx[d] < self.shape[d] {
                        break;
                    }
                    idx[d] = 0;
                }
            }
        });
        true
    }

    /// Dense, same-dtype float32 or float64 operands: one fused, vectorisable loop.
    fn try_dense<F>(&self, f: &F) -> bool
    where
        F: Fn(f64, f64, f64, f64, f64) -> f64 + Sync,
    {
        if self.shape.len() != 1 {
            return false;
        }
        let dt = self.out.dt;
        let all = std::iter::once(&self.out).chain(self.ins.iter());
        if !matches!(dt, DType::F32 | DType::F64)
            || !all.clone().all(|o| o.dt == dt && o.strides[0] == 1)
        {
            return false;
        }
        let n = self.shape[0];
        let (s0, s1) = (self.s0, self.s1);
        macro_rules! dense {
            ($t:ty) => {{
                let o = self.out.ptr.0 as *mut $t;
                let oo = self.out.offset;
                let mut p = [(SendPtr(std::ptr::null_mut()), 0isize); 3];
                for (slot, x) in p.iter_mut().zip(self.ins.iter()) {
                    *slot = (x.ptr, x.offset);
                }
                let nin = self.ins.len();
                let op = SendPtr(o as *mut u8);
                for_ranges(n, GRAIN, |a, b| unsafe {
                    let o = (op.get() as *mut $t).offset(oo);
                    let x = |k: usize| (p[k].0 .0 as *const $t).offset(p[k].1);
                    match nin {
                        1 => {
                            let x0 = x(0);
                            for j in a..b {
                                *o.add(j) = f(*x0.add(j) as f64, 0.0, 0.0, s0, s1) as $t;
                            }
                        }
                        2 => {
                            let (x0, x1) = (x(0), x(1));
                            for j in a..b {
                                *o.add(j) =
                                    f(*x0.add(j) as f64, *x1.add(j) as f64, 0.0, s0, s1) as $t;
                            }
                        }
                        _ => {
                            let (x0, x1, x2) = (x(0), x(1), x(2));
                            for j in a..b {
                                *o.add(j) = f(
                                    *x0.add(j) as f64,
                                    *x1.add(j) as f64,
                                    *x2.add(j) as f64,
                                    s0,
                                    s1,
                                ) as $t;
                            }
                        }
                    }
                });
            }};
        }
        if dt == DType::F32 {
            dense!(f32)
        } else {
            dense!(f64)
        }
        true
    }

    /// Same-dtype float32/float64 operands whose innermost axis is contiguous or broadcast
    /// (a bias added over NCHW rows, a row vector over a matrix): one vectorisable loop per
    /// row, with broadcast inputs read once per row.
    fn try_rows<F>(&self, f: &F) -> bool
    where
        F: Fn(f64, f64, f64, f64, f64) -> f64 + Sync,
    {
        let nd = self.shape.len();
        if nd < 2 {
            return false;
        }
        let dt = self.out.dt;
        let inner = self.shape[nd - 1];
        if !matches!(dt, DType::F32 | DType::F64)
            || inner < 16
            || self.out.strides[nd - 1] != 1
            || !self.ins.iter().all(|x| x.dt == dt && matches!(x.strides[nd - 1], 0 | 1))
        {
            return false;
        }
        let rows = self.total() / inner;
        let (s0, s1) = (self.s0, self.s1);
        // The element offset of row `r` in operand `o` (row-major over the outer axes).
        let row_base = |o: &Operand, mut r: usize| -> isize {
            let mut off = o.offset;
            for d in (0..nd - 1).rev() {
                off += (r % self.shape[d]) as isize * o.strides[d];
                r /= self.shape[d];
            }
            off
        };
        macro_rules! rows {
            ($t:ty) => {{
                let grain = (GRAIN / inner).max(1);
                for_ranges(rows, grain, |a, b| unsafe {
                    for r in a..b {
                        let o = (self.out.ptr.get() as *mut $t).offset(row_base(&self.out, r));
                        let x = |k: usize| {
                            let op = &self.ins[k];
                            (
                                (op.ptr.get() as *const $t).offset(row_base(op, r)),
                                op.strides[nd - 1],
                            )
                        };
                        match self.ins.len() {
                            1 => {
                                let (x0, t0) = x(0);
                                if t0 == 1 {
                                    for j in 0..inner {
                                        *o.add(j) = f(*x0.add(j) as f64, 0.0, 0.0, s0, s1) as $t;
                                    }
                                } else {
                                    let v = f(*x0 as f64, 0.0, 0.0, s0, s1) as $t;
                                    std::slice::from_raw_parts_mut(o, inner).fill(v);
                                }
                            }
                            2 => {
                                let ((x0, t0), (x1, t1)) = (x(0), x(1));
                                match (t0, t1) {
                                    (1, 1) => {
                                        for j in 0..inner {
                                            *o.add(j) = f(
                                                *x0.add(j) as f64,
                                                *x1.add(j) as f64,
                                                0.0,
                                                s0,
                                                s1,
                                            ) as $t;
                                        }
                                    }
                                    (1, _) => {
                                        let v1 = *x1 as f64;
                                        for j in 0..inner {
                                            *o.add(j) = f(*x0.add(j) as f64, v1, 0.0, s0, s1) as $t;
                                        }
                                    }
                                    (_, 1) => {
                                        let v0 = *x0 as f64;
                                        for j in 0..inner {
                                            *o.add(j) = f(v0, *x1.add(j) as f64, 0.0, s0, s1) as $t;
                                        }
                                    }
                                    _ => {
                                        let v = f(*x0 as f64, *x1 as f64, 0.0, s0, s1) as $t;
                                        std::slice::from_raw_parts_mut(o, inner).fill(v);
                                    }
                                }
                            }
                            _ => {
                                let ((x0, t0), (x1, t1), (x2, t2)) = (x(0), x(1), x(2));
                                for j in 0..inner {
                                    *o.add(j) = f(
                                        *x0.offset(j as isize * t0) as f64,
                                        *x1.offset(j as isize * t1) as f64,
                                        *x2.offset(j as isize * t2) as f64,
                                        s0,
                                        s1,
                                    ) as $t;
                                }
                            }
                        }
                    }
                });
            }};
        }
        if dt == DType::F32 {
            rows!(f32)
        } else {
            rows!(f64)
        }
        true
    }

    /// The general path over flat element indices `[start, end)`.
    unsafe fn walk<F>(&self, start: usize, end: usize, f: &F)
    where
        F: Fn(f64, f64, f64, f64, f64) -> f64,
    {
        let nd = self.shape.len();
        let mut bufs = [[0f64; CH]; 4];
        if nd == 0 {
            let mut v = [0f64; 3];
            for (k, x) in self.ins.iter().enumerate() {
                v[k] = crate::dtype::load(x.ptr.0, x.dt, x.offset);
            }
            let r = f(v[0], v[1], v[2], self.s0, self.s1);
            crate::dtype::store_raw(
                self.out.ptr.0,
                self.out.dt,
                self.out.offset,
                ew_value(self.out.dt, r),
            );
            return;
        }
        let inner = self.shape[nd - 1];
        let ops: Vec<&Operand> = std::iter::once(&self.out).chain(self.ins.iter()).collect();
        // Odometer over the outer axes, starting at `start`'s row.
        let mut idx = vec![0usize; nd - 1];
        let mut r = start / inner;
        for d in (0..nd - 1).rev() {
            idx[d] = r % self.shape[d];
            r /= self.shape[d];
        }
        let mut j0 = start % inner;
        let mut pos = start;
        while pos < end {
            let j1 = inner.min(j0 + (end - pos));
            // Each operand's row start (on the stack: this runs once per row).
            let mut base = [0isize; 4];
            for (b, o) in base.iter_mut().zip(ops.iter()) {
                *b = o.offset + (0..nd - 1).map(|d| idx[d] as isize * o.strides[d]).sum::<isize>();
            }
            let mut j = j0;
            while j < j1 {
                let len = CH.min(j1 - j);
                for (k, x) in self.ins.iter().enumerate() {
                    let st = x.strides[nd - 1];
                    load_chunk(
                        &mut bufs[k + 1][..len],
                        x.ptr.0,
                        x.dt,
                        base[k + 1] + j as isize * st,
                        st,
                    );
                }
                let (res, rest) = bufs.split_at_mut(1);
                let res = &mut res[0][..len];
                let (a, b, c) = (&rest[0][..len], &rest[1][..len], &rest[2][..len]);
                for t in 0..len {
                    res[t] = f(a[t], b[t], c[t], self.s0, self.s1);
                }
                let st = self.out.strides[nd - 1];
                store_chunk(res, self.out.ptr.0, self.out.dt, base[0] + j as isize * st, st);
                j += len;
            }
            pos += j1 - j0;
            j0 = 0;
            for d in (0..nd - 1).rev() {
                idx[d] += 1;
                if idx[d] < self.shape[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
    }
}

/// `dst[t] = p[base + t*stride]` as f64, one monomorphic loop per dtype.
unsafe fn load_chunk(dst: &mut [f64], p: *const u8, dt: DType, base: isize, stride: isize) {
    macro_rules! ld {
        ($t:ty, $conv:expr) => {{
            let q = (p as *const $t).offset(base);
            if stride == 1 {
                for (t, d) in dst.iter_mut().enumerate() {
                    *d = $conv(*q.add(t));
                }
            } else {
                for (t, d) in dst.iter_mut().enumerate() {
                    *d = $conv(*q.offset(t as isize * stride));
                }
            }
        }};
    }
    match dt {
        DType::F32 => ld!(f32, |v: f32| v as f64),
        DType::F64 | DType::I64 => ld!(f64, |v: f64| v),
        DType::F16 => ld!(u16, |v: u16| f16_to_f32(v) as f64),
        DType::U8 | DType::Bool => ld!(u8, |v: u8| v as f64),
        DType::I32 => ld!(i32, |v: i32| v as f64),
        DType::I8 => ld!(i8, |v: i8| v as f64),
    }
}

/// `p[base + t*stride] = src[t]` with the elementwise store rules of `dt`.
unsafe fn store_chunk(src: &[f64], p: *mut u8, dt: DType, base: isize, stride: isize) {
    macro_rules! st {
        ($t:ty, $conv:expr) => {{
            let q = (p as *mut $t).offset(base);
            if stride == 1 {
                for (t, &v) in src.iter().enumerate() {
                    *q.add(t) = $conv(v);
                }
            } else {
                for (t, &v) in src.iter().enumerate() {
                    *q.offset(t as isize * stride) = $conv(v);
                }
            }
        }};
    }
    match dt {
        DType::F32 => st!(f32, |v: f64| v as f32),
        DType::F64 => st!(f64, |v: f64| v),
        DType::I64 => st!(f64, |v: f64| v.trunc()),
        DType::F16 => st!(u16, f64_to_f16),
        DType::U8 => st!(u8, |v: f64| to_int32(v) as u8),
        DType::Bool => st!(u8, |v: f64| (v != 0.0) as u8),
        DType::I32 => st!(i32, to_int32),
        DType::I8 => st!(i8, |v: f64| to_int32(v) as i8),
    }
}

/// Numerical Recipes' erfc fit, the same formula as the TS and WGSL kernels.
#[inline(always)]
pub fn erf(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 {
        1.0 - r
    } else {
        r - 1.0
    }
}
