//! `image_dataset_from_directory` and `text_dataset_from_directory` against Keras 3
//! (`tests/fixtures/directory_datasets.py`): the same PNG and text files give the same file order,
//! split, labels, resized pixels and texts; a model trains on an image folder; unreadable files
//! and empty folders are clear errors.

mod common;

use std::path::{Path, PathBuf};

use common::fixture;
use keras_rs::prelude::*;
use keras_rs::utils::{
    ImageDataset, ImageDatasetOptions, TextDatasetOptions, image_dataset_from_directory,
    image_dataset_from_directory_both, text_dataset_from_directory, text_dataset_from_directory_both,
};
use ndarray::{ArrayD, Axis};
use serde_json::Value;

/// The fixture's folder, written here with the same pixel rule as the generator.
fn write_folder(fx: &Value, name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("keras_rs_images_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (index, file) in fx["files"].as_array().unwrap().iter().enumerate() {
        let (class, file_name) = (file[0].as_str().unwrap(), file[1].as_str().unwrap());
        let (h, w) = (file[2].as_u64().unwrap() as u32, file[3].as_u64().unwrap() as u32);
        let path = root.join(class).join(file_name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let image = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb(std::array::from_fn(|c| ((index as u32 * 37 + y * 11 + x * 13 + c as u32 * 17) % 256) as u8))
        });
        image.save_with_format(&path, image::ImageFormat::Png).unwrap();
    }
    std::fs::write(root.join("cats").join("notes.txt"), "not an image").unwrap();
    root
}

fn options(arguments: &Value) -> ImageDatasetOptions {
    let mut o = ImageDatasetOptions::new().verbose(false).workers(2);
    for (key, value) in arguments.as_object().unwrap() {
        o = match key.as_str() {
            "shuffle" => o.shuffle(value.as_bool().unwrap()),
            "seed" => o.seed(value.as_u64().unwrap() as u32),
            "image_size" => o.image_size(value[0].as_u64().unwrap() as usize, value[1].as_u64().unwrap() as usize),
            "batch_size" => o.batch_size(value.as_u64().unwrap() as usize),
            "validation_split" => o.validation_split(value.as_f64().unwrap()),
            "subset" => o.subset(value.as_str().unwrap()),
            "label_mode" => o.label_mode(value.as_str().unwrap()),
            "interpolation" => o.interpolation(value.as_str().unwrap()),
            "class_names" => {
                let names: Vec<&str> = value.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
                o.class_names(&names)
            }
            other => panic!("argument {other} not handled by the test"),
        };
    }
    o
}

/// Every batch of a dataset, concatenated: images and labels.
fn read_all(dataset: &ImageDataset) -> (ArrayD<f32>, ArrayD<f32>) {
    let batches: Vec<DatasetBatch> = (0..dataset.num_batches()).map(|i| dataset.get_batch(i).unwrap()).collect();
    let cat = |pick: &dyn Fn(&DatasetBatch) -> ArrayD<f32>| {
        let parts: Vec<ArrayD<f32>> = batches.iter().map(pick).collect();
        ndarray::concatenate(Axis(0), &parts.iter().map(|a| a.view()).collect::<Vec<_>>()).unwrap()
    };
    (cat(&|b| b.x[0].clone()), cat(&|b| b.y[0].clone()))
}

fn check(dataset: &ImageDataset, root: &Path, want: &Value, case: &str) {
    let files: Vec<String> =
        dataset.file_paths().iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect();
    let want_files: Vec<&str> = want["files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(files, want_files, "{case}: file order");
    let names: Vec<&str> = want["class_names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(dataset.class_names(), names, "{case}: class names");
    let (images, labels) = read_all(dataset);
    common::assert_close(&images, &common::array(&want["images"]), 1e-4, 1e-4, &format!("{case}: images"));
    common::assert_close(&labels, &common::array(&want["labels"]), 1e-6, 0.0, &format!("{case}: labels"));
}

#[test]
fn the_same_folder_gives_keras_files_split_labels_and_pixels() {
    let fx = fixture("directory_datasets.json");
    let root = write_folder(&fx, "parity");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let o = options(&case["arguments"]);
        if case["arguments"]["subset"] == "both" {
            let (train, val) = image_dataset_from_directory_both(&root, o).unwrap();
            check(&train, &root, &case["first"], &format!("{name} training"));
            check(&val, &root, &case["second"], &format!("{name} validation"));
        } else {
            check(&image_dataset_from_directory(&root, o).unwrap(), &root, &case["first"], name);
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_model_trains_on_a_folder_and_bad_files_are_named() {
    let fx = fixture("directory_datasets.json");
    let root = write_folder(&fx, "train");
    let options = || ImageDatasetOptions::new().image_size(4, 4).batch_size(4).seed(3).verbose(false);
    let mut dataset = image_dataset_from_directory(&root, options()).unwrap();
    let mut model = Sequential::new()
        .seed(1)
        .add(Input::new(&[4, 4, 3]))
        .add(Flatten::new())
        .add(Dense::new(3).activation("softmax"));
    model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let history = model.fit_dataset(&mut dataset, FitOptions::new().epochs(3).verbose(0)).unwrap();
    assert_eq!(history.history["loss"].len(), 3);
    let predictions = model.predict_dataset(&mut dataset, PredictOptions::new().verbose(0)).unwrap();
    assert_eq!(predictions.shape(), &[11, 3]);

    // A file that is not an image stops fit with its name.
    std::fs::write(root.join("cats").join("img_01.png"), b"not a png").unwrap();
    let mut dataset = image_dataset_from_directory(&root, options().shuffle(false)).unwrap();
    let err = model.fit_dataset(&mut dataset, FitOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("img_01.png") && err.contains("not a readable image"), "{err}");

    // A folder without images, and a missing folder.
    let empty = root.join("birds").join("empty_class_folder_test");
    std::fs::create_dir_all(&empty).unwrap();
    let err = image_dataset_from_directory(&empty, options()).unwrap_err().to_string();
    assert!(err.contains("No images found in directory") && err.contains(".png"), "{err}");
    let err = image_dataset_from_directory(root.join("missing"), options()).unwrap_err().to_string();
    assert!(err.contains("missing"), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn text_folders_give_keras_files_split_labels_and_texts() {
    let fx = fixture("directory_datasets.json");
    let root = std::env::temp_dir().join(format!("keras_rs_texts_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for text in fx["texts"].as_array().unwrap() {
        let path = root.join(text[0].as_str().unwrap()).join(text[1].as_str().unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text[2].as_str().unwrap()).unwrap();
    }
    std::fs::write(root.join("pos").join("image.png"), b"not text").unwrap();
    let relative = |files: &[PathBuf]| -> Vec<String> {
        files.iter().map(|p| p.strip_prefix(&root).unwrap().to_string_lossy().into_owned()).collect()
    };
    let strings =
        |v: &Value| -> Vec<String> { v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect() };
    let cases = fx["text_cases"].as_array().unwrap();

    // In file order, cut to 6 bytes ("café " is 6 bytes), in batches of 3.
    let sorted = &cases[0]["first"];
    let o = TextDatasetOptions::new().shuffle(false).batch_size(3).max_length(6).verbose(false);
    let dataset = text_dataset_from_directory(&root, o).unwrap();
    assert_eq!(relative(dataset.file_paths()), strings(&sorted["files"]));
    assert_eq!(dataset.class_names(), strings(&sorted["class_names"]));
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for i in 0..dataset.num_batches() {
        let (t, l) = dataset.get_batch(i).unwrap();
        texts.extend(t);
        labels.extend(l.unwrap().iter().copied());
    }
    assert_eq!(texts, strings(&sorted["texts"]));
    let want: Vec<f32> = sorted["labels"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
    assert_eq!(labels, want);

    // Shuffled with NumPy's generator and split as Keras does.
    let split = &cases[1];
    let o = TextDatasetOptions::new().seed(1337).validation_split(0.3).label_mode("binary").verbose(false);
    let (train, val) = text_dataset_from_directory_both(&root, o).unwrap();
    assert_eq!(relative(train.file_paths()), strings(&split["first"]["files"]));
    assert_eq!(relative(val.file_paths()), strings(&split["second"]["files"]));
    let (_, labels) = val.get_batch(0).unwrap();
    assert_eq!(labels.unwrap().shape(), &[2, 1]);
    let err = text_dataset_from_directory(root.join("pos").join("more").join("c.txt"), TextDatasetOptions::new());
    assert!(err.is_err());
    std::fs::remove_dir_all(&root).unwrap();
}
