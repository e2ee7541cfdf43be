//! Views as Glue stores the views Athena creates, so a view moves between Athena and
//! lakesql unchanged.
//!
//! Athena writes a view as a table of type `VIRTUAL_VIEW` whose `ViewOriginalText` is
//! `/* Presto View: <base64 of a JSON document> */`. The document holds the query as the
//! user wrote it (`originalSql`), the catalog and schema its unqualified names resolve in
//! (the session's current database when the view was created), the output columns with
//! Trino type names, the owner and the security mode. `ViewExpandedText` is
//! `/* Presto View */`, the parameters are `presto_view=true` and `comment=Presto View`,
//! and the storage descriptor lists the columns with Hive types and no location.
//! Views that other engines (Hive, Spark) write keep plain SQL in `ViewOriginalText`;
//! lakesql reads those too.

use datafusion::arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};

use super::HiveType;
use super::model::{Column, Properties, StorageDescriptor, Table, now_seconds};
use crate::CATALOG_NAME;
use crate::error::{ErrorCode, LakeError, Result};

/// Glue's `TableType` of a view.
pub const VIRTUAL_VIEW: &str = "VIRTUAL_VIEW";

const PRESTO_PREFIX: &str = "/* Presto View: ";
const PRESTO_SUFFIX: &str = " */";
const PRESTO_EXPANDED: &str = "/* Presto View */";

/// What a view is, whatever wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewDefinition {
    /// The query as the user wrote it.
    pub sql: String,
    /// The database unqualified table names in `sql` resolve in.
    pub schema: String,
    /// The view's columns (Hive types), in order.
    pub columns: Vec<Column>,
}

/// The JSON document inside `/* Presto View: … */` (Trino's `ViewDefinition`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PrestoView {
    original_sql: String,
    #[serde(default)]
    catalog: Option<String>,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    columns: Vec<PrestoColumn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    #[serde(default)]
    run_as_invoker: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct PrestoColumn {
    name: String,
    #[serde(rename = "type")]
    type_name: String,
}

impl Table {
    /// A view as Athena stores it, owned by `$USER`, created now.
    pub fn new_view(database: &str, name: &str, definition: &ViewDefinition) -> Result<Table> {
        let owner = std::env::var("USER").ok();
        let columns = definition
            .columns
            .iter()
            .map(|c| {
                Ok(PrestoColumn {
                    name: c.name.clone(),
                    type_name: trino_type(&c.parsed_type()?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let document = PrestoView {
            original_sql: definition.sql.clone(),
            catalog: Some(CATALOG_NAME.to_string()),
            schema: Some(definition.schema.clone()),
            columns,
            owner: owner.clone(),
            run_as_invoker: false,
        };
        let json = serde_json::to_string(&document)
            .map_err(|e| LakeError::internal(format!("cannot encode view {name}: {e}")))?;
        let now = now_seconds();
        Ok(Table {
            name: name.to_string(),
            database_name: database.to_string(),
            description: None,
            owner,
            table_type: VIRTUAL_VIEW.to_string(),
            partition_keys: Vec::new(),
            storage_descriptor: StorageDescriptor {
                columns: definition.columns.clone(),
                ..StorageDescriptor::default()
            },
            parameters: Properties::from([
                ("presto_view".to_string(), "true".to_string()),
                ("comment".to_string(), "Presto View".to_string()),
            ]),
            create_time: now,
            update_time: now,
            view_original_text: Some(format!(
                "{PRESTO_PREFIX}{}{PRESTO_SUFFIX}",
                base64::encode(json.as_bytes())
            )),
            view_expanded_text: Some(PRESTO_EXPANDED.to_string()),
        })
    }

    /// The definition of a view: decoded from Athena's `/* Presto View: … */`, or the
    /// plain SQL other engines keep in `ViewOriginalText`.
    pub fn view_definition(&self) -> Result<ViewDefinition> {
        let invalid = |why: String| {
            LakeError::semantic(
                ErrorCode::InvalidTable,
                format!("view {} cannot be read: {why}", self.qualified_name()),
            )
        };
        if !self.is_view() {
            return Err(invalid("it is not a view".to_string()));
        }
        let text = self
            .view_original_text
            .as_deref()
            .unwrap_or_default()
            .trim();
        let (sql, schema) = match text
            .strip_prefix(PRESTO_PREFIX)
            .and_then(|t| t.strip_suffix(PRESTO_SUFFIX))
        {
            Some(encoded) => {
                let bytes = base64::decode(encoded.trim())
                    .ok_or_else(|| invalid("its ViewOriginalText is not base64".to_string()))?;
                let document: PrestoView = serde_json::from_slice(&bytes)
                    .map_err(|e| invalid(format!("its Presto view document: {e}")))?;
                (document.original_sql, document.schema)
            }
            None => (text.to_string(), None),
        };
        if sql.trim().is_empty() {
            return Err(invalid("it has no SQL".to_string()));
        }
        Ok(ViewDefinition {
            sql,
            schema: schema.unwrap_or_else(|| self.database_name.clone()),
            columns: self.storage_descriptor.columns.clone(),
        })
    }
}

/// Trino's name of a type, as the Presto view document records columns.
fn trino_type(t: &HiveType) -> String {
    match t {
        HiveType::Boolean => "boolean".into(),
        HiveType::TinyInt => "tinyint".into(),
        HiveType::SmallInt => "smallint".into(),
        HiveType::Int => "integer".into(),
        HiveType::BigInt => "bigint".into(),
        HiveType::Float => "real".into(),
        HiveType::Double => "double".into(),
        HiveType::Decimal(p, s) => format!("decimal({p},{s})"),
        HiveType::Char(n) => format!("char({n})"),
        HiveType::Varchar(n) => format!("varchar({n})"),
        HiveType::String => "varchar".into(),
        HiveType::Binary => "varbinary".into(),
        HiveType::Date => "date".into(),
        HiveType::Timestamp => "timestamp(3)".into(),
        HiveType::Array(item) => format!("array({})", trino_type(item)),
        HiveType::Map(k, v) => format!("map({},{})", trino_type(k), trino_type(v)),
        HiveType::Struct(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(n, t)| format!("{n} {}", trino_type(t)))
                .collect();
            format!("row({})", fields.join(","))
        }
    }
}

/// The column a view gets for a query's output field: its Hive type, or an error naming
/// the column when Hive has no type for it.
pub fn view_column(name: &str, data_type: &DataType) -> Result<Column> {
    let hive = HiveType::from_arrow(data_type).ok_or_else(|| {
        LakeError::unsupported(format!(
            "view column '{name}' has type {data_type}, which the catalog cannot store; \
             CAST it to a Hive type"
        ))
    })?;
    Ok(Column {
        name: name.to_string(),
        hive_type: hive.to_string(),
        comment: None,
    })
}

/// Whether a stored view column's type still describes a type the query gives: both
/// read as the same Arrow type (so `varchar(10)` and `string` agree). A stored type
/// lakesql cannot parse is not checked.
pub fn same_column_type(stored: &Column, current: &DataType) -> bool {
    let Ok(stored) = stored.hive_type.parse::<HiveType>() else {
        return true;
    };
    HiveType::from_arrow(current).is_some_and(|c| c.to_arrow() == stored.to_arrow())
}

/// Standard base64 with padding (RFC 4648), as Athena writes the Presto view document.
pub mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// `bytes` in base64.
    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// `None` when `text` is not base64; padding is optional.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let digits: Vec<u8> = text
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .take_while(|b| *b != b'=')
            .map(|b| ALPHABET.iter().position(|a| *a == b).map(|p| p as u8))
            .collect::<Option<_>>()?;
        if digits.len() % 4 == 1 {
            return None;
        }
        let mut out = Vec::with_capacity(digits.len() * 3 / 4);
        for chunk in digits.chunks(4) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
            for i in 0..chunk.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_with_and_without_padding() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let encoded = base64::encode(text.as_bytes());
            assert_eq!(base64::decode(&encoded).unwrap(), text.as_bytes());
            let bare = encoded.trim_end_matches('=');
            assert_eq!(base64::decode(bare).unwrap(), text.as_bytes());
        }
        assert_eq!(base64::encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64::encode(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64::encode(b"foob"), "Zm9vYg==");
        assert!(base64::decode("Zm9v!").is_none());
    }

    fn column(name: &str, hive_type: &str) -> Column {
        Column {
            name: name.into(),
            hive_type: hive_type.into(),
            comment: None,
        }
    }

    #[test]
    fn a_view_is_stored_as_athena_stores_it_and_reads_back() {
        let definition = ViewDefinition {
            sql: "SELECT a, s FROM t WHERE x = 'it''s'".into(),
            schema: "other".into(),
            columns: vec![
                column("a", "int"),
                column("s", "array<struct<k:string,v:decimal(10,2)>>"),
            ],
        };
        let table = Table::new_view("db", "v", &definition).unwrap();
        assert!(table.is_view());
        assert_eq!(table.table_type, "VIRTUAL_VIEW");
        assert_eq!(
            table.view_expanded_text.as_deref(),
            Some("/* Presto View */")
        );
        assert_eq!(table.parameters["presto_view"], "true");
        assert_eq!(table.parameters["comment"], "Presto View");
        assert_eq!(table.storage_descriptor.location, "");
        assert_eq!(table.view_definition().unwrap(), definition);

        let text = table.view_original_text.as_deref().unwrap();
        let encoded = text
            .strip_prefix("/* Presto View: ")
            .and_then(|t| t.strip_suffix(" */"))
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&base64::decode(encoded).unwrap()).unwrap();
        assert_eq!(json["originalSql"], definition.sql);
        assert_eq!(json["catalog"], "awsdatacatalog");
        assert_eq!(json["schema"], "other");
        assert_eq!(json["runAsInvoker"], false);
        assert_eq!(json["columns"][0]["type"], "integer");
        assert_eq!(
            json["columns"][1]["type"],
            "array(row(k varchar,v decimal(10,2)))"
        );
    }

    #[test]
    fn plain_sql_views_of_other_engines_read_in_their_database() {
        let mut table = Table::new_view(
            "db",
            "v",
            &ViewDefinition {
                sql: "SELECT 1".into(),
                schema: "db".into(),
                columns: vec![],
            },
        )
        .unwrap();
        table.view_original_text = Some("SELECT * FROM t".into());
        let definition = table.view_definition().unwrap();
        assert_eq!(definition.sql, "SELECT * FROM t");
        assert_eq!(definition.schema, "db");
        table.view_original_text = Some("/* Presto View: %%% */".into());
        let e = table.view_definition().unwrap_err().to_string();
        assert!(
            e.starts_with("INVALID_TABLE: view db.v cannot be read"),
            "{e}"
        );
    }
}
