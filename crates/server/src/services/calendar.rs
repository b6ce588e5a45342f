//! The district calendar: official days added by administrators (next year's notice), and
//! the calendar as it stands.

use civicgrid_domain::{Instant, UnitId};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Adds official days (next year's notice, `YYYY-MM-DD off|work NAME` lines) to the
/// district calendar, all or nothing, and reloads it. Deadlines of clocks started before
/// keep the calendar version they recorded.
pub async fn add_official_days(
    state: &AppState,
    text: &str,
    by: Option<civicgrid_domain::UserId>,
) -> ApiResult<civicgrid_api::AddedOfficialDays> {
    use civicgrid_domain::calendar::{Official, parse_official};
    let days = parse_official(text).map_err(|e| {
        let mut error = ApiError::field("text", format!("{}: {}", e.field, e.message));
        error.message = format!("text, {}: {}", e.field, e.message);
        error
    })?;
    if days.is_empty() {
        return Err(ApiError::field("text", "no days given"));
    }
    let rows: Vec<civicgrid_store::OfficialDayRow> = days
        .into_iter()
        .map(|(day, official)| {
            let (kind, name) = match official {
                Official::Holiday(name) => ("off", name),
                Official::MakeUpWorkday(name) => ("work", name),
            };
            civicgrid_store::OfficialDayRow {
                day,
                kind: kind.into(),
                name,
            }
        })
        .collect();
    let added = rows.len();
    state.store.add_official_days(rows, by, state.now()).await?;
    state.reload().await?;
    let reference = state.reference();
    let calendar = &reference.calendars.official;
    Ok(civicgrid_api::AddedOfficialDays {
        added,
        calendar: calendar.version().to_owned(),
        covered_until: calendar
            .covered_until()
            .map(|d| d.format("%Y-%m-%d").to_string()),
    })
}

/// The district calendar's official days (of one year, or all), each marked `shipped`
/// (the data in the binary) or `added` (by an administrator).
pub async fn official_days(
    state: &AppState,
    year: Option<i32>,
) -> ApiResult<Vec<civicgrid_api::OfficialDayOut>> {
    use chrono::Datelike;
    use civicgrid_domain::calendar::{Calendar, Official};
    let added: std::collections::BTreeSet<_> = state
        .store
        .official_days()
        .await?
        .into_iter()
        .map(|d| d.day)
        .collect();
    let shipped = Calendar::official();
    let reference = state.reference();
    let items = reference
        .calendars
        .official
        .official_days()
        .filter(|(date, _)| year.is_none_or(|y| date.year() == y))
        .map(|(date, day)| {
            let (kind, name) = match day {
                Official::Holiday(name) => ("off", name.clone()),
                Official::MakeUpWorkday(name) => ("work", name.clone()),
            };
            let source = if added.contains(date) || shipped.official_day(*date).is_none() {
                "added"
            } else {
                "shipped"
            };
            civicgrid_api::OfficialDayOut {
                date: date.format("%Y-%m-%d").to_string(),
                kind: kind.into(),
                name,
                source: source.into(),
            }
        })
        .collect();
    Ok(items)
}

/// An amount of working time to add to an instant.
#[derive(Debug, Clone, Copy)]
pub enum WorkingTime {
    Days(u32),
    Hours(u32),
}

/// The deadline `amount` of working time after `from` on the calendar `unit` works on
/// (the official one without a unit), with that calendar's name.
pub async fn deadline(
    state: &AppState,
    from: Instant,
    unit: Option<UnitId>,
    amount: WorkingTime,
) -> ApiResult<(Instant, &'static str)> {
    let kind = match unit {
        None => None,
        Some(unit) => Some(
            state
                .unit(unit, "unit")
                .await
                .map_err(|e| ApiError::query("unit", e.message))?
                .kind,
        ),
    };
    let reference = state.reference();
    let calendar = reference.calendars.for_kind(kind);
    let name = if calendar.is_round_the_clock() {
        "round_the_clock"
    } else {
        "official"
    };
    let deadline = match amount {
        WorkingTime::Days(days) => calendar.add_working_days(from, days),
        WorkingTime::Hours(hours) => calendar.add_working_minutes(from, i64::from(hours) * 60),
    };
    Ok((deadline, name))
}
