//! The memory allocator of Roster's binaries.
//!
//! mimalloc keeps a heap per thread, so the rayon workers of the import, the policy
//! evaluation and the rules do not contend for one heap as they do under the system
//! allocator. By default it returns freed memory to the system after about a second. The next
//! stage of a scan then faults in fresh pages, which the kernel zeroes: on an estate of
//! 100,000 principals that took about an eighth of the scan's processor time. A scan is a
//! short process whose peak comes late, so memory returned early is requested again.
//! [`keep_freed_memory`] makes mimalloc keep it.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`: its position in the `mi_option_e` enumeration of the
/// mimalloc 3 sources that libmimalloc-sys builds, which names no constant for it.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The purge delay at which mimalloc never returns freed memory.
const NEVER: std::os::raw::c_long = -1;

/// The environment variable through which mimalloc reads its purge delay.
const PURGE_DELAY_VARIABLE: &str = "MIMALLOC_PURGE_DELAY";

/// Sets mimalloc to keep freed memory for reuse instead of returning it to the system, and
/// returns whether it did. Call it first thing in `main`.
///
/// mimalloc stores its options without synchronization, so the option is set only while
/// the process runs a single thread, which Linux shows in `/proc/self/task`. Elsewhere, once
/// other threads run, or when `MIMALLOC_PURGE_DELAY` chooses a delay, nothing changes.
pub fn keep_freed_memory() -> bool {
    if std::env::var_os(PURGE_DELAY_VARIABLE).is_some() || !single_threaded() {
        return false;
    }
    set_option(PURGE_DELAY, NEVER);
    true
}

/// Returns whether the process runs one thread. Only this thread could start another, so a
/// true result stays true until it does.
fn single_threaded() -> bool {
    std::fs::read_dir("/proc/self/task").is_ok_and(|tasks| tasks.count() == 1)
}

#[allow(unsafe_code)]
fn set_option(option: libmimalloc_sys::mi_option_t, value: std::os::raw::c_long) {
    // SAFETY: `mi_option_set` stores one integer in mimalloc's table of options and takes no
    // pointer. The store is not synchronized, and the caller checked that no other thread
    // runs, so no other thread reads the option meanwhile.
    unsafe { libmimalloc_sys::mi_option_set(option, value) };
}

#[cfg(test)]
#[allow(unsafe_code)]
fn option(option: libmimalloc_sys::mi_option_t) -> std::os::raw::c_long {
    // SAFETY: `mi_option_get` reads one integer from mimalloc's table of options and takes no
    // pointer. mimalloc reads its options this way from every thread that allocates.
    unsafe { libmimalloc_sys::mi_option_get(option) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// mimalloc's default purge delay is 1,000 ms, and no other option of its table defaults
    /// to that value, so this fails if a new mimalloc moves the option to another position.
    #[test]
    fn purge_delay_option_position() {
        if std::env::var_os(PURGE_DELAY_VARIABLE).is_some() {
            eprintln!("skipped: {PURGE_DELAY_VARIABLE} is set, so the default cannot be read");
            return;
        }

        assert_eq!(option(PURGE_DELAY), 1000);
    }

    /// The test harness runs this test beside its main thread, and the test starts one more.
    #[test]
    fn other_threads_keep_the_default() {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let waiting = std::thread::spawn(move || wait.recv());

        let changed = keep_freed_memory();
        let single = single_threaded();

        release.send(()).unwrap();
        waiting.join().unwrap().unwrap();
        assert!(!changed);
        assert!(!single);
    }
}
