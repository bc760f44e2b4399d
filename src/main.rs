//! The `choreo` binary: parse arguments, run, map the outcome to an exit status.

use std::process::ExitCode;

fn main() -> ExitCode {
    match choreo::cli::run(std::env::args_os()) {
        Ok(status) => ExitCode::from(status.code()),
        Err(error) => {
            eprintln!("{error:?}");
            ExitCode::from(2)
        }
    }
}
