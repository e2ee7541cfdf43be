//! A spinner on stderr for long-running statements, shown only on a terminal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::session::ProgressFn;

/// A progress receiver drawing on stderr, or `None` when stderr is not a terminal.
pub fn terminal_progress() -> Option<ProgressFn> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    Some(Arc::new(move |message: &str| {
        if message.is_empty() {
            bar.finish_and_clear();
        } else {
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message(message.to_string());
        }
    }))
}
