//! Decisions on two requests at once, committed in one transaction: a duplicate merged
//! into the request that answers it, and a repeat demand linked to the answered request.

use super::{Action, Case, Ctx, Decision, Event, EventKind, allowed_in, refuse};
use crate::error::{Invalid, Refusal};
use crate::ids::RequestId;
use crate::request::{Outcome, State};

/// Merging a duplicate `child` into `parent`: both sides change, in one transaction.
pub fn decide_merge(
    child_id: RequestId,
    child: &Case,
    parent_id: RequestId,
    parent: &Case,
    ctx: &Ctx<'_>,
) -> Result<(Decision, Decision), Refusal> {
    if !allowed_in(Action::Merge, child.state) {
        return Err(refuse(Action::Merge, child.state));
    }
    if child_id == parent_id {
        return Err(Invalid::new("parent", "a request cannot be merged into itself").into());
    }
    if parent.state.is_final() || parent.state == State::Merged {
        return Err(Invalid::new(
            "parent",
            format!("the parent is {} and cannot take duplicates", parent.state),
        )
        .into());
    }
    let mut child_next = child.clone();
    child_next.state = State::Merged;
    child_next.parent = Some(parent_id);
    let mut parent_next = parent.clone();
    parent_next.demand += child.demand;
    let child_event = Event {
        kind: EventKind::Act(Action::Merge),
        at: ctx.now,
        actor: ctx.actor,
        from: Some(child.state),
        to: State::Merged,
        reason: None,
        detail: vec![("parent".into(), parent_id.to_string())],
    };
    let parent_event = Event {
        kind: EventKind::ChildMerged,
        at: ctx.now,
        actor: ctx.actor,
        from: Some(parent.state),
        to: parent.state,
        reason: None,
        detail: vec![
            ("child".into(), child_id.to_string()),
            ("demand".into(), parent_next.demand.to_string()),
        ],
    };
    Ok((
        Decision {
            case: child_next,
            events: vec![child_event],
            effects: Default::default(),
        },
        Decision {
            case: parent_next,
            events: vec![parent_event],
            effects: Default::default(),
        },
    ))
}

/// Whether a merged duplicate's caller may be called back now: once the request they were
/// merged into is resolved (or closed), and only once.
pub fn merged_callback_due(child: &Case, parent: &Case) -> Result<(), Refusal> {
    if child.state != State::Merged {
        return Ok(());
    }
    if !matches!(parent.state, State::Resolved | State::Closed) {
        return Err(Invalid::new(
            "parent",
            format!(
                "the request this caller was merged into is {}: call back once it is resolved",
                parent.state
            ),
        )
        .into());
    }
    Ok(())
}

/// A decision on two requests at once (`decide_merge`, `decide_repeat`).
pub type DecidePair =
    fn(RequestId, &Case, RequestId, &Case, &Ctx<'_>) -> Result<(Decision, Decision), Refusal>;

/// A repeat demand: the request `child`, brought by a caller whose matter `parent` already
/// answered, ends as a repeat with no new facts — linked to the earlier request and given
/// its reply, not dispatched again and not counted against any unit. Both sides change in
/// one transaction; the earlier request records the link.
pub fn decide_repeat(
    child_id: RequestId,
    child: &Case,
    parent_id: RequestId,
    parent: &Case,
    ctx: &Ctx<'_>,
) -> Result<(Decision, Decision), Refusal> {
    if !allowed_in(Action::Repeat, child.state) {
        return Err(refuse(Action::Repeat, child.state));
    }
    if child_id == parent_id {
        return Err(Invalid::new("parent", "a request cannot repeat itself").into());
    }
    if !matches!(parent.state, State::Resolved | State::Closed) || parent.reply.is_none() {
        return Err(Invalid::new(
            "parent",
            format!(
                "the earlier request is {} without an answer to repeat: merge into it while it is open",
                parent.state
            ),
        )
        .into());
    }
    let mut child_next = child.clone();
    child_next.state = State::Closed;
    child_next.outcome = Some(Outcome::Duplicate);
    child_next.reply = parent.reply.clone();
    child_next.parent = Some(parent_id);
    let child_event = Event {
        kind: EventKind::Act(Action::Repeat),
        at: ctx.now,
        actor: ctx.actor,
        from: Some(child.state),
        to: State::Closed,
        reason: Some("重复诉求，无新情况".into()),
        detail: vec![("parent".into(), parent_id.to_string())],
    };
    let mut parent_next = parent.clone();
    parent_next.repeats += 1;
    let parent_event = Event {
        kind: EventKind::RepeatLinked,
        at: ctx.now,
        actor: ctx.actor,
        from: Some(parent.state),
        to: parent.state,
        reason: None,
        detail: vec![("child".into(), child_id.to_string())],
    };
    Ok((
        Decision {
            case: child_next,
            events: vec![child_event],
            effects: Default::default(),
        },
        Decision {
            case: parent_next,
            events: vec![parent_event],
            effects: Default::default(),
        },
    ))
}
