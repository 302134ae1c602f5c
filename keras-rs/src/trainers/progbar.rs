//! Keras 3's progress bar (`keras.utils.Progbar`): a pure line formatter plus a small driver
//! that draws it with indicatif on a terminal and prints one line per epoch otherwise.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Keras' `_format_time`: ` 8ms/step`, ` 3s/step`, ` 950us/step`.
pub fn format_time(time_per_unit: f64, unit: &str) -> String {
    if time_per_unit >= 1.0 || time_per_unit == 0.0 {
        format!(" {time_per_unit:.0}s/{unit}")
    } else if time_per_unit >= 1e-3 {
        format!(" {:.0}ms/{unit}", time_per_unit * 1000.0)
    } else {
        format!(" {:.0}us/{unit}", time_per_unit * 1_000_000.0)
    }
}

/// A metric value as Keras prints it: `0.1327`, or `1.2346e-04` when small.
pub fn format_value(v: f64, use_abs: bool) -> String {
    let big = if use_abs { v.abs() > 1e-3 } else { v > 1e-3 };
    if big {
        return format!("{v:.4}");
    }
    // Python's `{:.4e}` writes at least two exponent digits with a sign: 1.2346e-04.
    let s = format!("{v:.4e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

/// Keras' ETA text: `3s`, `1:05`, `1:00:05` (seconds truncated as `%d` does).
pub fn format_eta(eta: f64) -> String {
    let e = eta.max(0.0);
    if e > 3600.0 {
        format!("{}:{:02}:{:02}", (e / 3600.0) as u64, ((e % 3600.0) / 60.0) as u64, (e % 60.0) as u64)
    } else if e > 60.0 {
        format!("{}:{:02}", (e / 60.0) as u64, (e % 60.0) as u64)
    } else {
        format!("{}s", e as u64)
    }
}

/// One verbose-1 line: `391/391 ━━━━━━━━━━━━━━━━━━━━ 3s 8ms/step - accuracy: 0.9592 - loss: 0.1327`.
///
/// `seconds` is the ETA while running and the elapsed time when `finalize` is true. With
/// `color`, the bold/green/white ANSI codes Keras writes are included.
///
/// ```
/// use keras_rs::trainers::progbar::format_line;
/// let line = format_line(391, 391, 3.2, 0.008, &[("accuracy".into(), 0.95921), ("loss".into(), 0.13274)], true, false);
/// assert_eq!(line, "391/391 ━━━━━━━━━━━━━━━━━━━━ 3s 8ms/step - accuracy: 0.9592 - loss: 0.1327");
/// ```
pub fn format_line(
    current: usize,
    target: usize,
    seconds: f64,
    time_per_step: f64,
    values: &[(String, f64)],
    finalize: bool,
    color: bool,
) -> String {
    let width = 20usize;
    let digits = target.max(1).to_string().len();
    let count = format!("{current:>digits$}/{target}");
    let prog_width = if target > 0 { (width as f64 * current as f64 / target as f64) as usize } else { 0 }.min(width);
    let (done, todo) = ("━".repeat(prog_width), "━".repeat(width - prog_width));
    let time = if finalize { format!("{seconds:.0}s") } else { format_eta(seconds) };
    let mut line = if color {
        let done = if prog_width > 0 { format!("\x1b[32m{done}\x1b[0m") } else { String::new() };
        format!("\x1b[1m{count}\x1b[0m {done}\x1b[37m{todo}\x1b[0m \x1b[1m{time}\x1b[0m")
    } else {
        format!("{count} {done}{todo} {time}")
    };
    line += &format_time(time_per_step, "step");
    for (k, v) in values {
        line += &format!(" - {k}: {}", format_value(*v, true));
    }
    line
}

/// One verbose-2 line, printed once per epoch: `4/4 - 1s - 334ms/step - accuracy: 0.3500 - loss: 1.1426`.
///
/// ```
/// use keras_rs::trainers::progbar::format_line_verbose2;
/// let line = format_line_verbose2(4, 4, 1.2, 0.334, &[("loss".into(), 1.14257)]);
/// assert_eq!(line, "4/4 - 1s - 334ms/step - loss: 1.1426");
/// ```
pub fn format_line_verbose2(
    current: usize,
    target: usize,
    elapsed: f64,
    time_per_step: f64,
    values: &[(String, f64)],
) -> String {
    let digits = target.max(1).to_string().len();
    let mut line = format!("{current:>digits$}/{target} - {elapsed:.0}s -{}", format_time(time_per_step, "step"));
    for (k, v) in values {
        line += &format!(" - {k}: {}", format_value(*v, false));
    }
    line
}

/// Draws the bar for one epoch (or one `evaluate`/`predict`), as Keras' `ProgbarLogger`.
pub struct Progbar {
    target: usize,
    verbose: u8,
    start: Instant,
    after_first_step: Option<Instant>,
    last_update: Option<Instant>,
    bar: Option<ProgressBar>,
    color: bool,
}

impl Progbar {
    /// A bar for `target` steps; `verbose` 0 (silent), 1 (bar) or 2 (one line at the end).
    pub fn new(target: usize, verbose: u8) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let bar = (verbose == 1 && terminal).then(|| {
            let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            pb.set_style(ProgressStyle::with_template("{msg}").expect("static template"));
            pb
        });
        Progbar {
            target,
            verbose,
            start: Instant::now(),
            after_first_step: None,
            last_update: None,
            bar,
            color: terminal,
        }
    }

    /// Keras' `_estimate_step_duration`: ignores the (slow) first step once there are more.
    fn step_duration(&mut self, current: usize, now: Instant) -> f64 {
        if current == 0 {
            return 0.0;
        }
        let t = match self.after_first_step {
            Some(first) if current > 1 => (now - first).as_secs_f64() / (current - 1) as f64,
            _ => (now - self.start).as_secs_f64() / current as f64,
        };
        if current == 1 {
            self.after_first_step = Some(now);
        }
        t
    }

    /// Whether an update now would be drawn (Keras redraws at most every 50 ms); lets callers
    /// skip reading metric values from the device when nothing is shown.
    fn wants_update(&self) -> bool {
        self.bar.is_some() && self.last_update.is_none_or(|t| t.elapsed().as_secs_f64() >= 0.05)
    }

    /// Redraws after step `current` (1-based) with the running values.
    pub fn update(&mut self, current: usize, values: &[(String, f64)]) {
        let now = Instant::now();
        let per_step = self.step_duration(current, now);
        if let Some(bar) = &self.bar {
            let eta = per_step * (self.target.saturating_sub(current)) as f64;
            bar.set_message(format_line(current, self.target, eta, per_step, values, false, self.color));
            self.last_update = Some(now);
        }
    }

    /// After step `current` (1-based): redraws with `values()` when a redraw is due, otherwise
    /// only records the step's time — so the values (a device read) are fetched only when shown.
    pub fn step(&mut self, current: usize, values: impl FnOnce() -> Vec<(String, f64)>) {
        if self.wants_update() {
            self.update(current, &values());
        } else {
            self.tick(current);
        }
    }

    /// Records a step without drawing (keeps the time estimate right).
    fn tick(&mut self, current: usize) {
        let now = Instant::now();
        self.step_duration(current, now);
    }

    /// Prints the final line of the epoch with the epoch's values.
    pub fn finish(mut self, values: &[(String, f64)]) {
        let now = Instant::now();
        let per_step = self.step_duration(self.target, now);
        let elapsed = (now - self.start).as_secs_f64();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        match self.verbose {
            1 => outln!("{}", format_line(self.target, self.target, elapsed, per_step, values, true, self.color)),
            2 => outln!("{}", format_line_verbose2(self.target, self.target, elapsed, per_step, values)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs() -> Vec<(String, f64)> {
        vec![
            ("accuracy".into(), 0.3125),
            ("loss".into(), 1.16734),
            ("val_accuracy".into(), 0.3),
            ("val_loss".into(), 1.12564),
        ]
    }

    #[test]
    fn final_line_matches_keras_snapshot() {
        // Keras 3.15.1: "3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 4ms/step - accuracy: 0.3125 - loss: 1.1673 - val_accuracy: 0.3000 - val_loss: 1.1256"
        assert_eq!(
            format_line(3, 3, 0.3, 0.004, &logs(), true, false),
            "3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 4ms/step - accuracy: 0.3125 - loss: 1.1673 - val_accuracy: 0.3000 - val_loss: 1.1256"
        );
    }

    #[test]
    fn running_line_has_eta_and_partial_bar() {
        let line =
            format_line(1, 3, 0.0, 0.002, &[("accuracy".into(), 0.40625), ("loss".into(), 1.1165)], false, false);
        assert_eq!(line, "1/3 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.4062 - loss: 1.1165");
        let line = format_line(25, 391, 125.0, 0.3, &[], false, false);
        assert_eq!(line, " 25/391 ━━━━━━━━━━━━━━━━━━━━ 2:05 300ms/step");
        let colored = format_line(1, 4, 3.0, 0.5, &[], false, true);
        assert_eq!(
            colored,
            "\x1b[1m1/4\x1b[0m \x1b[32m━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m \x1b[1m3s\x1b[0m 500ms/step"
        );
    }

    #[test]
    fn verbose2_line_matches_keras_snapshot() {
        // Keras 3.15.1: "4/4 - 1s - 334ms/step - accuracy: 0.3500 - loss: 1.1426"
        let line = format_line_verbose2(4, 4, 1.2, 0.334, &[("accuracy".into(), 0.35), ("loss".into(), 1.1426)]);
        assert_eq!(line, "4/4 - 1s - 334ms/step - accuracy: 0.3500 - loss: 1.1426");
    }

    #[test]
    fn small_values_and_times() {
        assert_eq!(format_value(0.000123456, true), "1.2346e-04");
        assert_eq!(format_value(-0.5, true), "-0.5000");
        assert_eq!(format_value(-0.5, false), "-5.0000e-01");
        assert_eq!(format_time(0.0000005, "step"), " 0us/step");
        assert_eq!(format_time(2.4, "step"), " 2s/step");
        assert_eq!(format_eta(3725.0), "1:02:05");
    }
}
