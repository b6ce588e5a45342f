//! A street's summons (吹哨报到): the street leading a case that it cannot solve alone (a
//! joint enforcement, an emergency) summons departments to the site; each must report on
//! site within its limit (the `report` stage, 30 natural minutes by default), and the
//! street rates each department's response, which counts in the department's appraisal.

use super::{Case, Ctx, known_unit};
use crate::error::{Invalid, Refusal};
use crate::ids::UnitId;
use crate::org::UnitKind;
use crate::request::Rating;

type Detail = Vec<(String, String)>;

pub(super) fn summon(
    case: &Case,
    next: &mut Case,
    units: &[UnitId],
    ctx: &Ctx<'_>,
) -> Result<Detail, Refusal> {
    let street = case
        .lead
        .filter(|lead| {
            ctx.org
                .get(*lead)
                .is_some_and(|u| u.kind == UnitKind::Street)
        })
        .ok_or_else(|| {
            Invalid::new(
                "units",
                "only a street leading the case summons departments (吹哨报到)",
            )
        })?;
    if units.is_empty() {
        return Err(Invalid::new("units", "name at least one unit to summon").into());
    }
    for (index, unit) in units.iter().enumerate() {
        let field = format!("units[{index}]");
        known_unit(ctx, &field, *unit)?;
        let waiting = case.summoned.contains(unit) && !case.reported.contains(unit);
        if *unit == street || waiting || units[..index].contains(unit) {
            return Err(Invalid::new(
                field,
                "must differ from the street, from each other and from units still on their way",
            )
            .into());
        }
    }
    for unit in units {
        // Summoned again after an earlier report: it must report (and is rated) anew.
        next.reported.retain(|u| u != unit);
        next.rated_units.retain(|u| u != unit);
        if !next.summoned.contains(unit) {
            next.summoned.push(*unit);
        }
    }
    let list: Vec<String> = units.iter().map(|u| u.to_string()).collect();
    Ok(vec![
        ("units".into(), list.join(",")),
        ("street".into(), street.to_string()),
    ])
}

pub(super) fn report(case: &Case, next: &mut Case, unit: UnitId) -> Result<Detail, Refusal> {
    if !case.summoned.contains(&unit) {
        return Err(Invalid::new("unit", "was not summoned to this case").into());
    }
    if case.reported.contains(&unit) {
        return Err(Invalid::new("unit", "has reported on site already").into());
    }
    next.reported.push(unit);
    Ok(vec![("unit".into(), unit.to_string())])
}

pub(super) fn rate(
    case: &Case,
    next: &mut Case,
    unit: UnitId,
    rating: Rating,
) -> Result<Detail, Refusal> {
    if !case.summoned.contains(&unit) {
        return Err(Invalid::new("unit", "was not summoned to this case").into());
    }
    if case.rated_units.contains(&unit) {
        return Err(Invalid::new("unit", "its response is rated already").into());
    }
    next.rated_units.push(unit);
    Ok(vec![
        ("unit".into(), unit.to_string()),
        ("rating".into(), rating.as_str().into()),
    ])
}
