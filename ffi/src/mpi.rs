//! The synchronous part of the MPI binding's point-to-point allreduce
//! (src/kvstore/mpi/p2p.ts) in one call: every recursive-doubling step's
//! MPI_Irecv/MPI_Isend, the MPI_Testall spin and MPI_Reduce_local run here, so a small
//! allreduce costs one FFI call instead of a dozen (each with BigInt arguments).
//!
//! libmpi is the one the TS side opened (Deno.dlopen, RTLD_LOCAL): `mx_mpi_bind` looks
//! it up again by path with RTLD_NOLOAD and takes its functions with dlsym. OpenMPI's
//! handles (communicator, datatype, op) are addresses the TS side passes in. The message
//! protocol (segments, tags, order) is the TS fallback's, so ranks on either path agree.

use crate::meta::Meta;
use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

extern "C" {
    fn dlopen(filename: *const c_char, flags: i32) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

type Handle = *mut c_void;
type Isend =
    unsafe extern "C" fn(*const c_void, c_int, Handle, c_int, c_int, Handle, *mut Handle) -> c_int;
type Irecv =
    unsafe extern "C" fn(*mut c_void, c_int, Handle, c_int, c_int, Handle, *mut Handle) -> c_int;
type Testall = unsafe extern "C" fn(c_int, *mut Handle, *mut c_int, *mut c_void) -> c_int;
type ReduceLocal = unsafe extern "C" fn(*const c_void, *mut c_void, c_int, Handle, Handle) -> c_int;

struct Fns {
    isend: Isend,
    irecv: Irecv,
    testall: Testall,
    reduce_local: ReduceLocal,
}

static FNS: OnceLock<Fns> = OnceLock::new();

/// Version of `allreduce`'s argument block; `bind` refuses a caller expecting another.
const LAYOUT: usize = 4;

/// Binds libmpi's functions. Arguments: address and length of libmpi's path (UTF-8, as
/// the TS side passed it to dlopen), then the block layout version the caller writes.
/// Fails when that library is not loaded or the layouts differ.
pub fn bind(m: &mut Meta) -> Result<(), String> {
    let (addr, n, layout) = (m.usize()?, m.usize()?, m.usize()?);
    if layout != LAYOUT {
        return Err(format!(
            "mx_mpi_allreduce has argument layout {LAYOUT}, the caller writes {layout} \
             (rebuild the native library)"
        ));
    }
    if FNS.get().is_some() {
        return Ok(());
    }
    if addr == 0 || n == 0 || n > 4096 {
        return Err("mx_mpi_bind: bad path".into());
    }
    // SAFETY: the caller passes `n` readable bytes at `addr`.
    let path = unsafe { std::slice::from_raw_parts(addr as *const u8, n) };
    if path.contains(&0) {
        return Err("mx_mpi_bind: NUL in the path".into());
    }
    let mut z = path.to_vec();
    z.push(0);
    const RTLD_NOW: i32 = 2;
    const RTLD_NOLOAD: i32 = 4;
    // SAFETY: `z` is NUL-terminated; NOLOAD only returns a library already loaded.
    let lib = unsafe { dlopen(z.as_ptr().cast(), RTLD_NOW | RTLD_NOLOAD) };
    let shown = String::from_utf8_lossy(path);
    if lib.is_null() {
        return Err(format!("mx_mpi_bind: {shown} is not loaded"));
    }
    let sym = |name: &str| -> Result<*mut c_void, String> {
        let c = std::ffi::CString::new(name).map_err(|e| e.to_string())?;
        // SAFETY: `lib` is a live handle and `c` a NUL-terminated name.
        let p = unsafe { dlsym(lib, c.as_ptr()) };
        if p.is_null() {
            Err(format!("mx_mpi_bind: {shown} has no {name}"))
        } else {
            Ok(p)
        }
    };
    // SAFETY: the symbols are libmpi's functions with the MPI standard's C signatures.
    let fns = unsafe {
        Fns {
            isend: std::mem::transmute::<*mut c_void, Isend>(sym("MPI_Isend")?),
            irecv: std::mem::transmute::<*mut c_void, Irecv>(sym("MPI_Irecv")?),
            testall: std::mem::transmute::<*mut c_void, Testall>(sym("MPI_Testall")?),
            reduce_local: std::mem::transmute::<*mut c_void, ReduceLocal>(sym("MPI_Reduce_local")?),
        }
    };
    let _ = FNS.set(fns);
    Ok(())
}

// Layout of the argument block of `mx_mpi_allreduce` (f64 each; [0] is its length).
const BUF: usize = 1; // address of the data (reduced in place)
const LEN: usize = 2; // elements
const ITEM: usize = 3; // bytes per element
const SEG: usize = 4; // elements per message
const DTYPE: usize = 5; // MPI_Datatype handle
const OP: usize = 6; // MPI_Op handle
const COMM: usize = 7; // MPI_Comm handle
const TAG: usize = 8;
const REQS: usize = 9; // address of the request slots
const MAX_REQS: usize = 10;
const TMP: usize = 11; // address of the receive buffer
const TMP_BYTES: usize = 12;
const SPIN_NOW: usize = 13; // µs, in and out: the adaptive spin budget
const SPIN_MAX: usize = 14; // µs
const SPIN_FLOOR: usize = 15; // µs
const STEP: usize = 16; // in: first step to run; out: the step left pending
const COUNT: usize = 17; // out: requests of the pending step
const POLLED: usize = 18; // out: steps completed while polled
const NSTEPS: usize = 19;
const SPIN_EXTRA: usize = 20; // µs added to every step's budget (the transfer's own time)
/// Address of the source when out of place (0: in place, `BUF` holds the input). Only
/// the plan's first step reads it: that step sends from it, receives the peer's data
/// straight into `BUF` (whose old contents are not input then) and reduces the source
/// into it; the later steps run in place on `BUF`. Sums commute bit for bit, so the
/// result is the in-place one.
const SRC: usize = 21;
// The bytes the caller owns from `BUF`, from `SRC` and at `REQS`: every message, reduce
// and request slot is checked against them before MPI touches the memory.
const BUF_BYTES: usize = 22;
const SRC_BYTES: usize = 23;
const REQS_BYTES: usize = 24;
const PLAN: usize = 25; // NSTEPS triples: kind, peer, keeps the lower half (halving)
/// Block length with no plan steps.
pub const HEADER: usize = PLAN;

const STEP_SEND: f64 = 0.0;
const STEP_RECV: f64 = 1.0;
const STEP_RECV_REDUCE: f64 = 2.0;
const STEP_EXCHANGE: f64 = 3.0;
const STEP_HALVE: f64 = 4.0;
const STEP_GATHER: f64 = 5.0;

/// Outcome: every step completed.
pub const DONE: i32 = 0;
/// Outcome: step `STEP`'s `COUNT` requests are still outstanding (in the request slots).
pub const PENDING: i32 = -1;

fn int(v: f64, what: &str) -> Result<usize, String> {
    if v.fract() != 0.0 || !(0.0..=9007199254740992.0).contains(&v) {
        return Err(format!("mx_mpi_allreduce: bad {what} {v}"));
    }
    Ok(v as usize)
}

fn mpi_err(code: c_int, what: &str) -> Result<(), String> {
    if code == 0 {
        Ok(())
    } else {
        Err(format!("{what}: MPI error code {code}"))
    }
}

/// Runs plan steps from `STEP`; see the layout above. DONE, PENDING, or an error.
///
/// # Safety
/// `meta` is a writable argument block; its addresses point to live memory of the
/// stated sizes and its handles are the bound libmpi's.
pub unsafe fn allreduce(meta: *mut f64) -> Result<i32, String> {
    let fns = FNS.get().ok_or("mx_mpi_allreduce: call mx_mpi_bind first")?;
    if meta.is_null() {
        return Err("null argument block".into());
    }
    let n = *meta;
    if !(HEADER as f64..=1e6).contains(&n) {
        return Err(format!("mx_mpi_allreduce: bad argument block length {n}"));
    }
    let v = std::slice::from_raw_parts_mut(meta, n as usize);
    let buf = int(v[BUF], "address")? as *mut u8;
    let len = int(v[LEN], "length")?;
    let item = int(v[ITEM], "item size")?;
    let seg = int(v[SEG], "segment")?.max(1);
    let (dt, op, comm) = (
        int(v[DTYPE], "datatype")? as Handle,
        int(v[OP], "op")? as Handle,
        int(v[COMM], "communicator")? as Handle,
    );
    let tag = int(v[TAG], "tag")? as c_int;
    let reqs = int(v[REQS], "request address")? as *mut Handle;
    let max_reqs = int(v[MAX_REQS], "request count")?;
    let tmp = int(v[TMP], "buffer address")? as *mut u8;
    let src = int(v[SRC], "source address")? as *mut u8;
    let steps = int(v[NSTEPS], "step count")?;
    if PLAN + 3 * steps > v.len()
        || steps > 128
        || len > c_int::MAX as usize
        || buf.is_null()
        || reqs.is_null()
    {
        return Err("mx_mpi_allreduce: inconsistent argument block".into());
    }
    let bytes = check_buffers(v)?;
    if int(v[TMP_BYTES], "buffer size")? < bytes || tmp.is_null() {
        return Err("mx_mpi_allreduce: receive buffer too small".into());
    }
    let segments = len.div_ceil(seg);
    let spin_max = v[SPIN_MAX];
    let floor = v[SPIN_FLOOR];
    let mut budget = v[SPIN_NOW];
    let extra = v[SPIN_EXTRA];
    let mut polled = 0.0;
    let mut i = int(v[STEP], "step")?;
    let mut outcome = DONE;
    while i < steps {
        let (kind, peer) = (v[PLAN + 3 * i], v[PLAN + 3 * i + 1] as c_int);
        // Out of place, the first step reads the source and receives into `buf`.
        let oop = i == 0 && !src.is_null() && src != buf;
        let (from, into) = if oop { (src, buf) } else { (buf, tmp) };
        let reduces = kind == STEP_RECV_REDUCE || kind == STEP_EXCHANGE || kind == STEP_HALVE;
        let (mut count, mut code) = (0usize, 0);
        // Halving steps reduce-scatter, gathering steps allgather: one message each way
        // (they run on big chunks only), on element ranges of `buf`.
        let halving = kind == STEP_HALVE || kind == STEP_GATHER;
        let (mut red_off, mut red_len) = (0, len);
        if halving {
            let ((mine, mine_n), (other, other_n)) = ranges(v, i, len)?;
            let (recv_to, recv_n, send_base, send, send_n) = if kind == STEP_HALVE {
                (into.add(mine * item), mine_n, from, other, other_n)
            } else {
                (buf.add(other * item), other_n, buf, mine, mine_n)
            };
            (red_off, red_len) = (mine, mine_n);
            code |= (fns.irecv)(recv_to.cast(), recv_n as c_int, dt, peer, tag, comm, reqs);
            code |= (fns.isend)(
                send_base.add(send * item).cast(),
                send_n as c_int,
                dt,
                peer,
                tag,
                comm,
                reqs.add(1),
            );
            count = 2;
        }
        let recv_to = if kind == STEP_RECV {
            buf
        } else if kind == STEP_SEND || kind == STEP_GATHER {
            std::ptr::null_mut()
        } else {
            into
        };
        let sends = kind == STEP_SEND || kind == STEP_EXCHANGE;
        let per = usize::from(!recv_to.is_null()) + usize::from(sends);
        if segments * per > max_reqs || count > max_reqs {
            return Err("mx_mpi_allreduce: too many requests for the slots".into());
        }
        let mut at = 0;
        while at < len && !halving {
            let l = seg.min(len - at) as c_int;
            let off = at * item;
            if !recv_to.is_null() {
                code |=
                    (fns.irecv)(recv_to.add(off).cast(), l, dt, peer, tag, comm, reqs.add(count));
                count += 1;
            }
            if sends {
                code |= (fns.isend)(from.add(off).cast(), l, dt, peer, tag, comm, reqs.add(count));
                count += 1;
            }
            at += seg;
        }
        mpi_err(code, "MPI_Isend/MPI_Irecv")?;
        let (done, next) = spin(fns, count, reqs, budget, extra, spin_max, floor)?;
        budget = next;
        if !done {
            v[COUNT] = count as f64;
            outcome = PENDING;
            break;
        }
        polled += 1.0;
        if reduces {
            // In: the peer's data (tmp), or out of place the source (the peer's is in buf).
            let off = red_off * item;
            let red_in = if oop { src } else { tmp };
            mpi_err(
                (fns.reduce_local)(
                    red_in.add(off).cast(),
                    buf.add(off).cast(),
                    red_len as c_int,
                    dt,
                    op,
                ),
                "MPI_Reduce_local",
            )?;
        }
        i += 1;
    }
    v[STEP] = i as f64;
    v[SPIN_NOW] = budget;
    v[POLLED] = polled;
    Ok(outcome)
}

/// Checks the data, source and request slots of block `v` against the byte counts the
/// caller gave for them (every step reads and writes elements [0, len) of the data, and
/// of the source when there is one): the data's byte count, or an error saying what
/// does not fit.
fn check_buffers(v: &[f64]) -> Result<usize, String> {
    let (len, item) = (int(v[LEN], "length")?, int(v[ITEM], "item size")?);
    if !matches!(item, 1 | 2 | 4 | 8) {
        return Err(format!("mx_mpi_allreduce: bad item size {item}"));
    }
    let bytes = len
        .checked_mul(item)
        .ok_or_else(|| format!("mx_mpi_allreduce: {len} elements overflow"))?;
    let too_small = |what: &str, have: usize| {
        format!(
            "mx_mpi_allreduce: {len} elements of {item} bytes ({bytes} bytes) for a {what} of \
             {have} bytes"
        )
    };
    let buf_bytes = int(v[BUF_BYTES], "buffer size")?;
    if buf_bytes < bytes {
        return Err(too_small("buffer", buf_bytes));
    }
    let src_bytes = int(v[SRC_BYTES], "source size")?;
    if int(v[SRC], "source address")? != 0 && src_bytes < bytes {
        return Err(too_small("source", src_bytes));
    }
    let (slots, slot_bytes) =
        (int(v[MAX_REQS], "request count")?, int(v[REQS_BYTES], "request bytes")?);
    if slots.checked_mul(std::mem::size_of::<Handle>()).is_none_or(|n| n > slot_bytes) {
        return Err(format!("mx_mpi_allreduce: {slots} request slots in {slot_bytes} bytes"));
    }
    Ok(bytes)
}

/// A range of elements: (first, count).
type Range = (usize, usize);

/// The element ranges of halving/gathering step `i` of `len` elements: (this rank's,
/// the peer's). A halving step splits the range both hold in two (the rank whose step
/// says "lower" keeps the lower half, of `n / 2` elements); a gathering step undoes the
/// latest split not yet undone, so both then hold its whole range again. The TS path's
/// `halvingRanges` computes the same.
fn ranges(v: &[f64], i: usize, len: usize) -> Result<(Range, Range), String> {
    let mut stack = [(0usize, 0usize, false); 64];
    let (mut depth, mut cur) = (0, (0, len));
    let halves = |(a, n): Range, lower: bool| {
        let (lo, hi) = ((a, n / 2), (a + n / 2, n - n / 2));
        if lower {
            (lo, hi)
        } else {
            (hi, lo)
        }
    };
    for j in 0..=i {
        let (kind, lower) = (v[PLAN + 3 * j], v[PLAN + 3 * j + 2] != 0.0);
        if kind == STEP_HALVE {
            let (mine, other) = halves(cur, lower);
            if j == i {
                return Ok((mine, other));
            }
            *stack.get_mut(depth).ok_or("mx_mpi_allreduce: plan too deep")? = (cur.0, cur.1, lower);
            depth += 1;
            cur = mine;
        } else if kind == STEP_GATHER {
            depth = depth.checked_sub(1).ok_or("mx_mpi_allreduce: unmatched gather step")?;
            let (a, n, lower) = stack[depth];
            let (mine, other) = halves((a, n), lower);
            if j == i {
                return Ok((mine, other));
            }
            cur = (a, n);
        }
    }
    Err("mx_mpi_allreduce: not a halving step".into())
}

/// Polls the requests for up to `budget` + `extra` µs: (completed, the next budget). The
/// budget doubles (up to `max`) after a step that completed and drops to a quarter (not
/// under `floor`) after one that did not, as the TS path's `spin` does.
unsafe fn spin(
    fns: &Fns,
    count: usize,
    reqs: *mut Handle,
    budget: f64,
    extra: f64,
    max: f64,
    floor: f64,
) -> Result<(bool, f64), String> {
    let mut flag: c_int = 0;
    let test = |flag: &mut c_int| {
        mpi_err((fns.testall)(count as c_int, reqs, flag, std::ptr::null_mut()), "MPI_Testall")
    };
    test(&mut flag)?;
    let grown = max.min(floor.max(2.0 * budget));
    if flag != 0 {
        return Ok((true, if budget < max { grown } else { budget }));
    }
    if budget + extra > 0.0 {
        let end = Instant::now() + Duration::from_secs_f64((budget + extra) * 1e-6);
        loop {
            for _ in 0..8 {
                test(&mut flag)?;
                if flag != 0 {
                    return Ok((true, grown));
                }
            }
            if Instant::now() >= end {
                break;
            }
        }
    }
    Ok((false, max.min(floor.max(budget / 4.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_refuses_a_library_that_is_not_loaded() {
        let path = b"/nonexistent/libmpi.so";
        let block = [4.0, path.as_ptr() as usize as f64, path.len() as f64, LAYOUT as f64];
        let mut m = unsafe { Meta::from_raw(block.as_ptr()) }.unwrap();
        let e = bind(&mut m).unwrap_err();
        assert!(e.contains("is not loaded"), "{e}");
    }

    #[test]
    fn bind_refuses_another_layout() {
        let path = b"libmpi.so.40";
        let block = [4.0, path.as_ptr() as usize as f64, path.len() as f64, 99.0];
        let mut m = unsafe { Meta::from_raw(block.as_ptr()) }.unwrap();
        assert!(bind(&mut m).unwrap_err().contains("layout"));
    }

    #[test]
    fn halving_ranges_split_and_rejoin() {
        // Rank 0 of 4: halve with ranks 1 and 2 (keeping the lower halves), then gather.
        let mut v = vec![0.0; PLAN];
        for kind in [STEP_HALVE, STEP_HALVE, STEP_GATHER, STEP_GATHER] {
            v.extend([kind, 1.0, 1.0]);
        }
        assert_eq!(ranges(&v, 0, 10), Ok(((0, 5), (5, 5))));
        assert_eq!(ranges(&v, 1, 10), Ok(((0, 2), (2, 3))));
        assert_eq!(ranges(&v, 2, 10), Ok(((0, 2), (2, 3))));
        assert_eq!(ranges(&v, 3, 10), Ok(((0, 5), (5, 5))));
        // The upper side of an odd split holds the extra element.
        v[PLAN + 2] = 0.0;
        assert_eq!(ranges(&v, 0, 11), Ok(((5, 6), (0, 5))));
    }

    #[test]
    fn buffers_are_checked_against_the_sizes_given() {
        let mut v = vec![0.0; PLAN];
        let ok = |v: &mut Vec<f64>| {
            (v[LEN], v[ITEM], v[BUF_BYTES]) = (10.0, 4.0, 40.0);
            (v[SRC], v[SRC_BYTES], v[MAX_REQS], v[REQS_BYTES]) = (0.0, 0.0, 4.0, 32.0);
        };
        ok(&mut v);
        assert_eq!(check_buffers(&v), Ok(40));
        let cases: [(usize, f64, &str); 5] = [
            (BUF_BYTES, 39.0, "(40 bytes) for a buffer of 39 bytes"),
            (ITEM, 3.0, "bad item size 3"),
            (SRC, 4096.0, "(40 bytes) for a source of 0 bytes"),
            (REQS_BYTES, 31.0, "4 request slots in 31 bytes"),
            (LEN, 1e17, "bad length"),
        ];
        for (field, value, message) in cases {
            ok(&mut v);
            v[field] = value;
            let e = check_buffers(&v).unwrap_err();
            assert!(e.contains(message), "{e}");
        }
        // A source that holds the data is fine.
        ok(&mut v);
        (v[SRC], v[SRC_BYTES]) = (4096.0, 40.0);
        assert_eq!(check_buffers(&v), Ok(40));
    }

    #[test]
    fn allreduce_checks_its_block() {
        let mut block = [HEADER as f64 - 1.0; HEADER];
        let r = unsafe { allreduce(block.as_mut_ptr()) };
        assert!(r.is_err());
    }
}
