//! The place index (which grids contain a point: inside, on a shared edge, in a hole,
//! outside every grid, exclusive over comprehensive, subgrid over grid) and the checks a
//! layer passes before import.

use std::collections::HashMap;

use civicgrid_domain::UnitId;
use civicgrid_domain::area_code::{AreaCode, CodeLevel};
use civicgrid_domain::geography::{
    Candidate, Layer, PlaceIndex, Placed, Rejection, Surroundings, plan_layer,
};
use civicgrid_domain::org::UnitKind;
use geo::{LineString, MultiPolygon, Polygon};

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

fn shape(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![square(x0, y0, x1, y1)])
}

fn layer(code: &str, kind: UnitKind, exclusive: bool) -> Layer {
    Layer {
        code: code.into(),
        name: code.into(),
        kind,
        exclusive,
    }
}

fn placed(unit: i64, layer: &str, shape: MultiPolygon<f64>) -> Placed {
    Placed {
        unit: UnitId(unit),
        layer: layer.into(),
        shape,
    }
}

/// A community 120.0–120.2 × 31.0–31.1 with two comprehensive grids side by side (the
/// right one with a hole), an exclusive grid over part of the left one, and a subgrid.
fn district() -> PlaceIndex {
    // The hole runs the same way round as the exterior, as careless files have it; the
    // index orients rings itself.
    let mut holed = square(120.1, 31.0, 120.2, 31.1);
    holed.interiors_push(vec![
        (120.14, 31.04),
        (120.16, 31.04),
        (120.16, 31.06),
        (120.14, 31.06),
        (120.14, 31.04),
    ]);
    PlaceIndex::new(
        vec![
            layer("communities", UnitKind::Community, false),
            layer("grids", UnitKind::Grid, false),
            layer("exclusive", UnitKind::Grid, true),
            layer("subgrids", UnitKind::Subgrid, false),
            layer("empty", UnitKind::Grid, false),
            layer("all_streets", UnitKind::Street, false),
            // A second exclusive layer: ties between layers go by layer code.
            layer("zz_exclusive", UnitKind::Grid, true),
        ],
        vec![
            placed(1, "communities", shape(120.0, 31.0, 120.2, 31.1)),
            // Registered out of id order: the edge rule must not depend on load order.
            placed(11, "grids", MultiPolygon::new(vec![holed])),
            placed(10, "grids", shape(120.0, 31.0, 120.1, 31.1)),
            placed(20, "exclusive", shape(120.02, 31.02, 120.04, 31.04)),
            placed(30, "subgrids", shape(120.05, 31.05, 120.06, 31.06)),
            placed(2, "all_streets", shape(119.9, 30.9, 120.25, 31.15)),
            placed(21, "zz_exclusive", shape(120.025, 31.025, 120.035, 31.035)),
            // A shape of a layer the index was not given is left out.
            placed(99, "unknown", shape(120.0, 31.0, 120.2, 31.1)),
        ],
    )
}

fn units(index: &PlaceIndex, lat: f64, lng: f64) -> Vec<(i64, &str)> {
    index
        .containing(lat, lng)
        .iter()
        .map(|h| (h.unit.0, h.layer.code.as_str()))
        .collect()
}

#[test]
fn a_point_gets_one_shape_per_layer_the_most_specific_first() {
    let index = district();
    assert_eq!(index.len(), 7);
    assert!(!index.is_empty());
    assert_eq!(index.layers().len(), 7);
    assert_eq!(index.shapes().count(), 7);
    assert!(
        index
            .shapes()
            .any(|(unit, layer, _)| unit == UnitId(21) && layer.exclusive)
    );
    assert_eq!(index.layers()[0].code, "communities");
    assert_eq!(
        units(&index, 31.08, 120.08),
        [(10, "grids"), (1, "communities"), (2, "all_streets")]
    );
    assert_eq!(index.place(31.08, 120.08), Some(UnitId(10)));
    assert_eq!(index.place(31.08, 120.18), Some(UnitId(11)));
    // An exclusive grid (a campus) beats the comprehensive grid it lies over.
    assert_eq!(
        units(&index, 31.03, 120.03),
        [
            (20, "exclusive"),
            (21, "zz_exclusive"),
            (10, "grids"),
            (1, "communities"),
            (2, "all_streets")
        ]
    );
    // A subgrid beats its grid.
    assert_eq!(index.place(31.055, 120.055), Some(UnitId(30)));
    assert_eq!(index.shape(UnitId(20)).unwrap().1.code, "exclusive");
    assert!(index.shape(UnitId(99)).is_none());
}

#[test]
fn an_edge_shared_by_two_grids_belongs_to_the_lower_id() {
    let index = district();
    // On the edge x = 120.1 between grids 10 and 11.
    assert_eq!(
        units(&index, 31.05, 120.1),
        [(10, "grids"), (1, "communities"), (2, "all_streets")]
    );
    // On the outer edge of the community and of grid 10 only.
    assert_eq!(
        units(&index, 31.05, 120.0),
        [(10, "grids"), (1, "communities"), (2, "all_streets")]
    );
    // Strictly inside grid 11 near the edge: grid 11, not the edge rule.
    assert_eq!(index.place(31.05, 120.100_001), Some(UnitId(11)));
}

#[test]
fn a_hole_and_the_outside_belong_to_no_grid() {
    let index = district();
    // In the hole of grid 11: only the community.
    assert_eq!(
        units(&index, 31.05, 120.15),
        [(1, "communities"), (2, "all_streets")]
    );
    assert_eq!(index.place(31.05, 120.15), Some(UnitId(1)));
    // On the hole's edge the grid still holds the point.
    assert_eq!(index.place(31.04, 120.15), Some(UnitId(11)));
    // Outside every shape: place unknown.
    assert!(units(&index, 31.2, 120.15).is_empty());
    // Outside the community but inside the street: the street.
    assert_eq!(index.place(31.12, 120.22), Some(UnitId(2)));
    assert_eq!(index.place(31.2, 120.15), None);
    assert_eq!(index.place(31.05, 120.3), None);
    assert!(PlaceIndex::default().is_empty());
}

fn candidate(code: &str, name: &str, shape: Result<MultiPolygon<f64>, String>) -> Candidate {
    Candidate {
        code: code.into(),
        name: name.into(),
        parent: None,
        shape,
    }
}

fn community_units() -> HashMap<String, (UnitId, UnitKind)> {
    HashMap::from([
        ("320505006".to_owned(), (UnitId(2), UnitKind::Street)),
        ("320505006023".to_owned(), (UnitId(3), UnitKind::Community)),
        ("320505006024".to_owned(), (UnitId(4), UnitKind::Community)),
        ("320505006023001".to_owned(), (UnitId(5), UnitKind::Grid)),
        (
            "320505006023009".to_owned(),
            (UnitId(6), UnitKind::Community),
        ),
        // A code of community length held by a grid: no community to hang under.
        ("320505006025".to_owned(), (UnitId(7), UnitKind::Grid)),
    ])
}

fn reasons(plan: &civicgrid_domain::geography::Plan) -> Vec<(usize, &str)> {
    plan.rejected.iter().map(|r| (r.0, r.2.reason())).collect()
}

#[test]
fn a_grid_layer_is_checked_feature_by_feature() {
    let grids = layer("grids", UnitKind::Grid, false);
    let units = community_units();
    let around = Surroundings {
        layer: &grids,
        units: &units,
        hub: (UnitId(1), None),
        current: vec![],
        tolerance: 0.01,
    };
    let bowtie = MultiPolygon::new(vec![Polygon::new(
        LineString::from(vec![
            (0.0, 0.0),
            (1.0, 1.0),
            (1.0, 0.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ]),
        vec![],
    )]);
    let mut declared = candidate("320505006024002", "declared", Ok(shape(1.0, 1.0, 2.0, 2.0)));
    declared.parent = Some("320505006023".into());
    let mut seen = Vec::new();
    let plan = plan_layer(
        &around,
        vec![
            candidate(
                "320505006023001",
                "replaces unit 5",
                Ok(shape(0.0, 0.0, 2.0, 2.0)),
            ),
            candidate("32050500602300x", "bad code", Ok(shape(5.0, 5.0, 6.0, 6.0))),
            candidate("320505006023", "a community", Ok(shape(5.0, 5.0, 6.0, 6.0))),
            candidate("320505006023002", " ", Ok(shape(5.0, 5.0, 6.0, 6.0))),
            candidate("320505006023003", "bowtie", Ok(bowtie)),
            candidate("320505006023004", "not a polygon", Err("a Point".into())),
            candidate(
                "320505006023005",
                "projected",
                Ok(shape(350000.0, 3.0e6, 350100.0, 3.0e6 + 100.0)),
            ),
            candidate("320505006099001", "orphan", Ok(shape(7.0, 7.0, 8.0, 8.0))),
            declared,
            candidate("320505006023001", "again", Ok(shape(9.0, 9.0, 10.0, 10.0))),
            candidate(
                "320505006023006",
                "overlaps the first",
                Ok(shape(1.0, 0.0, 3.0, 2.0)),
            ),
            candidate(
                "320505006023007",
                "touches the first",
                Ok(shape(2.0, 0.0, 4.0, 2.0)),
            ),
            candidate(
                "320505006023008",
                "grazes the first",
                Ok(shape(-1.0, 1.99, 1.0, 3.0)),
            ),
            candidate(
                "320505006023009",
                "code of a community unit",
                Ok(shape(20.0, 20.0, 21.0, 21.0)),
            ),
            candidate("320505006024001", "new", Ok(shape(30.0, 30.0, 31.0, 31.0))),
            candidate(
                "320505006025001",
                "under a grid's code",
                Ok(shape(40.0, 40.0, 41.0, 41.0)),
            ),
            candidate(
                "320505006024003",
                "south of the pole",
                Ok(shape(50.0, -95.0, 51.0, -94.0)),
            ),
        ],
        &mut |n| seen.push(n),
    );
    assert_eq!(
        reasons(&plan),
        [
            (1, "invalid_code"),
            (2, "wrong_level"),
            (3, "missing_name"),
            (4, "invalid_geometry"),
            (5, "invalid_geometry"),
            (6, "invalid_geometry"),
            (7, "no_parent"),
            (8, "not_under_parent"),
            (9, "duplicate_code"),
            (10, "overlap"),
            (13, "code_taken"),
            (15, "no_parent"),
            (16, "invalid_geometry"),
        ]
    );
    assert_eq!(seen.last(), Some(&17));
    let accepted: Vec<(&str, Option<UnitId>, UnitId)> = plan
        .accepted
        .iter()
        .map(|a| (a.code.as_str(), a.existing, a.parent))
        .collect();
    assert_eq!(
        accepted,
        [
            ("320505006023001", Some(UnitId(5)), UnitId(3)),
            ("320505006023007", None, UnitId(3)),
            ("320505006023008", None, UnitId(3)),
            ("320505006024001", None, UnitId(4)),
        ]
    );
    let overlap = &plan.rejected.iter().find(|r| r.0 == 10).unwrap().2;
    match overlap {
        Rejection::Overlap { with, share } => {
            assert_eq!(with, "320505006023001");
            assert!((share - 0.5).abs() < 1e-9, "{share}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        overlap.to_string(),
        "overlaps 320505006023001 by 50.0% of the smaller shape"
    );
    assert_eq!(
        plan.rejected[1].2,
        Rejection::Level {
            expected: CodeLevel::Grid,
            found: CodeLevel::Community
        }
    );
    assert_eq!(
        plan.rejected[6].2.to_string(),
        "no unit has the parent code 320505006099"
    );
    assert_eq!(
        plan.rejected[7].2.to_string(),
        "code not under its parent 320505006023"
    );
    assert_eq!(
        plan.rejected[8].2.to_string(),
        "duplicate of feature 1 in the same file"
    );
    assert!(plan.rejected[3].2.to_string().contains("self-intersection"));
}

#[test]
fn shapes_already_in_the_layer_count_unless_the_file_replaces_them() {
    let grids = layer("grids", UnitKind::Grid, false);
    let units = community_units();
    let around = Surroundings {
        layer: &grids,
        units: &units,
        hub: (UnitId(1), None),
        current: vec![
            // Moved by the file: its old boundary does not count.
            ("320505006023001".into(), shape(0.0, 0.0, 1.0, 1.0)),
            // Stays: a new grid over it is refused.
            ("320505006023002".into(), shape(10.0, 10.0, 11.0, 11.0)),
        ],
        tolerance: 0.0,
    };
    let plan = plan_layer(
        &around,
        vec![
            candidate("320505006023001", "moved", Ok(shape(2.0, 0.0, 3.0, 1.0))),
            candidate(
                "320505006023003",
                "on the old place",
                Ok(shape(0.0, 0.0, 1.0, 1.0)),
            ),
            candidate(
                "320505006023004",
                "on a kept grid",
                Ok(shape(10.5, 10.5, 11.5, 11.5)),
            ),
        ],
        &mut |_| {},
    );
    assert_eq!(reasons(&plan), [(2, "overlap")]);
    assert_eq!(plan.accepted.len(), 2);
}

#[test]
fn streets_hang_under_the_hub_whose_code_they_must_lie_under() {
    let streets = layer("all_streets", UnitKind::Street, false);
    let hub_code = AreaCode::parse("code", "210203").unwrap();
    let units: HashMap<String, (UnitId, UnitKind)> =
        HashMap::from([("320506".to_owned(), (UnitId(7), UnitKind::Hub))]);
    let mut around = Surroundings {
        layer: &streets,
        units: &units,
        hub: (UnitId(1), Some(&hub_code)),
        current: vec![],
        tolerance: 0.01,
    };
    let files = || {
        vec![
            candidate(
                "210203001",
                "in the hub's county",
                Ok(shape(0.0, 0.0, 1.0, 1.0)),
            ),
            candidate("320505006", "another county", Ok(shape(2.0, 0.0, 3.0, 1.0))),
            candidate(
                "320506009",
                "a county unit exists",
                Ok(shape(4.0, 0.0, 5.0, 1.0)),
            ),
        ]
    };
    let plan = plan_layer(&around, files(), &mut |_| {});
    assert_eq!(reasons(&plan), [(1, "not_under_parent")]);
    assert_eq!(
        plan.accepted.iter().map(|a| a.parent).collect::<Vec<_>>(),
        [UnitId(1), UnitId(7)]
    );
    // A hub without a code takes every street (a district spanning counties, like SIP).
    around.hub = (UnitId(1), None);
    let plan = plan_layer(&around, files(), &mut |_| {});
    assert!(plan.rejected.is_empty());
    // A layer of a kind that has no polygons takes nothing.
    let hubs = layer("hubs", UnitKind::Hub, false);
    around.layer = &hubs;
    let plan = plan_layer(&around, files(), &mut |_| {});
    assert_eq!(plan.rejected.len(), 3);
    assert!(plan.accepted.is_empty());
}

#[test]
fn layer_codes_are_short_words() {
    use civicgrid_domain::geography::parse_layer_code;
    assert_eq!(parse_layer_code("layer", " grids ").unwrap(), "grids");
    assert_eq!(
        parse_layer_code("layer", &"x".repeat(40)).unwrap().len(),
        40
    );
    assert_eq!(
        parse_layer_code("layer", "exclusive_grids-2").unwrap(),
        "exclusive_grids-2"
    );
    for bad in ["", "Grids", "网格", "a b", &"x".repeat(41)] {
        assert_eq!(parse_layer_code("layer", bad).unwrap_err().field, "layer");
    }
}

#[test]
fn each_kind_has_its_code_level_and_progress_is_told_every_64_features() {
    use civicgrid_domain::geography::code_level;
    assert_eq!(code_level(UnitKind::Hub), Some(CodeLevel::County));
    assert_eq!(code_level(UnitKind::Street), Some(CodeLevel::Street));
    assert_eq!(code_level(UnitKind::Community), Some(CodeLevel::Community));
    assert_eq!(code_level(UnitKind::Grid), Some(CodeLevel::Grid));
    assert_eq!(code_level(UnitKind::Subgrid), Some(CodeLevel::Subgrid));
    assert_eq!(code_level(UnitKind::Department), None);
    let grids = layer("grids", UnitKind::Grid, false);
    let units = community_units();
    let around = Surroundings {
        layer: &grids,
        units: &units,
        hub: (UnitId(1), None),
        current: vec![],
        tolerance: 0.01,
    };
    let mut seen = Vec::new();
    let many = (0..130)
        .map(|_| candidate("bad", "x", Err("none".into())))
        .collect();
    let plan = plan_layer(&around, many, &mut |n| seen.push(n));
    assert_eq!(plan.rejected.len(), 130);
    assert_eq!(seen, [64, 128, 130]);
}

#[test]
fn communities_hang_under_streets_and_subgrids_under_grids() {
    let units = community_units();
    let check = |kind: UnitKind, code: &str| {
        let layer = layer("layer", kind, false);
        let around = Surroundings {
            layer: &layer,
            units: &units,
            hub: (UnitId(1), None),
            current: vec![],
            tolerance: 0.01,
        };
        let plan = plan_layer(
            &around,
            vec![candidate(code, "x", Ok(shape(0.0, 0.0, 1.0, 1.0)))],
            &mut |_| {},
        );
        match (plan.accepted.first(), plan.rejected.first()) {
            (Some(a), _) => Ok(a.parent),
            (None, Some(r)) => Err(r.2.reason()),
            (None, None) => Err("nothing"),
        }
    };
    assert_eq!(check(UnitKind::Community, "320505006026"), Ok(UnitId(2)));
    // 320505006023 is a community: a community code under it is no community's.
    assert_eq!(check(UnitKind::Grid, "320505006023002"), Ok(UnitId(3)));
    assert_eq!(
        check(UnitKind::Subgrid, "320505006023001001"),
        Ok(UnitId(5))
    );
    // The parent code is held, but by a unit of the wrong kind.
    assert_eq!(
        check(UnitKind::Subgrid, "320505006023009001"),
        Err("no_parent")
    );
    assert_eq!(check(UnitKind::Grid, "320505006025001"), Err("no_parent"));
}
