//! bootready: thin entry point. Parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// musl's allocator is slow for many small allocations (see Cargo.toml); glibc's is kept.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = bootready::cli::Cli::parse();
    match bootready::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bootready: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
