//! Kernel arguments cross the boundary as one f64 array ("meta"): dtype codes, sizes,
//! strides, scalars and buffer addresses. f64 holds every integer up to 2^53 exactly and
//! user-space addresses fit in 48 bits, so one typed array carries a whole call and the
//! JS side never converts numbers to BigInt (~200 ns per u64 argument in Deno).
//!
//! Every buffer arrives as (address, dtype, element count), and every kernel checks what
//! it will read and write against those counts before touching memory (`Buf::expect`,
//! `check_view`): a caller's bad shape or view is an error message, never a read past a
//! buffer. The CUDA entries run the same decoders before they launch (see `lib.rs`).

use crate::dtype::DType;

pub struct Meta<'a> {
    v: &'a [f64],
    i: usize,
}

/// A buffer as the caller described it: address, element type and element count.
#[derive(Clone, Copy, Debug)]
pub struct Buf {
    pub ptr: *mut u8,
    pub dt: DType,
    pub len: usize,
}

impl Buf {
    /// Fails unless the buffer holds exactly `want` elements (`what`: the kernel, `name`:
    /// the argument, as the messages name them).
    pub fn expect(&self, what: &str, name: &str, want: usize) -> Result<(), String> {
        if self.len != want {
            return Err(format!("{what}: {name} has {} elements, expected {want}", self.len));
        }
        Ok(())
    }

    /// Fails unless the buffer holds at least `want` elements.
    pub fn at_least(&self, what: &str, name: &str, want: usize) -> Result<(), String> {
        if self.len < want {
            return Err(format!("{what}: {name} has {} elements, needs at least {want}", self.len));
        }
        Ok(())
    }
}

/// The product of `dims`, or an error naming `what` when it overflows.
pub fn product(what: &str, dims: &[usize]) -> Result<usize, String> {
    dims.iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| format!("{what}: the sizes {dims:?} overflow"))
}

/// Checks that the strided view (`offset`, `strides` over `shape`) of a buffer of `len`
/// elements only addresses elements `0..len`. O(ndim), a few ns per operand (it runs on
/// every elementwise call); an empty view addresses nothing.
#[inline]
pub fn check_view(
    what: &str,
    name: &str,
    len: usize,
    offset: isize,
    shape: &[usize],
    strides: &[isize],
) -> Result<(), String> {
    // The lowest and highest element addressed. Every in-bounds extent is below 2^53, so
    // an overflow of the i64 arithmetic can only mean an out-of-bounds view.
    let (mut lo, mut hi) = (offset as i64, offset as i64);
    let mut empty = false;
    let mut overflow = false;
    for (&n, &s) in shape.iter().zip(strides) {
        empty |= n == 0;
        match (n as i64).saturating_sub(1).checked_mul(s as i64) {
            Some(span) if span < 0 => lo = lo.saturating_add(span),
            Some(span) => hi = hi.saturating_add(span),
            None => overflow = true,
        }
    }
    if empty || (!overflow && lo >= 0 && hi < len as i64) {
        return Ok(());
    }
    Err(format!(
        "{what}: {name} view (shape {shape:?}, strides {strides:?}, offset {offset}) addresses \
         elements outside a buffer of {len}{}",
        if overflow { String::new() } else { format!(" (elements {lo}..={hi})") }
    ))
}

impl<'a> Meta<'a> {
    /// # Safety
    /// `p` points to `meta[0]` = the array's length, followed by the arguments.
    pub unsafe fn from_raw(p: *const f64) -> Result<Meta<'a>, String> {
        if p.is_null() {
            return Err("null argument block".into());
        }
        let n = *p;
        if !(1.0..=1e7).contains(&n) {
            return Err(format!("bad argument block length {n}"));
        }
        Ok(Meta { v: std::slice::from_raw_parts(p, n as usize), i: 1 })
    }

    pub fn f64(&mut self) -> Result<f64, String> {
        let x = *self.v.get(self.i).ok_or("argument block too short")?;
        self.i += 1;
        Ok(x)
    }

    pub fn isize(&mut self) -> Result<isize, String> {
        let x = self.f64()?;
        // A round trip through i64 (a saturating cast, NaN to 0) rather than `fract`, which
        // is a libm call on baseline x86-64; every argument of every call comes through here.
        let i = x as i64;
        if i as f64 != x || i.unsigned_abs() > 1 << 53 {
            return Err(format!("expected an integer argument, got {x}"));
        }
        Ok(i as isize)
    }

    pub fn usize(&mut self) -> Result<usize, String> {
        let x = self.isize()?;
        usize::try_from(x).map_err(|_| format!("expected a non-negative argument, got {x}"))
    }

    pub fn bool(&mut self) -> Result<bool, String> {
        Ok(self.f64()? != 0.0)
    }

    pub fn dtype(&mut self) -> Result<DType, String> {
        DType::from_code(self.f64()?)
    }

    pub fn ptr(&mut self) -> Result<*mut u8, String> {
        Ok(self.usize()? as *mut u8)
    }

    /// A buffer: `address, dtype, element count`.
    pub fn buf(&mut self) -> Result<Buf, String> {
        Ok(Buf { ptr: self.ptr()?, dt: self.dtype()?, len: self.usize()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_inside_and_outside_their_buffer() {
        let ok =
            |len, off, shape: &[usize], st: &[isize]| check_view("k", "x", len, off, shape, st);
        assert!(ok(6, 0, &[2, 3], &[3, 1]).is_ok());
        assert!(ok(6, 5, &[2, 3], &[-3, -1]).is_ok()); // flipped
        assert!(ok(1, 0, &[1000, 1000], &[0, 0]).is_ok()); // broadcast
        assert!(ok(0, 7, &[0, 3], &[3, 1]).is_ok()); // empty: reads nothing
        assert!(ok(0, 0, &[], &[]).is_err()); // a scalar reads element 0
        assert!(ok(6, 1, &[2, 3], &[3, 1]).is_err());
        assert!(ok(6, 0, &[2, 4], &[3, 1]).is_err());
        assert!(ok(6, 4, &[2, 3], &[-3, -1]).is_err());
        let e = ok(10, 0, &[10_000_000], &[1]).unwrap_err();
        assert!(e.contains("outside a buffer of 10 (elements 0..=9999999)"), "{e}");
        assert!(ok(10, 0, &[1 << 40, 1 << 40], &[1 << 50, 1 << 50]).is_err()); // no overflow
    }

    #[test]
    fn integer_arguments() {
        let block = [8.0, 3.0, -0.0, 0.5, f64::NAN, f64::INFINITY, 9007199254740992.0, 1e300];
        let mut m = unsafe { Meta::from_raw(block.as_ptr()) }.unwrap();
        assert_eq!(m.isize(), Ok(3));
        assert_eq!(m.isize(), Ok(0));
        for _ in 0..3 {
            assert!(m.isize().is_err());
        }
        assert_eq!(m.isize(), Ok(1 << 53));
        assert!(m.isize().is_err());
    }

    #[test]
    fn products_report_overflow() {
        assert_eq!(product("k", &[2, 3, 4]).unwrap(), 24);
        assert_eq!(product("k", &[]).unwrap(), 1);
        assert!(product("k", &[1 << 40, 1 << 40]).unwrap_err().contains("overflow"));
    }
}
