//! The `verbatim` command line: parses arguments and hands each command to `cli`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Err(e) = verbatim::securefs::no_core_dumps() {
        // Keys and transcripts must not land in a core file; say so rather than run unprotected.
        eprintln!("verbatim: error: could not turn off core dumps ({e}); secrets could reach a core file");
        return ExitCode::FAILURE;
    }
    match cli::run() {
        Ok(code) => code,
        Err((err, hint)) => {
            cli::report(&err, hint.as_deref());
            ExitCode::FAILURE
        }
    }
}
