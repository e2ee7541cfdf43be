//! Generates the sample lake in `sample-data/` (deterministic: same bytes every run).
//!
//! Run from the repository root: `cargo run --example make_sample_data`.
//!
//! - `sales/year=YYYY/month=M/part-0.parquet`: Hive-partitioned Parquet with nested columns.
//! - `customers/customers.csv.gz`: gzip CSV with a header (OpenCSVSerde).
//! - `products/products.tsv`: tab-delimited text (LazySimpleSerDe).
//! - `events/*.json`: JSON lines with struct and map columns.
//! - `logs/YYYY/MM/DD/*.json`: a non-Hive layout (for partition projection).

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Decimal128Array, Float64Array, Int32Array, Int64Array, ListBuilder, StringArray,
    StringBuilder, StructArray, TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, Fields, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// xorshift64*: a tiny deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const PRODUCTS: &[(&str, &str, i64)] = &[
    ("laptop", "electronics", 119_900),
    ("phone", "electronics", 79_900),
    ("headphones", "electronics", 14_950),
    ("desk", "furniture", 34_900),
    ("chair", "furniture", 18_900),
    ("lamp", "furniture", 4_500),
    ("notebook", "stationery", 350),
    ("pen", "stationery", 120),
    ("backpack", "accessories", 5_900),
    ("water bottle", "accessories", 1_999),
];
const CITIES: &[(&str, &str)] = &[
    ("Berlin", "DE"),
    ("Paris", "FR"),
    ("Lisbon", "PT"),
    ("Seattle", "US"),
    ("Austin", "US"),
    ("Osaka", "JP"),
];
const TAGS: &[&str] = &["gift", "promo", "express", "bulk", "returning"];

fn epoch_ms(y: i32, m: u32, d: u32, secs: u32) -> i64 {
    let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    date.and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        + secs as i64 * 1000
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let next = if m == 12 {
        chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.unwrap().pred_opt().unwrap().day0() + 1
}

use chrono::Datelike;

fn sales(root: &Path, rng: &mut Rng) {
    let shipping_fields = Fields::from(vec![
        Field::new("city", DataType::Utf8, true),
        Field::new("country", DataType::Utf8, true),
    ]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, false),
        Field::new(
            "order_ts",
            DataType::Timestamp(TimeUnit::Millisecond, None),
            false,
        ),
        Field::new("customer_id", DataType::Int32, false),
        Field::new("product", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
        Field::new("quantity", DataType::Int32, false),
        Field::new("unit_price", DataType::Decimal128(10, 2), false),
        Field::new("discount", DataType::Float64, true),
        Field::new(
            "tags",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        Field::new("shipping", DataType::Struct(shipping_fields.clone()), true),
    ]));
    let mut order_id = 100_000i64;
    for year in [2023, 2024] {
        for month in 1..=12u32 {
            let rows = 40 + rng.below(21) as usize;
            let mut ids = Vec::new();
            let mut ts = Vec::new();
            let mut customers = Vec::new();
            let mut products = Vec::new();
            let mut categories = Vec::new();
            let mut quantities = Vec::new();
            let mut prices = Vec::new();
            let mut discounts = Vec::new();
            let mut tags = ListBuilder::new(StringBuilder::new());
            let mut cities = Vec::new();
            let mut countries = Vec::new();
            for _ in 0..rows {
                order_id += 1 + rng.below(3) as i64;
                ids.push(order_id);
                let day = 1 + rng.below(days_in_month(year, month) as u64) as u32;
                ts.push(epoch_ms(year, month, day, rng.below(86_400) as u32));
                customers.push(1 + rng.below(200) as i32);
                let (p, c, price) = PRODUCTS[rng.below(PRODUCTS.len() as u64) as usize];
                products.push(p);
                categories.push(c);
                quantities.push(1 + rng.below(5) as i32);
                prices.push(price as i128);
                discounts.push(match rng.below(4) {
                    0 => None,
                    k => Some((k * 5) as f64 / 100.0),
                });
                for _ in 0..rng.below(3) {
                    tags.values().append_value(rng.pick(TAGS));
                }
                tags.append(true);
                let (city, country) = CITIES[rng.below(CITIES.len() as u64) as usize];
                cities.push(city);
                countries.push(country);
            }
            let shipping = StructArray::new(
                shipping_fields.clone(),
                vec![
                    Arc::new(StringArray::from(cities)) as ArrayRef,
                    Arc::new(StringArray::from(countries)) as ArrayRef,
                ],
                None,
            );
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(ids)),
                    Arc::new(TimestampMillisecondArray::from(ts)),
                    Arc::new(Int32Array::from(customers)),
                    Arc::new(StringArray::from(products)),
                    Arc::new(StringArray::from(categories)),
                    Arc::new(Int32Array::from(quantities)),
                    Arc::new(
                        Decimal128Array::from(prices)
                            .with_precision_and_scale(10, 2)
                            .unwrap(),
                    ),
                    Arc::new(Float64Array::from(discounts)),
                    Arc::new(tags.finish()),
                    Arc::new(shipping),
                ],
            )
            .unwrap();
            let dir = root.join(format!("sales/year={year}/month={month}"));
            fs::create_dir_all(&dir).unwrap();
            let file = fs::File::create(dir.join("part-0.parquet")).unwrap();
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_created_by("lakesql make_sample_data".into())
                .build();
            let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        }
    }
    // A Spark/Hive job marker: must be ignored by readers.
    fs::write(root.join("sales/_SUCCESS"), b"").unwrap();
}

fn customers(root: &Path, rng: &mut Rng) {
    const FIRST: &[&str] = &["Ana", "Ben", "Chloé", "Dev", "Eva", "Femi", "Goro", "Hana"];
    const LAST: &[&str] = &[
        "Silva",
        "Okafor",
        "Müller",
        "Tanaka",
        "Smith, Jr.",
        "Dubois",
    ];
    let mut text = String::from("customer_id,name,email,country,signup_date,vip\n");
    for id in 1..=200 {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let country = CITIES[rng.below(CITIES.len() as u64) as usize].1;
        let date = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()
            + chrono::Duration::days(rng.below(1000) as i64);
        let vip = rng.below(5) == 0;
        // Every 37th customer has no e-mail: an empty field.
        let email = if id % 37 == 0 {
            String::new()
        } else {
            format!("{}.{}@example.com", first.to_lowercase(), id)
        };
        text.push_str(&format!(
            "{id},\"{first} {last}\",{email},{country},{date},{vip}\n"
        ));
    }
    let dir = root.join("customers");
    fs::create_dir_all(&dir).unwrap();
    let file = fs::File::create(dir.join("customers.csv.gz")).unwrap();
    // mtime 0 and no file name keep the gzip header deterministic.
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(file, flate2::Compression::best());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
}

fn products(root: &Path) {
    let mut text = String::new();
    for (p, c, price) in PRODUCTS {
        text.push_str(&format!("{p}\t{c}\t{}.{:02}\n", price / 100, price % 100));
    }
    let dir = root.join("products");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("products.tsv"), text).unwrap();
}

fn events(root: &Path, rng: &mut Rng) {
    const TYPES: &[&str] = &["page_view", "add_to_cart", "checkout", "search"];
    const OS: &[&str] = &["ios", "android", "windows", "macos", "linux"];
    let dir = root.join("events");
    fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    for day in 15..=17u32 {
        let mut lines = String::new();
        for _ in 0..200 {
            n += 1;
            let ts = chrono::DateTime::from_timestamp_millis(epoch_ms(
                2024,
                5,
                day,
                rng.below(86_400) as u32,
            ))
            .unwrap();
            let mut event = serde_json::json!({
                "event_id": format!("ev-{n:05}"),
                "customer_id": 1 + rng.below(200),
                "event_type": rng.pick(TYPES),
                "ts": ts.format("%Y-%m-%d %H:%M:%S").to_string(),
                "device": {"os": rng.pick(OS), "version": format!("{}.{}", 1 + rng.below(15), rng.below(10))},
                "properties": {"campaign": rng.pick(&["spring", "none", "newsletter"])},
            });
            // Some events carry an extra field no table declares, some lack `device`.
            if rng.below(10) == 0 {
                event["debug"] = serde_json::json!(true);
            }
            if rng.below(12) == 0 {
                event.as_object_mut().unwrap().remove("device");
            }
            lines.push_str(&event.to_string());
            lines.push('\n');
        }
        fs::write(dir.join(format!("events-2024-05-{day}.json")), lines).unwrap();
    }
}

fn logs(root: &Path, rng: &mut Rng) {
    const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"];
    const SERVICES: &[&str] = &["api", "web", "worker"];
    for day in 15..=21u32 {
        let dir = root.join(format!("logs/2024/05/{day:02}"));
        fs::create_dir_all(&dir).unwrap();
        let mut lines = String::new();
        for i in 0..48 {
            let ts =
                chrono::DateTime::from_timestamp_millis(epoch_ms(2024, 5, day, i * 1800)).unwrap();
            let line = serde_json::json!({
                "ts": ts.format("%Y-%m-%d %H:%M:%S").to_string(),
                "level": rng.pick(LEVELS),
                "service": rng.pick(SERVICES),
                "latency_ms": 5 + rng.below(500),
                "message": format!("request {} handled", rng.below(100_000)),
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
        fs::write(dir.join("app.json"), lines).unwrap();
    }
}

/// Avro's zig-zag variable-length encoding of `int` and `long`.
fn avro_long(out: &mut Vec<u8>, v: i64) {
    let mut n = ((v << 1) ^ (v >> 63)) as u64;
    loop {
        if n < 0x80 {
            out.push(n as u8);
            return;
        }
        out.push((n as u8 & 0x7F) | 0x80);
        n >>= 7;
    }
}

fn avro_bytes(out: &mut Vec<u8>, b: &[u8]) {
    avro_long(out, b.len() as i64);
    out.extend_from_slice(b);
}

/// A small Avro container file (written by hand: the format is simple and this keeps the
/// generator free of an Avro writer dependency). Test fixture for `STORED AS AVRO`.
fn avro_fixture(path: &Path) {
    let schema = r#"{"type":"record","name":"user","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"score","type":["null","double"]},{"name":"tags","type":{"type":"array","items":"string"}}]}"#;
    let sync = *b"lakesql-sync-16b";
    let mut file = b"Obj\x01".to_vec();
    // File metadata: a map with two entries, then the end-of-map marker.
    avro_long(&mut file, 2);
    avro_bytes(&mut file, b"avro.schema");
    avro_bytes(&mut file, schema.as_bytes());
    avro_bytes(&mut file, b"avro.codec");
    avro_bytes(&mut file, b"null");
    avro_long(&mut file, 0);
    file.extend_from_slice(&sync);
    let users: [(i64, &str, Option<f64>, &[&str]); 3] = [
        (1, "ana", Some(9.5), &["admin", "beta"]),
        (2, "ben", None, &[]),
        (3, "chloé", Some(7.25), &["beta"]),
    ];
    let mut block = Vec::new();
    for (id, name, score, tags) in users {
        avro_long(&mut block, id);
        avro_bytes(&mut block, name.as_bytes());
        match score {
            None => avro_long(&mut block, 0),
            Some(s) => {
                avro_long(&mut block, 1);
                block.extend_from_slice(&s.to_le_bytes());
            }
        }
        if !tags.is_empty() {
            avro_long(&mut block, tags.len() as i64);
            for t in tags {
                avro_bytes(&mut block, t.as_bytes());
            }
        }
        avro_long(&mut block, 0);
    }
    avro_long(&mut file, users.len() as i64);
    avro_bytes(&mut file, &block);
    file.extend_from_slice(&sync);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, file).unwrap();
}

/// Text files in every compression lakesql recognises, one row each (test fixture).
fn compressed_fixture(dir: &Path) {
    use std::io::Write as _;
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("plain.csv"), "1,plain\n").unwrap();
    let mut gz = flate2::GzBuilder::new().mtime(0).write(
        fs::File::create(dir.join("gzip.csv.gz")).unwrap(),
        flate2::Compression::best(),
    );
    gz.write_all(b"2,gzip\n").unwrap();
    gz.finish().unwrap();
}

fn main() {
    let root = Path::new("sample-data");
    for sub in ["sales", "customers", "products", "events", "logs"] {
        let _ = fs::remove_dir_all(root.join(sub));
    }
    let mut rng = Rng(0x5EED_1A6E_5A1E);
    sales(root, &mut rng);
    customers(root, &mut rng);
    products(root);
    events(root, &mut rng);
    logs(root, &mut rng);
    println!("sample lake written to {}", root.display());
    avro_fixture(Path::new("tests/data/avro/users.avro"));
    compressed_fixture(Path::new("tests/data/compressed"));
    println!("test fixtures written to tests/data/");
}
