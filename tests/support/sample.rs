//! Facts about the sample lake the tests compare against (included by path where needed).

use std::path::Path;

/// The bytes of the Parquet files under `sample-data/<folder>`.
pub fn parquet_bytes(folder: &str) -> u64 {
    fn walk(dir: &Path) -> u64 {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| match p.extension() {
                _ if p.is_dir() => walk(&p),
                Some(ext) if ext == "parquet" => std::fs::metadata(&p).unwrap().len(),
                _ => 0,
            })
            .sum()
    }
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-data")
            .join(folder),
    )
}
