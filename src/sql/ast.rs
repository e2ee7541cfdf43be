//! The statements lakesql executes itself, and the query statements it hands to DataFusion.

use crate::catalog::HiveType;
use crate::catalog::model::Properties;

/// `[db.]name` as written (names lower-cased).
#[derive(Clone, Debug, PartialEq)]
pub struct TableName {
    /// Database, when qualified.
    pub database: Option<String>,
    /// Table name.
    pub name: String,
}

/// A column definition in DDL.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    /// Lower-case name.
    pub name: String,
    /// Parsed type.
    pub hive_type: HiveType,
    /// `COMMENT '…'`.
    pub comment: Option<String>,
}

/// `ROW FORMAT …`.
#[derive(Clone, Debug, PartialEq)]
pub enum RowFormat {
    /// `ROW FORMAT DELIMITED …`, as SerDe properties of LazySimpleSerDe.
    Delimited(Properties),
    /// `ROW FORMAT SERDE 'class' [WITH SERDEPROPERTIES (…)]`.
    Serde {
        /// SerDe class name.
        class: String,
        /// SerDe properties.
        properties: Properties,
    },
}

/// `STORED AS …`.
#[derive(Clone, Debug, PartialEq)]
pub enum StoredAs {
    /// `STORED AS PARQUET` and friends.
    Named(String),
    /// `STORED AS INPUTFORMAT '…' OUTPUTFORMAT '…'`.
    Formats {
        /// Input format class.
        input: String,
        /// Output format class.
        output: String,
    },
}

/// `CREATE EXTERNAL TABLE`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTable {
    /// Table name.
    pub name: TableName,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// Data columns.
    pub columns: Vec<ColumnDef>,
    /// Table comment.
    pub comment: Option<String>,
    /// `PARTITIONED BY`.
    pub partition_keys: Vec<ColumnDef>,
    /// `ROW FORMAT`.
    pub row_format: Option<RowFormat>,
    /// `STORED AS`.
    pub stored_as: Option<StoredAs>,
    /// `LOCATION`.
    pub location: Option<String>,
    /// `TBLPROPERTIES`.
    pub properties: Properties,
}

/// A partition spec `(k1=v1, k2=v2)`: key names (lower case) and values as written.
pub type PartitionSpec = Vec<(String, String)>;

/// One `PARTITION (…) [LOCATION '…']` of `ALTER TABLE … ADD`.
#[derive(Clone, Debug, PartialEq)]
pub struct AddPartition {
    /// The spec.
    pub spec: PartitionSpec,
    /// Explicit location.
    pub location: Option<String>,
}

/// The operations of `ALTER TABLE`.
#[derive(Clone, Debug, PartialEq)]
pub enum AlterTable {
    /// `SET TBLPROPERTIES (…)`.
    SetProperties(Properties),
    /// `SET LOCATION '…'`.
    SetLocation(String),
    /// `ADD [IF NOT EXISTS] PARTITION … [PARTITION …]`.
    AddPartitions {
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// The partitions.
        partitions: Vec<AddPartition>,
    },
    /// `DROP [IF EXISTS] PARTITION (…)[, PARTITION (…)]`.
    DropPartitions {
        /// `IF EXISTS`.
        if_exists: bool,
        /// Specs, possibly partial.
        specs: Vec<PartitionSpec>,
    },
    /// `PARTITION (…) SET LOCATION '…'`.
    SetPartitionLocation {
        /// The partition.
        spec: PartitionSpec,
        /// Its new location.
        location: String,
    },
    /// `ADD COLUMNS (…)`.
    AddColumns(Vec<ColumnDef>),
    /// `REPLACE COLUMNS (…)`.
    ReplaceColumns(Vec<ColumnDef>),
}

/// A parsed statement.
#[derive(Clone, Debug)]
pub enum LakeStatement {
    /// `CREATE DATABASE`.
    CreateDatabase {
        /// Name.
        name: String,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// `COMMENT`.
        comment: Option<String>,
        /// `LOCATION`.
        location: Option<String>,
        /// `WITH DBPROPERTIES`.
        properties: Properties,
    },
    /// `DROP DATABASE`.
    DropDatabase {
        /// Name.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
        /// `CASCADE`.
        cascade: bool,
    },
    /// `USE db`.
    Use(String),
    /// `CREATE EXTERNAL TABLE`.
    CreateTable(Box<CreateTable>),
    /// `DROP TABLE`.
    DropTable {
        /// Table.
        name: TableName,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE`.
    AlterTable {
        /// Table.
        name: TableName,
        /// What to change.
        operation: AlterTable,
    },
    /// `SHOW DATABASES [LIKE '…']`.
    ShowDatabases {
        /// Pattern.
        pattern: Option<String>,
    },
    /// `SHOW TABLES [IN db] [LIKE '…']`.
    ShowTables {
        /// Database.
        database: Option<String>,
        /// Pattern.
        pattern: Option<String>,
    },
    /// `SHOW CREATE TABLE t`.
    ShowCreateTable(TableName),
    /// `SHOW COLUMNS IN t`.
    ShowColumns(TableName),
    /// `SHOW TBLPROPERTIES t [('k')]`.
    ShowTblProperties {
        /// Table.
        name: TableName,
        /// One property.
        key: Option<String>,
    },
    /// `SHOW PARTITIONS t [PARTITION (…)]`.
    ShowPartitions {
        /// Table.
        name: TableName,
        /// Partial spec filter.
        spec: Option<PartitionSpec>,
    },
    /// `DESCRIBE [EXTENDED|FORMATTED] t [col]`.
    Describe {
        /// Table.
        name: TableName,
        /// `FORMATTED` or `EXTENDED`.
        formatted: bool,
        /// One column.
        column: Option<String>,
    },
    /// `MSCK [REPAIR] TABLE t [ADD|DROP|SYNC PARTITIONS] [DRY RUN]`, and Spark's
    /// `ALTER TABLE t RECOVER PARTITIONS`.
    Msck {
        /// Table.
        name: TableName,
        /// What to change.
        mode: crate::repair::RepairMode,
        /// Report only (`DRY RUN`, or `MSCK` without `REPAIR`).
        dry_run: bool,
    },
    /// `VALIDATE PROJECTION t`: sample projected locations against storage.
    ValidateProjection(TableName),
    /// `SET s3.KEY = value` / `SET s3.bucket.NAME.KEY = value`: an S3 setting for this
    /// session.
    SetS3 {
        /// The bucket, or `None` for the default of every bucket.
        bucket: Option<String>,
        /// Setting name.
        key: String,
        /// Value (as written).
        value: String,
    },
    /// `CRAWL 'location' INTO db [WITH (option = value, …)]`.
    Crawl {
        /// Location to crawl.
        location: String,
        /// Database the tables go into.
        database: String,
        /// Options, as written (checked by the crawler).
        options: Vec<(String, String)>,
    },
    /// `SHOW S3 SETTINGS`: the effective S3 settings, secrets redacted.
    ShowS3Settings,
    /// Anything else: a query or statement DataFusion plans.
    Query(Box<sqlparser::ast::Statement>),
}

impl LakeStatement {
    /// A short kind name for statistics (`select`, `create_table`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            LakeStatement::CreateDatabase { .. } => "create_database",
            LakeStatement::DropDatabase { .. } => "drop_database",
            LakeStatement::Use(_) => "use",
            LakeStatement::CreateTable(_) => "create_table",
            LakeStatement::DropTable { .. } => "drop_table",
            LakeStatement::AlterTable { .. } => "alter_table",
            LakeStatement::ShowDatabases { .. } => "show_databases",
            LakeStatement::ShowTables { .. } => "show_tables",
            LakeStatement::ShowCreateTable(_) => "show_create_table",
            LakeStatement::ShowColumns(_) => "show_columns",
            LakeStatement::ShowTblProperties { .. } => "show_tblproperties",
            LakeStatement::ShowPartitions { .. } => "show_partitions",
            LakeStatement::Describe { .. } => "describe",
            LakeStatement::Msck { .. } => "msck_repair",
            LakeStatement::ValidateProjection(_) => "validate_projection",
            LakeStatement::SetS3 { .. } => "set",
            LakeStatement::ShowS3Settings => "show_s3_settings",
            LakeStatement::Crawl { .. } => "crawl",
            LakeStatement::Query(stmt) => match stmt.as_ref() {
                sqlparser::ast::Statement::Query(_) => "select",
                sqlparser::ast::Statement::Explain { .. } => "explain",
                sqlparser::ast::Statement::Set(_) => "set",
                _ => "statement",
            },
        }
    }
}
