//! Casts to Trino's nested types: `CAST(x AS array(varchar))`, `map(varchar, bigint)`,
//! `row(a integer, b varchar)`, nested freely, to `JSON`, and `TRY_CAST` to them.
//!
//! The generic dialect cannot parse these type names and DataFusion cannot cast a JSON
//! string (what `json_extract` returns) to an array, nor a row to a row with other field
//! names. Before parsing, such a cast is respelled as a call of lakesql's cast function
//! with the type as Hive writes it: `lakesql_cast(x, 'array<string>', false)`
//! (`crate::functions::cast`). Other casts stay DataFusion's.

use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

/// Respells the casts to nested types in `tokens`.
pub fn respell_casts(tokens: &mut Vec<TokenWithSpan>) {
    let mut i = 0;
    while i < tokens.len() {
        let is_try = match keyword(&tokens[i]).as_deref() {
            Some("CAST") => Some(false),
            Some("TRY_CAST") => Some(true),
            _ => None,
        };
        if let Some(is_try) = is_try {
            respell_cast(tokens, i, is_try);
        }
        i += 1;
    }
}

fn keyword(t: &TokenWithSpan) -> Option<String> {
    match &t.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// The next token that is not whitespace, from `from`.
fn next(tokens: &[TokenWithSpan], from: usize) -> Option<usize> {
    (from..tokens.len()).find(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
}

/// Respells the cast whose keyword is `tokens[at]`, if its type is a nested one.
fn respell_cast(tokens: &mut Vec<TokenWithSpan>, at: usize, is_try: bool) {
    let Some(open) = next(tokens, at + 1).filter(|&k| tokens[k].token == Token::LParen) else {
        return;
    };
    let (mut depth, mut as_at, mut close) = (0usize, None, None);
    for (k, t) in tokens.iter().enumerate().skip(open + 1) {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => {
                close = Some(k);
                break;
            }
            Token::RParen => depth -= 1,
            Token::Word(w)
                if depth == 0 && w.quote_style.is_none() && w.value.eq_ignore_ascii_case("AS") =>
            {
                as_at = Some(k)
            }
            _ => {}
        }
    }
    let (Some(as_at), Some(close)) = (as_at, close) else {
        return;
    };
    let type_tokens: Vec<Token> = tokens[as_at + 1..close]
        .iter()
        .map(|t| t.token.clone())
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let nested = type_tokens.first().is_some_and(|t| {
        matches!(t, Token::Word(w) if ["ARRAY", "MAP", "ROW", "JSON"].contains(&w.value.to_ascii_uppercase().as_str()))
    });
    let mut pos = 0;
    let Some(hive) = nested.then(|| hive_type(&type_tokens, &mut pos)).flatten() else {
        return;
    };
    if pos != type_tokens.len() {
        return;
    }
    let span = tokens[as_at].span;
    let with = |token| TokenWithSpan { token, span };
    let replacement = vec![
        with(Token::Comma),
        with(Token::SingleQuotedString(hive)),
        with(Token::Comma),
        with(Token::make_word(
            if is_try { "true" } else { "false" },
            None,
        )),
    ];
    tokens.splice(as_at..close, replacement);
    tokens[at].token = Token::Word(Word {
        value: "lakesql_cast".to_string(),
        quote_style: None,
        keyword: sqlparser::keywords::Keyword::NoKeyword,
    });
}

/// Reads one Trino type from `tokens[*pos..]` as Hive's type text.
fn hive_type(tokens: &[Token], pos: &mut usize) -> Option<String> {
    let Token::Word(w) = tokens.get(*pos)? else {
        return None;
    };
    *pos += 1;
    let name = w.value.to_ascii_lowercase();
    match name.as_str() {
        "array" => {
            expect(tokens, pos, &Token::LParen)?;
            let item = hive_type(tokens, pos)?;
            expect(tokens, pos, &Token::RParen)?;
            Some(format!("array<{item}>"))
        }
        "map" => {
            expect(tokens, pos, &Token::LParen)?;
            let key = hive_type(tokens, pos)?;
            expect(tokens, pos, &Token::Comma)?;
            let value = hive_type(tokens, pos)?;
            expect(tokens, pos, &Token::RParen)?;
            Some(format!("map<{key},{value}>"))
        }
        "row" => row_type(tokens, pos),
        // Trino's JSON type: lakesql's cast writes the value as JSON text.
        "json" => Some("json".to_string()),
        _ => scalar_type(&name, tokens, pos),
    }
}

/// `row(name type, …)` as `struct<name:type,…>`.
fn row_type(tokens: &[Token], pos: &mut usize) -> Option<String> {
    expect(tokens, pos, &Token::LParen)?;
    let mut fields = Vec::new();
    loop {
        let Token::Word(field) = tokens.get(*pos)? else {
            return None;
        };
        *pos += 1;
        let t = hive_type(tokens, pos)?;
        fields.push(format!("{}:{t}", field.value.to_lowercase()));
        match tokens.get(*pos)? {
            Token::Comma => *pos += 1,
            Token::RParen => {
                *pos += 1;
                return Some(format!("struct<{}>", fields.join(",")));
            }
            _ => return None,
        }
    }
}

/// A scalar type, with its parameters (`decimal(10,2)`, `varchar(20)`).
fn scalar_type(name: &str, tokens: &[Token], pos: &mut usize) -> Option<String> {
    let hive = match name {
        "varchar" | "char" | "string" => "string",
        "integer" | "int" => "int",
        "real" | "float" => "float",
        "varbinary" | "binary" => "binary",
        "bigint" | "smallint" | "tinyint" | "double" | "boolean" | "date" | "timestamp"
        | "decimal" => name,
        _ => return None,
    };
    if tokens.get(*pos) != Some(&Token::LParen) {
        return Some(hive.to_string());
    }
    let mut params = String::new();
    *pos += 1;
    loop {
        match tokens.get(*pos)? {
            Token::RParen => {
                *pos += 1;
                break;
            }
            Token::Number(n, _) => params.push_str(n),
            Token::Comma => params.push(','),
            _ => return None,
        }
        *pos += 1;
    }
    // varchar(n) and char(n) read as string, as lakesql reads Hive's.
    match hive {
        "string" => Some("string".to_string()),
        _ => Some(format!("{hive}({params})")),
    }
}

fn expect(tokens: &[Token], pos: &mut usize, token: &Token) -> Option<()> {
    (tokens.get(*pos)? == token).then(|| *pos += 1)
}
