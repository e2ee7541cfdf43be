//! Reading Parquet files: each file's bytes fetched once per query and its footer once
//! per process (see [`reader`] for the rules and [`footers`] for the cache); a scan that
//! needs no column of the files counts rows from footers ([`row_counts`]).

pub mod footers;
pub mod reader;
pub mod row_counts;

pub use footers::FooterCache;
pub use reader::LakeParquetReaderFactory;
