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
    /// Functional models that are not a chain: the inbound tensors (`dense[0][0], ...`).
    pub connected_to: Option<String>,
}

impl SummaryRow {
    /// The row for a layer.
    pub fn new(layer: &dyn Layer, output_shape: Option<&Shape>, params: usize) -> Self {
        SummaryRow {
            layer: format!("{} ({})", layer.name().unwrap_or("?"), layer.class_name()),
            output_shape: output_shape.map_or_else(|| "?".to_string(), |s| s.to_string()),
            params,
            connected_to: None,
        }
    }
}

impl SummaryRow {
    /// The row of a built layer: its parameter count and output shape (a list when the layer
    /// has several outputs, as Keras prints them).
    pub fn for_entry(network: &crate::models::Network, entry: &crate::models::LayerEntry) -> Self {
        let params = network.variables[entry.vars.clone()].iter().map(|v| v.shape.iter().product::<usize>()).sum();
        let mut row = SummaryRow::new(entry.layer.as_ref(), Some(entry.output_shape()), params);
        if entry.output_shapes.len() > 1 {
            let shapes: Vec<String> = entry.output_shapes.iter().map(Shape::to_string).collect();
            row.output_shape = format!("[{}]", shapes.join(", "));
        }
        row
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
    let w = widths_at(&[0.45, 0.80, 1.0], line_length);
    [w[0], w[1], w[2]]
}

/// Column widths (padding included) for Keras' column `positions` (fractions of the line).
pub fn widths_at(positions: &[f64], line_length: usize) -> Vec<usize> {
    let mut current = 0usize;
    let mut widths = Vec::with_capacity(positions.len());
    for pos in positions {
        let w = (pos * line_length as f64) as usize - current;
        widths.push(w + 2); // rich adds one space of padding on each side
        current += w;
    }
    let max = line_length as i64 - positions.len() as i64 - 1; // vertical borders
    let mut excess = widths.iter().sum::<usize>() as i64 - max;
    let mut ratio_left = widths.len() as i64;
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

/// Rich's word wrap of a cell: words (split at spaces) fill lines greedily; a word longer
/// than the line is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let fits = if line.is_empty() {
            word.chars().count() <= width
        } else {
            line.chars().count() + 1 + word.chars().count() <= width
        };
        if fits {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let chars: Vec<char> = word.chars().collect();
        let mut chunks = chars.chunks(width).map(|c| c.iter().collect::<String>()).peekable();
        while let Some(chunk) = chunks.next() {
            if chunks.peek().is_some() {
                lines.push(chunk);
            } else {
                line = chunk;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
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

fn pad(text: &str, width: usize, right: bool) -> String {
    let inner = width - 2;
    if right { format!(" {text:>inner$} ") } else { format!(" {text:<inner$} ") }
}

/// The whole summary text, `line_length` wide (Keras: `min(88, terminal columns - 4)`, or 108
/// for Functional graphs, whose rows have a `Connected to` column).
pub fn render(
    model_name: &str,
    rows: &[SummaryRow],
    counts: (usize, usize, usize),
    optimizer_params: Option<usize>,
    line_length: usize,
) -> String {
    let four = rows.iter().any(|r| r.connected_to.is_some());
    let (positions, header, right): (&[f64], &[&str], &[bool]) = if four {
        (
            &[0.3, 0.56, 0.74, 1.0],
            &["Layer (type)", "Output Shape", "Param #", "Connected to"],
            &[false, false, true, false],
        )
    } else {
        (&[0.45, 0.80, 1.0], &["Layer (type)", "Output Shape", "Param #"], &[false, false, true])
    };
    let w = widths_at(positions, line_length);
    let bar = |l: char, m: char, r: char, h: char| {
        let cells: Vec<String> = w.iter().map(|&n| h.to_string().repeat(n)).collect();
        format!("{l}{}{r}\n", cells.join(&m.to_string()))
    };
    let line = |cells: &[String], sep: char| -> String {
        let mut lines: Vec<Vec<String>> = cells.iter().zip(&w).map(|(c, &n)| wrap(c, n - 2)).collect();
        let height = lines.iter().map(Vec::len).max().unwrap_or(1);
        for l in &mut lines {
            l.resize(height, String::new());
        }
        (0..height)
            .map(|k| {
                let parts: Vec<String> =
                    lines.iter().zip(&w).zip(right).map(|((l, &n), &r)| pad(&l[k], n, r)).collect();
                format!("{sep}{}{sep}\n", parts.join(&sep.to_string()))
            })
            .collect()
    };
    let mut out = format!("Model: \"{model_name}\"\n");
    out += &bar('┏', '┳', '┓', '━');
    out += &line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>(), '┃');
    out += &bar('┡', '╇', '┩', '━');
    for (i, row) in rows.iter().enumerate() {
        let mut cells = vec![row.layer.clone(), row.output_shape.clone(), with_commas(row.params)];
        if four {
            cells.push(row.connected_to.clone().unwrap_or_else(|| "-".into()));
        }
        out += &line(&cells, '│');
        out += &if i + 1 < rows.len() { bar('├', '┼', '┤', '─') } else { bar('└', '┴', '┘', '─') };
    }
    if rows.is_empty() {
        out += &bar('└', '┴', '┘', '─');
    }
    let (total, trainable, non_trainable) = counts;
    let total = total + optimizer_params.unwrap_or(0); // Keras counts the optimizer's variables too
    out += &format!(" Total params: {} ({})\n", with_commas(total), readable_size(total));
    out += &format!(" Trainable params: {} ({})\n", with_commas(trainable), readable_size(trainable));
    out += &format!(" Non-trainable params: {} ({})\n", with_commas(non_trainable), readable_size(non_trainable));
    if let Some(n) = optimizer_params {
        out += &format!(" Optimizer params: {} ({})\n", with_commas(n), readable_size(n));
    }
    out
}

/// Keras' default line length: `min(88, terminal columns - 4)`, 80 columns when stdout is
/// not a terminal.
pub fn default_line_length() -> usize {
    default_line_length_for(88)
}

/// `min(longest, terminal columns - 4)`, 80 columns when stdout is not a terminal.
pub fn default_line_length_for(longest: usize) -> usize {
    use std::io::IsTerminal;
    let columns: usize = if std::io::stdout().is_terminal() {
        std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(80)
    } else {
        80
    };
    longest.min(columns.saturating_sub(4)).max(40)
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
    fn cells_wrap_at_spaces_like_rich() {
        assert_eq!(wrap("dense[0][0], dense_1[0][0]", 14), vec!["dense[0][0],", "dense_1[0][0]"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), vec![""]);
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
