//! `summary()`: Keras 3's table (rich's box drawing and column widths), as plain text.

use crate::layers::Layer;
use crate::shape::Shape;

/// One row of the summary table.
#[derive(Clone, Debug)]
pub struct SummaryRow {
    /// `name (ClassName)`.
    pub layer: String,
    /// `(None, 10)`, or `?` if not built.
    pub output_shape: String,
    /// The number of parameters.
    pub params: usize,
}

impl SummaryRow {
    /// The row for a layer.
    pub fn new(layer: &dyn Layer, output_shape: Option<&Shape>, params: usize) -> Self {
        SummaryRow {
            layer: format!("{} ({})", layer.name().unwrap_or("?"), layer.class_name()),
            output_shape: output_shape.map_or_else(|| "?".to_string(), |s| s.to_string()),
            params,
        }
    }
}

/// Python's `round` (half to even), which rich uses to share out the width.
fn round_half_even(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && (r as i64) % 2 != 0 { (r - x.signum()) as i64 } else { r as i64 }
}

/// The widths (padding included) of the three columns for a table `line_length` wide:
/// Keras' positions `[0.45, 0.80, 1.0]`, shrunk by rich's `ratio_reduce` to fit the borders.
pub fn column_widths(line_length: usize) -> [usize; 3] {
    let mut current = 0usize;
    let mut widths = [0usize; 3];
    for (i, pos) in [0.45f64, 0.80, 1.0].iter().enumerate() {
        let w = (pos * line_length as f64) as usize - current;
        widths[i] = w + 2; // rich adds one space of padding on each side
        current += w;
    }
    let max = line_length as i64 - 4; // four vertical borders
    let mut excess = widths.iter().sum::<usize>() as i64 - max;
    let mut ratio_left = 3i64;
    if excess > 0 {
        for w in widths.iter_mut() {
            let d = round_half_even(excess as f64 / ratio_left as f64).min(*w as i64);
            *w -= d as usize;
            excess -= d;
            ratio_left -= 1;
        }
    }
    widths
}

/// Formats a count with thousands separators: `101,770`.
pub fn with_commas(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Keras' `readable_memory_size` of float32 parameters: `397.54 KB`.
pub fn readable_size(params: usize) -> String {
    let mut size = params as f64 * 4.0;
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if size / 1024.0 < 1.0 {
            return format!("{size:.2} {unit}");
        }
        size /= 1024.0;
    }
    format!("{size:.2} PB")
}

fn fit(text: &str, width: usize, right: bool) -> String {
    let inner = width - 2;
    let t: String = text.chars().take(inner).collect();
    if right { format!(" {t:>inner$} ") } else { format!(" {t:<inner$} ") }
}

/// The whole summary text, `line_length` wide (Keras: `min(88, terminal columns - 4)`).
pub fn render(model_name: &str, rows: &[SummaryRow], counts: (usize, usize, usize), line_length: usize) -> String {
    let w = column_widths(line_length);
    let bar = |l: char, m: char, r: char, h: char| {
        format!(
            "{l}{}{m}{}{m}{}{r}\n",
            h.to_string().repeat(w[0]),
            h.to_string().repeat(w[1]),
            h.to_string().repeat(w[2])
        )
    };
    let mut out = format!("Model: \"{model_name}\"\n");
    out += &bar('┏', '┳', '┓', '━');
    out += &format!(
        "┃{}┃{}┃{}┃\n",
        fit("Layer (type)", w[0], false),
        fit("Output Shape", w[1], false),
        fit("Param #", w[2], true)
    );
    out += &bar('┡', '╇', '┩', '━');
    for (i, row) in rows.iter().enumerate() {
        out += &format!(
            "│{}│{}│{}│\n",
            fit(&row.layer, w[0], false),
            fit(&row.output_shape, w[1], false),
            fit(&with_commas(row.params), w[2], true)
        );
        out += &if i + 1 < rows.len() { bar('├', '┼', '┤', '─') } else { bar('└', '┴', '┘', '─') };
    }
    if rows.is_empty() {
        out += &bar('└', '┴', '┘', '─');
    }
    let (total, trainable, non_trainable) = counts;
    out += &format!(" Total params: {} ({})\n", with_commas(total), readable_size(total));
    out += &format!(" Trainable params: {} ({})\n", with_commas(trainable), readable_size(trainable));
    out += &format!(" Non-trainable params: {} ({})\n", with_commas(non_trainable), readable_size(non_trainable));
    out
}

/// Keras' default line length: `min(88, terminal columns - 4)`, 80 columns when stdout is
/// not a terminal.
pub fn default_line_length() -> usize {
    use std::io::IsTerminal;
    let columns: usize = if std::io::stdout().is_terminal() {
        std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(80)
    } else {
        80
    };
    88.min(columns.saturating_sub(4)).max(40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_rich() {
        assert_eq!(column_widths(76), [33, 24, 15]);
        assert_eq!(column_widths(80), [35, 26, 15]);
        assert_eq!(column_widths(70), [30, 23, 13]);
        assert_eq!(column_widths(60), [26, 19, 11]);
    }

    #[test]
    fn numbers_like_keras() {
        assert_eq!(with_commas(101770), "101,770");
        assert_eq!(with_commas(51), "51");
        assert_eq!(readable_size(195), "780.00 B");
        assert_eq!(readable_size(101770), "397.54 KB");
        assert_eq!(readable_size(0), "0.00 B");
    }
}
