//! CTAS, INSERT INTO and UNLOAD: planned here, written by `crate::write`.

use super::{Outcome, Session};
use crate::error::{LakeError, Result};
use crate::sql::ast::WriteStatement;

impl Session {
    pub(super) async fn write_statement(&mut self, _statement: WriteStatement) -> Result<Outcome> {
        Err(LakeError::unsupported("writes are being built"))
    }
}
