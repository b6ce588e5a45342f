//! Who may see and do what, by role, unit subtree and business line.

use civicgrid_domain::lifecycle::{Action, Scope, Want, authorize};
use civicgrid_domain::org::{Grant, Principal, Role};
use civicgrid_domain::{UnitId, UserId};

use crate::org;

fn user(role: Role, unit: i64, lines: &[&str]) -> Principal {
    Principal {
        user: UserId(1),
        username: "u".into(),
        unit: UnitId(unit),
        grants: vec![Grant {
            role,
            unit: UnitId(unit),
            lines: lines.iter().map(|l| l.to_string()).collect(),
        }],
    }
}

fn scope(lead: Option<i64>, places: &[i64]) -> Scope {
    let mut handlers: Vec<UnitId> = lead.into_iter().map(UnitId).collect();
    handlers.push(UnitId(11));
    Scope {
        lead: lead.map(UnitId),
        assisting: vec![UnitId(11)],
        handlers,
        places: places.iter().copied().map(UnitId).collect(),
        line: Some("urban".into()),
        ..Scope::default()
    }
}

#[test]
fn handlers_touch_only_their_own_units_cases() {
    let org = org();
    let s = scope(Some(10), &[4]);
    assert!(
        authorize(
            &user(Role::Handler, 10, &[]),
            Want::Act(Action::Accept),
            &s,
            &org
        )
        .is_ok()
    );
    assert!(
        authorize(
            &user(Role::Handler, 11, &[]),
            Want::Act(Action::Accept),
            &s,
            &org
        )
        .is_err(),
        "assisting unit cannot accept"
    );
    assert!(
        authorize(
            &user(Role::Handler, 11, &[]),
            Want::Act(Action::AssistReport),
            &s,
            &org
        )
        .is_ok()
    );
    assert!(authorize(&user(Role::Handler, 11, &[]), Want::Read, &s, &org).is_ok());
    // A community handler does not see a department's case just because it lies in its area.
    assert!(authorize(&user(Role::Handler, 3, &[]), Want::Read, &s, &org).is_err());
    // A department that handled it before still reads it, but cannot act on it.
    let mut moved = s.clone();
    moved.lead = Some(UnitId(2));
    assert!(authorize(&user(Role::Handler, 10, &[]), Want::Read, &moved, &org).is_ok());
    assert!(
        authorize(
            &user(Role::Handler, 10, &[]),
            Want::Act(Action::Resolve),
            &moved,
            &org
        )
        .is_err()
    );
    // Handlers cannot dispatch.
    assert!(
        authorize(
            &user(Role::Handler, 10, &[]),
            Want::Act(Action::Dispatch),
            &s,
            &org
        )
        .is_err()
    );
}

#[test]
fn dispatchers_and_leaders_cover_their_subtree() {
    let org = org();
    let located_in_grid_4 = scope(None, &[4]);
    assert!(
        authorize(
            &user(Role::Dispatcher, 1, &[]),
            Want::Act(Action::Dispatch),
            &located_in_grid_4,
            &org
        )
        .is_ok()
    );
    assert!(
        authorize(
            &user(Role::Dispatcher, 2, &[]),
            Want::Act(Action::Dispatch),
            &located_in_grid_4,
            &org
        )
        .is_ok()
    );
    assert!(
        authorize(
            &user(Role::Dispatcher, 5, &[]),
            Want::Act(Action::Dispatch),
            &located_in_grid_4,
            &org
        )
        .is_err()
    );
    assert!(
        authorize(
            &user(Role::Leader, 2, &[]),
            Want::Read,
            &located_in_grid_4,
            &org
        )
        .is_ok()
    );
    assert!(
        authorize(
            &user(Role::Leader, 2, &[]),
            Want::Act(Action::Callback),
            &located_in_grid_4,
            &org
        )
        .is_err()
    );
}

#[test]
fn personal_data_needs_a_role_with_the_right() {
    let org = org();
    let s = scope(Some(10), &[4]);
    assert!(authorize(&user(Role::Leader, 1, &[]), Want::ReadPersonal, &s, &org).is_err());
    assert!(
        authorize(
            &user(Role::GridWorker, 4, &[]),
            Want::ReadPersonal,
            &s,
            &org
        )
        .is_err()
    );
    assert!(authorize(&user(Role::Operator, 1, &[]), Want::ReadPersonal, &s, &org).is_ok());
    assert!(authorize(&user(Role::Handler, 10, &[]), Want::ReadPersonal, &s, &org).is_ok());
}

#[test]
fn a_confidential_caller_is_read_only_by_the_hubs_operators_and_supervisors() {
    let org = org();
    let s = Scope {
        confidential: true,
        ..scope(Some(10), &[4])
    };
    let reads =
        |role, unit| authorize(&user(role, unit, &[]), Want::ReadPersonal, &s, &org).is_ok();
    assert!(reads(Role::Operator, 1));
    assert!(reads(Role::Supervisor, 1));
    // Everyone else who could read an ordinary caller: the handling unit, the hub's
    // dispatchers, administrators, an operator or supervisor outside the hub.
    assert!(!reads(Role::Handler, 10));
    assert!(!reads(Role::UnitHead, 10));
    assert!(!reads(Role::Dispatcher, 1));
    assert!(!reads(Role::Admin, 1));
    assert!(!reads(Role::Operator, 2));
    assert!(!reads(Role::Supervisor, 2));
    // Reading the case itself is unchanged.
    assert!(authorize(&user(Role::Handler, 10, &[]), Want::Read, &s, &org).is_ok());
    assert!(civicgrid_domain::lifecycle::reads_confidential(
        &user(Role::Operator, 1, &[]),
        &org
    ));
    assert!(!civicgrid_domain::lifecycle::reads_confidential(
        &user(Role::Operator, 2, &[]),
        &org
    ));
}

#[test]
fn the_data_protection_role_reads_no_case() {
    let org = org();
    let s = scope(Some(10), &[4]);
    let dpo = user(Role::DataProtection, 1, &[]);
    assert!(authorize(&dpo, Want::Read, &s, &org).is_err());
    assert!(authorize(&dpo, Want::ReadPersonal, &s, &org).is_err());
}

#[test]
fn business_lines_narrow_a_grant() {
    let org = org();
    let s = scope(Some(10), &[4]);
    assert!(authorize(&user(Role::Supervisor, 1, &["urban"]), Want::Read, &s, &org).is_ok());
    assert!(
        authorize(
            &user(Role::Supervisor, 1, &["civil_affairs"]),
            Want::Read,
            &s,
            &org
        )
        .is_err()
    );
    assert!(
        authorize(
            &user(Role::Admin, 4, &[]),
            Want::Act(Action::Close),
            &s,
            &org
        )
        .is_ok(),
        "admin reaches everything"
    );
}

/// A case tied to one unit in one way only.
fn tied(how: &str, unit: i64) -> Scope {
    let unit = UnitId(unit);
    let mut scope = Scope {
        lead: None,
        assisting: vec![],
        handlers: vec![],
        places: vec![],
        line: None,
        ..Scope::default()
    };
    match how {
        "lead" => scope.lead = Some(unit),
        "assisting" => scope.assisting.push(unit),
        "handled" => scope.handlers.push(unit),
        "place" => scope.places.push(unit),
        _ => unreachable!(),
    }
    scope
}

#[test]
fn each_tie_of_a_case_to_a_unit_reaches_it_on_its_own() {
    let org = org();
    let may = |role, unit, want, scope: &Scope| {
        authorize(&user(role, unit, &[]), want, scope, &org).is_ok()
    };
    // A handler reads what its unit leads, assists or handled before, each alone.
    for how in ["lead", "assisting", "handled"] {
        assert!(may(Role::Handler, 11, Want::Read, &tied(how, 11)), "{how}");
        assert!(!may(Role::Handler, 10, Want::Read, &tied(how, 11)), "{how}");
    }
    assert!(
        !may(Role::Handler, 4, Want::Read, &tied("place", 4)),
        "a place is not work"
    );
    // Every other role reaches any case tied to its subtree, whichever way it is tied.
    for how in ["lead", "assisting", "handled", "place"] {
        assert!(may(Role::Dispatcher, 2, Want::Read, &tied(how, 4)), "{how}");
        assert!(
            may(
                Role::Supervisor,
                2,
                Want::Act(Action::Remind),
                &tied(how, 3)
            ),
            "{how}"
        );
        assert!(
            !may(Role::Dispatcher, 5, Want::Read, &tied(how, 4)),
            "{how}"
        );
    }
}
