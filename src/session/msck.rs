//! `MSCK REPAIR TABLE`: runs the repair and turns its report into a result set.

use std::sync::Arc;

use super::{Session, StatementOutput};
use crate::error::Result;
use crate::repair::{RepairMode, RepairProgress, repair_table};
use crate::sql::ast::TableName;

/// Rows listed per category before the rest is summarised by a count.
const LIST_CAP: usize = 1000;

impl Session {
    pub(super) async fn msck(
        &mut self,
        name: &TableName,
        mode: RepairMode,
        dry_run: bool,
    ) -> Result<StatementOutput> {
        let table = self.load_table(name)?;
        if crate::projection::config::is_enabled(&table) {
            return Ok(StatementOutput::done(
                "msck_repair",
                format!(
                    "MSCK REPAIR TABLE is unnecessary for {}: it uses partition projection, so \
                     its partitions are computed from its properties, not read from the catalog",
                    table.qualified_name()
                ),
            ));
        }
        let progress = self.progress.clone();
        let report_progress = move |p: RepairProgress| {
            if let Some(show) = &progress {
                show(&match p {
                    RepairProgress::Listing { listings, level } => {
                        format!("MSCK: {listings} folders listed (key level {})", level + 1)
                    }
                    RepairProgress::Checking { locations } => {
                        format!("MSCK: checking {locations} registered locations")
                    }
                });
            }
        };
        let report = repair_table(
            Arc::clone(&self.store),
            self.ctx.runtime_env(),
            &table,
            mode,
            dry_run,
            &report_progress,
        )
        .await?;
        if let Some(show) = &self.progress {
            show("");
        }

        let (added, removed) = if dry_run {
            ("would add", "would remove")
        } else {
            ("added", "removed")
        };
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut listed = |status: &str, items: Vec<(String, String)>| {
            let total = items.len();
            for (partition, detail) in items.into_iter().take(LIST_CAP) {
                rows.push(vec![status.to_string(), partition, detail]);
            }
            if total > LIST_CAP {
                rows.push(vec![
                    status.to_string(),
                    format!("… and {} more", total - LIST_CAP),
                    String::new(),
                ]);
            }
        };
        listed(
            added,
            report
                .added
                .iter()
                .map(|p| (p.clone(), String::new()))
                .collect(),
        );
        listed(
            removed,
            report
                .removed
                .iter()
                .map(|p| (p.clone(), String::new()))
                .collect(),
        );
        listed(
            "invalid",
            report
                .invalid
                .iter()
                .map(|i| (i.path.clone(), i.reason.clone()))
                .collect(),
        );
        let mut output =
            super::show::string_table("msck_repair", &["status", "partition", "detail"], rows)?;
        output.messages.push(format!(
            "MSCK REPAIR TABLE {}{}: {} partition(s) {added}, {} {removed}, {} unchanged, {} \
             invalid path(s) skipped; {} folder listing(s)",
            table.qualified_name(),
            if dry_run { " (dry run)" } else { "" },
            report.added.len(),
            report.removed.len(),
            report.unchanged,
            report.invalid.len(),
            report.listings,
        ));
        Ok(output)
    }
}
