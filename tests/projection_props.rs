//! Property test: for random projection configurations and random filters, the projected
//! candidates (after the vectorised filter) equal a brute-force enumeration of the whole
//! domain filtered by the same predicate. A fixed-seed generator keeps runs reproducible.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Expr, cast, col, lit};
use datafusion::prelude::SessionContext;
use lakesql::catalog::{Column, StorageDescriptor, Table};
use lakesql::projection::{ProjectionConfig, project_partitions};
use lakesql::provider::partition_index::PartitionIndex;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn table(keys: &[(&str, &str)], props: BTreeMap<String, String>) -> Table {
    Table {
        name: "t".into(),
        database_name: "default".into(),
        description: None,
        owner: None,
        table_type: "EXTERNAL_TABLE".into(),
        partition_keys: keys
            .iter()
            .map(|(n, t)| Column {
                name: n.to_string(),
                hive_type: t.to_string(),
                comment: None,
            })
            .collect(),
        storage_descriptor: StorageDescriptor {
            location: "file:///tmp/lake/t/".into(),
            ..Default::default()
        },
        parameters: props,
        create_time: 0,
        update_time: 0,
        view_original_text: None,
        view_expanded_text: None,
    }
}

fn selected(
    ctx: &SessionContext,
    table: &Table,
    config: &ProjectionConfig,
    filters: &[Expr],
) -> Option<BTreeSet<String>> {
    let (rows, _, remaining) = project_partitions(table, config, filters).ok()?;
    let index = PartitionIndex::build(table, None, rows).unwrap();
    let state = ctx.state();
    let matched = index.prune(&state, &remaining).unwrap();
    Some(
        matched
            .into_iter()
            .map(|i| index.location(i).to_string())
            .collect(),
    )
}

fn brute_force(
    ctx: &SessionContext,
    table: &Table,
    config: &ProjectionConfig,
    filters: &[Expr],
) -> BTreeSet<String> {
    let (rows, _, _) = project_partitions(table, config, &[]).unwrap();
    let index = PartitionIndex::build(table, None, rows).unwrap();
    let state = ctx.state();
    let matched = index.prune(&state, filters).unwrap();
    matched
        .into_iter()
        .map(|i| index.location(i).to_string())
        .collect()
}

/// A random predicate on an integer column `c`.
fn int_predicate(rng: &mut Rng, c: &str, lo: i64, hi: i64) -> Expr {
    let v = |rng: &mut Rng| lit(rng.range(lo - 3, hi + 3) as i32);
    match rng.range(0, 7) {
        0 => col(c).eq(v(rng)),
        1 => col(c).lt(v(rng)),
        2 => col(c).gt_eq(v(rng)),
        3 => col(c).between(v(rng), v(rng)),
        4 => col(c).in_list((0..rng.range(1, 4)).map(|_| v(rng)).collect(), false),
        5 => int_predicate(rng, c, lo, hi).or(int_predicate(rng, c, lo, hi)),
        6 => int_predicate(rng, c, lo, hi).and(int_predicate(rng, c, lo, hi)),
        _ => (col(c) * lit(2)).gt(v(rng)),
    }
}

#[test]
fn integer_and_enum_projections_match_brute_force() {
    let ctx = SessionContext::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..300 {
        let min = rng.range(-5, 5);
        let max = min + rng.range(0, 40);
        let interval = rng.range(1, 4);
        let mut props = BTreeMap::new();
        props.insert("projection.enabled".to_string(), "true".to_string());
        props.insert("projection.a.type".to_string(), "integer".to_string());
        props.insert("projection.a.range".to_string(), format!("{min},{max}"));
        props.insert("projection.a.interval".to_string(), interval.to_string());
        props.insert("projection.b.type".to_string(), "enum".to_string());
        props.insert("projection.b.values".to_string(), "x,y,z".to_string());
        let t = table(&[("a", "int"), ("b", "string")], props);
        let config = ProjectionConfig::of_table(&t, chrono::Utc::now())
            .unwrap()
            .unwrap();
        let mut filters = vec![int_predicate(&mut rng, "a", min, max)];
        if rng.chance(40) {
            filters.push(col("b").in_list(vec![lit("x"), lit("z")], false));
        }
        let got = selected(&ctx, &t, &config, &filters).unwrap();
        let want = brute_force(&ctx, &t, &config, &filters);
        assert_eq!(
            got, want,
            "case {case}: range {min},{max} step {interval}, filters {filters:?}"
        );
    }
}

#[test]
fn date_projections_match_brute_force() {
    let ctx = SessionContext::new();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let day = |n: i64| {
        (chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    for case in 0..300 {
        let start = rng.range(0, 30);
        let end = start + rng.range(0, 60);
        let interval = rng.range(1, 3);
        let mut props = BTreeMap::new();
        props.insert("projection.enabled".to_string(), "true".to_string());
        props.insert("projection.d.type".to_string(), "date".to_string());
        props.insert("projection.d.format".to_string(), "yyyy-MM-dd".to_string());
        props.insert(
            "projection.d.range".to_string(),
            format!("{},{}", day(start), day(end)),
        );
        props.insert("projection.d.interval".to_string(), interval.to_string());
        props.insert("projection.d.interval.unit".to_string(), "DAYS".to_string());
        let t = table(&[("d", "string")], props);
        let config = ProjectionConfig::of_table(&t, chrono::Utc::now())
            .unwrap()
            .unwrap();
        let pick = |rng: &mut Rng| day(rng.range(start - 5, end + 5));
        let filter = match rng.range(0, 5) {
            0 => col("d").eq(lit(pick(&mut rng))),
            1 => col("d").between(lit(pick(&mut rng)), lit(pick(&mut rng))),
            2 => col("d")
                .gt(lit(pick(&mut rng)))
                .or(col("d").lt(lit(pick(&mut rng)))),
            3 => col("d").in_list(vec![lit(pick(&mut rng)), lit(pick(&mut rng))], false),
            4 => {
                cast(col("d"), DataType::Date32).gt_eq(cast(lit(pick(&mut rng)), DataType::Date32))
            }
            _ => col("d").lt_eq(lit(pick(&mut rng))),
        };
        let filters = vec![filter];
        let got = selected(&ctx, &t, &config, &filters).unwrap();
        let want = brute_force(&ctx, &t, &config, &filters);
        assert_eq!(
            got,
            want,
            "case {case}: {} .. {} step {interval}, filters {filters:?}",
            day(start),
            day(end)
        );
    }
}
