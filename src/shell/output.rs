//! Output formats for result sets.

use std::io::Write;

use clap::ValueEnum;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StringArray};
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::json::{ArrayWriter, LineDelimitedWriter};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches_with_options;

use crate::error::{LakeError, Result};
use crate::session::StatementOutput;
use crate::sql::StatementKind;

/// How result sets are printed on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Boxed table.
    #[default]
    Table,
    /// Comma-separated values with a header.
    Csv,
    /// Tab-separated values with a header.
    Tsv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A Markdown table.
    Markdown,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        <OutputFormat as ValueEnum>::from_str(s.trim(), true).map_err(|_| {
            format!("unknown format '{s}'; expected table, csv, tsv, json, ndjson or markdown")
        })
    }
}

/// How values are rendered: NULL as `NULL`, timestamps as Athena shows them.
pub fn format_options() -> FormatOptions<'static> {
    FormatOptions::default()
        .with_null("NULL")
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"))
}

fn arrow_err(e: datafusion::arrow::error::ArrowError) -> LakeError {
    LakeError::Engine(e.into())
}

fn io_err(e: std::io::Error) -> LakeError {
    LakeError::io("cannot write output", e)
}

/// Writes a statement's rows to `out` in `format`.
pub fn print_output(
    out: &mut dyn Write,
    output: &StatementOutput,
    format: OutputFormat,
) -> Result<()> {
    if !output.returns_rows {
        return Ok(());
    }
    // SHOW CREATE TABLE prints its DDL as is, ready to copy, in the table format.
    if format == OutputFormat::Table && output.kind == StatementKind::ShowCreateTable {
        return print_ddl(out, output);
    }
    match format {
        OutputFormat::Table => print_table(out, output),
        OutputFormat::Csv => print_delimited(out, output, b','),
        OutputFormat::Tsv => print_delimited(out, output, b'\t'),
        OutputFormat::Json => print_json(out, output),
        OutputFormat::Ndjson => print_ndjson(out, output),
        OutputFormat::Markdown => print_markdown(out, output),
    }
}

/// The first column of every row, each followed by `;`.
fn print_ddl(out: &mut dyn Write, output: &StatementOutput) -> Result<()> {
    for b in &output.batches {
        let col = b.column(0);
        let fmt =
            ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default()).map_err(arrow_err)?;
        for i in 0..b.num_rows() {
            writeln!(out, "{};", fmt.value(i)).map_err(io_err)?;
        }
    }
    Ok(())
}

/// A boxed table; the header alone when there are no rows.
fn print_table(out: &mut dyn Write, output: &StatementOutput) -> Result<()> {
    let batches = &output.batches;
    let options = format_options();
    let text = if batches.iter().all(|b| b.num_rows() == 0) {
        let empty = RecordBatch::new_empty(output.schema.clone());
        pretty_format_batches_with_options(&[empty], &options).map_err(arrow_err)?
    } else {
        pretty_format_batches_with_options(batches, &options).map_err(arrow_err)?
    };
    writeln!(out, "{text}").map_err(io_err)
}

/// Delimited text (CSV, TSV) with a header.
fn print_delimited(out: &mut dyn Write, output: &StatementOutput, delimiter: u8) -> Result<()> {
    let mut writer = WriterBuilder::new()
        .with_header(true)
        .with_delimiter(delimiter)
        .build(&mut *out);
    if output.batches.is_empty() {
        writer
            .write(&as_text(&RecordBatch::new_empty(output.schema.clone()))?)
            .map_err(arrow_err)?;
    }
    for b in &output.batches {
        writer.write(&as_text(b)?).map_err(arrow_err)?;
    }
    Ok(())
}

/// One JSON array of row objects.
fn print_json(out: &mut dyn Write, output: &StatementOutput) -> Result<()> {
    let batches = &output.batches;
    let mut writer = ArrayWriter::new(&mut *out);
    for b in batches {
        writer.write(b).map_err(arrow_err)?;
    }
    writer.finish().map_err(arrow_err)?;
    if batches.iter().all(|b| b.num_rows() == 0) {
        write!(out, "[]").map_err(io_err)?;
    }
    writeln!(out).map_err(io_err)
}

/// One JSON object per line.
fn print_ndjson(out: &mut dyn Write, output: &StatementOutput) -> Result<()> {
    let mut writer = LineDelimitedWriter::new(&mut *out);
    for b in &output.batches {
        writer.write(b).map_err(arrow_err)?;
    }
    writer.finish().map_err(arrow_err)
}

/// The batch with every column rendered as text (NULL as an empty field), so delimited
/// output shows nested values and timestamps exactly as the table format does.
fn as_text(batch: &RecordBatch) -> Result<RecordBatch> {
    let options = format_options().with_null("");
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let formatter = ArrayFormatter::try_new(column.as_ref(), &options).map_err(arrow_err)?;
        let values: StringArray = (0..column.len())
            .map(|i| (!column.is_null(i)).then(|| formatter.value(i).to_string()))
            .collect();
        fields.push(Field::new(field.name(), DataType::Utf8, true));
        columns.push(Arc::new(values));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(arrow_err)
}

fn print_markdown(out: &mut dyn Write, output: &StatementOutput) -> Result<()> {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', "<br>");
    let names: Vec<String> = output
        .schema
        .fields()
        .iter()
        .map(|f| cell(f.name()))
        .collect();
    writeln!(out, "| {} |", names.join(" | ")).map_err(io_err)?;
    writeln!(out, "|{}", "---|".repeat(names.len())).map_err(io_err)?;
    let options = format_options();
    for b in &output.batches {
        let formatters = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref() as &dyn Array, &options))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(arrow_err)?;
        for row in 0..b.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .map(|f| cell(&f.value(row).to_string()))
                .collect();
            writeln!(out, "| {} |", cells.join(" | ")).map_err(io_err)?;
        }
    }
    Ok(())
}
