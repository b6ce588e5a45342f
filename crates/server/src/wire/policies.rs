//! Deadline policies on the wire: a policy as the API shows it, and a policy as an
//! administrator sends it, parsed into the domain's policy values with each bad field named.

use civicgrid_api::{BandsIn, CreatePolicy, LimitIn, PolicyLimits, PolicyMatch, PolicyOut};
use civicgrid_domain::org::Principal;
use civicgrid_domain::request::parse_word;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn policy_out(
    policy: &civicgrid_store::Policy,
    reference: &crate::state::Reference,
) -> PolicyOut {
    use civicgrid_domain::deadline::Stage;
    let limit = |stage| {
        policy.limit(stage).map(|l| LimitIn {
            amount: i64::from(l.amount),
            unit: l.unit.as_str().into(),
        })
    };
    PolicyOut {
        id: policy.id,
        name: policy.name.clone(),
        matches: PolicyMatch {
            kind: policy.matches.kind.map(|k| k.as_str().into()),
            category: policy
                .matches
                .category
                .and_then(|c| reference.category(c))
                .map(|c| serde_json::Value::String(c.code.clone())),
            urgency: policy.matches.urgency.map(|u| u.as_str().into()),
            channel: policy.matches.channel.map(|c| c.as_str().into()),
        },
        limits: PolicyLimits {
            dispatch: limit(Stage::Dispatch),
            accept: limit(Stage::Accept),
            respond: limit(Stage::Respond),
            resolve: limit(Stage::Resolve),
            callback: limit(Stage::Callback),
            answer: limit(Stage::Answer),
            review: limit(Stage::Review),
            report: limit(Stage::Report),
        },
        bands: BandsIn {
            yellow: policy.thresholds.yellow,
            orange: policy.thresholds.orange,
        },
        accountable_after_working_days: policy.accountable_after,
    }
}

/// The stages a default policy sets (every stage but coordination, whose limit is fixed).
const DEFAULT_STAGES: usize = 8;

pub fn parse_policy(
    state: &AppState,
    principal: &Principal,
    body: CreatePolicy,
) -> ApiResult<civicgrid_store::NewPolicy> {
    use civicgrid_domain::deadline::{Limit, Match, Stage, Thresholds};
    use civicgrid_domain::request::{Channel, Kind, Urgency};
    let name = civicgrid_domain::request::parse_text("name", &body.name, 60)?;
    let reference = state.reference();
    let matches = Match {
        kind: body
            .matches
            .kind
            .as_deref()
            .map(|k| parse_word("match.kind", k, Kind::parse, Kind::words))
            .transpose()?,
        category: crate::wire::org::resolve_category(&reference, body.matches.category.as_ref())
            .map_err(|mut e| {
                e.fields =
                    std::iter::once(("match.category".to_owned(), "no such category".to_owned()))
                        .collect();
                e
            })?,
        urgency: body
            .matches
            .urgency
            .as_deref()
            .map(|u| parse_word("match.urgency", u, Urgency::parse, Urgency::words))
            .transpose()?,
        channel: body
            .matches
            .channel
            .as_deref()
            .map(|c| parse_word("match.channel", c, Channel::parse, Channel::words))
            .transpose()?,
    };
    let mut limits = Vec::new();
    for (stage, limit) in [
        (Stage::Dispatch, &body.limits.dispatch),
        (Stage::Accept, &body.limits.accept),
        (Stage::Respond, &body.limits.respond),
        (Stage::Resolve, &body.limits.resolve),
        (Stage::Callback, &body.limits.callback),
        (Stage::Answer, &body.limits.answer),
        (Stage::Review, &body.limits.review),
        (Stage::Report, &body.limits.report),
    ] {
        if let Some(limit) = limit {
            limits.push((
                stage,
                Limit::parse(&format!("limits.{stage}"), limit.amount, &limit.unit)?,
            ));
        }
    }
    if limits.is_empty() {
        return Err(ApiError::field(
            "limits",
            "set a limit for at least one stage",
        ));
    }

    let thresholds = match body.bands {
        Some(b) => Thresholds::parse(b.yellow, b.orange)?,
        None => Thresholds::default(),
    };
    let accountable_after = match body.accountable_after_working_days {
        Some(days) => civicgrid_domain::deadline::parse_accountable_after(
            "accountable_after_working_days",
            days,
        )?,
        None => civicgrid_domain::deadline::DEFAULT_ACCOUNTABLE_AFTER,
    };
    // A policy that matches everything is the default the others fall back to.
    if matches == Match::default() && limits.len() < DEFAULT_STAGES {
        return Err(ApiError::field(
            "limits",
            "a policy without `match` is the default and sets every stage: dispatch, accept, respond, resolve, callback, answer, review and report",
        ));
    }
    let new = civicgrid_store::NewPolicy {
        name,
        matches,
        limits,
        thresholds,
        accountable_after,
        created_by: Some(principal.user),
    };
    Ok(new)
}
