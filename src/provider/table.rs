//! [`LakeTable`]: a catalog table as a DataFusion [`TableProvider`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::{Column, DFSchema, Statistics};
use datafusion::datasource::TableProvider;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfigBuilder, FileSource, ParquetSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::functions::expr_fn::nullif;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::logical_expr::{TryCast, col, lit};
use datafusion::physical_expr::projection::ProjectionExpr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::union::UnionExec;
use datafusion::scalar::ScalarValue;
use futures::{StreamExt, TryStreamExt};

use super::format::file_format;
use super::name_case::LowerCaseNames;
use super::parquet::row_counts::ParquetRowCountExec;
use super::parquet::{FooterCache, LakeParquetReaderFactory};
use super::partition_index::{PartitionCache, PartitionIndex, is_partition_filter};
use super::pseudo_columns;
use super::record_source::RecordSource;
use super::scan_stats::{ScanReport, ScanStats};
use super::statistics::{ListedFiles, ScanFileStatistics, StatisticsSchema};
use crate::catalog::storage_format::DataFormat;
use crate::catalog::{CatalogStore, FileStatistics, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::projection::{self, ProjectionConfig};
use crate::storage::LocationUrl;
use crate::storage::files::{is_data_file, list_data_files, text_compression};
use crate::storage::location::object_url;

/// How many locations are listed at once.
const LIST_CONCURRENCY: usize = 16;

/// The table property that makes a query without a partition filter an error.
pub const PARTITION_FILTER_REQUIRED: &str = "partition_filter.required";

/// Unnamed text columns read after a text table's own, so that lines with more fields
/// than the table has columns are read (the extra fields ignored, as Hive does) instead
/// of failing the scan.
const SPARE_TEXT_FIELDS: usize = 32;

/// A catalog table, readable by DataFusion.
pub struct LakeTable {
    table: Table,
    format: DataFormat,
    schema: SchemaRef,
    file_schema: SchemaRef,
    partition_fields: Vec<FieldRef>,
    key_names: Vec<String>,
    catalog: Arc<dyn CatalogStore>,
    stats: Arc<ScanStats>,
    partitions: Arc<PartitionCache>,
    /// Whether the pseudo-columns follow the partition columns.
    pseudo_columns: bool,
}

impl fmt::Debug for LakeTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LakeTable")
            .field("table", &self.table.qualified_name())
            .finish()
    }
}

/// One location to read, with the partition values its files carry.
struct ScanLocation {
    location: String,
    values: Vec<ScalarValue>,
}

impl LakeTable {
    /// Builds the provider; fails when the table's format or types cannot be read. With
    /// `pseudo_columns`, Athena's `"$path"`, `"$file_size"` and `"$file_modified_time"`
    /// follow the table's columns.
    pub fn try_new(
        table: Table,
        catalog: Arc<dyn CatalogStore>,
        stats: Arc<ScanStats>,
        partitions: Arc<PartitionCache>,
        pseudo_columns: bool,
    ) -> Result<Self> {
        let format = DataFormat::of_table(&table)?;
        let mut file_fields = arrow_fields(&table.storage_descriptor.columns)?;
        if matches!(format, DataFormat::Records(_)) {
            // Hive's struct field names are lower case; the SerDe matches keys to them
            // case-insensitively, and queries name them in lower case (Trino folds them).
            file_fields = file_fields.iter().map(lower_case_struct_fields).collect();
        }
        // Pseudo-columns are scanned like partition columns: one value per file.
        let mut partition_fields: Vec<FieldRef> = arrow_fields(&table.partition_keys)?
            .into_iter()
            .map(Arc::new)
            .collect();
        if pseudo_columns {
            partition_fields.extend(pseudo_columns::fields());
        }
        let key_names = table
            .partition_keys
            .iter()
            .map(|k| k.name.clone())
            .collect();
        let file_schema = Arc::new(file_schema(&file_fields, &format));
        let schema = Arc::new(Schema::new(
            file_fields
                .into_iter()
                .map(Arc::new)
                .chain(partition_fields.iter().cloned())
                .collect::<Vec<_>>(),
        ));
        Ok(LakeTable {
            table,
            format,
            schema,
            file_schema,
            partition_fields,
            key_names,
            catalog,
            stats,
            partitions,
            pseudo_columns,
        })
    }

    /// Finds the files a scan reads (dropping those the catalog's statistics rule out)
    /// and records its report, explaining a partitioned scan that reads nothing.
    async fn scan_files(&self, state: &dyn Session, filters: &[Expr]) -> Result<ScanFiles> {
        let (partition_filters, other_filters): (Vec<Expr>, Vec<Expr>) = filters
            .iter()
            .cloned()
            .partition(|f| is_partition_filter(f, &self.key_names));
        self.check_partition_filter(&partition_filters)?;
        let (partitions_total, locations, catalog_filtered) =
            self.scan_locations(state, &partition_filters).await?;
        // After the partitions (which may come from the same catalog connection), before
        // the listing, which it then overlaps. A pruned scan loads the entries of its
        // partitions only.
        let partitioned = self.table.is_partitioned();
        let pruned = partitioned && (locations.len() as u64) < partitions_total;
        let entries = self.start_statistics_load(
            pruned.then(|| locations.iter().map(|l| l.location.clone()).collect()),
        );
        let partitions_matched = if partitioned {
            locations.len() as u64
        } else {
            0
        };
        // Partitions filtered by the catalog are a part of a table of unknown size: list
        // them one by one, never the whole table folder.
        let listing_total = if catalog_filtered {
            u64::MAX
        } else {
            partitions_total
        };
        let (mut files, locations_listed) = self
            .list_partition_files(state, locations, listing_total)
            .await?;
        if self.pseudo_columns {
            files = pseudo_columns::attach(files, state, filters)?;
        }
        let (files, statistics, skipped) = self
            .apply_statistics(state, files, entries, &other_filters)
            .await?;
        let report = ScanReport {
            projected: projection::config::is_enabled(&self.table),
            table: self.table.qualified_name(),
            location: self.table.storage_descriptor.location.clone(),
            partitioned,
            partition_filter: conjunction(partition_filters).map(|e| e.to_string()),
            partitions_total,
            partitions_matched,
            locations_listed,
            files: files.len() as u64,
            files_skipped_by_statistics: skipped,
            bytes: files.iter().map(|(_, f)| f.object_meta.size).sum(),
            exact_statistics: statistics.as_ref().is_some_and(|s| s.covers_all_rows()),
            file_scan_first_files: Vec::new(),
            answered_from_statistics: false,
        };
        if partitioned && files.is_empty() && skipped == 0 && !report.projected {
            if catalog_filtered && partitions_matched == 0 {
                self.stats.notice(format!(
                    "notice: the catalog has no partitions of {} matching the filter",
                    report.table
                ));
            } else {
                self.explain_empty(state, &report).await;
            }
        }
        Ok(ScanFiles {
            files,
            statistics,
            report,
        })
    }

    /// Refuses a scan without a filter on the partition columns of a table that requires
    /// one (`'partition_filter.required'='true'`), as Trino's Hive connector does with
    /// `query_partition_filter_required` and BigQuery with `require_partition_filter`.
    fn check_partition_filter(&self, partition_filters: &[Expr]) -> Result<()> {
        let required = self
            .table
            .parameters
            .get(PARTITION_FILTER_REQUIRED)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if required && self.table.is_partitioned() && partition_filters.is_empty() {
            return Err(LakeError::semantic(
                ErrorCode::QueryRejected,
                format!(
                    "Filter required on {} for at least one partition column: {} (the table \
                     sets '{PARTITION_FILTER_REQUIRED}'='true')",
                    self.table.qualified_name(),
                    self.key_names.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Starts reading the table's file statistics from the catalog, so that the read
    /// runs while the partitions are listed.
    fn start_statistics_load(
        &self,
        locations: Option<Vec<String>>,
    ) -> tokio::task::JoinHandle<Result<Vec<FileStatistics>>> {
        let catalog = self.catalog.clone();
        let (db, name) = (self.table.database_name.clone(), self.table.name.clone());
        tokio::spawn(async move {
            catalog
                .file_statistics(&db, &name, locations.as_deref())
                .await
        })
    }

    /// Matches the catalog's file statistics (`entries`, being loaded) to the listed
    /// files and drops the files they rule out. Returns the files kept, their
    /// statistics, and how many were dropped.
    async fn apply_statistics(
        &self,
        state: &dyn Session,
        files: Vec<(ObjectStoreUrl, PartitionedFile)>,
        entries: tokio::task::JoinHandle<Result<Vec<FileStatistics>>>,
        filters: &[Expr],
    ) -> Result<(ListedFiles, Option<ScanFileStatistics>, u64)> {
        if files.is_empty() {
            entries.abort();
            return Ok((files, None, 0));
        }
        let entries = entries.await??;
        let Some(statistics) = ScanFileStatistics::match_files(entries, &files) else {
            return Ok((files, None, 0));
        };
        let schema = StatisticsSchema::new(&self.table, &self.schema);
        let (files, statistics, skipped) = statistics.prune(state, &schema, filters, files)?;
        Ok((files, Some(statistics), skipped))
    }

    /// The data files of the partitions that pass `partition_filters` (all of them
    /// without filters), listed location by location: what `ANALYZE` records. Returns
    /// the locations matched and the files found in each.
    pub async fn files_by_location(
        &self,
        state: &dyn Session,
        partition_filters: &[Expr],
    ) -> Result<(Vec<String>, Vec<LocatedFile>)> {
        let (_, locations, _) = self.scan_locations(state, partition_filters).await?;
        let names: Vec<String> = locations.iter().map(|l| l.location.clone()).collect();
        let runtime = state.runtime_env().clone();
        let listed: Vec<Vec<LocatedFile>> =
            futures::stream::iter(names.clone().into_iter().map(|location| {
                let runtime = runtime.clone();
                async move {
                    let url = LocationUrl::parse(&location)?;
                    let store = runtime.object_store(&url.store)?;
                    let files = list_data_files(&store, &url).await?;
                    Ok::<_, LakeError>(
                        files
                            .into_iter()
                            .map(|meta| LocatedFile {
                                location: location.clone(),
                                path: object_url(&url.store, &meta.location),
                                meta,
                            })
                            .collect(),
                    )
                }
            }))
            .buffered(LIST_CONCURRENCY)
            .try_collect()
            .await?;
        Ok((names, listed.into_iter().flatten().collect()))
    }

    /// The locations a scan reads: the table location, or the registered partitions
    /// that pass the partition filters. Returns them with the number of partitions and
    /// whether the catalog filtered them (that number is then the catalog's answer to
    /// the filter, not the table's size).
    async fn scan_locations(
        &self,
        state: &dyn Session,
        partition_filters: &[Expr],
    ) -> Result<(u64, Vec<ScanLocation>, bool)> {
        if !self.table.is_partitioned() {
            return Ok((
                0,
                vec![ScanLocation {
                    location: self.table.storage_descriptor.location.clone(),
                    values: vec![],
                }],
                false,
            ));
        }
        if let Some(config) = ProjectionConfig::of_table(&self.table, projection::clock::now()?)? {
            // Projected: partitions come from the properties and the filters, never from
            // the catalog.
            let (rows, domain, remaining) =
                projection::project_partitions(&self.table, &config, partition_filters)?;
            let index = PartitionIndex::build(&self.table, None, rows)?;
            return Ok((
                domain,
                matching_locations(&index, state, &remaining)?,
                false,
            ));
        }
        let (index, filtered) = self
            .partitions
            .index(self.catalog.clone(), &self.table, partition_filters)
            .await?;
        let locations = matching_locations(&index, state, partition_filters)?;
        Ok((index.len() as u64, locations, filtered))
    }

    /// Explains, when it is cheap to tell, why a partitioned scan reads nothing.
    async fn explain_empty(&self, state: &dyn Session, report: &ScanReport) {
        let name = &report.table;
        let notice = if report.partitions_total == 0 {
            // One delimiter listing of the table root tells whether MSCK would find folders.
            let Ok(url) = LocationUrl::parse(&self.table.storage_descriptor.location) else {
                return;
            };
            let Ok(store) = state.runtime_env().object_store(&url.store) else {
                return;
            };
            let first_key = format!("{}=", self.key_names[0]);
            let found = store
                .list_with_delimiter(Some(&url.prefix))
                .await
                .ok()
                .and_then(|l| {
                    l.common_prefixes
                        .into_iter()
                        .find(|p| p.filename().is_some_and(|f| f.starts_with(&first_key)))
                });
            match found {
                Some(p) => format!(
                    "notice: table {name} has no registered partitions, but its location has \
                     partition folders such as {}; run MSCK REPAIR TABLE {name}",
                    p.filename().unwrap_or_default()
                ),
                None => format!("notice: table {name} has no registered partitions"),
            }
        } else if report.partitions_matched == 0 {
            format!(
                "notice: the filter matched none of the {} partitions of {name}",
                report.partitions_total
            )
        } else {
            format!(
                "notice: the {} matched partition(s) of {name} have no data files (their \
                 locations are missing or empty)",
                report.partitions_matched
            )
        };
        self.stats.notice(notice);
    }

    /// Lists the files of the matched partitions. When most partitions match, one
    /// recursive listing of the table folder is cheaper than a listing per partition (one
    /// request per 1,000 files on S3 instead of one per partition): the files found are
    /// assigned to the matched partitions under the table folder, and partitions stored
    /// elsewhere are listed one by one. Returns the files and the listings issued.
    async fn list_partition_files(
        &self,
        state: &dyn Session,
        locations: Vec<ScanLocation>,
        partitions_total: u64,
    ) -> Result<(Vec<(ObjectStoreUrl, PartitionedFile)>, u64)> {
        // Projected tables are never listed wholesale, whatever share of them matches.
        if !self.table.is_partitioned()
            || locations.len() < 2
            || projection::config::is_enabled(&self.table)
        {
            return self.list_each(state, locations).await;
        }
        let split = RootedLocations::split(&self.table.storage_descriptor.location, locations)?;
        let served = split.served();
        if served < 2 || served * 2 <= partitions_total {
            return self.list_each(state, split.into_locations()).await;
        }
        self.list_root(state, split).await
    }

    /// Lists every location on its own. Returns the files and the listings issued.
    async fn list_each(
        &self,
        state: &dyn Session,
        locations: Vec<ScanLocation>,
    ) -> Result<(Vec<(ObjectStoreUrl, PartitionedFile)>, u64)> {
        let listings = locations.len() as u64;
        Ok((self.list_files(state, locations).await?, listings))
    }

    /// Lists the table folder once for the partitions below it, and the other
    /// partitions one by one. Returns the files and the listings issued.
    async fn list_root(
        &self,
        state: &dyn Session,
        split: RootedLocations,
    ) -> Result<(Vec<(ObjectStoreUrl, PartitionedFile)>, u64)> {
        let listings = 1 + split.elsewhere.len() as u64;
        let store = state.runtime_env().object_store(&split.root.store)?;
        let listed = list_data_files(&store, &split.root).await?;
        let mut files = Vec::with_capacity(listed.len());
        for meta in listed {
            let owners = split.owners(meta.location.as_ref());
            // Nearly always one owner: the listing's entry moves into the file.
            if let [values] = owners {
                let file =
                    PartitionedFile::new_from_meta(meta).with_partition_values(values.clone());
                files.push((split.root.store.clone(), file));
                continue;
            }
            for values in owners {
                files.push((
                    split.root.store.clone(),
                    PartitionedFile::new_from_meta(meta.clone())
                        .with_partition_values(values.clone()),
                ));
            }
        }
        files.extend(self.list_files(state, split.elsewhere).await?);
        Ok((files, listings))
    }

    /// Lists the files of every location concurrently.
    async fn list_files(
        &self,
        state: &dyn Session,
        locations: Vec<ScanLocation>,
    ) -> Result<Vec<(ObjectStoreUrl, PartitionedFile)>> {
        let runtime = state.runtime_env().clone();
        let listed: Vec<Vec<(ObjectStoreUrl, PartitionedFile)>> =
            futures::stream::iter(locations.into_iter().map(|loc| {
                let runtime = runtime.clone();
                async move {
                    let url = LocationUrl::parse(&loc.location)?;
                    let store = runtime.object_store(&url.store)?;
                    let files = list_data_files(&store, &url).await?;
                    Ok::<_, LakeError>(
                        files
                            .into_iter()
                            .map(|meta| {
                                (
                                    url.store.clone(),
                                    PartitionedFile::new_from_meta(meta)
                                        .with_partition_values(loc.values.clone()),
                                )
                            })
                            .collect(),
                    )
                }
            }))
            .buffered(LIST_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(listed.into_iter().flatten().collect())
    }

    /// Groups the files by (store, compression), in a stable order.
    fn group_files(&self, files: Vec<(ObjectStoreUrl, PartitionedFile)>) -> Result<Vec<ScanGroup>> {
        let mut groups: BTreeMap<(String, String), ScanGroup> = BTreeMap::new();
        for (store, file) in files {
            // Record sources decompress each file themselves.
            let compression = match self.format {
                DataFormat::Text(_) => text_compression(file.object_meta.location.as_ref())?,
                _ => FileCompressionType::UNCOMPRESSED,
            };
            let key = (
                store.as_str().to_string(),
                format!("{:?}", compression.get_variant()),
            );
            groups
                .entry(key)
                .or_insert_with(|| ScanGroup {
                    store,
                    compression,
                    files: Vec::new(),
                })
                .files
                .push(file);
        }
        Ok(groups.into_values().collect())
    }

    /// The scan's projection in file-schema terms. Table column i is file column i;
    /// partition columns come after the file schema, which for text tables also holds
    /// the spare fields.
    fn file_projection(&self, projection: Option<&Vec<usize>>) -> Option<Vec<usize>> {
        let columns = self.schema.fields().len() - self.partition_fields.len();
        let spare = self.file_schema.fields().len() - columns;
        if spare == 0 {
            return projection.cloned();
        }
        let all: Vec<usize> = (0..self.schema.fields().len()).collect();
        Some(
            projection
                .unwrap_or(&all)
                .iter()
                .map(|&i| if i < columns { i } else { i + spare })
                .collect(),
        )
    }

    /// When the scan's projection holds partition (or pseudo) columns only, their
    /// indexes among the partition values; `None` when it needs a column of the files.
    fn partition_columns_only(&self, file_projection: Option<&[usize]>) -> Option<Vec<usize>> {
        let file_columns = self.file_schema.fields().len();
        file_projection?
            .iter()
            .map(|&i| i.checked_sub(file_columns))
            .collect()
    }

    /// One file scan over the files of `group`, spread over the target partitions.
    async fn file_scan(
        &self,
        state: &dyn Session,
        group: ScanGroup,
        file_projection: Option<Vec<usize>>,
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let table_schema = TableSchema::builder(self.file_schema.clone())
            .with_table_partition_cols(self.partition_fields.clone())
            .build();
        let statistics = group_statistics(&group.files, table_schema.table_schema())?;
        let target = state.config().target_partitions().max(1);
        if let DataFormat::Records(options) = &self.format {
            let source = Arc::new(RecordSource::new(table_schema, options.clone()));
            let config = FileScanConfigBuilder::new(group.store, source)
                .with_file_groups(spread(group.files, target))
                .with_projection_indices(file_projection)?
                .with_limit(limit)
                .with_statistics(statistics)
                .build();
            return Ok(DataSourceExec::from_data_source(config));
        }
        if self.format == DataFormat::Parquet {
            let factory = Arc::new(reader_factory(state, &group.store)?);
            let counted = group.files.iter().all(|f| f.statistics.is_some());
            if let Some(columns) = self.partition_columns_only(file_projection.as_deref())
                && !counted
            {
                // No column of the files is needed: their footers' row counts suffice.
                // (With statistics for every file, DataFusion answers from those.)
                let schema = Arc::new(Schema::new(
                    columns
                        .iter()
                        .map(|&c| self.partition_fields[c].clone())
                        .collect::<Vec<_>>(),
                ));
                return Ok(Arc::new(ParquetRowCountExec::new(
                    group.files,
                    factory,
                    columns,
                    schema,
                )));
            }
            let source = parquet_source(state, table_schema, factory);
            let config = FileScanConfigBuilder::new(group.store, source)
                .with_expr_adapter(Some(Arc::new(LowerCaseNames)))
                .with_file_groups(spread(group.files, target))
                .with_projection_indices(file_projection)?
                .with_limit(limit)
                .with_statistics(statistics)
                .build();
            return Ok(DataSourceExec::from_data_source(config));
        }
        let format = file_format(&self.format, group.compression, state)?;
        let source = format.file_source(table_schema);
        let config = FileScanConfigBuilder::new(group.store, source)
            .with_file_groups(spread(group.files, target))
            .with_projection_indices(file_projection)?
            .with_limit(limit)
            .with_statistics(statistics)
            .build();
        let plan = format.create_physical_plan(state, config).await?;
        Ok(super::checked::checked_scan(plan, &self.format))
    }
}

/// A data file found in one of a table's locations.
#[derive(Clone, Debug)]
pub struct LocatedFile {
    /// The partition (or table) folder it was found in, as the catalog writes it.
    pub location: String,
    /// Its absolute URL.
    pub path: String,
    /// What the listing said about it.
    pub meta: object_store::ObjectMeta,
}

/// The files of a scan, their statistics from the catalog, and its report.
struct ScanFiles {
    files: Vec<(ObjectStoreUrl, PartitionedFile)>,
    statistics: Option<ScanFileStatistics>,
    report: ScanReport,
}

/// The statistics of a group of files over `schema` (file then partition columns):
/// merged from the files' own when every file has them (exact row counts then reach
/// DataFusion, which answers `count(*)`, `min` and `max` from them), unknown otherwise.
fn group_statistics(files: &[PartitionedFile], schema: &SchemaRef) -> DfResult<Statistics> {
    let all: Option<Vec<&Statistics>> = files.iter().map(|f| f.statistics.as_deref()).collect();
    match all {
        Some(stats) if !stats.is_empty() => Statistics::try_merge_iter(stats, schema),
        _ => Ok(Statistics::new_unknown(schema)),
    }
}

/// lakesql's Parquet reader (one GET per small file, footers from the session's
/// cache) for the files of `store_url`.
fn reader_factory(
    state: &dyn Session,
    store_url: &ObjectStoreUrl,
) -> DfResult<LakeParquetReaderFactory> {
    let footers = state
        .config()
        .get_extension::<FooterCache>()
        .unwrap_or_default();
    let store = state.runtime_env().object_store(store_url)?;
    Ok(LakeParquetReaderFactory::new(
        store,
        store_url.as_str(),
        footers,
    ))
}

/// DataFusion's Parquet source with the session's Parquet options, reading through
/// `factory`.
fn parquet_source(
    state: &dyn Session,
    table_schema: TableSchema,
    factory: Arc<LakeParquetReaderFactory>,
) -> Arc<dyn FileSource> {
    Arc::new(
        ParquetSource::new(table_schema)
            .with_table_parquet_options(state.table_options().parquet.clone())
            .with_parquet_file_reader_factory(factory),
    )
}

/// The partitions of `index` that pass `filters`, as locations to list.
fn matching_locations(
    index: &PartitionIndex,
    state: &dyn Session,
    filters: &[Expr],
) -> Result<Vec<ScanLocation>> {
    index
        .prune(state, filters)?
        .into_iter()
        .map(|i| {
            Ok(ScanLocation {
                location: index.location(i).to_string(),
                values: index.values(i)?,
            })
        })
        .collect()
}

/// `field` with the names of its nested struct fields in lower case.
fn lower_case_struct_fields(field: &Field) -> Field {
    let data_type = match field.data_type() {
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| lower_case_struct_fields(f).with_name(f.name().to_lowercase()))
                .collect(),
        ),
        DataType::List(item) => DataType::List(Arc::new(lower_case_struct_fields(item))),
        DataType::Map(entries, sorted) => {
            DataType::Map(Arc::new(lower_case_struct_fields(entries)), *sorted)
        }
        other => other.clone(),
    };
    field.clone().with_data_type(data_type)
}

/// Arrow fields (all nullable) for catalog columns.
fn arrow_fields(columns: &[crate::catalog::Column]) -> Result<Vec<Field>> {
    columns
        .iter()
        .map(|c| Ok(Field::new(&c.name, c.parsed_type()?.to_arrow(), true)))
        .collect()
}

/// The schema DataFusion reads the data files with: the table's columns (all text for
/// lenient text tables, which are cast afterwards, see [`lenient_casts`]), and for text
/// tables the spare fields after them.
fn file_schema(file_fields: &[Field], format: &DataFormat) -> Schema {
    let spare = match format {
        DataFormat::Text(_) => SPARE_TEXT_FIELDS,
        _ => 0,
    };
    let lenient = matches!(format, DataFormat::Text(t) if t.lenient);
    Schema::new(
        file_fields
            .iter()
            .map(|f| match lenient {
                true => f.clone().with_data_type(DataType::Utf8),
                false => f.clone(),
            })
            .chain(
                (0..spare).map(|i| {
                    Field::new(format!("__lakesql_extra_field_{i}"), DataType::Utf8, true)
                }),
            )
            .collect::<Vec<_>>(),
    )
}

/// Matched partitions split by whether one listing of the table folder can serve them.
struct RootedLocations {
    /// The table folder.
    root: LocationUrl,
    /// The table folder's prefix with a trailing `/` (empty at the top of a store).
    root_dir: String,
    /// Partitions in plain (not hidden) folders below the table folder, by folder (a
    /// map with DataFusion's fast hasher: it is probed for every listed file).
    under_root: datafusion::common::HashMap<String, Vec<Vec<ScalarValue>>>,
    /// The other partitions.
    elsewhere: Vec<ScanLocation>,
}

impl RootedLocations {
    /// Splits `locations` by whether they lie in plain folders below `table_location`.
    fn split(table_location: &str, locations: Vec<ScanLocation>) -> Result<Self> {
        let root = LocationUrl::parse(table_location)?;
        let root_dir = match root.prefix.as_ref() {
            "" => String::new(),
            prefix => format!("{prefix}/"),
        };
        let mut under_root: datafusion::common::HashMap<String, Vec<Vec<ScalarValue>>> =
            datafusion::common::HashMap::new();
        let mut elsewhere = Vec::new();
        let root_url = format!("{}{root_dir}", root.store.as_str());
        for loc in locations {
            let (same_store, dir) = match plain_dir(&loc.location, &root_url, &root_dir) {
                Some(dir) => (true, dir),
                None => {
                    let url = LocationUrl::parse(&loc.location)?;
                    (url.store == root.store, url.prefix.as_ref().to_string())
                }
            };
            let below = same_store
                && dir.len() > root_dir.len()
                && dir.starts_with(&root_dir)
                && is_data_file(&dir[root_dir.len()..]);
            if below {
                under_root.entry(dir).or_default().push(loc.values);
            } else {
                elsewhere.push(loc);
            }
        }
        Ok(RootedLocations {
            root,
            root_dir,
            under_root,
            elsewhere,
        })
    }

    /// How many partitions one listing of the table folder would serve.
    fn served(&self) -> u64 {
        self.under_root.values().map(|v| v.len() as u64).sum()
    }

    /// Every partition as a location of its own.
    fn into_locations(self) -> Vec<ScanLocation> {
        let mut locations = self.elsewhere;
        for (dir, values) in self.under_root {
            for values in values {
                locations.push(ScanLocation {
                    location: format!("{}{dir}/", self.root.store.as_str()),
                    values,
                });
            }
        }
        locations
    }

    /// The partition values of the file at `path`: those of its deepest ancestor folder
    /// that is a matched partition, none when no such folder exists.
    fn owners(&self, path: &str) -> &[Vec<ScalarValue>] {
        let mut end = path.len();
        while let Some(slash) = path[..end].rfind('/') {
            if slash < self.root_dir.len() {
                break;
            }
            if let Some(owners) = self.under_root.get(&path[..slash]) {
                return owners;
            }
            end = slash;
        }
        &[]
    }
}

/// The folder (object path) of a partition `location` spelt as the table's location
/// `root_url` followed by plain segments (letters, digits, `_ = - .`), as MSCK and writes
/// register them: what `LocationUrl::parse` would give, without parsing 20,000 URLs.
/// `None` for any other spelling, which is parsed.
fn plain_dir(location: &str, root_url: &str, root_dir: &str) -> Option<String> {
    let rest = location.strip_prefix(root_url)?.trim_end_matches('/');
    let plain = !rest.is_empty()
        && rest.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_=-.".contains(&b))
        });
    plain.then(|| format!("{root_dir}{rest}"))
}

/// The files of one file scan: DataFusion's scans read one store and one compression.
struct ScanGroup {
    store: ObjectStoreUrl,
    compression: FileCompressionType,
    files: Vec<PartitionedFile>,
}

/// Deals `files` round-robin into `target` groups, or one per file when there are fewer.
fn spread(files: Vec<PartitionedFile>, target: usize) -> Vec<FileGroup> {
    let n = target.min(files.len());
    let each = files.len().div_ceil(n.max(1));
    let mut groups: Vec<Vec<PartitionedFile>> = (0..n).map(|_| Vec::with_capacity(each)).collect();
    for (i, f) in files.into_iter().enumerate() {
        groups[i % n].push(f);
    }
    groups.into_iter().map(FileGroup::new).collect()
}

/// Turns the text columns of a lenient (LazySimpleSerDe) scan into the declared types:
/// the null marker is NULL, and so is a value that does not parse (as in Hive).
fn lenient_casts(
    state: &dyn Session,
    plan: Arc<dyn ExecutionPlan>,
    target: &SchemaRef,
    null_marker: Option<&str>,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let input = plan.schema();
    let input_df = DFSchema::try_from(input.as_ref().clone())?;
    let exprs = target
        .fields()
        .iter()
        .zip(input.fields())
        .map(|(field, source)| {
            let column = col(Column::new_unqualified(source.name()));
            let expr = if source.data_type() != &DataType::Utf8 {
                column
            } else {
                let text = match null_marker {
                    Some(marker) => nullif(column, lit(marker)),
                    None => column,
                };
                if field.data_type() == &DataType::Utf8 {
                    text
                } else {
                    Expr::TryCast(TryCast::new(Box::new(text), field.data_type().clone()))
                }
            };
            Ok(ProjectionExpr::new(
                state.create_physical_expr(expr, &input_df)?,
                field.name().clone(),
            ))
        })
        .collect::<DfResult<Vec<_>>>()?;
    Ok(Arc::new(ProjectionExec::try_new(exprs, plan)?))
}

#[async_trait]
impl TableProvider for LakeTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if is_partition_filter(f, &self.key_names) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let ScanFiles {
            mut files,
            statistics,
            mut report,
        } = self.scan_files(state, filters).await?;
        let file_projection = self.file_projection(projection);
        if let Some(statistics) = &statistics {
            let file_fields: Vec<DataType> = self
                .file_schema
                .fields()
                .iter()
                .map(|f| f.data_type().clone())
                .collect();
            let schema = StatisticsSchema::new(&self.table, &self.schema);
            let width = file_fields.len() + self.partition_fields.len();
            let needed = match &file_projection {
                Some(columns) => {
                    let mut needed = vec![false; width];
                    columns.iter().for_each(|&c| needed[c] = true);
                    needed
                }
                None => vec![true; width],
            };
            statistics.attach(&schema, &file_fields, &needed, &mut files);
        }
        if self.format == DataFormat::Parquet
            && self
                .partition_columns_only(file_projection.as_deref())
                .is_some()
        {
            // Row counts come from the footers: no data page is read.
            report.bytes = 0;
        }
        let mut plans = Vec::new();
        for group in self.group_files(files)? {
            if let Some(first) = group.files.first() {
                report
                    .file_scan_first_files
                    .push(object_url(&group.store, &first.object_meta.location));
            }
            plans.push(
                self.file_scan(state, group, file_projection.clone(), limit)
                    .await?,
            );
        }
        self.stats.record(report);
        let projected = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => self.schema.clone(),
        };
        if plans.is_empty() {
            return Ok(Arc::new(EmptyExec::new(projected)));
        }
        let plan = UnionExec::try_new(plans)?;
        match &self.format {
            DataFormat::Text(text) if text.lenient => {
                lenient_casts(state, plan, &projected, text.null_format.as_deref())
            }
            _ => Ok(plan),
        }
    }
}
