//! User mistakes return `keras_rs::Error` with Keras-style text, never a panic.

use keras_rs::prelude::*;
use ndarray::{Array1, Array2, Array3};

fn mlp() -> Sequential {
    Sequential::new()
        .seed(1)
        .add(Input::new(&[4]))
        .add(Dense::new(8).activation("relu"))
        .add(Dense::new(3).activation("softmax"))
}

fn compiled() -> Sequential {
    let mut m = mlp();
    m.compile("adam", "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    m
}

fn quiet() -> FitOptions {
    FitOptions::new().verbose(0)
}

#[test]
fn wrong_input_shape_names_layer_and_shapes() {
    let mut m = compiled();
    let x = Array2::<f32>::zeros((10, 5));
    let y = Array1::<f32>::zeros(10);
    let err = m.fit(&x, &y, quiet()).unwrap_err().to_string();
    assert!(err.contains("\"dense\"") && err.contains("(None, 4)") && err.contains("(10, 5)"), "{err}");
    let err = m.predict(&Array3::<f32>::zeros((2, 4, 1)), PredictOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("expected shape=(None, 4), found shape=(2, 4, 1)"), "{err}");
}

#[test]
fn x_y_length_mismatch() {
    let err =
        compiled().fit(&Array2::<f32>::zeros((10, 4)), &Array1::<f32>::zeros(9), quiet()).unwrap_err().to_string();
    assert!(err.contains("'x' sizes: 10, 'y' sizes: 9"), "{err}");
}

#[test]
fn unknown_names() {
    let err =
        Sequential::new().add(Input::new(&[2])).add(Dense::new(1).activation("relux")).output_shape().unwrap_err();
    assert!(err.to_string().contains("'relux'"), "{err}");
    let mut m = mlp();
    assert!(m.compile("adam", "msee", NO_METRICS).unwrap_err().to_string().contains("'msee'"));
    assert!(m.compile("adam", "mse", &["acuracy"]).unwrap_err().to_string().contains("'acuracy'"));
    assert!(m.compile("adamm", "mse", NO_METRICS).unwrap_err().to_string().contains("'adamm'"));
}

#[test]
fn validation_split_out_of_range() {
    let (x, y) = (Array2::<f32>::zeros((10, 4)), Array1::<f32>::zeros(10));
    for split in [1.0, 1.5, -0.1] {
        let err = compiled().fit(&x, &y, quiet().validation_split(split)).unwrap_err().to_string();
        assert!(err.contains("validation_split") && err.contains(&split.to_string()), "{err}");
    }
}

#[test]
fn fit_before_compile() {
    let err = mlp().fit(&Array2::<f32>::zeros((4, 4)), &Array1::<f32>::zeros(4), quiet()).unwrap_err().to_string();
    assert!(err.contains("compile()"), "{err}");
}

#[test]
fn labels_out_of_range_for_sparse_cce() {
    let y = ndarray::array![0.0f32, 1.0, 3.0, 2.0];
    let err = compiled().fit(&Array2::<f32>::zeros((4, 4)), &y, quiet()).unwrap_err().to_string();
    assert!(err.contains("label value of 3") && err.contains("[0, 2]"), "{err}");
    let y = ndarray::array![0.0f32, -1.0, 1.0, 2.0];
    assert!(compiled().evaluate(&Array2::<f32>::zeros((4, 4)), &y, EvaluateOptions::new().verbose(0)).is_err());
}

#[test]
fn target_shape_mismatch_suggests_sparse_loss() {
    let mut m = mlp();
    m.compile("adam", "categorical_crossentropy", NO_METRICS).unwrap();
    let err = m.fit(&Array2::<f32>::zeros((4, 4)), &Array1::<f32>::zeros(4), quiet()).unwrap_err().to_string();
    assert!(err.contains("target.shape=(4,)") && err.contains("sparse_categorical_crossentropy"), "{err}");
}

#[test]
fn incompatible_layers_and_duplicate_names() {
    let err = Sequential::new().add(Input::new(&[12])).add(Reshape::new(&[5, -1])).output_shape().unwrap_err();
    assert!(err.to_string().contains("input_shape=(12,)"), "{err}");
    let mut m = Sequential::new().add(Input::new(&[3]));
    m.add_layer(Dense::new(2).name("a")).unwrap();
    let err = m.add_layer(Dense::new(2).name("a")).unwrap_err().to_string();
    assert!(err.contains("unique names"), "{err}");
    let err = m.add_layer(Input::new(&[2])).unwrap_err().to_string();
    assert!(err.contains("first layer"), "{err}");
    assert!(m.get_layer("nope").unwrap_err().to_string().contains("No such layer: nope"));
    let err = m.set_weights(&[]).unwrap_err().to_string();
    assert!(err.contains("2 weights") && err.contains("0 arrays"), "{err}");
}

#[test]
fn missing_files_are_errors() {
    let err = keras_rs::utils::read_npy("/definitely/missing.npy").unwrap_err().to_string();
    assert!(err.contains("/definitely/missing.npy"), "{err}");
}

#[test]
fn convolution_and_pooling_shape_errors_name_the_layer_and_shapes() {
    // Groups that do not divide the filters or the input channels (Keras' wording).
    let grouped = |filters: usize, groups: usize, channels: usize| {
        let conv = Conv2D::new(filters, 3).groups(groups);
        Sequential::new().add(Input::new(&[8, 8, channels])).add(conv).output_shape().unwrap_err().to_string()
    };
    let err = grouped(6, 4, 8);
    assert!(
        err.contains(
            "The number of filters must be evenly divisible by the number of groups. Received: groups=4, filters=6."
        ),
        "{err}"
    );
    let err = grouped(6, 3, 4);
    assert!(
        err.contains("Received groups=3, but the input has 4 channels (full input shape is (None, 8, 8, 4))"),
        "{err}"
    );
    assert!(grouped(6, 0, 4).contains("expected a positive integer. Received groups=0"));
    // A 3-D input to Conv2D.
    let err =
        Sequential::new().add(Input::new(&[28, 28])).add(Conv2D::new(8, 3)).output_shape().unwrap_err().to_string();
    assert!(
        err.contains("\"conv2d\"") && err.contains("expected ndim=4, found ndim=3") && err.contains("(None, 28, 28)"),
        "{err}"
    );
    // A kernel larger than the valid-padded input.
    let err = Sequential::new()
        .add(Input::new(&[4, 4, 1]))
        .add(Conv2D::new(8, 5).name("big"))
        .output_shape()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"big\"") && err.contains("(None, 4, 4, 1)") && err.contains("kernel shape=(5, 5, 1, 8)"),
        "{err}"
    );
    // Pooling that would produce an empty output.
    let mut m = Sequential::new().add(Input::new(&[6, 6, 1]));
    m.add_layer(Conv2D::new(2, 3)).unwrap();
    m.add_layer(MaxPooling2D::new(2)).unwrap();
    let err = m.add_layer(MaxPooling2D::new(3)).unwrap_err().to_string();
    assert!(
        err.contains("\"max_pooling2d_1\"") && err.contains("(None, 2, 2, 2)") && err.contains("pool_size=[3, 3]"),
        "{err}"
    );
    // The data's shape is checked against the model before anything runs.
    let mut m =
        Sequential::new().add(Input::new(&[8, 8, 1])).add(Conv2D::new(2, 3)).add(Flatten::new()).add(Dense::new(2));
    m.compile("adam", "mse", NO_METRICS).unwrap();
    let err =
        m.predict(&ndarray::Array3::<f32>::zeros((2, 8, 8)), PredictOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("expected shape=(None, 8, 8, 1), found shape=(2, 8, 8)"), "{err}");
    assert!(
        Sequential::new().add(Input::new(&[8, 8, 1])).add(Conv2D::new(2, 3).padding("causal")).output_shape().is_err()
    );
}

#[test]
fn stateful_and_return_state_misuse_is_explained() {
    // Stateful without a fixed batch size.
    let err = Sequential::new().add(Input::new(&[5, 3])).add(LSTM::new(4).stateful(true)).output_shape().unwrap_err();
    assert!(err.to_string().contains("batch_size(n)"), "{err}");
    // A batch of another size than the carried state.
    let mut m = Sequential::new().add(Input::new(&[5, 3]).batch_size(4)).add(GRU::new(2).stateful(true));
    m.predict_on_batch(&ndarray::Array3::<f32>::zeros((4, 5, 3))).unwrap();
    let err = m.predict_on_batch(&ndarray::Array3::<f32>::zeros((3, 5, 3))).unwrap_err().to_string();
    assert!(
        err.contains("batches of 4 samples") && err.contains("batch of 3") && err.contains("reset_states()"),
        "{err}"
    );
    m.reset_states();
    assert!(
        m.predict_on_batch(&ndarray::Array3::<f32>::zeros((3, 5, 3))).is_ok(),
        "after a reset a new batch size starts"
    );
    // fit with shuffling.
    m.compile("adam", "mse", NO_METRICS).unwrap();
    let (x, y) = (ndarray::Array3::<f32>::zeros((8, 5, 3)), ndarray::Array2::<f32>::zeros((8, 2)));
    let err = m.fit(&x, &y, FitOptions::new().batch_size(4).verbose(0)).unwrap_err().to_string();
    assert!(err.contains("shuffle(false)"), "{err}");
    m.reset_states();
    m.fit(&x, &y, FitOptions::new().batch_size(4).shuffle(false).verbose(0)).unwrap();
    // return_state in a Sequential model.
    let err =
        Sequential::new().add(Input::new(&[5, 3])).add(LSTM::new(4).return_state(true)).output_shape().unwrap_err();
    assert!(err.to_string().contains("return_state") && err.to_string().contains("Sequential"), "{err}");
    // Embedding indices out of range.
    let mut m = Sequential::new().add(Input::new(&[3])).add(Embedding::new(5, 2));
    m.compile("sgd", "mse", NO_METRICS).unwrap();
    let err =
        m.predict(&ndarray::array![[0.0f32, 7.0, 1.0]], PredictOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("index 7") && err.contains("[0, 5)"), "{err}");
}

#[test]
fn zero_sizes_are_refused_when_built_and_when_loaded() {
    let cases: [(Sequential, &str); 4] = [
        (
            Sequential::new().add(Input::new(&[4])).add(Dense::new(0)),
            "invalid value for `units`, expected a positive integer. Received: units=0",
        ),
        (
            Sequential::new().add(Input::new(&[5, 4])).add(LSTM::new(0)),
            "argument `units`, expected a positive integer, got 0",
        ),
        (
            Sequential::new().add(Input::new(&[5])).add(Embedding::new(0, 3)),
            "`input_dim` must be a positive integer. Received: input_dim=0",
        ),
        (
            Sequential::new().add(Input::new(&[5])).add(Embedding::new(7, 0)),
            "`output_dim` must be a positive integer. Received: output_dim=0",
        ),
    ];
    for (model, expected) in cases {
        let err = model.output_shape().unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }
    // The same `units: 0` in a model file: refused at load, not a panic in predict.
    let mut json: serde_json::Value =
        serde_json::from_str(&Sequential::new().add(Input::new(&[4])).add(Dense::new(3)).to_json()).unwrap();
    json["config"]["layers"][1]["config"]["units"] = serde_json::json!(0);
    let err = keras_rs::models::model_from_json(&json.to_string()).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("Received: units=0"), "{err}");
}

#[test]
fn shapes_too_large_to_count_are_refused_not_wrapped() {
    let huge = 1usize << 40;
    let err = Sequential::new().add(Input::new(&[huge, huge])).add(Flatten::new()).output_shape().unwrap_err();
    assert!(err.to_string().contains("has more elements than this machine can address"), "{err}");
    let err = Sequential::new().add(Input::new(&[huge, huge])).add(Reshape::new(&[-1])).output_shape().unwrap_err();
    assert!(err.to_string().contains("has more elements than this machine can address"), "{err}");
}

#[test]
fn arrays_in_any_memory_order_train_like_standard_ones() {
    use ndarray::{Array2, ShapeBuilder, s};
    let x = Array2::from_shape_fn((40, 4), |(i, j)| ((i * 5 + j * 3) % 7) as f32 / 7.0);
    let y = ndarray::Array1::from_shape_fn(40, |i| (i % 3) as f32);
    let fortran = {
        let mut f = Array2::<f32>::zeros((40, 4).f());
        f.assign(&x);
        f
    };
    let reversed_labels = y.slice(s![..;-1]).to_owned();
    let strided_labels = {
        let doubled = ndarray::Array1::from_shape_fn(80, |i| y[i / 2]);
        doubled.slice(s![..;2]).to_owned()
    };
    let run = |x: &dyn Fn(&mut Sequential) -> History| {
        let mut m = compiled();
        x(&mut m)
    };
    let opts = || quiet().epochs(2).batch_size(8).shuffle(false);
    let standard = run(&|m| m.fit(&x, &y, opts()).unwrap());
    let from_fortran = run(&|m| m.fit(&fortran, &y, opts()).unwrap());
    let same =
        |a: &History, b: &History| a.history["loss"].iter().zip(&b.history["loss"]).all(|(p, q)| (p - q).abs() <= 1e-6);
    assert!(same(&standard, &from_fortran), "Fortran-order inputs");
    let transposed = x.t().to_owned(); // a (4, 40) array in Fortran order, viewed back
    let back = transposed.t();
    let from_view = run(&|m| m.fit(&back, &y, opts()).unwrap());
    assert!(same(&standard, &from_view), "a transposed view");
    let mut m = compiled();
    m.fit(&x.slice(s![..;-1, ..]), &reversed_labels, opts()).unwrap();
    m.fit(&x, &strided_labels, opts()).unwrap();
    // A strided label array is still range-checked.
    let bad = ndarray::Array1::from_shape_fn(80, |i| if i == 6 { 9.0 } else { 0.0 });
    let err = compiled().fit(&x, &bad.slice(s![..;2]), opts()).unwrap_err().to_string();
    assert!(err.contains('9'), "{err}");
}

#[test]
fn a_model_file_past_the_load_budget_is_refused() {
    use keras_rs::saving::LoadOptions;
    // A few bytes of JSON can declare gigabytes: one variable over 2^31 values is refused before
    // it is allocated.
    let mut huge: serde_json::Value =
        serde_json::from_str(&Sequential::new().add(Input::new(&[4])).add(Dense::new(3)).add(Dense::new(2)).to_json())
            .unwrap();
    huge["config"]["layers"][1]["config"]["units"] = serde_json::json!(60_000);
    huge["config"]["layers"][0]["config"]["batch_shape"] = serde_json::json!([null, 40_000]);
    huge["config"]["build_input_shape"] = serde_json::json!([null, 40_000]);
    let err = keras_rs::models::model_from_json(&huge.to_string()).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("is too large (more than 2147483648 elements)"), "{err}");
    // Three layers of a million values each under a budget of 2.5 million: the third is refused.
    let three = Sequential::new()
        .add(Input::new(&[1000]))
        .add(Dense::new(1000).use_bias(false))
        .add(Dense::new(1000).use_bias(false))
        .add(Dense::new(1000).use_bias(false).name("third"))
        .to_json();
    let err = LoadOptions::new().max_variable_values(2_500_000).model_from_json(&three).map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("Layer \"third\": its variables need 1000000 values, more than the load budget of 2500000 values allows (500000 left)"), "{err}");
    assert!(LoadOptions::new().max_variable_values(3_000_000).model_from_json(&three).is_ok());
    // Building a model in code has no budget.
    assert!(Sequential::new().add(Input::new(&[1000])).add(Dense::new(3000)).output_shape().is_ok());
}

#[test]
fn a_zip_bomb_is_refused_not_decompressed_into_memory() {
    use std::io::{Read, Write};
    // A real model's config beside a `model.weights.h5` that inflates to 40 MiB (from ~40 KB).
    let dir = std::env::temp_dir().join(format!("keras_rs_errors_bomb_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.keras");
    Sequential::new().add(Input::new(&[4])).add(Dense::new(2)).save(&good).unwrap();
    let mut config = String::new();
    zip::ZipArchive::new(std::fs::File::open(&good).unwrap())
        .unwrap()
        .by_name("config.json")
        .unwrap()
        .read_to_string(&mut config)
        .unwrap();
    let bomb = dir.join("bomb.keras");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("config.json", deflated).unwrap();
    zip.write_all(config.as_bytes()).unwrap();
    zip.start_file("model.weights.h5", deflated.large_file(false)).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..40 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    // Under a budget of 1,000 values the weights may take 16 MiB + 16,000 bytes uncompressed.
    let options = keras_rs::saving::LoadOptions::new().max_variable_values(1000);
    let err = options.load_model(&bomb).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("cannot read model.weights.h5: it is larger than 16793216 bytes uncompressed"), "{err}");
    assert!(err.contains("max_variable_values"), "{err}");
    // The default budget reads it, and then finds it is not HDF5.
    let err = keras_rs::models::load_model(&bomb).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("not an HDF5 file"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_predict_output_too_large_for_memory_is_an_error() {
    // 2^20 samples, each repeated 2^20 times: 2^40 floats (4 TiB) of output.
    let model = Sequential::new().add(Input::new(&[1])).add(RepeatVector::new(1 << 20));
    let x = Array2::<f32>::zeros((1 << 20, 1));
    let err = model.predict(&x, PredictOptions::new().batch_size(1).verbose(0)).unwrap_err().to_string();
    assert!(err.contains("predict's output of shape (1048576, 1048576, 1) does not fit in memory"), "{err}");
}
