//! `MSCK REPAIR TABLE`: runs the repair and turns its report into a result set.

use std::sync::Arc;

use super::show::string_table;
use super::{Outcome, ProgressFn, Session};
use crate::catalog::{RepairMode, Table};
use crate::error::Result;
use crate::repair::{RepairProgress, RepairReport, repair_table};
use crate::sql::ast::TableName;

/// Rows listed per category before the rest is summarised by a count.
const LIST_CAP: usize = 1000;

impl Session {
    /// Runs `MSCK [REPAIR] TABLE`.
    pub(super) async fn msck(
        &mut self,
        name: &TableName,
        mode: RepairMode,
        dry_run: bool,
    ) -> Result<Outcome> {
        let table = self.load_data_table(name, "MSCK REPAIR TABLE").await?;
        if crate::projection::config::is_enabled(&table) {
            return Ok(Outcome::done(format!(
                "MSCK REPAIR TABLE is unnecessary for {}: it uses partition projection, so \
                 its partitions are computed from its properties, not read from the catalog",
                table.qualified_name()
            )));
        }
        let progress = self.progress.clone();
        let report = repair_table(
            Arc::clone(&self.catalog),
            self.ctx.runtime_env(),
            &table,
            mode,
            dry_run,
            &move |p| show_progress(&progress, p),
        )
        .await?;
        if let Some(show) = &self.progress {
            show("");
        }
        let mut output = string_table(
            &["status", "partition", "detail"],
            report_rows(&report, dry_run),
        )?;
        output.messages.push(summary(&table, &report, dry_run));
        Ok(output)
    }
}

fn show_progress(progress: &Option<ProgressFn>, p: RepairProgress) {
    let Some(show) = progress else { return };
    show(&match p {
        RepairProgress::Listing { listings, level } => {
            format!("MSCK: {listings} folders listed (key level {})", level + 1)
        }
        RepairProgress::Checking { locations } => {
            format!("MSCK: checking {locations} registered locations")
        }
    });
}

/// The words for what happened (or would happen, in a dry run).
fn verbs(dry_run: bool) -> (&'static str, &'static str) {
    if dry_run {
        ("would add", "would remove")
    } else {
        ("added", "removed")
    }
}

/// One row per partition added or removed and per invalid path, at most [`LIST_CAP`]
/// per kind.
fn report_rows(report: &RepairReport, dry_run: bool) -> Vec<Vec<String>> {
    let (added, removed) = verbs(dry_run);
    let specs = |specs: &[String]| -> Vec<(String, String)> {
        specs.iter().map(|p| (p.clone(), String::new())).collect()
    };
    let invalid = report
        .invalid
        .iter()
        .map(|i| (i.path.clone(), i.reason.clone()))
        .collect();
    let mut rows = Vec::new();
    list_capped(&mut rows, added, specs(&report.added));
    list_capped(&mut rows, removed, specs(&report.removed));
    list_capped(&mut rows, "invalid", invalid);
    rows
}

fn list_capped(rows: &mut Vec<Vec<String>>, status: &str, items: Vec<(String, String)>) {
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
}

fn summary(table: &Table, report: &RepairReport, dry_run: bool) -> String {
    let (added, removed) = verbs(dry_run);
    format!(
        "MSCK REPAIR TABLE {}{}: {} partition(s) {added}, {} {removed}, {} unchanged, {} \
         invalid path(s) skipped; {} folder listing(s)",
        table.qualified_name(),
        if dry_run { " (dry run)" } else { "" },
        report.added.len(),
        report.removed.len(),
        report.unchanged,
        report.invalid.len(),
        report.listings,
    )
}
