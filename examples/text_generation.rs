//! Character-level text generation with an LSTM (the keras.io "Character-level text generation
//! with LSTM" tutorial), trained on the opening of Shakespeare's *Coriolanus* (bundled, public
//! domain), then sampling text at several temperatures.
//!
//! Python Keras (the tutorial one-hot encodes; an Embedding does the same job for less):
//! ```python
//! model = keras.Sequential([keras.Input((maxlen,)), layers.Embedding(len(chars), 32), layers.LSTM(128),
//!                           layers.Dense(len(chars), activation="softmax")])
//! model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.RMSprop(0.01))
//! model.fit(x, y, batch_size=128, epochs=epochs)
//! ```
//!
//! Run: `cargo run --release --example text_generation` (`EPOCHS=5` for a quick look).

use keras_rs::prelude::*;
use keras_rs::random::SeedGenerator;
use ndarray::{Array1, Array2};

const MAXLEN: usize = 40;
const STEP: usize = 3;

/// Keras' `sample(preds, temperature)`: reweight the distribution, then draw from it.
fn sample(probs: &[f32], temperature: f32, rng: &mut SeedGenerator) -> usize {
    let logits: Vec<f64> = probs.iter().map(|p| (p.max(1e-12) as f64).ln() / temperature as f64).collect();
    let max = logits.iter().cloned().fold(f64::MIN, f64::max);
    let weights: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut draw = rng.uniform(0.0, 1.0) as f64 * total;
    for (i, w) in weights.iter().enumerate() {
        draw -= w;
        if draw <= 0.0 {
            return i;
        }
    }
    weights.len() - 1
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(42);
    let epochs: usize = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(30);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/coriolanus.txt");
    let text: Vec<char> = std::fs::read_to_string(path)
        .map_err(|e| keras_rs::Error::io(format!("reading {path}"), e))?
        .to_lowercase()
        .chars()
        .collect();
    let mut chars = text.clone();
    chars.sort();
    chars.dedup();
    let index = |c: char| chars.binary_search(&c).expect("character of the corpus");
    println!("corpus length: {}, distinct characters: {}", text.len(), chars.len());

    // Sequences of MAXLEN characters, every STEP characters, and the character that follows.
    let starts: Vec<usize> = (0..text.len() - MAXLEN).step_by(STEP).collect();
    let x = Array2::from_shape_fn((starts.len(), MAXLEN), |(i, t)| index(text[starts[i] + t]) as f32);
    let y = Array1::from_shape_fn(starts.len(), |i| index(text[starts[i] + MAXLEN]) as f32);
    println!("sequences: {}", starts.len());

    let mut model = Sequential::new()
        .add(Input::new(&[MAXLEN]))
        .add(Embedding::new(chars.len(), 32))
        .add(LSTM::new(128))
        .add(Dense::new(chars.len()).activation("softmax"));
    model.summary();
    model.compile(RMSprop::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"])?;
    model.fit(&x, &y, FitOptions::new().batch_size(128).epochs(epochs).verbose(2))?;

    let mut rng = SeedGenerator::new(7);
    let seed_start = starts[starts.len() / 3];
    for temperature in [0.2, 0.5, 1.0] {
        let mut window: Vec<usize> = text[seed_start..seed_start + MAXLEN].iter().map(|c| index(*c)).collect();
        let mut generated: String = text[seed_start..seed_start + MAXLEN].iter().collect();
        for _ in 0..300 {
            let input = Array2::from_shape_fn((1, MAXLEN), |(_, t)| window[t] as f32);
            let probs = model.predict_on_batch(&input)?;
            let next = sample(probs.as_slice().expect("contiguous"), temperature, &mut rng);
            generated.push(chars[next]);
            window.remove(0);
            window.push(next);
        }
        println!("\n----- temperature {temperature}\n{generated}");
    }
    Ok(())
}
