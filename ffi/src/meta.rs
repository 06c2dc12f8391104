//! Kernel arguments cross the boundary as one f64 array ("meta"): dtype codes, sizes,
//! strides, scalars and buffer addresses. f64 holds every integer up to 2^53 exactly and
//! user-space addresses fit in 48 bits, so one typed array carries a whole call and the
//! JS side never converts numbers to BigInt (~200 ns per u64 argument in Deno).

use crate::dtype::DType;

pub struct Meta<'a> {
    v: &'a [f64],
    i: usize,
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
        if x.fract() != 0.0 || x.abs() > 9007199254740992.0 {
            return Err(format!("expected an integer argument, got {x}"));
        }
        Ok(x as isize)
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
}
