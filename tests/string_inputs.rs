//! Models that take strings, as Keras' end-to-end text models do
//! (`keras.Input(shape=(1,), dtype="string")` into a TextVectorization or StringLookup): `fit`,
//! `evaluate` and `predict` on arrays of strings; `.keras` files with the vocabularies as
//! `assets/.../vocabulary.txt` (IntegerLookup's too) and the IDF weights in the weights file, both
//! ways with Python
//! Keras (`tests/fixtures/saving/text_model.keras`, made by `make_text_model.py`; the other way
//! needs TensorFlow in Python, as Keras' text layers do); and the errors for misuse.

mod common;

use common::{array, assert_close};
use keras_rs::layers::{StringLookup, TextVectorization};
use keras_rs::prelude::*;

const REVIEWS: [&str; 8] = [
    "a great film",
    "dull and slow",
    "great acting, great story",
    "slow and boring",
    "a fun ride",
    "boring, dull acting",
    "fun and great",
    "dull film",
];

fn labels() -> ndarray::ArrayD<f32> {
    ndarray::array![1.0f32, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0].into_dyn()
}

/// keras.io's end-to-end text classifier: strings in, a probability out.
fn text_classifier() -> Model {
    let tv = TextVectorization::new().max_tokens(20).output_sequence_length(6).adapt(&REVIEWS).unwrap();
    let text = Input::new(&[1]).dtype("string").name("text");
    let ids = tv.name("vectorize").call(&text).unwrap();
    let h = Embedding::new(20, 4).call(&ids).unwrap();
    let h = GlobalAveragePooling1D::new().call(&h).unwrap();
    let y = Dense::new(1).activation("sigmoid").call(&h).unwrap();
    Model::new(&text, &y).unwrap().seed(5).unwrap()
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/saving/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_model_with_a_string_input_trains_predicts_and_round_trips() {
    let mut model = text_classifier();
    model.compile(Adam::new().learning_rate(0.05), "binary_crossentropy", &["accuracy"]).unwrap();
    let texts = ndarray::Array1::from(REVIEWS.to_vec());
    // Validation strings are kept (owned) by the options and vectorized batch by batch as well.
    let options = FitOptions::new().epochs(40).batch_size(4).verbose(0).validation_data(&texts, &labels());
    let history = model.fit(&texts, &labels(), options).unwrap();
    assert_eq!(history.get("accuracy").last().copied(), Some(1.0));
    assert_eq!(history.get("val_accuracy").last().copied(), Some(1.0), "the same strings validate");

    // The same numbers as the layers run by hand: ids from `vectorize`, then the rest.
    let tv = TextVectorization::new().max_tokens(20).output_sequence_length(6).adapt(&REVIEWS).unwrap();
    let ids = tv.vectorize(&REVIEWS).unwrap();
    let preds = model.predict(&texts, PredictOptions::new()).unwrap().remove(0);
    let weights = model.get_weights().unwrap();
    let (table, kernel, bias) = (&weights[0], &weights[1], &weights[2]);
    for (i, row) in ids.outer_iter().enumerate() {
        let mean: Vec<f32> =
            (0..4).map(|j| row.iter().map(|&id| table[[id as usize, j]]).sum::<f32>() / row.len() as f32).collect();
        let logit: f32 = (0..4).map(|j| mean[j] * kernel[[j, 0]]).sum::<f32>() + bias[[0]];
        let p = 1.0 / (1.0 + (-logit).exp());
        assert!((preds[[i, 0]] - p).abs() < 1e-5, "sample {i}: {} vs {p}", preds[[i, 0]]);
    }
    // `evaluate` and a (n, 1) array of owned strings, as Keras takes both shapes.
    let column = ndarray::Array2::from_shape_fn((8, 1), |(i, _)| REVIEWS[i].to_string());
    let scores = model.evaluate(&column, &labels(), EvaluateOptions::new().verbose(0)).unwrap();
    assert_eq!(scores["accuracy"], 1.0);

    // Saved: the adapted vocabulary is an asset, not in the config, as Keras writes it.
    let dir = std::env::temp_dir().join(format!("keras_rs_string_inputs_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("text.keras");
    model.save(&path).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut vocabulary = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("assets/layers/text_vectorization/vocabulary.txt").unwrap(),
        &mut vocabulary,
    )
    .unwrap();
    assert_eq!(vocabulary.split('\n').collect::<Vec<_>>(), tv.get_vocabulary());
    assert!(zip.by_name("assets/layers/text_vectorization/_lookup_layer/vocabulary.txt").is_ok());
    let config = model.get_config();
    let tv_config = &config["layers"][1]["config"];
    assert_eq!(
        (tv_config["vocabulary"].is_null(), tv_config["vocabulary_size"].as_u64()),
        (true, Some(tv.vocabulary_size() as u64))
    );

    let loaded = keras_rs::models::load_model(&path).unwrap();
    assert_eq!(loaded.to_json(), model.to_json(), "the config is unchanged by a save and load");
    let again = loaded.predict(&texts, PredictOptions::new()).unwrap().remove(0);
    assert_close(&again, &preds, 0.0, 0.0, "after a save and load");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_keras_text_model_loads_with_its_vocabularies_and_predicts_keras_numbers() {
    let fx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_path("text_model.json")).unwrap()).unwrap();
    let model = keras_rs::models::load_model(fixture_path("text_model.keras")).unwrap();
    let strings = |name: &str| -> ndarray::Array1<String> {
        fx["inputs"][name].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
    };
    let (review, tags, color) = (strings("review"), strings("tags"), strings("color"));
    let rating: ndarray::Array2<f32> = ndarray::Array2::from_shape_vec(
        (3, 1),
        fx["inputs"]["rating"].as_array().unwrap().iter().map(|r| r.as_f64().unwrap() as f32).collect(),
    )
    .unwrap();
    let x = [
        ("review", &review as &dyn keras_rs::trainers::ArrayInput),
        ("tags", &tags),
        ("color", &color),
        ("rating", &rating),
    ];
    let got = model.predict(&x, PredictOptions::new()).unwrap().remove(0);
    assert_close(&got, &array(&fx["predictions"]), 1e-4, 1e-5, "Keras' text model in keras-rs");
    // Saved again by keras-rs: the vocabularies are the same assets (Keras' order, special tokens
    // first) and the configs still say `vocabulary: null`.
    let dir = std::env::temp_dir().join(format!("keras_rs_text_fixture_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("again.keras");
    model.save(&path).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let assets = [
        ("text_vectorization", "review"),
        ("text_vectorization_1", "tags"),
        ("string_lookup", "color"),
        ("integer_lookup", "rating"),
    ];
    for (key, input) in assets {
        let mut text = String::new();
        let asset = format!("assets/layers/{key}/vocabulary.txt");
        std::io::Read::read_to_string(&mut zip.by_name(&asset).unwrap(), &mut text).unwrap();
        let expected: Vec<&str> =
            fx["vocabularies"][input].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert_eq!(text.split('\n').collect::<Vec<_>>(), expected, "{asset}");
    }
    let config: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    for layer in
        config["config"]["layers"].as_array().unwrap().iter().filter(|l| l["class_name"] == "TextVectorization")
    {
        assert!(layer["config"]["vocabulary"].is_null(), "{}", layer["name"]);
    }
    let again = keras_rs::models::load_model(&path).unwrap().predict(&x, PredictOptions::new()).unwrap().remove(0);
    assert_close(&again, &got, 0.0, 0.0, "saved again by keras-rs");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn python_keras_loads_a_keras_rs_text_model_with_its_vocabularies() {
    let Some(mut python) = common::python_keras() else {
        eprintln!("SKIPPED: no Python Keras");
        return;
    };
    let has_tf = std::process::Command::new("python3")
        .args(["-c", "import tensorflow"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_tf {
        eprintln!("SKIPPED: Keras' text layers need TensorFlow in Python (pip install tensorflow-cpu)");
        return;
    }
    // Two string inputs: reviews vectorized as TF-IDF, a category looked up in one-hot mode.
    let tv = TextVectorization::new().output_mode("tf_idf").adapt(&REVIEWS).unwrap();
    let genres = ndarray::array!["drama", "comedy", "drama", "horror", "comedy", "horror", "comedy", "drama"];
    let lookup =
        StringLookup::new().num_oov_indices(2).output_mode("one_hot").adapt(&genres.clone().into_dyn()).unwrap();
    let years = ndarray::array![[1999.0f32], [2004.0], [1999.0], [2010.0], [2004.0], [1999.0], [2004.0], [1987.0]];
    let year_lookup =
        keras_rs::layers::IntegerLookup::new().output_mode("tf_idf").adapt(&years.clone().into_dyn()).unwrap();
    let text = Input::new(&[] as &[usize]).dtype("string").name("text");
    let genre = Input::new(&[1]).dtype("string").name("genre");
    let year = Input::new(&[1]).name("year");
    let h = Concatenate::new()
        .call(&[tv.call(&text).unwrap(), lookup.call(&genre).unwrap(), year_lookup.call(&year).unwrap()])
        .unwrap();
    let y = Dense::new(1).activation("sigmoid").call(&h).unwrap();
    let mut model = Model::new(&[&text, &genre, &year], &y).unwrap().seed(2).unwrap();
    model.compile("adam", "binary_crossentropy", NO_METRICS).unwrap();
    let texts = ndarray::Array1::from(REVIEWS.to_vec());
    let x = [("text", &texts as &dyn keras_rs::trainers::ArrayInput), ("genre", &genres), ("year", &years)];
    model.fit(&x, &labels(), FitOptions::new().epochs(2).verbose(0)).unwrap();
    let queries = ndarray::array!["a great ride", "unknown words only", "dull, dull film"];
    let kinds = ndarray::array!["comedy", "western", "drama"];
    let when = ndarray::array![[2004.0f32], [1950.0], [1999.0]];
    let q = [("text", &queries as &dyn keras_rs::trainers::ArrayInput), ("genre", &kinds), ("year", &when)];
    let ours = model.predict(&q, PredictOptions::new()).unwrap().remove(0);

    let dir = std::env::temp_dir().join(format!("keras_rs_text_to_python_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("text.keras");
    model.save(&path).unwrap();
    let inputs = dir.join("inputs.json");
    let json = serde_json::json!({"text": queries.to_vec(), "genre": kinds.to_vec(), "year": [2004, 1950, 1999]});
    std::fs::write(&inputs, json.to_string()).unwrap();
    let out = python.arg(fixture_path("predict_text_in_keras.py")).arg(&path).arg(&inputs).output().unwrap();
    assert!(out.status.success(), "Python Keras could not load the file:\n{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_close(&ours, &array(&result["outputs"][0]), 1e-5, 1e-6, "keras-rs' text model in Python Keras");
    let theirs = &result["vocabularies"];
    assert_eq!(theirs["text_vectorization"], serde_json::json!(tv.get_vocabulary()));
    assert_eq!(theirs["string_lookup"], serde_json::json!(lookup.get_vocabulary()));
    assert_eq!(theirs["integer_lookup"], serde_json::json!(["-1", "2004", "1999", "2010", "1987"]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strings_meet_clear_errors_where_numbers_are_needed() {
    let tv = TextVectorization::new().output_sequence_length(4).adapt(&REVIEWS).unwrap();
    let text = Input::new(&[1]).dtype("string").name("text");
    // A layer that takes numbers, called on strings.
    let err = Dense::new(2).name("d").call(&text).unwrap_err().to_string();
    assert!(err.contains("Layer \"d\" (Dense) takes numbers, and is called on a string input"), "{err}");
    // A text layer called on numbers.
    let err = tv.clone().name("tv").call(&Input::new(&[1])).unwrap_err().to_string();
    assert!(err.contains("Layer \"tv\" (TextVectorization) takes strings: call it on an `Input` of dtype"), "{err}");
    // One string input for two lookups.
    let a = tv.clone().call(&text).unwrap();
    let b = TextVectorization::new().output_mode("multi_hot").adapt(&REVIEWS).unwrap().call(&text).unwrap();
    let err = Model::new(&text, &[a.clone(), b]).unwrap_err().to_string();
    assert!(err.contains("The string input \"text\" goes into 2 layer call(s)"), "{err}");
    // "int" mode inside a model needs a fixed length; a layer needs a vocabulary.
    let err = TextVectorization::new().adapt(&REVIEWS).unwrap().name("v").call(&text).unwrap_err().to_string();
    assert!(err.contains("needs `output_sequence_length` in \"int\" mode"), "{err}");
    let err = StringLookup::new().name("s").call(&text).unwrap_err().to_string();
    assert!(err.contains("Layer \"s\" (StringLookup) has no vocabulary yet: call `adapt`"), "{err}");
    // Numbers for the string input, strings for a numeric one, strings as targets.
    let y = GlobalAveragePooling1D::new().call(&Embedding::new(30, 2).call(&a).unwrap()).unwrap();
    let mut model = Model::new(&text, &Dense::new(1).call(&y).unwrap()).unwrap();
    let err = model.predict(&ndarray::Array2::<f32>::zeros((2, 1)), PredictOptions::new()).unwrap_err().to_string();
    assert!(err.contains("Input 'text' has dtype \"string\": pass an array of strings"), "{err}");
    let err = model.predict(&ndarray::array![["a", "b"]], PredictOptions::new()).unwrap_err().to_string();
    assert!(err.contains("Input 'text' is incompatible with the data: expected shape=(None, 1), found shape=(1, 2)"));
    model.compile("adam", "mse", NO_METRICS).unwrap();
    let err = model.fit(&ndarray::array!["a"], &ndarray::array!["b"], FitOptions::new().verbose(0)).unwrap_err();
    assert!(err.to_string().contains("Targets are numbers: the array for output 'dense' holds strings"), "{err}");
    let numeric = Sequential::new().add(Input::new(&[1])).add(Dense::new(1));
    let err = numeric.predict(&ndarray::array![["a"]], PredictOptions::new()).unwrap_err().to_string();
    assert!(err.contains("Input 'input_layer' takes numbers; received an array of strings"), "{err}");
}

#[test]
fn a_sequential_model_takes_strings_too() {
    let lookup =
        StringLookup::new().vocabulary(vec!["red".into(), "green".into(), "blue".into()]).output_mode("one_hot");
    let mut model = Sequential::new()
        .add(Input::new(&[1]).dtype("string"))
        .add(lookup)
        .add(Dense::new(1).use_bias(false).kernel_initializer(keras_rs::initializers::Initializer::Ones));
    let colors = ndarray::array!["blue", "pink", "red"];
    let out = model.predict(&colors, PredictOptions::new()).unwrap();
    assert_eq!(out.shape(), &[3, 1]);
    assert_eq!(out.iter().copied().collect::<Vec<_>>(), vec![1.0, 1.0, 1.0], "one hot column each");
    // A given vocabulary stays in the config (Keras' `input_vocabulary`), with no asset.
    assert_eq!(model.get_config()["layers"][1]["config"]["vocabulary"], serde_json::json!(["red", "green", "blue"]));
    let again = keras_rs::models::model_from_json(&model.to_json()).unwrap();
    assert_eq!(again.predict(&colors, PredictOptions::new()).unwrap()[0].shape(), &[3, 1]);
    model.compile("sgd", "mse", NO_METRICS).unwrap();
    let err = Sequential::new()
        .add(Input::new(&[1]).dtype("string"))
        .add(Dense::new(1))
        .predict(&colors, PredictOptions::new());
    let err = err.unwrap_err().to_string();
    assert!(err.contains("takes numbers, and is called on a string input"), "{err}");
}

#[test]
fn an_adapted_lookup_inside_a_nested_model_keeps_its_vocabulary() {
    let data = ndarray::array![[1.0f32], [2.0], [2.0], [7.0]].into_dyn();
    let lookup = keras_rs::layers::IntegerLookup::new().output_mode("one_hot").adapt(&data).unwrap();
    let inner = Sequential::new().add(Input::new(&[1])).add(lookup);
    let x = Input::new(&[1]);
    let model = Model::new(&x, &inner.call(&x).unwrap()).unwrap();
    let before = model.predict(&data, PredictOptions::new().verbose(0)).unwrap().remove(0);
    let dir = std::env::temp_dir().join(format!("keras_rs_nested_lookup_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("nested.keras");
    model.save(&path).unwrap();
    // Keras' nesting: the inner layer's folder under the nested model's.
    let zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    assert!(
        zip.file_names().any(|n| n.is_ok_and(|n| n == "assets/layers/sequential/layers/integer_lookup/vocabulary.txt"))
    );
    let after = keras_rs::models::load_model(&path).unwrap().predict(&data, PredictOptions::new().verbose(0)).unwrap();
    assert_close(&after[0], &before, 0.0, 0.0, "nested IntegerLookup after a save and load");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_dataset_from_directory_feeds_a_model_that_takes_strings() {
    use keras_rs::utils::{PyDataset, TextDatasetOptions, text_dataset_from_directory};
    // keras.io's "Text classification from scratch": a folder per class, one review per file,
    // then `fit(raw_train_ds)` on the end-to-end model.
    let root = std::env::temp_dir().join(format!("keras_rs_text_dir_{}", std::process::id()));
    for (i, text) in REVIEWS.iter().enumerate() {
        let class = if labels()[i] == 1.0 { "pos" } else { "neg" };
        std::fs::create_dir_all(root.join(class)).unwrap();
        std::fs::write(root.join(class).join(format!("{i}.txt")), text).unwrap();
    }
    let mut dataset = text_dataset_from_directory(&root, TextDatasetOptions::new().batch_size(3).seed(4)).unwrap();
    assert_eq!(PyDataset::num_batches(&dataset), 3);
    let mut model = text_classifier();
    model.compile(Adam::new().learning_rate(0.05), "binary_crossentropy", &["accuracy"]).unwrap();
    let history = model.fit_dataset(&mut dataset, FitOptions::new().epochs(40).verbose(0)).unwrap();
    assert_eq!(history.get("accuracy").last().copied(), Some(1.0));
    let scores = model.evaluate_dataset(&mut dataset, EvaluateOptions::new().verbose(0)).unwrap();
    assert_eq!(scores["accuracy"], 1.0);
    // The same numbers as the texts passed as an array, in the dataset's order.
    let preds = model.predict_dataset(&mut dataset, PredictOptions::new().verbose(0)).unwrap().remove(0);
    let texts: Vec<String> = dataset.file_paths().iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    let direct = model.predict(&ndarray::Array1::from(texts), PredictOptions::new().verbose(0)).unwrap().remove(0);
    assert_close(&preds, &direct, 0.0, 0.0, "a text dataset and the same strings as an array");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_dataset_batch_names_its_string_inputs() {
    struct Mixed;
    impl keras_rs::utils::PyDataset for Mixed {
        fn num_batches(&self) -> usize {
            1
        }
        fn get_batch(&self, _: usize) -> Result<keras_rs::utils::DatasetBatch, keras_rs::utils::BoxError> {
            let x = ndarray::array![[1.0f32], [2.0]].into_dyn();
            let texts = ndarray::array!["red", "blue"].into_dyn().mapv(str::to_string);
            // Numbers by position beside strings: which input is which cannot be told.
            Ok(keras_rs::utils::DatasetBatch::inputs(vec![x]).with_strings("color", texts))
        }
    }
    let lookup = StringLookup::new().vocabulary(vec!["red".into(), "blue".into()]).output_mode("one_hot");
    let color = Input::new(&[1]).dtype("string").name("color");
    let size = Input::new(&[1]).name("size");
    let h = Concatenate::new().call(&[lookup.call(&color).unwrap(), size.tensor()]).unwrap();
    let mut model = Model::new(&[&color, &size], &Dense::new(1).call(&h).unwrap()).unwrap();
    let err = model.predict_dataset(&mut Mixed, PredictOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("A PyDataset batch with strings names every input"), "{err}");
}
