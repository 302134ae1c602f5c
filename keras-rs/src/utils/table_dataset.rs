//! Tables that do not fit in memory — CSV and Parquet files — as [`PyDataset`]s: batch `i` is
//! rows `i·batch_size ..`, read from the file when it is asked for, never the whole file.
//!
//! Parquet goes through arrow-rs' `parquet` crate (the Apache reference implementation in Rust):
//! its metadata gives every row group's rows, so a batch reads only the pages of the row groups
//! and columns it needs (a row selection and a column projection), as arrow record batches. CSV
//! goes through the `csv` crate (the parser arrow-rs' own CSV reader uses): one streaming pass
//! at construction checks every used value and records the byte offset where each batch starts,
//! so a batch seeks there and parses its rows only. polars was the other candidate: it reads
//! both formats too, but as a query engine its build is several times arrow-rs' and keras-rs
//! needs only row ranges of numeric columns.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, RecordBatch, cast::AsArray, types};
use arrow_schema::DataType;
use ndarray::{Array2, ArrayD};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};

use super::py_dataset::{BoxError, DatasetBatch, PyDataset};
use crate::error::{Error, Result};

/// Which columns of a table are the inputs and which the targets, and the batch size.
///
/// ```
/// use keras_rs::utils::TableOptions;
/// let options = TableOptions::new(&["price"]).feature_columns(&["rooms", "area"]).batch_size(64);
/// assert_eq!(options.label_columns, vec!["price"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TableOptions {
    /// The target columns: one gives labels `(batch,)`, several `(batch, k)`; none, no targets.
    pub label_columns: Vec<String>,
    /// The input columns, in this order (default: every column that is not a label).
    pub feature_columns: Option<Vec<String>>,
    /// Rows per batch (default 32).
    pub batch_size: usize,
    /// Threads reading the next batches while the model trains (default 1).
    pub workers: usize,
}

impl TableOptions {
    /// The label columns; every other column is an input.
    pub fn new(label_columns: &[&str]) -> Self {
        TableOptions {
            label_columns: label_columns.iter().map(|s| s.to_string()).collect(),
            feature_columns: None,
            batch_size: 32,
            workers: 1,
        }
    }
    /// The input columns, in this order.
    pub fn feature_columns(mut self, columns: &[&str]) -> Self {
        self.feature_columns = Some(columns.iter().map(|s| s.to_string()).collect());
        self
    }
    /// Rows per batch.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Threads reading batches ahead of the step.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// The input and label column indices among `names`, checked.
    fn columns(&self, names: &[String], path: &Path) -> Result<(Vec<usize>, Vec<usize>)> {
        crate::trainers::options::check_batch_size(self.batch_size)?;
        let find = |name: &String| {
            names.iter().position(|n| n == name).ok_or_else(|| {
                Error::value(format!("{}: no column named '{name}'; the columns are {names:?}", path.display()))
            })
        };
        let labels = self.label_columns.iter().map(find).collect::<Result<Vec<_>>>()?;
        let features = match &self.feature_columns {
            Some(columns) => columns.iter().map(find).collect::<Result<Vec<_>>>()?,
            None => (0..names.len()).filter(|i| !labels.contains(i)).collect(),
        };
        if features.is_empty() {
            return Err(Error::value(format!("{}: no input column left after the labels", path.display())));
        }
        Ok((features, labels))
    }
}

/// Where a table's batches come from.
#[derive(Clone, Debug)]
enum Table {
    /// A CSV file and the byte position of each batch's first row.
    Csv { offsets: Vec<csv::Position> },
    /// A Parquet file and its metadata (read once).
    Parquet { metadata: ArrowReaderMetadata },
}

/// Batches of rows of a CSV or Parquet file: inputs `(batch, features)`, targets by
/// [`TableOptions::label_columns`], as float32. Made by [`csv_dataset`] or [`parquet_dataset`].
#[derive(Clone, Debug)]
pub struct TableDataset {
    path: PathBuf,
    table: Table,
    names: Vec<String>,
    features: Vec<usize>,
    labels: Vec<usize>,
    rows: usize,
    batch_size: usize,
    workers: usize,
}

impl TableDataset {
    fn new(
        path: PathBuf,
        table: Table,
        names: Vec<String>,
        (features, labels): (Vec<usize>, Vec<usize>),
        rows: usize,
        options: &TableOptions,
    ) -> Self {
        let (batch_size, workers) = (options.batch_size, options.workers.max(1));
        TableDataset { path, table, names, features, labels, rows, batch_size, workers }
    }

    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        self.rows
    }

    /// The input columns, in input order.
    pub fn feature_names(&self) -> Vec<&str> {
        self.features.iter().map(|&i| self.names[i].as_str()).collect()
    }

    /// The label columns.
    pub fn label_names(&self) -> Vec<&str> {
        self.labels.iter().map(|&i| self.names[i].as_str()).collect()
    }

    /// Rows `start..start + len` of the used columns, row-major, features then labels.
    fn read(&self, start: usize, len: usize) -> std::result::Result<(Vec<f32>, Vec<f32>), BoxError> {
        match &self.table {
            Table::Csv { offsets } => {
                let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(File::open(&self.path)?);
                reader.seek(offsets[start / self.batch_size].clone())?;
                let (mut x, mut y) = (Vec::new(), Vec::new());
                let mut record = csv::ByteRecord::new();
                for row in start..start + len {
                    if !reader.read_byte_record(&mut record)? {
                        return Err(format!("{}: the file ended early (was it changed?)", self.path.display()).into());
                    }
                    for (columns, out) in [(&self.features, &mut x), (&self.labels, &mut y)] {
                        for &c in columns {
                            out.push(csv_number(&record, c, &self.names[c], row, &self.path)?);
                        }
                    }
                }
                Ok((x, y))
            }
            Table::Parquet { metadata } => {
                let builder =
                    ParquetRecordBatchReaderBuilder::new_with_metadata(File::open(&self.path)?, metadata.clone());
                let used: Vec<usize> = self.features.iter().chain(&self.labels).copied().collect();
                let mask = ProjectionMask::roots(builder.parquet_schema(), used);
                let selection = RowSelection::from(vec![RowSelector::skip(start), RowSelector::select(len)]);
                let reader =
                    builder.with_projection(mask).with_row_selection(selection).with_batch_size(len.max(1)).build()?;
                let (mut x, mut y) = (vec![0.0f32; len * self.features.len()], vec![0.0f32; len * self.labels.len()]);
                let mut row = 0;
                for batch in reader {
                    let batch = batch?;
                    for (columns, out) in [(&self.features, &mut x), (&self.labels, &mut y)] {
                        for (k, &c) in columns.iter().enumerate() {
                            let values = parquet_numbers(&batch, &self.names[c], start + row, &self.path)?;
                            for (r, v) in values.into_iter().enumerate() {
                                out[(row + r) * columns.len() + k] = v;
                            }
                        }
                    }
                    row += batch.num_rows();
                }
                if row != len {
                    return Err(format!("{}: read {row} rows, expected {len}", self.path.display()).into());
                }
                Ok((x, y))
            }
        }
    }
}

impl PyDataset for TableDataset {
    fn num_batches(&self) -> usize {
        self.rows.div_ceil(self.batch_size)
    }

    fn get_batch(&self, index: usize) -> std::result::Result<DatasetBatch, BoxError> {
        let start = index * self.batch_size;
        if start >= self.rows {
            return Err(format!("batch {index} out of range: {} batches", self.num_batches()).into());
        }
        let len = self.batch_size.min(self.rows - start);
        let (x, y) = self.read(start, len)?;
        let x: ArrayD<f32> = Array2::from_shape_vec((len, self.features.len()), x)?.into_dyn();
        let y: Vec<ArrayD<f32>> = match self.labels.len() {
            0 => Vec::new(),
            1 => vec![ndarray::Array1::from_vec(y).into_dyn()],
            k => vec![Array2::from_shape_vec((len, k), y)?.into_dyn()],
        };
        Ok(DatasetBatch::multi(vec![x], y))
    }

    fn workers(&self) -> usize {
        self.workers
    }
}

/// Field `column` of data row `row` (from 0, after the header) as a number, or pandas' error
/// naming the row and column.
fn csv_number(record: &csv::ByteRecord, column: usize, name: &str, row: usize, path: &Path) -> Result<f32> {
    let field = record.get(column).unwrap_or_default();
    let text = String::from_utf8_lossy(field);
    text.trim().parse::<f32>().map_err(|_| {
        Error::value(format!(
            "{} row {row}, column '{name}': could not convert string to float: '{text}'",
            path.display()
        ))
    })
}

/// A numeric column of a record batch as float32; nulls and non-numeric types are errors.
fn parquet_numbers(batch: &RecordBatch, name: &str, first_row: usize, path: &Path) -> Result<Vec<f32>> {
    let column =
        batch.column_by_name(name).ok_or_else(|| Error::Format(format!("{}: no column '{name}'", path.display())))?;
    if let Some(null) = (0..column.len()).find(|&i| column.is_null(i)) {
        return Err(Error::value(format!(
            "{} row {}, column '{name}': a missing value (null); keras-rs reads numbers only",
            path.display(),
            first_row + null
        )));
    }
    macro_rules! primitive {
        ($t:ty) => {
            column.as_primitive::<$t>().values().iter().map(|&v| v as f32).collect()
        };
    }
    Ok(match column.data_type() {
        DataType::Float32 => primitive!(types::Float32Type),
        DataType::Float64 => primitive!(types::Float64Type),
        DataType::Int8 => primitive!(types::Int8Type),
        DataType::Int16 => primitive!(types::Int16Type),
        DataType::Int32 => primitive!(types::Int32Type),
        DataType::Int64 => primitive!(types::Int64Type),
        DataType::UInt8 => primitive!(types::UInt8Type),
        DataType::UInt16 => primitive!(types::UInt16Type),
        DataType::UInt32 => primitive!(types::UInt32Type),
        DataType::UInt64 => primitive!(types::UInt64Type),
        DataType::Boolean => column.as_boolean().iter().map(|v| f32::from(u8::from(v.unwrap_or(false)))).collect(),
        other => {
            return Err(Error::value(format!(
                "{}: column '{name}' holds {other}, not numbers; choose numeric `feature_columns`",
                path.display()
            )));
        }
    })
}

/// A CSV file with a header row as a dataset of batches (see [`TableDataset`]). One streaming
/// pass checks that every used field is a number (an error names the row and the column) and
/// notes where each batch starts; batches are parsed when they are read.
///
/// ```no_run
/// use keras_rs::prelude::*;
/// use keras_rs::utils::{TableOptions, csv_dataset};
/// let mut table = csv_dataset("houses.csv", TableOptions::new(&["price"]).batch_size(256))?;
/// let mut model = Sequential::new().add(Input::new(&[table.feature_names().len()])).add(Dense::new(1));
/// model.compile("adam", "mse", NO_METRICS)?;
/// model.fit_dataset(&mut table, FitOptions::new().epochs(10))?;
/// # Ok::<(), keras_rs::Error>(())
/// ```
pub fn csv_dataset(path: impl AsRef<Path>, options: TableOptions) -> Result<TableDataset> {
    let path = path.as_ref().to_path_buf();
    let csv_error = |e: csv::Error| Error::Format(format!("{}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(File::open(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?);
    let names: Vec<String> = reader.headers().map_err(csv_error)?.iter().map(|s| s.trim().to_string()).collect();
    let (features, labels) = options.columns(&names, &path)?;
    let mut offsets = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    loop {
        let position = reader.position().clone();
        if !reader.read_byte_record(&mut record).map_err(csv_error)? {
            break;
        }
        if rows.is_multiple_of(options.batch_size) {
            offsets.push(position);
        }
        for &c in features.iter().chain(&labels) {
            csv_number(&record, c, &names[c], rows, &path)?;
        }
        rows += 1;
    }
    Ok(TableDataset::new(path, Table::Csv { offsets }, names, (features, labels), rows, &options))
}

/// A Parquet file as a dataset of batches (see [`TableDataset`]): its footer is read once;
/// each batch reads only its rows of the used columns. Columns must be numbers or booleans
/// without missing values.
pub fn parquet_dataset(path: impl AsRef<Path>, options: TableOptions) -> Result<TableDataset> {
    let path = path.as_ref().to_path_buf();
    let file = File::open(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| Error::Format(format!("{}: not a readable Parquet file: {e}", path.display())))?;
    let schema = metadata.schema().clone();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let (features, labels) = options.columns(&names, &path)?;
    for &c in features.iter().chain(&labels) {
        let kind = schema.field(c).data_type();
        if !(kind.is_numeric() || *kind == DataType::Boolean)
            || matches!(kind, DataType::Decimal128(..) | DataType::Decimal256(..) | DataType::Float16)
        {
            return Err(Error::value(format!(
                "{}: column '{}' holds {kind}, not numbers; choose numeric `feature_columns`",
                path.display(),
                names[c]
            )));
        }
    }
    // Refused for the whole file, whichever columns are used (not needed by the reads below,
    // which select top-level columns by index and by name; kept as it was).
    if schema.fields().iter().any(|f| f.data_type().is_nested()) {
        return Err(Error::value(format!(
            "{}: nested columns (lists, structs) are not supported by keras-rs' Parquet reader",
            path.display()
        )));
    }
    let rows = metadata.metadata().file_metadata().num_rows() as usize;
    Ok(TableDataset::new(path, Table::Parquet { metadata }, names, (features, labels), rows, &options))
}
