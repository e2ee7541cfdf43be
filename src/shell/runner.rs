//! Running scripts (`-f`, `-c`, piped stdin, `\i`) and printing each statement's result.

use std::io::{Read, Write};
use std::path::PathBuf;

use super::output::print_output;
use super::{ShellOptions, StatsMode};
use crate::error::{LakeError, Result};
use crate::session::{Session, StatementOutput};
use crate::sql::split_script;

/// Where a script comes from.
#[derive(Clone, Debug)]
pub enum ScriptSource {
    /// `-f FILE` or `\i FILE`.
    File(PathBuf),
    /// `-c "SQL"`.
    Command(String),
    /// Standard input that is not a terminal.
    Stdin,
}

impl ScriptSource {
    /// The name errors use for this source.
    pub fn name(&self) -> String {
        match self {
            ScriptSource::File(p) => p.display().to_string(),
            ScriptSource::Command(_) => "<command>".to_string(),
            ScriptSource::Stdin => "<stdin>".to_string(),
        }
    }

    fn read(&self) -> Result<String> {
        match self {
            ScriptSource::File(p) => std::fs::read_to_string(p)
                .map_err(|e| LakeError::io(format!("cannot read script {}", p.display()), e)),
            ScriptSource::Command(sql) => Ok(sql.clone()),
            ScriptSource::Stdin => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| LakeError::io("cannot read standard input", e))?;
                Ok(text)
            }
        }
    }
}

/// Prints a statement's rows on stdout and its notices and statistics on stderr.
pub(super) fn report(output: &StatementOutput, options: &ShellOptions, timing: bool) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = print_output(&mut out, output, options.format) {
        eprintln!("error: {e}");
    }
    let _ = out.flush();
    for m in &output.messages {
        if !options.quiet || m.starts_with("warning") {
            eprintln!("{m}");
        }
    }
    match options.stats {
        StatsMode::Json => {
            eprintln!(
                "{}",
                serde_json::to_string(&output.stats).unwrap_or_default()
            )
        }
        StatsMode::Text
            if !options.quiet
                && timing
                && (output.returns_rows || output.stats.list_requests > 0) =>
        {
            eprintln!("{}", output.stats.summary(output.returns_rows))
        }
        _ => {}
    }
}

/// Runs the scripts in order. Returns `false` when a statement failed (after reporting
/// it on stderr with the source name and line).
pub async fn run_scripts(
    session: &mut Session,
    sources: &[ScriptSource],
    options: &ShellOptions,
) -> bool {
    let mut ok = true;
    for source in sources {
        let name = source.name();
        let statements = match source.read().and_then(|text| split_script(&text)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return false;
            }
        };
        for stmt in statements {
            let line = stmt.line;
            match session.execute_statement(stmt).await {
                Ok(output) => report(&output, options, true),
                Err(e) => {
                    eprintln!("error: {name}:{line}: {e}");
                    ok = false;
                    if !options.continue_on_error {
                        return false;
                    }
                }
            }
        }
    }
    ok
}
