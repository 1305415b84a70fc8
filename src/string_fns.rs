//! `memcpy`, `memmove`, `memcmp` and `bcmp` for the static musl build on x86-64.
//!
//! musl's own run `rep movsq` (and a byte loop for the ends) for every copy, and a byte loop
//! for every comparison. Rust calls them for nearly every string it copies or compares, and
//! most are short: of a Debian check's 19 000 copies half are under 6 bytes, and its 23 000
//! comparisons (sorting and searching listings) stop within 10. There they cost ~8% of the
//! check. These do a short copy with at most four unaligned 16-byte loads then stores, a
//! longer one with `rep movsb`, and compare eight bytes at a time.
//!
//! They are plain functions everywhere (so the host's tests hold them to a byte-by-byte
//! reference); only the musl x86-64 build exports them under the C names, in place of musl's.
//! No loop here copies bytes, so the compiler cannot turn one back into a call to `memcpy`.

use std::ptr::{read_unaligned, write_unaligned};

/// Copies `n <= 64` bytes: every load before any store, so the regions may overlap.
///
/// # Safety
/// `src` readable and `dst` writable for `n` bytes.
#[inline(always)]
unsafe fn copy_short(dst: *mut u8, src: *const u8, n: usize) {
    // SAFETY (all below): each access is within the first or last 16 (8, 4, 2) bytes of
    // the `n` bytes, for an `n` at least that large.
    unsafe {
        if n >= 16 {
            let a = read_unaligned(src.cast::<[u64; 2]>());
            let z = read_unaligned(src.add(n - 16).cast::<[u64; 2]>());
            if n > 32 {
                let b = read_unaligned(src.add(16).cast::<[u64; 2]>());
                let y = read_unaligned(src.add(n - 32).cast::<[u64; 2]>());
                write_unaligned(dst.add(16).cast::<[u64; 2]>(), b);
                write_unaligned(dst.add(n - 32).cast::<[u64; 2]>(), y);
            }
            write_unaligned(dst.cast::<[u64; 2]>(), a);
            write_unaligned(dst.add(n - 16).cast::<[u64; 2]>(), z);
        } else if n >= 8 {
            let a = read_unaligned(src.cast::<u64>());
            let z = read_unaligned(src.add(n - 8).cast::<u64>());
            write_unaligned(dst.cast::<u64>(), a);
            write_unaligned(dst.add(n - 8).cast::<u64>(), z);
        } else if n >= 4 {
            let a = read_unaligned(src.cast::<u32>());
            let z = read_unaligned(src.add(n - 4).cast::<u32>());
            write_unaligned(dst.cast::<u32>(), a);
            write_unaligned(dst.add(n - 4).cast::<u32>(), z);
        } else if n >= 2 {
            let a = read_unaligned(src.cast::<u16>());
            let z = read_unaligned(src.add(n - 2).cast::<u16>());
            write_unaligned(dst.cast::<u16>(), a);
            write_unaligned(dst.add(n - 2).cast::<u16>(), z);
        } else if n == 1 {
            *dst = *src;
        }
    }
}

/// Copies `n` bytes front to back.
///
/// # Safety
/// As `memcpy`; the regions may overlap only with `dst` before `src`.
pub unsafe fn copy_forward(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if n <= 64 {
        // SAFETY: the caller's guarantee.
        unsafe { copy_short(dst, src, n) };
    } else {
        // SAFETY: the caller's guarantee; the direction flag is clear (the ABI's default).
        unsafe {
            std::arch::asm!(
                "rep movsb",
                inout("rcx") n => _,
                inout("rdi") dst => _,
                inout("rsi") src => _,
                options(nostack, preserves_flags)
            );
        }
    }
    dst
}

/// Copies `n` bytes between regions that may overlap.
///
/// # Safety
/// As `memmove`.
pub unsafe fn copy_any(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // `dst` before `src`, or past its end: front to back is right (as musl's memmove).
    if (dst as usize).wrapping_sub(src as usize) >= n || n <= 64 {
        // SAFETY: the caller's guarantee; a short copy loads everything first.
        return unsafe { copy_forward(dst, src, n) };
    }
    // SAFETY: the caller's guarantee; back to front from the last byte, direction flag
    // restored.
    unsafe {
        std::arch::asm!(
            "std",
            "rep movsb",
            "cld",
            inout("rcx") n => _,
            inout("rdi") dst.add(n - 1) => _,
            inout("rsi") src.add(n - 1) => _,
            options(nostack)
        );
    }
    dst
}

/// Compares `n` bytes as unsigned: negative, zero or positive, as `memcmp`.
///
/// # Safety
/// Both readable for `n` bytes.
pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: `i + 8 <= n`.
        let (x, y) = unsafe {
            (
                u64::from_be(read_unaligned(a.add(i).cast::<u64>())),
                u64::from_be(read_unaligned(b.add(i).cast::<u64>())),
            )
        };
        if x != y {
            return if x < y { -1 } else { 1 };
        }
        i += 8;
    }
    while i < n {
        // SAFETY: `i < n`.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

#[cfg(target_env = "musl")]
mod exported {
    /// # Safety
    /// As C's `memcpy`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the C contract.
        unsafe { super::copy_forward(dst, src, n) }
    }

    /// # Safety
    /// As C's `memmove`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the C contract.
        unsafe { super::copy_any(dst, src, n) }
    }

    /// # Safety
    /// As C's `memcmp`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: the C contract.
        unsafe { super::compare(a, b, n) }
    }

    /// # Safety
    /// As C's `bcmp`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: the C contract.
        unsafe { super::compare(a, b, n) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer of bytes that differ from their neighbours, seeded by `seed`.
    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(151).wrapping_add(seed)).collect()
    }

    #[test]
    fn copy_forward_copies_every_length_at_every_alignment() {
        let src = pattern(400, 7);
        for n in 0..=300 {
            for s in 0..16 {
                for d in 0..16 {
                    let mut got = pattern(400, 99);
                    let mut want = got.clone();
                    want[d..d + n].copy_from_slice(&src[s..s + n]);
                    // SAFETY: both buffers hold `d + n` / `s + n` bytes.
                    let ret = unsafe { copy_forward(got.as_mut_ptr().add(d), src.as_ptr().add(s), n) };
                    assert_eq!(ret, got.as_mut_ptr().wrapping_add(d));
                    assert!(got == want, "n {n} src +{s} dst +{d}");
                }
            }
        }
    }

    #[test]
    fn copy_any_copies_overlapping_regions_either_way() {
        for n in (0..=200).chain([255, 256, 257, 511, 1000]) {
            for shift in -70isize..=70 {
                let base = 100usize;
                let (s, d) = (base, base.wrapping_add_signed(shift));
                let mut got = pattern(1300, 3);
                let mut want = got.clone();
                want.copy_within(s..s + n, d);
                let p = got.as_mut_ptr();
                // SAFETY: `s + n` and `d + n` are within the 1 300 bytes.
                let ret = unsafe { copy_any(p.add(d), p.add(s), n) };
                assert_eq!(ret, p.wrapping_add(d));
                assert!(got == want, "n {n} shift {shift}");
            }
        }
    }

    #[test]
    fn compare_orders_as_unsigned_bytes() {
        let sign = |o: std::cmp::Ordering| o as i32;
        for n in 0..=40 {
            let a = pattern(n, 11);
            // SAFETY: both hold `n` bytes.
            assert_eq!(unsafe { compare(a.as_ptr(), a.as_ptr(), n) }, 0);
            for at in 0..n {
                for (x, y) in [(0x00, 0xff), (0x7f, 0x80), (0x80, 0x7f), (0xff, 0x00), (1, 2)] {
                    let (mut a, mut b) = (pattern(n, 11), pattern(n, 11));
                    a[at] = x;
                    b[at] = y;
                    // Bytes after the first difference do not count.
                    if at + 1 < n {
                        b[n - 1] ^= 0xff;
                    }
                    // SAFETY: both hold `n` bytes.
                    let got = unsafe { compare(a.as_ptr(), b.as_ptr(), n) };
                    assert_eq!(got.signum(), sign(a.cmp(&b)), "n {n} at {at} {x:#x} vs {y:#x}");
                }
            }
        }
    }
}
