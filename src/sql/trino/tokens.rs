//! The Trino rewrites that work on a query's tokens, before it is parsed: quoted
//! identifiers folded to lower case, and casts to nested types respelled
//! ([`super::types`]). Catalog statements are left alone (their double-quoted strings are
//! Hive strings, not identifiers).

use sqlparser::tokenizer::{Token, TokenWithSpan};

/// Applies the token rewrites when `tokens` are a query.
pub fn rewrite_tokens(tokens: &mut Vec<TokenWithSpan>) {
    if is_query(tokens) {
        fold_quoted_identifiers(tokens);
        super::types::respell_casts(tokens);
    }
}

/// Whether the statement is in Trino's syntax: a query (SELECT, WITH, VALUES, EXPLAIN, or a
/// parenthesised query) or a statement around one (`CREATE TABLE … AS`, `CREATE [OR
/// REPLACE] VIEW`, `INSERT`, `UNLOAD`), as opposed to Hive DDL.
fn is_query(tokens: &[TokenWithSpan]) -> bool {
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .take(2)
        .map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            Token::LParen => "(".to_string(),
            _ => String::new(),
        });
    let first = words.next().unwrap_or_default();
    let second = words.next().unwrap_or_default();
    match first.as_str() {
        "(" | "SELECT" | "WITH" | "VALUES" | "EXPLAIN" | "INSERT" | "UNLOAD" => true,
        "CREATE" => matches!(second.as_str(), "TABLE" | "VIEW" | "OR"),
        _ => false,
    }
}

/// Trino folds every identifier to lower case, quoted or not (`"ruleGroupId"` is
/// `rulegroupid`, `"$PATH"` is `"$path"`); DataFusion folds only unquoted ones.
fn fold_quoted_identifiers(tokens: &mut [TokenWithSpan]) {
    for t in tokens.iter_mut() {
        if let Token::Word(w) = &mut t.token
            && w.quote_style.is_some()
        {
            w.value = w.value.to_lowercase();
        }
    }
}
