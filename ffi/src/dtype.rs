//! Element types as the TS side stores them (codes = MXNet type flags), and the two
//! ways a computed f64 is stored: `store_raw` is a JS typed-array assignment (what the TS
//! backend's fill/arange/take/reduce do), `store_ew` adds the elementwise kernel's C-cast
//! rules (int64 truncates, bool becomes 0/1). int64 lives in f64 slots, as on the TS side.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DType {
    F32,
    F64,
    F16,
    U8,
    I32,
    I8,
    I64,
    Bool,
}

impl DType {
    pub fn from_code(c: f64) -> Result<DType, String> {
        Ok(match c as i64 {
            0 => DType::F32,
            1 => DType::F64,
            2 => DType::F16,
            3 => DType::U8,
            4 => DType::I32,
            5 => DType::I8,
            6 => DType::I64,
            7 => DType::Bool,
            _ => return Err(format!("unknown dtype code {c}")),
        })
    }

    /// Bytes per element in memory (int64 is an f64 slot).
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 => 2,
            DType::U8 | DType::I8 | DType::Bool => 1,
        }
    }
}

/// ECMAScript ToInt32: truncate, wrap modulo 2^32; NaN and infinities give 0.
#[inline(always)]
pub fn to_int32(x: f64) -> i32 {
    if x.abs() < 2147483648.0 {
        return x as i32;
    }
    if !x.is_finite() {
        return 0;
    }
    x.trunc().rem_euclid(4294967296.0) as u64 as u32 as i32
}

/// IEEE half bits to f32 (exact).
#[inline(always)]
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h as u32) & 0x8000) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let bits = if exp == 0 {
        if man == 0 {
            sign
        } else {
            // Subnormal: value = man * 2^-24, exact in f32.
            let v = man as f32 * (1.0 / 16777216.0);
            return if sign != 0 { -v } else { v };
        }
    } else if exp == 31 {
        sign | 0x7f80_0000 | (man << 13)
    } else {
        sign | ((exp + 112) << 23) | (man << 13)
    };
    f32::from_bits(bits)
}

/// f64 to IEEE half, round to nearest even directly from f64 (as a JS Float16Array
/// store does; going through f32 could round twice).
#[inline(always)]
pub fn f64_to_f16(x: f64) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 48) & 0x8000) as u16;
    let a = x.abs();
    if a.is_nan() {
        return sign | 0x7e00;
    }
    if a >= 65520.0 {
        return sign | 0x7c00; // rounds to infinity
    }
    if a < 6.103515625e-05 {
        // Subnormal range: quantum 2^-24; round half to even on the scaled value.
        let q = a * 16777216.0;
        let r = q.round_ties_even();
        return sign | (r as u16);
    }
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023; // -14 ..= 15
    let man = bits & 0x000f_ffff_ffff_ffff;
    // Keep 10 mantissa bits; round the dropped 42 bits to nearest even.
    let keep = man >> 42;
    let rest = man & ((1u64 << 42) - 1);
    let half = 1u64 << 41;
    let mut h = (((e + 15) as u64) << 10) | keep;
    if rest > half || (rest == half && (keep & 1) == 1) {
        h += 1; // may carry into the exponent, which is the correct result
    }
    sign | (h as u16)
}

/// Reads element `i` of a buffer of `dt` as f64 (exact for every dtype).
///
/// # Safety
/// `p` must point to a buffer of `dt` holding element `i`.
#[inline(always)]
pub unsafe fn load(p: *const u8, dt: DType, i: isize) -> f64 {
    match dt {
        DType::F32 => *(p as *const f32).offset(i) as f64,
        DType::F64 | DType::I64 => *(p as *const f64).offset(i),
        DType::F16 => f16_to_f32(*(p as *const u16).offset(i)) as f64,
        DType::U8 | DType::Bool => *p.offset(i) as f64,
        DType::I32 => *(p as *const i32).offset(i) as f64,
        DType::I8 => *(p as *const i8).offset(i) as f64,
    }
}

/// Stores `v` into element `i` as a JS typed-array assignment would.
///
/// # Safety
/// `p` must point to a writable buffer of `dt` holding element `i`.
#[inline(always)]
pub unsafe fn store_raw(p: *mut u8, dt: DType, i: isize, v: f64) {
    match dt {
        DType::F32 => *(p as *mut f32).offset(i) = v as f32,
        DType::F64 | DType::I64 => *(p as *mut f64).offset(i) = v,
        DType::F16 => *(p as *mut u16).offset(i) = f64_to_f16(v),
        DType::U8 | DType::Bool => *p.offset(i) = to_int32(v) as u8,
        DType::I32 => *(p as *mut i32).offset(i) = to_int32(v),
        DType::I8 => *(p as *mut i8).offset(i) = to_int32(v) as i8,
    }
}

/// The elementwise kernel's store: a C cast (int64 truncates, bool is `v != 0`).
#[inline(always)]
pub fn ew_value(dt: DType, v: f64) -> f64 {
    match dt {
        DType::I64 => v.trunc(),
        DType::Bool => {
            if v != 0.0 {
                1.0
            } else {
                0.0
            }
        }
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_round_trip_and_rounding() {
        for h in 0..=0xffffu16 {
            let f = f16_to_f32(h);
            if f.is_nan() {
                continue;
            }
            assert_eq!(f64_to_f16(f as f64), h, "{h:#x}");
        }
        assert_eq!(f64_to_f16(2049.0), f64_to_f16(2048.0)); // tie to even
        assert_eq!(f16_to_f32(f64_to_f16(2051.0)), 2052.0);
        assert_eq!(f16_to_f32(f64_to_f16(65519.0)), 65504.0);
        assert!(f16_to_f32(f64_to_f16(65520.0)).is_infinite());
    }

    #[test]
    fn int32_wraps_like_js() {
        assert_eq!(to_int32(4294967297.5), 1);
        assert_eq!(to_int32(-1.9), -1);
        assert_eq!(to_int32(f64::NAN), 0);
        assert_eq!(to_int32(2147483648.0), -2147483648);
        assert_eq!(to_int32(300.0) as u8, 44);
    }
}
