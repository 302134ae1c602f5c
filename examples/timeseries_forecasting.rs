//! Forecasting yearly sunspot numbers (1700-2008, bundled, public domain) from the previous 12
//! years with an LSTM, fed by `timeseries_dataset_from_array`, and compared with the naive
//! forecast "next year = this year".
//!
//! Python Keras:
//! ```python
//! series = (values - mean) / std
//! train = keras.utils.timeseries_dataset_from_array(
//!     series[:-1], series[12:], sequence_length=12, batch_size=16, end_index=split)
//! val = keras.utils.timeseries_dataset_from_array(
//!     series[:-1], series[12:], sequence_length=12, batch_size=16, start_index=split)
//! model = keras.Sequential([keras.Input((12, 1)), layers.LSTM(32), layers.Dense(1)])
//! model.compile(optimizer=keras.optimizers.Adam(0.005), loss="mse")
//! model.fit(train, epochs=60, validation_data=val)
//! ```
//!
//! Run: `cargo run --release --example timeseries_forecasting` (`EPOCHS=5` for a quick look).

use keras_rs::prelude::*;
use keras_rs::utils::{TimeseriesOptions, timeseries_dataset_from_array};
use ndarray::{Array2, ArrayD, Axis};

const WINDOW: usize = 12;

fn load_sunspots() -> keras_rs::Result<Vec<f32>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sunspots.csv");
    let text = std::fs::read_to_string(path).map_err(|e| keras_rs::Error::io(format!("reading {path}"), e))?;
    text.lines()
        .skip(1)
        .map(|line| {
            let value = line.split(',').nth(1).ok_or_else(|| keras_rs::Error::Format(format!("bad line: {line}")))?;
            value.trim().parse::<f32>().map_err(|e| keras_rs::Error::Format(format!("{line}: {e}")))
        })
        .collect()
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(60);
    let values = load_sunspots()?;
    let n = values.len();
    // Normalised with the training years' mean and deviation (the last 60 years validate).
    let split = n - WINDOW - 60;
    let mean = values[..split].iter().sum::<f32>() / split as f32;
    let std = (values[..split].iter().map(|v| (v - mean).powi(2)).sum::<f32>() / split as f32).sqrt();
    let series: ArrayD<f32> = Array2::from_shape_fn((n, 1), |(i, _)| (values[i] - mean) / std).into_dyn();
    // Window s covers years s..s + 12 of the inputs and its target is year s + 12.
    let inputs = series.slice_axis(Axis(0), (0..n - 1).into()).to_owned();
    let targets = series.slice_axis(Axis(0), (WINDOW..n).into()).to_owned();
    let options = || TimeseriesOptions::new().batch_size(16);
    let mut train = timeseries_dataset_from_array(&inputs, Some(&targets), WINDOW, options().end_index(split))?;
    let val = timeseries_dataset_from_array(&inputs, Some(&targets), WINDOW, options().start_index(split))?;

    let mut model = Sequential::new().add(Input::new(&[WINDOW, 1])).add(LSTM::new(32)).add(Dense::new(1));
    model.compile(Adam::new().learning_rate(0.005), "mse", NO_METRICS)?;
    let history = model.fit_dataset(&mut train, FitOptions::new().epochs(epochs).verbose(2).validation_dataset(val))?;

    // The last validation loss in sunspot units, against next year = this year.
    let val_rmse = history.history["val_loss"].last().copied().unwrap_or(f64::NAN).sqrt() * std as f64;
    let naive: Vec<f32> = (split + WINDOW..n).map(|t| values[t] - values[t - 1]).collect();
    let naive_rmse = (naive.iter().map(|d| d * d).sum::<f32>() / naive.len() as f32).sqrt();
    println!("Validation RMSE over the last {} years: LSTM {val_rmse:.1}, naive {naive_rmse:.1}", naive.len());
    Ok(())
}
