//! Training curves of a `History` as PNG or SVG (plotters, with a bundled DejaVu Sans Mono so
//! nothing depends on the system's fonts).

use std::path::Path;

use plotters::prelude::*;

use crate::callbacks::History;
use crate::error::{Error, Result};

static FONT: &[u8] = include_bytes!("../../data/fonts/DejaVuSansMono.ttf");

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid; a failure would only lose the text.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::Backend(format!("could not draw the history plot: {e}"))
}

/// The metrics to plot: every logged name without `val_`, each with its `val_` twin if any.
fn panels(history: &History) -> Vec<(String, Vec<f64>, Option<Vec<f64>>)> {
    history
        .history
        .iter()
        .filter(|(k, _)| !k.starts_with("val_"))
        .map(|(k, v)| (k.clone(), v.clone(), history.history.get(&format!("val_{k}")).cloned()))
        .collect()
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, plotters::coord::Shift>, history: &History) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(plot_err)?;
    let panels = panels(history);
    let areas = root.split_evenly((panels.len().max(1), 1));
    let first_epoch = history.epoch.first().copied().unwrap_or(0) + 1;
    for ((name, train, val), area) in panels.iter().zip(areas) {
        let all = train.iter().chain(val.iter().flatten()).filter(|v| v.is_finite());
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let pad = ((hi - lo) * 0.08).max(1e-6);
        let last = first_epoch + train.len().max(2) - 1;
        let mut chart = ChartBuilder::on(&area)
            .caption(name, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(first_epoch as f64..last as f64, (lo - pad)..(hi + pad))
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(plot_err)?;
        let points = |v: &[f64]| -> Vec<(f64, f64)> {
            v.iter().enumerate().filter(|(_, y)| y.is_finite()).map(|(i, y)| ((first_epoch + i) as f64, *y)).collect()
        };
        for (label, values, color) in [("train", Some(train), BLUE), ("validation", val.as_ref(), RED)] {
            let Some(values) = values else { continue };
            let style = color.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points(values), style))
                .map_err(plot_err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            chart
                .draw_series(points(values).into_iter().map(|p| Circle::new(p, 3, color.filled())))
                .map_err(plot_err)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(plot_err)?;
    }
    root.present().map_err(plot_err)
}

/// Draws `history` to `path` (`.png` or `.svg`), one panel per metric with training and
/// validation curves. The file is written atomically.
pub(crate) fn plot_history(history: &History, path: &Path) -> Result<()> {
    if history.history.is_empty() {
        return Err(Error::value("The history is empty: there is nothing to plot (train with `fit` first)."));
    }
    register_font();
    let n = panels(history).len() as u32;
    let size = (900, 320 * n.max(1));
    let name = path.to_string_lossy().to_string();
    if name.ends_with(".svg") {
        let mut svg = String::new();
        draw(SVGBackend::with_string(&mut svg, size).into_drawing_area(), history)?;
        crate::saving::write_atomic(path, svg.as_bytes())
    } else if name.ends_with(".png") {
        crate::saving::write_atomic_with(path, |tmp| draw(BitMapBackend::new(tmp, size).into_drawing_area(), history))
    } else {
        Err(Error::value(format!("`History::plot` writes .png or .svg files. Received: {name}")))
    }
}
