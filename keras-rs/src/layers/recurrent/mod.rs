//! Recurrent layers: `SimpleRNN`, `LSTM`, `GRU` (own cells in Keras' weight layout), and the
//! `Bidirectional` and `TimeDistributed` wrappers.

mod base_rnn;
mod bidirectional;
mod gru;
mod lstm;
mod simple_rnn;
mod time_distributed;

pub use bidirectional::Bidirectional;
pub use gru::GRU;
pub use lstm::LSTM;
pub use simple_rnn::SimpleRNN;
pub use time_distributed::TimeDistributed;
