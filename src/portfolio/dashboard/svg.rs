//! Inline SVG charts for the dashboard: a line chart over dates and a sparkline. No
//! script: tooltips are SVG `<title>` elements, and every plotted point carries its series,
//! date and value as `data-` attributes (what the browser test reads back).
//!
//! Series are told apart by colour (a palette safe for colour-blind readers, set in the
//! page's CSS as `.s0`…`.s7`) and by dash pattern, so a print in grey still reads.

use std::fmt::Write;

use jiff::civil::Date;

/// One line of a chart.
pub struct Series<'a> {
    /// The `data-series` value, a stable identifier (`overall`, a rule id, …).
    pub id: &'a str,
    /// What the legend and tooltips call it.
    pub label: &'a str,
    /// `(date, value)` in date order; `None` where the series has no value (a gap).
    pub values: Vec<(Date, Option<f64>)>,
}

/// How a chart's values read.
#[derive(Clone, Copy)]
pub struct Scale {
    /// The top of the y axis; `None`: the largest value, rounded up.
    pub max: Option<f64>,
    /// Decimals shown (1 for percentages, 0 for counts).
    pub decimals: usize,
    /// Appended to values in labels (`%`, or empty).
    pub unit: &'static str,
}

const W: f64 = 720.0;
const H: f64 = 260.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 36.0;

/// Escapes text for HTML and SVG content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `v` with `decimals` decimals.
pub fn num(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

/// A nice axis top at or above `v`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

/// The x position of each date: by days since the first, over the plot's width.
fn xs(dates: &[Date]) -> Vec<f64> {
    let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
        return Vec::new();
    };
    let span = f64::from((*last - *first).get_days()).max(0.0);
    dates
        .iter()
        .map(|d| {
            if span == 0.0 {
                LEFT + (W - LEFT - RIGHT) / 2.0
            } else {
                LEFT + f64::from((*d - *first).get_days()) / span * (W - LEFT - RIGHT)
            }
        })
        .collect()
}

/// A line chart of `series` over their dates (all series share the dates of the first),
/// with axes, grid lines and a point per value. `id` names the chart (`data-chart`) and
/// its title element; `title` and `summary` are what a screen reader announces.
pub fn line_chart(id: &str, title: &str, summary: &str, series: &[Series], scale: Scale) -> String {
    let dates: Vec<Date> = series
        .first()
        .map(|s| s.values.iter().map(|v| v.0).collect())
        .unwrap_or_default();
    let top = scale.max.unwrap_or_else(|| {
        nice_ceiling(
            series
                .iter()
                .flat_map(|s| s.values.iter().filter_map(|v| v.1))
                .fold(0.0, f64::max),
        )
    });
    let x = xs(&dates);
    let y = |v: f64| TOP + (1.0 - v / top) * (H - TOP - BOTTOM);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" data-chart="{id}" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(summary)
    );
    axes(&mut out, &dates, &x, top, scale, &y);
    for (i, s) in series.iter().enumerate() {
        plot(&mut out, s, i % 8, &x, &y, scale);
    }
    out.push_str("</svg>");
    out
}

fn axes(
    out: &mut String,
    dates: &[Date],
    x: &[f64],
    top: f64,
    scale: Scale,
    y: &dyn Fn(f64) -> f64,
) {
    out.push_str(r#"<g class="axis" aria-hidden="true">"#);
    for k in 0..=4 {
        let v = top * f64::from(k) / 4.0;
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{}{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            // Whole ticks as integers; 12.5 and 37.5 (a top of 50) keep their decimal.
            num(v, if v.fract().abs() < 1e-9 { 0 } else { 1 }),
            scale.unit,
            y = y(v),
        );
    }
    // At most seven date labels, evenly spaced; the last date always, and the label
    // before it only when it has room. The end labels are anchored inward.
    let n = dates.len();
    let step = n.saturating_sub(1).div_ceil(6).max(1);
    let picks = (0..n.saturating_sub(1))
        .step_by(step)
        .filter(|i| *i == 0 || i + step < n)
        .chain(n.checked_sub(1).filter(|l| *l > 0 || n == 1));
    for i in picks {
        let anchor = match i {
            0 if n > 1 => "start",
            i if i + 1 == n && n > 1 => "end",
            _ => "middle",
        };
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
            x[i],
            H - BOTTOM + 18.0,
            dates[i]
        );
    }
    out.push_str("</g>");
}

fn plot(
    out: &mut String,
    s: &Series,
    class: usize,
    x: &[f64],
    y: &dyn Fn(f64) -> f64,
    scale: Scale,
) {
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (_, v)) in s.values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x[i],
                    y(*v)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(
        out,
        r#"<g class="series s{class}" data-series="{}"><path d="{}"/>"#,
        esc(s.id),
        path.trim_end()
    );
    for (i, (d, v)) in s.values.iter().enumerate() {
        let Some(v) = v else { continue };
        let shown = num(*v, scale.decimals);
        let _ = write!(
            out,
            r#"<circle cx="{:.1}" cy="{:.1}" r="3" data-date="{d}" data-value="{shown}"><title>{}, {d}: {shown}{}</title></circle>"#,
            x[i],
            y(*v),
            esc(s.label),
            scale.unit
        );
    }
    out.push_str("</g>");
}

/// A small line of `values` (percentages, 0–100) for a table cell; decorative, since the
/// row beside it gives the numbers.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const SW: f64 = 120.0;
    const SH: f64 = 24.0;
    let n = values.len().max(2) - 1;
    let mut path = String::new();
    let mut pen_down = false;
    let mut last = None;
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else {
            pen_down = false;
            continue;
        };
        let (px, py) = (
            2.0 + i as f64 / n as f64 * (SW - 4.0),
            2.0 + (1.0 - v / 100.0) * (SH - 4.0),
        );
        let _ = write!(path, "{}{px:.1},{py:.1} ", if pen_down { "L" } else { "M" });
        pen_down = true;
        last = Some((px, py));
    }
    let dot = last.map_or(String::new(), |(px, py)| {
        format!(r#"<circle cx="{px:.1}" cy="{py:.1}" r="2"/>"#)
    });
    format!(
        r#"<svg class="spark" viewBox="0 0 {SW} {SH}" width="{SW}" height="{SH}" aria-hidden="true"><path d="{}"/>{dot}</svg>"#,
        path.trim_end()
    )
}

/// A legend entry's line sample for series class `class`.
pub fn swatch(class: usize) -> String {
    format!(
        r#"<svg class="swatch series s{class}" viewBox="0 0 28 10" width="28" height="10" aria-hidden="true"><path d="M1,5 L27,5"/></svg>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(37.0), 50.0);
        assert_eq!(nice_ceiling(180.0), 200.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(10.0), 10.0);
    }

    #[test]
    fn gaps_break_the_line_and_points_carry_values() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let s = Series {
            id: "overall",
            label: "All <repos>",
            values: vec![
                (d("2026-01-05"), Some(50.0)),
                (d("2026-01-12"), None),
                (d("2026-01-19"), Some(75.5)),
            ],
        };
        let scale = Scale {
            max: Some(100.0),
            decimals: 1,
            unit: "%",
        };
        let svg = line_chart("c", "t", "s", &[s], scale);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(r#"data-date="2026-01-19" data-value="75.5""#));
        assert_eq!(svg.matches('M').count(), 2, "two runs of line: {svg}");
        assert!(svg.contains("All &lt;repos&gt;"));
    }

    #[test]
    fn date_labels_never_crowd_the_last_one() {
        let dates: Vec<Date> = (0..12)
            .map(|w| {
                "2026-01-05"
                    .parse::<Date>()
                    .unwrap()
                    .checked_add(jiff::Span::new().days(7 * w))
                    .unwrap()
            })
            .collect();
        let series = [Series {
            id: "x",
            label: "x",
            values: dates.iter().map(|d| (*d, Some(1.0))).collect(),
        }];
        let svg = line_chart(
            "c",
            "t",
            "s",
            &series,
            Scale {
                max: None,
                decimals: 0,
                unit: "",
            },
        );
        let labelled: Vec<&str> = dates
            .iter()
            .map(|d| d.to_string())
            .filter(|d| svg.contains(&format!(">{d}</text>")))
            .map(|d| if d == "2026-03-23" { "last" } else { "other" })
            .collect();
        assert_eq!(labelled.len(), 6, "{svg}");
        assert_eq!(labelled.last(), Some(&"last"));
        assert!(
            !svg.contains(">2026-03-16</text>"),
            "the one before the last has no room"
        );
        // One date: one label.
        let one = [Series {
            id: "x",
            label: "x",
            values: vec![(dates[0], Some(1.0))],
        }];
        assert_eq!(
            line_chart(
                "c",
                "t",
                "s",
                &one,
                Scale {
                    max: None,
                    decimals: 0,
                    unit: ""
                }
            )
            .matches("</text>")
            .count(),
            5 + 1
        );
    }
}
