//! The interactive shell.

use std::path::{Path, PathBuf};
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
    options: ShellOptions,
    history: Option<PathBuf>,
) -> rustyline::Result<()> {
    let database = Arc::new(Mutex::new(session.database().to_string()));
    let mut editor = editor(runtime, session, &database)?;
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    if !options.quiet {
        eprintln!(
            "lakesql {} — \\? for help, \\q to quit",
            env!("CARGO_PKG_VERSION")
        );
    }
    let mut repl = Repl {
        runtime,
        session,
        options,
        timing: true,
    };
    loop {
        let prompt = format!("lakesql:{}> ", repl.session.database());
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
        if repl.entry(input) == Flow::Quit {
            break;
        }
        if let Ok(mut db) = database.lock() {
            *db = repl.session.database().to_string();
        }
    }
    save_history(&mut editor, history.as_deref());
    Ok(())
}

/// The line editor with lakesql's completion and multi-line helper.
fn editor(
    runtime: &Runtime,
    session: &Session,
    database: &Arc<Mutex<String>>,
) -> rustyline::Result<Editor<LakeHelper, DefaultHistory>> {
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<LakeHelper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(LakeHelper::new(
        session.catalog().clone(),
        runtime.handle().clone(),
        database.clone(),
    )));
    Ok(editor)
}

fn save_history(editor: &mut Editor<LakeHelper, DefaultHistory>, history: Option<&Path>) {
    let Some(h) = history else { return };
    if let Some(dir) = h.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = editor.save_history(h);
}

/// Whether the REPL goes on after an entry.
#[derive(PartialEq)]
enum Flow {
    Continue,
    Quit,
}

/// The REPL's state between entries.
struct Repl<'a> {
    runtime: &'a Runtime,
    session: &'a mut Session,
    options: ShellOptions,
    timing: bool,
}

impl Repl<'_> {
    /// Runs one entry: a meta command or SQL.
    fn entry(&mut self, input: &str) -> Flow {
        if !input.starts_with('\\') {
            self.run_line(input);
            return Flow::Continue;
        }
        match input.parse::<MetaCommand>() {
            Ok(command) => self.meta(command),
            Err(e) => {
                eprintln!("error: {e}");
                Flow::Continue
            }
        }
    }

    fn meta(&mut self, command: MetaCommand) -> Flow {
        match command {
            MetaCommand::Quit => return Flow::Quit,
            MetaCommand::Help => eprintln!("{}", MetaCommand::help()),
            MetaCommand::Timing => {
                self.timing = !self.timing;
                let state = if self.timing { "on" } else { "off" };
                eprintln!("statistics line {state}");
            }
            MetaCommand::Format(f) => {
                self.options.format = f;
                let name = clap::ValueEnum::to_possible_value(&f)
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default();
                eprintln!("output format {name}");
            }
            MetaCommand::Include(file) => {
                let sources = [ScriptSource::File(PathBuf::from(file))];
                let mut script_options = self.options.clone();
                script_options.continue_on_error = false;
                let run = run_scripts(self.session, &sources, &script_options);
                self.runtime.block_on(run);
            }
            other => {
                let sql = other.as_sql().expect("listing commands have SQL");
                self.run_line(&sql);
            }
        }
        Flow::Continue
    }

    /// Runs the statements of one REPL entry; Ctrl-C cancels the running one.
    fn run_line(&mut self, sql: &str) {
        let statements = match split_script(sql) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return;
            }
        };
        let show_stats = self.timing || self.options.stats == StatsMode::Json;
        for stmt in statements {
            let result = self.runtime.block_on(async {
                tokio::select! {
                    r = self.session.execute_statement(stmt) => Some(r),
                    _ = tokio::signal::ctrl_c() => None,
                }
            });
            match result {
                Some(Ok(output)) => report(&output, &self.options, show_stats),
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
}
