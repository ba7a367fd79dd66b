// mimalloc: a plan of 50,000 resources allocates millions of small maps and strings; glibc's
// malloc spent a fifth of the time in its free lists (`malloc_consolidate`, `_int_free`) and
// fragments more.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc.h (v3, the version libmimalloc-sys 0.1.49 builds), which
/// the Rust bindings do not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // No transparent huge pages: each thread's heap faulted in (and zeroed) 2 MB at a time.
    // Without them a plan of 1,000 EIPs peaks at 43 MB instead of 71 MB, and larger runs at
    // ~25 MB less, in the same time. mimalloc is built not to ask for them (`no_thp` in
    // Cargo.toml), which also covers what the runtime allocates before `main`; this covers the
    // rest, and systems whose kernel gives them to every mapping (`enabled` = `always`).
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of ours.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // Freed memory goes back to the system after 30 ms instead of a second (`MIMALLOC_VERBOSE=1`
    // lists the defaults). Memory freed by one phase of a run (the plan's tables, the rehearsal's
    // copies) was held while the next phase allocated afresh. A 50,000-resource apply peaked at
    // 313-324 MB with the default, 295-300 MB with 100 ms and 281-283 MB with 30 ms; 10 ms and
    // 1 ms saved nothing more and cost more system time (returned pages fault in again).
    // SAFETY: sets one of mimalloc's options, which it reads whenever it purges.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 30);
    }
    // Before anything opens a database. Refused, SQLite keeps its own allocator: slower, not
    // wrong.
    eipform::sqlite_alloc::configure();
    let code = eipform::cli::main();
    // At exit mimalloc collects its arenas and purges what is free (`madvise`), 0.7-1.7 ms of a
    // 40 ms plan; the kernel frees the same memory when the process ends.
    // SAFETY: as above.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
    std::process::exit(code);
}
