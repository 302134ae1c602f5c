//! Any bytes given to the `.keras` reader return a model or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keras_rs::models::load_model_from_bytes(data.to_vec());
});
