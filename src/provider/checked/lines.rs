//! The line check of compressed delimited text: the file is decompressed here (not by
//! the CSV reader, whose scan is then told it reads plain text) and no line may be longer
//! than [`MAX_LINE_BYTES`], Trino's `hive.text.max-line-length`. A small `.gz` that
//! expands to gigabytes without a line break is an error naming the file, not a record
//! buffer that grows until the machine runs out of memory.

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::error::DataFusionError;
use futures::stream::{StreamExt, TryStreamExt};
use object_store::{GetResult, GetResultPayload, Result};

use super::store::{WholeFileCheck, damaged};
pub use crate::serdes::framing::MAX_LINE_BYTES;

/// Decompresses files with `compression` and refuses lines over `max_line` bytes.
#[derive(Debug)]
pub struct LineCap {
    compression: FileCompressionType,
    max_line: usize,
}

impl LineCap {
    /// A check decompressing with `compression`, with Trino's line limit.
    pub fn new(compression: FileCompressionType) -> Self {
        LineCap {
            compression,
            max_line: MAX_LINE_BYTES,
        }
    }
}

#[async_trait]
impl WholeFileCheck for LineCap {
    async fn check(&self, file: String, result: GetResult) -> Result<GetResult> {
        let (meta, range, attributes) = (
            result.meta.clone(),
            result.range.clone(),
            result.attributes.clone(),
        );
        let raw = result.into_stream().map_err(DataFusionError::from).boxed();
        let text = self
            .compression
            .convert_stream(raw)
            .map_err(|e| damaged(&file, e))?;
        let mut lines = LineLengths {
            current: 0,
            max: self.max_line,
        };
        let checked = text.map(move |chunk| match chunk {
            Ok(chunk) => lines
                .feed(&chunk)
                .map(|_| chunk)
                .map_err(|why| damaged(&file, why)),
            Err(DataFusionError::ObjectStore(e)) => Err(*e),
            Err(e) => Err(damaged(&file, format!("cannot decompress it: {e}"))),
        });
        Ok(GetResult {
            payload: GetResultPayload::Stream(checked.boxed()),
            meta,
            range,
            attributes,
        })
    }
}

/// The length of the line being read, across chunks.
struct LineLengths {
    current: usize,
    max: usize,
}

impl LineLengths {
    fn feed(&mut self, chunk: &Bytes) -> std::result::Result<(), String> {
        let Some(first) = chunk.iter().position(|&b| b == b'\n') else {
            self.current += chunk.len();
            return self.within();
        };
        self.current += first;
        self.within()?;
        // Lines wholly inside the chunk are shorter than it; only a huge chunk needs a look.
        if chunk.len() > self.max {
            for line in chunk[first + 1..].split(|&b| b == b'\n') {
                self.current = line.len();
                self.within()?;
            }
        }
        let last = chunk.iter().rposition(|&b| b == b'\n').unwrap_or(first);
        self.current = chunk.len() - last - 1;
        self.within()
    }

    fn within(&self) -> std::result::Result<(), String> {
        if self.current > self.max {
            return Err(format!(
                "a line is longer than {} MiB (Trino's hive.text.max-line-length); is the \
                 file really line-delimited text?",
                self.max >> 20
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(max: usize, chunks: &[&str]) -> std::result::Result<(), String> {
        let mut lines = LineLengths { current: 0, max };
        for chunk in chunks {
            lines.feed(&Bytes::copy_from_slice(chunk.as_bytes()))?;
        }
        Ok(())
    }

    #[test]
    fn lines_are_measured_across_chunks() {
        assert!(lengths(4, &["ab", "cd\nabcd\n", "ab", "\n"]).is_ok());
        assert!(lengths(4, &["ab", "cde\n"]).is_err());
        assert!(lengths(4, &["a\nabcde"]).is_err());
        assert!(lengths(4, &["abc", "de"]).is_err());
        // A line in the middle of a chunk longer than the limit.
        assert!(lengths(4, &["a\nabcdefgh\nb"]).is_err());
        assert!(lengths(4, &["a\nabcd\nb\nc"]).is_ok());
    }
}
