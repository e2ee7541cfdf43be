//! The `lakesql` command: parses flags and hands over to the shell.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use lakesql::Session;
use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::shell::{self, OutputFormat, ScriptSource, ShellOptions, StatsMode};

/// An embedded, Athena-like SQL engine over a data-lake catalog.
#[derive(Debug, Parser)]
#[command(name = "lakesql", version, about)]
struct Args {
    /// Catalog file (SQLite). Default: the per-user data directory.
    #[arg(long, env = "LAKESQL_CATALOG", value_name = "PATH", global = true)]
    catalog: Option<PathBuf>,

    /// Run these statements (separated by `;`) and exit.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    commands: Vec<String>,

    /// Run the statements of these files, in order, and exit.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Database to start in.
    #[arg(short = 'd', long, value_name = "NAME")]
    database: Option<String>,

    /// Result format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    format: OutputFormat,

    /// Statistics on stderr after each statement.
    #[arg(long, value_enum, default_value_t = StatsMode::Text, global = true)]
    stats: StatsMode,

    /// Silence banners, notices and the statistics line.
    #[arg(short, long, global = true)]
    quiet: bool,

    /// Keep running a script after a statement fails (the exit code is still 1).
    #[arg(long)]
    continue_on_error: bool,

    /// Do not register the sample tables on an interactive start.
    #[arg(long)]
    no_sample: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Commands besides running SQL.
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Discover tables, schemas and partitions under a location and write them to the
    /// catalog (the same as `CRAWL 'LOCATION' INTO db WITH (…)`).
    Crawl {
        /// Folder to crawl: a local path, file:// or s3:// URL.
        location: String,
        /// Database the tables go into (created when missing).
        #[arg(long, default_value = "default")]
        database: String,
        /// Prefix for the names of created tables.
        #[arg(long, value_name = "PREFIX")]
        table_prefix: Option<String>,
        /// Glob (relative to LOCATION) of files or folders to leave out; repeatable.
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
        /// What a rerun does with schema changes.
        #[arg(long, value_parser = ["update", "log", "deprecate"], default_value = "update")]
        schema_change: String,
        /// Which folders a rerun reads.
        #[arg(long, value_parser = ["everything", "new_folders"], default_value = "everything")]
        recrawl: String,
        /// Rows sampled per text file.
        #[arg(long, value_name = "ROWS", default_value_t = 1000)]
        sample_size: usize,
        /// Never group sibling folders into one table (each folder of files is a table).
        #[arg(long)]
        no_group: bool,
        /// Report what would be created or changed; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `'text'` as a SQL string literal.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Command {
    /// The statement the command runs.
    fn to_sql(&self) -> String {
        let Command::Crawl {
            location,
            database,
            table_prefix,
            exclude,
            schema_change,
            recrawl,
            sample_size,
            no_group,
            dry_run,
        } = self;
        let mut options = vec![
            format!("schema_change = {}", sql_string(schema_change)),
            format!("recrawl = {}", sql_string(recrawl)),
            format!("sample_size = {sample_size}"),
            format!("group = {}", !no_group),
            format!("dry_run = {dry_run}"),
        ];
        if let Some(p) = table_prefix {
            options.push(format!("table_prefix = {}", sql_string(p)));
        }
        if !exclude.is_empty() {
            options.push(format!("exclude = {}", sql_string(&exclude.join(","))));
        }
        format!(
            "CRAWL {} INTO \"{}\" WITH ({})",
            sql_string(location),
            database.replace('"', "\"\""),
            options.join(", ")
        )
    }
}

fn default_catalog() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("lakesql")
        .join("catalog.db")
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the catalog and session, then runs the scripts or the REPL.
fn run(args: &Args) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let catalog_path = args.catalog.clone().unwrap_or_else(default_catalog);
    let catalog: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&catalog_path).map_err(|e| e.to_string())?);
    let mut session = Session::new(catalog).map_err(|e| e.to_string())?;
    if !args.quiet {
        session.set_progress(shell::terminal_progress());
    }
    let options = ShellOptions {
        format: args.format,
        quiet: args.quiet,
        stats: args.stats,
        continue_on_error: args.continue_on_error,
    };
    let sources = script_sources(args);
    let interactive = sources.is_empty() && std::io::stdin().is_terminal();
    let start_db = if interactive && !args.no_sample {
        runtime.block_on(register_sample(&mut session, args))
    } else {
        args.database.clone()
    };
    if let Some(db) = start_db {
        runtime
            .block_on(session.execute(&format!("USE \"{db}\"")))
            .map_err(|e| e.to_string())?;
    }
    if !interactive {
        let sources = if sources.is_empty() {
            vec![ScriptSource::Stdin]
        } else {
            sources
        };
        let ok = runtime.block_on(shell::run_scripts(&mut session, &sources, &options));
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if !args.quiet {
        eprintln!("catalog: {}", catalog_path.display());
    }
    let history = dirs::data_dir().map(|d| d.join("lakesql").join("history"));
    shell::run_repl(&runtime, &mut session, options, history).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// `-f` files, then `-c` commands, then a subcommand's statement.
fn script_sources(args: &Args) -> Vec<ScriptSource> {
    let mut sources: Vec<ScriptSource> =
        args.files.iter().cloned().map(ScriptSource::File).collect();
    sources.extend(args.commands.iter().cloned().map(ScriptSource::Command));
    if let Some(command) = &args.command {
        sources.push(ScriptSource::Command(command.to_sql()));
    }
    sources
}

/// Registers the sample lake on an interactive start; returns the database to start in
/// (`-d`, else `sample` when it exists).
async fn register_sample(session: &mut Session, args: &Args) -> Option<String> {
    match shell::sample::ensure_sample(session).await {
        Ok(true) if !args.quiet => {
            eprintln!("Registered the sample lake in database 'sample' (queries/setup.sql).")
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: could not register the sample tables: {e}"),
    }
    if args.database.is_some() {
        return args.database.clone();
    }
    let sample = session.catalog().get_database("sample").await;
    matches!(sample, Ok(Some(_))).then(|| "sample".to_string())
}
