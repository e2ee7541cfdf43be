//! [`LakeTable`]: a catalog table as a DataFusion [`TableProvider`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::{Column, DFSchema};
use datafusion::datasource::TableProvider;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
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
use super::partition_index::{PartitionCache, PartitionIndex, is_partition_filter};
use super::scan_stats::{ScanReport, ScanStats};
use crate::catalog::storage_format::DataFormat;
use crate::catalog::{CatalogStore, Table};
use crate::error::{LakeError, Result};
use crate::projection::{self, ProjectionConfig};
use crate::storage::LocationUrl;
use crate::storage::files::{is_data_file, list_data_files, text_compression};

/// How many locations are listed at once.
const LIST_CONCURRENCY: usize = 16;

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
    /// Builds the provider; fails when the table's format or types cannot be read.
    pub fn try_new(
        table: Table,
        catalog: Arc<dyn CatalogStore>,
        stats: Arc<ScanStats>,
        partitions: Arc<PartitionCache>,
    ) -> Result<Self> {
        let format = DataFormat::of_table(&table)?;
        let to_field = |c: &crate::catalog::Column| -> Result<Field> {
            Ok(Field::new(&c.name, c.parsed_type()?.to_arrow(), true))
        };
        let file_fields = table
            .storage_descriptor
            .columns
            .iter()
            .map(to_field)
            .collect::<Result<Vec<_>>>()?;
        let partition_fields = table
            .partition_keys
            .iter()
            .map(|c| to_field(c).map(Arc::new))
            .collect::<Result<Vec<_>>>()?;
        let key_names = table
            .partition_keys
            .iter()
            .map(|k| k.name.clone())
            .collect();
        // Lenient text tables read every field as text and cast afterwards (see `scan`).
        let spare = match &format {
            DataFormat::Text(_) => SPARE_TEXT_FIELDS,
            _ => 0,
        };
        let file_schema = Arc::new(Schema::new(
            file_fields
                .iter()
                .map(|f| match &format {
                    DataFormat::Text(t) if t.lenient => f.clone().with_data_type(DataType::Utf8),
                    _ => f.clone(),
                })
                .chain((0..spare).map(|i| {
                    Field::new(format!("__lakesql_extra_field_{i}"), DataType::Utf8, true)
                }))
                .collect::<Vec<_>>(),
        ));
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
        })
    }

    /// The locations a scan reads: the table location, or the registered partitions
    /// that pass the partition filters. Returns them with the number of partitions.
    async fn scan_locations(
        &self,
        state: &dyn Session,
        partition_filters: &[Expr],
    ) -> Result<(u64, Vec<ScanLocation>)> {
        if !self.table.is_partitioned() {
            return Ok((
                0,
                vec![ScanLocation {
                    location: self.table.storage_descriptor.location.clone(),
                    values: vec![],
                }],
            ));
        }
        if let Some(config) = ProjectionConfig::of_table(&self.table, projection::clock::now()?)? {
            // Projected: partitions come from the properties and the filters, never from
            // the catalog.
            let (rows, domain, remaining) =
                projection::project_partitions(&self.table, &config, partition_filters)?;
            let index = PartitionIndex::build(&self.table, None, rows)?;
            return Ok((domain, matching_locations(&index, state, &remaining)?));
        }
        let index = self
            .partitions
            .index(self.catalog.clone(), &self.table)
            .await?;
        let locations = matching_locations(&index, state, partition_filters)?;
        Ok((index.len() as u64, locations))
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
            let listings = locations.len() as u64;
            return Ok((self.list_files(state, locations).await?, listings));
        }
        let root = LocationUrl::parse(&self.table.storage_descriptor.location)?;
        let root_dir = match root.prefix.as_ref() {
            "" => String::new(),
            prefix => format!("{prefix}/"),
        };
        // Partitions in plain (not hidden) folders below the table folder can be served by
        // one listing of it; the others are listed one by one.
        let mut under_root: HashMap<String, Vec<Vec<ScalarValue>>> = HashMap::new();
        let mut elsewhere = Vec::new();
        for loc in locations {
            let url = LocationUrl::parse(&loc.location)?;
            let dir = url.prefix.as_ref().to_string();
            let below = url.store == root.store
                && dir.len() > root_dir.len()
                && dir.starts_with(&root_dir)
                && is_data_file(&dir[root_dir.len()..]);
            if below {
                under_root.entry(dir).or_default().push(loc.values);
            } else {
                elsewhere.push(loc);
            }
        }
        let served: u64 = under_root.values().map(|v| v.len() as u64).sum();
        if served < 2 || served * 2 <= partitions_total {
            let mut locations = elsewhere;
            for (dir, values) in under_root {
                for values in values {
                    locations.push(ScanLocation {
                        location: format!("{}{dir}/", root.store.as_str()),
                        values,
                    });
                }
            }
            let listings = locations.len() as u64;
            return Ok((self.list_files(state, locations).await?, listings));
        }
        let listings = 1 + elsewhere.len() as u64;
        let store = state.runtime_env().object_store(&root.store)?;
        let mut files = Vec::new();
        for meta in list_data_files(&store, &root).await? {
            // The deepest ancestor folder that is a matched partition owns the file.
            let path = meta.location.as_ref().to_string();
            let mut end = path.len();
            while let Some(slash) = path[..end].rfind('/') {
                if slash < root_dir.len() {
                    break;
                }
                if let Some(owners) = under_root.get(&path[..slash]) {
                    for values in owners {
                        files.push((
                            root.store.clone(),
                            PartitionedFile::new_from_meta(meta.clone())
                                .with_partition_values(values.clone()),
                        ));
                    }
                    break;
                }
                end = slash;
            }
        }
        files.extend(self.list_files(state, elsewhere).await?);
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
        let partition_filters: Vec<Expr> = filters
            .iter()
            .filter(|f| is_partition_filter(f, &self.key_names))
            .cloned()
            .collect();
        let (partitions_total, locations) = self.scan_locations(state, &partition_filters).await?;
        let partitioned = self.table.is_partitioned();
        let partitions_matched = if partitioned {
            locations.len() as u64
        } else {
            0
        };
        let (files, locations_listed) = self
            .list_partition_files(state, locations, partitions_total)
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
        };
        if partitioned && files.is_empty() && !report.projected {
            self.explain_empty(state, &report).await;
        }
        self.stats.record(report);

        // One file scan per (store, compression): DataFusion's scans take one of each.
        let mut groups: BTreeMap<
            (String, String),
            (ObjectStoreUrl, FileCompressionType, Vec<PartitionedFile>),
        > = BTreeMap::new();
        for (store, file) in files {
            let compression = match self.format {
                DataFormat::Text(_) | DataFormat::Json => {
                    text_compression(file.object_meta.location.as_ref())?
                }
                _ => FileCompressionType::UNCOMPRESSED,
            };
            let key = (
                store.as_str().to_string(),
                format!("{:?}", compression.get_variant()),
            );
            groups
                .entry(key)
                .or_insert_with(|| (store, compression, Vec::new()))
                .2
                .push(file);
        }

        // Table column i is file column i; partition columns come after the file schema,
        // which for text tables also holds the spare fields.
        let columns = self.schema.fields().len() - self.partition_fields.len();
        let spare = self.file_schema.fields().len() - columns;
        let file_projection = if spare == 0 {
            projection.cloned()
        } else {
            let all: Vec<usize> = (0..self.schema.fields().len()).collect();
            Some(
                projection
                    .unwrap_or(&all)
                    .iter()
                    .map(|&i| if i < columns { i } else { i + spare })
                    .collect(),
            )
        };
        let target = state.config().target_partitions().max(1);
        let mut plans = Vec::new();
        for (_, (store, compression, files)) in groups {
            let format = file_format(&self.format, compression, state);
            let source = format.file_source(
                TableSchema::builder(self.file_schema.clone())
                    .with_table_partition_cols(self.partition_fields.clone())
                    .build(),
            );
            let n = target.min(files.len());
            let mut file_groups: Vec<Vec<PartitionedFile>> = vec![Vec::new(); n];
            for (i, f) in files.into_iter().enumerate() {
                file_groups[i % n].push(f);
            }
            let mut builder = FileScanConfigBuilder::new(store, source);
            if self.format == DataFormat::Parquet {
                builder = builder.with_expr_adapter(Some(Arc::new(LowerCaseNames)));
            }
            let config = builder
                .with_file_groups(file_groups.into_iter().map(FileGroup::new).collect())
                .with_projection_indices(file_projection.clone())?
                .with_limit(limit)
                .build();
            plans.push(format.create_physical_plan(state, config).await?);
        }
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
