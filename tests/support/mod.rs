//! Shared helpers for the S3 and Glue tests: a real S3-compatible server (moto, which
//! also serves Glue) and a fault proxy. Each test binary uses part of them.
#![allow(dead_code)]

pub mod fault_proxy;
pub mod s3_server;
