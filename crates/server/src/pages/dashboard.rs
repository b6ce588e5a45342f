//! The leader dashboard: today and this month in numbers, the district map drawn as SVG
//! from the grid polygons and coloured by request density (click to drill down street →
//! community → grid), the pressure curve, and unit rankings with drill-down to cases.
//! Every figure comes from the daily rollups, so the page costs the same with a year of
//! history as with a week.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use civicgrid_api::StatsOut;
use civicgrid_domain::UnitId;
use civicgrid_domain::appraisal::RATES;
use civicgrid_domain::org::{OrgTree, Role, UnitKind};
use geo::{Area, InteriorPoint, Intersects};
use serde::Deserialize;

use super::lists::{Pager, Row, rows};
use super::{Browser, Ctx, PageResult, Staff, html, require};
use crate::pages::{PagePath, PageQuery};
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/units/{unit}", get(unit_cases))
        .route("/dashboard/targets", get(targets))
        .route("/dashboard/rankings.csv", get(rankings_export))
}

/// Who opens the dashboard.
const ROLES: &[Role] = &[Role::Leader, Role::Supervisor, Role::Dispatcher];

/// Days the map and the pressure curve cover.
const DAYS: i64 = 90;

#[derive(Deserialize)]
struct DashParams {
    unit: Option<i64>,
}

/// A figure of the numbers strip.
pub struct Figure {
    pub key: &'static str,
    pub today: i64,
    pub month: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    figures: Vec<Figure>,
    backlog: i64,
    in_pool: i64,
    map_svg: String,
    map_title: String,
    map_up: Option<i64>,
    map_empty: bool,
    legend: Vec<(String, String)>,
    pressure_svg: String,
    stats: StatsOut,
    tiers: Vec<super::portal::TierTable>,
    metrics: Vec<&'static str>,
}

impl DashboardPage {
    fn rate(&self, unit: &civicgrid_api::UnitStatsOut, metric: &str) -> String {
        self.ctx
            .t
            .pct(&unit.rates.get(metric).and_then(|r| r.value))
    }
}

/// This month's standings of every unit as CSV — every tier and every rate, not only the
/// page's first ten — with the exporter's watermark.
async fn rankings_export(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    staff: Staff,
) -> Result<axum::response::Response, super::PageError> {
    require(&staff, ROLES)?;
    let today = state.now().with_timezone(&state.time_zone).date_naive();
    let month_start = today.with_day(1).unwrap_or(today);
    let standings =
        crate::services::stats::units(&state, month_start, today, Default::default()).await?;
    let standings = crate::services::stats::standings_for(&state, &staff.principal, standings);
    let stats = crate::wire::stats::stats_out(&state.org(), &standings);
    let t = super::Tr::new(browser.lang).in_zone(browser.zone);
    let metrics = super::portal::RANKING_METRICS;
    let lines: Vec<Vec<String>> = stats
        .units
        .iter()
        .map(|u| {
            let mut line = vec![
                u.tier
                    .as_deref()
                    .map_or("—", |tier| t.w("tier", tier))
                    .to_owned(),
                u.rank.map(|r| r.to_string()).unwrap_or_default(),
                u.unit.name.clone(),
                u.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
            ];
            line.extend(
                metrics
                    .iter()
                    .map(|m| t.pct(&u.rates.get(*m).and_then(|r| r.value))),
            );
            line.push(u.sample.to_string());
            line.push(u.urged.to_string());
            line.push(u.accountable.to_string());
            line
        })
        .collect();
    let mut header: Vec<String> = ["dash.tier", "common.rank", "common.unit", "common.score"]
        .iter()
        .map(|k| t.s(k).to_owned())
        .collect();
    header.extend(metrics.iter().map(|m| t.w("metric", m).to_owned()));
    for key in ["common.sample", "dash.urged", "dash.accountable"] {
        header.push(t.s(key).to_owned());
    }
    Ok(super::export::csv_download(
        &t,
        &staff.principal.username,
        &state.now(),
        ("rankings.csv", super::export::EXPORT_ROWS),
        &header,
        &lines,
    )?)
}

fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

async fn dashboard(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<DashParams>,
) -> PageResult {
    require(&staff, ROLES)?;
    let today = state.now().with_timezone(&state.time_zone).date_naive();
    let month_start = today.with_day(1).unwrap_or(today);
    // The figures, curve and map counts (the API's `GET /api/v1/stats/overview`) and this
    // month's rankings, side by side.
    let (overview, standings) = tokio::try_join!(
        crate::services::stats::overview(&state, &staff.principal, DAYS),
        crate::services::stats::units(&state, month_start, today, Default::default()),
    )?;
    let overview = crate::wire::stats::overview_out(&overview);
    // The rankings follow the viewer's subtree, like every figure above them.
    let standings = crate::services::stats::standings_for(&state, &staff.principal, standings);
    let stats = crate::wire::stats::stats_out(&state.org(), &standings);
    let figures = [
        ("dash.received", "received"),
        ("dash.dispatched", "dispatched"),
        ("dash.resolved", "resolved"),
        ("dash.closed", "closed"),
        ("dash.merged", "merged"),
        ("dash.repeats", "repeats"),
    ]
    .into_iter()
    .map(|(key, name)| {
        let f = overview.figures.get(name);
        Figure {
            key,
            today: f.map_or(0, |f| f.today),
            month: f.map_or(0, |f| f.month),
        }
    })
    .collect();
    let tr = super::Tr::new(browser.lang).in_zone(browser.zone);
    let pressure_svg = pressure_chart(&tr, &overview.days);

    // The map.
    let org = state.org();
    let focus = params
        .unit
        .map(UnitId)
        .filter(|u| org.get(*u).is_some())
        .or(org.root());
    let mut totals: HashMap<UnitId, i64> = HashMap::new();
    for area in &overview.areas {
        for unit in org.ancestors_or_self(UnitId(area.unit)) {
            *totals.entry(unit).or_default() += area.received;
        }
    }
    let reference = state.reference();
    let map = focus.map(|f| district_map(&org, &reference.places, &totals, f));
    let (map_svg, legend, map_empty) = match map {
        Some(map) => (map.svg, map.legend, map.empty),
        None => (String::new(), Vec::new(), true),
    };
    let focus_unit = focus.and_then(|f| org.get(f));
    let map_title = focus_unit.map(|u| u.name.clone()).unwrap_or_default();
    let map_up = focus_unit.and_then(|u| u.parent).map(|p| p.0);

    // Rankings this month: each tier its own table, ten rows at most.
    let tiers = super::portal::tier_tables(&stats.units, 10, false);

    html(DashboardPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        figures,
        backlog: overview.backlog,
        in_pool: overview.in_pool,
        map_svg,
        map_title,
        map_up,
        map_empty,
        legend,
        pressure_svg,
        stats,
        tiers,
        metrics: super::portal::RANKING_METRICS.to_vec(),
    })
}

struct Map {
    svg: String,
    legend: Vec<(String, String)>,
    empty: bool,
}

const SHADES: &[&str] = &["#f1f6fd", "#c6dbef", "#85b6dc", "#3f84c2", "#1a4f8c"];

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The children of `focus`, each drawn as the grid polygons inside it and coloured by its
/// number of requests. A grid without children is drawn alone.
fn district_map(
    org: &OrgTree,
    places: &civicgrid_domain::geography::PlaceIndex,
    totals: &HashMap<UnitId, i64>,
    focus: UnitId,
) -> Map {
    let mut children: Vec<UnitId> = org
        .units()
        .filter(|u| u.parent == Some(focus) && u.kind.is_territorial())
        .map(|u| u.id)
        .collect();
    if children.is_empty() {
        children.push(focus);
    }
    children.sort();
    // Which child each shape belongs to; grids draw streets and communities, subgrids
    // only inside a grid.
    let mut owner: HashMap<UnitId, UnitId> = HashMap::new();
    for child in &children {
        for unit in org.subtree(*child) {
            owner.insert(unit, *child);
        }
    }
    let focus_kind = org.get(focus).map(|u| u.kind);
    let owned: Vec<(UnitId, UnitKind, &geo::MultiPolygon<f64>)> = places
        .shapes()
        .filter(|(id, _, _)| owner.contains_key(id))
        .map(|(id, layer, shape)| (id, layer.kind, shape))
        .collect();
    // Inside a grid its subgrids (or the grid alone); above, the grids, or whatever
    // shapes the territory has when it has no grid polygons (communities, streets).
    let pick = |wanted: &dyn Fn(UnitKind) -> bool| -> Vec<(UnitId, &geo::MultiPolygon<f64>)> {
        owned
            .iter()
            .filter(|(_, kind, _)| wanted(*kind))
            .map(|(id, _, shape)| (*id, *shape))
            .collect()
    };
    let shapes = match focus_kind {
        Some(UnitKind::Grid | UnitKind::Subgrid) => pick(&|_| true),
        _ => {
            let grids = pick(&|k| k == UnitKind::Grid);
            if grids.is_empty() {
                pick(&|k| k != UnitKind::Subgrid)
            } else {
                grids
            }
        }
    };
    if shapes.is_empty() {
        return Map {
            svg: String::new(),
            legend: Vec::new(),
            empty: true,
        };
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (_, shape) in &shapes {
        for polygon in &shape.0 {
            for c in polygon.exterior().0.iter() {
                x0 = x0.min(c.x);
                x1 = x1.max(c.x);
                y0 = y0.min(c.y);
                y1 = y1.max(c.y);
            }
        }
    }
    // Equirectangular: a degree of longitude is cos(latitude) of a degree of latitude.
    let k = ((y0 + y1) / 2.0).to_radians().cos();
    let (w, h) = (((x1 - x0) * k).max(1e-9), (y1 - y0).max(1e-9));
    let width = 800.0;
    let height = (width * h / w).clamp(200.0, 640.0);
    let scale = (width / w).min(height / h);
    // Centred when the height limit leaves room at the sides (or the width at the top).
    let (dx, dy) = ((width - w * scale) / 2.0, (height - h * scale) / 2.0);
    let project = |x: f64, y: f64| (dx + (x - x0) * k * scale, height - dy - (y - y0) * scale);
    // Shades span the children's own range, so a district whose streets differ by a
    // fifth still shows which is busiest.
    let counts: Vec<i64> = children
        .iter()
        .map(|c| totals.get(c).copied().unwrap_or(0))
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0);
    let min = counts.iter().copied().min().unwrap_or(0).min(max);
    let span = (max - min).max(1) as f64;
    let steps = SHADES.len() - 1;
    let shade = |n: i64| {
        let i = (((n - min) as f64 / span) * steps as f64).round() as usize;
        SHADES[i.min(steps)]
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {width:.0} {height:.0}" class="map" role="group" aria-labelledby="map">"#
    );
    let mut labels = Vec::new();
    for child in &children {
        let name = org.get(*child).map(|u| u.name.as_str()).unwrap_or("");
        let n = totals.get(child).copied().unwrap_or(0);
        let mut d = String::new();
        // Where the child's name goes: the middle of its extent when that lies in it (or on
        // an edge between two of its grids),
        // else a point inside its largest shape (a crescent's middle is outside it).
        let (mut gx0, mut gy0, mut gx1, mut gy1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        let mine: Vec<&geo::MultiPolygon<f64>> = shapes
            .iter()
            .filter(|(id, _)| owner.get(id) == Some(child))
            .map(|(_, shape)| *shape)
            .collect();
        for shape in &mine {
            for polygon in &shape.0 {
                for (i, c) in polygon.exterior().0.iter().enumerate() {
                    (gx0, gy0, gx1, gy1) = (gx0.min(c.x), gy0.min(c.y), gx1.max(c.x), gy1.max(c.y));
                    let (px, py) = project(c.x, c.y);
                    let _ = write!(d, "{}{px:.1},{py:.1}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
        let middle = geo::Point::new((gx0 + gx1) / 2.0, (gy0 + gy1) / 2.0);
        let anchor = if mine.iter().any(|s| s.intersects(&middle)) {
            Some(middle)
        } else {
            mine.iter()
                .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
                .and_then(|s| s.interior_point())
        };
        let (lx, ly) = anchor.map_or((0.0, 0.0), |p| project(p.x(), p.y()));
        if d.is_empty() {
            continue;
        }
        let label = format!("{}: {n}", esc(name));
        let drillable = *child != focus;
        if drillable {
            let _ = write!(
                svg,
                r#"<a href="/dashboard?unit={}" aria-label="{label}">"#,
                child.0
            );
        }
        let _ = write!(
            svg,
            r##"<path d="{d}" fill="{}" stroke="#33475b" stroke-width="0.8" data-unit="{}" data-count="{n}"><title>{label}</title></path>"##,
            shade(n),
            child.0
        );
        if drillable {
            svg.push_str("</a>");
        }
        labels.push((lx, ly, format!("{} {n}", esc(name))));
    }
    // Names on top of every shape, with a light halo so they read on any shade.
    for (x, y, text) in labels {
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" class="map-label">{text}</text>"##
        );
    }
    svg.push_str("</svg>");
    let legend = SHADES
        .iter()
        .enumerate()
        .map(|(i, colour)| {
            let low = min as f64 + span * (i as f64 - 0.5).max(0.0) / steps as f64;
            ((*colour).to_owned(), format!("≥{:.0}", low.ceil()))
        })
        .collect();
    Map {
        svg,
        legend,
        empty: false,
    }
}

/// Daily intake and resolutions (left axis) and the open backlog (right axis) as lines.
fn pressure_chart(tr: &super::Tr, series: &[civicgrid_api::DayOut]) -> String {
    let intake: Vec<i64> = series.iter().map(|d| d.received).collect();
    let resolved: Vec<i64> = series.iter().map(|d| d.resolved).collect();
    let backlog: Vec<i64> = series.iter().map(|d| d.backlog).collect();
    let (intake, resolved, backlog) = (&intake[..], &resolved[..], &backlog[..]);
    let (w, h, left, right, top, bottom) = (860.0, 260.0, 48.0, 56.0, 16.0, 28.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let daily_max = intake
        .iter()
        .chain(resolved)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let backlog_max = backlog.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = series.len().max(2) as f64 - 1.0;
    let x = |i: usize| left + plot_w * i as f64 / n;
    let line = |values: &[i64], max: f64| {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), top + plot_h * (1.0 - *v as f64 / max)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut svg = String::new();
    let label = format!(
        "{}: {} {}, {} {}, {} {}",
        tr.s("dash.pressure"),
        tr.s("dash.received"),
        intake.iter().sum::<i64>(),
        tr.s("dash.resolved"),
        resolved.iter().sum::<i64>(),
        tr.s("dash.backlog"),
        backlog.last().copied().unwrap_or(0)
    );
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {w} {h}" class="chart" role="img" aria-label="{}">"#,
        esc(&label)
    );
    // Axes and gridlines.
    for i in 0..=4 {
        let y = top + plot_h * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d7de" stroke-width="1"/>"##,
            w - right
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" class="axis">{:.0}</text>"##,
            left - 4.0,
            y + 4.0,
            daily_max * (1.0 - f64::from(i) / 4.0)
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" class="axis">{:.0}</text>"##,
            w - right + 4.0,
            y + 4.0,
            backlog_max * (1.0 - f64::from(i) / 4.0)
        );
    }
    for (i, d) in series.iter().enumerate() {
        if i % 15 == 0 || i + 1 == series.len() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">{}</text>"##,
                x(i),
                h - 8.0,
                d.day.get(5..).unwrap_or(&d.day)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="#1f6feb" stroke-width="2" class="s-intake"/>"##,
        line(intake, daily_max)
    );
    let _ = write!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="#1a7f37" stroke-width="2" class="s-resolved"/>"##,
        line(resolved, daily_max)
    );
    let _ = write!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="#bc4c00" stroke-width="2.5" stroke-dasharray="6 3" class="s-backlog"/>"##,
        line(backlog, backlog_max)
    );
    svg.push_str("</svg>");
    svg
}

#[derive(Deserialize)]
struct DrillParams {
    metric: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "drill.html")]
struct DrillPage {
    ctx: Ctx,
    unit: String,
    unit_id: i64,
    metric: String,
    metrics: Vec<&'static str>,
    from: String,
    to: String,
    rows: Vec<Row>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "targets.html")]
struct TargetsPage {
    ctx: Ctx,
    report: civicgrid_api::TargetsOut,
}

impl TargetsPage {
    fn pct(&self, count: &civicgrid_api::TargetCountOut) -> String {
        self.ctx.t.pct(&count.rate)
    }
}

#[derive(Deserialize)]
struct TargetParams {
    from: Option<String>,
    to: Option<String>,
}

/// The 12345 targets by unit and month (the API's `GET /api/v1/stats/targets`).
async fn targets(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<TargetParams>,
) -> PageResult {
    require(&staff, ROLES)?;
    let (from, to) = crate::wire::stats::period(
        state.now(),
        state.time_zone,
        params.from.as_deref(),
        params.to.as_deref(),
    )?;
    let months = crate::services::stats::targets(&state, from, to, Default::default()).await?;
    html(TargetsPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        report: crate::wire::stats::targets_out(&state.reference(), from, to, &months),
    })
}

/// The cases behind one unit's figure this month (late, overdue, unsatisfied …).
async fn unit_cases(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    staff: Staff,
    PagePath(unit): PagePath<i64>,
    PageQuery(params): PageQuery<DrillParams>,
) -> PageResult {
    require(&staff, ROLES)?;
    let unit_row = state.unit(UnitId(unit), "unit").await?;
    let now = state.now();
    let today = now.with_timezone(&state.time_zone).date_naive();
    let from = today.with_day(1).unwrap_or(today);
    let metrics: Vec<&'static str> = RATES
        .iter()
        .flat_map(|r| std::iter::once(r.numerator).chain(r.complements.iter().copied()))
        .collect();
    let metric = params
        .metric
        .filter(|m| metrics.contains(&m.as_str()))
        .unwrap_or_else(|| "resolve_late".into());
    let (page, page_size, offset, limit) = crate::wire::paging(params.page, Some(50))?;
    let listed = crate::services::stats::cases(
        &state,
        &staff.principal,
        unit_row.id,
        &metric,
        from,
        today,
        (offset, limit),
    )
    .await?;
    let list = crate::wire::cases::page_out(&listed, page, page_size, state.now());
    html(DrillPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        unit: unit_row.name,
        unit_id: unit,
        pager: Pager::new(
            list.page,
            list.page_size,
            list.total,
            format!("/dashboard/units/{unit}?metric={metric}"),
        ),
        metric,
        metrics,
        from: day_key(from),
        to: day_key(today),
        rows: rows(&state, &list.items),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicgrid_store::UnitRow;

    /// A GeoJSON file of the Suzhou Industrial Park grids in ../shared (never copied into
    /// the repository); absent, the test skips with a notice unless
    /// `CIVICGRID_REQUIRE_SHARED=1`.
    fn sip(file: &str) -> Option<serde_json::Value> {
        let path = civicgrid_store::testing::shared_data(&format!("grids-suzhou-sip/{file}"))?;
        Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
    }

    #[test]
    fn the_map_draws_real_streets_and_drills_into_their_communities() {
        let Some(streets) = sip("sip_streets.geojson") else {
            return;
        };
        let communities = sip("sip_communities.geojson").unwrap();
        let hub = UnitId(1);
        let mut rows = vec![UnitRow {
            id: hub,
            name: "园区中心".into(),
            kind: UnitKind::Hub,
            parent: None,
            lines: vec![],
            geometry: None,
            disabled: false,
            code: None,
            layer: None,
        }];
        let mut street_ids = HashMap::new();
        for (i, f) in streets["features"].as_array().unwrap().iter().enumerate() {
            let id = UnitId(10 + i as i64);
            street_ids.insert(
                f["properties"]["street_code"].as_str().unwrap().to_owned(),
                id,
            );
            rows.push(UnitRow {
                id,
                name: f["properties"]["street_name"].as_str().unwrap().into(),
                kind: UnitKind::Street,
                parent: Some(hub),
                lines: vec![],
                geometry: Some(f["geometry"].to_string()),
                disabled: false,
                code: None,
                layer: Some("streets".into()),
            });
        }
        // Requests per community: its object id, so the busiest is known.
        let mut totals_by_unit = Vec::new();
        for (i, f) in communities["features"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let p = &f["properties"];
            let id = UnitId(1000 + i as i64);
            rows.push(UnitRow {
                id,
                name: p["community_name"].as_str().unwrap().into(),
                kind: UnitKind::Community,
                parent: Some(street_ids[p["street_code"].as_str().unwrap()]),
                lines: vec![],
                geometry: Some(f["geometry"].to_string()),
                disabled: false,
                code: None,
                layer: Some("communities".into()),
            });
            totals_by_unit.push((id, p["objectid"].as_i64().unwrap()));
        }
        let layer = |code: &str, kind| civicgrid_domain::geography::Layer {
            code: code.into(),
            name: code.into(),
            kind,
            exclusive: false,
        };
        let areas = crate::state::place_index(
            &rows,
            vec![
                layer("streets", UnitKind::Street),
                layer("communities", UnitKind::Community),
            ],
        );
        let org = OrgTree::new(rows.iter().map(civicgrid_store::UnitRow::unit));
        let mut totals: HashMap<UnitId, i64> = HashMap::new();
        for (unit, n) in &totals_by_unit {
            for u in org.ancestors_or_self(*unit) {
                *totals.entry(u).or_default() += n;
            }
        }

        let top = district_map(&org, &areas, &totals, hub);
        assert!(!top.empty);
        assert_eq!(
            top.svg.matches("<a href=\"/dashboard?unit=").count(),
            5,
            "five streets"
        );
        for f in streets["features"].as_array().unwrap() {
            let name = f["properties"]["street_name"].as_str().unwrap();
            assert!(top.svg.contains(&format!(">{name} ")), "{name} is labelled");
        }
        // The park is wider than tall at its latitude: the drawing keeps its shape.
        let view: Vec<f64> = top.svg["<svg viewBox=\"0 0 ".len()..]
            .split('"')
            .next()
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        assert!(view[0] > 0.0 && view[1] > 100.0, "{view:?}");

        let weiting = street_ids["320506009"];
        let down = district_map(&org, &areas, &totals, weiting);
        assert_eq!(
            down.svg.matches("<a href=\"/dashboard?unit=").count(),
            36,
            "唯亭街道's 36 communities"
        );
        let (busiest, _) = totals_by_unit
            .iter()
            .filter(|(u, _)| org.get(*u).and_then(|c| c.parent) == Some(weiting))
            .max_by_key(|(_, n)| *n)
            .unwrap();
        let darkest = format!(
            "fill=\"{}\" stroke=\"#33475b\" stroke-width=\"0.8\" data-unit=\"{}\"",
            SHADES[4], busiest.0
        );
        assert!(
            down.svg.contains(&darkest),
            "the busiest community is darkest"
        );
        let unit_of_a_community = totals_by_unit[0].0;
        let leaf = district_map(&org, &areas, &totals, unit_of_a_community);
        assert_eq!(
            leaf.svg.matches("<path").count(),
            1,
            "a community without grids is drawn alone"
        );
        assert!(
            !leaf.svg.contains("<a href"),
            "nothing further to drill into"
        );
    }
}
