//! keras.io's "Text classification with Transformer", transliterated: a user-defined
//! `TokenAndPositionEmbedding` layer (token embeddings plus learned position embeddings, two
//! `Embedding`s inside one layer), keras.io's Transformer block (multi-head self-attention,
//! dropout, residual connections with layer normalization, a feed-forward network), average
//! pooling over the sequence, an MLP head. keras.io classifies IMDB movie reviews, which are not
//! bundled; this runs the same code on the 10,568 Rotten Tomatoes review snippets bundled in
//! `examples/data/movie_review_snippets.tsv.gz`, each labelled negative (0) or positive (1) by
//! the mean of 20 human ratings (Pang & Lee's sentences as rated by Hutto & Gilbert; see
//! `examples/data/README.md` for their source and licence).
//!
//! Python Keras (keras.io):
//! ```python
//! class TransformerBlock(layers.Layer):
//!     def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
//!         super().__init__()
//!         self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
//!         self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
//!         self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
//!         self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
//!         self.dropout1 = layers.Dropout(rate)
//!         self.dropout2 = layers.Dropout(rate)
//!
//!     def call(self, inputs):
//!         attn_output = self.att(inputs, inputs)
//!         attn_output = self.dropout1(attn_output)
//!         out1 = self.layernorm1(inputs + attn_output)
//!         ffn_output = self.ffn(out1)
//!         ffn_output = self.dropout2(ffn_output)
//!         return self.layernorm2(out1 + ffn_output)
//!
//! class TokenAndPositionEmbedding(layers.Layer):
//!     def __init__(self, maxlen, vocab_size, embed_dim):
//!         super().__init__()
//!         self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
//!         self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)
//!
//!     def call(self, x):
//!         maxlen = ops.shape(x)[-1]
//!         positions = ops.arange(start=0, stop=maxlen, step=1)
//!         positions = self.pos_emb(positions)
//!         x = self.token_emb(x)
//!         return x + positions
//!
//! vocab_size = 20000  # Only consider the top 20k words
//! maxlen = 200  # Only consider the first 200 words of each movie review
//! (x_train, y_train), (x_val, y_val) = keras.datasets.imdb.load_data(num_words=vocab_size)
//! x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
//! x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)
//!
//! embed_dim = 32  # Embedding size for each token
//! num_heads = 2  # Number of attention heads
//! ff_dim = 32  # Hidden layer size in feed forward network inside transformer
//! inputs = layers.Input(shape=(maxlen,))
//! embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
//! x = embedding_layer(inputs)
//! transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
//! x = transformer_block(x)
//! x = layers.GlobalAveragePooling1D()(x)
//! x = layers.Dropout(0.1)(x)
//! x = layers.Dense(20, activation="relu")(x)
//! x = layers.Dropout(0.1)(x)
//! outputs = layers.Dense(2, activation="softmax")(x)
//! model = keras.Model(inputs=inputs, outputs=outputs)
//! model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//! history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val))
//! ```
//!
//! The Transformer block is written as a function that adds its layers to the graph (the same
//! layers and arithmetic as keras.io's subclassed layer); `TokenAndPositionEmbedding` is a
//! keras-rs user-defined layer, as in keras.io. The IMDB word indices come pre-tokenized; here
//! the snippets are split into lowercase words and the 20,000 most frequent training words are
//! numbered (0 pads, 1 is an unknown word), then `pad_sequences` as keras.io. A snippet has at
//! most 51 words, so `maxlen` is 64 rather than keras.io's 200 for whole reviews; every fifth
//! snippet is held out for validation. `python3 scripts/keras_reference.py text_transformer`
//! runs the Python on the same data. Run:
//! `cargo run --release --example text_classification_transformer`.

#[path = "data/snippets.rs"]
mod snippets;

use keras_rs::backend::DynTensor;
use keras_rs::burn::tensor::Tensor;
use keras_rs::layers::{CallContext, Embedding, Layer, LayerBase, VariableSpec, Weights};
use keras_rs::prelude::*;
use keras_rs::utils::{PadOptions, pad_sequences};
use keras_rs::{Error, Shape};
use serde_json::{Value, json};
use snippets::{Labelled, load_data};

const VOCAB_SIZE: usize = 20_000;
/// keras.io's 200 words of a review; the longest snippet has 51.
const MAXLEN: usize = 64;
const EMBED_DIM: usize = 32;
const NUM_HEADS: usize = 2;
const FF_DIM: usize = 32;

/// keras.io's `TokenAndPositionEmbedding`: each token's embedding plus its position's, both
/// learned (`token_emb/embeddings` `(vocab_size, embed_dim)`, `pos_emb/embeddings`
/// `(maxlen, embed_dim)`).
#[derive(Clone, Debug)]
struct TokenAndPositionEmbedding {
    base: LayerBase,
    maxlen: usize,
    vocab_size: usize,
    embed_dim: usize,
    token_emb: Embedding,
    pos_emb: Embedding,
}

impl TokenAndPositionEmbedding {
    fn new(maxlen: usize, vocab_size: usize, embed_dim: usize) -> Self {
        TokenAndPositionEmbedding {
            base: LayerBase::default(),
            maxlen,
            vocab_size,
            embed_dim,
            token_emb: Embedding::new(vocab_size, embed_dim),
            pos_emb: Embedding::new(maxlen, embed_dim),
        }
    }
}

impl Layer for TokenAndPositionEmbedding {
    fn class_name(&self) -> &'static str {
        "TokenAndPositionEmbedding"
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn config(&self) -> Value {
        json!({"maxlen": self.maxlen, "vocab_size": self.vocab_size, "embed_dim": self.embed_dim})
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> keras_rs::Result<Shape> {
        match input_shape.0[..] {
            [batch, Some(steps)] if steps <= self.maxlen => Ok(Shape(vec![batch, Some(steps), Some(self.embed_dim)])),
            _ => Err(Error::value(format!(
                "TokenAndPositionEmbedding takes token ids of shape (batch, steps) with at most {} steps; received \
                 {input_shape}",
                self.maxlen
            ))),
        }
    }
    fn build(&mut self, input_shape: &Shape) -> keras_rs::Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        let tokens = self.token_emb.build(input_shape)?;
        let positions = self.pos_emb.build(&Shape(vec![Some(self.maxlen)]))?;
        let named = |prefix: &str, specs: Vec<VariableSpec>| -> Vec<VariableSpec> {
            specs.into_iter().map(|s| VariableSpec { name: format!("{prefix}/{}", s.name), ..s }).collect()
        };
        Ok([named("token_emb", tokens), named("pos_emb", positions)].concat())
    }
    fn forward(
        &self,
        inputs: DynTensor,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> keras_rs::Result<DynTensor> {
        let steps = inputs.dims()[1];
        let tokens: Tensor<3> = self.token_emb.forward(inputs, weights.slice(0..1), ctx)?.into_rank("tokens")?;
        // `pos_emb(arange(steps))`: the first `steps` rows of the position table.
        let positions: Tensor<2> = weights.tensor::<2>("pos_emb/embeddings")?.narrow(0, 0, steps);
        Ok(DynTensor::new(tokens + positions.unsqueeze::<3>()))
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
}

/// keras.io's `TransformerBlock`, as layers added to the graph.
fn transformer_block(
    inputs: &KerasTensor,
    embed_dim: usize,
    num_heads: usize,
    ff_dim: usize,
    rate: f32,
) -> keras_rs::Result<KerasTensor> {
    let attn_output = MultiHeadAttention::new(num_heads, embed_dim).call(&[inputs, inputs])?;
    let attn_output = Dropout::new(rate).call(&attn_output)?;
    let out1 = LayerNormalization::new().epsilon(1e-6).call(&(inputs + &attn_output)?)?;
    let ffn_output = Dense::new(ff_dim).activation("relu").call(&out1)?;
    let ffn_output = Dense::new(embed_dim).call(&ffn_output)?;
    let ffn_output = Dropout::new(rate).call(&ffn_output)?;
    LayerNormalization::new().epsilon(1e-6).call(&(&out1 + &ffn_output)?)
}

/// Lowercase words: runs of ASCII letters, digits and apostrophes, without leading or trailing
/// apostrophes (`scripts/keras_reference.py` splits the same way).
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word ids: the `VOCAB_SIZE - 2` most frequent training words (ties alphabetical) from 2, 1 for
/// any other word, 0 for padding.
fn vocabulary(train: &[Labelled]) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for (_, text) in train {
        for w in words(text) {
            *counts.entry(w).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.into_iter().take(VOCAB_SIZE - 2).enumerate().map(|(i, (w, _))| (w, i + 2)).collect()
}

/// Token ids `(n, MAXLEN)` padded as `keras.utils.pad_sequences`, and the labels `(n,)`.
fn vectorize(
    rows: &[Labelled],
    vocab: &std::collections::HashMap<String, usize>,
) -> keras_rs::Result<(ndarray::ArrayD<f32>, ndarray::ArrayD<f32>)> {
    let ids: Vec<Vec<u32>> = rows
        .iter()
        .map(|(_, t)| words(t).iter().map(|w| vocab.get(w).copied().unwrap_or(1) as u32).collect())
        .collect();
    let x = pad_sequences(&ids, PadOptions::new().maxlen(MAXLEN))?.into_dyn();
    let y = ndarray::Array1::from_iter(rows.iter().map(|(l, _)| *l as f32)).into_dyn();
    Ok((x, y))
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(2);
    let (train, val) = load_data()?;
    let vocab = vocabulary(&train);
    let (x_train, y_train) = vectorize(&train, &vocab)?;
    let (x_val, y_val) = vectorize(&val, &vocab)?;
    println!("{} Training sequences", train.len());
    println!("{} Validation sequences", val.len());
    // The same numbers as `scripts/keras_reference.py text_transformer` prints: the same data.
    let id_sum: f64 = x_train.iter().chain(&x_val).map(|&v| f64::from(v)).sum();
    println!("{} words numbered; token ids sum to {id_sum}", vocab.len());

    let inputs = Input::new(&[MAXLEN]);
    let embedding_layer = TokenAndPositionEmbedding::new(MAXLEN, VOCAB_SIZE, EMBED_DIM);
    let x = keras_rs::models::call_layer(&embedding_layer, &inputs)?.remove(0);
    let x = transformer_block(&x, EMBED_DIM, NUM_HEADS, FF_DIM, 0.1)?;
    let x = GlobalAveragePooling1D::new().call(&x)?;
    let x = Dropout::new(0.1).call(&x)?;
    let x = Dense::new(20).activation("relu").call(&x)?;
    let x = Dropout::new(0.1).call(&x)?;
    let outputs = Dense::new(2).activation("softmax").call(&x)?;
    let mut model = Model::new(&[inputs], &[outputs])?;
    model.summary();
    model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    let options = FitOptions::new().batch_size(32).epochs(epochs).validation_data(&x_val, &y_val);
    let history = model.fit(&x_train, &y_train, options)?;
    let val_accuracy = history.get("val_accuracy").last().copied().unwrap_or(f64::NAN);
    println!("Validation accuracy: {val_accuracy:.4}");
    Ok(())
}
