//! The Philox4x32-10 stream of src/core/philox.ts (normative there): uniform and randint
//! are bit-exact with the TS backend; normal matches to float tolerance (libm vs V8).
//! Counter-based, so threads fill disjoint index ranges independently.

use crate::dtype::{f64_to_f16, store_raw, DType};
use crate::meta::Meta;
use crate::par::{for_ranges, SendPtr};

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;
const INV_2_24: f64 = 1.0 / 16777216.0;

/// One Philox4x32-10 evaluation of counter `[c0, c1, 0, 0]` under key `[k0, k1]`.
#[inline(always)]
pub fn philox(c0: u32, c1: u32, k0: u32, k1: u32) -> [u32; 4] {
    let (mut x0, mut x1, mut x2, mut x3) = (c0, c1, 0u32, 0u32);
    let (mut a, mut b) = (k0, k1);
    for _ in 0..10 {
        let p0 = M0 as u64 * x0 as u64;
        let p1 = M1 as u64 * x2 as u64;
        let (hi0, lo0, hi1, lo1) = ((p0 >> 32) as u32, p0 as u32, (p1 >> 32) as u32, p1 as u32);
        x0 = hi1 ^ x1 ^ a;
        x1 = lo1;
        x2 = hi0 ^ x3 ^ b;
        x3 = lo0;
        a = a.wrapping_add(W0);
        b = b.wrapping_add(W1);
    }
    [x0, x1, x2, x3]
}

/// Raw stream words for positions [j0, j1), handed to `f(j, u_j, block)`.
#[inline(always)]
fn stream(key: (u32, u32), j0: u64, j1: u64, mut f: impl FnMut(u64, u32, &[u32; 4])) {
    let mut j = j0;
    while j < j1 {
        let blk = j / 4;
        let s = philox(blk as u32, (blk >> 32) as u32, key.0, key.1);
        let end = ((blk + 1) * 4).min(j1);
        while j < end {
            f(j, s[(j % 4) as usize], &s);
            j += 1;
        }
    }
}

/// Checks a random block (layout below): the buffer is filled whole, so only the codes.
pub fn check(m: &mut Meta) -> Result<(), String> {
    let dist = m.usize()?;
    m.buf()?;
    let _ = (m.f64()?, m.f64()?, m.isize()?, m.usize()?);
    if dist > 2 {
        return Err(format!("random: unknown distribution code {dist}"));
    }
    Ok(())
}

/// Decodes `dist(0 uniform, 1 normal, 2 randint), out (buffer), a, b, seed, offset` and
/// fills the whole buffer.
pub fn random(m: &mut Meta) -> Result<(), String> {
    let dist = m.usize()?;
    let out = m.buf()?;
    let (p, dt, n) = (SendPtr(out.ptr), out.dt, out.len);
    let (a, b, seed, offset) = (m.f64()?, m.f64()?, m.isize()?, m.usize()? as u64);
    let seed = seed as i64 as u64;
    let key = (seed as u32, (seed >> 32) as u32);
    // A block of 4 values costs ~40 ns; 16k elements per thread repays a spawn.
    let grain = 1 << 14;
    match dist {
        0 => {
            if matches!(dt, DType::F64 | DType::I64) {
                let span = b - a;
                for_ranges(n, grain, |s, e| {
                    let o = p.get() as *mut f64;
                    stream(key, offset + s as u64, offset + e as u64, |j, u, _| unsafe {
                        *o.add((j - offset) as usize) = a + span * ((u >> 8) as f64 * INV_2_24);
                    });
                });
            } else {
                // float32 arithmetic, each step rounded (the float16 output rounds the f32).
                let lo = a as f32;
                let span = b as f32 - lo;
                for_ranges(n, grain, |s, e| {
                    stream(key, offset + s as u64, offset + e as u64, |j, u, _| {
                        let v = lo + span * ((u >> 8) as f32 * (INV_2_24 as f32));
                        put(p, dt, (j - offset) as usize, v as f64);
                    });
                });
            }
        }
        1 => {
            let two_pi = 2.0 * std::f64::consts::PI;
            for_ranges(n, grain, |s, e| {
                stream(key, offset + s as u64, offset + e as u64, |j, _, blk| {
                    let q = (j % 4) as usize & 2;
                    let u1 = ((blk[q] >> 8) as f64 + 1.0) * INV_2_24;
                    let u2 = (blk[q + 1] >> 8) as f64 * INV_2_24;
                    let r = (-2.0 * u1.ln()).sqrt();
                    let th = two_pi * u2;
                    let z = if j % 2 == 0 { r * th.cos() } else { r * th.sin() };
                    let v = a + b * z;
                    // float16 is generated in float32 and rounded again on store.
                    put(
                        p,
                        dt,
                        (j - offset) as usize,
                        if dt == DType::F16 { v as f32 as f64 } else { v },
                    );
                });
            });
        }
        2 => {
            let range = (b - a) as u64;
            for_ranges(n, grain, |s, e| {
                stream(key, offset + s as u64, offset + e as u64, |j, u, _| {
                    let v = a + ((u as u64 * range) >> 32) as f64;
                    put(p, dt, (j - offset) as usize, v);
                });
            });
        }
        d => return Err(format!("random: unknown distribution code {d}")),
    }
    Ok(())
}

#[inline(always)]
fn put(p: SendPtr, dt: DType, i: usize, v: f64) {
    unsafe {
        if dt == DType::F16 {
            *(p.get() as *mut u16).add(i) = f64_to_f16(v);
        } else {
            store_raw(p.get(), dt, i as isize, v);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn random123_known_answer() {
        assert_eq!(super::philox(0, 0, 0, 0), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    }
}
