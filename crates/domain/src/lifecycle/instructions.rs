//! Leaders' instructions (领导批示): a leader writes an instruction on a case for a unit
//! (the handling unit unless another is named), optionally with a deadline in working
//! days that runs as the `instruction` clock against that unit; the unit acknowledges it
//! (签收) and reports back (报告办理结果), which ends it. Instructions are numbered on their
//! case from 1, in the order given.

use super::command::MAX_INSTRUCTION_DAYS;
use super::words::{Action, InstructionState};
use super::{Case, Ctx, known_unit};
use crate::error::{Invalid, Refusal};
use crate::ids::UnitId;

type Detail = Vec<(String, String)>;

/// One instruction on a case, as the rules need it: the unit it is for and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction {
    pub unit: UnitId,
    pub state: InstructionState,
}

impl Case {
    /// The units with an instruction they have not reported on yet.
    pub fn instructed(&self) -> Vec<UnitId> {
        self.instructions
            .iter()
            .filter(|i| i.state != InstructionState::Reported)
            .map(|i| i.unit)
            .collect()
    }
}

pub(super) fn give(
    case: &Case,
    next: &mut Case,
    unit: Option<UnitId>,
    working_days: Option<u32>,
    ctx: &Ctx<'_>,
) -> Result<Detail, Refusal> {
    let unit = unit.or(case.lead).ok_or_else(|| {
        Invalid::new(
            "unit",
            "the request has no handling unit yet: name the unit the instruction is for",
        )
    })?;
    known_unit(ctx, "unit", unit)?;
    if let Some(waiting) = case
        .instructions
        .iter()
        .position(|i| i.unit == unit && i.state != InstructionState::Reported)
    {
        return Err(Invalid::new(
            "unit",
            format!(
                "instruction {} for this unit still waits for its report",
                waiting + 1
            ),
        )
        .into());
    }
    if let Some(days) = working_days
        && (days == 0 || days > MAX_INSTRUCTION_DAYS)
    {
        return Err(Invalid::new(
            "working_days",
            format!("must be between 1 and {MAX_INSTRUCTION_DAYS}"),
        )
        .into());
    }
    next.instructions.push(Instruction {
        unit,
        state: InstructionState::Open,
    });
    let mut detail = vec![
        ("instruction".into(), next.instructions.len().to_string()),
        ("unit".into(), unit.to_string()),
    ];
    if let Some(days) = working_days {
        detail.push(("working_days".into(), days.to_string()));
    }
    Ok(detail)
}

/// The instruction an acknowledgement or a report is about: the one numbered, or the only
/// one still waiting for that move. Returns its number and unit.
pub fn waiting(case: &Case, action: Action, number: Option<u32>) -> Result<(u32, UnitId), Invalid> {
    let waits = |state: InstructionState| match action {
        Action::AcknowledgeInstruction => state == InstructionState::Open,
        _ => state != InstructionState::Reported,
    };
    let verb = if action == Action::AcknowledgeInstruction {
        "acknowledgement"
    } else {
        "a report"
    };
    match number {
        Some(n) => {
            let found = case
                .instructions
                .get((n as usize).wrapping_sub(1))
                .ok_or_else(|| {
                    Invalid::new("instruction", format!("no instruction {n} on this request"))
                })?;
            if waits(found.state) {
                Ok((n, found.unit))
            } else {
                Err(Invalid::new(
                    "instruction",
                    format!("instruction {n} waits for no {verb}: it is {}", found.state),
                ))
            }
        }
        None => {
            let mut open = case
                .instructions
                .iter()
                .enumerate()
                .filter(|(_, i)| waits(i.state));
            match (open.next(), open.next()) {
                (Some((index, i)), None) => Ok((index as u32 + 1, i.unit)),
                (None, _) => Err(Invalid::new(
                    "instruction",
                    format!("no instruction on this request waits for {verb}"),
                )),
                (Some(_), Some(_)) => Err(Invalid::new(
                    "instruction",
                    "several instructions wait: name the instruction's number",
                )),
            }
        }
    }
}

pub(super) fn acknowledge(
    case: &Case,
    next: &mut Case,
    number: Option<u32>,
) -> Result<Detail, Refusal> {
    let (n, unit) = waiting(case, Action::AcknowledgeInstruction, number)?;
    next.instructions[n as usize - 1].state = InstructionState::Acknowledged;
    Ok(vec![
        ("instruction".into(), n.to_string()),
        ("unit".into(), unit.to_string()),
    ])
}

pub(super) fn report(case: &Case, next: &mut Case, number: Option<u32>) -> Result<Detail, Refusal> {
    let (n, unit) = waiting(case, Action::ReportInstruction, number)?;
    next.instructions[n as usize - 1].state = InstructionState::Reported;
    Ok(vec![
        ("instruction".into(), n.to_string()),
        ("unit".into(), unit.to_string()),
    ])
}
