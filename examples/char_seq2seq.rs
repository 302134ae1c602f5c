//! keras.io's "Character-level recurrent sequence-to-sequence model", transliterated: an LSTM
//! encoder reads a sequence of characters, its final states start an LSTM decoder
//! (`initial_state`) trained with teacher forcing, and inference models that share the trained
//! layers decode greedily one character at a time. keras.io translates English to French with
//! a corpus that is not bundled here; this runs the same code on the words of the bundled
//! *Coriolanus* text (public domain) with a task that needs no dictionary: spell each word
//! backwards.
//!
//! Python Keras (keras.io, with `latent_dim = 128`):
//! ```python
//! encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
//! encoder = keras.layers.LSTM(latent_dim, return_state=True)
//! encoder_outputs, state_h, state_c = encoder(encoder_inputs)
//! encoder_states = [state_h, state_c]
//! decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
//! decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
//! decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
//! decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
//! decoder_outputs = decoder_dense(decoder_outputs)
//! model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
//! model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
//! model.fit([encoder_input_data, decoder_input_data], decoder_target_data,
//!           batch_size=batch_size, epochs=epochs, validation_split=0.2)
//! # inference: the encoder to states, the decoder one step from given states
//! encoder_model = keras.Model(encoder_inputs, encoder_states)
//! decoder_state_input_h = keras.Input(shape=(latent_dim,))
//! decoder_state_input_c = keras.Input(shape=(latent_dim,))
//! decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
//! decoder_outputs, state_h, state_c = decoder_lstm(decoder_inputs, initial_state=decoder_states_inputs)
//! decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs,
//!                             [decoder_dense(decoder_outputs), state_h, state_c])
//! ```
//!
//! `python3 scripts/keras_reference.py seq2seq` runs that Python on the same words. Run:
//! `cargo run --release --example char_seq2seq` (`EPOCHS=5` for a quick look).

use keras_rs::prelude::*;
use ndarray::{Array3, ArrayD, Axis, s};

const LATENT_DIM: usize = 128;
const BATCH_SIZE: usize = 64;

/// The distinct words of 3 to 8 letters of the bundled text, lowercased, in order of first
/// appearance (letters are ASCII runs, as the reference script's `[A-Za-z]+`).
fn words() -> keras_rs::Result<Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/coriolanus.txt");
    let text = std::fs::read_to_string(path).map_err(|e| keras_rs::Error::io(format!("reading {path}"), e))?;
    let mut seen = Vec::new();
    for word in text.split(|c: char| !c.is_ascii_alphabetic()).map(str::to_ascii_lowercase) {
        if (3..=8).contains(&word.len()) && !seen.contains(&word) {
            seen.push(word);
        }
    }
    Ok(seen)
}

/// One-hot `(samples, steps, tokens)` encodings of `texts`; `offset` 1 drops the first
/// character (the decoder's targets: its inputs one step ahead).
fn one_hot(texts: &[String], tokens: &[char], steps: usize, offset: usize) -> Array3<f32> {
    let mut data = Array3::zeros((texts.len(), steps, tokens.len()));
    for (i, text) in texts.iter().enumerate() {
        for (t, c) in text.chars().skip(offset).enumerate() {
            let k = tokens.iter().position(|&x| x == c).expect("a known token");
            data[[i, t, k]] = 1.0;
        }
    }
    data
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(100);
    let input_texts = words()?;
    // "\t" starts and "\n" ends every target sequence, as keras.io's.
    let target_texts: Vec<String> =
        input_texts.iter().map(|w| format!("\t{}\n", w.chars().rev().collect::<String>())).collect();
    let mut input_chars: Vec<char> = input_texts.iter().flat_map(|t| t.chars()).collect();
    input_chars.sort_unstable();
    input_chars.dedup();
    let mut target_chars: Vec<char> = target_texts.iter().flat_map(|t| t.chars()).collect();
    target_chars.sort_unstable();
    target_chars.dedup();
    let max_encoder_seq_length = input_texts.iter().map(String::len).max().unwrap_or(1);
    let max_decoder_seq_length = target_texts.iter().map(String::len).max().unwrap_or(1);
    println!("Number of samples: {}", input_texts.len());
    println!("Number of unique input tokens: {}", input_chars.len());
    println!("Number of unique output tokens: {}", target_chars.len());
    println!("Max sequence length for inputs: {max_encoder_seq_length}");
    println!("Max sequence length for outputs: {max_decoder_seq_length}");
    let encoder_input_data = one_hot(&input_texts, &input_chars, max_encoder_seq_length, 0).into_dyn();
    let decoder_input_data = one_hot(&target_texts, &target_chars, max_decoder_seq_length, 0).into_dyn();
    let decoder_target_data = one_hot(&target_texts, &target_chars, max_decoder_seq_length, 1).into_dyn();
    let (num_encoder_tokens, num_decoder_tokens) = (input_chars.len(), target_chars.len());

    // The training model.
    let encoder_inputs = Input::new(&[None, Some(num_encoder_tokens)]).name("encoder_inputs");
    let encoder = LSTM::new(LATENT_DIM).return_state(true).name("encoder");
    let encoded = encoder.call_multi(&encoder_inputs)?;
    let encoder_states = [&encoded[1], &encoded[2]];
    let decoder_inputs = Input::new(&[None, Some(num_decoder_tokens)]).name("decoder_inputs");
    let decoder_lstm = LSTM::new(LATENT_DIM).return_sequences(true).return_state(true).name("decoder");
    let decoded = decoder_lstm.call_with_initial_state(&decoder_inputs, &encoder_states)?;
    let decoder_dense = Dense::new(num_decoder_tokens).activation("softmax").name("next_char");
    let decoder_outputs = decoder_dense.call(&decoded[0])?;
    let mut model = Model::new(&[&encoder_inputs, &decoder_inputs], &[decoder_outputs])?;
    model.compile("rmsprop", "categorical_crossentropy", &["accuracy"])?;
    let options = FitOptions::new().batch_size(BATCH_SIZE).epochs(epochs).validation_split(0.2);
    let history = model.fit(vec![&encoder_input_data, &decoder_input_data], &decoder_target_data, options)?;
    let val_accuracy = history.get("val_accuracy").last().copied().unwrap_or(f64::NAN);
    println!("Validation accuracy (characters): {val_accuracy:.4}");
    // keras.io saves the trained model (here in the temp directory, not the working tree).
    model.save(std::env::temp_dir().join("s2s_model.keras"))?;

    // The inference models share the trained layers: same layer values, new graphs.
    let encoder_model = Model::new(&[&encoder_inputs], &encoder_states)?;
    let state_h = Input::new(&[LATENT_DIM]).name("decoder_state_h");
    let state_c = Input::new(&[LATENT_DIM]).name("decoder_state_c");
    let stepped = decoder_lstm.call_with_initial_state(&decoder_inputs, &[&state_h.tensor(), &state_c.tensor()])?;
    let step_outputs = [decoder_dense.call(&stepped[0])?, stepped[1].clone(), stepped[2].clone()];
    let decoder_model = Model::new(&[&decoder_inputs, &state_h, &state_c], &step_outputs)?;
    // Building the inference models created new weights: take the trained ones by layer name.
    let (mut encoder_model, mut decoder_model) = (encoder_model, decoder_model);
    encoder_model.copy_weights_from(&model);
    decoder_model.copy_weights_from(&model);

    // Greedy decoding of the validation words (the last 20%, which `fit` did not train on).
    let decode_sequence = |input_seq: ArrayD<f32>| -> keras_rs::Result<String> {
        let mut states = encoder_model.predict(&input_seq, PredictOptions::new().verbose(0))?;
        let start = target_chars.iter().position(|&c| c == '\t').expect("start token");
        let mut target_seq = Array3::<f32>::zeros((1, 1, num_decoder_tokens));
        target_seq[[0, 0, start]] = 1.0;
        let mut decoded_sentence = String::new();
        loop {
            let inputs = [target_seq.clone().into_dyn(), states[0].clone(), states[1].clone()];
            let out = decoder_model.predict(inputs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0))?;
            // The most likely next character (keras.io's `np.argmax(output_tokens[0, -1, :])`).
            let probs = out[0].index_axis(Axis(0), 0).index_axis(Axis(0), 0).to_owned();
            let sampled = probs.iter().enumerate().fold((0, f32::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b }).0;
            let sampled_char = target_chars[sampled];
            if sampled_char == '\n' || decoded_sentence.len() > max_decoder_seq_length {
                break;
            }
            decoded_sentence.push(sampled_char);
            target_seq.fill(0.0);
            target_seq[[0, 0, sampled]] = 1.0;
            states = vec![out[1].clone(), out[2].clone()];
        }
        Ok(decoded_sentence)
    };
    let first_val = input_texts.len() - input_texts.len() / 5;
    let mut exact = 0;
    for (i, word) in input_texts.iter().enumerate().skip(first_val) {
        let seq = encoder_input_data.slice(s![i..i + 1, .., ..]).to_owned().into_dyn();
        let decoded = decode_sequence(seq)?;
        exact += usize::from(decoded == word.chars().rev().collect::<String>());
        if i < first_val + 5 {
            println!("-\nInput sentence: {word}\nDecoded sentence: {decoded}");
        }
    }
    let total = input_texts.len() - first_val;
    println!("Validation words spelled backwards exactly: {exact}/{total} ({:.4})", exact as f64 / total as f64);
    Ok(())
}
