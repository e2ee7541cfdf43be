//! Generated-input tests (proptest) over everything that reads text a user or a lake
//! supplies: the script splitter and statement parser, the Hive type parser, Java date
//! patterns, partition projection properties and Hive path escaping. Each property is
//! "no panic" (a result or an error, never a crash), plus round trips where one exists.
//! Inputs mix random text with grammar-shaped token soups, so that the parsers get past
//! their first token. Case counts add up to over 100,000 per run; a failure prints the
//! minimal input and proptest's seed (`PROPTEST_CASES` scales them).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use lakesql::catalog::hive_type::HiveType;
use lakesql::catalog::partition_path::{
    escape_path_name, parse_partition_path, unescape_path_name,
};
use lakesql::catalog::{Column, StorageDescriptor, Table};
use lakesql::projection::date::DatePattern;
use lakesql::projection::{ProjectionConfig, project_partitions};
use lakesql::sql::{parse_statement, split_script};
use proptest::prelude::*;

/// Words and symbols of lakesql's statements, for token soups.
const SQL_TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "LIMIT",
    "AS",
    "AND",
    "OR",
    "NOT",
    "CREATE",
    "EXTERNAL",
    "TABLE",
    "DATABASE",
    "SCHEMA",
    "VIEW",
    "OR",
    "REPLACE",
    "IF",
    "EXISTS",
    "DROP",
    "ALTER",
    "ADD",
    "PARTITION",
    "PARTITIONS",
    "PARTITIONED",
    "COLUMNS",
    "REPLACE",
    "SET",
    "TBLPROPERTIES",
    "LOCATION",
    "ROW",
    "FORMAT",
    "DELIMITED",
    "FIELDS",
    "TERMINATED",
    "SERDE",
    "SERDEPROPERTIES",
    "STORED",
    "INPUTFORMAT",
    "OUTPUTFORMAT",
    "MSCK",
    "REPAIR",
    "SYNC",
    "SHOW",
    "TABLES",
    "DATABASES",
    "CREATE",
    "DESCRIBE",
    "FORMATTED",
    "ANALYZE",
    "COMPUTE",
    "STATISTICS",
    "NOSCAN",
    "FOR",
    "ALL",
    "CRAWL",
    "INTO",
    "WITH",
    "USE",
    "INSERT",
    "VALUES",
    "UNLOAD",
    "TO",
    "CROSS",
    "JOIN",
    "UNNEST",
    "ORDINALITY",
    "VALIDATE",
    "PROJECTION",
    "EXPLAIN",
    "S3",
    "s3",
    "query_timeout",
    "max_bytes_scanned",
    "memory_limit",
    "region",
    "bucket",
    "lateral",
    "try",
    "cast",
    "array",
    "map",
    "struct",
    "int",
    "bigint",
    "string",
    "decimal",
    "varchar",
    "timestamp",
    "date",
    "x",
    "t",
    "db",
    "year",
    "_c0",
    "\"q\"",
    "\"a\"\"b\"",
    "`b`",
    "'v'",
    "'it''s'",
    "'s3://b/k/'",
    "'/tmp/x'",
    "1",
    "0",
    "-1",
    "1.5",
    "1e400",
    "NULL",
    "TRUE",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ",",
    ".",
    ";",
    "=",
    ":",
    "*",
    "+",
    "-",
    "/",
    "||",
    "->",
    "?",
    "$",
    "\"$path\"",
    "--",
    "/*",
    "*/",
    "'",
    "\"",
    "`",
    "\n",
    "\t",
    "\\",
    "%",
    "@",
];

/// Words and symbols of Hive types.
const TYPE_TOKENS: &[&str] = &[
    "array",
    "map",
    "struct",
    "<",
    ">",
    ",",
    ":",
    "int",
    "bigint",
    "string",
    "double",
    "precision",
    "decimal",
    "varchar",
    "char",
    "(",
    ")",
    "10",
    "2",
    "0",
    "39",
    "a",
    "`b c`",
    "`",
    " ",
    "uniontype",
    "timestamp",
];

/// Characters of Java date patterns.
const PATTERN_CHARS: &str = "yyyyMMddHHmmssSSSaEZXxG'-/:. T";

fn soup(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(tokens), 0..max).prop_map(|t| t.join(" "))
}

/// `cases` per property, or `PROPTEST_CASES` when set.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Splits a script and parses each statement; only a panic fails.
fn parse_all(sql: &str) {
    if let Ok(statements) = split_script(sql) {
        for statement in statements {
            let _ = parse_statement(statement.tokens);
        }
    }
}

proptest! {
    #![proptest_config(config(20_000))]

    #[test]
    fn statements_from_random_text(sql in any::<String>()) {
        parse_all(&sql);
    }

    #[test]
    fn statements_from_token_soups(sql in soup(SQL_TOKENS, 40)) {
        parse_all(&sql);
    }

    #[test]
    fn hive_types(text in prop_oneof![soup(TYPE_TOKENS, 30), any::<String>()]) {
        if let Ok(parsed) = text.parse::<HiveType>() {
            // What prints parses back to the same type.
            let printed = parsed.to_string();
            prop_assert_eq!(printed.parse::<HiveType>().ok(), Some(parsed.clone()));
            let _ = parsed.to_arrow();
        }
    }

    #[test]
    fn date_patterns(
        pattern in prop::collection::vec(prop::sample::select(PATTERN_CHARS.chars().collect::<Vec<_>>()), 0..24)
            .prop_map(|c| c.into_iter().collect::<String>()),
        text in any::<String>(),
        seconds in 0i64..4_102_444_800,
    ) {
        if let Ok(parsed) = DatePattern::parse(&pattern) {
            let at = DateTime::<Utc>::from_timestamp(seconds, 0).unwrap().naive_utc();
            let shown = parsed.format(at);
            let _ = parsed.parse_value(&shown);
            let _ = parsed.parse_value(&text);
        }
    }

    #[test]
    fn hive_path_escaping(value in any::<String>(), spec in any::<String>()) {
        prop_assert_eq!(unescape_path_name(&escape_path_name(&value)), value_or_default(&value));
        let _ = parse_partition_path(&spec);
        let _ = lakesql::sql::parser::unescape_hive(&spec);
    }
}

/// Hive writes an empty partition value as `__HIVE_DEFAULT_PARTITION__`.
fn value_or_default(value: &str) -> String {
    if value.is_empty() {
        lakesql::catalog::partition_path::DEFAULT_PARTITION_NAME.to_string()
    } else {
        value.to_string()
    }
}

/// Projection properties: a random type and random values for each property a column
/// may have.
fn projection_properties() -> impl Strategy<Value = BTreeMap<String, String>> {
    let kind = prop::sample::select(vec!["integer", "enum", "date", "injected", "bogus", ""]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "1,10",
            "0,1000000000",
            "-5,5",
            "a,b,c",
            "2020-01-01,NOW",
            "NOW-3DAYS,NOW",
            "yyyy-MM-dd",
            "yyyy/MM/dd/HH",
            "1",
            "0",
            "-1",
            "DAYS",
            "HOURS",
            "MONTHS",
            "2",
            "",
            ",",
            "NOW+1YEARS,NOW-1YEARS",
            "s3://b/${k}/",
            "${k}",
            "x",
        ])
        .prop_map(str::to_string),
        any::<String>(),
    ];
    let keys = prop::sample::select(vec![
        "range",
        "values",
        "format",
        "interval",
        "interval.unit",
        "digits",
    ]);
    (
        kind,
        prop::collection::vec((keys, value), 0..5),
        prop::sample::select(vec!["true", "TRUE", "false", "x"]),
    )
        .prop_map(|(kind, pairs, enabled)| {
            let mut props = BTreeMap::new();
            props.insert("projection.enabled".to_string(), enabled.to_string());
            props.insert("projection.k.type".to_string(), kind.to_string());
            for (key, value) in pairs {
                props.insert(format!("projection.k.{key}"), value);
            }
            props
        })
}

fn projected_table(parameters: BTreeMap<String, String>) -> Table {
    let mut table = Table::external(
        "default",
        "t",
        StorageDescriptor {
            columns: vec![Column {
                name: "v".into(),
                hive_type: "int".into(),
                comment: None,
            }],
            location: "file:///tmp/lake/t/".into(),
            ..StorageDescriptor::default()
        },
    );
    table.partition_keys = vec![Column {
        name: "k".into(),
        hive_type: "string".into(),
        comment: None,
    }];
    table.parameters = parameters.into_iter().collect();
    table
}

proptest! {
    #![proptest_config(config(10_000))]

    /// A configuration is refused or projects; projecting with no filter either lists
    /// the partitions or refuses a domain over the limit, and never hangs.
    #[test]
    fn projection_configurations(props in projection_properties()) {
        let table = projected_table(props);
        let now = NaiveDate::from_ymd_opt(2024, 5, 20).unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc();
        if let Ok(Some(config)) = ProjectionConfig::of_table(&table, now) {
            let _ = project_partitions(&table, &config, &[]);
        }
    }
}
