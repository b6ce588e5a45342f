//! The district calendar: official days added by administrators (next year's notice), and
//! the calendar as it stands.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use civicgrid_domain::calendar::{Calendar, Official};
use civicgrid_domain::{Instant, UnitId};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What adding official days did: how many, and the calendar they now count on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub added: usize,
    /// The official calendar's version after the change.
    pub calendar: String,
    pub covered_until: Option<NaiveDate>,
}

/// Adds official days (next year's notice) to the district calendar, all or nothing, and
/// reloads it. Deadlines of clocks started before keep the calendar version they recorded.
pub async fn add_official_days(
    state: &AppState,
    days: BTreeMap<NaiveDate, Official>,
    by: Option<civicgrid_domain::UserId>,
) -> ApiResult<Added> {
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
    let after = rows
        .iter()
        .map(|r| format!("{} {} {}", r.day, r.kind, r.name))
        .collect::<Vec<_>>()
        .join("; ");
    state.store.add_official_days(rows, by, state.now()).await?;
    // An administrative change like any other: who, when, what was added.
    crate::services::audit::admin_change_by(
        state,
        by,
        "add_official_days",
        "calendar",
        None,
        Some(after),
    )
    .await?;
    state.reload().await?;
    let reference = state.reference();
    let calendar = &reference.calendars.official;
    Ok(Added {
        added,
        calendar: calendar.version().to_owned(),
        covered_until: calendar.covered_until(),
    })
}

/// One official day the district calendar counts with, and whether it ships in the binary
/// or an administrator added it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialDay {
    pub date: NaiveDate,
    pub official: Official,
    pub added: bool,
}

/// The district calendar's official days (of one year, or all), in date order.
pub async fn official_days(state: &AppState, year: Option<i32>) -> ApiResult<Vec<OfficialDay>> {
    use chrono::Datelike;
    let added: std::collections::BTreeSet<_> = state
        .store
        .official_days()
        .await?
        .into_iter()
        .map(|d| d.day)
        .collect();
    let shipped = Calendar::official();
    let reference = state.reference();
    Ok(reference
        .calendars
        .official
        .official_days()
        .filter(|(date, _)| year.is_none_or(|y| date.year() == y))
        .map(|(date, day)| OfficialDay {
            date: *date,
            official: day.clone(),
            added: added.contains(date) || shipped.official_day(*date).is_none(),
        })
        .collect())
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
