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

    #[test]
    fn an_area_rule_applies_only_inside_its_area() {
        let mut org_units = vec![
            unit(1, UnitKind::Hub, None),
            unit(2, UnitKind::Street, Some(1)),
            unit(3, UnitKind::Community, Some(2)),
            unit(4, UnitKind::Grid, Some(3)),
            unit(5, UnitKind::Street, Some(1)),
            unit(10, UnitKind::Department, Some(1)),
            unit(11, UnitKind::Department, Some(1)),
        ];
        let org = OrgTree::new(org_units.drain(..));
        let rules = vec![
            rule(1, 100, Some(5), 11, Basis::Agreement),
            rule(2, 100, None, 10, Basis::Statute),
        ];
        // The place lies in street 2: street 5's agreement does not apply there.
        let p = propose(&[CategoryId(100)], Some(UnitId(4)), &rules, &org).unwrap();
        assert_eq!((p.unit, p.rule), (UnitId(10), Some(2)));
        // Inside street 5 it does.
        let p = propose(&[CategoryId(100)], Some(UnitId(5)), &rules, &org).unwrap();
        assert_eq!((p.unit, p.rule), (UnitId(11), Some(1)));
    }

    #[test]
    fn specificity_wins_whatever_the_order_and_ids_break_only_ties() {
        let org = org();
        let cats = [CategoryId(100)];
        // A specific rule with a higher id, listed first, beats a general one with a lower id.
        let rules = vec![
            rule(9, 100, Some(2), 11, Basis::Agreement),
            rule(1, 100, None, 10, Basis::Statute),
        ];
        let p = propose(&cats, Some(UnitId(4)), &rules, &org).unwrap();
        assert_eq!(p.rule, Some(9));
        // Listed the other way round, the same.
        let reversed: Vec<RoutingRule> = rules.iter().rev().cloned().collect();
        assert_eq!(
            propose(&cats, Some(UnitId(4)), &reversed, &org)
                .unwrap()
                .rule,
            Some(9)
        );
        // Equally specific rules: the older (lower id) wins, in either order.
        let tie = vec![
            rule(3, 100, None, 10, Basis::Statute),
            rule(7, 100, None, 11, Basis::Statute),
        ];
        assert_eq!(propose(&cats, None, &tie, &org).unwrap().rule, Some(3));
        let tie: Vec<RoutingRule> = tie.into_iter().rev().collect();
        assert_eq!(propose(&cats, None, &tie, &org).unwrap().rule, Some(3));
    }
}
