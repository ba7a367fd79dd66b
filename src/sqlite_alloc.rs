//! SQLite's memory: through mimalloc, without SQLite's own statistics.
//!
//! SQLite allocates with the C library's `malloc` unless told otherwise, and by default counts
//! every allocation under a global mutex (`SQLITE_CONFIG_MEMSTATUS`). A call to the simulated
//! cloud copies each page it first changes into its savepoint's in-memory journal, in chunks of
//! 1 KB: a 1,000-EIP apply made ~93 k allocations through SQLite, and with glibc's `malloc` and
//! the statistics, allocating and freeing took ~7 % of its instructions. eipform reads none of
//! the statistics (`sqlite3_memory_used`, heap limits).

use std::ffi::{c_int, c_void};

use rusqlite::ffi;

/// Points SQLite's allocator at mimalloc and turns its statistics off. Must run before SQLite
/// is first used (the start of `main`); `false` when SQLite refused (it already was in use).
pub fn configure() -> bool {
    // SQLite copies the methods before `sqlite3_config` returns.
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: `sqlite3_config` takes the option and its documented argument (an int, and a
    // pointer to methods); before `sqlite3_initialize` nothing else runs in SQLite, and after
    // it SQLite answers SQLITE_MISUSE without changing anything.
    unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) == ffi::SQLITE_OK
            && ffi::sqlite3_config(
                ffi::SQLITE_CONFIG_MALLOC,
                &methods as *const ffi::sqlite3_mem_methods,
            ) == ffi::SQLITE_OK
    }
}

// SAFETY (all below): SQLite calls these as `sqlite3_mem_methods` requires: sizes it has
// checked to be positive, and pointers that `x_malloc`/`x_realloc` returned.

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    unsafe { libmimalloc_sys::mi_malloc(n as usize) }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    unsafe { libmimalloc_sys::mi_free(p) }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    unsafe { libmimalloc_sys::mi_realloc(p, n as usize) }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    unsafe { libmimalloc_sys::mi_usable_size(p) as c_int }
}

extern "C" fn x_roundup(n: c_int) -> c_int {
    (n + 7) & !7
}

extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

extern "C" fn x_shutdown(_: *mut c_void) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_methods_allocate_resize_and_measure_as_sqlite_expects() {
        unsafe {
            let p = x_malloc(100).cast::<u8>();
            assert!(!p.is_null());
            assert!(x_size(p.cast()) >= 100);
            assert_eq!(p as usize % 8, 0, "SQLite needs 8-byte alignment");
            for i in 0..100 {
                *p.add(i) = i as u8;
            }
            let q = x_realloc(p.cast(), 5000).cast::<u8>();
            assert!(x_size(q.cast()) >= 5000);
            assert!((0..100).all(|i| *q.add(i) == i as u8));
            x_free(q.cast());
        }
        assert_eq!((x_roundup(1), x_roundup(8), x_roundup(9)), (8, 8, 16));
    }
}
