//! CSV and Parquet files as datasets: the files `tests/fixtures/tables.py` wrote with Python's
//! csv module and pyarrow (snappy and zstd pages, row groups of 30 that batches of 16 cross, a
//! quoted CSV column holding commas and newlines) give back the numbers Python wrote, train a
//! model, and bad columns or values are errors naming the file, the column and the row.
#![cfg(feature = "tables")]

use keras_rs::prelude::*;
use keras_rs::utils::{TableDataset, TableOptions, csv_dataset, parquet_dataset};

fn path(name: &str) -> String {
    format!("{}/tests/fixtures/tables/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn options() -> TableOptions {
    TableOptions::new(&["price"]).feature_columns(&["rooms", "area", "garden"]).batch_size(16)
}

fn check_rows(table: &TableDataset, what: &str) {
    let fx: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path("houses.json")).unwrap()).unwrap();
    assert_eq!(table.num_rows(), 100, "{what}");
    assert_eq!(table.num_batches(), 7, "{what}");
    assert_eq!(table.feature_names(), vec!["rooms", "area", "garden"]);
    let mut row = 0;
    for b in 0..table.num_batches() {
        let batch = table.get_batch(b).unwrap();
        for (x, y) in batch.x[0].outer_iter().zip(batch.y[0].iter()) {
            let want_x: Vec<f64> = fx["x"][row].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            for (got, want) in x.iter().zip(&want_x) {
                assert!((*got as f64 - want).abs() <= 1e-4 * want.abs().max(1.0), "{what} row {row}: {got} vs {want}");
            }
            let want_y = fx["y"][row].as_f64().unwrap();
            assert!((*y as f64 - want_y).abs() <= 1e-4 * want_y.abs(), "{what} row {row}: {y} vs {want_y}");
            row += 1;
        }
    }
    assert_eq!(row, 100, "{what}");
}

#[test]
fn csv_and_parquet_files_give_back_python_numbers() {
    check_rows(&csv_dataset(path("houses.csv"), options()).unwrap(), "csv");
    check_rows(&parquet_dataset(path("houses_snappy.parquet"), options()).unwrap(), "snappy parquet");
    check_rows(&parquet_dataset(path("houses_zstd.parquet"), options()).unwrap(), "zstd parquet");
}

#[test]
fn a_model_trains_on_a_table_with_workers() {
    let run = |workers: usize| {
        let mut table = parquet_dataset(path("houses_snappy.parquet"), options().workers(workers)).unwrap();
        let mut model = Sequential::new().seed(2).add(Input::new(&[3])).add(Dense::new(1));
        model.compile(Adam::new().learning_rate(0.5), "mse", NO_METRICS).unwrap();
        let history = model.fit_dataset(&mut table, FitOptions::new().epochs(5).verbose(0)).unwrap();
        history.history["loss"].clone()
    };
    let losses = run(1);
    assert!(losses[4] < losses[0], "{losses:?}");
    assert_eq!(run(3), losses);
    // The CSV file gives the same training.
    let mut table = csv_dataset(path("houses.csv"), options()).unwrap();
    let mut model = Sequential::new().seed(2).add(Input::new(&[3])).add(Dense::new(1));
    model.compile(Adam::new().learning_rate(0.5), "mse", NO_METRICS).unwrap();
    let history = model.fit_dataset(&mut table, FitOptions::new().epochs(5).verbose(0)).unwrap();
    for (a, b) in history.history["loss"].iter().zip(&losses) {
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{a} vs {b}");
    }
}

#[test]
fn bad_columns_and_values_are_named() {
    // Every column that is not a label is an input by default: "city" holds text.
    let err = parquet_dataset(path("houses_snappy.parquet"), TableOptions::new(&["price"])).unwrap_err().to_string();
    assert!(err.contains("column 'city' holds Utf8"), "{err}");
    let err = csv_dataset(path("houses.csv"), TableOptions::new(&["price"])).unwrap_err().to_string();
    assert!(err.contains("row 0, column 'city': could not convert string to float: 'town 0"), "{err}");
    let err = csv_dataset(path("houses.csv"), TableOptions::new(&["cost"])).unwrap_err().to_string();
    assert!(err.contains("no column named 'cost'") && err.contains("\"price\""), "{err}");
    // A missing value stops fit at its batch, naming the row.
    let mut holes = parquet_dataset(path("holes.parquet"), TableOptions::new(&["y"])).unwrap();
    let mut model = Sequential::new().add(Input::new(&[1])).add(Dense::new(1));
    model.compile("sgd", "mse", NO_METRICS).unwrap();
    let err = model.fit_dataset(&mut holes, FitOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("row 1, column 'x': a missing value"), "{err}");
    let err = parquet_dataset(path("houses.csv"), options()).unwrap_err().to_string();
    assert!(err.contains("not a readable Parquet file"), "{err}");
}
