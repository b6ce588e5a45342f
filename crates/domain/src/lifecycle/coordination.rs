//! Coordination as a process (协调): who convenes, who answers, and the two ways it ends —
//! a dispatch to the lead the meeting agreed on, or the convenor resolving the case itself
//! and recording which unit is responsible ("solve first, assign later"). Either ending may
//! turn the finding into a routing rule with the basis "agreement" (商定).

use super::words::Basis;
use super::{Case, Ctx, dispatched_to, known_unit};
use crate::clocks::RoutingFinding;
use crate::error::{Invalid, Refusal};
use crate::ids::{CategoryId, UnitId};
use crate::org::UnitKind;
use crate::request::{Outcome, State};

/// What one coordination step records besides the case's new values.
pub(super) struct Step {
    pub detail: Vec<(String, String)>,
    pub reason: Option<String>,
    pub finding: Option<RoutingFinding>,
}

/// Who convenes an order opened by this actor on this case: a street leading the case
/// convenes itself; the hub convenes everything else (a department leading the case asks
/// the hub, which convenes).
fn convenor(case: &Case, ctx: &Ctx<'_>) -> Option<UnitId> {
    let street_leads = case
        .lead
        .filter(|lead| ctx.actor.unit == Some(*lead))
        .filter(|lead| {
            ctx.org
                .get(*lead)
                .is_some_and(|u| u.kind == UnitKind::Street)
        });
    street_leads.or(ctx.org.root())
}

pub(super) fn open(
    case: &Case,
    next: &mut Case,
    units: &[UnitId],
    why: &str,
    ctx: &Ctx<'_>,
) -> Result<Step, Refusal> {
    if units.is_empty() {
        return Err(Invalid::new("units", "name at least one unit to coordinate").into());
    }
    let convenor = convenor(case, ctx);
    let mut seen = Vec::new();
    for (index, unit) in units.iter().enumerate() {
        let field = format!("units[{index}]");
        known_unit(ctx, &field, *unit)?;
        if Some(*unit) == convenor || seen.contains(unit) {
            return Err(
                Invalid::new(field, "must differ from the convenor and from each other").into(),
            );
        }
        seen.push(*unit);
    }
    let list: Vec<String> = units.iter().map(|u| u.to_string()).collect();
    let mut detail = vec![("units".to_string(), list.join(","))];
    if let Some(convenor) = convenor {
        detail.push(("convenor".into(), convenor.to_string()));
    }
    next.state = State::Coordinating;
    next.lead = None;
    next.assisting.clear();
    next.pending_extension = None;
    next.convenor = convenor;
    next.coordination = units.to_vec();
    next.answered.clear();
    Ok(Step {
        detail,
        reason: Some(why.to_owned()),
        finding: None,
    })
}

pub(super) fn answer(
    case: &Case,
    next: &mut Case,
    unit: UnitId,
    opinion: &str,
    capacity: Option<&String>,
    owns: bool,
) -> Result<Step, Refusal> {
    if !case.coordination.contains(&unit) {
        return Err(Invalid::new("unit", "is not taking part in this coordination").into());
    }
    if case.answered.contains(&unit) {
        return Err(Invalid::new("unit", "has answered this coordination already").into());
    }
    next.answered.push(unit);
    let mut detail = vec![
        ("unit".to_string(), unit.to_string()),
        ("owns".to_string(), owns.to_string()),
    ];
    if let Some(capacity) = capacity {
        detail.push(("capacity".into(), capacity.clone()));
    }
    Ok(Step {
        detail,
        reason: Some(opinion.to_owned()),
        finding: None,
    })
}

/// The routing rule a finding becomes, when the convenor asked for one.
fn finding(
    make_rule: bool,
    rule: Option<(CategoryId, Option<UnitId>)>,
    unit: UnitId,
) -> Result<Option<RoutingFinding>, Invalid> {
    if !make_rule {
        return Ok(None);
    }
    let (category, area) = rule.ok_or_else(|| {
        Invalid::new(
            "rule",
            "the request has no category and street to make a routing rule for",
        )
    })?;
    Ok(Some(RoutingFinding {
        category,
        area,
        unit,
        basis: Basis::Agreement,
    }))
}

pub(super) struct Agreement<'c> {
    pub unit: UnitId,
    pub assisting: &'c [UnitId],
    pub minutes: &'c str,
    pub make_rule: bool,
    pub rule: Option<(CategoryId, Option<UnitId>)>,
}

pub(super) fn agree(next: &mut Case, args: Agreement<'_>, ctx: &Ctx<'_>) -> Result<Step, Refusal> {
    known_unit(ctx, "unit", args.unit)?;
    let mut seen = Vec::new();
    for (index, helper) in args.assisting.iter().enumerate() {
        let field = format!("assisting[{index}]");
        known_unit(ctx, &field, *helper)?;
        if *helper == args.unit || seen.contains(helper) {
            return Err(
                Invalid::new(field, "must differ from the lead unit and from each other").into(),
            );
        }
        seen.push(*helper);
    }
    let finding = finding(args.make_rule, args.rule, args.unit)?;
    dispatched_to(next, args.unit, ctx.now);
    next.assisting = args.assisting.to_vec();
    let mut detail = vec![
        ("unit".to_string(), args.unit.to_string()),
        ("basis".to_string(), Basis::Agreement.as_str().to_string()),
        ("minutes".to_string(), args.minutes.to_owned()),
    ];
    if !args.assisting.is_empty() {
        let list: Vec<String> = args.assisting.iter().map(|u| u.to_string()).collect();
        detail.push(("assisting".into(), list.join(",")));
    }
    if finding.is_some() {
        detail.push(("rule".into(), "true".into()));
    }
    if let Some(step) = next.review {
        detail.push(("review".into(), step.as_str().into()));
    }
    Ok(Step {
        detail,
        reason: None,
        finding,
    })
}

pub(super) struct Settlement<'c> {
    pub reply: &'c str,
    pub owner: UnitId,
    pub minutes: &'c str,
    pub make_rule: bool,
    pub rule: Option<(CategoryId, Option<UnitId>)>,
}

pub(super) fn settle(
    case: &Case,
    next: &mut Case,
    args: Settlement<'_>,
    ctx: &Ctx<'_>,
) -> Result<Step, Refusal> {
    known_unit(ctx, "owner", args.owner)?;
    let convenor = case.convenor.or(ctx.org.root());
    let finding = finding(args.make_rule, args.rule, args.owner)?;
    // The hub checks a street's own reply like any unit's; its own it does not.
    let checked = ctx.rules.reply_review == super::ReplyReview::All && convenor != ctx.org.root();
    next.review = checked.then_some(super::ReviewStep::Check);
    next.state = if checked {
        State::Reviewing
    } else {
        State::Resolved
    };
    next.lead = convenor;
    next.first_responder = case.first_responder.or(convenor);
    next.coordination.clear();
    next.outcome = Some(Outcome::Resolved);
    next.reply = Some(args.reply.to_owned());
    let mut detail = vec![
        ("owner".to_string(), args.owner.to_string()),
        ("minutes".to_string(), args.minutes.to_owned()),
        (
            "outcome".to_string(),
            Outcome::Resolved.as_str().to_string(),
        ),
        ("reply".to_string(), args.reply.to_owned()),
    ];
    if let Some(convenor) = convenor {
        detail.push(("unit".into(), convenor.to_string()));
    }
    if finding.is_some() {
        detail.push(("rule".into(), "true".into()));
    }
    Ok(Step {
        detail,
        reason: None,
        finding,
    })
}
