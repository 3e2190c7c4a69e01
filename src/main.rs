//! The `verbatim` command line: parses arguments and hands each command to `cli`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    if !verbatim::onnx::telemetry_off() {
        // ONNX Runtime reads this from the environment, which only a fresh process image gets
        // safely: start again with it. `exec` returns only if it failed, and then the runtime
        // refuses to load with a message that says why.
        use std::os::unix::process::CommandExt;
        if let Ok(exe) = std::env::current_exe() {
            let mut args = std::env::args_os();
            let mut again = std::process::Command::new(exe);
            if let Some(name) = args.next() {
                again.arg0(name);
            }
            let _failed = again.args(args).env(verbatim::onnx::NO_TELEMETRY_VAR, "1").exec();
        }
    }
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
