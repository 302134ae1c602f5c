//! keras.io's "Text classification from scratch", transliterated: a `TextVectorization` layer
//! adapted on the training texts turns them into word ids for a 1-D convnet (Embedding, Dropout,
//! two strided Conv1D, GlobalMaxPooling1D, Dense, Dropout, a sigmoid output) trained with Adam;
//! then keras.io's end-to-end model — the vectorization and the trained model in one model that
//! takes raw strings — is evaluated on the validation strings, saved with its vocabulary (the
//! `.keras` file's `assets/.../vocabulary.txt`, as Keras saves it), loaded and run again.
//! keras.io classifies IMDB reviews, which are not bundled; this runs on the 10,568 Rotten
//! Tomatoes review snippets bundled in `examples/data/movie_review_snippets.tsv.gz` (see
//! `examples/data/README.md`), every fifth held out for validation.
//!
//! Python Keras (keras.io):
//! ```python
//! max_features = 20000
//! embedding_dim = 128
//! sequence_length = 500
//! vectorize_layer = keras.layers.TextVectorization(
//!     standardize=custom_standardization, max_tokens=max_features,
//!     output_mode="int", output_sequence_length=sequence_length)
//! text_ds = raw_train_ds.map(lambda x, y: x)
//! vectorize_layer.adapt(text_ds)
//! train_ds = raw_train_ds.map(vectorize_text)
//! val_ds = raw_val_ds.map(vectorize_text)
//!
//! inputs = keras.Input(shape=(None,), dtype="int64")
//! x = layers.Embedding(max_features, embedding_dim)(inputs)
//! x = layers.Dropout(0.5)(x)
//! x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
//! x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
//! x = layers.GlobalMaxPooling1D()(x)
//! x = layers.Dense(128, activation="relu")(x)
//! x = layers.Dropout(0.5)(x)
//! predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
//! model = keras.Model(inputs, predictions)
//! model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
//! model.fit(train_ds, validation_data=val_ds, epochs=3)
//!
//! inputs = keras.Input(shape=(1,), dtype="string")
//! indices = vectorize_layer(inputs)
//! outputs = model(indices)
//! end_to_end_model = keras.Model(inputs, outputs)
//! end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
//! end_to_end_model.evaluate(raw_test_ds)
//! ```
//!
//! Differences: keras.io's `custom_standardization` also strips IMDB's `<br />` tags; the
//! snippets have none, so the default `"lower_and_strip_punctuation"` is used. A snippet has at
//! most 51 words, so `sequence_length` is 64 rather than 500, and the convnet's input is
//! declared with that length (keras.io's `(None,)`). `python3 scripts/keras_reference.py
//! text_from_scratch` (TensorFlow backend: Keras' strings need it) runs the Python on the same
//! data. Run: `cargo run --release --example text_classification_from_scratch`.

#[path = "data/snippets.rs"]
mod snippets;

use keras_rs::layers::TextVectorization;
use keras_rs::prelude::*;
use snippets::{Labelled, load_data};

const MAX_FEATURES: usize = 20_000;
const EMBEDDING_DIM: usize = 128;
const SEQUENCE_LENGTH: usize = 64;

/// The texts, and the labels as `(n,)` floats.
fn split(rows: &[Labelled]) -> (Vec<String>, ndarray::ArrayD<f32>) {
    let texts = rows.iter().map(|(_, text)| text.clone()).collect();
    let labels = ndarray::Array1::from_iter(rows.iter().map(|(label, _)| *label as f32)).into_dyn();
    (texts, labels)
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let (train, val) = load_data()?;
    let ((train_texts, y_train), (val_texts, y_val)) = (split(&train), split(&val));
    println!("{} Training texts / {} Validation texts", train_texts.len(), val_texts.len());

    let vectorize_layer = TextVectorization::new()
        .max_tokens(MAX_FEATURES)
        .output_mode("int")
        .output_sequence_length(SEQUENCE_LENGTH)
        .adapt(&train_texts)?;
    println!("Vocabulary: {} indices", vectorize_layer.vocabulary_size());
    let (x_train, x_val) = (vectorize_layer.vectorize(&train_texts)?, vectorize_layer.vectorize(&val_texts)?);

    let inputs = Input::new(&[SEQUENCE_LENGTH]).dtype("int64");
    let x = Embedding::new(MAX_FEATURES, EMBEDDING_DIM).call(&inputs)?;
    let x = Dropout::new(0.5).call(&x)?;
    let x = Conv1D::new(128, 7).padding("valid").activation("relu").strides(3).call(&x)?;
    let x = Conv1D::new(128, 7).padding("valid").activation("relu").strides(3).call(&x)?;
    let x = GlobalMaxPooling1D::new().call(&x)?;
    let x = Dense::new(128).activation("relu").call(&x)?;
    let x = Dropout::new(0.5).call(&x)?;
    let predictions = Dense::new(1).activation("sigmoid").name("predictions").call(&x)?;
    let mut model = Model::new(&inputs, &predictions)?;
    model.compile("adam", "binary_crossentropy", &["accuracy"])?;
    model.summary();
    model.fit(&x_train, &y_train, FitOptions::new().epochs(3).batch_size(32).validation_data(&x_val, &y_val))?;

    // keras.io's end-to-end model: raw strings in.
    let text = Input::new(&[1]).dtype("string");
    let indices = vectorize_layer.call(&text)?;
    let outputs = model.call(&indices)?;
    let mut end_to_end_model = Model::new(&text, &outputs)?;
    end_to_end_model.compile("adam", "binary_crossentropy", &["accuracy"])?;
    let raw_val = ndarray::Array1::from(val_texts.clone());
    let scores = end_to_end_model.evaluate(&raw_val, &y_val, EvaluateOptions::new())?;
    println!("End-to-end validation accuracy: {:.4}", scores["accuracy"]);

    let path = std::env::temp_dir().join("text_classification_from_scratch.keras");
    end_to_end_model.save(&path)?;
    let loaded = keras_rs::models::load_model(&path)?;
    let again = loaded.evaluate(&raw_val, &y_val, EvaluateOptions::new().verbose(0))?;
    println!("Saved {} and loaded it back: validation accuracy {:.4}", path.display(), again["accuracy"]);
    let samples = ndarray::array!["a gripping, beautifully acted film", "a dull, lifeless mess"];
    let probabilities = loaded.predict(&samples, PredictOptions::new().verbose(0))?.remove(0);
    for (sample, p) in samples.iter().zip(probabilities.iter()) {
        println!("{p:.3}  {sample:?}");
    }
    Ok(())
}
