//! Recurrent layers: `SimpleRNN`, `LSTM`, `GRU` — own cells in Keras' weight layout.

mod base_rnn;
mod gru;
mod lstm;
mod simple_rnn;

pub use gru::GRU;
pub use lstm::LSTM;
pub use simple_rnn::SimpleRNN;
