fn main() {
    std::process::exit(eipform::cli::main());
}
