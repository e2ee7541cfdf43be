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

/// Whether the statement is a query (SELECT, WITH, VALUES, EXPLAIN, or a parenthesised
/// query).
fn is_query(tokens: &[TokenWithSpan]) -> bool {
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)));
    match first.map(|t| &t.token) {
        Some(Token::LParen) => true,
        Some(Token::Word(w)) if w.quote_style.is_none() => matches!(
            w.value.to_ascii_uppercase().as_str(),
            "SELECT" | "WITH" | "VALUES" | "EXPLAIN"
        ),
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
