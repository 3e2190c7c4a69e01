//! The `verbatim` command line: parses arguments and hands each command to `cli`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            // Our messages already carry the path and the fix; print a source only if it adds words.
            let mut shown = err.to_string();
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !shown.contains(&text) {
                    shown = format!("{shown}: {text}");
                }
            }
            eprintln!("verbatim: error: {shown}");
            ExitCode::FAILURE
        }
    }
}
