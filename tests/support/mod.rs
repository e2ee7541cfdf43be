//! Shared helpers for the S3 tests: a real S3-compatible server and a fault proxy.

pub mod fault_proxy;
pub mod s3_server;
