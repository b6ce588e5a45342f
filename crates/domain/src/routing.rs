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
    let mut best: Option<((usize, usize), &RoutingRule)> = None;
    for rule in rules {
        let Some(category_rank) = categories.iter().position(|c| *c == rule.category) else {
            continue;
        };
        // Lower category rank is more specific; a deeper area (smaller index in the chain
        // from the place upwards) is more specific; district-wide rules rank last.
        let area_rank = match rule.area {
            None => usize::MAX,
            Some(rule_area) => match area_chain.iter().position(|u| *u == rule_area) {
                Some(rank) => rank,
                None => continue,
            },
        };
        let key = (category_rank, area_rank);
        if best
            .as_ref()
            .is_none_or(|(k, r)| key < *k || (key == *k && rule.id < r.id))
        {
            best = Some((key, rule));
        }
    }
    if let Some((_, rule)) = best {
        return Some(Proposal {
            unit: rule.unit,
            basis: rule.basis,
            rule: Some(rule.id),
        });
    }
    let street = area.and_then(|a| org.enclosing(a, UnitKind::Street))?;
    Some(Proposal {
        unit: street,
        basis: Basis::Territorial,
        rule: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Unit;

    fn unit(id: i64, kind: UnitKind, parent: Option<i64>) -> Unit {
        Unit {
            id: UnitId(id),
            name: format!("u{id}"),
            kind,
            parent: parent.map(UnitId),
            lines: vec![],
        }
    }

    fn org() -> OrgTree {
        OrgTree::new([
            unit(1, UnitKind::Hub, None),
            unit(2, UnitKind::Street, Some(1)),
            unit(3, UnitKind::Community, Some(2)),
            unit(4, UnitKind::Grid, Some(3)),
            unit(10, UnitKind::Department, Some(1)),
            unit(11, UnitKind::Department, Some(1)),
            unit(12, UnitKind::Utility, Some(1)),
        ])
    }

    fn rule(id: i64, category: i64, area: Option<i64>, unit: i64, basis: Basis) -> RoutingRule {
        RoutingRule {
            id,
            category: CategoryId(category),
            area: area.map(UnitId),
            unit: UnitId(unit),
            basis,
        }
    }

    #[test]
    fn most_specific_rule_wins_and_fallback_is_the_street() {
        let org = org();
        let rules = vec![
            rule(1, 100, None, 10, Basis::Statute),
            rule(2, 100, Some(2), 11, Basis::Agreement),
            rule(3, 50, None, 12, Basis::Designation),
        ];
        let cats = [CategoryId(100), CategoryId(50)];
        // A place inside street 2: the street-level agreement beats the district statute.
        assert_eq!(
            propose(&cats, Some(UnitId(4)), &rules, &org).unwrap().unit,
            UnitId(11)
        );
        // No place: the district-wide statute.
        let p = propose(&cats, None, &rules, &org).unwrap();
        assert_eq!((p.unit, p.basis), (UnitId(10), Basis::Statute));
        // Only the parent category has a rule.
        let p = propose(
            &[CategoryId(101), CategoryId(50)],
            Some(UnitId(4)),
            &rules,
            &org,
        )
        .unwrap();
        assert_eq!((p.unit, p.basis), (UnitId(12), Basis::Designation));
        // No rule at all: the street of the grid.
        let p = propose(&[CategoryId(7)], Some(UnitId(4)), &rules, &org).unwrap();
        assert_eq!(
            (p.unit, p.basis, p.rule),
            (UnitId(2), Basis::Territorial, None)
        );
        // No rule and no place: nothing to propose, a dispatcher decides.
        assert!(propose(&[CategoryId(7)], None, &rules, &org).is_none());
    }
}
