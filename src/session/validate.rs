//! `VALIDATE PROJECTION t`: does the projection configuration match the folders that
//! exist? Athena (and Trino) accept a template or date format that matches nothing and
//! silently return no rows; this samples projected locations across the domain, checks
//! which exist, and shows what storage holds where the template starts.

use datafusion::execution::runtime_env::RuntimeEnv;

use super::show::string_table;
use super::{Outcome, Session};
use crate::catalog::Table;
use crate::error::{LakeError, Result};
use crate::projection::{ProjectionConfig, clock, sample_partitions};
use crate::sql::ast::TableName;
use crate::storage::LocationUrl;

/// Projected locations sampled.
const SAMPLE: usize = 24;

impl Session {
    /// Runs `VALIDATE PROJECTION`.
    pub(super) async fn validate_projection(&mut self, name: &TableName) -> Result<Outcome> {
        let table = self.load_data_table(name, "VALIDATE PROJECTION").await?;
        let config = ProjectionConfig::of_table(&table, clock::now()?)?.ok_or_else(|| {
            LakeError::invalid(format!(
                "table {} does not use partition projection ('projection.enabled' is not 'true')",
                table.qualified_name()
            ))
        })?;
        let sample = sample_partitions(&table, &config, SAMPLE, 10_000)?;
        let runtime = self.ctx.runtime_env();
        let mut rows: Vec<Vec<String>> = Vec::new();
        for p in &sample {
            let exists = has_objects(&runtime, &p.location).await?;
            let status = if exists { "exists" } else { "missing" };
            rows.push(vec![status.to_string(), p.spec.clone(), p.location.clone()]);
        }
        let found = rows.iter().filter(|r| r[0] == "exists").count();
        rows.extend(folders_on_storage(&runtime, &fixed_prefix(&table, &config)).await?);
        let mut out = string_table(&["status", "partition", "location"], rows)?;
        out.messages.push(summary(&table, found, sample.len()));
        Ok(out)
    }
}

/// Whether anything is stored under `location`.
async fn has_objects(runtime: &RuntimeEnv, location: &str) -> Result<bool> {
    let url = LocationUrl::parse(location)?;
    let store = runtime.object_store(&url.store)?;
    let listing = store.list_with_delimiter(Some(&url.prefix)).await;
    Ok(listing.is_ok_and(|l| !l.objects.is_empty() || !l.common_prefixes.is_empty()))
}

/// The folder where the location template's fixed part ends.
fn fixed_prefix(table: &Table, config: &ProjectionConfig) -> String {
    let template = config.template.clone().unwrap_or_else(|| {
        format!(
            "{}/",
            table.storage_descriptor.location.trim_end_matches('/')
        )
    });
    let fixed = &template[..template.find("${").unwrap_or(template.len())];
    fixed[..fixed.rfind('/').map(|i| i + 1).unwrap_or(fixed.len())].to_string()
}

/// Up to ten folders really stored under `prefix`, as `on storage` rows.
async fn folders_on_storage(runtime: &RuntimeEnv, prefix: &str) -> Result<Vec<Vec<String>>> {
    let Ok(url) = LocationUrl::parse(prefix) else {
        return Ok(Vec::new());
    };
    let store = runtime.object_store(&url.store)?;
    let Ok(listing) = store.list_with_delimiter(Some(&url.prefix)).await else {
        return Ok(Vec::new());
    };
    Ok(listing
        .common_prefixes
        .iter()
        .take(10)
        .map(|dir| {
            vec![
                "on storage".to_string(),
                dir.filename().unwrap_or_default().to_string(),
                format!("{}{}/", url.store.as_str(), dir),
            ]
        })
        .collect())
}

fn summary(table: &Table, found: usize, sampled: usize) -> String {
    if found == 0 && sampled > 0 {
        format!(
            "warning: none of {sampled} sampled projected locations of {} exist: the template \
             or the formats probably do not match the folders (compare with the 'on storage' \
             rows)",
            table.qualified_name()
        )
    } else {
        format!(
            "{found} of {sampled} sampled projected locations of {} exist",
            table.qualified_name()
        )
    }
}
