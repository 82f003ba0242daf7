//! The one chart renderer: a line chart of a measure's actual values and targets over time, as
//! inline SVG drawn on the server with `plotters` (SVG backend). Pages show the same data as a
//! table beside the chart.

use chrono::{Datelike, NaiveDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{escape_xml, Error};
use crate::network::model::{PartialDate, MAX_OBSERVATION_VALUE};
use crate::network::report::format_number;

/// Size of the chart in SVG user units (it scales to its container).
pub const SIZE: (u32, u32) = (720, 340);
/// Most period labels on the x axis.
const MAX_X_LABELS: usize = 8;
/// Colour of the actual series (the site's accent blue).
const ACTUAL: RGBColor = RGBColor(0x0b, 0x5c, 0xad);
/// Colour of the target series (a dark orange, distinct from blue for colour-blind readers; the
/// series also differ by dash and marker).
const TARGET: RGBColor = RGBColor(0xb3, 0x58, 0x06);

/// One observation to plot.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// The period; plotted at its first day.
    pub period: PartialDate,
    pub actual: f64,
    pub target: Option<f64>,
}

fn days(d: NaiveDate) -> f64 {
    d.num_days_from_ce() as f64
}


/// The y range of a chart of `values`: always from zero or below to zero or above (so the span is
/// at least the largest magnitude and never degenerate), 10 % of headroom above and 5 % below
/// when negative; `0..1` when every value is zero. `None` when a value cannot be charted: not
/// finite, or beyond [`MAX_OBSERVATION_VALUE`] either way (only records stored before that bound
/// was checked), so plotters is never handed an infinite or degenerate range (it loops forever
/// computing tick marks for one).
pub fn y_range(values: &[f64]) -> Option<(f64, f64)> {
    if values.iter().any(|v| !v.is_finite() || v.abs() > MAX_OBSERVATION_VALUE) {
        return None;
    }
    let lo = values.iter().copied().fold(0.0, f64::min);
    let mut hi = values.iter().copied().fold(0.0, f64::max);
    if hi <= lo {
        hi = lo + 1.0;
    }
    let span = hi - lo;
    let (y0, y1) = (if lo < 0.0 { lo - span * 0.05 } else { lo }, hi + span * 0.1);
    (y0.is_finite() && y1.is_finite() && y1 > y0).then_some((y0, y1))
}

fn ie<E: std::fmt::Display>(e: E) -> Error {
    Error::Internal(anyhow::anyhow!("drawing a chart: {e}"))
}

/// Draw the chart of a measure: the actual values as a solid line with round markers, the
/// targets (where given) as a dashed line with triangles, the x axis labelled "Period", the y
/// axis labelled with `unit`, and a legend. `id` makes the title's element id unique on the
/// page; `title` becomes the SVG `<title>` it is labelled by. `None` when there is nothing to plot
/// or the values cannot be charted (see [`y_range`]; the page then says so beside the table).
pub fn measure_chart(id: &str, title: &str, unit: &str, points: &[ChartPoint]) -> Result<Option<String>, Error> {
    if points.is_empty() {
        return Ok(None);
    }
    let mut pts = points.to_vec();
    pts.sort_by_key(|p| p.period.first_day());
    let actual: Vec<(f64, f64)> = pts.iter().map(|p| (days(p.period.first_day()), p.actual)).collect();
    let target: Vec<(f64, f64)> = pts.iter().filter_map(|p| p.target.map(|t| (days(p.period.first_day()), t))).collect();

    let xs = actual.iter().map(|p| p.0);
    let (mut x0, mut x1) = (xs.clone().fold(f64::INFINITY, f64::min), xs.fold(f64::NEG_INFINITY, f64::max));
    if x1 - x0 < 1.0 {
        x0 -= 180.0;
        x1 += 180.0;
    }
    let pad = (x1 - x0) * 0.05;
    let (x0, x1) = (x0 - pad, x1 + pad);
    let ys: Vec<f64> = actual.iter().chain(&target).map(|p| p.1).collect();
    let Some((y0, y1)) = y_range(&ys) else { return Ok(None) };

    // Tick marks at the observations' own periods (at most MAX_X_LABELS of them, evenly
    // thinned), labelled as the periods are written, so a year is never shown twice.
    let mut ticks: Vec<(f64, String)> = pts.iter().map(|p| (days(p.period.first_day()), p.period.to_string())).collect();
    ticks.dedup_by(|a, b| a.0 == b.0);
    if ticks.len() > MAX_X_LABELS {
        let step = ticks.len().div_ceil(MAX_X_LABELS);
        let last = ticks.len() - 1;
        ticks = ticks.into_iter().enumerate().filter(|(i, _)| i % step == 0 || *i == last).map(|(_, t)| t).collect();
    }

    let y_label = |y: &f64| format_number(*y);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(ie)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(ie)?;
        chart
            .configure_mesh()
            .x_desc("Period")
            .y_desc(unit)
            .y_labels(6)
            .x_labels(0)
            .disable_x_mesh()
            .y_label_formatter(&y_label)
            .label_style(("sans-serif", 17).into_font().color(&BLACK))
            .axis_desc_style(("sans-serif", 18).into_font().color(&BLACK))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(0xd0, 0xd7, 0xde))
            .draw()
            .map_err(ie)?;
        // The x labels: the periods themselves, under a short tick.
        let label_style = ("sans-serif", 17).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
        chart
            .draw_series(ticks.iter().map(|(x, text)| {
                EmptyElement::at((*x, y0))
                    + PathElement::new(vec![(0, 0), (0, 6)], BLACK.stroke_width(1))
                    + Text::new(text.clone(), (0, 9), label_style.clone())
            }))
            .map_err(ie)?;
        chart
            .draw_series(LineSeries::new(actual.clone(), ACTUAL.stroke_width(3)))
            .map_err(ie)?
            .label("Actual")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], ACTUAL.stroke_width(3)));
        chart.draw_series(actual.iter().map(|p| Circle::new(*p, 5, ACTUAL.filled()))).map_err(ie)?;
        if !target.is_empty() {
            chart
                .draw_series(DashedLineSeries::new(target.clone(), 8, 5, TARGET.stroke_width(2)))
                .map_err(ie)?
                .label("Target")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], TARGET.stroke_width(2)));
            chart.draw_series(target.iter().map(|p| TriangleMarker::new(*p, 6, TARGET.filled()))).map_err(ie)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 17).into_font().color(&BLACK))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(0x8c, 0x95, 0x9f))
            .draw()
            .map_err(ie)?;
        root.present().map_err(ie)?;
    }
    // Label the drawing for assistive technology: role, a unique title id, the title itself.
    let title_id = format!("{}-title", escape_xml(id));
    let Some(open_end) = svg.find('>') else { return Err(ie("the SVG backend wrote no <svg> element")) };
    let head = svg[..open_end].replacen("<svg ", &format!(r#"<svg role="img" aria-labelledby="{title_id}" class="chart-svg" "#), 1);
    let out = format!("{head}>\n<title id=\"{title_id}\">{}</title>{}", escape_xml(title), &svg[open_end + 1..]);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SVG backend writes each text on its own line inside `<text>`.
    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!(">\n{text}\n</text>"))
    }

    fn pt(period: &str, actual: f64, target: Option<f64>) -> ChartPoint {
        ChartPoint { period: PartialDate::parse(period).unwrap(), actual, target }
    }

    #[test]
    fn chart_has_both_series_axis_labels_and_a_title() {
        let svg = measure_chart(
            "m1",
            "Apprentices hired: actual and target, 2021 to 2024",
            "people",
            &[pt("2023", 14.0, Some(15.0)), pt("2021", 4.0, Some(5.0)), pt("2022", 9.0, Some(10.0)), pt("2024", 22.0, None)],
        )
        .unwrap()
        .unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-labelledby=\"m1-title\""), "{}", &svg[..200]);
        assert!(svg.contains("<title id=\"m1-title\">Apprentices hired: actual and target, 2021 to 2024</title>"));
        assert!(has_text(&svg, "Actual") && has_text(&svg, "Target"), "legend of both series");
        assert!(has_text(&svg, "Period") && has_text(&svg, "people"), "axis descriptions");
        for year in ["2021", "2022", "2023", "2024"] {
            assert_eq!(svg.matches(&format!(">\n{year}\n</text>")).count(), 1, "one x label for {year}");
        }
        // Four round markers for the actual values, three triangles for the targets.
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.matches("<polygon").count() >= 3);
        assert!(!svg.contains("style="), "no inline styles (CSP)");
    }

    #[test]
    fn one_point_without_target_still_draws_and_nothing_draws_nothing() {
        let svg = measure_chart("m2", "One", "USD", &[pt("2024-06", 1500.0, None)]).unwrap().unwrap();
        assert!(has_text(&svg, "Actual") && !has_text(&svg, "Target"));
        assert!(has_text(&svg, "USD") && has_text(&svg, "2024-06"));
        assert!(measure_chart("m3", "None", "USD", &[]).unwrap().is_none());
    }

    fn well_formed(svg: &str) {
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..svg.len().min(200)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "no non-finite coordinates");
    }

    #[test]
    fn extreme_equal_and_single_values_chart_quickly() {
        let started = std::time::Instant::now();
        let svg = measure_chart("e1", "Extremes", "USD", &[pt("2023", 1e15, Some(-1e15)), pt("2024", -1e15, Some(1e15))]).unwrap().unwrap();
        well_formed(&svg);
        assert_eq!(svg.matches("<circle").count(), 2);
        for v in [1e15, -1e15, 0.0, 1e-300, -3.5] {
            let svg = measure_chart("e2", "Equal", "USD", &[pt("2022", v, Some(v)), pt("2023", v, Some(v)), pt("2024", v, None)]).unwrap().unwrap();
            well_formed(&svg);
            let svg = measure_chart("e3", "Single", "USD", &[pt("2024", v, None)]).unwrap().unwrap();
            well_formed(&svg);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    }

    #[test]
    fn values_that_cannot_be_charted_give_no_chart() {
        // Stored before values were bounded: 1.7e308 widened by 10 % is infinite.
        for v in [1.7e308, -1e308, 1e16, f64::NAN, f64::INFINITY] {
            assert_eq!(measure_chart("x", "X", "USD", &[pt("2024", v, None)]).unwrap(), None, "{v}");
            assert_eq!(measure_chart("x", "X", "USD", &[pt("2024", 1.0, Some(v))]).unwrap(), None, "{v}");
        }
        assert_eq!(y_range(&[2.0, 12.0]), Some((0.0, 13.2)));
        assert_eq!(y_range(&[0.0]), Some((0.0, 1.1)));
        assert_eq!(y_range(&[-10.0, -20.0]), Some((-21.0, 2.0)));
    }
}
