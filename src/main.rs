//! The `lakesql` command: parses flags and hands over to the shell.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use lakesql::Session;
use lakesql::catalog::{CatalogStore, OpenMode, SqliteStore};
use lakesql::glue::{GlueConfig, GlueStore};
use lakesql::shell::{self, OutputFormat, ScriptSource, ShellOptions, StatsMode};

/// An embedded, Athena-like SQL engine over a data-lake catalog.
#[derive(Debug, Parser)]
#[command(name = "lakesql", version, about)]
struct Args {
    /// Catalog: a SQLite file (default: the per-user data directory's), or AWS Glue as
    /// `glue://[CATALOG_ID][?region=…&profile=…&endpoint=…]`.
    #[arg(
        long,
        env = "LAKESQL_CATALOG",
        value_name = "PATH|glue://…",
        global = true
    )]
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

    /// Open the catalog read-only: statements that would change it are refused (and
    /// nothing is ever written to the file); queries, SHOW, DESCRIBE and UNLOAD run.
    #[arg(long, global = true)]
    read_only: bool,

    /// Cancel a statement that runs longer (`30s`, `5m`; `SET query_timeout`).
    #[arg(long, value_name = "DURATION")]
    query_timeout: Option<String>,

    /// Refuse a query that would read more (`10GB`; `SET max_bytes_scanned`).
    #[arg(long, value_name = "SIZE")]
    max_bytes_scanned: Option<String>,

    /// Memory the query operators may hold before they spill to disk (`2GB`, `512MiB`;
    /// `SET memory_limit`; default: `LAKESQL_MEMORY_LIMIT`, else no limit).
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,

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
    /// Serve Athena, Glue, STS and S3 on one local port over the catalog, for boto3, the
    /// AWS CLI, PyAthena, awswrangler and dbt-athena (`AWS_ENDPOINT_URL=http://…`).
    #[cfg(feature = "serve")]
    Serve {
        /// Port to listen on.
        #[arg(long, default_value_t = 4566)]
        port: u16,
        /// Address to listen on (a non-loopback one needs --auth).
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Check every request's SigV4 signature against these key pairs (a TOML file of
        /// [[keys]] with access_key_id, secret_access_key and an optional user). Without
        /// it any signature is accepted.
        #[arg(long, value_name = "KEYS.TOML")]
        auth: Option<PathBuf>,
        /// Folder whose subfolders are the S3 buckets. Default: the per-user data
        /// directory's `lakesql/serve`.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Queries that run at once (more wait in QUEUED).
        #[arg(long, value_name = "N", default_value_t = 4)]
        max_running_queries: usize,
        /// Queued plus running queries above which StartQueryExecution answers
        /// TooManyRequestsException, as Athena does.
        #[arg(long, value_name = "N")]
        max_active_queries: Option<usize>,
        /// Rate-limit one operation: OPERATION=RATE[:BURST] (calls per second; repeatable).
        /// Calls over it answer ThrottlingException, which the AWS clients retry.
        #[arg(long, value_name = "OP=RATE[:BURST]")]
        throttle: Vec<String>,
        /// Athena's published limits: StartQueryExecution/StopQueryExecution 20 calls/s,
        /// GetQueryExecution/GetQueryResults 100 calls/s, 25 active queries.
        #[arg(long)]
        athena_limits: bool,
    },
    /// Export, import or copy catalog definitions as AWS Glue JSON.
    Catalog {
        #[command(subcommand)]
        action: CatalogAction,
    },
    /// Print the audit trail of `lakesql serve` (one line per API call).
    #[cfg(feature = "serve")]
    Audit {
        /// The server's data directory (as given to `lakesql serve`).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Only calls at or after this time (RFC 3339, e.g. 2026-12-01T10:00:00Z) or within
        /// this long before now (e.g. 30m, 2h, 1d).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only this operation (e.g. StartQueryExecution, GetTable, GETObject).
        #[arg(long, value_name = "NAME")]
        operation: Option<String>,
    },
}

/// `lakesql catalog …`: definitions in and out as AWS Glue JSON.
#[derive(Debug, clap::Subcommand)]
enum CatalogAction {
    /// Write the catalog's databases, tables and partitions (of `--catalog`) as the JSON
    /// of `aws glue get-databases`, `get-tables` and `get-partitions`.
    Export {
        /// Only this database (repeatable; default: all).
        #[arg(long = "database", value_name = "DB")]
        databases: Vec<String>,
        /// Write here instead of to standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Read Glue JSON (a lakesql export, or the output of `aws glue get-databases`,
    /// `get-tables`, `get-partitions`) into the catalog, all or nothing.
    Import {
        /// The JSON files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Only this database (repeatable; default: all in the files).
        #[arg(long = "database", value_name = "DB")]
        databases: Vec<String>,
        /// Report what would be created or changed; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy one catalog into another, e.g. a snapshot of Glue for offline work:
    /// `--from glue://?region=eu-west-1 --to lake.db`.
    Copy {
        /// The catalog to read: a SQLite file or glue://….
        #[arg(long, value_name = "PATH|glue://…")]
        from: PathBuf,
        /// The catalog to write: a SQLite file or glue://….
        #[arg(long, value_name = "PATH|glue://…")]
        to: PathBuf,
        /// Only this database (repeatable; default: all).
        #[arg(long = "database", value_name = "DB")]
        databases: Vec<String>,
        /// Report what would be created or changed; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs `lakesql catalog …`; `None` for the other commands.
fn run_catalog_command(
    args: &Args,
    runtime: &tokio::runtime::Runtime,
) -> Result<Option<ExitCode>, String> {
    let Some(Command::Catalog { action }) = &args.command else {
        return Ok(None);
    };
    let report = match action {
        CatalogAction::Export { databases, output } => {
            let (_, store) = open_catalog(args, runtime)?;
            let snapshot = runtime
                .block_on(lakesql::transfer::export(
                    store.as_ref(),
                    &names(databases),
                    output.as_deref(),
                ))
                .map_err(|e| e.to_string())?;
            if !args.quiet && output.is_some() {
                let partitions: usize = snapshot.tables.iter().map(|(_, p)| p.len()).sum();
                eprintln!(
                    "exported {} databases, {} tables, {} partitions",
                    snapshot.databases.len(),
                    snapshot.tables.len(),
                    partitions
                );
            }
            return Ok(Some(ExitCode::SUCCESS));
        }
        CatalogAction::Import {
            files,
            databases,
            dry_run,
        } => {
            let snapshot = lakesql::transfer::read_files(files, &names(databases))
                .map_err(|e| e.to_string())?;
            let (_, store) = open_catalog(args, runtime)?;
            runtime.block_on(lakesql::transfer::import(
                store.as_ref(),
                &snapshot,
                *dry_run,
            ))
        }
        CatalogAction::Copy {
            from,
            to,
            databases,
            dry_run,
        } => {
            let source = open_store(from, true, runtime)?;
            let target = open_store(to, args.read_only, runtime)?;
            runtime.block_on(lakesql::transfer::copy(
                source.as_ref(),
                target.as_ref(),
                &names(databases),
                *dry_run,
            ))
        }
    }
    .map_err(|e| e.to_string())?;
    if !args.quiet {
        print!("{report}");
    }
    Ok(Some(ExitCode::SUCCESS))
}

/// Database names as the catalog stores them.
fn names(databases: &[String]) -> Vec<String> {
    databases.iter().map(|d| d.trim().to_lowercase()).collect()
}

/// `'text'` as a SQL string literal.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Command {
    /// The statement the command runs (`None` for commands that are not a statement).
    fn to_sql(&self) -> Option<String> {
        #[allow(irrefutable_let_patterns)]
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
        } = self
        else {
            return None;
        };
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
        Some(format!(
            "CRAWL {} INTO \"{}\" WITH ({})",
            sql_string(location),
            database.replace('"', "\"\""),
            options.join(", ")
        ))
    }
}

fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("lakesql")
}

fn default_catalog() -> PathBuf {
    default_data_dir().join("catalog.db")
}

/// Where `lakesql serve` keeps its buckets unless told otherwise.
#[cfg(feature = "serve")]
fn default_serve_dir() -> PathBuf {
    default_data_dir().join("serve")
}

/// `lakesql audit`: the audit trail as a table.
#[cfg(feature = "serve")]
fn print_audit(
    dir: &std::path::Path,
    since: Option<&str>,
    operation: Option<&str>,
) -> Result<(), String> {
    use lakesql::serve::{AUDIT_FILES_KEPT, audit, audit_log_path};
    let path = audit_log_path(dir);
    if !path.exists() {
        return Err(format!(
            "no audit log at {} (has lakesql serve run with --data-dir {}?)",
            path.display(),
            dir.display()
        ));
    }
    let since = since.map(parse_since).transpose()?;
    let events = audit::read_events(&path, AUDIT_FILES_KEPT).map_err(|e| e.to_string())?;
    println!(
        "{:<24} {:<15} {:<7} {:<26} {:>6} {:<28} {:>7}  resources",
        "time", "source", "service", "operation", "status", "error", "ms"
    );
    for event in events {
        if let Some(since) = &since
            && chrono::DateTime::parse_from_rfc3339(&event.event_time)
                .map(|t| t < *since)
                .unwrap_or(false)
        {
            continue;
        }
        if operation.is_some_and(|op| !op.eq_ignore_ascii_case(&event.event_name)) {
            continue;
        }
        println!(
            "{:<24} {:<15} {:<7} {:<26} {:>6} {:<28} {:>7}  {}",
            event.event_time,
            event.source_ip_address,
            event.event_source.trim_end_matches(".amazonaws.com"),
            event.event_name,
            event.status,
            event.error_code.unwrap_or_default(),
            event.duration_ms,
            event.resources.join(" ")
        );
    }
    Ok(())
}

/// `--since`: an RFC 3339 time or a duration before now (`30m`, `2h`, `1d`, `45s`).
#[cfg(feature = "serve")]
fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time);
    }
    let bad =
        || format!("--since {text}: expected an RFC 3339 time or a duration like 30m, 2h, 1d");
    let split = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        _ => return Err(bad()),
    };
    Ok((chrono::Utc::now() - chrono::Duration::seconds(seconds)).fixed_offset())
}

/// The catalog (`--catalog`: a SQLite file, or `glue://…` for AWS Glue; else the
/// default file) and its store.
fn open_catalog(
    args: &Args,
    runtime: &tokio::runtime::Runtime,
) -> Result<(PathBuf, Arc<dyn CatalogStore>), String> {
    let path = args.catalog.clone().unwrap_or_else(default_catalog);
    let store = open_store(&path, args.read_only, runtime)?;
    Ok((path, store))
}

/// The store at `address`: a SQLite file, or `glue://…`.
fn open_store(
    address: &std::path::Path,
    read_only: bool,
    runtime: &tokio::runtime::Runtime,
) -> Result<Arc<dyn CatalogStore>, String> {
    if let Some(text) = address.to_str().filter(|p| GlueConfig::is_glue(p)) {
        let config = GlueConfig::parse(text).map_err(|e| e.to_string())?;
        let store = runtime
            .block_on(GlueStore::connect(&config, read_only))
            .map_err(|e| e.to_string())?;
        return Ok(Arc::new(store));
    }
    let mode = if read_only {
        OpenMode::ReadOnly
    } else {
        OpenMode::ReadWrite
    };
    let store = SqliteStore::open_with(address, mode).map_err(|e| e.to_string())?;
    Ok(Arc::new(store))
}

/// `serve` and `audit`; `None` for the commands that run statements.
#[cfg(feature = "serve")]
fn run_server_command(
    args: &Args,
    runtime: &tokio::runtime::Runtime,
) -> Result<Option<ExitCode>, String> {
    match &args.command {
        Some(Command::Serve {
            port,
            bind,
            auth,
            data_dir,
            max_running_queries,
            max_active_queries,
            throttle,
            athena_limits,
        }) => {
            let mut options = lakesql::serve::ServeOptions::new(
                data_dir.clone().unwrap_or_else(default_serve_dir),
            );
            if *athena_limits {
                options = options.with_athena_limits();
            }
            options.port = *port;
            options.bind = *bind;
            if let Some(path) = auth {
                let keys = lakesql::serve::auth::Keys::load(path).map_err(|e| e.to_string())?;
                options.keys = Some(Arc::new(keys));
            }
            options.max_running_queries = *max_running_queries;
            options.read_only = args.read_only;
            if max_active_queries.is_some() {
                options.max_active_queries = *max_active_queries;
            }
            for limit in throttle {
                options.limits.push(
                    lakesql::serve::throttle::Limit::parse(limit).map_err(|e| e.to_string())?,
                );
            }
            let (path, catalog) = open_catalog(args, runtime)?;
            runtime.block_on(serve(options, catalog, &path, args.quiet))?;
            Ok(Some(ExitCode::SUCCESS))
        }
        Some(Command::Audit {
            data_dir,
            since,
            operation,
        }) => {
            let dir = data_dir.clone().unwrap_or_else(default_serve_dir);
            print_audit(&dir, since.as_deref(), operation.as_deref())?;
            Ok(Some(ExitCode::SUCCESS))
        }
        _ => Ok(None),
    }
}

/// Runs `lakesql serve` until Ctrl-C.
#[cfg(feature = "serve")]
async fn serve(
    options: lakesql::serve::ServeOptions,
    catalog: Arc<dyn CatalogStore>,
    catalog_path: &std::path::Path,
    quiet: bool,
) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LAKESQL_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if quiet { "warn" } else { "info" })
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    let checked = options.keys.is_some();
    let data_dir = options.data_dir.clone();
    let server = lakesql::serve::Server::start(options, catalog)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "lakesql serve: Athena, Glue, STS and S3 on {}",
        server.endpoint()
    );
    eprintln!("  catalog: {}", catalog_path.display());
    eprintln!("  buckets: {}", data_dir.display());
    eprintln!("Point the AWS tools at it with:");
    if checked {
        eprintln!("  (signatures are checked: use a key pair of the --auth file)");
        println!(
            "export AWS_ENDPOINT_URL={} AWS_DEFAULT_REGION=us-east-1",
            server.endpoint()
        );
    } else {
        println!(
            "export AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1",
            server.endpoint()
        );
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    eprintln!("stopping");
    server.stop().await;
    Ok(())
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
    #[cfg(feature = "serve")]
    if let Some(code) = run_server_command(args, &runtime)? {
        return Ok(code);
    }
    if let Some(code) = run_catalog_command(args, &runtime)? {
        return Ok(code);
    }
    let (catalog_path, catalog) = open_catalog(args, &runtime)?;
    let mut session = Session::new(catalog).map_err(|e| e.to_string())?;
    session.set_read_only(args.read_only);
    for (name, value) in [
        ("query_timeout", &args.query_timeout),
        ("max_bytes_scanned", &args.max_bytes_scanned),
        ("memory_limit", &args.memory_limit),
    ] {
        if let Some(value) = value {
            session
                .set_limit(name, value)
                .map_err(|e| format!("--{}: {e}", name.replace('_', "-")))?;
        }
    }
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
    // The sample lake is local files: never registered in a remote catalog (Glue).
    let local_catalog = !catalog_path.to_str().is_some_and(GlueConfig::is_glue);
    let start_db = if interactive && !args.no_sample && !args.read_only && local_catalog {
        runtime.block_on(register_sample(&mut session, args))
    } else {
        args.database.clone()
    };
    if let Some(db) = start_db {
        runtime
            .block_on(session.use_database(&db))
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
    if let Some(sql) = args.command.as_ref().and_then(Command::to_sql) {
        sources.push(ScriptSource::Command(sql));
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
