//! What kind of statement ran: the name lakesql reports in its statistics, and the
//! `StatementType`/`SubstatementType` Athena reports for it.

/// Athena's `QueryExecution.StatementType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AthenaStatementType {
    /// Catalog changes (CREATE, DROP, ALTER, MSCK).
    Ddl,
    /// Queries.
    Dml,
    /// Everything else (SHOW, DESCRIBE, USE, SET, EXPLAIN).
    Utility,
}

impl AthenaStatementType {
    /// `DDL`, `DML` or `UTILITY`.
    pub fn as_str(self) -> &'static str {
        match self {
            AthenaStatementType::Ddl => "DDL",
            AthenaStatementType::Dml => "DML",
            AthenaStatementType::Utility => "UTILITY",
        }
    }
}

/// The kind of a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// `CREATE DATABASE`.
    CreateDatabase,
    /// `DROP DATABASE`.
    DropDatabase,
    /// `CREATE EXTERNAL TABLE`.
    CreateTable,
    /// `DROP TABLE`.
    DropTable,
    /// `ALTER TABLE` changing the definition.
    AlterTable,
    /// `ALTER TABLE … ADD PARTITION`.
    AddPartitions,
    /// `ALTER TABLE … DROP PARTITION`.
    DropPartitions,
    /// `ALTER TABLE … PARTITION (…) SET LOCATION`.
    SetPartitionLocation,
    /// `SHOW DATABASES`.
    ShowDatabases,
    /// `SHOW TABLES`.
    ShowTables,
    /// `SHOW CREATE TABLE`.
    ShowCreateTable,
    /// `SHOW COLUMNS`.
    ShowColumns,
    /// `SHOW TBLPROPERTIES`.
    ShowTblProperties,
    /// `SHOW PARTITIONS`.
    ShowPartitions,
    /// `DESCRIBE`.
    Describe,
    /// `MSCK REPAIR TABLE`, `ALTER TABLE … RECOVER PARTITIONS`.
    MsckRepair,
    /// `VALIDATE PROJECTION`.
    ValidateProjection,
    /// `REFRESH TABLE`.
    RefreshTable,
    /// `CRAWL`.
    Crawl,
    /// `ANALYZE TABLE … COMPUTE STATISTICS`.
    Analyze,
    /// `USE`.
    Use,
    /// `SET` (S3 settings and DataFusion options).
    Set,
    /// `SHOW S3 SETTINGS`.
    ShowS3Settings,
    /// `CREATE TABLE … AS SELECT`.
    CreateTableAs,
    /// `INSERT INTO`.
    Insert,
    /// `UNLOAD`.
    Unload,
    /// `CREATE [OR REPLACE] VIEW`.
    CreateView,
    /// `DROP VIEW`.
    DropView,
    /// `SHOW VIEWS`.
    ShowViews,
    /// `SHOW CREATE VIEW`.
    ShowCreateView,
    /// A query.
    Select,
    /// `EXPLAIN`.
    Explain,
    /// Another statement DataFusion plans.
    Other,
}

impl StatementKind {
    /// The short name lakesql reports (`select`, `create_table`, …; the `statement` field
    /// of `--stats json`).
    pub fn name(self) -> &'static str {
        use StatementKind::*;
        match self {
            CreateDatabase => "create_database",
            DropDatabase => "drop_database",
            CreateTable => "create_table",
            DropTable => "drop_table",
            AlterTable | AddPartitions | DropPartitions | SetPartitionLocation => "alter_table",
            ShowDatabases => "show_databases",
            ShowTables => "show_tables",
            ShowCreateTable => "show_create_table",
            ShowColumns => "show_columns",
            ShowTblProperties => "show_tblproperties",
            ShowPartitions => "show_partitions",
            Describe => "describe",
            MsckRepair => "msck_repair",
            ValidateProjection => "validate_projection",
            RefreshTable => "refresh_table",
            Crawl => "crawl",
            Analyze => "analyze",
            Use => "use",
            Set => "set",
            ShowS3Settings => "show_s3_settings",
            CreateTableAs => "create_table_as",
            Insert => "insert",
            Unload => "unload",
            CreateView => "create_view",
            DropView => "drop_view",
            ShowViews => "show_views",
            ShowCreateView => "show_create_view",
            Select => "select",
            Explain => "explain",
            Other => "statement",
        }
    }

    /// Whether the statement changes the catalog (definitions, partitions, statistics):
    /// what a read-only catalog refuses. `UNLOAD` writes files but no catalog entry.
    pub fn changes_catalog(self) -> bool {
        use StatementKind::*;
        matches!(
            self,
            CreateDatabase
                | DropDatabase
                | CreateTable
                | DropTable
                | AlterTable
                | AddPartitions
                | DropPartitions
                | SetPartitionLocation
                | MsckRepair
                | Crawl
                | Analyze
                | CreateTableAs
                | Insert
                | CreateView
                | DropView
        )
    }

    /// Athena's `StatementType`.
    pub fn athena_type(self) -> AthenaStatementType {
        use StatementKind::*;
        match self {
            CreateDatabase | DropDatabase | CreateTable | DropTable | AlterTable
            | AddPartitions | DropPartitions | SetPartitionLocation | MsckRepair | Crawl
            | CreateTableAs | CreateView | DropView => AthenaStatementType::Ddl,
            Select | Insert | Unload | Other => AthenaStatementType::Dml,
            ShowDatabases | ShowTables | ShowCreateTable | ShowColumns | ShowTblProperties
            | ShowPartitions | Describe | ValidateProjection | RefreshTable | Analyze | Use
            | Set | ShowS3Settings | Explain | ShowViews | ShowCreateView => {
                AthenaStatementType::Utility
            }
        }
    }

    /// Athena's `SubstatementType` (`SELECT`, `CREATE_TABLE`, `MSCK_REPAIR_TABLE`, …).
    pub fn athena_substatement(self) -> &'static str {
        use StatementKind::*;
        match self {
            CreateDatabase => "CREATE_DATABASE",
            DropDatabase => "DROP_DATABASE",
            CreateTable => "CREATE_TABLE",
            DropTable => "DROP_TABLE",
            AlterTable => "ALTER_TABLE",
            AddPartitions => "ALTER_TABLE_ADD_PARTITION",
            DropPartitions => "ALTER_TABLE_DROP_PARTITION",
            SetPartitionLocation => "ALTER_TABLE_SET_PARTITION_LOCATION",
            ShowDatabases => "SHOW_DATABASES",
            ShowTables => "SHOW_TABLES",
            ShowCreateTable => "SHOW_CREATE_TABLE",
            ShowColumns => "SHOW_COLUMNS",
            ShowTblProperties => "SHOW_TBLPROPERTIES",
            ShowPartitions => "SHOW_PARTITIONS",
            Describe => "DESCRIBE_TABLE",
            MsckRepair => "MSCK_REPAIR_TABLE",
            ValidateProjection => "VALIDATE_PROJECTION",
            RefreshTable => "REFRESH_TABLE",
            Crawl => "CRAWL",
            Analyze => "ANALYZE",
            Use => "USE",
            Set => "SET_SESSION",
            ShowS3Settings => "SHOW_S3_SETTINGS",
            CreateTableAs => "CREATE_TABLE_AS_SELECT",
            Insert => "INSERT",
            Unload => "UNLOAD",
            CreateView => "CREATE_VIEW",
            DropView => "DROP_VIEW",
            ShowViews => "SHOW_VIEWS",
            ShowCreateView => "SHOW_CREATE_VIEW",
            Select => "SELECT",
            Explain => "EXPLAIN",
            Other => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for StatementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
