"""Runs the Python Keras originals of keras-rs' examples on the bundled MNIST split, for the
"real Keras 3 reaches X%" numbers the examples are compared with.

Usage: pip install keras "jax[cpu]"; KERAS_BACKEND=jax python3 scripts/keras_reference.py [mlp|convnet|convnet_bn|autoencoder|augmentation|seq2seq|transformer|text_transformer|text_from_scratch]
(text_from_scratch: its end-to-end part runs with KERAS_BACKEND=tensorflow, as Keras' string inputs need TensorFlow)
"""

import gzip
import os
import struct
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keras-rs", "data", "mnist")
TEXT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "data", "movie_review_snippets.tsv.gz")


def idx(name):
    raw = gzip.open(os.path.join(DATA, name + ".gz")).read()
    magic, n = struct.unpack(">II", raw[:8])
    if magic == 0x0803:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw[16:], np.uint8).reshape(n, rows, cols)
    return np.frombuffer(raw[8:], np.uint8)


def autoencoder(x_train, x_test, epochs=3):
    """keras.io's denoising autoencoder, as examples/denoising_autoencoder.rs runs it (its noise
    comes from NumPy here, keras-rs' from its own generator: the same distribution)."""
    train_data, test_data = x_train[..., None] / 255.0, x_test[..., None] / 255.0
    rng = np.random.default_rng(1)
    noisy_train_data = np.clip(train_data + 0.4 * rng.normal(size=train_data.shape), 0.0, 1.0)
    noisy_test_data = np.clip(test_data + 0.4 * rng.normal(size=test_data.shape), 0.0, 1.0)
    inputs = layers.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    model = keras.Model(inputs, x)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(noisy_train_data, train_data, epochs=epochs, batch_size=128, shuffle=True,
              validation_data=(noisy_test_data, test_data), verbose=2)
    loss = model.evaluate(noisy_test_data, test_data, verbose=0)
    denoised = model.predict(noisy_test_data, verbose=0)
    print(f"autoencoder: test loss {loss:.4f}; mean squared error to the clean test digits: noisy "
          f"{np.mean((noisy_test_data - test_data) ** 2):.4f}, denoised {np.mean((denoised - test_data) ** 2):.4f}")


def augmentation(x_train, y_train, x_test, y_test, epochs=10):
    """examples/mnist_augmentation.rs: augmentation and rescaling inside the model, raw pixels in
    (the random draws come from Keras' generator here, keras-rs' own there: the same distributions)."""
    data_augmentation = keras.Sequential([layers.RandomRotation(0.1), layers.RandomZoom(0.1),
                                          layers.RandomTranslation(0.1, 0.1)], name="data_augmentation")
    model = keras.Sequential([keras.Input((28, 28, 1)), data_augmentation, layers.Rescaling(1.0 / 255),
                              layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                              layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train[..., None].astype("float32"), y_train, batch_size=128, epochs=epochs, validation_split=0.1,
              verbose=2)
    loss, acc = model.evaluate(x_test[..., None].astype("float32"), y_test, verbose=0)
    print(f"augmentation: test loss {loss:.4f}, test accuracy {acc:.4f}")


def seq2seq(epochs=100, latent_dim=128, batch_size=64):
    """examples/char_seq2seq.rs: keras.io's character-level seq2seq (encoder LSTM states start
    the decoder LSTM; greedy decoding with inference models sharing the trained layers) on the
    words of the bundled Coriolanus text, spelled backwards."""
    import re
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "data", "coriolanus.txt")
    input_texts = []
    for word in (w.lower() for w in re.findall("[A-Za-z]+", open(path).read())):
        if 3 <= len(word) <= 8 and word not in input_texts:
            input_texts.append(word)
    target_texts = ["\t" + w[::-1] + "\n" for w in input_texts]
    input_characters = sorted(set("".join(input_texts)))
    target_characters = sorted(set("".join(target_texts)))
    num_encoder_tokens, num_decoder_tokens = len(input_characters), len(target_characters)
    max_encoder_seq_length = max(len(t) for t in input_texts)
    max_decoder_seq_length = max(len(t) for t in target_texts)
    input_token_index = {c: i for i, c in enumerate(input_characters)}
    target_token_index = {c: i for i, c in enumerate(target_characters)}
    encoder_input_data = np.zeros((len(input_texts), max_encoder_seq_length, num_encoder_tokens), dtype="float32")
    decoder_input_data = np.zeros((len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32")
    decoder_target_data = np.zeros((len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32")
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.0
        for t, char in enumerate(target_text):
            decoder_input_data[i, t, target_token_index[char]] = 1.0
            if t > 0:
                decoder_target_data[i, t - 1, target_token_index[char]] = 1.0
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = layers.LSTM(latent_dim, return_state=True)
    _, state_h, state_c = encoder(encoder_inputs)
    encoder_states = [state_h, state_c]
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    decoder_lstm = layers.LSTM(latent_dim, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
    decoder_dense = layers.Dense(num_decoder_tokens, activation="softmax")
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_dense(decoder_outputs))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit([encoder_input_data, decoder_input_data], decoder_target_data, batch_size=batch_size,
                        epochs=epochs, validation_split=0.2, verbose=2)
    print(f"seq2seq: validation accuracy (characters) {history.history['val_accuracy'][-1]:.4f}")
    encoder_model = keras.Model(encoder_inputs, encoder_states)
    state_inputs = [keras.Input(shape=(latent_dim,)), keras.Input(shape=(latent_dim,))]
    outputs, h, c = decoder_lstm(decoder_inputs, initial_state=state_inputs)
    decoder_model = keras.Model([decoder_inputs] + state_inputs, [decoder_dense(outputs), h, c])

    def decode_sequence(input_seq):
        states_value = encoder_model.predict(input_seq, verbose=0)
        target_seq = np.zeros((1, 1, num_decoder_tokens))
        target_seq[0, 0, target_token_index["\t"]] = 1.0
        decoded = ""
        while True:
            output_tokens, h, c = decoder_model.predict([target_seq] + states_value, verbose=0)
            sampled = int(np.argmax(output_tokens[0, -1, :]))
            char = target_characters[sampled]
            if char == "\n" or len(decoded) > max_decoder_seq_length:
                return decoded
            decoded += char
            target_seq = np.zeros((1, 1, num_decoder_tokens))
            target_seq[0, 0, sampled] = 1.0
            states_value = [h, c]

    first_val = len(input_texts) - len(input_texts) // 5
    exact = sum(decode_sequence(encoder_input_data[i:i + 1]) == input_texts[i][::-1]
                for i in range(first_val, len(input_texts)))
    total = len(input_texts) - first_val
    print(f"seq2seq: validation words spelled backwards exactly {exact}/{total} ({exact / total:.4f})")


def transformer(x_train, y_train, x_test, y_test, epochs=10):
    """examples/timeseries_transformer.rs: keras.io's "Timeseries classification with a
    Transformer model" (its code and hyperparameters) on MNIST digits read as 28 steps of 28 values."""

    def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
        x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout)(inputs, inputs)
        x = layers.Dropout(dropout)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs
        x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
        x = layers.Dropout(dropout)(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        return x + res

    inputs = keras.Input(shape=(28, 28))
    x = inputs
    for _ in range(4):
        x = transformer_encoder(x, 256, 4, 4, 0.25)
    x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
    x = layers.Dropout(0.4)(layers.Dense(128, activation="relu")(x))
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=1e-4),
                  metrics=["sparse_categorical_accuracy"])
    callbacks = [keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)]
    model.fit(x_train / 255.0, y_train, validation_split=0.2, epochs=epochs, batch_size=64, callbacks=callbacks,
              verbose=2)
    loss, acc = model.evaluate(x_test / 255.0, y_test, verbose=0)
    print(f"transformer: test loss {loss:.4f}, test accuracy {acc:.4f}")


def snippets():
    """The bundled movie-review snippets as (label, text): every fifth one for validation, the
    rest for training (as examples/data/snippets.rs reads them)."""
    rows = []
    with gzip.open(TEXT_DATA, "rt", encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line:
                label, text = line.split("\t", 1)
                rows.append((int(label), text))
    return [r for i, r in enumerate(rows) if i % 5 != 4], [r for i, r in enumerate(rows) if i % 5 == 4]


def text_transformer(epochs=2, vocab_size=20000, maxlen=64, embed_dim=32, num_heads=2, ff_dim=32):
    """examples/text_classification_transformer.rs: keras.io's "Text classification with
    Transformer" (its code and hyperparameters, maxlen 64 for snippets of at most 51 words) on the
    bundled movie-review snippets, split and numbered as the Rust example does."""
    import re
    from keras import ops

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output)
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = ops.arange(start=0, stop=maxlen, step=1)
            positions = self.pos_emb(positions)
            x = self.token_emb(x)
            return x + positions

    def words(text):
        return [w.strip("'") for w in re.split(r"[^a-z0-9']", text.lower()) if w.strip("'")]

    train, val = snippets()
    counts = {}
    for _, text in train:
        for w in words(text):
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:vocab_size - 2]
    vocab = {w: i + 2 for i, (w, _) in enumerate(ranked)}

    def vectorize(rows):
        x = keras.utils.pad_sequences([[vocab.get(w, 1) for w in words(t)] for _, t in rows], maxlen=maxlen)
        return x, np.array([label for label, _ in rows])

    (x_train, y_train), (x_val, y_val) = vectorize(train), vectorize(val)
    print(len(x_train), "Training sequences")
    print(len(x_val), "Validation sequences")
    print(f"{len(vocab)} words numbered; token ids sum to {int(x_train.sum()) + int(x_val.sum())}")
    inputs = layers.Input(shape=(maxlen,))
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads, ff_dim)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_data=(x_val, y_val))
    print(f"text_transformer: validation accuracy {history.history['val_accuracy'][-1]:.4f}")


def text_from_scratch(epochs=3, max_features=20000, embedding_dim=128, sequence_length=64):
    """examples/text_classification_from_scratch.rs: keras.io's "Text classification from
    scratch" (its code and hyperparameters, sequence_length 64 for snippets of at most 51 words)
    on the bundled movie-review snippets, split as the Rust example does; then the end-to-end
    model on the raw validation strings (TensorFlow backend)."""
    import tensorflow as tf

    train, val = snippets()
    train_texts, val_texts = [t for _, t in train], [t for _, t in val]
    y_train = np.array([l for l, _ in train], dtype="float32")
    y_val = np.array([l for l, _ in val], dtype="float32")
    print(f"{len(train)} Training texts / {len(val)} Validation texts")
    vectorize_layer = layers.TextVectorization(max_tokens=max_features, output_mode="int",
                                               output_sequence_length=sequence_length)
    vectorize_layer.adapt(tf.constant(train_texts))
    print(f"Vocabulary: {vectorize_layer.vocabulary_size()} indices")
    x_train = np.asarray(vectorize_layer(tf.constant(train_texts)))
    x_val = np.asarray(vectorize_layer(tf.constant(val_texts)))
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_data=(x_val, y_val), verbose=2)
    if keras.backend.backend() != "tensorflow":
        return  # Keras' string inputs need TensorFlow: the training above runs on any backend
    text = keras.Input(shape=(1,), dtype="string")
    end_to_end_model = keras.Model(text, model(vectorize_layer(text)))
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    _, acc = end_to_end_model.evaluate(tf.constant(val_texts)[:, None], y_val, verbose=0)
    print(f"End-to-end validation accuracy: {acc:.4f}")


def main(which):
    keras.utils.set_random_seed(1337)
    if which == "seq2seq":
        return seq2seq()
    if which == "text_transformer":
        return text_transformer()
    if which == "text_from_scratch":
        return text_from_scratch()
    x_train, y_train = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte")
    x_test, y_test = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
    if which == "autoencoder":
        return autoencoder(x_train, x_test)
    if which == "augmentation":
        return augmentation(x_train, y_train, x_test, y_test)
    if which == "transformer":
        return transformer(x_train, y_train, x_test, y_test)
    if which == "mlp":
        x_train, x_test = x_train.reshape(-1, 784) / 255.0, x_test.reshape(-1, 784) / 255.0
        model = keras.Sequential([keras.Input((784,)), layers.Dense(128, activation="relu"),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1, verbose=2)
    else:
        x_train, x_test = x_train[..., None] / 255.0, x_test[..., None] / 255.0
        if which == "convnet":
            stack = [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                     layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2)]
            epochs = 15
        else:
            stack = [layers.Conv2D(32, 3, use_bias=False), layers.BatchNormalization(), layers.Activation("relu"),
                     layers.MaxPooling2D(2), layers.Conv2D(64, 3, use_bias=False), layers.BatchNormalization(),
                     layers.Activation("relu"), layers.MaxPooling2D(2)]
            epochs = 8
        model = keras.Sequential([keras.Input((28, 28, 1)), *stack, layers.Flatten(), layers.Dropout(0.5),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1, verbose=2)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"{which}: test loss {loss:.4f}, test accuracy {acc:.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mlp")
