//! The statements lakesql executes itself, and the query statements it hands to DataFusion.

pub use super::kind::{AthenaStatementType, StatementKind};
use crate::catalog::HiveType;
use crate::catalog::RepairMode;
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

/// `ALTER TABLE` operations that change the table definition.
#[derive(Clone, Debug, PartialEq)]
pub enum TableChange {
    /// `SET TBLPROPERTIES (…)`.
    SetProperties(Properties),
    /// `SET LOCATION '…'`.
    SetLocation(String),
    /// `ADD COLUMNS (…)`.
    AddColumns(Vec<ColumnDef>),
    /// `REPLACE COLUMNS (…)`.
    ReplaceColumns(Vec<ColumnDef>),
}

/// `ALTER TABLE` operations on partitions.
#[derive(Clone, Debug, PartialEq)]
pub enum PartitionChange {
    /// `ADD [IF NOT EXISTS] PARTITION … [PARTITION …]`.
    Add {
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// The partitions.
        partitions: Vec<AddPartition>,
    },
    /// `DROP [IF EXISTS] PARTITION (…)[, PARTITION (…)]`.
    Drop {
        /// `IF EXISTS`.
        if_exists: bool,
        /// Specs, possibly partial.
        specs: Vec<PartitionSpec>,
    },
    /// `PARTITION (…) SET LOCATION '…'`.
    SetLocation {
        /// The partition.
        spec: PartitionSpec,
        /// Its new location.
        location: String,
    },
}

/// `CREATE DATABASE`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateDatabase {
    /// Name.
    pub name: String,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// `COMMENT`.
    pub comment: Option<String>,
    /// `LOCATION`.
    pub location: Option<String>,
    /// `WITH DBPROPERTIES`.
    pub properties: Properties,
}

/// Statements that create, change or drop databases and table definitions.
#[derive(Clone, Debug, PartialEq)]
pub enum CatalogDdl {
    /// `CREATE DATABASE`.
    CreateDatabase(CreateDatabase),
    /// `DROP DATABASE`.
    DropDatabase {
        /// Name.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
        /// `CASCADE`.
        cascade: bool,
    },
    /// `CREATE EXTERNAL TABLE`.
    CreateTable(Box<CreateTable>),
    /// `DROP TABLE`.
    DropTable {
        /// Table.
        name: TableName,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE` changing the definition.
    AlterTable {
        /// Table.
        name: TableName,
        /// What to change.
        change: TableChange,
    },
}

/// `ALTER TABLE t ADD|DROP PARTITION …`, `ALTER TABLE t PARTITION (…) SET LOCATION`.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionDdl {
    /// Table.
    pub table: TableName,
    /// What to change.
    pub change: PartitionChange,
}

/// `SHOW …` and `DESCRIBE`: answered from the catalog.
#[derive(Clone, Debug, PartialEq)]
pub enum ShowStatement {
    /// `SHOW DATABASES [LIKE '…']`.
    Databases {
        /// Pattern.
        pattern: Option<String>,
    },
    /// `SHOW TABLES [IN db] [LIKE '…']`.
    Tables {
        /// Database.
        database: Option<String>,
        /// Pattern.
        pattern: Option<String>,
    },
    /// `SHOW CREATE TABLE t`.
    CreateTable(TableName),
    /// `SHOW COLUMNS IN t`.
    Columns(TableName),
    /// `SHOW TBLPROPERTIES t [('k')]`.
    TblProperties {
        /// Table.
        name: TableName,
        /// One property.
        key: Option<String>,
    },
    /// `SHOW PARTITIONS t [PARTITION (…)]`.
    Partitions {
        /// Table.
        name: TableName,
        /// Partial spec filter.
        spec: Option<PartitionSpec>,
    },
    /// `SHOW VIEWS [IN db] [LIKE '…']`.
    Views {
        /// Database.
        database: Option<String>,
        /// Pattern.
        pattern: Option<String>,
    },
    /// `SHOW CREATE VIEW v`.
    CreateView(TableName),
    /// `DESCRIBE [EXTENDED|FORMATTED] t [col]`.
    Describe {
        /// Table.
        name: TableName,
        /// `FORMATTED` or `EXTENDED`.
        formatted: bool,
        /// One column.
        column: Option<String>,
    },
}

/// Statements that bring the catalog in line with storage, or check it.
#[derive(Clone, Debug, PartialEq)]
pub enum Maintenance {
    /// `MSCK [REPAIR] TABLE t [ADD|DROP|SYNC PARTITIONS] [DRY RUN]`, and Spark's
    /// `ALTER TABLE t RECOVER PARTITIONS`.
    Msck {
        /// Table.
        name: TableName,
        /// What to change.
        mode: RepairMode,
        /// Report only (`DRY RUN`, or `MSCK` without `REPAIR`).
        dry_run: bool,
    },
    /// `VALIDATE PROJECTION t`: sample projected locations against storage.
    ValidateProjection(TableName),
    /// `REFRESH TABLE t` (Spark's): forget what the session caches about the table, so
    /// the next statement reads its definition and partitions from the catalog.
    Refresh(TableName),
    /// `ANALYZE TABLE t [PARTITION (k[=v], …)] COMPUTE STATISTICS [NOSCAN | FOR COLUMNS
    /// c, … | FOR ALL COLUMNS]` (Hive's and Spark's syntax).
    Analyze {
        /// Table.
        name: TableName,
        /// The partitions to analyse: keys with a value restrict, keys without one
        /// (`PARTITION (year)`) do not; `None` analyses the whole table.
        partition: Option<Vec<(String, Option<String>)>>,
        /// What to compute.
        target: AnalyzeTarget,
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
}

/// What an `ANALYZE` computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnalyzeTarget {
    /// `NOSCAN`: sizes only, from the listing; no file is read.
    NoScan,
    /// Row counts (the default).
    Rows,
    /// `FOR COLUMNS a, b`: row counts, and min/max/null counts of these columns.
    Columns(Vec<String>),
    /// `FOR ALL COLUMNS`.
    AllColumns,
}

/// A value in a CTAS or UNLOAD `WITH (…)` list.
#[derive(Clone, Debug, PartialEq)]
pub enum PropertyValue {
    /// `'text'`.
    String(String),
    /// A number or bare word, as written.
    Word(String),
    /// `ARRAY['a', 'b']`.
    Array(Vec<String>),
}

/// One `name = value` of a CTAS or UNLOAD `WITH (…)` list.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteProperty {
    /// Lower-case name.
    pub name: String,
    /// The value.
    pub value: PropertyValue,
    /// `line L:C` of the name, for errors.
    pub position: String,
}

/// `CREATE TABLE … [WITH (…)] AS <query> [WITH [NO] DATA]`.
#[derive(Clone, Debug)]
pub struct CreateTableAs {
    /// Table.
    pub name: TableName,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// The `WITH (…)` properties, as written.
    pub properties: Vec<WriteProperty>,
    /// The query (Trino syntax already rewritten).
    pub query: Box<sqlparser::ast::Query>,
    /// `false` for `WITH NO DATA`.
    pub with_data: bool,
}

/// `INSERT INTO t [(col, …)] <query>`.
#[derive(Clone, Debug)]
pub struct InsertInto {
    /// Table.
    pub table: TableName,
    /// The listed columns (lower case); empty means all, by position.
    pub columns: Vec<String>,
    /// The rows (a query or `VALUES`).
    pub query: Box<sqlparser::ast::Query>,
}

/// `UNLOAD (<query>) TO 'location' WITH (…)`.
#[derive(Clone, Debug)]
pub struct Unload {
    /// The query.
    pub query: Box<sqlparser::ast::Query>,
    /// Target folder.
    pub location: String,
    /// The `WITH (…)` properties, as written.
    pub properties: Vec<WriteProperty>,
}

/// Statements that write lake data.
#[derive(Clone, Debug)]
pub enum WriteStatement {
    /// CTAS.
    CreateTableAs(Box<CreateTableAs>),
    /// INSERT INTO.
    Insert(Box<InsertInto>),
    /// UNLOAD.
    Unload(Box<Unload>),
}

/// `CREATE [OR REPLACE] VIEW`.
#[derive(Clone, Debug)]
pub struct CreateView {
    /// View.
    pub name: TableName,
    /// `OR REPLACE`.
    pub or_replace: bool,
    /// Column names given after the view name (lower case); empty when none.
    pub columns: Vec<String>,
    /// The query (Trino syntax already rewritten), for planning.
    pub query: Box<sqlparser::ast::Query>,
    /// The query's original text, as the user wrote it (what the catalog keeps).
    pub original_sql: String,
}

/// Statements about views.
#[derive(Clone, Debug)]
pub enum ViewStatement {
    /// `CREATE [OR REPLACE] VIEW`.
    Create(Box<CreateView>),
    /// `DROP VIEW [IF EXISTS] v`.
    Drop {
        /// View.
        name: TableName,
        /// `IF EXISTS`.
        if_exists: bool,
    },
}

/// Statements about the session itself.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionStatement {
    /// `USE db`.
    Use(String),
    /// `SET s3.KEY = value` / `SET s3.bucket.NAME.KEY = value`.
    SetS3 {
        /// The bucket, or `None` for the default of every bucket.
        bucket: Option<String>,
        /// Setting name.
        key: String,
        /// Value (as written).
        value: String,
    },
    /// `SHOW S3 SETTINGS`: the effective S3 settings, secrets redacted.
    ShowS3Settings,
    /// `SET query_timeout | max_bytes_scanned | memory_limit = 'value'`.
    SetLimit {
        /// One of the session's limits.
        name: String,
        /// Value (as written).
        value: String,
    },
}

/// A parsed statement, by family: each family has one handler in the session.
#[derive(Clone, Debug)]
pub enum LakeStatement {
    /// Databases and table definitions.
    Catalog(CatalogDdl),
    /// Partitions of a table.
    Partitions(PartitionDdl),
    /// `SHOW …`, `DESCRIBE`.
    Show(ShowStatement),
    /// MSCK, VALIDATE PROJECTION, CRAWL.
    Maintenance(Maintenance),
    /// USE, SET s3.…, SHOW S3 SETTINGS.
    Session(SessionStatement),
    /// CTAS, INSERT INTO, UNLOAD.
    Write(WriteStatement),
    /// CREATE VIEW, DROP VIEW.
    View(ViewStatement),
    /// Anything else: a query or statement DataFusion plans.
    Query(Box<sqlparser::ast::Statement>),
}

impl LakeStatement {
    /// What kind of statement this is.
    pub fn kind(&self) -> StatementKind {
        use StatementKind as K;
        match self {
            LakeStatement::Catalog(ddl) => match ddl {
                CatalogDdl::CreateDatabase(_) => K::CreateDatabase,
                CatalogDdl::DropDatabase { .. } => K::DropDatabase,
                CatalogDdl::CreateTable(_) => K::CreateTable,
                CatalogDdl::DropTable { .. } => K::DropTable,
                CatalogDdl::AlterTable { .. } => K::AlterTable,
            },
            LakeStatement::Partitions(ddl) => match ddl.change {
                PartitionChange::Add { .. } => K::AddPartitions,
                PartitionChange::Drop { .. } => K::DropPartitions,
                PartitionChange::SetLocation { .. } => K::SetPartitionLocation,
            },
            LakeStatement::Show(show) => match show {
                ShowStatement::Databases { .. } => K::ShowDatabases,
                ShowStatement::Tables { .. } => K::ShowTables,
                ShowStatement::CreateTable(_) => K::ShowCreateTable,
                ShowStatement::Columns(_) => K::ShowColumns,
                ShowStatement::TblProperties { .. } => K::ShowTblProperties,
                ShowStatement::Partitions { .. } => K::ShowPartitions,
                ShowStatement::Views { .. } => K::ShowViews,
                ShowStatement::CreateView(_) => K::ShowCreateView,
                ShowStatement::Describe { .. } => K::Describe,
            },
            LakeStatement::Maintenance(m) => match m {
                Maintenance::Msck { .. } => K::MsckRepair,
                Maintenance::ValidateProjection(_) => K::ValidateProjection,
                Maintenance::Refresh(_) => K::RefreshTable,
                Maintenance::Crawl { .. } => K::Crawl,
                Maintenance::Analyze { .. } => K::Analyze,
            },
            LakeStatement::Session(s) => match s {
                SessionStatement::Use(_) => K::Use,
                SessionStatement::SetS3 { .. } | SessionStatement::SetLimit { .. } => K::Set,
                SessionStatement::ShowS3Settings => K::ShowS3Settings,
            },
            LakeStatement::Write(w) => match w {
                WriteStatement::CreateTableAs(_) => K::CreateTableAs,
                WriteStatement::Insert(_) => K::Insert,
                WriteStatement::Unload(_) => K::Unload,
            },
            LakeStatement::View(v) => match v {
                ViewStatement::Create(_) => K::CreateView,
                ViewStatement::Drop { .. } => K::DropView,
            },
            LakeStatement::Query(stmt) => match stmt.as_ref() {
                sqlparser::ast::Statement::Query(_) => K::Select,
                sqlparser::ast::Statement::Explain { .. } => K::Explain,
                sqlparser::ast::Statement::Set(_) => K::Set,
                _ => K::Other,
            },
        }
    }
}
