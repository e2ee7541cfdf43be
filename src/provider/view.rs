//! Views at query time: a view's stored query is planned when a statement names the view,
//! against the catalog as it is then.
//!
//! The query is parsed by lakesql's own parser (so the Trino rewrites apply) and planned
//! by the session's own engine path (`SessionState::statement_to_plan`), with unqualified
//! names resolving in the database the view was created in. The plan is handed to
//! DataFusion as a [`ViewTable`], which the plan builder inlines: filters on the view
//! reach the tables it reads, so partition pruning works through views.
//!
//! A task-local stack holds the views being planned by the current statement; naming a
//! view already on it is a cycle (`VIEW_IS_RECURSIVE`). CREATE VIEW plans its query with
//! the new view already on the stack, so a definition that would reach itself is refused.

use std::fmt;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::catalog::view::ViewTable;
use datafusion::common::{Column as DfColumn, TableReference};
use datafusion::datasource::TableProvider;
use datafusion::error::Result as DfResult;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::sql::parser::Statement as DfStatement;
use sqlparser::ast::Statement;

use super::pseudo_columns;
use crate::CATALOG_NAME;
use crate::catalog::view::same_column_type;
use crate::catalog::{CatalogStore, Column, HiveType, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::sql::LakeStatement;

tokio::task_local! {
    /// The views the current statement is planning.
    static EXPANDING: Expansion;
}

/// What the current statement is expanding.
#[derive(Clone, Debug, Default)]
struct Expansion {
    /// Qualified names (`db.v`) of the views being planned, outermost first.
    views: Vec<String>,
    /// Whether the query being planned names a pseudo-column.
    pseudo_columns: bool,
}

/// Gives a clone of the session's current state.
type StateSource = Box<dyn Fn() -> Option<SessionState> + Send + Sync>;

/// Plans views for the catalog's schemas, with the state of the session that owns them.
#[derive(Default)]
pub struct ViewPlanner {
    state: OnceLock<StateSource>,
}

impl fmt::Debug for ViewPlanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewPlanner")
            .field("attached", &self.state.get().is_some())
            .finish()
    }
}

impl ViewPlanner {
    /// Gives the planner the session's state (once, when the session is built).
    pub fn attach(&self, state: impl Fn() -> Option<SessionState> + Send + Sync + 'static) {
        let _ = self.state.set(Box::new(state));
    }

    fn state(&self) -> Result<SessionState> {
        self.state
            .get()
            .and_then(|state| state())
            .ok_or_else(|| LakeError::internal("views are read only through a session"))
    }

    /// The table provider of view `table`: its query planned now, its columns named and
    /// checked as stored.
    pub async fn expand(
        &self,
        table: &Table,
        catalog: &Arc<dyn CatalogStore>,
    ) -> Result<Arc<dyn TableProvider>> {
        let view = table.qualified_name();
        let failed = |e: LakeError| failed_analyzing(&view, e);
        let definition = table.view_definition()?;
        let statement = parse_query(&definition.sql).map_err(failed)?;
        let mut state = self.state()?;
        state.config_mut().options_mut().catalog.default_schema = definition.schema.clone();
        let plan = plan_definition(&state, &view, statement, catalog)
            .await
            .map_err(failed)?;
        let plan = with_stored_columns(plan, &view, &definition.columns)?;
        Ok(Arc::new(ViewTable::new(plan, Some(definition.sql))))
    }
}

/// Plans `statement` as the query of view `view` (`db.v`), with `view` on the stack of
/// views being expanded. A referenced table that does not exist is `TABLE_NOT_FOUND`.
pub async fn plan_definition(
    state: &SessionState,
    view: &str,
    statement: Statement,
    catalog: &Arc<dyn CatalogStore>,
) -> Result<LogicalPlan> {
    let mut expansion = EXPANDING.try_with(Clone::clone).unwrap_or_default();
    expansion.views.push(view.to_string());
    expansion.pseudo_columns = pseudo_columns::mentioned(&statement);
    let statement = DfStatement::Statement(Box::new(statement));
    let references = state.resolve_table_references(&statement)?;
    let planned = EXPANDING
        .scope(expansion, state.statement_to_plan(statement))
        .await;
    match planned {
        Ok(plan) => Ok(plan),
        Err(e) => {
            let e = LakeError::from(e);
            if e.code() != ErrorCode::SemanticError {
                return Err(e);
            }
            match missing_table(state, &references, catalog).await {
                Some((db, table)) => Err(LakeError::table_not_found(&db, &table)),
                None => Err(e),
            }
        }
    }
}

/// Fails when `db.name` is a view the current statement is already expanding.
pub fn check_not_expanding(db: &str, name: &str) -> Result<()> {
    let name = format!("{db}.{name}");
    let cycle = EXPANDING
        .try_with(|e| {
            e.views
                .iter()
                .position(|v| *v == name)
                .map(|start| e.views[start..].join(" -> "))
        })
        .ok()
        .flatten();
    match cycle {
        Some(cycle) => Err(LakeError::semantic(
            ErrorCode::ViewIsRecursive,
            format!("View '{name}' is recursive: {cycle} -> {name}"),
        )),
        None => Ok(()),
    }
}

/// Inside a view's expansion: whether its query names a pseudo-column (the tables it
/// reads show them only then).
pub fn pseudo_columns_in_view() -> Option<bool> {
    EXPANDING.try_with(|e| e.pseudo_columns).ok()
}

/// The statement of a view's SQL, which must be one query (parsed as queries are).
pub fn parse_query(sql: &str) -> Result<Statement> {
    let mut statements = crate::sql::split_script(sql)?;
    let not_a_query = || LakeError::invalid("its SQL is not one query");
    if statements.len() != 1 {
        return Err(not_a_query());
    }
    match crate::sql::parse_statement(statements.remove(0).tokens)? {
        LakeStatement::Query(statement) if matches!(*statement, Statement::Query(_)) => {
            Ok(*statement)
        }
        _ => Err(not_a_query()),
    }
}

/// Athena's wording for an error inside a view's query, keeping the error's code.
fn failed_analyzing(view: &str, e: LakeError) -> LakeError {
    if e.code() == ErrorCode::ViewIsRecursive {
        return e;
    }
    LakeError::semantic(
        e.code(),
        format!("Failed analyzing stored view '{view}': {}", message_of(&e)),
    )
}

/// An error's message without its code.
fn message_of(e: &LakeError) -> String {
    let text = e.to_string();
    match text
        .strip_prefix(e.code().as_str())
        .and_then(|m| m.strip_prefix(": "))
    {
        Some(message) => message.to_string(),
        None => text,
    }
}

/// The first lake table among `references` that does not exist.
pub async fn missing_table(
    state: &SessionState,
    references: &[TableReference],
    catalog: &Arc<dyn CatalogStore>,
) -> Option<(String, String)> {
    let options = &state.config_options().catalog;
    for reference in references {
        let resolved = reference
            .clone()
            .resolve(&options.default_catalog, &options.default_schema);
        if *resolved.catalog != *CATALOG_NAME {
            continue;
        }
        let (db, table) = (
            resolved.schema.to_lowercase(),
            resolved.table.to_lowercase(),
        );
        if let Ok(None) = catalog.get_table(&db, &table).await {
            return Some((db, table));
        }
    }
    None
}

/// The view's plan with its stored column names; `VIEW_IS_STALE` when the query no
/// longer gives the stored columns' number and types.
fn with_stored_columns(plan: LogicalPlan, view: &str, columns: &[Column]) -> Result<LogicalPlan> {
    // Views other engines wrote may not record their columns.
    if columns.is_empty() {
        return Ok(plan);
    }
    let schema = plan.schema().clone();
    let stale = |why: String| {
        LakeError::semantic(
            ErrorCode::ViewIsStale,
            format!(
                "View '{view}' is stale or in invalid state: {why}; recreate it with CREATE \
                 OR REPLACE VIEW"
            ),
        )
    };
    if schema.fields().len() != columns.len() {
        return Err(stale(format!(
            "it was created with {} columns but its query now gives {}",
            columns.len(),
            schema.fields().len()
        )));
    }
    for (i, (stored, field)) in columns.iter().zip(schema.fields()).enumerate() {
        if !same_column_type(stored, field.data_type()) {
            let now = HiveType::from_arrow(field.data_type())
                .map(|t| t.to_string())
                .unwrap_or_else(|| field.data_type().to_string());
            return Err(stale(format!(
                "column [{}] of type {now} projected from query view at position {i} cannot \
                 be coerced to column [{}] of type {} stored in view definition",
                field.name(),
                stored.name,
                stored.hive_type
            )));
        }
    }
    if columns
        .iter()
        .zip(schema.fields())
        .all(|(c, f)| c.name == *f.name())
    {
        return Ok(plan);
    }
    let named: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| Expr::Column(DfColumn::from(schema.qualified_field(i))).alias(&c.name))
        .collect();
    Ok(LogicalPlanBuilder::from(plan).project(named)?.build()?)
}

/// Stands in for a view that cannot be planned while a statement lists every table
/// (information_schema): it has the stored columns, and reading it fails with the error.
#[derive(Debug)]
pub struct UnreadableView {
    schema: SchemaRef,
    error: (ErrorCode, String),
}

impl UnreadableView {
    /// The stand-in for `table`, which failed with `error`.
    pub fn new(table: &Table, error: &LakeError) -> Self {
        let fields: Vec<Field> = table
            .storage_descriptor
            .columns
            .iter()
            .map(|c| {
                let data_type = c.parsed_type().map_or(DataType::Utf8, |t| t.to_arrow());
                Field::new(&c.name, data_type, true)
            })
            .collect();
        UnreadableView {
            schema: Arc::new(Schema::new(fields)),
            error: (error.code(), message_of(error)),
        }
    }
}

#[async_trait]
impl TableProvider for UnreadableView {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        _projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let (code, message) = &self.error;
        Err(LakeError::semantic(*code, message.clone()).into())
    }
}
