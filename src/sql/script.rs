//! Splitting a script into statements, keeping each statement's position.
//!
//! The whole script is tokenized once (so `;` inside strings, quoted names and comments
//! is not a separator) and cut at top-level semicolons. Each statement keeps its tokens,
//! whose spans are positions in the script, so errors point at the script's own lines.

use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::parser::DIALECT;
use crate::error::{LakeError, Result};

/// One statement of a script.
#[derive(Clone, Debug)]
pub struct ScriptStatement {
    /// The statement's tokens (whitespace and comments included), without the `;`.
    pub tokens: Vec<TokenWithSpan>,
    /// 1-based line where the statement starts.
    pub line: u64,
    /// The statement's source text, trimmed.
    pub text: String,
}

/// Tokenizes `sql` once and splits it into statements at top-level `;`.
/// Empty statements (only whitespace or comments) are dropped.
pub fn split_script(sql: &str) -> Result<Vec<ScriptStatement>> {
    let tokens = Tokenizer::new(&DIALECT, sql)
        .tokenize_with_location()
        .map_err(|e| {
            LakeError::Syntax(format!(
                "line {}:{}: {}",
                e.location.line, e.location.column, e.message
            ))
        })?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, column: u64| -> usize {
        let start = line_starts
            .get(line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(sql.len());
        sql[start..]
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map(|(i, _)| start + i)
            .unwrap_or(sql.len())
    };

    let mut statements = Vec::new();
    let mut current: Vec<TokenWithSpan> = Vec::new();
    let mut flush = |current: &mut Vec<TokenWithSpan>| {
        let mut significant = current.iter().filter(|t| !is_trivia(&t.token));
        if let Some(first) = significant.next() {
            let last = significant.next_back().unwrap_or(first);
            let start = offset(first.span.start.line, first.span.start.column);
            let end = offset(last.span.end.line, last.span.end.column).max(start);
            statements.push(ScriptStatement {
                line: first.span.start.line,
                text: sql[start..end].trim().to_string(),
                tokens: std::mem::take(current),
            });
        }
        current.clear();
    };
    for tok in tokens {
        if tok.token == Token::SemiColon {
            flush(&mut current);
        } else {
            current.push(tok);
        }
    }
    flush(&mut current);
    Ok(statements)
}

fn is_trivia(token: &Token) -> bool {
    matches!(token, Token::Whitespace(_) | Token::EOF)
}

/// Whether `buffer` holds at least one complete statement and nothing unterminated after
/// it: the REPL's test for "run it" versus "read another line".
pub fn is_complete(buffer: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&DIALECT, buffer).tokenize() else {
        // An unterminated string or comment: keep reading.
        return false;
    };
    tokens
        .iter()
        .rev()
        .find(|t| !is_trivia(t))
        .is_some_and(|t| *t == Token::SemiColon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_semicolons_only() {
        let sql = "SELECT ';' AS a; -- comment; here\n\nSELECT \"x;y\"\n  FROM t;\n/* ; */ ;";
        let stmts = split_script(sql).unwrap();
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].text, "SELECT ';' AS a");
        assert_eq!(stmts[1].line, 3);
        assert_eq!(stmts[1].text, "SELECT \"x;y\"\n  FROM t");
    }

    #[test]
    fn completeness() {
        assert!(is_complete("select 1;"));
        assert!(is_complete("select 1; -- done"));
        assert!(!is_complete("select 1"));
        assert!(!is_complete("select 'a;"));
        assert!(!is_complete(""));
    }
}
