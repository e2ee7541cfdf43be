//! Reading Parquet files: each file's bytes fetched once per query and its footer once
//! per process (see [`reader`] for the rules and [`footers`] for the cache).

pub mod footers;
pub mod reader;

pub use footers::FooterCache;
pub use reader::LakeParquetReaderFactory;
