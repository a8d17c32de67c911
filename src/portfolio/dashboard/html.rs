//! The dashboard page: one HTML document with its CSS inline and its charts as inline SVG.
//! A Content-Security-Policy forbids every fetch, so the page opens the same from
//! `file://`, an artifact store or a mail attachment. Each chart sits beside a table of
//! the same values (readable without colour and by screen readers).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::history::{mean_time_to_compliance, Point, Ratio};
use super::svg::{self, esc, num, Scale, Series};
use super::{Dashboard, ATTENTION_TIER, HORIZON_DAYS};
use crate::portfolio::drift::Drift;

/// Lines listed at most in one table; the rest are counted.
const MAX_ROWS: usize = 500;

/// The scale of the compliance charts.
const PERCENT: Scale = Scale {
    max: Some(100.0),
    decimals: 1,
    unit: "%",
};

/// Series drawn at most in one chart (the palette's size); every group is in the table.
const MAX_SERIES: usize = 8;

const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--bad:#b3261e;--good:#1a7f37;
--c0:#0072b2;--c1:#d55e00;--c2:#009e73;--c3:#cc79a7;--c4:#56b4e9;--c5:#e69f00;--c6:#6a3d9a;--c7:#57606a}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#161b22;--line:#30363d;
--bad:#ff7b72;--good:#3fb950;--c0:#58a6ff;--c7:#9198a1}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1280px;margin:0 auto;padding:0 20px}header{padding-top:20px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta,.note{color:var(--muted)}nav a{margin-right:12px;color:var(--c0)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:16px 0}
.tile{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.tile .v{font-size:24px;font-weight:600}.tile .k{color:var(--muted)}
.pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px;align-items:start}
.pair.even{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
@media (max-width:900px){.pair,.pair.even{grid-template-columns:1fr}}
.scroll{max-height:340px;overflow:auto;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--panel);position:sticky;top:0}td:first-child{white-space:nowrap}td.n,th.n{text-align:right}
.chart{width:100%;height:auto;background:var(--panel);border:1px solid var(--line);border-radius:6px}
.axis line{stroke:var(--line)}.axis text{fill:var(--muted);font-size:11px}
.series path{fill:none;stroke-width:2}.series circle{stroke:none}
.s0 path{stroke:var(--c0)}.s0 circle{fill:var(--c0)}.s1 path{stroke:var(--c1);stroke-dasharray:7 3}.s1 circle{fill:var(--c1)}
.s2 path{stroke:var(--c2);stroke-dasharray:2 3}.s2 circle{fill:var(--c2)}.s3 path{stroke:var(--c3);stroke-dasharray:9 3 2 3}.s3 circle{fill:var(--c3)}
.s4 path{stroke:var(--c4);stroke-dasharray:4 4}.s4 circle{fill:var(--c4)}.s5 path{stroke:var(--c5);stroke-dasharray:12 4}.s5 circle{fill:var(--c5)}
.s6 path{stroke:var(--c6);stroke-dasharray:1 3}.s6 circle{fill:var(--c6)}.s7 path{stroke:var(--c7);stroke-dasharray:6 2 1 2}.s7 circle{fill:var(--c7)}
.legend{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:4px 14px}.swatch{vertical-align:middle;margin-right:4px}
.spark{display:block}td.trend{width:132px;min-width:132px}.spark path{fill:none;stroke:var(--c0);stroke-width:1.5}.spark circle{fill:var(--c0)}
.bad{color:var(--bad)}.good{color:var(--good)}code{font-size:12px}
"#;

/// The whole page.
pub fn page(d: &Dashboard) -> String {
    let mut out = String::with_capacity(256 * 1024);
    head(&mut out, d);
    tiles(&mut out, d);
    overall(&mut out, d);
    groups(
        &mut out,
        d,
        "organizations",
        "Compliance by organization",
        "Organization",
        |p| &p.by_organization,
    );
    groups(&mut out, d, "tiers", "Compliance by tier", "Tier", |p| {
        &p.by_tier
    });
    rules(&mut out, d);
    attention(&mut out, d);
    components(&mut out, d);
    drift(&mut out, d);
    expiring(&mut out, d);
    mttc(&mut out, d);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn head(out: &mut String, d: &Dashboard) {
    let points = &d.history.points;
    let period = match (points.first(), points.last()) {
        (Some(a), Some(b)) => format!("{} checkpoints, {} to {}", points.len(), a.date, b.date),
        _ => "no checkpoint yet: the trends start with the first `git govern checkpoint`".into(),
    };
    let _ = write!(
        out,
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="git-govern {version}">
<title>Governance dashboard, {today}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>Governance dashboard</h1>
<p class="meta">Generated {generated} by git-govern {version}. Current state from <code>{source}</code>; trends from {period}.</p>
<nav><a href="#compliance">Compliance</a><a href="#organizations">Organizations</a><a href="#tiers">Tiers</a><a href="#rules">Rules</a><a href="#attention">Tier 1–2</a><a href="#components">Components</a><a href="#drift">Drift</a><a href="#expiring">Expiring</a><a href="#mttc">Time to compliance</a></nav>
</header>
<main>
"##,
        version = env!("CARGO_PKG_VERSION"),
        today = d.today,
        generated = esc(&d.generated),
        source = esc(&d.current.source),
        period = esc(&period),
    );
}

fn tile(out: &mut String, id: &str, value: &str, label: &str) {
    let _ = write!(
        out,
        r#"<div class="tile" data-tile="{id}"><div class="v">{value}</div><div class="k">{label}</div></div>"#
    );
}

fn tiles(out: &mut String, d: &Dashboard) {
    let s = &d.current.catalog.summary;
    out.push_str(r#"<section class="tiles" aria-label="Key figures">"#);
    tile(
        out,
        "compliance",
        &format!("{}%", num(s.compliance_percentage, 1)),
        &format!(
            "compliant: {} of {} repositories",
            s.compliant, s.total_repos
        ),
    );
    tile(
        out,
        "violations",
        &s.total_violations.to_string(),
        &format!("violations ({} warnings)", s.total_warnings),
    );
    tile(
        out,
        "attention",
        &d.attention.len().to_string(),
        &format!("tier 1–{ATTENTION_TIER} not compliant"),
    );
    let drift = d.drift.as_ref().map_or("—".to_string(), |x| {
        x.changes
            .iter()
            .filter(|c| !c.is_file() && c.acknowledged_by.is_none())
            .count()
            .to_string()
    });
    tile(
        out,
        "drift",
        &drift,
        "unintentional repository changes this week",
    );
    let (mean, _) = mean_time_to_compliance(&d.history.episodes, d.today);
    tile(
        out,
        "mttc",
        &mean.map_or("—".into(), |m| format!("{} d", num(m, 1))),
        "mean time to compliance",
    );
    tile(
        out,
        "expiring",
        &d.expiring.len().to_string(),
        &format!("waivers and acknowledgements ending within {HORIZON_DAYS} days"),
    );
    out.push_str("</section>\n");
}

fn legend(out: &mut String, series: &[Series]) {
    out.push_str(r#"<ul class="legend">"#);
    for (i, s) in series.iter().enumerate() {
        let _ = write!(out, "<li>{}{}</li>", svg::swatch(i % 8), esc(s.label));
    }
    out.push_str("</ul>");
}

fn percent_cell(r: Option<Ratio>) -> String {
    match r.and_then(Ratio::percent) {
        Some(p) => format!(
            r#"<td class="n" data-value="{}">{}%</td>"#,
            num(p, 1),
            num(p, 1)
        ),
        None => r#"<td class="n">—</td>"#.into(),
    }
}

/// Opens the section `id` with its heading; with no checkpoint it says so and closes it,
/// and returns false.
fn trend_section(out: &mut String, d: &Dashboard, id: &str, title: &str) -> bool {
    let _ = write!(out, r#"<section id="{id}"><h2>{title}</h2>"#);
    if d.history.points.is_empty() {
        out.push_str(r#"<p class="note">No checkpoint yet.</p></section>"#);
        return false;
    }
    true
}

fn overall(out: &mut String, d: &Dashboard) {
    let points = &d.history.points;
    if !trend_section(out, d, "compliance", "Compliance over time") {
        return;
    }
    let values: Vec<_> = points
        .iter()
        .map(|p| (p.date, p.overall.percent()))
        .collect();
    let (first, last) = (
        values[0].1.unwrap_or(0.0),
        values[values.len() - 1].1.unwrap_or(0.0),
    );
    let summary = format!(
        "Share of repositories classed compliant at each checkpoint: {}% on {} and {}% on {}.",
        num(first, 1),
        points[0].date,
        num(last, 1),
        points[points.len() - 1].date
    );
    let series = [Series {
        id: "overall",
        label: "All repositories",
        values,
    }];
    out.push_str(r#"<div class="pair"><div>"#);
    out.push_str(&svg::line_chart(
        "chart-compliance",
        "Compliance over time",
        &summary,
        &series,
        PERCENT,
    ));
    out.push_str(r#"</div><div class="scroll"><table data-table="compliance"><caption class="note">Compliance at each checkpoint</caption><thead><tr><th>Date</th><th class="n">Compliant</th><th class="n">Repositories</th><th class="n">Compliance</th></tr></thead><tbody>"#);
    for p in points.iter().rev() {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td>{}</tr>"#,
            p.date,
            p.overall.compliant,
            p.overall.total,
            percent_cell(Some(p.overall))
        );
    }
    out.push_str("</tbody></table></div></div></section>\n");
}

/// A trend section per group (organization or tier): a chart of the largest groups, a
/// table of every group now with its trend line, and the weekly values.
fn groups(
    out: &mut String,
    d: &Dashboard,
    id: &str,
    title: &str,
    noun: &str,
    of: fn(&Point) -> &BTreeMap<String, Ratio>,
) {
    let points = &d.history.points;
    if !trend_section(out, d, id, title) {
        return;
    }
    let newest = &points[points.len() - 1];
    let mut names: Vec<&String> = points.iter().flat_map(|p| of(p).keys()).collect();
    names.sort();
    names.dedup();
    // The largest groups now are drawn; every group is in the tables.
    let mut drawn = names.clone();
    drawn.sort_by_key(|n| std::cmp::Reverse(of(newest).get(*n).map_or(0, |r| r.total)));
    drawn.truncate(MAX_SERIES);
    drawn.sort();
    let series: Vec<Series> = drawn
        .iter()
        .map(|n| Series {
            id: n,
            label: n,
            values: points
                .iter()
                .map(|p| (p.date, of(p).get(*n).and_then(|r| r.percent())))
                .collect(),
        })
        .collect();
    let summary = format!(
        "Compliance of each {} at each checkpoint; {} of {} drawn.",
        noun.to_lowercase(),
        drawn.len(),
        names.len()
    );
    out.push_str(r#"<div class="pair even"><div>"#);
    out.push_str(&svg::line_chart(
        &format!("chart-{id}"),
        title,
        &summary,
        &series,
        PERCENT,
    ));
    legend(out, &series);
    let _ = write!(
        out,
        r#"</div><div class="scroll"><table data-table="{id}"><caption class="note">Change: percentage points since {0}</caption><thead><tr><th>{noun}</th><th class="n">Repositories</th><th class="n">Compliance</th><th class="n">Change</th><th>Trend</th></tr></thead><tbody>"#,
        points[0].date
    );
    for n in &names {
        let now = of(newest).get(*n).copied();
        let then = of(&points[0]).get(*n).and_then(|r| r.percent());
        let change = match (now.and_then(Ratio::percent), then) {
            (Some(a), Some(b)) => signed(a - b),
            _ => "—".into(),
        };
        let spark: Vec<Option<f64>> = points
            .iter()
            .map(|p| of(p).get(*n).and_then(|r| r.percent()))
            .collect();
        let _ = write!(
            out,
            r#"<tr data-group="{}"><th scope="row">{}</th><td class="n">{}</td>{}<td class="n">{change}</td><td class="trend">{}</td></tr>"#,
            esc(n),
            esc(n),
            now.map_or(0, |r| r.total),
            percent_cell(now),
            svg::sparkline(&spark)
        );
    }
    out.push_str("</tbody></table></div></div>");
    weekly(out, points, &names, of);
    out.push_str("</section>\n");
}

fn signed(x: f64) -> String {
    let x = (x * 10.0).round() / 10.0;
    match x {
        x if x > 0.0 => format!(r#"<span class="good">+{}</span>"#, num(x, 1)),
        x if x < 0.0 => format!(r#"<span class="bad">−{}</span>"#, num(-x, 1)),
        _ => "0.0".into(),
    }
}

fn weekly(
    out: &mut String,
    points: &[Point],
    names: &[&String],
    of: fn(&Point) -> &BTreeMap<String, Ratio>,
) {
    out.push_str(r#"<details><summary>Values at every checkpoint</summary><div class="scroll"><table><thead><tr><th>Date</th>"#);
    for n in names {
        let _ = write!(out, r#"<th class="n">{}</th>"#, esc(n));
    }
    out.push_str("</tr></thead><tbody>");
    for p in points.iter().rev() {
        let _ = write!(out, "<tr><td>{}</td>", p.date);
        for n in names {
            out.push_str(&percent_cell(of(p).get(*n).copied()));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></details>");
}

fn rules(out: &mut String, d: &Dashboard) {
    let points = &d.history.points;
    if !trend_section(out, d, "rules", "Violations by rule over time") {
        return;
    }
    let mut totals: BTreeMap<&String, usize> = BTreeMap::new();
    for p in points {
        for (r, n) in &p.violations {
            *totals.entry(r).or_default() += n;
        }
    }
    let mut top: Vec<(&String, usize)> = totals.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top.truncate(MAX_SERIES);
    let top: Vec<&String> = top.into_iter().map(|(r, _)| r).collect();
    let series: Vec<Series> = top
        .iter()
        .map(|r| Series {
            id: r,
            label: r,
            values: points
                .iter()
                .map(|p| {
                    (
                        p.date,
                        Some(p.violations.get(*r).copied().unwrap_or(0) as f64),
                    )
                })
                .collect(),
        })
        .collect();
    let summary = format!(
        "Violations of the {} rules with the most violations over the period, at each checkpoint.",
        top.len()
    );
    out.push_str(r#"<div class="pair"><div>"#);
    if series.is_empty() {
        out.push_str(r#"<p class="note">No violation in any checkpoint.</p>"#);
    } else {
        out.push_str(&svg::line_chart(
            "chart-rules",
            "Violations by rule",
            &summary,
            &series,
            Scale {
                max: None,
                decimals: 0,
                unit: "",
            },
        ));
        legend(out, &series);
    }
    out.push_str(r#"</div><div class="scroll"><table data-table="rules"><thead><tr><th>Date</th>"#);
    for r in &top {
        let _ = write!(out, r#"<th class="n"><code>{}</code></th>"#, esc(r));
    }
    out.push_str(r#"<th class="n">Other rules</th><th class="n">All</th></tr></thead><tbody>"#);
    for p in points.iter().rev() {
        let _ = write!(out, "<tr><td>{}</td>", p.date);
        let all: usize = p.violations.values().sum();
        let shown: usize = top
            .iter()
            .map(|r| p.violations.get(*r).copied().unwrap_or(0))
            .sum();
        for r in &top {
            let _ = write!(
                out,
                r#"<td class="n">{}</td>"#,
                p.violations.get(*r).copied().unwrap_or(0)
            );
        }
        let _ = write!(
            out,
            r#"<td class="n">{}</td><td class="n">{all}</td></tr>"#,
            all - shown
        );
    }
    out.push_str("</tbody></table></div></div></section>\n");
}

fn more(out: &mut String, n: usize) {
    if n > MAX_ROWS {
        let _ = write!(
            out,
            r#"<p class="note">{} more not listed.</p>"#,
            n - MAX_ROWS
        );
    }
}

fn attention(out: &mut String, d: &Dashboard) {
    let _ = write!(
        out,
        r#"<section id="attention"><h2>Tier 1–{ATTENTION_TIER} repositories and components not compliant</h2>"#
    );
    if d.attention.is_empty() {
        out.push_str(r#"<p class="note good">None: every tier 1–2 repository and component is compliant.</p></section>"#);
        return;
    }
    out.push_str(r#"<div class="scroll"><table data-table="attention"><thead><tr><th>Repository or component</th><th class="n">Tier</th><th>Owner</th><th>Class</th><th>Violations by rule</th></tr></thead><tbody>"#);
    for a in d.attention.iter().take(MAX_ROWS) {
        let rules: Vec<String> = a
            .rules
            .iter()
            .map(|(r, n)| format!("<code>{}</code> ×{n}", esc(r)))
            .collect();
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&a.name),
            a.tier,
            esc(a.owner.as_deref().unwrap_or("—")),
            a.compliance.as_str(),
            if rules.is_empty() {
                "—".into()
            } else {
                rules.join(", ")
            }
        );
    }
    out.push_str("</tbody></table></div>");
    more(out, d.attention.len());
    out.push_str("</section>\n");
}

fn components(out: &mut String, d: &Dashboard) {
    out.push_str(r#"<section id="components"><h2>Monorepo components</h2>"#);
    let monorepos: Vec<_> = d
        .current
        .catalog
        .organizations
        .iter()
        .flat_map(|o| o.repos.iter().map(move |r| (o, r)))
        .filter(|(_, r)| !r.components.is_empty())
        .collect();
    if monorepos.is_empty() {
        out.push_str(r#"<p class="note">No repository has components (directories with their own <code>.meta/repo.yaml</code>).</p></section>"#);
        return;
    }
    out.push_str(r#"<div class="scroll"><table data-table="components"><thead><tr><th>Component</th><th>Name</th><th class="n">Tier</th><th>Owner</th><th>Class</th><th class="n">Violations</th><th class="n">Warnings</th></tr></thead><tbody>"#);
    let mut rows = 0;
    for (o, r) in monorepos {
        let key = format!("{}/{}", o.name, r.name);
        let _ = write!(
            out,
            r#"<tr data-repository="{}"><th scope="row">{} (roll-up)</th><td></td><td class="n">{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&key),
            esc(&key),
            r.tier.map_or("—".into(), |t| t.to_string()),
            esc(r.owner.as_deref().unwrap_or("—")),
            r.compliance.as_str(),
            r.violations,
            r.warnings
        );
        for c in &r.components {
            rows += 1;
            if rows > MAX_ROWS {
                continue;
            }
            let _ = write!(
                out,
                r#"<tr data-component="{}/{}"><td>{}/{}</td><td>{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(&key),
                esc(&c.path),
                esc(&key),
                esc(&c.path),
                esc(c.name.as_deref().unwrap_or("—")),
                c.tier.map_or("—".into(), |t| t.to_string()),
                esc(c.owner.as_deref().unwrap_or("—")),
                c.compliance.as_str(),
                c.violations,
                c.warnings
            );
        }
    }
    out.push_str("</tbody></table></div>");
    more(out, rows);
    out.push_str("</section>\n");
}

/// A drift line from the Markdown report's description: its escapes undone (the page
/// escapes for HTML itself).
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| "|`*_<>[]\\".contains(*n)) {
            continue;
        }
        out.push(c);
    }
    out
}

fn drift(out: &mut String, d: &Dashboard) {
    out.push_str(r#"<section id="drift"><h2>This week's drift</h2>"#);
    let Some(x) = &d.drift else {
        out.push_str(r#"<p class="note">Drift needs two checkpoints.</p></section>"#);
        return;
    };
    let repo_level: Vec<_> = x.changes.iter().filter(|c| !c.is_file()).collect();
    let files = x.changes.len() - repo_level.len();
    let intentional = repo_level
        .iter()
        .filter(|c| c.acknowledged_by.is_some())
        .count();
    let _ = write!(
        out,
        r#"<p>From the checkpoint of {} to that of {}: {} changes to repositories, {intentional} of them intentional (acknowledged), and {files} files added, modified or removed.</p>"#,
        x.from.0,
        x.to.0,
        repo_level.len(),
    );
    counts_table(out, x);
    for a in &x.alerts {
        let _ = write!(out, r#"<p class="bad">Alert: {}</p>"#, esc(a));
    }
    out.push_str("<h3>Unintentional</h3><ul data-list=\"unintentional\">");
    let un: Vec<_> = repo_level
        .iter()
        .filter(|c| c.acknowledged_by.is_none())
        .collect();
    for c in un.iter().take(MAX_ROWS) {
        let _ = write!(out, "<li>{}</li>", esc(&plain(&c.describe())));
    }
    if un.is_empty() {
        out.push_str("<li>None.</li>");
    }
    out.push_str("</ul>");
    more(out, un.len());
    out.push_str("<h3>Intentional</h3><ul data-list=\"intentional\">");
    let int: Vec<_> = repo_level
        .iter()
        .filter_map(|c| Some((c, &x.acks[c.acknowledged_by?])))
        .collect();
    for (c, a) in int.iter().take(MAX_ROWS) {
        let _ = write!(
            out,
            "<li>{}: {} (approved by {}, until {})</li>",
            esc(&plain(&c.describe())),
            esc(&a.reason),
            esc(&a.approved_by),
            a.expires
        );
    }
    if int.is_empty() {
        out.push_str("<li>None.</li>");
    }
    out.push_str("</ul>");
    more(out, int.len());
    out.push_str("</section>\n");
}

fn counts_table(out: &mut String, x: &Drift) {
    let (a, u) = (&x.all, &x.unintentional);
    out.push_str(r#"<table data-table="drift" style="width:auto"><thead><tr><th>Change</th><th class="n">All</th><th class="n">Unintentional</th></tr></thead><tbody>"#);
    for (label, all, un) in [
        ("New repositories", a.new_repos, u.new_repos),
        ("Removed repositories", a.removed_repos, u.removed_repos),
        (
            "Compliance class changes",
            a.status_changes,
            u.status_changes,
        ),
        (
            "Repositories losing compliance",
            a.compliance_degraded,
            u.compliance_degraded,
        ),
        ("New violations", a.new_violations, u.new_violations),
        (
            "Resolved violations",
            a.resolved_violations,
            u.resolved_violations,
        ),
        ("Metadata changes", a.metadata_changes, u.metadata_changes),
        ("ADR changes", a.adr_changes, u.adr_changes),
        (
            "CODEOWNERS changes",
            a.codeowners_changes,
            u.codeowners_changes,
        ),
        ("Files changed", a.files_changed, u.files_changed),
    ] {
        let _ = write!(
            out,
            r#"<tr><td>{label}</td><td class="n">{all}</td><td class="n">{un}</td></tr>"#
        );
    }
    out.push_str("</tbody></table>");
}

fn expiring(out: &mut String, d: &Dashboard) {
    let _ = write!(
        out,
        r#"<section id="expiring"><h2>Waivers and acknowledgements ending within {HORIZON_DAYS} days</h2>"#
    );
    if d.expiring.is_empty() {
        let _ = write!(
            out,
            r#"<p class="note">None ends between {} and {HORIZON_DAYS} days later.</p></section>"#,
            d.today
        );
        return;
    }
    out.push_str(r#"<div class="scroll"><table data-table="expiring"><thead><tr><th>Last day</th><th class="n">Days left</th><th>What</th><th>Repository</th><th>Rule</th><th>Path</th><th>Owner</th><th>Reason</th></tr></thead><tbody>"#);
    for e in d.expiring.iter().take(MAX_ROWS) {
        let left = (e.expires - d.today).get_days();
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="n">{left}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            e.expires,
            e.what,
            esc(&e.scope),
            e.rule
                .as_deref()
                .map_or("—".into(), |r| format!("<code>{}</code>", esc(r))),
            esc(e.path.as_deref().unwrap_or("—")),
            esc(&e.owner),
            esc(&e.reason)
        );
    }
    out.push_str("</tbody></table></div>");
    more(out, d.expiring.len());
    out.push_str("</section>\n");
}

fn mttc(out: &mut String, d: &Dashboard) {
    let episodes = &d.history.episodes;
    let (mean, median) = mean_time_to_compliance(episodes, d.today);
    let closed = episodes.iter().filter(|e| e.until.is_some()).count();
    out.push_str(r#"<section id="mttc"><h2>Mean time to compliance</h2>"#);
    match (mean, median) {
        (Some(mean), Some(median)) => {
            let _ = write!(out, r#"<p data-mttc="{}">Over the {closed} times a repository became compliant again in this history: <strong>{} days</strong> on average (median {} days), counted from the first checkpoint that saw it not compliant to the first that saw it compliant.</p>"#, num(mean, 1), num(mean, 1), num(median, 1));
        }
        _ => out.push_str(r#"<p class="note">No repository has become compliant again within this history yet.</p>"#),
    }
    let open: Vec<_> = episodes.iter().filter(|e| e.until.is_none()).collect();
    let _ = write!(out, "<p>{} repositories are not compliant at the newest checkpoint; the longest-standing first:</p>", open.len());
    if !open.is_empty() {
        out.push_str(r#"<div class="scroll"><table data-table="open"><thead><tr><th>Repository</th><th>Not compliant since</th><th class="n">Days</th></tr></thead><tbody>"#);
        for e in open.iter().take(MAX_ROWS) {
            let _ = write!(
                out,
                r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td></tr>"#,
                esc(&e.repository),
                e.since,
                e.days(d.today)
            );
        }
        out.push_str("</tbody></table></div>");
        more(out, open.len());
    }
    out.push_str("</section>\n");
}
