//! Recurrent layers: `SimpleRNN`, `LSTM`, `GRU` (own cells in Keras' weight layout),
//! `ConvLSTM2D`, and the `Bidirectional` and `TimeDistributed` wrappers.

mod base_rnn;
mod bidirectional;
mod conv_lstm2d;
mod gru;
mod lstm;
mod simple_rnn;
mod time_distributed;

pub use bidirectional::Bidirectional;
pub use conv_lstm2d::{ConvLSTM2D, ConvLSTM2DConfig};
pub use gru::GRU;
pub use lstm::LSTM;
pub use simple_rnn::SimpleRNN;
pub use time_distributed::TimeDistributed;
