//! Dividing a file into records: lines (after the header and before the footer lines
//! Hive skips), or the elements of a CloudTrail document's `Records` array.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

use jiter::Jiter;

use super::Record;
use crate::catalog::storage_format::Framing;
use crate::error::{ErrorCode, LakeError, Result};

/// The longest line a text file may have: Trino's `hive.text.max-line-length` (100 MB).
/// A longer one, such as a compressed file that expands to gigabytes without a line
/// break, is an error rather than an allocation that takes the machine's memory.
pub const MAX_LINE_BYTES: usize = 100 << 20;

/// The largest CloudTrail document read (one JSON document per file, read whole).
pub const MAX_DOCUMENT_BYTES: u64 = 1 << 30;

/// The records of one file, read lazily from `reader`.
pub fn records(
    reader: Box<dyn Read + Send>,
    framing: &Framing,
    file: &str,
    blank_lines: bool,
) -> Result<Box<dyn Iterator<Item = Result<Record>> + Send>> {
    match framing {
        Framing::Lines {
            skip_header,
            skip_footer,
        } => Ok(Box::new(Lines {
            reader: BufReader::with_capacity(1 << 16, reader),
            file: file.to_string(),
            number: 0,
            skip_header: *skip_header,
            footer: VecDeque::with_capacity(*skip_footer + 1),
            skip_footer: *skip_footer,
            blank_lines,
        })),
        Framing::CloudTrail => Ok(Box::new(
            cloudtrail_records(reader, file)?.into_iter().map(Ok),
        )),
    }
}

/// Lines of a text file, minus header and footer lines.
struct Lines {
    reader: BufReader<Box<dyn Read + Send>>,
    file: String,
    number: usize,
    skip_header: usize,
    /// Lines read ahead, so that the last `skip_footer` are never returned.
    footer: VecDeque<Record>,
    skip_footer: usize,
    blank_lines: bool,
}

impl Lines {
    /// The next line of the file (header lines skipped), or `None` at the end.
    fn next_line(&mut self) -> Result<Option<Record>> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = (&mut self.reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(|e| LakeError::io(format!("reading {}", self.file), e))?;
            if n == 0 {
                return Ok(None);
            }
            self.number += 1;
            if n > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
                return Err(LakeError::semantic(
                    ErrorCode::HiveBadData,
                    format!(
                        "line {} of {} is longer than {} MiB (Trino's \
                         hive.text.max-line-length)",
                        self.number,
                        self.file,
                        MAX_LINE_BYTES >> 20
                    ),
                ));
            }
            if self.number <= self.skip_header {
                continue;
            }
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            if buf.is_empty() && !self.blank_lines {
                continue;
            }
            let text = match String::from_utf8(buf) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            return Ok(Some(Record {
                text,
                number: self.number,
            }));
        }
    }
}

impl Iterator for Lines {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        loop {
            match self.next_line() {
                Err(e) => return Some(Err(e)),
                Ok(None) => return None,
                Ok(Some(line)) => {
                    self.footer.push_back(line);
                    if self.footer.len() > self.skip_footer {
                        return self.footer.pop_front().map(Ok);
                    }
                }
            }
        }
    }
}

/// The elements of a CloudTrail log file's `Records` array, as JSON text.
fn cloudtrail_records(reader: Box<dyn Read + Send>, file: &str) -> Result<Vec<Record>> {
    let mut data = Vec::new();
    reader
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| LakeError::io(format!("reading {file}"), e))?;
    if data.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(LakeError::semantic(
            ErrorCode::HiveBadData,
            format!(
                "{file} is larger than {} MiB uncompressed: not read as one CloudTrail \
                 document",
                MAX_DOCUMENT_BYTES >> 20
            ),
        ));
    }
    let bad = |what: String| {
        LakeError::semantic(
            ErrorCode::HiveBadData,
            format!(
                "{file}: not a CloudTrail log file ({what}); CloudTrailInputFormat reads \
                     documents of the form {{\"Records\": [...]}}"
            ),
        )
    };
    if data.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let mut jiter = Jiter::new(&data);
    let mut out = Vec::new();
    let mut key = jiter
        .next_object()
        .map_err(|e| bad(e.to_string()))?
        .map(str::to_string);
    while let Some(k) = key {
        if k == "Records" {
            read_array(&mut jiter, &mut out).map_err(|e| bad(e.to_string()))?;
        } else {
            jiter.next_skip().map_err(|e| bad(e.to_string()))?;
        }
        key = jiter
            .next_key()
            .map_err(|e| bad(e.to_string()))?
            .map(str::to_string);
    }
    Ok(out)
}

fn read_array(jiter: &mut Jiter, out: &mut Vec<Record>) -> jiter::JiterResult<()> {
    let mut next = jiter.next_array()?;
    while let Some(peek) = next {
        let start = jiter.current_index();
        jiter.known_skip(peek)?;
        let raw = jiter.slice_to_current(start);
        out.push(Record {
            text: String::from_utf8_lossy(raw).into_owned(),
            number: out.len() + 1,
        });
        next = jiter.array_step()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(data: &str, framing: Framing, blank: bool) -> Vec<String> {
        let reader: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data.to_string()));
        records(reader, &framing, "f", blank)
            .unwrap()
            .map(|r| r.unwrap().text)
            .collect()
    }

    #[test]
    fn header_and_footer_lines_are_skipped() {
        let lines = Framing::Lines {
            skip_header: 2,
            skip_footer: 1,
        };
        assert_eq!(texts("#v\n#f\na\r\n\nb\nend\n", lines, false), ["a", "b"]);
        assert_eq!(texts("#v\n#f\na\n\nb\nend", lines, true), ["a", "", "b"]);
    }

    #[test]
    fn cloudtrail_documents_yield_their_records() {
        let doc = r#"{"Records":[{"a":1},{"b":{"c":[1,2]}}],"x":2}"#;
        assert_eq!(
            texts(doc, Framing::CloudTrail, false),
            [r#"{"a":1}"#, r#"{"b":{"c":[1,2]}}"#]
        );
        let reader: Box<dyn Read + Send> = Box::new(std::io::Cursor::new("[1]".to_string()));
        assert!(records(reader, &Framing::CloudTrail, "f", false).is_err());
    }
}
