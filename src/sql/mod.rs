//! Statement text → statements.
//!
//! [`script`] splits a script into statements with their source positions, [`parser`]
//! turns each into a [`LakeStatement`]: Athena/Hive catalog statements are parsed here
//! (sqlparser cannot parse all of them), everything else is handed to DataFusion as a
//! sqlparser AST, rewritten from Athena's (Trino's) syntax into DataFusion's by [`trino`].

pub mod ast;
pub mod kind;
pub mod parser;
pub mod script;
pub mod trino;

pub use ast::LakeStatement;
pub use kind::{AthenaStatementType, StatementKind};
pub use parser::parse_statement;
pub use script::{ScriptStatement, split_script};
