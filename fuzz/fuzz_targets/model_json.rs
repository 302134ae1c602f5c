//! Any text given to `model_from_json` returns a model or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = keras_rs::models::model_from_json(text);
    }
});
