//! Keras' Functional API guide, transliterated: the ticket-ranking model with three inputs
//! and two outputs (synthetic data, as in the guide), then a small residual network with
//! `Add` on the bundled MNIST subset.
//!
//! Run with: `cargo run --release --example functional_multi_io`
//! (Python original: <https://keras.io/guides/functional_api/>.)

use keras_rs::prelude::*;
use ndarray::{Array2, Axis};

const NUM_TAGS: usize = 12; // Number of unique issue tags
const NUM_WORDS: usize = 10000; // Size of vocabulary obtained when preprocessing text data
const NUM_DEPARTMENTS: usize = 4; // Number of departments for predictions

fn ticket_classifier() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(42);
    let title_input = Input::new(&[10]).name("title"); // sequences of 10 word ids
    let body_input = Input::new(&[100]).name("body"); // sequences of 100 word ids
    let tags_input = Input::new(&[NUM_TAGS]).name("tags"); // binary vectors of size `num_tags`

    // Embed each word in the title and in the text into a 64-dimensional vector.
    let title_features = Embedding::new(NUM_WORDS, 64).call(&title_input)?;
    let body_features = Embedding::new(NUM_WORDS, 64).call(&body_input)?;
    // Reduce the sequence of embedded words in the title / body to one vector.
    let title_features = LSTM::new(128).call(&title_features)?;
    let body_features = LSTM::new(32).call(&body_features)?;
    // Merge all available features into a single large vector via concatenation.
    let x = Concatenate::new().call(&[title_features, body_features, tags_input.tensor()])?;
    // Stick a logistic regression for priority prediction on top of the features,
    // and a department classifier.
    let priority_pred = Dense::new(1).name("priority").call(&x)?;
    let department_pred = Dense::new(NUM_DEPARTMENTS).name("department").call(&x)?;

    let mut model = Model::new(&[&title_input, &body_input, &tags_input], &[priority_pred, department_pred])?;
    model.summary();
    keras_rs::utils::plot_model(&model, std::env::temp_dir().join("multi_input_and_output_model.dot"))?;

    model.compile_with(
        RMSprop::new().learning_rate(1e-3),
        CompileOptions::new()
            .loss_for("priority", BinaryCrossentropy::new().from_logits(true))
            .loss_for("department", CategoricalCrossentropy::new().from_logits(true))
            .loss_weight("priority", 1.0)
            .loss_weight("department", 0.2),
    )?;

    // Dummy input data and targets, drawn like the guide's NumPy calls.
    let mut rng = keras_rs::random::SeedGenerator::new(7);
    let mut ints = |rows: usize, cols: usize, high: usize| {
        Array2::from_shape_simple_fn((rows, cols), || rng.uniform(0.0, high as f32).floor())
    };
    let title_data = ints(1280, 10, NUM_WORDS);
    let body_data = ints(1280, 100, NUM_WORDS);
    let tags_data = ints(1280, NUM_TAGS, 2);
    let dept_targets = ints(1280, NUM_DEPARTMENTS, 2);
    let priority_targets = Array2::from_shape_simple_fn((1280, 1), || rng.uniform(0.0, 1.0));

    let history = model.fit(
        &[("title", &title_data), ("body", &body_data), ("tags", &tags_data)],
        &[("priority", &priority_targets), ("department", &dept_targets)],
        FitOptions::new().epochs(2).batch_size(32),
    )?;
    for (key, values) in &history.history {
        println!("{key}: {values:.4?}");
    }
    Ok(())
}

fn toy_resnet() -> keras_rs::Result<()> {
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    let scale = |x: ndarray::Array3<u8>| x.mapv(|v| v as f32 / 255.0).insert_axis(Axis(3));
    let (x_train, x_test) = (scale(x_train), scale(x_test));

    let inputs = Input::new(&[28, 28, 1]).name("img");
    let x = Conv2D::new(16, 3).activation("relu").call(&inputs)?;
    let x = Conv2D::new(32, 3).activation("relu").call(&x)?;
    let block_1_output = MaxPooling2D::new(2).call(&x)?;

    let x = Conv2D::new(32, 3).activation("relu").padding("same").call(&block_1_output)?;
    let x = Conv2D::new(32, 3).activation("relu").padding("same").call(&x)?;
    let block_2_output = Add::new().call(&[x, block_1_output])?;

    let x = Conv2D::new(32, 3).activation("relu").call(&block_2_output)?;
    let x = GlobalAveragePooling2D::new().call(&x)?;
    let x = Dense::new(64).activation("relu").call(&x)?;
    let x = Dropout::new(0.3).call(&x)?;
    let outputs = Dense::new(10).activation("softmax").call(&x)?;
    let mut model = Model::new(&inputs, &outputs)?.named("toy_resnet").seed(1)?;
    model.summary();

    model.compile(Adam::new().learning_rate(2e-3), "sparse_categorical_crossentropy", &["accuracy"])?;
    model.fit(&x_train, &y_train, FitOptions::new().epochs(3).batch_size(64).validation_split(0.1))?;
    let score = model.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(0))?;
    println!("Test loss: {:.4}", score["loss"]);
    println!("Test accuracy: {:.4}", score["accuracy"]);
    Ok(())
}

fn main() -> keras_rs::Result<()> {
    ticket_classifier()?;
    toy_resnet()
}
