//! Classifying one file and reading just enough of it: the footer of a Parquet file (the
//! format's own schema inference), the schema block of an Avro file, and the first lines
//! of a text file (ranged GETs that grow until the sample has its rows; compressed files
//! are decompressed as far as the fetched bytes go).

use std::io::Read;
use std::sync::Arc;

use datafusion::catalog::Session as DfSession;
use datafusion::common::parsers::CompressionTypeVariant;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::avro::AvroFormat;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use object_store::{ObjectMeta, ObjectStore};

use super::infer::{Columns, CsvShape, infer_csv, infer_json};
use crate::storage::files::text_compression;

/// First bytes fetched of a text file; doubled while the sample lacks rows.
const FIRST_FETCH: u64 = 64 * 1024;
/// Most bytes fetched of one text file.
const MAX_FETCH: u64 = 4 * 1024 * 1024;

/// What a file holds.
#[derive(Clone, Debug, PartialEq)]
pub enum FileKind {
    /// Apache Parquet.
    Parquet,
    /// Apache Avro.
    Avro,
    /// JSON lines.
    Json,
    /// Delimited text, with its shape.
    Csv(CsvShape),
}

impl FileKind {
    /// The format name (Glue's `classification`).
    pub fn classification(&self) -> &'static str {
        match self {
            FileKind::Parquet => "parquet",
            FileKind::Avro => "avro",
            FileKind::Json => "json",
            FileKind::Csv(_) => "csv",
        }
    }

    /// Whether files of the two kinds can be one table (same format; for text, the same
    /// delimiter and header rule).
    pub fn compatible(&self, other: &FileKind) -> bool {
        match (self, other) {
            (FileKind::Csv(a), FileKind::Csv(b)) => {
                a.delimiter == b.delimiter && a.header == b.header
            }
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// A classified file.
#[derive(Clone, Debug)]
pub struct Sampled {
    /// Its kind.
    pub kind: FileKind,
    /// Its columns.
    pub columns: Columns,
    /// Compression (`gzip`, …) when compressed.
    pub compression: Option<&'static str>,
    /// Remarks for the report (ragged rows, conflicting values).
    pub notes: Vec<String>,
}

/// The name of a compression, `None` for uncompressed.
fn compression_name(compression: &FileCompressionType) -> Option<&'static str> {
    match compression.get_variant() {
        CompressionTypeVariant::GZIP => Some("gzip"),
        CompressionTypeVariant::BZIP2 => Some("bzip2"),
        CompressionTypeVariant::ZSTD => Some("zstd"),
        CompressionTypeVariant::XZ => Some("xz"),
        CompressionTypeVariant::UNCOMPRESSED => None,
    }
}

/// Classifies `meta` and infers its columns; `Err` is the reason it is skipped.
pub async fn sample_file(
    state: &dyn DfSession,
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    sample_rows: usize,
) -> Result<Sampled, String> {
    if meta.size == 0 {
        return Err("empty file".to_string());
    }
    let name = meta.location.filename().unwrap_or("").to_ascii_lowercase();
    let compression = text_compression(&name).map_err(|e| e.to_string())?;
    let compressed = compression_name(&compression);
    let stem = match compressed {
        Some(_) => name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s),
        None => name.as_str(),
    };
    let extension = stem.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match extension {
        "parquet" | "parq" if compressed.is_none() => {
            return self_describing(
                state,
                store,
                meta,
                &ParquetFormat::default(),
                FileKind::Parquet,
            )
            .await;
        }
        "avro" if compressed.is_none() => return avro_schema(state, store, meta).await,
        "orc" => return Err("ORC files cannot be read by lakesql".to_string()),
        "crc" | "tmp" | "swp" => return Err(format!(".{extension} files are not data")),
        _ => {}
    }
    let lines = match text_sample(store, meta, &compression, sample_rows).await? {
        Head::Parquet => {
            let format = ParquetFormat::default();
            return self_describing(state, store, meta, &format, FileKind::Parquet).await;
        }
        Head::Avro => return avro_schema(state, store, meta).await,
        Head::Lines(lines) => lines,
    };
    let json_first = matches!(extension, "json" | "jsonl" | "ndjson")
        || lines
            .iter()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_start().starts_with('{'));
    if json_first {
        json_sample(&lines, compressed)
    } else {
        csv_sample(&lines, compressed)
    }
}

/// JSON lines: their columns, with notes on bad lines and conflicts. Keys with upper-case
/// letters need no note: JSON tables match keys case-insensitively, as OpenX does.
fn json_sample(lines: &[String], compression: Option<&'static str>) -> Result<Sampled, String> {
    let shape = infer_json(lines)?;
    let mut notes = Vec::new();
    if shape.bad_lines > 0 {
        notes.push(format!(
            "{} sampled line(s) are not JSON objects",
            shape.bad_lines
        ));
    }
    notes.extend(shape.conflicts);
    Ok(Sampled {
        kind: FileKind::Json,
        columns: shape.columns,
        compression,
        notes,
    })
}

/// Delimited text: its shape, with notes on ragged rows and conflicts.
fn csv_sample(lines: &[String], compression: Option<&'static str>) -> Result<Sampled, String> {
    let shape = infer_csv(lines)?;
    let mut notes = Vec::new();
    if shape.ragged_rows > 0 {
        notes.push(format!(
            "{} sampled row(s) have a different number of fields",
            shape.ragged_rows
        ));
    }
    notes.extend(shape.conflicts.iter().cloned());
    Ok(Sampled {
        columns: shape.columns.clone(),
        kind: FileKind::Csv(shape),
        compression,
        notes,
    })
}

async fn self_describing(
    state: &dyn DfSession,
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    format: &dyn FileFormat,
    kind: FileKind,
) -> Result<Sampled, String> {
    let schema = format
        .infer_schema(state, store, std::slice::from_ref(meta))
        .await
        .map_err(|e| {
            format!(
                "unreadable {} file: {}",
                kind.classification(),
                e.strip_backtrace()
            )
        })?;
    let mut columns = Vec::new();
    let mut notes = Vec::new();
    for field in schema.fields() {
        match crate::catalog::HiveType::from_arrow(field.data_type()) {
            Some(t) => columns.push((field.name().to_lowercase(), t)),
            None => notes.push(format!(
                "column {} of type {} has no Hive type and is left out",
                field.name(),
                field.data_type()
            )),
        }
    }
    if columns.is_empty() {
        return Err(format!("{} file without columns", kind.classification()));
    }
    // Parquet columns are matched case-insensitively by the scan; Avro's are not.
    if kind == FileKind::Avro {
        notes.extend(mixed_case_note(
            schema.fields().iter().map(|f| f.name().as_str()),
        ));
    }
    Ok(Sampled {
        kind,
        columns,
        compression: None,
        notes,
    })
}

/// Hive names are lower case; lakesql's Avro reader matches file columns by exact name.
fn mixed_case_note<'a>(names: impl Iterator<Item = &'a str>) -> Option<String> {
    let mixed: Vec<&str> = names
        .filter(|n| n.chars().any(char::is_uppercase))
        .collect();
    (!mixed.is_empty()).then(|| {
        format!(
            "column name(s) {} have upper-case letters: the table stores them lower-case, as \
             Hive does, and lakesql matches Avro columns by exact name, so they read as NULL",
            mixed.join(", ")
        )
    })
}

/// Bytes of an Avro file read for its schema (the header holds it).
const AVRO_HEAD: u64 = 1024 * 1024;

/// The schema of an Avro file from its first bytes only: DataFusion's Avro inference reads
/// the whole object, so it is given an in-memory copy of the head.
async fn avro_schema(
    state: &dyn DfSession,
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
) -> Result<Sampled, String> {
    let n = meta.size.min(AVRO_HEAD);
    let head = object_store::ObjectStoreExt::get_range(store.as_ref(), &meta.location, 0..n)
        .await
        .map_err(|e| format!("cannot read: {e}"))?;
    let memory: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
    object_store::ObjectStoreExt::put(memory.as_ref(), &meta.location, head.into())
        .await
        .map_err(|e| format!("cannot read: {e}"))?;
    let head_meta = ObjectMeta {
        size: n,
        ..meta.clone()
    };
    self_describing(state, &memory, &head_meta, &AvroFormat, FileKind::Avro).await
}

/// What the first bytes of a file turned out to be.
enum Head {
    Parquet,
    Avro,
    Lines(Vec<String>),
}

/// Most decompressed bytes looked at per file.
const MAX_DECOMPRESSED: usize = 16 * 1024 * 1024;

/// The first `rows + 1` complete lines of a text file (one more for a header), or the
/// self-describing format its magic bytes announce.
async fn text_sample(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    compression: &FileCompressionType,
    rows: usize,
) -> Result<Head, String> {
    let plain = *compression.get_variant() == CompressionTypeVariant::UNCOMPRESSED;
    let mut fetched: Vec<u8> = Vec::new();
    let mut want = FIRST_FETCH.min(meta.size);
    loop {
        let start = fetched.len() as u64;
        let bytes =
            object_store::ObjectStoreExt::get_range(store.as_ref(), &meta.location, start..want)
                .await
                .map_err(|e| format!("cannot read: {e}"))?;
        fetched.extend_from_slice(&bytes);
        if plain && start == 0 {
            if fetched.starts_with(b"PAR1") {
                return Ok(Head::Parquet);
            }
            if fetched.starts_with(b"Obj\x01") {
                return Ok(Head::Avro);
            }
        }
        let whole = fetched.len() as u64 >= meta.size;
        let text = decompress(compression, &fetched, whole)?;
        if text.contains(&0) {
            return Err("binary file (not a known format)".to_string());
        }
        let text = String::from_utf8_lossy(&text);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut lines: Vec<String> = text
            .split('\n')
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        let complete = whole && text.len() < MAX_DECOMPRESSED;
        if !complete {
            lines.pop(); // cut off mid-line
        }
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        if whole || lines.len() > rows || want >= MAX_FETCH || text.len() >= MAX_DECOMPRESSED {
            lines.truncate(rows + 1);
            if lines.is_empty() {
                return Err("no complete line in the sampled bytes".to_string());
            }
            return Ok(Head::Lines(lines));
        }
        want = (want * 2).min(meta.size).min(MAX_FETCH);
    }
}

/// Decompresses as much of `bytes` as possible, up to [`MAX_DECOMPRESSED`] (a cut-off
/// stream ends where it was cut). A prefix too short to yield anything is empty, unless it
/// is the whole file.
fn decompress(
    compression: &FileCompressionType,
    bytes: &[u8],
    whole: bool,
) -> Result<Vec<u8>, String> {
    let mut reader = compression
        .convert_read(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| format!("cannot decompress: {e}"))?;
    let mut out = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    while out.len() < MAX_DECOMPRESSED {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if out.is_empty() && whole => return Err(format!("cannot decompress: {e}")),
            Err(_) => break,
        }
    }
    Ok(out)
}
