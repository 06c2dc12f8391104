//! The convolution kernels against their defining sums.

use super::*;

/// The defining sums, in f64.
fn reference(g: &Geo, x: &[f64], w: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; g.n * g.m * g.ohw];
    for n in 0..g.n {
        for mm in 0..g.m {
            let gi = mm / g.mg;
            for oh in 0..g.oh {
                for ow in 0..g.ow {
                    let mut s = 0.0;
                    for c in 0..g.cg {
                        for i in 0..g.kh {
                            for j in 0..g.kw {
                                let ih = (oh * g.sh + i * g.dh) as isize - g.ph as isize;
                                let iw = (ow * g.sw + j * g.dw) as isize - g.pw as isize;
                                if ih < 0 || iw < 0 || ih >= g.h as isize || iw >= g.w as isize {
                                    continue;
                                }
                                let xv = x[((n * g.c + gi * g.cg + c) * g.h + ih as usize) * g.w
                                    + iw as usize];
                                s += w[((mm * g.cg + c) * g.kh + i) * g.kw + j] * xv;
                            }
                        }
                    }
                    y[((n * g.m + mm) * g.oh + oh) * g.ow + ow] = s;
                }
            }
        }
    }
    y
}

fn geo(v: [usize; 16]) -> Geo {
    let mut meta = vec![17.0];
    meta.extend(v.iter().map(|&x| x as f64));
    let mut m = unsafe { Meta::from_raw(meta.as_ptr()) }.unwrap();
    Geo::decode(&mut m, "test").unwrap()
}

fn vals(n: usize, seed: usize) -> Vec<f64> {
    (0..n).map(|i| (((i * 7919 + seed * 104729) % 1000) as f64) / 500.0 - 1.0).collect()
}

#[test]
fn forward_and_adjoints_match_the_definition() {
    // [n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, m, g]
    let cases = [
        [2, 4, 7, 6, 3, 2, 2, 1, 1, 2, 2, 1, 3, 9, 6, 2],
        [3, 3, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1, 5, 5, 2, 1],
        [1, 2, 9, 8, 5, 5, 1, 2, 2, 0, 1, 1, 9, 2, 4, 2],
        [2, 1, 28, 28, 5, 5, 1, 1, 2, 2, 1, 1, 28, 28, 6, 1],
        [2, 16, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 14, 14, 32, 1],
    ];
    for v in cases {
        let g = geo(v);
        let (x, w) = (vals(g.n * g.c * g.hw, 1), vals(g.m * g.k, 2));
        let want = reference(&g, &x, &w);
        let mut y = vec![0.0; want.len()];
        let p = |v: &mut Vec<f64>| SendPtr(v.as_mut_ptr() as *mut u8);
        let (mut xm, mut wm) = (x.clone(), w.clone());
        let bufs = Bufs { a: p(&mut xm), b: p(&mut wm), out: p(&mut y) };
        let mut col = vec![0.0; g.col_len()];
        unsafe {
            for n in 0..g.n {
                g.forward_image(
                    (bufs.a.get() as *const f64).add(n * g.c * g.hw),
                    bufs.b.get() as *const f64,
                    (bufs.out.get() as *mut f64).add(n * g.m * g.ohw),
                    col.as_mut_ptr(),
                );
            }
        }
        for (a, b) in y.iter().zip(&want) {
            assert!((a - b).abs() < 1e-9, "{v:?}: {a} vs {b}");
        }
        // <gy, conv(x, w)> = <conv_data(gy), x> = <conv_weight(x, gy), w>.
        let gy = vals(want.len(), 3);
        let lhs: f64 = gy.iter().zip(&want).map(|(a, b)| a * b).sum();
        let mut gx = vec![0.0; x.len()];
        let mut acc = vec![0.0; w.len()];
        unsafe {
            for n in 0..g.n {
                g.data_image(
                    gy.as_ptr().add(n * g.m * g.ohw),
                    w.as_ptr(),
                    gx.as_mut_ptr().add(n * g.c * g.hw),
                    col.as_mut_ptr(),
                );
                g.weight_image(
                    x.as_ptr().add(n * g.c * g.hw),
                    gy.as_ptr().add(n * g.m * g.ohw),
                    acc.as_mut_ptr(),
                    col.as_mut_ptr(),
                );
            }
        }
        let mut gw = vec![0.0; w.len()];
        g.store_weight(&acc, |i, v| gw[i] = v);
        let dx: f64 = gx.iter().zip(&x).map(|(a, b)| a * b).sum();
        let dw: f64 = gw.iter().zip(&w).map(|(a, b)| a * b).sum();
        assert!((lhs - dx).abs() < 1e-8 * (1.0 + lhs.abs()), "{v:?}: {lhs} vs {dx}");
        assert!((lhs - dw).abs() < 1e-8 * (1.0 + lhs.abs()), "{v:?}: {lhs} vs {dw}");
    }
}

#[test]
fn rejects_integer_dtypes_by_name() {
    let e = check_dtypes("conv2d", [DType::I32; 3]).unwrap_err();
    assert!(e.contains("int32"), "{e}");
    assert!(check_dtypes("conv2d", [DType::F32, DType::F64, DType::F32]).is_err());
}
