//! Naming the file behind a data error. DataFusion's readers report what is wrong with
//! the bytes (a cast that fails, a deflate stream that ends early, invalid UTF-8) but not
//! which file they were reading; a user with thousands of files needs the name. When a
//! query fails with such an error, the files of its file scans are read again one at a
//! time, in plan order, and the first that fails is named. Only the failing path pays,
//! and a bounded number of files.

use std::sync::Arc;

use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use futures::StreamExt;

use crate::error::{ErrorCode, LakeError};
use crate::storage::location::object_url;

/// Most files read again to find the one that fails.
const MAX_PROBED_FILES: usize = 256;

/// `error` naming the file it came from, when it is a data error that names none and a
/// file of `plan` fails on its own; otherwise `error` as it is.
pub async fn name_failing_file(
    error: LakeError,
    plan: &Arc<dyn ExecutionPlan>,
    task: Arc<TaskContext>,
) -> LakeError {
    let message = error.to_string();
    if error.code() != ErrorCode::HiveBadData || names_a_file(&message) {
        return error;
    }
    let Some(file) = failing_file(plan, task).await else {
        return error;
    };
    let message = message.strip_prefix("HIVE_BAD_DATA: ").unwrap_or(&message);
    LakeError::semantic(
        ErrorCode::HiveBadData,
        format!("{message} (in file {file})"),
    )
}

/// Whether an error message already names a file or location (by its URL).
pub fn names_a_file(message: &str) -> bool {
    message.contains("file://") || message.contains("s3://")
}

/// The first file of `plan`'s file scans that fails when read alone.
async fn failing_file(plan: &Arc<dyn ExecutionPlan>, task: Arc<TaskContext>) -> Option<String> {
    let mut probed = 0;
    for config in file_scans(plan) {
        for file in config.file_groups.iter().flat_map(|g| g.iter()) {
            if probed == MAX_PROBED_FILES {
                return None;
            }
            probed += 1;
            let mut single = config.clone();
            single.file_groups = vec![FileGroup::new(vec![file.clone()])];
            if fails(DataSourceExec::from_data_source(single), task.clone()).await {
                return Some(object_url(
                    &config.object_store_url,
                    &file.object_meta.location,
                ));
            }
        }
    }
    None
}

/// The file scan configurations of `plan`, in plan order.
fn file_scans(plan: &Arc<dyn ExecutionPlan>) -> Vec<FileScanConfig> {
    let mut scans = Vec::new();
    let mut stack = vec![plan.clone()];
    while let Some(node) = stack.pop() {
        if let Some(exec) = node.downcast_ref::<DataSourceExec>()
            && let Some(config) = exec.data_source().downcast_ref::<FileScanConfig>()
        {
            scans.push(config.clone());
        }
        stack.extend(node.children().into_iter().rev().cloned());
    }
    scans
}

/// Whether reading `plan` to the end fails.
async fn fails(plan: Arc<dyn ExecutionPlan>, task: Arc<TaskContext>) -> bool {
    let mut stream = match plan.execute(0, task) {
        Ok(stream) => stream,
        Err(_) => return true,
    };
    while let Some(batch) = stream.next().await {
        if batch.is_err() {
            return true;
        }
    }
    false
}
