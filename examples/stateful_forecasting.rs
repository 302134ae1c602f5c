//! A stateful LSTM forecasting yearly sunspot numbers (1700-2008, bundled, public domain).
//!
//! The Keras pattern for stateful RNNs: a fixed batch size (`Input(batch_size=1)`), one year
//! per step, `fit(..., shuffle=False)` one epoch at a time with `model.reset_states()` between
//! epochs, so the LSTM's state — not a window of inputs — carries the 11-year cycle.
//!
//! Python Keras:
//! ```python
//! model = keras.Sequential([keras.Input((1, 1), batch_size=1), layers.LSTM(32, stateful=True), layers.Dense(1)])
//! model.compile(optimizer=keras.optimizers.Adam(0.005), loss="mse")
//! for epoch in range(epochs):
//!     model.fit(x_train, y_train, batch_size=1, epochs=1, shuffle=False, verbose=0)
//!     model.reset_states()
//! ```
//!
//! Run: `cargo run --release --example stateful_forecasting`

use keras_rs::prelude::*;
use ndarray::{Array1, Array3};

fn load_sunspots() -> keras_rs::Result<Vec<(u32, f32)>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sunspots.csv");
    let text = std::fs::read_to_string(path).map_err(|e| keras_rs::Error::io(format!("reading {path}"), e))?;
    text.lines()
        .skip(1)
        .map(|line| {
            let (year, value) =
                line.split_once(',').ok_or_else(|| keras_rs::Error::Format(format!("bad line: {line}")))?;
            let parse = |s: &str| s.trim().parse::<f32>().map_err(|e| keras_rs::Error::Format(format!("{line}: {e}")));
            Ok((parse(year)? as u32, parse(value)?))
        })
        .collect()
}

fn rmse(pairs: impl Iterator<Item = (f32, f32)>) -> f32 {
    let (sum, n) = pairs.fold((0.0, 0), |(s, n), (a, b)| (s + (a - b) * (a - b), n + 1));
    (sum / n as f32).sqrt()
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(7);
    let epochs: usize = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(40);
    let series = load_sunspots()?;
    let split = 250; // train on 1700-1949, forecast 1950-2008
    let scale = series[..split].iter().map(|(_, v)| *v).fold(0.0f32, f32::max);
    let values: Vec<f32> = series.iter().map(|(_, v)| v / scale).collect();
    println!(
        "{} years ({}-{}), training on {}-{}",
        values.len(),
        series[0].0,
        series[series.len() - 1].0,
        series[0].0,
        series[split - 1].0
    );

    // x_t = value of year t, y_t = value of year t + 1; one step per sample, batch size 1.
    let x_train = Array3::from_shape_fn((split - 1, 1, 1), |(t, _, _)| values[t]);
    let y_train = Array1::from_shape_fn(split - 1, |t| values[t + 1]);

    let mut model =
        Sequential::new().add(Input::new(&[1, 1]).batch_size(1)).add(LSTM::new(32).stateful(true)).add(Dense::new(1));
    model.summary();
    model.compile(Adam::new().learning_rate(0.005), "mse", NO_METRICS)?;
    for epoch in 0..epochs {
        let h = model.fit(&x_train, &y_train, FitOptions::new().batch_size(1).epochs(1).shuffle(false).verbose(0))?;
        model.reset_states();
        if epoch % 10 == 9 || epoch == 0 {
            println!("epoch {:>3}/{epochs}: train mse {:.5}", epoch + 1, h.get("loss")[0]);
        }
    }

    // Warm the state up on the training years, then forecast one year ahead through the test years.
    for value in &values[..split - 1] {
        model.predict_on_batch(&Array3::from_elem((1, 1, 1), *value))?;
    }
    let mut forecasts = Vec::new();
    for t in split - 1..values.len() - 1 {
        let next = model.predict_on_batch(&Array3::from_elem((1, 1, 1), values[t]))?;
        forecasts.push((series[t + 1].0, next[[0, 0]] * scale, values[t] * scale, values[t + 1] * scale));
    }
    println!("\n year  actual  lstm  naive");
    for (year, lstm, naive, actual) in forecasts.iter().step_by(6) {
        println!(" {year}  {actual:6.1}  {lstm:5.1}  {naive:5.1}");
    }
    let lstm_rmse = rmse(forecasts.iter().map(|(_, l, _, a)| (*l, *a)));
    let naive_rmse = rmse(forecasts.iter().map(|(_, _, n, a)| (*n, *a)));
    println!(
        "\nOne-year-ahead RMSE over {}-{}: stateful LSTM {lstm_rmse:.2}, naive last value {naive_rmse:.2}",
        forecasts[0].0,
        forecasts[forecasts.len() - 1].0
    );
    println!(
        "The LSTM is {:.0}% {} than the naive forecast.",
        (1.0 - lstm_rmse / naive_rmse).abs() * 100.0,
        if lstm_rmse < naive_rmse { "better" } else { "worse" }
    );
    Ok(())
}
