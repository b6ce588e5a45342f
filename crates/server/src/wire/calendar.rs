//! The calendar on the wire: an official notice as text, and official days as shown.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use civicgrid_api::{AddedOfficialDays, OfficialDayOut};
use civicgrid_domain::calendar::{Official, parse_official};

use crate::error::{ApiError, ApiResult};
use crate::services::calendar::{Added, OfficialDay};

/// The days of an official notice as an administrator pastes it (`YYYY-MM-DD off|work
/// NAME` lines); an error names the `text` field and the line.
pub fn official_days_in(text: &str) -> ApiResult<BTreeMap<NaiveDate, Official>> {
    parse_official(text).map_err(|e| {
        let mut error = ApiError::field("text", format!("{}: {}", e.field, e.message));
        error.message = format!("text, {}: {}", e.field, e.message);
        error
    })
}

pub fn added_out(added: &Added) -> AddedOfficialDays {
    AddedOfficialDays {
        added: added.added,
        calendar: added.calendar.clone(),
        covered_until: added
            .covered_until
            .map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

pub fn official_day_out(day: &OfficialDay) -> OfficialDayOut {
    let (kind, name) = match &day.official {
        Official::Holiday(name) => ("off", name.clone()),
        Official::MakeUpWorkday(name) => ("work", name.clone()),
    };
    OfficialDayOut {
        date: day.date.format("%Y-%m-%d").to_string(),
        kind: kind.into(),
        name,
        source: if day.added { "added" } else { "shipped" }.into(),
    }
}
