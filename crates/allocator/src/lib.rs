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

/// Sets mimalloc to keep freed memory for reuse instead of returning it to the system. Call
/// it first thing in `main`.
pub fn keep_freed_memory() {
    set_option(PURGE_DELAY, NEVER);
}

#[allow(unsafe_code)]
fn set_option(option: libmimalloc_sys::mi_option_t, value: std::os::raw::c_long) {
    // SAFETY: `mi_option_set` stores one integer in mimalloc's table of options. It takes no
    // pointer, and mimalloc allows it from any thread at any time.
    unsafe { libmimalloc_sys::mi_option_set(option, value) };
}

#[cfg(test)]
#[allow(unsafe_code)]
fn option(option: libmimalloc_sys::mi_option_t) -> std::os::raw::c_long {
    // SAFETY: `mi_option_get` reads one integer from mimalloc's table of options. It takes no
    // pointer, and mimalloc allows it from any thread at any time.
    unsafe { libmimalloc_sys::mi_option_get(option) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mimalloc's default purge delay is 1,000 ms, and no other option of its table defaults
    /// to that value, so this fails if a new mimalloc moves the option to another position.
    #[test]
    fn purge_delay_option_position() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            eprintln!("skipped: MIMALLOC_PURGE_DELAY is set, so the default cannot be read");
            return;
        }
        assert_eq!(option(PURGE_DELAY), 1000);

        keep_freed_memory();

        assert_eq!(option(PURGE_DELAY), NEVER);
    }
}
