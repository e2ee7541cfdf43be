//! Shared helpers for the S3, Glue and credential tests: a real S3-compatible server
//! (moto, which also serves Glue and STS), a fault proxy, Glue settings and
//! pseudo-terminals. Each test binary uses part of them.
#![allow(dead_code)]

pub mod fault_proxy;
pub mod glue;
pub mod pty;
pub mod s3_server;
