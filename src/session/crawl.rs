//! `CRAWL 'location' INTO db WITH (…)`: runs the crawler and turns its report into a
//! result set (one row per table, partition batch, note or skipped file).

use super::show::string_table;
use super::{Outcome, Session};
use crate::crawler::{CrawlOptions, crawl};
use crate::error::Result;
use crate::storage::normalize_location;

/// Report rows listed before the rest is summarised by a count.
const LIST_CAP: usize = 1000;

impl Session {
    pub(super) async fn crawl(
        &mut self,
        location: &str,
        database: &str,
        settings: &[(String, String)],
    ) -> Result<Outcome> {
        let mut options = CrawlOptions::default();
        for (key, value) in settings {
            options.set(key, value)?;
        }
        let location = normalize_location(location, &self.base_dir)?;
        let progress = self.progress.clone();
        let show = move |text: String| {
            if let Some(p) = &progress {
                p(&text);
            }
        };
        let state = self.ctx.state();
        let report = crawl(&self.catalog, &state, &location, database, &options, &show).await;
        // An empty message clears the terminal's progress line.
        show(String::new());
        let report = report?;
        let mut rows: Vec<Vec<String>> = report
            .lines
            .iter()
            .take(LIST_CAP)
            .map(|l| vec![l.action.to_string(), l.subject.clone(), l.detail.clone()])
            .collect();
        if report.lines.len() > LIST_CAP {
            rows.push(vec![
                "more".to_string(),
                String::new(),
                format!("{} more line(s) not shown", report.lines.len() - LIST_CAP),
            ]);
        }
        let mut out = string_table(&["action", "subject", "detail"], rows)?;
        out.messages
            .push(report.summary(&location, options.dry_run));
        Ok(out)
    }
}
