//! CREATE VIEW, DROP VIEW, SHOW VIEWS, SHOW CREATE VIEW, and the rule that statements
//! about data or partitions refuse views.
//!
//! A view is a catalog row as Athena writes it ([`crate::catalog::view`]); its query is
//! planned when a statement reads it ([`crate::provider::view`]). CREATE VIEW plans the
//! query first — that validates it, refuses a definition that would reach itself, and
//! gives the column types — and only then writes the catalog, in one call.

use std::collections::HashSet;

use datafusion::catalog::information_schema::INFORMATION_SCHEMA;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::Statement as DfStatement;
use sqlparser::ast::Statement;

use super::show::{show_pattern, string_table};
use super::{Outcome, Session};
use crate::catalog::view::view_column;
use crate::catalog::{Column, Table, ViewDefinition};
use crate::error::{ErrorCode, LakeError, Result};
use crate::provider::view::{parse_query, plan_definition};
use crate::sql::ast::{CreateView, TableName, ViewStatement};

impl Session {
    /// Runs CREATE VIEW or DROP VIEW.
    pub(super) async fn view_statement(&mut self, statement: ViewStatement) -> Result<Outcome> {
        match statement {
            ViewStatement::Create(create) => self.create_view(*create).await,
            ViewStatement::Drop { name, if_exists } => self.drop_view(&name, if_exists).await,
        }
    }

    async fn create_view(&mut self, create: CreateView) -> Result<Outcome> {
        let db = self.database_or_current(create.name.database.as_ref());
        if self.catalog.get_database(&db).await?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        let name = create.name.name;
        let qualified = format!("{db}.{name}");
        let existing = self.catalog.get_table(&db, &name).await?;
        match &existing {
            Some(t) if !t.is_view() => {
                return Err(LakeError::semantic(
                    ErrorCode::AlreadyExists,
                    format!("Table already exists: '{qualified}', and it is not a view"),
                ));
            }
            Some(_) if !create.or_replace => {
                return Err(LakeError::semantic(
                    ErrorCode::AlreadyExists,
                    format!("View already exists: '{qualified}'"),
                ));
            }
            _ => {}
        }
        let state = self.ctx.state();
        let plan = self
            .plan_view(&state, &qualified, Statement::Query(create.query))
            .await?;
        let definition = ViewDefinition {
            sql: create.original_sql,
            schema: self.database.clone(),
            columns: view_columns(&plan, &create.columns, &qualified)?,
        };
        let view = Table::new_view(&db, &name, &definition)?;
        if existing.is_none() {
            self.catalog.create_table(&view, false).await?;
            return Ok(Outcome::done(format!("View {qualified} created")));
        }
        self.catalog
            .modify_table(
                &db,
                &name,
                Box::new(move |current: &mut Table| {
                    refuse_table(current, "CREATE OR REPLACE VIEW")?;
                    let create_time = current.create_time;
                    *current = view.clone();
                    current.create_time = create_time;
                    Ok(())
                }),
            )
            .await?;
        Ok(Outcome::done(format!("View {qualified} replaced")))
    }

    /// Plans the query of view `view` with `state`, after the catalog snapshot the
    /// planner reads is taken.
    async fn plan_view(
        &self,
        state: &SessionState,
        view: &str,
        statement: Statement,
    ) -> Result<LogicalPlan> {
        let references =
            state.resolve_table_references(&DfStatement::Statement(Box::new(statement.clone())))?;
        let lists_tables = references
            .iter()
            .any(|r| r.schema() == Some(INFORMATION_SCHEMA));
        self.lake_catalog.refresh(lists_tables, false).await?;
        plan_definition(state, view, statement, &self.catalog).await
    }

    async fn drop_view(&mut self, name: &TableName, if_exists: bool) -> Result<Outcome> {
        let db = self.database_or_current(name.database.as_ref());
        let qualified = format!("{db}.{}", name.name);
        match self.catalog.get_table(&db, &name.name).await? {
            None if if_exists => {
                return Ok(Outcome::done(format!("View {qualified} does not exist")));
            }
            None => return Err(view_not_found(&qualified)),
            Some(t) => refuse_table(&t, "DROP VIEW")?,
        }
        self.catalog.drop_table(&db, &name.name, if_exists).await?;
        Ok(Outcome::done(format!("View {qualified} dropped")))
    }

    /// `SHOW VIEWS [IN db] [LIKE 'pattern']`: the views of a database.
    pub(super) async fn show_views(
        &mut self,
        database: Option<String>,
        pattern: Option<String>,
    ) -> Result<Outcome> {
        let db = self.database_or_current(database.as_ref());
        if self.catalog.get_database(&db).await?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        let re = pattern.as_deref().map(show_pattern).transpose()?;
        let mut rows = Vec::new();
        for name in self.catalog.list_tables(&db).await? {
            if re.as_ref().is_some_and(|re| !re.is_match(&name)) {
                continue;
            }
            if let Some(t) = self.catalog.get_table(&db, &name).await?
                && t.is_view()
            {
                rows.push(vec![name]);
            }
        }
        string_table(&["tab_name"], rows)
    }

    /// `SHOW CREATE VIEW v`: the statement that recreates the view. The column list is
    /// shown when the view names its columns otherwise than its query does (or when the
    /// query cannot be planned now, so the names cannot be compared).
    pub(super) async fn show_create_view(&mut self, name: &TableName) -> Result<Outcome> {
        let db = self.database_or_current(name.database.as_ref());
        let qualified = format!("{db}.{}", name.name);
        let view = self.load_view(name, &qualified).await?;
        let definition = view.view_definition()?;
        let stored: Vec<&str> = definition.columns.iter().map(|c| c.name.as_str()).collect();
        let query_names = self.query_column_names(&qualified, &definition).await;
        let column_list = if stored.is_empty() || query_names.is_ok_and(|n| n == stored) {
            String::new()
        } else {
            let names: Vec<String> = stored.iter().map(|n| identifier(n)).collect();
            format!(" ({})", names.join(", "))
        };
        let ddl = format!("CREATE VIEW {qualified}{column_list} AS {}", definition.sql);
        string_table(&["Create View"], vec![vec![ddl]])
    }

    async fn load_view(&self, name: &TableName, qualified: &str) -> Result<Table> {
        let db = self.database_or_current(name.database.as_ref());
        if self.catalog.get_database(&db).await?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        let table = self
            .catalog
            .get_table(&db, &name.name)
            .await?
            .ok_or_else(|| view_not_found(qualified))?;
        refuse_table(&table, "SHOW CREATE VIEW")?;
        Ok(table)
    }

    /// The names a view's query gives its columns now.
    async fn query_column_names(
        &self,
        view: &str,
        definition: &ViewDefinition,
    ) -> Result<Vec<String>> {
        let statement = parse_query(&definition.sql)?;
        let mut state = self.ctx.state();
        state.config_mut().options_mut().catalog.default_schema = definition.schema.clone();
        let plan = self.plan_view(&state, view, statement).await?;
        Ok(plan
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().to_lowercase())
            .collect())
    }

    /// Loads a table for `statement`, which works on tables, not views.
    pub(super) async fn load_data_table(&self, name: &TableName, statement: &str) -> Result<Table> {
        let table = self.load_table(name).await?;
        refuse_view(&table, statement)?;
        Ok(table)
    }
}

/// Refuses a view in a statement about tables.
pub(super) fn refuse_view(table: &Table, statement: &str) -> Result<()> {
    if table.is_view() {
        let hint = match statement {
            "DROP TABLE" => "; use DROP VIEW".to_string(),
            "SHOW CREATE TABLE" => "; use SHOW CREATE VIEW".to_string(),
            _ => format!("; {statement} works on tables"),
        };
        return Err(LakeError::invalid(format!(
            "{} is a view, not a table{hint}",
            table.qualified_name()
        )));
    }
    Ok(())
}

/// Refuses a table in a statement about views.
fn refuse_table(table: &Table, statement: &str) -> Result<()> {
    if !table.is_view() {
        let hint = match statement {
            "DROP VIEW" => "; use DROP TABLE".to_string(),
            "SHOW CREATE VIEW" => "; use SHOW CREATE TABLE".to_string(),
            _ => format!("; {statement} works on views"),
        };
        return Err(LakeError::invalid(format!(
            "{} is a table, not a view{hint}",
            table.qualified_name()
        )));
    }
    Ok(())
}

fn view_not_found(qualified: &str) -> LakeError {
    LakeError::semantic(
        ErrorCode::TableNotFound,
        format!("View '{qualified}' does not exist"),
    )
}

/// The view's columns: the query's output named by the column list (when given) or by
/// the query, with Hive types.
fn view_columns(plan: &LogicalPlan, names: &[String], view: &str) -> Result<Vec<Column>> {
    let fields = plan.schema().fields();
    if !names.is_empty() && names.len() != fields.len() {
        return Err(LakeError::semantic(
            ErrorCode::SemanticError,
            format!(
                "view {view} lists {} column names but its query gives {} columns",
                names.len(),
                fields.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let name = names
                .get(i)
                .cloned()
                .unwrap_or_else(|| field.name().to_lowercase());
            if !seen.insert(name.clone()) {
                return Err(LakeError::semantic(
                    ErrorCode::SemanticError,
                    format!("view {view} has more than one column named '{name}'"),
                ));
            }
            view_column(&name, field.data_type())
        })
        .collect()
}

/// A column name as SQL writes it: bare when it is a plain identifier, quoted otherwise.
fn identifier(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}
