//! `VALIDATE PROJECTION t`: does the projection configuration match the folders that
//! exist? Athena (and Trino) accept a template or date format that matches nothing and
//! silently return no rows; this samples projected locations across the domain, checks
//! which exist, and shows what storage holds where the template starts.

use super::{Session, StatementOutput};
use crate::error::{LakeError, Result};
use crate::projection::{ProjectionConfig, clock, sample_partitions};
use crate::sql::ast::TableName;
use crate::storage::LocationUrl;

/// Projected locations sampled.
const SAMPLE: usize = 24;

impl Session {
    pub(super) async fn validate_projection(
        &mut self,
        name: &TableName,
    ) -> Result<StatementOutput> {
        let table = self.load_table(name)?;
        let config = ProjectionConfig::of_table(&table, clock::now()?)?.ok_or_else(|| {
            LakeError::invalid(format!(
                "table {} does not use partition projection ('projection.enabled' is not 'true')",
                table.qualified_name()
            ))
        })?;
        let sample = sample_partitions(&table, &config, SAMPLE, 10_000)?;
        let runtime = self.ctx.runtime_env();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut found = 0;
        for p in &sample {
            let url = LocationUrl::parse(&p.location)?;
            let store = runtime.object_store(&url.store)?;
            let listing = store.list_with_delimiter(Some(&url.prefix)).await;
            let exists =
                listing.is_ok_and(|l| !l.objects.is_empty() || !l.common_prefixes.is_empty());
            found += usize::from(exists);
            rows.push(vec![
                if exists { "exists" } else { "missing" }.to_string(),
                p.spec.clone(),
                p.location.clone(),
            ]);
        }
        // Where the template's fixed part ends, list what is really there.
        let template = config.template.clone().unwrap_or_else(|| {
            format!(
                "{}/",
                table.storage_descriptor.location.trim_end_matches('/')
            )
        });
        let fixed = &template[..template.find("${").unwrap_or(template.len())];
        let fixed = &fixed[..fixed.rfind('/').map(|i| i + 1).unwrap_or(fixed.len())];
        if let Ok(url) = LocationUrl::parse(fixed) {
            let store = runtime.object_store(&url.store)?;
            if let Ok(listing) = store.list_with_delimiter(Some(&url.prefix)).await {
                for dir in listing.common_prefixes.iter().take(10) {
                    rows.push(vec![
                        "on storage".to_string(),
                        dir.filename().unwrap_or_default().to_string(),
                        format!("{}{}/", url.store.as_str(), dir),
                    ]);
                }
            }
        }
        let mut out = super::show::string_table(
            "validate_projection",
            &["status", "partition", "location"],
            rows,
        )?;
        out.messages.push(if found == 0 && !sample.is_empty() {
            format!(
                "warning: none of {} sampled projected locations of {} exist: the template or \
                 the formats probably do not match the folders (compare with the 'on storage' \
                 rows)",
                sample.len(),
                table.qualified_name()
            )
        } else {
            format!(
                "{found} of {} sampled projected locations of {} exist",
                sample.len(),
                table.qualified_name()
            )
        });
        Ok(out)
    }
}
