//! Any bytes as the `model.weights.h5` of a valid `.keras` file (the corpus' small Functional
//! model: Conv2D, BatchNormalization, MaxPooling2D, Flatten, Dense, compiled with Adam) return a
//! model or an error, never a panic: the HDF5 reader and the weight checks see the fuzzed data,
//! past the zip's checksums.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

const CONFIG: &str = include_str!("../corpus/weights_h5_config.json");

fuzz_target!(|data: &[u8]| {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("config.json", options).unwrap();
    zip.write_all(CONFIG.as_bytes()).unwrap();
    zip.start_file("model.weights.h5", options).unwrap();
    zip.write_all(data).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let _ = keras_rs::models::load_model_from_bytes(bytes);
});
