//! Two pieces of work at once: one on a thread of its own, on another CPU than the caller's
//! when the machine has one, while the caller does the other.

use std::sync::{Mutex, PoisonError};

/// Runs `there` on a new thread named `name` and `here` on the calling thread, and returns
/// both results. When the caller may use only one CPU, or no thread can be started, the
/// caller runs `there` after `here`. A panic in `there` is raised again here.
///
/// On Linux the kernel starts a new thread on its parent's CPU. On a 2-vCPU KVM guest it
/// waited there 0.7 to 2 ms for the load balancer, as long as the work itself, or ran first
/// and stalled its parent. So the thread's first act is to move itself off the caller's CPU
/// (its affinity set to the others, then given back whole, so that the scheduler stays free),
/// and the caller yields once, so that the thread starts at once.
pub fn both<A: Send, B>(name: &str, there: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    if !cpu::several() {
        let b = here();
        return (there(), b);
    }
    // Taken by the thread, or here when no thread could be started.
    let work = Mutex::new(Some(there));
    let caller = cpu::current();
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().name(name.to_string()).spawn_scoped(scope, || {
            if let Some(caller) = caller {
                let _moved_to = cpu::move_off(caller);
            }
            take(&work).map(|work| work())
        });
        if thread.is_ok() && caller.is_some() {
            std::thread::yield_now();
        }
        let b = here();
        let a = match thread.map(|thread| thread.join()) {
            Ok(Ok(Some(a))) => a,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Ok(Ok(None)) | Err(_) => take(&work).expect("the work is taken once")(),
        };
        (a, b)
    })
}

fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

#[cfg(target_os = "linux")]
mod cpu {
    use std::mem::{size_of, zeroed};

    const SIZE: usize = size_of::<libc::cpu_set_t>();

    /// The CPUs the calling thread may run on.
    fn allowed() -> Option<libc::cpu_set_t> {
        // SAFETY: cpu_set_t is plain bits (all-zero is the empty set), given with its size.
        unsafe {
            let mut set: libc::cpu_set_t = zeroed();
            (libc::sched_getaffinity(0, SIZE, &mut set) == 0).then_some(set)
        }
    }

    /// True when the calling thread may run on more than one CPU (or cannot tell).
    pub fn several() -> bool {
        // SAFETY: CPU_COUNT reads the set's bits.
        allowed().is_none_or(|set| unsafe { libc::CPU_COUNT(&set) } > 1)
    }

    /// The CPU the calling thread runs on.
    pub fn current() -> Option<usize> {
        // SAFETY: no arguments; returns a CPU number or -1.
        usize::try_from(unsafe { libc::sched_getcpu() }).ok()
    }

    /// Moves the calling thread to one of its allowed CPUs other than `cpu`, if it has one,
    /// then allows it every CPU it was allowed before; returns the CPU it moved to. Any
    /// failure leaves it where it is (`None`).
    pub fn move_off(cpu: usize) -> Option<usize> {
        let allowed = allowed()?;
        if cpu >= 8 * SIZE {
            return None;
        }
        let mut others = allowed;
        // SAFETY: CPU_CLR is given a CPU below CPU_SETSIZE; the calls get the sets' size.
        unsafe {
            libc::CPU_CLR(cpu, &mut others);
            if libc::CPU_COUNT(&others) == 0 || libc::sched_setaffinity(0, SIZE, &others) != 0 {
                return None;
            }
            // The kernel has moved the thread before the call returns.
            let moved_to = current();
            libc::sched_setaffinity(0, SIZE, &allowed);
            moved_to
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod cpu {
    /// True when the process may use more than one CPU (or cannot tell).
    pub fn several() -> bool {
        std::thread::available_parallelism().map_or(true, |n| n.get() > 1)
    }

    /// Not known here: the thread is left where the system starts it.
    pub fn current() -> Option<usize> {
        None
    }

    pub fn move_off(_cpu: usize) -> Option<usize> {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    #[test]
    fn both_pieces_run_and_the_first_on_its_own_named_thread() {
        let caller = thread::current().id();
        let ((there, id, name), here) = super::both(
            "beside-test",
            || {
                let me = thread::current();
                (6 * 7, me.id(), me.name().map(str::to_string))
            },
            || (thread::current().id(), "here"),
        );
        assert_eq!(there, 42);
        assert_ne!(id, caller);
        assert_eq!(name.as_deref(), Some("beside-test"));
        assert_eq!(here, (caller, "here"));
    }

    #[test]
    fn a_slow_piece_there_is_waited_for() {
        let (there, here) = super::both(
            "beside-slow",
            || {
                thread::sleep(std::time::Duration::from_millis(20));
                "slow"
            },
            || "fast",
        );
        assert_eq!((there, here), ("slow", "fast"));
    }

    #[test]
    #[should_panic(expected = "broken there")]
    fn a_panic_there_is_raised_here() {
        super::both("beside-panic", || panic!("broken there"), || ());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn with_one_cpu_both_pieces_run_on_the_caller() {
        thread::spawn(|| {
            let cpu = super::cpu::current().expect("Linux knows the CPU");
            // SAFETY: a set of one CPU below CPU_SETSIZE, given with its size.
            unsafe {
                let mut one: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(cpu, &mut one);
                assert_eq!(libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &one), 0);
            }
            assert!(!super::cpu::several());
            let caller = thread::current().id();
            let (there, here) =
                super::both("beside-one", || thread::current().id(), || thread::current().id());
            assert_eq!((there, here), (caller, caller));
        })
        .join()
        .unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn moving_off_a_cpu_keeps_the_threads_mask() {
        thread::spawn(|| {
            let before = super::cpu::current().expect("Linux knows the CPU");
            // SAFETY: all-zero sets, filled by the kernel, given with their size.
            let mask = |set: &mut libc::cpu_set_t| unsafe {
                libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set)
            };
            let (mut a, mut b) = unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
            assert_eq!(mask(&mut a), 0);
            let moved_to = super::cpu::move_off(before);
            assert_eq!(mask(&mut b), 0);
            assert!(unsafe { libc::CPU_EQUAL(&a, &b) }, "the mask is given back whole");
            if unsafe { libc::CPU_COUNT(&a) } > 1 {
                let cpu = moved_to.expect("another CPU is allowed");
                assert_ne!(cpu, before, "the thread left its CPU");
                assert!(unsafe { libc::CPU_ISSET(cpu, &a) }, "for an allowed one");
            } else {
                assert_eq!(moved_to, None, "with one CPU it stays");
            }
        })
        .join()
        .unwrap();
    }
}
