//! The bundled movie-review snippets (`movie_review_snippets.tsv.gz`: a label, a tab, the
//! text), shared by the text examples.

use keras_rs::Error;

/// A snippet's label (0 negative, 1 positive) and text.
pub type Labelled = (usize, String);

/// The labelled snippets: every fifth one for validation, the rest for training.
pub fn load_data() -> keras_rs::Result<(Vec<Labelled>, Vec<Labelled>)> {
    use std::io::Read;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/movie_review_snippets.tsv.gz");
    let file = std::fs::File::open(path).map_err(|e| Error::value(format!("Cannot read {path}: {e}")))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .map_err(|e| Error::value(format!("Cannot read {path}: {e}")))?;
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (label, sentence) =
            line.split_once('\t').ok_or_else(|| Error::value(format!("{path}: no tab in {line:?}")))?;
        let label = label.parse().map_err(|_| Error::value(format!("{path}: bad label {label:?}")))?;
        rows.push((label, sentence.to_string()));
    }
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (i, row) in rows.into_iter().enumerate() {
        if i % 5 == 4 { val.push(row) } else { train.push(row) }
    }
    Ok((train, val))
}
