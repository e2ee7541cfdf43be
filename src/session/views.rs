//! CREATE VIEW, DROP VIEW, SHOW VIEWS, SHOW CREATE VIEW.

use super::{Outcome, Session};
use crate::error::{LakeError, Result};
use crate::sql::ast::{TableName, ViewStatement};

impl Session {
    pub(super) async fn view_statement(&mut self, _statement: ViewStatement) -> Result<Outcome> {
        Err(LakeError::unsupported("views are being built"))
    }

    pub(super) async fn show_views(
        &mut self,
        _database: Option<String>,
        _pattern: Option<String>,
    ) -> Result<Outcome> {
        Err(LakeError::unsupported("views are being built"))
    }

    pub(super) async fn show_create_view(&mut self, _name: &TableName) -> Result<Outcome> {
        Err(LakeError::unsupported("views are being built"))
    }
}
