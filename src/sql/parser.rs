//! The Athena/Hive statement parser.
//!
//! Wraps sqlparser's `Parser` the way DataFusion's `DFParser` does: statements lakesql
//! owns (Hive DDL, SHOW, DESCRIBE, ALTER TABLE …) are parsed here over sqlparser's tokens;
//! anything else is parsed by sqlparser into a [`Statement`] for DataFusion. Errors carry
//! the line and column of the offending token.

use sqlparser::ast::Statement;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::ast::*;
use crate::catalog::HiveType;
use crate::catalog::RepairMode;
use crate::catalog::model::Properties;
use crate::error::{ErrorCode, LakeError, Result};

/// The dialect statements are tokenized with: generic, which accepts both `"x"` and
/// `` `x` `` identifiers as Athena does.
pub static DIALECT: GenericDialect = GenericDialect {};

/// Parses one statement from its tokens (as produced by [`super::split_script`]).
pub fn parse_statement(mut tokens: Vec<TokenWithSpan>) -> Result<LakeStatement> {
    let original = tokens.clone();
    super::trino::rewrite_tokens(&mut tokens);
    let mut p = StatementParser {
        parser: Parser::new(&DIALECT).with_tokens_with_locations(tokens),
        original,
    };
    p.statement()
}

struct StatementParser<'a> {
    parser: Parser<'a>,
    /// The statement's tokens before the Trino token rewrites (a view keeps its text as
    /// written).
    original: Vec<TokenWithSpan>,
}

/// A property string as Hive's DDL reads it (`unescapeSQLString`): `\\` is a backslash,
/// `\"` a quote (a single quote is written `''`), `\n` `\t` `\r` `\b` `\0` `\Z` control characters, `\ooo` (`\000`–`\177`) an
/// octal and `\uXXXX` a Unicode character, `\%` and `\_` stay as written, and any other
/// escaped character stands for itself (so the `\s` of a regex in a property is `s`, as in
/// Athena).
pub fn unescape_hive(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 == chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        let octal: String = chars[i + 1..].iter().take(3).collect();
        let hex: String = chars[i + 2..].iter().take(4).collect();
        if octal.len() == 3 && octal.chars().all(|d| d.is_digit(8)) && next <= '1' {
            out.push(char::from(u8::from_str_radix(&octal, 8).unwrap_or(0)));
            i += 4;
            continue;
        }
        if next == 'u'
            && hex.len() == 4
            && let Ok(code) = u32::from_str_radix(&hex, 16)
        {
            out.extend(char::from_u32(code));
            i += 6;
            continue;
        }
        match next {
            '0' => out.push('\0'),
            'b' => out.push('\u{8}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'Z' => out.push('\u{1A}'),
            '%' | '_' => {
                out.push('\\');
                out.push(next);
            }
            other => out.push(other),
        }
        i += 2;
    }
    out
}

/// `line L:C: message`, Athena's way of naming a position.
fn at(loc: Location, message: impl std::fmt::Display) -> LakeError {
    LakeError::Syntax(format!("line {}:{}: {message}", loc.line, loc.column))
}

/// sqlparser's errors end with ` at Line: L, Column: C`; lakesql puts the position first.
fn from_parser_error(e: ParserError) -> LakeError {
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s,
        ParserError::RecursionLimitExceeded => "statement is nested too deeply".to_string(),
    };
    if let Some((message, position)) = text.rsplit_once(" at Line: ")
        && let Some((line, column)) = position.split_once(", Column: ")
    {
        return LakeError::Syntax(format!("line {line}:{column}: {message}"));
    }
    LakeError::Syntax(text)
}

impl StatementParser<'_> {
    // ---- token helpers -------------------------------------------------------------

    fn peek(&self) -> TokenWithSpan {
        self.parser.peek_token()
    }

    fn is_kw(tok: &Token, kw: &str) -> bool {
        matches!(tok, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    fn peek_kw(&self, kw: &str) -> bool {
        Self::is_kw(&self.peek().token, kw)
    }

    fn peek_nth_kw(&self, n: usize, kw: &str) -> bool {
        Self::is_kw(&self.parser.peek_nth_token(n).token, kw)
    }

    /// Consumes the keywords if all of them come next.
    fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if kws
            .iter()
            .enumerate()
            .all(|(i, kw)| self.peek_nth_kw(i, kw))
        {
            for _ in kws {
                self.parser.next_token();
            }
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        self.eat_kws(&[kw])
    }

    fn error_here(&self, expected: &str) -> LakeError {
        let found = self.peek();
        let what = match &found.token {
            Token::EOF => "end of statement".to_string(),
            t => format!("'{t}'"),
        };
        at(
            found.span.start,
            format!("expected {expected}, found {what}"),
        )
    }

    fn expect_kws(&mut self, kws: &[&str]) -> Result<()> {
        if self.eat_kws(kws) {
            Ok(())
        } else {
            Err(self.error_here(&kws.join(" ")))
        }
    }

    fn eat_token(&mut self, t: &Token) -> bool {
        self.parser.consume_token(t)
    }

    fn expect_token(&mut self, t: &Token) -> Result<()> {
        if self.eat_token(t) {
            Ok(())
        } else {
            Err(self.error_here(&format!("'{t}'")))
        }
    }

    fn expect_end(&mut self) -> Result<()> {
        self.eat_token(&Token::SemiColon);
        if self.peek().token == Token::EOF {
            Ok(())
        } else {
            Err(self.error_here("end of statement"))
        }
    }

    /// An identifier (any word, quoted or not), lower-cased as Athena stores names.
    fn name(&mut self, what: &str) -> Result<String> {
        let tok = self.peek();
        match tok.token {
            Token::Word(w) => {
                self.parser.next_token();
                Ok(w.value.to_lowercase())
            }
            _ => Err(self.error_here(what)),
        }
    }

    /// A name, lower-cased; a back-quoted name with dots (`` `db.table` ``) is several
    /// names, as Hive and Athena read it.
    fn name_parts(&mut self, what: &str) -> Result<Vec<String>> {
        if let Token::Word(w) = &self.peek().token
            && w.quote_style == Some('`')
            && w.value.contains('.')
        {
            let parts = w.value.split('.').map(str::to_lowercase).collect();
            self.parser.next_token();
            return Ok(parts);
        }
        Ok(vec![self.name(what)?])
    }

    /// `[catalog.][db.]name`; the catalog, when given, must be Athena's
    /// `awsdatacatalog`.
    fn table_name(&mut self) -> Result<TableName> {
        let start = self.peek().span.start;
        let mut parts = self.name_parts("a table name")?;
        while self.eat_token(&Token::Period) {
            parts.extend(self.name_parts("a name after '.'")?);
        }
        match parts.len() {
            1 => Ok(TableName {
                database: None,
                name: parts.remove(0),
            }),
            2 => Ok(TableName {
                database: Some(parts.remove(0)),
                name: parts.remove(0),
            }),
            3 if parts[0] == crate::CATALOG_NAME => Ok(TableName {
                database: Some(parts.remove(1)),
                name: parts.remove(1),
            }),
            _ => Err(at(
                start,
                format!("invalid table name '{}'", parts.join(".")),
            )),
        }
    }

    fn database_name(&mut self) -> Result<String> {
        let first = self.name("a database name")?;
        if self.eat_token(&Token::Period) {
            if first != crate::CATALOG_NAME {
                return Err(self.error_here("a database name (unknown catalog)"));
            }
            return self.name("a database name");
        }
        Ok(first)
    }

    /// A quoted string literal.
    fn string(&mut self, what: &str) -> Result<String> {
        let tok = self.peek();
        match tok.token {
            Token::SingleQuotedString(s)
            | Token::DoubleQuotedString(s)
            | Token::EscapedStringLiteral(s) => {
                self.parser.next_token();
                Ok(s)
            }
            // In the generic dialect "x" is a quoted identifier; Hive accepts it as a string.
            Token::Word(w) if w.quote_style == Some('"') => {
                self.parser.next_token();
                Ok(w.value)
            }
            _ => Err(self.error_here(what)),
        }
    }

    fn optional_comment(&mut self) -> Result<Option<String>> {
        if self.eat_kw("COMMENT") {
            Ok(Some(self.string("a comment string")?))
        } else {
            Ok(None)
        }
    }

    /// `('k'='v', …)`.
    fn properties(&mut self) -> Result<Properties> {
        self.expect_token(&Token::LParen)?;
        let mut props = Properties::new();
        if self.eat_token(&Token::RParen) {
            return Ok(props);
        }
        loop {
            let key = unescape_hive(&self.string("a property name string")?);
            self.expect_token(&Token::Eq)?;
            let value = unescape_hive(&self.string("a property value string")?);
            props.insert(key, value);
            if !self.eat_token(&Token::Comma) {
                break;
            }
        }
        self.expect_token(&Token::RParen)?;
        Ok(props)
    }

    /// A Hive type: tokens up to the next `,` / `)` / `COMMENT` at nesting depth 0,
    /// re-joined and parsed by [`HiveType`]'s parser.
    fn hive_type(&mut self) -> Result<HiveType> {
        let start = self.peek().span.start;
        let mut text = String::new();
        let mut depth: i32 = 0;
        loop {
            let tok = self.peek();
            match &tok.token {
                Token::EOF => break,
                Token::Comma | Token::RParen if depth == 0 => break,
                t if depth == 0 && Self::is_kw(t, "COMMENT") => break,
                Token::Lt | Token::LParen => depth += 1,
                Token::Gt | Token::RParen => depth -= 1,
                Token::ShiftRight => depth -= 2,
                _ => {}
            }
            if !text.is_empty()
                && matches!(tok.token, Token::Word(_))
                && text.ends_with(char::is_alphanumeric)
            {
                text.push(' ');
            }
            text.push_str(&tok.token.to_string());
            self.parser.next_token();
        }
        if text.is_empty() {
            return Err(self.error_here("a column type"));
        }
        text.parse::<HiveType>().map_err(|e| match e {
            LakeError::Semantic { message, .. } => at(start, message),
            other => other,
        })
    }

    /// `(name type [COMMENT '…'], …)`.
    fn column_defs(&mut self) -> Result<Vec<ColumnDef>> {
        self.expect_token(&Token::LParen)?;
        let mut cols: Vec<ColumnDef> = Vec::new();
        loop {
            let pos = self.peek().span.start;
            let name = self.name("a column name")?;
            if cols.iter().any(|c| c.name == name) {
                return Err(at(
                    pos,
                    format!("column '{name}' is specified more than once"),
                ));
            }
            let hive_type = self.hive_type()?;
            let comment = self.optional_comment()?;
            cols.push(ColumnDef {
                name,
                hive_type,
                comment,
            });
            if !self.eat_token(&Token::Comma) {
                break;
            }
        }
        self.expect_token(&Token::RParen)?;
        Ok(cols)
    }

    /// A partition value: a string or number literal (a leading `-` allowed).
    fn partition_value(&mut self) -> Result<String> {
        let negative = self.eat_token(&Token::Minus);
        let tok = self.peek();
        let value = match tok.token {
            Token::Number(n, _) => n,
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) if !negative => s,
            Token::Word(w) if w.quote_style == Some('"') && !negative => w.value,
            Token::Word(w)
                if w.quote_style.is_none()
                    && (w.value.eq_ignore_ascii_case("true")
                        || w.value.eq_ignore_ascii_case("false")) =>
            {
                w.value.to_lowercase()
            }
            _ => return Err(self.error_here("a partition value literal")),
        };
        self.parser.next_token();
        Ok(if negative { format!("-{value}") } else { value })
    }

    /// `PARTITION (k=v, …)` after the keyword.
    fn partition_spec(&mut self) -> Result<PartitionSpec> {
        self.expect_token(&Token::LParen)?;
        let mut spec: PartitionSpec = Vec::new();
        loop {
            let pos = self.peek().span.start;
            let key = self.name("a partition key")?;
            if spec.iter().any(|(k, _)| *k == key) {
                return Err(at(pos, format!("partition key '{key}' is given twice")));
            }
            self.expect_token(&Token::Eq)?;
            let value = self.partition_value()?;
            spec.push((key, value));
            if !self.eat_token(&Token::Comma) {
                break;
            }
        }
        self.expect_token(&Token::RParen)?;
        Ok(spec)
    }

    fn if_not_exists(&mut self) -> bool {
        self.eat_kws(&["IF", "NOT", "EXISTS"])
    }

    fn if_exists(&mut self) -> bool {
        self.eat_kws(&["IF", "EXISTS"])
    }

    // ---- statements ----------------------------------------------------------------

    fn statement(&mut self) -> Result<LakeStatement> {
        let Some(stmt) = self.lake_statement()? else {
            return self.query();
        };
        self.expect_end()?;
        Ok(stmt)
    }

    /// A statement lakesql parses itself, chosen by its leading keywords; `None` leaves
    /// the statement to sqlparser as a query.
    fn lake_statement(&mut self) -> Result<Option<LakeStatement>> {
        Ok(if self.peek_kw("CREATE") {
            self.create_statement()?
        } else if self.peek_kw("DROP") {
            self.drop_statement()?
        } else if self.eat_kw("USE") {
            Some(LakeStatement::Session(SessionStatement::Use(
                self.database_name()?,
            )))
        } else if self.eat_kws(&["ALTER", "TABLE"]) {
            Some(self.alter_table()?)
        } else if self.eat_kw("MSCK") {
            Some(self.msck()?)
        } else if self.peek_set_s3() {
            self.parser.next_token();
            Some(self.set_s3()?)
        } else if self.peek_set_limit() {
            self.parser.next_token();
            Some(self.set_limit()?)
        } else if self.eat_kw("CRAWL") {
            Some(self.crawl()?)
        } else if self.eat_kws(&["ANALYZE", "TABLE"]) {
            Some(self.analyze()?)
        } else if self.peek_kw("SHOW") {
            self.show_statement()?
        } else if self.eat_kws(&["REFRESH", "TABLE"]) {
            Some(LakeStatement::Maintenance(Maintenance::Refresh(
                self.table_name()?,
            )))
        } else if self.eat_kws(&["VALIDATE", "PROJECTION"]) {
            Some(LakeStatement::Maintenance(Maintenance::ValidateProjection(
                self.table_name()?,
            )))
        } else if self.eat_kw("DESCRIBE") || self.eat_kw("DESC") {
            Some(self.describe()?)
        } else if self.eat_kws(&["INSERT", "INTO"]) {
            Some(self.insert_into()?)
        } else if self.eat_kw("UNLOAD") {
            Some(self.unload()?)
        } else {
            None
        })
    }

    /// `CREATE EXTERNAL TABLE …` or `CREATE DATABASE|SCHEMA …`; `None` for the other
    /// CREATEs sqlparser knows.
    fn create_statement(&mut self) -> Result<Option<LakeStatement>> {
        if self.peek_nth_kw(1, "EXTERNAL") && self.peek_nth_kw(2, "TABLE") {
            self.eat_kws(&["CREATE", "EXTERNAL", "TABLE"]);
            return self.create_table().map(Some);
        }
        if self.peek_nth_kw(1, "DATABASE") || self.peek_nth_kw(1, "SCHEMA") {
            self.parser.next_token();
            self.parser.next_token();
            return self.create_database().map(Some);
        }
        if self.eat_kws(&["CREATE", "TABLE"]) {
            return self.create_table_as().map(Some);
        }
        if self.eat_kws(&["CREATE", "VIEW"]) {
            return self.create_view(false).map(Some);
        }
        if self.eat_kws(&["CREATE", "OR", "REPLACE", "VIEW"]) {
            return self.create_view(true).map(Some);
        }
        Ok(None)
    }

    /// `DROP DATABASE|SCHEMA …`, `DROP TABLE …` or `DROP VIEW …`; `None` for the other
    /// DROPs.
    fn drop_statement(&mut self) -> Result<Option<LakeStatement>> {
        if self.peek_nth_kw(1, "DATABASE") || self.peek_nth_kw(1, "SCHEMA") {
            self.parser.next_token();
            self.parser.next_token();
            return self.drop_database().map(Some);
        }
        if self.eat_kws(&["DROP", "VIEW"]) {
            let if_exists = self.if_exists();
            let name = self.table_name()?;
            return Ok(Some(LakeStatement::View(ViewStatement::Drop {
                name,
                if_exists,
            })));
        }
        if !self.eat_kws(&["DROP", "TABLE"]) {
            return Ok(None);
        }
        let if_exists = self.if_exists();
        let name = self.table_name()?;
        Ok(Some(LakeStatement::Catalog(CatalogDdl::DropTable {
            name,
            if_exists,
        })))
    }

    /// After `DROP DATABASE|SCHEMA`: `[IF EXISTS] db [CASCADE|RESTRICT]`.
    fn drop_database(&mut self) -> Result<LakeStatement> {
        let if_exists = self.if_exists();
        let name = self.database_name()?;
        let cascade = if self.eat_kw("CASCADE") {
            true
        } else {
            self.eat_kw("RESTRICT");
            false
        };
        Ok(LakeStatement::Catalog(CatalogDdl::DropDatabase {
            name,
            if_exists,
            cascade,
        }))
    }

    /// Whether `SET` of one of the session's limits comes next.
    fn peek_set_limit(&self) -> bool {
        self.peek_kw("SET")
            && crate::session::LIMIT_NAMES
                .iter()
                .any(|name| self.peek_nth_kw(1, name))
    }

    /// `name = value` or `name TO value` (after `SET`), for a session limit.
    fn set_limit(&mut self) -> Result<LakeStatement> {
        let name = self.name("a limit name")?.to_ascii_lowercase();
        if !(self.eat_token(&Token::Eq) || self.eat_kw("TO")) {
            return Err(self.error_here("'=' or TO"));
        }
        let value = match self.peek().token {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
            Token::Number(n, _) => n,
            Token::Word(w) => w.value,
            _ => return Err(self.error_here("a value, such as '30s' or '10GB'")),
        };
        self.parser.next_token();
        Ok(LakeStatement::Session(SessionStatement::SetLimit {
            name,
            value,
        }))
    }

    /// Whether `SET s3.…` comes next.
    fn peek_set_s3(&self) -> bool {
        self.peek_kw("SET")
            && self.peek_nth_kw(1, "S3")
            && self.parser.peek_nth_token(2).token == Token::Period
    }

    /// `SHOW S3 SETTINGS` or a `SHOW …` lakesql answers from the catalog; `None` for the
    /// other SHOWs.
    fn show_statement(&mut self) -> Result<Option<LakeStatement>> {
        if self.eat_kws(&["SHOW", "S3", "SETTINGS"]) {
            return Ok(Some(LakeStatement::Session(
                SessionStatement::ShowS3Settings,
            )));
        }
        if !self.show_is_ours() {
            return Ok(None);
        }
        self.parser.next_token();
        self.show().map(Some)
    }

    /// After `DESCRIBE`: `[FORMATTED|EXTENDED] table [column]`.
    fn describe(&mut self) -> Result<LakeStatement> {
        let formatted = self.eat_kw("FORMATTED") || self.eat_kw("EXTENDED");
        let name = self.table_name()?;
        let column = if matches!(self.peek().token, Token::Word(_)) {
            Some(self.name("a column name")?)
        } else {
            None
        };
        Ok(LakeStatement::Show(ShowStatement::Describe {
            name,
            formatted,
            column,
        }))
    }

    /// Whether a `SHOW …` is one lakesql answers from the catalog.
    fn show_is_ours(&self) -> bool {
        [
            "DATABASES",
            "SCHEMAS",
            "TABLES",
            "CREATE",
            "COLUMNS",
            "TBLPROPERTIES",
            "PARTITIONS",
            "VIEWS",
        ]
        .iter()
        .any(|kw| self.peek_nth_kw(1, kw))
    }

    /// `'location' INTO db [WITH (key = value, …)]` (after `CRAWL`).
    fn crawl(&mut self) -> Result<LakeStatement> {
        let location = self.string("the location to crawl, as a string")?;
        self.expect_kws(&["INTO"])?;
        let database = self.database_name()?;
        let mut options = Vec::new();
        if self.eat_kw("WITH") {
            self.expect_token(&Token::LParen)?;
            loop {
                let key = match self.peek().token {
                    Token::Word(w) => w.value.to_lowercase(),
                    Token::SingleQuotedString(s) => s.to_lowercase(),
                    _ => return Err(self.error_here("an option name")),
                };
                self.parser.next_token();
                self.expect_token(&Token::Eq)?;
                let value = match self.peek().token {
                    Token::SingleQuotedString(s) => s,
                    Token::Number(n, _) => n,
                    Token::Word(w) => w.value,
                    _ => return Err(self.error_here("an option value")),
                };
                self.parser.next_token();
                options.push((key, value));
                if !self.eat_token(&Token::Comma) {
                    break;
                }
            }
            self.expect_token(&Token::RParen)?;
        }
        Ok(LakeStatement::Maintenance(Maintenance::Crawl {
            location,
            database,
            options,
        }))
    }

    /// `s3.KEY = value` or `s3.bucket.NAME.KEY = value` (after `SET`). The bucket name may
    /// hold `-` and `.`, so the key is rebuilt from its tokens up to `=` or `TO`.
    fn set_s3(&mut self) -> Result<LakeStatement> {
        let start = self.peek().span.start;
        let path = self.setting_path();
        if !(self.eat_token(&Token::Eq) || self.eat_kw("TO")) {
            return Err(self.error_here("'=' or TO"));
        }
        let value_at = self.peek();
        let value = match value_at.token {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
            Token::Number(n, _) => n,
            Token::Word(w) => w.value,
            _ => return Err(self.error_here("a value")),
        };
        self.parser.next_token();
        let (bucket, key) = s3_setting(&path, start)?;
        Ok(LakeStatement::Session(SessionStatement::SetS3 {
            bucket,
            key,
            value,
        }))
    }

    /// The setting's name, rebuilt from its tokens up to `=`, `TO` or the end.
    fn setting_path(&mut self) -> String {
        let mut path = String::new();
        loop {
            let tok = self.peek();
            match &tok.token {
                Token::Eq | Token::EOF | Token::SemiColon => break,
                t if Self::is_kw(t, "TO") => break,
                Token::Word(w) => path.push_str(&w.value),
                t => path.push_str(&t.to_string()),
            }
            self.parser.next_token();
        }
        path
    }

    fn query(&mut self) -> Result<LakeStatement> {
        let mut stmt: Statement = self.parser.parse_statement().map_err(from_parser_error)?;
        self.expect_end()?;
        super::trino::rewrite(&mut stmt)?;
        Ok(LakeStatement::Query(Box::new(stmt)))
    }

    fn create_database(&mut self) -> Result<LakeStatement> {
        let if_not_exists = self.if_not_exists();
        let name = self.database_name()?;
        let (mut comment, mut location, mut properties) = (None, None, Properties::new());
        loop {
            if comment.is_none() && self.peek_kw("COMMENT") {
                comment = self.optional_comment()?;
            } else if location.is_none() && self.eat_kw("LOCATION") {
                location = Some(self.string("a location string")?);
            } else if properties.is_empty() && self.eat_kws(&["WITH", "DBPROPERTIES"]) {
                properties = self.properties()?;
            } else {
                break;
            }
        }
        Ok(LakeStatement::Catalog(CatalogDdl::CreateDatabase(
            CreateDatabase {
                name,
                if_not_exists,
                comment,
                location,
                properties,
            },
        )))
    }

    fn create_table(&mut self) -> Result<LakeStatement> {
        let if_not_exists = self.if_not_exists();
        let name = self.table_name()?;
        let columns = self.column_defs()?;
        let mut t = CreateTable {
            name,
            if_not_exists,
            columns,
            comment: None,
            partition_keys: Vec::new(),
            row_format: None,
            stored_as: None,
            location: None,
            properties: Properties::new(),
        };
        self.table_clauses(&mut t)?;
        if !matches!(self.peek().token, Token::EOF | Token::SemiColon) {
            return Err(self.error_here(
                "COMMENT, PARTITIONED BY, ROW FORMAT, STORED AS, LOCATION or TBLPROPERTIES",
            ));
        }
        check_partition_keys(&t)?;
        Ok(LakeStatement::Catalog(CatalogDdl::CreateTable(Box::new(t))))
    }

    /// The clauses after the column list, in any order, each at most once.
    fn table_clauses(&mut self, t: &mut CreateTable) -> Result<()> {
        let mut seen: Vec<&'static str> = Vec::new();
        loop {
            let pos = self.peek().span.start;
            let Some(clause) = self.table_clause(t)? else {
                return Ok(());
            };
            if seen.contains(&clause) {
                return Err(at(pos, format!("{clause} is given more than once")));
            }
            seen.push(clause);
        }
    }

    /// Parses one clause into `t` and returns its name; `None` when no clause comes next.
    fn table_clause(&mut self, t: &mut CreateTable) -> Result<Option<&'static str>> {
        let clause = if self.peek_kw("COMMENT") {
            t.comment = self.optional_comment()?;
            "COMMENT"
        } else if self.eat_kws(&["PARTITIONED", "BY"]) {
            t.partition_keys = self.column_defs()?;
            "PARTITIONED BY"
        } else if self.eat_kws(&["ROW", "FORMAT"]) {
            t.row_format = Some(self.row_format()?);
            "ROW FORMAT"
        } else if self.eat_kws(&["STORED", "AS"]) {
            t.stored_as = Some(self.stored_as()?);
            "STORED AS"
        } else if self.eat_kw("LOCATION") {
            t.location = Some(self.string("a location string")?);
            "LOCATION"
        } else if self.eat_kw("TBLPROPERTIES") {
            t.properties = self.properties()?;
            "TBLPROPERTIES"
        } else if self.peek_kw("CLUSTERED") {
            let pos = self.peek().span.start;
            return Err(at(pos, "CLUSTERED BY (bucketing) is not supported"));
        } else {
            return Ok(None);
        };
        Ok(Some(clause))
    }

    fn row_format(&mut self) -> Result<RowFormat> {
        if self.eat_kw("SERDE") {
            let class = self.string("a SerDe class name string")?;
            let properties = if self.eat_kws(&["WITH", "SERDEPROPERTIES"]) {
                self.properties()?
            } else {
                Properties::new()
            };
            return Ok(RowFormat::Serde { class, properties });
        }
        self.expect_kws(&["DELIMITED"])?;
        let mut props = Properties::new();
        loop {
            if self.eat_kws(&["FIELDS", "TERMINATED", "BY"]) {
                let d = self.string("a delimiter string")?;
                props.insert("field.delim".into(), d.clone());
                props.insert("serialization.format".into(), d);
                if self.eat_kws(&["ESCAPED", "BY"]) {
                    props.insert("escape.delim".into(), self.string("an escape string")?);
                }
            } else if self.eat_kws(&["COLLECTION", "ITEMS", "TERMINATED", "BY"]) {
                props.insert(
                    "collection.delim".into(),
                    self.string("a delimiter string")?,
                );
            } else if self.eat_kws(&["MAP", "KEYS", "TERMINATED", "BY"]) {
                props.insert("mapkey.delim".into(), self.string("a delimiter string")?);
            } else if self.eat_kws(&["LINES", "TERMINATED", "BY"]) {
                props.insert("line.delim".into(), self.string("a delimiter string")?);
            } else if self.eat_kws(&["NULL", "DEFINED", "AS"]) {
                props.insert(
                    "serialization.null.format".into(),
                    self.string("a null marker string")?,
                );
            } else {
                break;
            }
        }
        Ok(RowFormat::Delimited(props))
    }

    fn stored_as(&mut self) -> Result<StoredAs> {
        if self.eat_kw("INPUTFORMAT") {
            let input = self.string("an input format class string")?;
            self.expect_kws(&["OUTPUTFORMAT"])?;
            let output = self.string("an output format class string")?;
            return Ok(StoredAs::Formats { input, output });
        }
        let pos = self.peek().span.start;
        let name = self.name("a storage format (PARQUET, TEXTFILE, JSON, AVRO, ORC, ION)")?;
        if crate::catalog::storage_format::stored_as(&name).is_none() {
            return Err(at(
                pos,
                format!(
                    "unknown storage format '{name}'; expected PARQUET, TEXTFILE, JSON, AVRO, \
                     ORC or ION"
                ),
            ));
        }
        Ok(StoredAs::Named(name.to_uppercase()))
    }

    /// After `MSCK`: `[REPAIR] TABLE t [ADD|DROP|SYNC PARTITIONS] [DRY RUN]`.
    fn msck(&mut self) -> Result<LakeStatement> {
        let repair = self.eat_kw("REPAIR");
        self.expect_kws(&["TABLE"])?;
        let name = self.table_name()?;
        let mode = if self.eat_kw("ADD") {
            RepairMode::Add
        } else if self.eat_kw("DROP") {
            RepairMode::Drop
        } else if self.eat_kw("SYNC") {
            RepairMode::Sync
        } else {
            RepairMode::Add
        };
        if mode != RepairMode::Add || self.peek_kw("PARTITIONS") {
            self.expect_kws(&["PARTITIONS"])?;
        }
        let dry_run = self.eat_kws(&["DRY", "RUN"]) || !repair;
        Ok(LakeStatement::Maintenance(Maintenance::Msck {
            name,
            mode,
            dry_run,
        }))
    }

    /// After `ANALYZE TABLE`: `t [PARTITION (k[=v], …)] COMPUTE STATISTICS [NOSCAN | FOR
    /// COLUMNS c, … | FOR ALL COLUMNS]`.
    fn analyze(&mut self) -> Result<LakeStatement> {
        let name = self.table_name()?;
        let partition = match self.eat_kw("PARTITION") {
            true => Some(self.analyze_partition()?),
            false => None,
        };
        self.expect_kws(&["COMPUTE", "STATISTICS"])?;
        let target = if self.eat_kw("NOSCAN") {
            AnalyzeTarget::NoScan
        } else if self.eat_kws(&["FOR", "ALL", "COLUMNS"]) {
            AnalyzeTarget::AllColumns
        } else if self.eat_kw("FOR") {
            self.expect_kws(&["COLUMNS"])?;
            let mut columns = Vec::new();
            loop {
                let pos = self.peek().span.start;
                let column = self.name("a column name")?;
                if columns.contains(&column) {
                    return Err(at(pos, format!("column '{column}' is given twice")));
                }
                columns.push(column);
                if !self.eat_token(&Token::Comma) {
                    break;
                }
            }
            AnalyzeTarget::Columns(columns)
        } else {
            AnalyzeTarget::Rows
        };
        Ok(LakeStatement::Maintenance(Maintenance::Analyze {
            name,
            partition,
            target,
        }))
    }

    /// `(k[=v], …)` after `ANALYZE TABLE t PARTITION`.
    fn analyze_partition(&mut self) -> Result<Vec<(String, Option<String>)>> {
        self.expect_token(&Token::LParen)?;
        let mut spec = Vec::new();
        loop {
            let pos = self.peek().span.start;
            let key = self.name("a partition key")?;
            if spec.iter().any(|(k, _)| *k == key) {
                return Err(at(pos, format!("partition key '{key}' is given twice")));
            }
            let value = match self.eat_token(&Token::Eq) {
                true => Some(self.partition_value()?),
                false => None,
            };
            spec.push((key, value));
            if !self.eat_token(&Token::Comma) {
                break;
            }
        }
        self.expect_token(&Token::RParen)?;
        Ok(spec)
    }

    fn alter_table(&mut self) -> Result<LakeStatement> {
        let name = self.table_name()?;
        if self.eat_kws(&["RECOVER", "PARTITIONS"]) {
            return Ok(LakeStatement::Maintenance(Maintenance::Msck {
                name,
                mode: RepairMode::Add,
                dry_run: false,
            }));
        }
        let change = if self.eat_kws(&["SET", "TBLPROPERTIES"]) {
            TableChange::SetProperties(self.properties()?)
        } else if self.eat_kws(&["SET", "LOCATION"]) {
            TableChange::SetLocation(self.string("a location string")?)
        } else if self.eat_kws(&["ADD", "COLUMNS"]) {
            TableChange::AddColumns(self.column_defs()?)
        } else if self.eat_kws(&["REPLACE", "COLUMNS"]) {
            TableChange::ReplaceColumns(self.column_defs()?)
        } else {
            let change = self.partition_change()?;
            return Ok(LakeStatement::Partitions(PartitionDdl {
                table: name,
                change,
            }));
        };
        Ok(LakeStatement::Catalog(CatalogDdl::AlterTable {
            name,
            change,
        }))
    }

    /// After `ALTER TABLE t`: `ADD PARTITION …`, `DROP PARTITION …` or
    /// `PARTITION (…) SET LOCATION '…'`.
    fn partition_change(&mut self) -> Result<PartitionChange> {
        if self.eat_kw("ADD") {
            self.add_partitions()
        } else if self.eat_kw("DROP") {
            let if_exists = self.if_exists();
            let mut specs = Vec::new();
            loop {
                self.expect_kws(&["PARTITION"])?;
                specs.push(self.partition_spec()?);
                if !self.eat_token(&Token::Comma) {
                    break;
                }
            }
            Ok(PartitionChange::Drop { if_exists, specs })
        } else if self.eat_kw("PARTITION") {
            let spec = self.partition_spec()?;
            self.expect_kws(&["SET", "LOCATION"])?;
            let location = self.string("a location string")?;
            Ok(PartitionChange::SetLocation { spec, location })
        } else {
            Err(self.error_here(
                "SET TBLPROPERTIES, SET LOCATION, ADD PARTITION, DROP PARTITION, \
                 PARTITION (…) SET LOCATION, ADD COLUMNS, REPLACE COLUMNS or RECOVER PARTITIONS",
            ))
        }
    }

    /// After `ALTER TABLE t ADD`: `[IF NOT EXISTS] PARTITION (…) [LOCATION '…'] …`.
    fn add_partitions(&mut self) -> Result<PartitionChange> {
        let if_not_exists = self.if_not_exists();
        let mut partitions = Vec::new();
        while self.eat_kw("PARTITION") {
            let spec = self.partition_spec()?;
            let location = if self.eat_kw("LOCATION") {
                Some(self.string("a location string")?)
            } else {
                None
            };
            partitions.push(AddPartition { spec, location });
            // Hive separates them by white space; a comma is tolerated.
            self.eat_token(&Token::Comma);
        }
        if partitions.is_empty() {
            return Err(self.error_here("PARTITION"));
        }
        Ok(PartitionChange::Add {
            if_not_exists,
            partitions,
        })
    }

    fn pattern(&mut self) -> Result<Option<String>> {
        let like = self.eat_kw("LIKE");
        if like || matches!(self.peek().token, Token::SingleQuotedString(_)) {
            Ok(Some(self.string("a pattern string")?))
        } else {
            Ok(None)
        }
    }

    /// After `SHOW`: `DATABASES`, `TABLES`, `CREATE TABLE`, `COLUMNS`, `TBLPROPERTIES` or
    /// `PARTITIONS`.
    fn show(&mut self) -> Result<LakeStatement> {
        let show = if self.eat_kw("DATABASES") || self.eat_kw("SCHEMAS") {
            ShowStatement::Databases {
                pattern: self.pattern()?,
            }
        } else if self.eat_kw("TABLES") {
            self.show_tables()?
        } else if self.eat_kws(&["CREATE", "TABLE"]) {
            ShowStatement::CreateTable(self.table_name()?)
        } else if self.eat_kws(&["CREATE", "VIEW"]) {
            ShowStatement::CreateView(self.table_name()?)
        } else if self.eat_kw("VIEWS") {
            let database = if self.eat_kw("IN") || self.eat_kw("FROM") {
                Some(self.database_name()?)
            } else {
                None
            };
            ShowStatement::Views {
                database,
                pattern: self.pattern()?,
            }
        } else if self.eat_kw("COLUMNS") {
            self.show_columns()?
        } else if self.eat_kw("TBLPROPERTIES") {
            self.show_tblproperties()?
        } else {
            self.expect_kws(&["PARTITIONS"])?;
            self.show_partitions()?
        };
        Ok(LakeStatement::Show(show))
    }

    // ---- writes and views ----------------------------------------------------------

    /// A query embedded in a statement, with the Trino rewrites applied.
    fn embedded_query(&mut self) -> Result<Box<sqlparser::ast::Query>> {
        let query = self.parser.parse_query().map_err(from_parser_error)?;
        let mut statement = Statement::Query(query);
        super::trino::rewrite(&mut statement)?;
        match statement {
            Statement::Query(query) => Ok(query),
            _ => Err(LakeError::internal(
                "the Trino rewrite changed a query's kind",
            )),
        }
    }

    /// After `CREATE TABLE`: `[IF NOT EXISTS] t [WITH (…)] AS <query> [WITH [NO] DATA]`.
    fn create_table_as(&mut self) -> Result<LakeStatement> {
        let if_not_exists = self.if_not_exists();
        let name = self.table_name()?;
        if self.peek().token == Token::LParen {
            return Err(at(
                self.peek().span.start,
                "CREATE TABLE with a column list makes an Iceberg table in Athena, which \
                 lakesql does not support; use CREATE EXTERNAL TABLE for data in place, or \
                 CREATE TABLE … AS SELECT to write a copy",
            ));
        }
        let properties = if self.eat_kw("WITH") {
            self.write_properties()?
        } else {
            Vec::new()
        };
        self.expect_kws(&["AS"])?;
        let query = self.embedded_query()?;
        let with_data = if self.eat_kw("WITH") {
            let no = self.eat_kw("NO");
            self.expect_kws(&["DATA"])?;
            !no
        } else {
            true
        };
        Ok(LakeStatement::Write(WriteStatement::CreateTableAs(
            Box::new(CreateTableAs {
                name,
                if_not_exists,
                properties,
                query,
                with_data,
            }),
        )))
    }

    /// After `INSERT INTO`: `t [(col, …)] <query>`.
    fn insert_into(&mut self) -> Result<LakeStatement> {
        let table = self.table_name()?;
        let mut columns = Vec::new();
        let starts_query = ["SELECT", "WITH", "VALUES"]
            .iter()
            .any(|kw| self.peek_nth_kw(1, kw));
        if self.peek().token == Token::LParen && !starts_query {
            self.parser.next_token();
            loop {
                columns.push(self.name("a column name")?);
                if !self.eat_token(&Token::Comma) {
                    break;
                }
            }
            self.expect_token(&Token::RParen)?;
        }
        let query = self.embedded_query()?;
        Ok(LakeStatement::Write(WriteStatement::Insert(Box::new(
            InsertInto {
                table,
                columns,
                query,
            },
        ))))
    }

    /// After `UNLOAD`: `(<query>) TO 'location' [WITH (…)]`.
    fn unload(&mut self) -> Result<LakeStatement> {
        self.expect_token(&Token::LParen)?;
        let query = self.embedded_query()?;
        self.expect_token(&Token::RParen)?;
        self.expect_kws(&["TO"])?;
        let location = self.string("the target location, as a string")?;
        let properties = if self.eat_kw("WITH") {
            self.write_properties()?
        } else {
            Vec::new()
        };
        Ok(LakeStatement::Write(WriteStatement::Unload(Box::new(
            Unload {
                query,
                location,
                properties,
            },
        ))))
    }

    /// `(name = value, …)` of CTAS and UNLOAD: values are strings, numbers, words or
    /// `ARRAY['a', …]`.
    fn write_properties(&mut self) -> Result<Vec<WriteProperty>> {
        self.expect_token(&Token::LParen)?;
        let mut properties = Vec::new();
        loop {
            let start = self.peek().span.start;
            let name = self.name("a property name")?;
            self.expect_token(&Token::Eq)?;
            let value = self.property_value()?;
            properties.push(WriteProperty {
                name,
                value,
                position: format!("line {}:{}", start.line, start.column),
            });
            if !self.eat_token(&Token::Comma) {
                break;
            }
        }
        self.expect_token(&Token::RParen)?;
        Ok(properties)
    }

    fn property_value(&mut self) -> Result<PropertyValue> {
        if self.eat_kw("ARRAY") {
            self.expect_token(&Token::LBracket)?;
            let mut items = Vec::new();
            if !self.eat_token(&Token::RBracket) {
                loop {
                    items.push(self.string("a string in ARRAY[…]")?);
                    if !self.eat_token(&Token::Comma) {
                        break;
                    }
                }
                self.expect_token(&Token::RBracket)?;
            }
            return Ok(PropertyValue::Array(items));
        }
        let value = match self.peek().token {
            Token::SingleQuotedString(s) => PropertyValue::String(s),
            Token::Number(n, _) => PropertyValue::Word(n),
            Token::Word(w) if w.quote_style.is_none() => PropertyValue::Word(w.value),
            _ => return Err(self.error_here("a property value")),
        };
        self.parser.next_token();
        Ok(value)
    }

    /// After `CREATE [OR REPLACE] VIEW`: `v [(col, …)] AS <query>`.
    fn create_view(&mut self, or_replace: bool) -> Result<LakeStatement> {
        let name = self.table_name()?;
        let mut columns = Vec::new();
        if self.eat_token(&Token::LParen) {
            loop {
                columns.push(self.name("a column name")?);
                if !self.eat_token(&Token::Comma) {
                    break;
                }
            }
            self.expect_token(&Token::RParen)?;
        }
        self.expect_kws(&["AS"])?;
        let start = self.peek().span.start;
        let query = self.embedded_query()?;
        let original_sql = self.original_text_from(start);
        Ok(LakeStatement::View(ViewStatement::Create(Box::new(
            CreateView {
                name,
                or_replace,
                columns,
                query,
                original_sql,
            },
        ))))
    }

    /// The statement's text as written, from `start` to its end (without a final `;`).
    fn original_text_from(&self, start: Location) -> String {
        let text: String = self
            .original
            .iter()
            .filter(|t| (t.span.start.line, t.span.start.column) >= (start.line, start.column))
            .filter(|t| t.token != Token::EOF)
            .map(|t| t.token.to_string())
            .collect();
        text.trim().trim_end_matches(';').trim_end().to_string()
    }

    /// After `SHOW TABLES`: `[IN|FROM db] [[LIKE] 'pattern']`.
    fn show_tables(&mut self) -> Result<ShowStatement> {
        let database = if self.eat_kw("IN") || self.eat_kw("FROM") {
            Some(self.database_name()?)
        } else {
            None
        };
        Ok(ShowStatement::Tables {
            database,
            pattern: self.pattern()?,
        })
    }

    /// After `SHOW COLUMNS`: `IN|FROM table [IN|FROM db]`.
    fn show_columns(&mut self) -> Result<ShowStatement> {
        if !(self.eat_kw("IN") || self.eat_kw("FROM")) {
            return Err(self.error_here("IN or FROM"));
        }
        let mut name = self.table_name()?;
        if self.eat_kw("IN") || self.eat_kw("FROM") {
            name.database = Some(self.database_name()?);
        }
        Ok(ShowStatement::Columns(name))
    }

    /// After `SHOW TBLPROPERTIES`: `table [('key')]`.
    fn show_tblproperties(&mut self) -> Result<ShowStatement> {
        let name = self.table_name()?;
        let key = if self.eat_token(&Token::LParen) {
            let key = self.string("a property name string")?;
            self.expect_token(&Token::RParen)?;
            Some(key)
        } else {
            None
        };
        Ok(ShowStatement::TblProperties { name, key })
    }

    /// After `SHOW PARTITIONS`: `table [PARTITION (…)]`.
    fn show_partitions(&mut self) -> Result<ShowStatement> {
        let name = self.table_name()?;
        let spec = if self.eat_kw("PARTITION") {
            Some(self.partition_spec()?)
        } else {
            None
        };
        Ok(ShowStatement::Partitions { name, spec })
    }
}

/// Splits an S3 setting's name (`s3.KEY` or `s3.bucket.NAME.KEY`) into bucket and key.
fn s3_setting(path: &str, start: Location) -> Result<(Option<String>, String)> {
    let rest = path
        .strip_prefix("s3.")
        .or_else(|| path.strip_prefix("S3."));
    let (bucket, key) = match rest.and_then(|r| r.rsplit_once('.')) {
        Some((scope, key)) => match scope
            .strip_prefix("bucket.")
            .or_else(|| scope.strip_prefix("BUCKET."))
        {
            Some(bucket) if !bucket.is_empty() => (Some(bucket.to_string()), key),
            _ => {
                return Err(at(
                    start,
                    format!("'{path}' is not an S3 setting: use s3.KEY or s3.bucket.NAME.KEY"),
                ));
            }
        },
        None => match rest {
            Some(key) if !key.is_empty() => (None, key),
            _ => return Err(at(start, "expected s3.KEY or s3.bucket.NAME.KEY")),
        },
    };
    Ok((bucket, key.to_string()))
}

/// Rejects partition keys that are also data columns.
fn check_partition_keys(t: &CreateTable) -> Result<()> {
    for key in &t.partition_keys {
        if t.columns.iter().any(|c| c.name == key.name) {
            return Err(LakeError::semantic(
                ErrorCode::InvalidTable,
                format!(
                    "partition key '{}' is also a data column; Hive tables keep partition \
                     keys out of the column list",
                    key.name
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn property_strings_unescape_as_hive_does() {
        assert_eq!(unescape_hive(r#"\\[a\"b\" \s\t"#), "\\[a\"b\" s\t");
        assert_eq!(unescape_hive(r"\001|\u0041|\%|x\"), "\u{1}|A|\\%|x\\");
    }

    use super::*;
    use crate::sql::split_script;

    fn parse(sql: &str) -> Result<LakeStatement> {
        let mut stmts = split_script(sql)?;
        assert_eq!(stmts.len(), 1);
        parse_statement(stmts.remove(0).tokens)
    }

    #[test]
    fn parses_create_external_table_with_nested_types() {
        let sql = "CREATE EXTERNAL TABLE IF NOT EXISTS db.t (
            id bigint COMMENT 'the id',
            tags array<string>,
            attrs map<string,array<int>>,
            s struct<a:int, `b`:struct<c:string>>,
            price decimal(10, 2)
          ) COMMENT 'tbl'
          PARTITIONED BY (year int, month string)
          ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' WITH SERDEPROPERTIES ('a'='b')
          LOCATION 's3://bucket/prefix/'
          TBLPROPERTIES ('classification'='json')";
        let LakeStatement::Catalog(CatalogDdl::CreateTable(t)) = parse(sql).unwrap() else {
            panic!()
        };
        assert!(t.if_not_exists);
        assert_eq!(t.name.database.as_deref(), Some("db"));
        let types: Vec<String> = t.columns.iter().map(|c| c.hive_type.to_string()).collect();
        assert_eq!(
            types,
            [
                "bigint",
                "array<string>",
                "map<string,array<int>>",
                "struct<a:int,b:struct<c:string>>",
                "decimal(10,2)"
            ]
        );
        assert_eq!(t.columns[0].comment.as_deref(), Some("the id"));
        assert_eq!(t.partition_keys.len(), 2);
        assert_eq!(t.location.as_deref(), Some("s3://bucket/prefix/"));
    }

    #[test]
    fn errors_name_the_position() {
        let e = parse("CREATE EXTERNAL TABLE t (a int,\n b strin) LOCATION '/x'")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2:4") && e.contains("unknown type 'strin'"),
            "{e}"
        );
        let e = parse("ALTER TABLE t FROB").unwrap_err().to_string();
        assert!(e.contains("line 1:15"), "{e}");
    }

    #[test]
    fn parses_alter_partitions() {
        let s = parse(
            "ALTER TABLE t ADD IF NOT EXISTS PARTITION (year=2024, month='05') \
             LOCATION 's3://b/x' PARTITION (year=2024, month='06')",
        )
        .unwrap();
        let LakeStatement::Partitions(PartitionDdl {
            change: PartitionChange::Add { partitions, .. },
            ..
        }) = s
        else {
            panic!()
        };
        assert_eq!(partitions.len(), 2);
        assert_eq!(
            partitions[0].spec[1],
            ("month".to_string(), "05".to_string())
        );
    }

    #[test]
    fn other_statements_go_to_datafusion() {
        assert!(matches!(
            parse("SELECT 1").unwrap(),
            LakeStatement::Query(_)
        ));
    }

    #[test]
    fn statement_kinds_map_to_athena_types() {
        let cases = [
            ("SELECT 1", "select", "DML", "SELECT"),
            ("EXPLAIN SELECT 1", "explain", "UTILITY", "EXPLAIN"),
            (
                "CREATE DATABASE d",
                "create_database",
                "DDL",
                "CREATE_DATABASE",
            ),
            (
                "ALTER TABLE t ADD PARTITION (a=1)",
                "alter_table",
                "DDL",
                "ALTER_TABLE_ADD_PARTITION",
            ),
            (
                "ALTER TABLE t SET LOCATION '/x'",
                "alter_table",
                "DDL",
                "ALTER_TABLE",
            ),
            (
                "ALTER TABLE t RECOVER PARTITIONS",
                "msck_repair",
                "DDL",
                "MSCK_REPAIR_TABLE",
            ),
            (
                "MSCK REPAIR TABLE t",
                "msck_repair",
                "DDL",
                "MSCK_REPAIR_TABLE",
            ),
            ("SHOW TABLES", "show_tables", "UTILITY", "SHOW_TABLES"),
            ("DESCRIBE t", "describe", "UTILITY", "DESCRIBE_TABLE"),
            ("USE d", "use", "UTILITY", "USE"),
            (
                "REFRESH TABLE t",
                "refresh_table",
                "UTILITY",
                "REFRESH_TABLE",
            ),
            ("SET s3.region = 'x'", "set", "UTILITY", "SET_SESSION"),
        ];
        for (sql, name, athena, sub) in cases {
            let kind = parse(sql).unwrap().kind();
            assert_eq!(kind.name(), name, "{sql}");
            assert_eq!(kind.athena_type().as_str(), athena, "{sql}");
            assert_eq!(kind.athena_substatement(), sub, "{sql}");
        }
    }

    #[test]
    fn a_back_quoted_dotted_name_is_database_and_table() {
        let t = |sql: &str| match parse(sql).unwrap() {
            LakeStatement::Catalog(CatalogDdl::DropTable { name, .. }) => name,
            other => panic!("{other:?}"),
        };
        let name = t("DROP TABLE `S3_Logs_DB.mybucket_logs`");
        assert_eq!(name.database.as_deref(), Some("s3_logs_db"));
        assert_eq!(name.name, "mybucket_logs");
        let name = t("DROP TABLE awsdatacatalog.`db.t`");
        assert_eq!(
            (name.database.as_deref(), name.name.as_str()),
            (Some("db"), "t")
        );
        assert!(parse("DROP TABLE `a.b.c.d`").is_err());
    }
}
