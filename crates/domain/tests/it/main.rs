//! Integration tests of the rules crate: the whole lifecycle table, the merge and callback
//! rules, authorisation, and the hash chain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: a test that cannot set up must fail loudly

mod appraisal;
mod area_code;
mod authorization;
mod calendar;
mod chain;
mod clocks;
mod coordination;
mod deadline;
mod gazetteer;
mod geography;
mod hub;
mod instructions;
mod lifecycle;
mod review;
mod routing;
mod summons;

use civicgrid_domain::UnitId;
use civicgrid_domain::org::{OrgTree, Unit, UnitKind};

/// hub 1 → street 2 → community 3 → grid 4; departments 10, 11 and utility 12 under the
/// hub; street 5.
pub fn org() -> OrgTree {
    let unit = |id: i64, kind, parent: Option<i64>| Unit {
        id: UnitId(id),
        name: format!("u{id}"),
        kind,
        parent: parent.map(UnitId),
        lines: vec![],
        disabled: false,
    };
    OrgTree::new([
        unit(1, UnitKind::Hub, None),
        unit(2, UnitKind::Street, Some(1)),
        unit(3, UnitKind::Community, Some(2)),
        unit(4, UnitKind::Grid, Some(3)),
        unit(5, UnitKind::Street, Some(1)),
        unit(10, UnitKind::Department, Some(1)),
        unit(11, UnitKind::Department, Some(1)),
        unit(12, UnitKind::Utility, Some(1)),
    ])
}

pub fn at(minutes: i64) -> civicgrid_domain::Instant {
    chrono::DateTime::from_timestamp(1_790_000_000 + minutes * 60, 0).unwrap()
}

/// A wall-clock instant in China Standard Time.
pub fn beijing(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// The official calendars, built once.
pub fn calendars() -> &'static civicgrid_domain::calendar::Calendars {
    static CALENDARS: std::sync::OnceLock<civicgrid_domain::calendar::Calendars> =
        std::sync::OnceLock::new();
    CALENDARS.get_or_init(|| {
        civicgrid_domain::calendar::Calendars::new(civicgrid_domain::calendar::Calendar::official())
    })
}

/// The district rules' defaults.
pub fn rules() -> &'static civicgrid_domain::lifecycle::Rules {
    static RULES: std::sync::OnceLock<civicgrid_domain::lifecycle::Rules> =
        std::sync::OnceLock::new();
    RULES.get_or_init(Default::default)
}

/// A file of the shared real data (`../shared/data/REL`), or `None` with a printed notice
/// where it is absent — a failure instead when `CIVICGRID_REQUIRE_SHARED=1` (CI).
/// `CIVICGRID_SHARED_DATA` (set by `.ci/run` and `scripts/mutants-diff`) names the folder
/// absolutely: cargo-mutants runs these tests in a copy of the tree.
pub fn shared_data(rel: &str) -> Option<std::path::PathBuf> {
    let root = std::env::var_os("CIVICGRID_SHARED_DATA").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        std::path::PathBuf::from,
    );
    let path = root.join(rel);
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("CIVICGRID_REQUIRE_SHARED").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CIVICGRID_REQUIRE_SHARED=1 but {} is missing",
        path.display()
    );
    eprintln!(
        "NOTICE: skipping a check on real data: {} is absent",
        path.display()
    );
    None
}
