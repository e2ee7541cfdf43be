//! The Avro check: each file's container structure ([`super::avro_container`]) is
//! walked on the read the decoder then uses.

use std::io::{BufReader, Seek, SeekFrom};

use async_trait::async_trait;
use futures::stream::{self, StreamExt};
use object_store::{GetResult, GetResultPayload, Result};

use super::avro_container::check;
use super::store::{WholeFileCheck, damaged, generic};

/// Refuses Avro files that are cut short or whose sync markers differ.
#[derive(Debug)]
pub struct AvroCheck;

#[async_trait]
impl WholeFileCheck for AvroCheck {
    async fn check(&self, file: String, result: GetResult) -> Result<GetResult> {
        let len = result.meta.size;
        let why = |damage: super::avro_container::Damage| {
            damaged(&file, format!("the Avro file is damaged: {damage}"))
        };
        match result.payload {
            // A local file is walked block by block, then rewound for the decoder.
            GetResultPayload::File(handle, path) => {
                let walked = tokio::task::spawn_blocking(move || {
                    let mut reader = BufReader::new(handle);
                    let outcome = check(&mut reader, len);
                    let mut handle = reader.into_inner();
                    let rewound = handle.seek(SeekFrom::Start(0));
                    (outcome, rewound.map(|_| handle))
                })
                .await
                .map_err(|e| generic(e.to_string()))?;
                match walked {
                    (Err(damage), _) => Err(why(damage)),
                    (Ok(_), Err(e)) => Err(generic(e.to_string())),
                    (Ok(_), Ok(handle)) => Ok(GetResult {
                        payload: GetResultPayload::File(handle, path),
                        ..result
                    }),
                }
            }
            // A remote object is collected (as DataFusion's Avro reader does anyway).
            GetResultPayload::Stream(mut chunks) => {
                let mut buffer = Vec::with_capacity(usize::try_from(len).unwrap_or_default());
                while let Some(chunk) = chunks.next().await {
                    buffer.extend_from_slice(&chunk?);
                }
                check(&mut std::io::Cursor::new(&buffer[..]), buffer.len() as u64).map_err(why)?;
                let bytes = bytes::Bytes::from(buffer);
                Ok(GetResult {
                    payload: GetResultPayload::Stream(stream::once(async { Ok(bytes) }).boxed()),
                    ..result
                })
            }
        }
    }
}
