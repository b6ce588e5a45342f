//! Routing: which unit should handle a request of this category at this place. A table of
//! rules maps category × area to a unit, each fixed by statute, agreement or designation
//! ("三定"); the most specific rule wins; with no rule, the street the place lies in is
//! responsible (territorial fallback, "属地兜底").

use crate::ids::{CategoryId, UnitId};
use crate::lifecycle::Basis;
use crate::org::{OrgTree, UnitKind};

/// One line of the routing table. `area: None` covers the whole district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub id: i64,
    pub category: CategoryId,
    pub area: Option<UnitId>,
    pub unit: UnitId,
    pub basis: Basis,
}

/// The proposed unit and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub unit: UnitId,
    pub basis: Basis,
    /// The rule that matched; `None` for the territorial fallback.
    pub rule: Option<i64>,
}

/// Proposes a unit. `categories` is the request's category followed by its parent (the rule
/// for the exact category beats one for the parent); `area` is the territorial unit the
/// request lies in.
pub fn propose(
    categories: &[CategoryId],
    area: Option<UnitId>,
    rules: &[RoutingRule],
    org: &OrgTree,
) -> Option<Proposal> {
    let area_chain: Vec<UnitId> = area.map(|a| org.ancestors_or_self(a)).unwrap_or_default();
    // Lower category rank is more specific; a deeper area (smaller index in the chain from
    // the place upwards) is more specific; district-wide rules rank last; among equals the
    // oldest rule (lowest id) wins.
    let best = rules
        .iter()
        // A disabled unit takes no new work: its rules stand aside.
        .filter(|rule| org.get(rule.unit).is_some_and(|u| !u.disabled))
        .filter_map(|rule| {
            let category_rank = categories.iter().position(|c| *c == rule.category)?;
            let area_rank = match rule.area {
                None => usize::MAX,
                Some(rule_area) => area_chain.iter().position(|u| *u == rule_area)?,
            };
            Some(((category_rank, area_rank, rule.id), rule))
        })
        .min_by_key(|(key, _)| *key);
    if let Some((_, rule)) = best {
        return Some(Proposal {
            unit: rule.unit,
            basis: rule.basis,
            rule: Some(rule.id),
        });
    }
    let street = area
        .and_then(|a| org.enclosing(a, UnitKind::Street))
        .filter(|s| org.get(*s).is_some_and(|u| !u.disabled))?;
    Some(Proposal {
        unit: street,
        basis: Basis::Territorial,
        rule: None,
    })
}
