//! `verbatim models [list] | add PATH|URL [--name NAME] [--licence TEXT] | remove NAME`: the
//! speech recognition and speaker models in verbatim's data folder, shared by every project.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use verbatim::asr::models::ModelKind;
use verbatim::asr::{InstalledModel, ModelStore};

use super::ui;

/// Speech recognition models: list, add, remove.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List the installed models (the default).
    List,
    /// Add a whisper.cpp model file (e.g. ggml-base.bin, NB-Whisper's ggml files) or an ONNX
    /// speaker model (e.g. embedder.int8.onnx) from a path or an https:// address; it is
    /// checked to load before it is kept.
    Add(AddArgs),
    /// Remove an installed model.
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// The model file, or its https:// address.
    source: String,
    /// The name `--model` will take (default: from the file name, ggml-base.bin → base).
    #[arg(long)]
    name: Option<String>,
    /// The model's licence, for the record (default: told from the name for Whisper and NB-Whisper).
    #[arg(long)]
    licence: Option<String>,
}

#[derive(Debug, clap::Args)]
struct RemoveArgs {
    /// The model's name (see `verbatim models`).
    name: String,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let store = ModelStore::user()?;
    match args.command.unwrap_or(Command::List) {
        Command::List => list(&store),
        Command::Add(add) => {
            let mut bar = ui::Progress::new(1);
            let (name, licence) = (add.name.as_deref(), add.licence.as_deref());
            let added = if add.source.starts_with("https://") || add.source.starts_with("http://") {
                store.add_url(&add.source, name, licence, &mut |done, total| bar.update(0, done, total.unwrap_or(0)))
            } else {
                store
                    .add_file(&PathBuf::from(&add.source), name, licence, &mut |done, total| bar.update(0, done, total))
            };
            bar.clear();
            let model = added?;
            say!("Added {}: {}", model.name, describe(&model));
            say!("SHA-256 {}", model.info.sha256);
            let command = match model.info.kind {
                ModelKind::Whisper => "transcribe",
                ModelKind::Speaker => "speakers",
            };
            say!("Use it with `verbatim {command} DIR SESSION --model {}`.", model.name);
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove(remove) => {
            let model = store.remove(&remove.name)?;
            say!("Removed {} ({}).", model.name, model.path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(store: &ModelStore) -> Result<ExitCode> {
    let models = store.list()?;
    if models.is_empty() {
        say!("No models are installed (in {}).", store.dir().display());
        say!("Add a whisper.cpp model file with `verbatim models add FILE|URL`; the README lists models per language.");
        return Ok(ExitCode::SUCCESS);
    }
    for model in &models {
        say!("{:<24} {}", model.name, describe(model));
        say!("{:<24} SHA-256 {}", "", model.info.sha256);
        say!(
            "{:<24} licence: {}",
            "",
            model.info.licence.as_deref().unwrap_or("not given (add it with --licence when adding)")
        );
    }
    say!("{} in {}", ui::plural(models.len(), "model"), store.dir().display());
    Ok(ExitCode::SUCCESS)
}

/// `whisper, tiny, English only, f16, 77.7 MB, added 2026-12-06 from PATH`.
fn describe(model: &InstalledModel) -> String {
    format!(
        "{}, {}, {:.1} MB, added {} from {}",
        model.info.kind,
        model.info.description,
        model.info.bytes as f64 / 1e6,
        model.info.added.format("%Y-%m-%d"),
        model.info.source
    )
}
