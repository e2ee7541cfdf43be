//! The interactive shell.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor};
use tokio::runtime::Runtime;

use super::helper::LakeHelper;
use super::meta::MetaCommand;
use super::runner::{ScriptSource, report, run_scripts};
use super::{ShellOptions, StatsMode};
use crate::session::Session;
use crate::sql::split_script;
use crate::storage::s3_config::mentions_secret;

/// Runs the REPL until `\q` or end of input. `history` is the history file.
pub fn run_repl(
    runtime: &Runtime,
    session: &mut Session,
    mut options: ShellOptions,
    history: Option<PathBuf>,
) -> rustyline::Result<()> {
    let database = Arc::new(Mutex::new(session.database().to_string()));
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<LakeHelper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(LakeHelper::new(
        session.store().clone(),
        database.clone(),
    )));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let mut timing = true;
    if !options.quiet {
        eprintln!(
            "lakesql {} — \\? for help, \\q to quit",
            env!("CARGO_PKG_VERSION")
        );
    }
    loop {
        let prompt = format!("lakesql:{}> ", session.database());
        let line = match editor.readline(&prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e),
        };
        let input = line.trim();
        if input.is_empty() {
            continue;
        }
        // A line that sets a secret S3 setting is not written to the history file.
        if !mentions_secret(input) {
            let _ = editor.add_history_entry(input);
        }
        if input.starts_with('\\') {
            match input.parse::<MetaCommand>() {
                Ok(MetaCommand::Quit) => break,
                Ok(MetaCommand::Help) => eprintln!("{}", MetaCommand::help()),
                Ok(MetaCommand::Timing) => {
                    timing = !timing;
                    eprintln!("statistics line {}", if timing { "on" } else { "off" });
                }
                Ok(MetaCommand::Format(f)) => {
                    options.format = f;
                    let name = clap::ValueEnum::to_possible_value(&f)
                        .map(|v| v.get_name().to_string())
                        .unwrap_or_default();
                    eprintln!("output format {name}");
                }
                Ok(MetaCommand::Include(file)) => {
                    let sources = [ScriptSource::File(PathBuf::from(file))];
                    let mut script_options = options.clone();
                    script_options.continue_on_error = false;
                    runtime.block_on(run_scripts(session, &sources, &script_options));
                }
                Ok(other) => {
                    let sql = other.as_sql().expect("listing commands have SQL");
                    run_line(runtime, session, &sql, &options, timing);
                }
                Err(e) => eprintln!("error: {e}"),
            }
        } else {
            run_line(runtime, session, input, &options, timing);
        }
        if let Ok(mut db) = database.lock() {
            *db = session.database().to_string();
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    Ok(())
}

/// Runs the statements of one REPL entry; Ctrl-C cancels the running one.
fn run_line(
    runtime: &Runtime,
    session: &mut Session,
    sql: &str,
    options: &ShellOptions,
    timing: bool,
) {
    let statements = match split_script(sql) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return;
        }
    };
    for stmt in statements {
        let result = runtime.block_on(async {
            tokio::select! {
                r = session.execute_statement(stmt) => Some(r),
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        match result {
            Some(Ok(output)) => {
                report(&output, options, timing || options.stats == StatsMode::Json)
            }
            Some(Err(e)) => {
                eprintln!("error: {e}");
                return;
            }
            None => {
                eprintln!("query cancelled");
                return;
            }
        }
    }
}
