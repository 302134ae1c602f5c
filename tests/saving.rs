//! Saving and loading in the `.keras` format: files written by Python Keras 3 load and predict
//! the same numbers; keras-rs files round-trip (and load in Python Keras when it is installed);
//! training resumes from a saved file; bad files give clear errors.

mod common;

use common::{array, assert_close, fixture, python_keras};
use keras_rs::prelude::*;

fn saving_fixture(name: &str) -> String {
    format!("{}/tests/fixtures/saving/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn python_keras_files_load_and_predict_the_same_numbers() {
    let expected = fixture("saving/predictions.json");
    for (name, case) in expected.as_object().unwrap() {
        let model = keras_rs::models::load_model(saving_fixture(&format!("{name}.keras")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let inputs: Vec<_> = case["inputs"].as_array().unwrap().iter().map(array).collect();
        let refs: Vec<&_> = inputs.iter().collect();
        let got = model.predict(refs, PredictOptions::new()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want: Vec<_> = case["outputs"].as_array().unwrap().iter().map(array).collect();
        assert_eq!(got.len(), want.len(), "{name}: outputs");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(g, w, 1e-5, 1e-6, &format!("{name} output {i}"));
        }
        assert_eq!(model.iterations(), case["iterations"].as_u64().unwrap(), "{name}: optimizer iterations");
        assert_eq!(model.get_weights().unwrap().len() as u64, case["weights"].as_u64().unwrap(), "{name}: weights");
        println!("{name}: {} ok, {:?}", model.class_name(), got[0].iter().take(3).collect::<Vec<_>>());
    }
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("keras_rs_saving_{tag}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn inputs_for(shapes: &[&[usize]], seed: u64) -> Vec<ndarray::ArrayD<f32>> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % 1000) as f32 / 1000.0
    };
    shapes
        .iter()
        .map(|s| ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(s), |_| (next() * 9.0).floor() / 3.0 - 1.0))
        .collect()
}

/// Models that use every layer class keras-rs has, with their probe input shapes.
fn every_layer_models() -> Vec<(keras_rs::models::LoadedModel, Vec<Vec<usize>>)> {
    use keras_rs::models::LoadedModel::{Functional, Sequential as Seq};
    let images = Sequential::named("images")
        .seed(1)
        .add(Input::new(&[8, 8, 2]))
        .add(keras_rs::layers::Normalization::new().adapt(&inputs_for(&[&[4, 8, 8, 2]], 3)[0]).unwrap())
        .add(keras_rs::layers::RandomFlip::new().mode("horizontal"))
        .add(keras_rs::layers::RandomRotation::new(0.1).fill_mode("constant"))
        .add(keras_rs::layers::RandomZoom::new(0.2).width_factor((-0.1, 0.1)))
        .add(keras_rs::layers::RandomTranslation::new(0.1, (-0.2, 0.1)).interpolation("nearest"))
        .add(keras_rs::layers::RandomContrast::new(0.3).value_range((-2.0, 2.0)))
        .add(keras_rs::layers::Resizing::new(10, 12).crop_to_aspect_ratio(true))
        .add(keras_rs::layers::CenterCrop::new(8, 8))
        .add(ZeroPadding2D::new(2))
        .add(keras_rs::layers::Cropping2D::new(((1, 1), (0, 2))))
        .add(Conv2D::new(4, 3).activation("relu"))
        .add(BatchNormalization::new())
        .add(DepthwiseConv2D::new(3).padding("same").depth_multiplier(2))
        .add(SeparableConv2D::new(4, 3).padding("same").activation("relu"))
        .add(keras_rs::layers::GroupNormalization::new().groups(2))
        .add(Rescaling::new().scale(0.5).offset(0.1))
        .add(keras_rs::layers::SpatialDropout2D::new(0.1))
        .add(Reshape::new(&[8, 8, 1, 4]))
        .add(keras_rs::layers::SpatialDropout3D::new(0.1))
        .add(Reshape::new(&[8, 8, 4]))
        .add(Permute::new(&[2, 1, 3]))
        .add(MaxPooling2D::new(2))
        .add(UpSampling2D::new(2).interpolation("bilinear"))
        .add(Conv2DTranspose::new(3, 3).strides(2).padding("same").activation("relu"))
        .add(AveragePooling2D::new(2))
        .add(Conv2D::new(3, 2).padding("same").use_bias(false))
        .add(Flatten::new())
        .add(Dense::new(6).activation("relu"))
        .add(ReLU::new().max_value(3.0).negative_slope(0.1).threshold(0.2))
        .add(LeakyReLU::new())
        .add(keras_rs::layers::PReLU::new())
        .add(ELU::new().alpha(0.5))
        .add(Identity::new())
        .add(keras_rs::layers::GaussianNoise::new(0.1))
        .add(keras_rs::layers::GaussianDropout::new(0.1))
        .add(keras_rs::layers::AlphaDropout::new(0.1))
        .add(keras_rs::layers::ActivityRegularization::new().l2(0.01))
        .add(keras_rs::layers::UnitNormalization::new())
        .add(Dropout::new(0.3))
        .add(Dense::new(3))
        .add(Softmax::new());

    use keras_rs::layers::{
        AveragePooling3D, Conv3D, Conv3DTranspose, Cropping3D, GlobalAveragePooling3D, GlobalMaxPooling3D,
        MaxPooling3D, UpSampling3D, ZeroPadding3D,
    };
    let volumes = Sequential::named("volumes")
        .seed(4)
        .add(Input::new(&[4, 6, 6, 1]))
        .add(keras_rs::layers::ConvLSTM2D::new(2, 3).padding("same").return_sequences(true))
        .add(ZeroPadding3D::new(1))
        .add(Conv3D::new(2, 3).activation("relu"))
        .add(Cropping3D::new(1))
        .add(UpSampling3D::new((1, 2, 2)))
        .add(MaxPooling3D::new((1, 2, 2)))
        .add(Conv3DTranspose::new(2, (1, 2, 2)).strides((1, 2, 2)))
        .add(AveragePooling3D::new(2))
        .add(GlobalAveragePooling3D::new().keepdims(true))
        .add(GlobalMaxPooling3D::new());

    let tokens = Input::new(&[9]).name("tokens").dtype("int32");
    let e = Embedding::new(20, 4).call(&tokens).unwrap();
    let c = Conv1D::new(5, 2).activation("tanh").call(&e).unwrap();
    let c = Conv1DTranspose::new(5, 2).call(&c).unwrap();
    let c = Conv1D::new(5, 3).padding("causal").dilation_rate(2).call(&c).unwrap();
    let c = DepthwiseConv1D::new(2).padding("same").depth_multiplier(2).call(&c).unwrap();
    let c = SeparableConv1D::new(5, 3).padding("same").call(&c).unwrap();
    let c = keras_rs::layers::SpatialDropout1D::new(0.1).call(&c).unwrap();
    let c = keras_rs::layers::ZeroPadding1D::new((1, 0)).call(&c).unwrap();
    let c = keras_rs::layers::UpSampling1D::new(2).call(&c).unwrap();
    let c = keras_rs::layers::Cropping1D::new((1, 1)).call(&c).unwrap();
    let p = MaxPooling1D::new(2).call(&c).unwrap();
    let r = SimpleRNN::new(4).return_sequences(true).call(&p).unwrap();
    let l = LSTM::new(4).return_sequences(true).call(&r).unwrap();
    let g = GRU::new(3).return_sequences(true).call(&l).unwrap();
    let b = Bidirectional::new(LSTM::new(2).return_sequences(true)).call(&g).unwrap();
    let t = TimeDistributed::new(Dense::new(3)).call(&b).unwrap();
    let n = LayerNormalization::new().call(&t).unwrap();
    let a = AveragePooling1D::new(2).call(&n).unwrap();
    let gmax = GlobalMaxPooling1D::new().call(&a).unwrap();
    let gavg = GlobalAveragePooling1D::new().call(&n).unwrap();
    let counts = keras_rs::layers::CategoryEncoding::new(20).output_mode("count").call(&tokens).unwrap();
    let out = Concatenate::new().call(&[&gmax, &gavg, &counts]).unwrap();
    let sequences = Model::new(&tokens, &out).unwrap().named("sequences").seed(2).unwrap();

    let x = Input::new(&[4]).name("x");
    let y = Input::new(&[4]).name("y");
    let shared = Dense::new(4).activation("sigmoid").name("shared");
    let (sx, sy) = (shared.call(&x).unwrap(), shared.call(&y).unwrap());
    let merged = [
        Add::new().call(&[&sx, &sy]).unwrap(),
        Subtract::new().call(&[&sx, &sy]).unwrap(),
        Multiply::new().call(&[&sx, &sy]).unwrap(),
        Average::new().call(&[&sx, &sy]).unwrap(),
        Maximum::new().call(&[&sx, &sy]).unwrap(),
        Minimum::new().call(&[&sx, &sy]).unwrap(),
        Dot::new(1).normalize(true).call(&[&sx, &sy]).unwrap(),
    ];
    let all = Concatenate::new().call(&merged.iter().collect::<Vec<_>>()).unwrap();
    let rep = RepeatVector::new(2).call(&all).unwrap();
    let flat = Reshape::new(&[-1]).call(&rep).unwrap();
    let act = Activation::new("gelu").call(&flat).unwrap();
    let inner = Sequential::named("head").add(Input::new(&[50])).add(Dense::new(3)).add(Dense::new(2));
    let head = inner.call(&act).unwrap();
    let pooled = GlobalAveragePooling2D::new().call(&Reshape::new(&[5, 5, 2]).call(&flat).unwrap()).unwrap();
    let pooled_max = GlobalMaxPooling2D::new().call(&Reshape::new(&[5, 5, 2]).call(&flat).unwrap()).unwrap();
    let bins =
        keras_rs::layers::Discretization::new().bin_boundaries(&[0.0, 0.5]).output_mode("count").call(&x).unwrap();
    let merges = Model::new(&[&x, &y], &[&head, &pooled, &pooled_max, &bins]).unwrap().named("merges").seed(3).unwrap();

    // Keras' lookup and hashing layers run on TensorFlow in Python: a model of their own, which
    // the Python round trip loads only where TensorFlow is installed.
    let ids = Input::new(&[6]).name("ids").dtype("int32");
    let lookup = || keras_rs::layers::IntegerLookup::new().vocabulary(vec![3, 1, 4, 15, 9]);
    let indices = lookup().call(&ids).unwrap();
    let hot = lookup().output_mode("multi_hot").mask_token(0).call(&ids).unwrap();
    let hashed = keras_rs::layers::Hashing::new(5).mask_value(serde_json::json!(1)).call(&ids).unwrap();
    let hashed_hot = keras_rs::layers::Hashing::new(4).output_mode("count").call(&ids).unwrap();
    let lookups = Model::new(&ids, &[&indices, &hot, &hashed, &hashed_hot]).unwrap().named("lookups").seed(5).unwrap();

    // Attention: EinsumDense projections, causal self-attention with an attention mask,
    // cross-attention with a distinct key. (Keras on JAX needs value_dim == key_dim unless dropout > 0.)
    let seq = Input::new(&[5, 6]).name("seq");
    let context = Input::new(&[3, 4]).name("context");
    let e = EinsumDense::new("abc,cde->abde", [None, Some(2), Some(3)]).bias_axes("de").call(&seq).unwrap();
    let e = Reshape::new(&[5, 6]).call(&e).unwrap();
    // An `attention_mask` from an input (`keep > 0`), the scores returned as a second output.
    let keep = Input::new(&[5, 5]).name("keep");
    let allowed = keras_rs::ops::greater(keep.tensor(), 0.0).unwrap();
    let causal = serde_json::json!({"use_causal_mask": true, "return_attention_scores": true});
    let s = MultiHeadAttention::new(2, 3).call_with_attention_mask(&[&e, &e], &allowed, causal).unwrap();
    let (s, scores) = (&s[0], &s[1]);
    let c = MultiHeadAttention::new(2, 4).value_dim(2).output_shape(5).use_bias(false).dropout(0.1);
    let c = c.call(&[s, &context.tensor()]).unwrap();
    let k = MultiHeadAttention::new(1, 2).call(&[&c, &context.tensor(), &context.tensor()]).unwrap();
    let k = keras_rs::layers::Attention::new().use_scale(true).score_mode("concat").call(&[&k, &c]).unwrap();
    let k = keras_rs::layers::AdditiveAttention::new()
        .call_with(&[&k, &k], serde_json::json!({"use_causal_mask": true}))
        .unwrap();
    let out = EinsumDense::new("...b,bc->...c", 3).bias_axes("c").activation("relu").call(&k).unwrap();
    let attention = Model::new(&[&seq, &context, &keep], &[&out, scores]).unwrap().named("attention").seed(6).unwrap();

    // Keras ops in the graph (Python operators, `ops.mean`, slicing, ...).
    use keras_rs::ops::{self, Index, Key};
    let (u, v) = (Input::new(&[3, 4]).name("u").tensor(), Input::new(&[3, 4]).name("v").tensor());
    let d = Dense::new(4).call(&u).unwrap();
    let s = ((&d + &v).unwrap() * 0.5).unwrap();
    let m = ops::reshape(&ops::mean(&s, Some(&[1]), true).unwrap(), &[-1, 4]).unwrap();
    let all = Index::Slice(None, None, None);
    let g = ops::get_item(&s, Key::new(vec![all, Index::Slice(Some(1), None, None)])).unwrap();
    let c = ops::concatenate(&[&g, &ops::tanh(&g).unwrap()], -1).unwrap();
    let t = ops::matmul(&c, &ops::transpose(&c, Some(&[0, 2, 1])).unwrap()).unwrap();
    let positive = ops::cast(&ops::greater(&t, 0.0).unwrap(), "float32").unwrap();
    let p = ops::softmax(&(&t * &positive).unwrap(), -1).unwrap();
    let ops_model = Model::new(&[&u, &v], &[&m, &p]).unwrap().named("ops").seed(7).unwrap();

    // A seq2seq model on sequences of any length: the encoder's states start the decoder
    // (`initial_state`); a GRU started from a Dense layer.
    let enc_in = Input::new(&[None, Some(3)]).name("encoder_inputs");
    let masked = keras_rs::layers::Masking::new().mask_value(-1.0).call(&enc_in).unwrap();
    let encoded = LSTM::new(4).return_state(true).call_multi(&masked).unwrap();
    let dec_in = Input::new(&[None, Some(2)]).name("decoder_inputs");
    let decoded = LSTM::new(4).return_sequences(true).call_with_initial_state(&dec_in, &[&encoded[1], &encoded[2]]);
    let start = Dense::new(3).activation("tanh").call(&encoded[0]).unwrap();
    let refined = GRU::new(3).call_with_initial_state(&decoded.unwrap()[0], &[&start]).unwrap();
    let start2 = Dense::new(2).activation("tanh").call(&encoded[0]).unwrap();
    let both = Bidirectional::new(GRU::new(2).return_sequences(true))
        .call_with_initial_state(&dec_in, &[&start2, &start2])
        .unwrap();
    let seq2seq = Model::new(&[&enc_in, &dec_in], &[&refined[0], &both]).unwrap().named("seq2seq").seed(8).unwrap();

    vec![
        (Seq(images), vec![vec![2, 8, 8, 2]]),
        (Functional(lookups), vec![vec![3, 6]]),
        (Seq(volumes), vec![vec![2, 4, 6, 6, 1]]),
        (Functional(sequences), vec![vec![3, 9]]),
        (Functional(merges), vec![vec![2, 4], vec![2, 4]]),
        (Functional(attention), vec![vec![2, 5, 6], vec![2, 3, 4], vec![2, 5, 5]]),
        (Functional(ops_model), vec![vec![2, 3, 4], vec![2, 3, 4]]),
        (Functional(seq2seq), vec![vec![2, 5, 3], vec![2, 4, 2]]),
    ]
}

#[test]
fn every_layer_round_trips_with_identical_predictions() {
    let dir = temp_dir("roundtrip");
    let mut seen = std::collections::BTreeSet::new();
    for (model, shapes) in every_layer_models() {
        let shape_refs: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
        let mut xs = inputs_for(&shape_refs, 7);
        if model.name() == "sequences" || model.name() == "lookups" {
            xs[0].mapv_inplace(|v| ((v + 1.0) * 6.0).floor().clamp(0.0, 19.0));
        }
        let refs: Vec<&_> = xs.iter().collect();
        let before = model.predict(refs.clone(), PredictOptions::new()).unwrap();
        let path = dir.join(format!("{}.keras", model.name()));
        model.save(&path).unwrap();
        let loaded = keras_rs::models::load_model(&path).unwrap_or_else(|e| panic!("{}: {e}", model.name()));
        assert_eq!(loaded.to_json(), model.to_json(), "{}: config changed", model.name());
        let after = loaded.predict(refs, PredictOptions::new()).unwrap();
        for (i, (a, b)) in after.iter().zip(&before).enumerate() {
            assert_close(a, b, 0.0, 0.0, &format!("{} output {i}", model.name()));
        }
        let json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
        collect_classes(&json, &mut seen);
    }
    // The layers that take strings round-trip (both ways with Python) in tests/string_inputs.rs.
    let strings = ["TextVectorization", "StringLookup"];
    let missing: Vec<&&str> =
        keras_rs::layers::KNOWN_CLASSES.iter().filter(|c| !seen.contains(**c) && !strings.contains(c)).collect();
    assert!(missing.is_empty(), "layer classes without a round-trip test: {missing:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn collect_classes(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(c) = o.get("class_name").and_then(|c| c.as_str()) {
                out.insert(c.to_string());
            }
            o.values().for_each(|x| collect_classes(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_classes(x, out)),
        _ => {}
    }
}

#[test]
fn keras_rs_files_load_in_python_keras_with_the_same_predictions() {
    let Some(_) = python_keras() else {
        eprintln!("SKIPPED: python3 with keras and jax is not installed (pip install keras \"jax[cpu]\")");
        return;
    };
    let dir = temp_dir("to_python");
    let mut models = every_layer_models();
    // A compiled, trained model: Keras must also accept its compile config and optimizer state.
    if let (keras_rs::models::LoadedModel::Sequential(m), shapes) = &mut models[0] {
        m.compile(Adam::new(), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
        let x = inputs_for(&[&[8, 8, 8, 2]], 3).remove(0);
        let y = ndarray::Array1::from_shape_fn(8, |i| (i % 3) as f32);
        m.fit(&x, &y, FitOptions::new().epochs(1).batch_size(4).verbose(0)).unwrap();
        assert_eq!(shapes.len(), 1);
    }
    for (model, shapes) in &models {
        let shape_refs: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
        let mut xs = inputs_for(&shape_refs, 11);
        if model.name() == "sequences" || model.name() == "lookups" {
            xs[0].mapv_inplace(|v| ((v + 1.0) * 6.0).floor().clamp(0.0, 19.0));
        }
        if model.name() == "lookups" && !python_has("tensorflow") {
            eprintln!("SKIPPED in Python: Keras' IntegerLookup needs TensorFlow (pip install tensorflow-cpu)");
            continue;
        }
        let refs: Vec<&_> = xs.iter().collect();
        let ours = model.predict(refs, PredictOptions::new()).unwrap();
        let path = dir.join(format!("{}.keras", model.name()));
        model.save(&path).unwrap();
        let inputs_path = dir.join(format!("{}.json", model.name()));
        let json: Vec<serde_json::Value> = xs
            .iter()
            .map(|x| {
                let v: Vec<f32> = x.iter().copied().collect();
                serde_json::json!({"shape": x.shape(), "values": v})
            })
            .collect();
        let nested: Vec<serde_json::Value> = json.iter().map(nest).collect();
        std::fs::write(&inputs_path, serde_json::to_string(&nested).unwrap()).unwrap();
        let out = python_keras()
            .unwrap()
            .arg(saving_fixture("predict_in_keras.py"))
            .arg(&path)
            .arg(&inputs_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: Python Keras could not load the file:\n{}",
            model.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        let result: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        let theirs: Vec<_> = result["outputs"].as_array().unwrap().iter().map(array).collect();
        assert_eq!(theirs.len(), ours.len(), "{}: outputs", model.name());
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_close(a, b, 1e-5, 1e-6, &format!("{} output {i} (keras-rs vs Python Keras)", model.name()));
        }
        if model.name() == "images" {
            assert_eq!(result["compiled"], true, "the compile config loads in Keras");
            assert_eq!(result["iterations"], 2, "the optimizer state loads in Keras");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Whether Python can import `module`.
fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `{"shape": [2, 3], "values": [..]}` as a nested JSON list.
fn nest(v: &serde_json::Value) -> serde_json::Value {
    let shape: Vec<usize> = serde_json::from_value(v["shape"].clone()).unwrap();
    let values: Vec<f64> = serde_json::from_value(v["values"].clone()).unwrap();
    fn build(shape: &[usize], values: &[f64]) -> serde_json::Value {
        match shape {
            [] => serde_json::json!(values[0]),
            [n, rest @ ..] => {
                let step = rest.iter().product::<usize>();
                serde_json::Value::Array((0..*n).map(|i| build(rest, &values[i * step..(i + 1) * step])).collect())
            }
        }
    }
    build(&shape, &values)
}

#[test]
fn training_resumes_from_a_python_file_as_in_keras() {
    // One more epoch from the saved file: only equal to Keras' if the optimizer state (Keras'
    // slot order: RMSprop's blocks, SGD momentum, Adam's amsgrad `velocity_hat`s last) and the
    // compile config were restored.
    let expected = fixture("saving/predictions.json");
    let optimizers = ["adagrad_mlp", "adadelta_mlp", "adamax_mlp", "nadam_mlp", "ftrl_mlp", "lion_mlp"];
    for name in ["stacked_lstm", "two_in_two_out", "amsgrad_mlp"].into_iter().chain(optimizers) {
        let case = &expected[name]["resume"];
        let mut model = keras_rs::models::load_model(saving_fixture(&format!("{name}.keras"))).unwrap();
        let xs: Vec<_> = case["x"].as_array().unwrap().iter().map(array).collect();
        let ys: Vec<_> = case["y"].as_array().unwrap().iter().map(array).collect();
        let (xr, yr): (Vec<&_>, Vec<&_>) = (xs.iter().collect(), ys.iter().collect());
        let history = model.fit(xr, yr, FitOptions::new().epochs(1).batch_size(16).shuffle(false).verbose(0)).unwrap();
        common::assert_history(&history, &case["history"], name);
    }
}

#[test]
fn optimizer_state_moves_both_ways_with_python_keras() {
    // Keras' file (one epoch) -> keras-rs trains the second epoch and saves -> Python Keras trains
    // the third from keras-rs' file: the same loss as Keras training epochs two and three itself,
    // only if every slot (and Nadam's `u_product`) was read and written in Keras' order.
    let Some(_) = python_keras() else {
        eprintln!("SKIPPED: python3 with keras and jax is not installed (pip install keras \"jax[cpu]\")");
        return;
    };
    let expected = fixture("saving/predictions.json");
    let dir = temp_dir("optimizers_both_ways");
    let names = ["adagrad_mlp", "adadelta_mlp", "adamax_mlp", "nadam_mlp", "ftrl_mlp", "lion_mlp"];
    let mut python = python_keras().unwrap();
    python.arg(saving_fixture("resume_in_keras.py"));
    for name in names {
        let case = &expected[name];
        let (x, y) = (array(&case["resume"]["x"][0]), array(&case["resume"]["y"][0]));
        let mut model = keras_rs::models::load_model(saving_fixture(&format!("{name}.keras"))).unwrap();
        model.fit(&x, &y, FitOptions::new().epochs(1).batch_size(16).shuffle(false).verbose(0)).unwrap();
        let path = dir.join(format!("{name}.keras"));
        model.save(&path).unwrap();
        let data = dir.join(format!("{name}.json"));
        let json = serde_json::json!({"x": case["resume"]["x"][0], "y": case["resume"]["y"][0]});
        std::fs::write(&data, json.to_string()).unwrap();
        python.arg(&path).arg(&data);
    }
    // One Python process for all of them (importing Keras takes seconds).
    let out = python.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "Python Keras could not resume:\n{stderr}");
    assert!(!stderr.contains("Skipping variable loading for optimizer"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), names.len(), "{stdout}");
    for (name, line) in names.into_iter().zip(lines) {
        let case = &expected[name];
        let result: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(result["iterations"], 6, "{name}: Keras reads keras-rs' step count (2 epochs of 3 steps)");
        let (got, want) =
            (result["history"]["loss"][0].as_f64().unwrap(), case["resume2"]["loss"][1].as_f64().unwrap());
        common::assert_close_f64(got, want, 1e-4, &format!("{name}: Keras' third epoch from keras-rs' file"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn resumable_model() -> Model {
    let x = Input::new(&[4]).name("x");
    let h = Dense::new(8).activation("tanh").call(&x).unwrap();
    let h = BatchNormalization::new().call(&h).unwrap();
    let y = Dense::new(3).activation("softmax").call(&h).unwrap();
    let mut model = Model::new(&x, &y).unwrap().seed(9).unwrap();
    let opt = RMSprop::new().learning_rate(0.01).momentum(0.5).centered(true);
    model.compile(opt, "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    model
}

#[test]
fn fit_two_epochs_save_load_fit_two_more_equals_fit_four() {
    let x = ndarray::Array2::from_shape_fn((24, 4), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0);
    let y = ndarray::Array1::from_shape_fn(24, |i| (i % 3) as f32);
    let opts = |epochs| FitOptions::new().epochs(epochs).batch_size(5).shuffle(false).verbose(0);
    let mut straight = resumable_model();
    let full = straight.fit(&x, &y, opts(4)).unwrap();

    let dir = temp_dir("resume");
    let path = dir.join("half.keras");
    let mut first = resumable_model();
    first.fit(&x, &y, opts(2)).unwrap();
    first.save(&path).unwrap();
    let mut resumed = keras_rs::models::load_model(&path).unwrap();
    assert_eq!(resumed.iterations(), 10, "5 batches x 2 epochs");
    let rest = resumed.fit(&x, &y, opts(2)).unwrap();
    for key in ["loss", "accuracy"] {
        for epoch in 0..2 {
            let (a, b) = (rest.history[key][epoch], full.history[key][epoch + 2]);
            assert!((a - b).abs() <= 1e-5 * b.abs() + 1e-7, "{key} epoch {}: resumed {a}, straight {b}", epoch + 3);
        }
    }
    let (wa, wb) = (resumed.get_weights().unwrap(), straight.get_weights().unwrap());
    for (i, (a, b)) in wa.iter().zip(&wb).enumerate() {
        assert_close(a, b, 1e-5, 1e-6, &format!("weight {i}"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_weights_and_load_weights_round_trip_and_check_the_model() {
    let dir = temp_dir("weights");
    let path = dir.join("m.weights.h5");
    let mut trained = resumable_model();
    let x = ndarray::Array2::from_shape_fn((12, 4), |(i, j)| (i + j) as f32 / 10.0);
    let y = ndarray::Array1::from_shape_fn(12, |i| (i % 3) as f32);
    trained.fit(&x, &y, FitOptions::new().epochs(1).batch_size(4).verbose(0)).unwrap();
    trained.save_weights(&path).unwrap();
    let mut fresh = resumable_model();
    fresh.load_weights(&path).unwrap();
    assert_eq!(fresh.iterations(), 3, "the optimizer state comes with the weights");
    let (a, b) =
        (fresh.predict(&x, PredictOptions::new()).unwrap(), trained.predict(&x, PredictOptions::new()).unwrap());
    assert_close(&a[0], &b[0], 0.0, 0.0, "predictions");

    // A model with other layers refuses the file and keeps its weights.
    let mut other = Sequential::new().add(Input::new(&[4])).add(Dense::new(5)).add(Dense::new(3));
    let before = other.get_weights().unwrap();
    let err = other.load_weights(&path).unwrap_err().to_string();
    assert!(err.contains("Layer 'dense'") && err.contains("(4, 5) in the model"), "{err}");
    assert_eq!(other.get_weights().unwrap(), before);
    let err = other.save_weights(dir.join("m.h5")).unwrap_err().to_string();
    assert!(err.contains("must end in `.weights.h5`"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A copy of the `.keras` file `bytes` with `config.json` edited by `edit`.
fn with_config(bytes: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "config.json" {
            let mut v: serde_json::Value = serde_json::from_slice(&data).unwrap();
            edit(&mut v);
            data = serde_json::to_vec(&v).unwrap();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn bad_files_give_errors_that_say_what_is_wrong() {
    let dir = temp_dir("errors");
    let load = |bytes: &[u8], name: &str| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        keras_rs::models::load_model(&path).map(|_| ()).unwrap_err().to_string()
    };
    let good = std::fs::read(saving_fixture("mlp.keras")).unwrap();

    let err = keras_rs::models::load_model(dir.join("missing.keras")).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("could not open") && err.contains("missing.keras"), "{err}");
    let err = load(&good[..good.len() / 2], "truncated.keras");
    assert!(err.contains("truncated.keras is not a valid .keras file"), "{err}");
    let err = load(b"definitely not a zip", "garbage.keras");
    assert!(err.contains("not a valid .keras file"), "{err}");
    let err = keras_rs::models::load_model(dir.join("model.h5")).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("`.keras` extension") && err.contains("legacy"), "{err}");

    let unknown = with_config(&good, |c| c["config"]["layers"][1]["class_name"] = "Dense2".into());
    let err = load(&unknown, "unknown.keras");
    assert!(err.contains("Layer 'dense'") && err.contains("Unknown layer class: 'Dense2'"), "{err}");

    // Same layer types, other sizes: the weights no longer fit, and the error says where.
    let resized = with_config(&good, |c| c["config"]["layers"][1]["config"]["units"] = 16.into());
    let err = load(&resized, "resized.keras");
    assert!(
        err.contains("Layer 'dense'") && err.contains("(20, 16) in the model") && err.contains("(20, 32)"),
        "{err}"
    );

    // One more layer of a class already there: group numbering shifts, the counts no longer match.
    let extra = with_config(&good, |c| {
        let dense = c["config"]["layers"][3].clone();
        let mut renamed = dense.clone();
        renamed["config"]["name"] = "dense_extra".into();
        c["config"]["layers"].as_array_mut().unwrap().insert(3, renamed);
        c["config"]["layers"][4]["config"]["units"] = 10.into();
    });
    let err = load(&extra, "extra.keras");
    assert!(err.contains("dense_extra") || err.contains("dense_1"), "{err}");

    // No InputLayer and no build shape: the layers are never built, so the weights have nowhere to go.
    let unbuilt = with_config(&good, |c| {
        c["config"]["layers"].as_array_mut().unwrap().remove(0);
        c["config"]["build_input_shape"] = serde_json::Value::Null;
        c["build_config"] = serde_json::Value::Null;
    });
    let err = load(&unbuilt, "unbuilt.keras");
    assert!(err.contains("the model has no input shape"), "{err}");

    let broken_json = with_config(&good, |c| *c = serde_json::json!({"class_name": "Sequential"}));
    let err = load(&broken_json, "noconfig.keras");
    assert!(err.contains("needs a `config`"), "{err}");

    // Saving over an existing file that cannot be replaced fails and leaves it intact.
    let model = keras_rs::models::load_model(saving_fixture("mlp.keras")).unwrap();
    let target = dir.join("keep.keras");
    std::fs::create_dir_all(target.join("busy")).unwrap();
    assert!(model.save(&target).is_err());
    assert!(target.join("busy").is_dir());
    let err = model.save(dir.join("model.h5")).unwrap_err().to_string();
    assert!(err.contains("Invalid filepath extension"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn configs_with_impossible_sizes_are_errors_not_panics() {
    // Found by the model_json fuzz target: a Conv2D with strides 0 divided by zero.
    let model = Sequential::new().add(Input::new(&[6, 6, 1])).add(Conv2D::new(2, 3));
    for (key, value) in [("strides", "[0, 1]"), ("kernel_size", "[0, 3]"), ("dilation_rate", "[1]"), ("filters", "0")] {
        let json = model.to_json().replace(
            &format!("\"{key}\":{}", if key == "filters" { "2".into() } else { model_key(&model, key) }),
            &format!("\"{key}\":{value}"),
        );
        let err = keras_rs::models::model_from_json(&json).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains(key), "{key}: {err}");
    }
    let pool = Sequential::new().add(Input::new(&[6, 6, 1])).add(MaxPooling2D::new(2)).to_json();
    let err = keras_rs::models::model_from_json(&pool.replace("\"strides\":[2,2]", "\"strides\":[0,2]"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("strides"), "{err}");
    let huge = Sequential::new()
        .add(Input::new(&[4]))
        .add(Dense::new(5))
        .to_json()
        .replace("\"units\":5", "\"units\":4000000000");
    let err = keras_rs::models::model_from_json(&huge).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("too large"), "{err}");
}

fn model_key(model: &Sequential, key: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    json["config"]["layers"][1]["config"][key].to_string()
}

#[test]
fn a_sequential_keeps_its_input_dtype() {
    let model = Sequential::new().add(Input::new(&[5]).dtype("int32").name("tokens")).add(Embedding::new(10, 2));
    let json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    let input = &json["config"]["layers"][0]["config"];
    assert_eq!((input["dtype"].as_str(), input["name"].as_str()), (Some("int32"), Some("tokens")));
    let again = keras_rs::models::model_from_json(&model.to_json()).unwrap().into_sequential().unwrap();
    assert_eq!(again.input_dtype(), "int32");
}

#[test]
fn a_compiled_sequential_not_built_yet_keeps_its_loss_in_json() {
    let mut model = Sequential::new().add(Dense::new(2)).add(Dense::new(1));
    model.compile("adam", "mse", &["mae"]).unwrap();
    let json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    assert_eq!(json["compile_config"]["loss"], "mean_squared_error"); // Keras keeps the alias as given
    assert_eq!(json["compile_config"]["metrics"], serde_json::json!(["mae"]));
    let mut again = keras_rs::models::model_from_json(&model.to_json()).unwrap();
    let x = ndarray::Array2::<f32>::ones((4, 3));
    let y = ndarray::Array2::<f32>::zeros((4, 1));
    let history = again.fit(&x, &y, FitOptions::new().verbose(0)).unwrap();
    assert!(history.history.contains_key("mae"));
}
