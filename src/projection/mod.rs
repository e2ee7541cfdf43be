//! Athena partition projection: partitions computed from `projection.*` table properties
//! and the query's filters, never looked up in the catalog nor listed wholesale.
//!
//! [`config`] parses and validates the properties (at CREATE/ALTER time and at query
//! time), [`date`] handles Java date patterns, `NOW` arithmetic and date steps, and
//! [`candidates`] derives each column's allowed values from the filters, bounded by the
//! column's domain, and builds the candidate partitions.

pub mod candidates;
pub mod clock;
pub mod config;
pub mod date;

pub use candidates::{MAX_PROJECTED_PARTITIONS, project_partitions, sample_partitions};
pub use config::{ColumnProjection, ProjectionConfig, ProjectionKind};
