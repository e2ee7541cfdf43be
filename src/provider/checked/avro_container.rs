//! The structure of an Avro object container file, checked before it is decoded.
//!
//! A container is a header (magic `Obj\x01`, a metadata map, a 16-byte sync marker) and
//! data blocks, each a row count, a byte size, that many bytes and the header's sync
//! marker again. The marker exists so that readers can tell a damaged file: Hive and
//! Avro's own readers fail on a block whose marker differs. arrow-avro 59 does not
//! compare markers, and reads a file cut inside its last block as if it ended before
//! that block, so such a file would silently lose rows. This check walks the blocks
//! (skipping their data, so it costs a few reads per block) and names what is wrong.

use std::io::{BufRead, ErrorKind, Seek, SeekFrom};

/// The magic bytes every Avro container file starts with.
const MAGIC: &[u8; 4] = b"Obj\x01";

/// Why a file is not a whole Avro container.
#[derive(Debug, PartialEq, Eq)]
pub struct Damage(pub String);

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks the container read from `file` (at its start, `len` bytes long): the magic,
/// the header, and every block's size and sync marker. Returns the number of blocks.
pub fn check<R: BufRead + Seek>(file: &mut R, len: u64) -> Result<u64, Damage> {
    let mut walker = Walker { file, position: 0 };
    let mut magic = [0u8; 4];
    walker.read_exact(&mut magic, "the magic bytes")?;
    if &magic != MAGIC {
        return Err(Damage(
            "not an Avro container file: it does not start with the magic bytes Obj\\x01".into(),
        ));
    }
    walker.skip_metadata()?;
    let mut sync = [0u8; 16];
    walker.read_exact(&mut sync, "the header's sync marker")?;
    let mut blocks = 0;
    while walker.position < len {
        let start = walker.position;
        let what = format!("block {} (at byte {start})", blocks + 1);
        let rows = walker.read_long(&what)?;
        let size = walker.read_long(&what)?;
        if rows < 0 || size < 0 {
            return Err(Damage(format!(
                "{what} declares {rows} rows in {size} bytes"
            )));
        }
        let size = size as u64;
        let left = len - walker.position;
        if size.saturating_add(16) > left {
            return Err(Damage(format!(
                "{what} is cut short: it declares {size} bytes of data and a 16-byte sync \
                 marker, but the file ends {left} bytes later"
            )));
        }
        walker.skip(size)?;
        let mut marker = [0u8; 16];
        walker.read_exact(&mut marker, &what)?;
        if marker != sync {
            return Err(Damage(format!(
                "{what}: its sync marker differs from the header's (the file is damaged)"
            )));
        }
        blocks += 1;
    }
    Ok(blocks)
}

/// Reads through a container, keeping its position for messages.
struct Walker<'a, R> {
    file: &'a mut R,
    position: u64,
}

impl<R: BufRead + Seek> Walker<'_, R> {
    fn read_exact(&mut self, buf: &mut [u8], what: &str) -> Result<(), Damage> {
        self.file
            .read_exact(buf)
            .map_err(|e| self.failed(e, what))?;
        self.position += buf.len() as u64;
        Ok(())
    }

    fn skip(&mut self, bytes: u64) -> Result<(), Damage> {
        let offset = i64::try_from(bytes).map_err(|_| Damage(format!("{bytes} bytes")))?;
        self.file
            .seek(SeekFrom::Current(offset))
            .map_err(|e| self.failed(e, "a block's data"))?;
        self.position += bytes;
        Ok(())
    }

    /// A zig-zag variable-length long, as Avro encodes `long` and `int`.
    fn read_long(&mut self, what: &str) -> Result<i64, Damage> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let mut byte = [0u8; 1];
            self.read_exact(&mut byte, what)?;
            value |= u64::from(byte[0] & 0x7f) << shift;
            if byte[0] & 0x80 == 0 {
                return Ok((value >> 1) as i64 ^ -((value & 1) as i64));
            }
        }
        Err(Damage(format!(
            "{what}: a number longer than 10 bytes at byte {}",
            self.position
        )))
    }

    /// The header's metadata: a map of string keys to bytes values, in blocks.
    fn skip_metadata(&mut self) -> Result<(), Damage> {
        loop {
            let count = self.read_long("the header's metadata")?;
            if count == 0 {
                return Ok(());
            }
            if count < 0 {
                // A negative count is followed by the block's size in bytes.
                self.read_long("the header's metadata")?;
            }
            for _ in 0..count.unsigned_abs() {
                for _ in 0..2 {
                    let len = self.read_long("the header's metadata")?;
                    let len = u64::try_from(len).map_err(|_| {
                        Damage(format!("the header's metadata has a length of {len}"))
                    })?;
                    self.skip(len)?;
                }
            }
        }
    }

    fn failed(&self, e: std::io::Error, what: &str) -> Damage {
        if e.kind() == ErrorKind::UnexpectedEof {
            Damage(format!(
                "the file ends inside {what} (at byte {}): it is cut short",
                self.position
            ))
        } else {
            Damage(format!("cannot read {what}: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn users() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/avro/users.avro"
        ))
        .unwrap()
    }

    fn checked(bytes: &[u8]) -> Result<u64, Damage> {
        check(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn a_whole_file_passes() {
        assert!(checked(&users()).unwrap() >= 1);
    }

    #[test]
    fn damage_is_named() {
        let bytes = users();
        let cut = checked(&bytes[..bytes.len() - 40]).unwrap_err().0;
        assert!(cut.contains("is cut short"), "{cut}");
        let mut marker = bytes.clone();
        let last = marker.len() - 1;
        marker[last] ^= 0xff;
        let bad = checked(&marker).unwrap_err().0;
        assert!(bad.contains("sync marker differs"), "{bad}");
        let magic = checked(b"PAR1 not avro").unwrap_err().0;
        assert!(magic.contains("not an Avro container"), "{magic}");
        let header = checked(&bytes[..20]).unwrap_err().0;
        assert!(header.contains("cut short"), "{header}");
    }
}
