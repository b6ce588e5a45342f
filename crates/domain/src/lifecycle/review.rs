//! Replies reviewed before the callback (办结审核): a unit's reply is signed by its unit
//! head where one is needed (always for a case marked important; for every reply of a unit
//! that has a unit head), then checked by the hub, which approves it or sends it back with a
//! reason. Which replies the hub checks is the district's rule (`ReplyReview`). A reply
//! that cites policy names the document.

use super::words::{ReplyReview, ReviewStep};
use super::{Case, Ctx};
use crate::error::{Invalid, Refusal};
use crate::ids::UnitId;
use crate::request::State;

/// Words that say a reply rests on a rule or policy (依据…规定/条例/办法/政策/文件).
const POLICY_WORDS: &[&str] = &["规定", "条例", "办法", "政策", "文件", "细则", "通知"];

/// Whether a reply cites policy without naming the document: it says it rests on a rule
/// (依据 or 根据 with a policy word) but names no document in 《》 and none is given apart.
pub fn cites_unnamed_policy(reply: &str, cites: Option<&str>) -> bool {
    let rests_on = (reply.contains("依据") || reply.contains("根据") || reply.contains("按照"))
        && POLICY_WORDS.iter().any(|w| reply.contains(w));
    rests_on && !(reply.contains('《') && reply.contains('》')) && cites.is_none()
}

/// Where a reply goes when the unit gives it: the unit head's signature, the hub's check,
/// or straight to the callback.
pub(super) fn first_step(
    case: &Case,
    unit_head: bool,
    rules: ReplyReview,
) -> Result<Option<ReviewStep>, Invalid> {
    if case.important && !unit_head {
        return Err(Invalid::new(
            "important",
            "an important case's reply needs the unit head's signature, and this unit has no unit head: ask an administrator to appoint one",
        ));
    }
    let sign = case.important || unit_head;
    Ok(if sign {
        Some(ReviewStep::Sign)
    } else if rules == ReplyReview::All {
        Some(ReviewStep::Check)
    } else {
        None
    })
}

/// The state a reply leaves the case in, at this review step.
pub(super) fn state_for(step: Option<ReviewStep>) -> State {
    if step.is_some() {
        State::Reviewing
    } else {
        State::Resolved
    }
}

fn at_step(case: &Case, step: ReviewStep, what: &str) -> Result<(), Refusal> {
    if case.review == Some(step) {
        Ok(())
    } else {
        Err(Invalid::new(
            "review",
            format!(
                "the reply is not awaiting {what}; it is at {}",
                case.review.map_or("no review", |s| s.as_str())
            ),
        )
        .into())
    }
}

/// The unit head signs: the hub checks next, unless the district checks no replies.
pub(super) fn sign(case: &Case, next: &mut Case, ctx: &Ctx<'_>) -> Result<(), Refusal> {
    at_step(case, ReviewStep::Sign, "a unit head's signature")?;
    next.review = (ctx.rules.reply_review != ReplyReview::Off).then_some(ReviewStep::Check);
    next.state = state_for(next.review);
    Ok(())
}

/// The hub approves: the callback may be made.
pub(super) fn approve(case: &Case, next: &mut Case) -> Result<(), Refusal> {
    at_step(case, ReviewStep::Check, "the hub's check")?;
    next.review = None;
    next.state = State::Resolved;
    Ok(())
}

/// A reviewer sends the reply back: the unit works on it again and replies anew.
pub(super) fn send_back(
    case: &Case,
    next: &mut Case,
    ctx: &Ctx<'_>,
) -> Result<(ReviewStep, Option<UnitId>), Refusal> {
    let step = case
        .review
        .ok_or_else(|| Invalid::new("review", "the reply is not under review"))?;
    // At the hub's check only the hub sends back; the unit head had its turn.
    let hub = ctx.org.root();
    if step == ReviewStep::Check && ctx.actor.unit.is_some() && ctx.actor.unit != hub {
        return Err(Refusal::Forbidden {
            action: "send_back",
        });
    }
    next.review = None;
    next.state = State::InProgress;
    next.outcome = None;
    Ok((step, case.lead))
}
