//! take (gather along an axis) and its adjoint, plus fill/arange and sort, with the TS
//! backend's store semantics.

use crate::dtype::{load, store_raw, DType};
use crate::meta::{product, Buf, Meta};
use crate::par::{for_ranges, SendPtr, GRAIN};

pub struct Take {
    x: *mut u8,
    xdt: DType,
    idx: *mut u8,
    idt: DType,
    nidx: usize,
    out: *mut u8,
    odt: DType,
    outer: usize,
    axis_len: usize,
    inner: usize,
    wrap: bool,
}

impl Take {
    /// Decodes `x, idx, out (buffers), outer, axisLen, inner, wrap`; `idx` has one element
    /// per index. take reads x [outer, axisLen, inner] into out [outer, nidx, inner];
    /// `backward` (takeBackward) reads x = g [outer, nidx, inner] into out
    /// [outer, axisLen, inner].
    pub fn decode(m: &mut Meta, backward: bool) -> Result<Take, String> {
        let (x, idx, out) = (m.buf()?, m.buf()?, m.buf()?);
        let (outer, axis_len, inner, wrap) = (m.usize()?, m.usize()?, m.usize()?, m.bool()?);
        let what = if backward { "takeBackward" } else { "take" };
        let nidx = idx.len;
        let table = product(what, &[outer, axis_len, inner])?;
        let taken = product(what, &[outer, nidx, inner])?;
        let (xn, on) = if backward { (taken, table) } else { (table, taken) };
        x.expect(what, if backward { "g" } else { "x" }, xn)?;
        out.expect(what, "out", on)?;
        if axis_len == 0 && nidx > 0 && outer * inner > 0 {
            return Err(format!("{what}: cannot index an empty axis"));
        }
        Ok(Take {
            x: x.ptr,
            xdt: x.dt,
            idx: idx.ptr,
            idt: idx.dt,
            nidx,
            out: out.ptr,
            odt: out.dt,
            outer,
            axis_len,
            inner,
            wrap,
        })
    }

    /// The source row of index `j`, clipped or wrapped as in the TS backend.
    fn row(&self, j: usize) -> usize {
        let v = unsafe { load(self.idx, self.idt, j as isize) }.trunc();
        let len = self.axis_len as f64;
        let r = if self.wrap {
            ((v % len) + len) % len
        } else if v < 0.0 {
            0.0
        } else if v >= len {
            len - 1.0
        } else {
            v
        };
        r as usize
    }
}

pub fn take(m: &mut Meta) -> Result<(), String> {
    let t = Take::decode(m, false)?;
    let same = t.xdt == t.odt;
    let sz = t.xdt.size();
    for o in 0..t.outer {
        for j in 0..t.nidx {
            let src = ((o * t.axis_len + t.row(j)) * t.inner) as isize;
            let dst = ((o * t.nidx + j) * t.inner) as isize;
            unsafe {
                if same {
                    std::ptr::copy_nonoverlapping(
                        t.x.offset(src * sz as isize),
                        t.out.offset(dst * sz as isize),
                        t.inner * sz,
                    );
                } else {
                    for k in 0..t.inner as isize {
                        store_raw(t.out, t.odt, dst + k, load(t.x, t.xdt, src + k));
                    }
                }
            }
        }
    }
    Ok(())
}

/// out (zeroed) += g scattered to the rows take read; each add rounds to out's dtype.
pub fn take_backward(m: &mut Meta) -> Result<(), String> {
    let t = Take::decode(m, true)?; // x = g, out = the gradient of the taken-from array
    let total = t.outer * t.axis_len * t.inner;
    for i in 0..total {
        unsafe { store_raw(t.out, t.odt, i as isize, 0.0) };
    }
    for o in 0..t.outer {
        for j in 0..t.nidx {
            let dst = ((o * t.axis_len + t.row(j)) * t.inner) as isize;
            let src = ((o * t.nidx + j) * t.inner) as isize;
            for k in 0..t.inner as isize {
                unsafe {
                    let v = load(t.out, t.odt, dst + k) + load(t.x, t.xdt, src + k);
                    store_raw(t.out, t.odt, dst + k, v);
                }
            }
        }
    }
    Ok(())
}

/// Checks an arange block (layout below): only the buffer, which it fills whole.
pub fn check_arange(m: &mut Meta) -> Result<(), String> {
    m.buf()?;
    m.f64()?;
    m.f64().map(drop)
}

/// Decodes `out (buffer), start, step`: out[i] = start + i*step over the whole buffer.
/// Fill is step 0 and stores `start` itself (so -0 and infinities survive).
pub fn arange(m: &mut Meta) -> Result<(), String> {
    let (out, start, step) = (m.buf()?, m.f64()?, m.f64()?);
    let (p, dt, n) = (SendPtr(out.ptr), out.dt, out.len);
    for_ranges(n, GRAIN, |a, b| {
        for i in a..b {
            let v = if step == 0.0 { start } else { start + i as f64 * step };
            unsafe { store_raw(p.get(), dt, i as isize, v) };
        }
    });
    Ok(())
}

/// The decoded sort: three buffers of `outer * len` elements.
pub struct Sort {
    x: Buf,
    values: Buf,
    indices: Buf,
    outer: usize,
    len: usize,
    asc: bool,
}

impl Sort {
    /// Decodes `x, values, indices (buffers), outer, len, ascending`.
    pub fn decode(m: &mut Meta) -> Result<Sort, String> {
        let (x, values, indices) = (m.buf()?, m.buf()?, m.buf()?);
        let (outer, len, asc) = (m.usize()?, m.usize()?, m.bool()?);
        let n = product("sort", &[outer, len])?;
        x.expect("sort", "x", n)?;
        values.expect("sort", "values", n)?;
        indices.expect("sort", "indices", n)?;
        Ok(Sort { x, values, indices, outer, len, asc })
    }
}

/// A stable sort of each row, NaN last in either direction.
pub fn sort(m: &mut Meta) -> Result<(), String> {
    let s = Sort::decode(m)?;
    let (x, xdt, v, vdt, ix, idt) =
        (s.x.ptr, s.x.dt, s.values.ptr, s.values.dt, s.indices.ptr, s.indices.dt);
    let (outer, len, asc) = (s.outer, s.len, s.asc);
    let mut keys = vec![0f64; len];
    let mut order: Vec<usize> = Vec::with_capacity(len);
    for o in 0..outer {
        let base = (o * len) as isize;
        for (j, k) in keys.iter_mut().enumerate() {
            *k = unsafe { load(x, xdt, base + j as isize) };
        }
        order.clear();
        order.extend(0..len);
        order.sort_by(|&i, &j| {
            let (a, b) = (keys[i], keys[j]);
            match (a.is_nan(), b.is_nan()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => {
                    let c = a.partial_cmp(&b).unwrap();
                    if asc {
                        c
                    } else {
                        c.reverse()
                    }
                }
            }
        });
        for (j, &s) in order.iter().enumerate() {
            unsafe {
                store_raw(v, vdt, base + j as isize, keys[s]);
                store_raw(ix, idt, base + j as isize, s as f64);
            }
        }
    }
    Ok(())
}
