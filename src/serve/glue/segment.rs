//! `GetPartitions`' `Segment`: clients (awswrangler) read a table's partitions in
//! parallel segments, so each partition must fall in exactly one segment, and in the
//! same one on every call. A partition's segment is a fixed hash (FNV-1a) of its values,
//! modulo the number of segments: it does not depend on the other partitions, so
//! partitions added between the calls do not move the others.

use serde::Deserialize;

use crate::serve::protocol::ApiError;

use super::errors::invalid;

/// Glue's largest `TotalSegments`.
const MAX_SEGMENTS: u64 = 10;

/// One segment of a table's partitions.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Segment {
    segment_number: i64,
    total_segments: i64,
}

impl Segment {
    /// Checks the numbers: 1 to 10 segments, a number below the total.
    pub fn check(&self) -> Result<(), ApiError> {
        let total_ok = (1..=MAX_SEGMENTS as i64).contains(&self.total_segments);
        if !total_ok || !(0..self.total_segments).contains(&self.segment_number) {
            return Err(invalid(format!(
                "Segment {{SegmentNumber: {}, TotalSegments: {}}} is not valid: TotalSegments \
                 must be 1 to {MAX_SEGMENTS} and SegmentNumber below it",
                self.segment_number, self.total_segments
            )));
        }
        Ok(())
    }

    /// Whether the partition with `values` belongs to this segment.
    pub fn contains(&self, values: &[String]) -> bool {
        let total = self.total_segments.max(1) as u64;
        fnv1a(values) % total == self.segment_number as u64
    }
}

/// FNV-1a over the values, each followed by a separator byte.
fn fnv1a(values: &[String]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for value in values {
        for byte in value.bytes().chain([0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partition_is_in_exactly_one_segment() {
        let partitions: Vec<Vec<String>> = (0..500)
            .map(|i| vec![format!("{}", 2000 + i % 25), format!("{:02}", i % 20)])
            .collect();
        for total in 1..=10 {
            let segments: Vec<Segment> = (0..total)
                .map(|n| Segment {
                    segment_number: n,
                    total_segments: total,
                })
                .collect();
            let mut sizes = vec![0; total as usize];
            for p in &partitions {
                let owners: Vec<usize> = (0..segments.len())
                    .filter(|&i| segments[i].contains(p))
                    .collect();
                assert_eq!(owners.len(), 1, "{p:?} with {total} segments");
                sizes[owners[0]] += 1;
            }
            // Deterministic, and not everything in one segment.
            if total > 1 {
                assert!(sizes.iter().all(|&n| n > 0), "{sizes:?}");
            }
        }
        let s = Segment {
            segment_number: 1,
            total_segments: 3,
        };
        let p = vec!["2024".to_string()];
        assert_eq!(s.contains(&p), s.contains(&p.clone()));
    }

    #[test]
    fn out_of_range_segments_are_refused() {
        let bad = |n, t| {
            Segment {
                segment_number: n,
                total_segments: t,
            }
            .check()
            .is_err()
        };
        assert!(bad(0, 0));
        assert!(bad(0, 11));
        assert!(bad(3, 3));
        assert!(bad(-1, 3));
        assert!(!bad(2, 3));
    }
}
