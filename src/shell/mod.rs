//! The command-line front end: REPL, script runner, meta commands, output formats.
//!
//! Results go to stdout; notices, warnings, errors and the per-statement statistics go to
//! stderr, so `lakesql -c "…" --format csv > out.csv` captures only data.

mod helper;
mod meta;
pub mod output;
mod progress;
mod repl;
mod runner;
pub mod sample;

pub use meta::MetaCommand;
pub use output::OutputFormat;
pub use progress::terminal_progress;
pub use repl::run_repl;
pub use runner::{ScriptSource, run_scripts};

/// How statistics are reported on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsMode {
    /// A one-line human summary after each statement.
    #[default]
    Text,
    /// One JSON object per statement.
    Json,
    /// Nothing.
    Off,
}

/// Printing options shared by the REPL and the script runner.
#[derive(Clone, Debug)]
pub struct ShellOptions {
    /// Result format.
    pub format: OutputFormat,
    /// Silence banners, notices and the text statistics line.
    pub quiet: bool,
    /// Statistics reporting.
    pub stats: StatsMode,
    /// Keep running a script after a failing statement.
    pub continue_on_error: bool,
}
