// mimalloc: a plan of 50,000 resources allocates millions of small maps and strings; glibc's
// malloc spent a fifth of the time in its free lists (`malloc_consolidate`, `_int_free`) and
// fragments more.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(eipform::cli::main());
}
