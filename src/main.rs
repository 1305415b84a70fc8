//! bootready: thin entry point. Parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

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
