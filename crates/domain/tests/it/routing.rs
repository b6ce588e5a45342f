//! The routing table: the most specific rule for a request's category and place, the
//! territorial fallback to the street, and ties broken by the oldest rule.

use civicgrid_domain::lifecycle::Basis;
use civicgrid_domain::routing::{RoutingRule, propose};
use civicgrid_domain::{CategoryId, UnitId};

use crate::org;

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
    let org = org();
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

/// A disabled unit takes no new work: its rules stand aside for the next one, a disabled
/// street is no fallback; the tree refuses a move under a unit's own subtree.
#[test]
fn a_disabled_unit_is_passed_over_and_moves_keep_the_tree() {
    let with_disabled = |ids: &[i64]| {
        civicgrid_domain::org::OrgTree::new(org().units().cloned().map(|mut u| {
            u.disabled = ids.contains(&u.id.0);
            u
        }))
    };
    let rules = vec![
        rule(1, 100, Some(2), 11, Basis::Agreement),
        rule(2, 100, None, 10, Basis::Statute),
    ];
    let cats = [CategoryId(100)];
    let place = Some(UnitId(4));
    assert_eq!(
        propose(&cats, place, &rules, &org()).unwrap().unit,
        UnitId(11)
    );
    let p = propose(&cats, place, &rules, &with_disabled(&[11])).unwrap();
    assert_eq!((p.unit, p.rule), (UnitId(10), Some(2)));
    assert!(propose(&cats, place, &rules, &with_disabled(&[10, 11, 2])).is_none());
    assert_eq!(
        propose(&[CategoryId(7)], place, &rules, &with_disabled(&[11]))
            .unwrap()
            .unit,
        UnitId(2),
        "the street stays the fallback while it is enabled"
    );
    let tree = org();
    assert!(
        tree.check_move(UnitId(2), UnitId(4)).is_err(),
        "under its own grid"
    );
    assert!(
        tree.check_move(UnitId(3), UnitId(10)).is_err(),
        "a community under a department"
    );
    assert!(
        tree.check_move(UnitId(3), UnitId(5)).is_ok(),
        "to the other street"
    );
}
