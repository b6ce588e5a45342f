//! The demo district: a synthetic district the size of Dalian Xigang (a hub, 7 streets,
//! 45 communities, 120 grids with polygons and 532 subgrids, 46 departments, 71 utility
//! stations, about 40 categories, staff for every unit) and a year of requests with daily,
//! weekly and seasonal rhythm, written in natural Chinese from our own phrase bank. Every
//! case's history is produced by the real transition function, so the demo data obeys the
//! same rules as live data. Deterministic for a given seed; idempotent per database.

use std::sync::Arc;

use civicgrid::error::ApiResult;
use civicgrid_domain::lifecycle::Basis;
use civicgrid_domain::org::{Grant, Role, UnitKind};
use civicgrid_domain::request::{Kind, Urgency};
use civicgrid_domain::{CategoryId, Instant, UnitId, UserId};
use civicgrid_store::{CancelReason, NewCategory, NewRoutingRule, NewUnit, NewUser, Store};
use rand::RngExt;
use rand::rngs::StdRng;

use crate::names::CATEGORIES;
use crate::names::COMMUNITY_STEMS;
use crate::names::DEPARTMENTS;
use crate::names::STREETS;
use crate::names::UTILITY_KINDS;

/// The password of every demo staff account (documented in the README).
pub const DEMO_PASSWORD: &str = "civicgrid";

pub(crate) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

pub(crate) fn rect_polygon(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{x0:.6},{y0:.6}],[{x1:.6},{y0:.6}],[{x1:.6},{y1:.6}],[{x0:.6},{y1:.6}],[{x0:.6},{y0:.6}]]]}}"
    )
}

/// A leaf category with what the generator needs to write about it.
pub struct DemoCategory {
    pub id: CategoryId,
    pub parent: Option<CategoryId>,
    pub line: String,
    pub name: String,
    /// The unit the routing table sends it to.
    pub handler: UnitId,
    pub problems: &'static [&'static str],
}

/// What the generator knows of the district it built.
pub struct District {
    pub hub: UnitId,
    pub streets: Vec<UnitId>,
    pub communities: Vec<(UnitId, UnitId)>,
    /// (grid, community, street, bounding box (lng0, lat0, lng1, lat1))
    pub grids: Vec<(UnitId, UnitId, UnitId, [f64; 4])>,
    pub departments: Vec<UnitId>,
    pub utilities: Vec<(UnitId, usize)>,
    pub categories: Vec<DemoCategory>,
    pub staff: Vec<(UserId, Role, UnitId)>,
}

pub(crate) fn unit(
    name: String,
    kind: UnitKind,
    parent: Option<UnitId>,
    lines: Vec<String>,
    geometry: Option<String>,
) -> NewUnit {
    NewUnit {
        name,
        kind,
        parent,
        lines,
        geometry,
        code: None,
    }
}

/// The county-level code of Dalian's Xigang district (GB/T 2260), which the demo district's
/// place codes run under: streets 210203001…, communities 210203001001…, grids
/// 210203001001001… (GB/T 30428), subgrids three digits more.
pub const XIGANG: &str = "210203";

fn coded(unit: NewUnit, code: String) -> NewUnit {
    NewUnit {
        code: Some(code),
        ..unit
    }
}

/// Builds the organisation, categories, routing table and staff accounts.
pub async fn build_district(
    store: &Arc<dyn Store>,
    now: Instant,
    hub: Option<UnitId>,
) -> ApiResult<District> {
    let hub = match hub {
        Some(hub) => {
            // The hub the server made on first start: give it the district's code.
            let row = store
                .list_units(false)
                .await?
                .into_iter()
                .find(|u| u.id == hub)
                .ok_or_else(|| civicgrid::error::ApiError::internal("the hub vanished"))?;
            store
                .update_unit(hub, &row.name, None, false, Some(XIGANG))
                .await?;
            hub
        }
        None => {
            store
                .create_unit(
                    coded(
                        unit(
                            "西岗区365市民服务中心".into(),
                            UnitKind::Hub,
                            None,
                            vec![],
                            None,
                        ),
                        XIGANG.to_owned(),
                    ),
                    now,
                )
                .await?
                .id
        }
    };
    let (lng0, lat0, lng1, lat1) = (121.600, 38.900, 121.670, 38.940);
    let street_width = (lng1 - lng0) / 7.0;
    let street_rows = store
        .create_units(
            STREETS
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let x0 = lng0 + street_width * i as f64;
                    coded(
                        unit(
                            (*s).into(),
                            UnitKind::Street,
                            Some(hub),
                            vec![],
                            Some(rect_polygon(x0, lat0, x0 + street_width, lat1)),
                        ),
                        format!("{XIGANG}{:03}", i + 1),
                    )
                })
                .collect(),
            now,
        )
        .await?;
    let streets: Vec<UnitId> = street_rows.iter().map(|s| s.id).collect();
    let communities_per_street = [7, 7, 7, 6, 6, 6, 6];
    let mut community_specs = Vec::new();
    let mut stem = 0;
    for (s, &n) in communities_per_street.iter().enumerate() {
        for c in 0..n {
            let x0 = lng0 + street_width * s as f64;
            let h = (lat1 - lat0) / n as f64;
            let y0 = lat0 + h * c as f64;
            community_specs.push((
                s,
                COMMUNITY_STEMS[stem],
                [x0, y0, x0 + street_width, y0 + h],
            ));
            stem += 1;
        }
    }
    let community_rows = store
        .create_units(
            community_specs
                .iter()
                .map(|(s, name, b)| {
                    let sequence = community_specs
                        .iter()
                        .filter(|(other, _, _)| other == s)
                        .position(|(_, other, _)| other == name)
                        .unwrap_or(0);
                    coded(
                        unit(
                            format!("{name}社区"),
                            UnitKind::Community,
                            Some(streets[*s]),
                            vec![],
                            Some(rect_polygon(b[0], b[1], b[2], b[3])),
                        ),
                        format!("{XIGANG}{:03}{:03}", s + 1, sequence + 1),
                    )
                })
                .collect(),
            now,
        )
        .await?;
    let communities: Vec<(UnitId, UnitId)> = community_rows
        .iter()
        .zip(&community_specs)
        .map(|(c, (s, _, _))| (c.id, streets[*s]))
        .collect();
    // 30 communities with 3 grids and 15 with 2: 120 grids.
    let mut grid_specs = Vec::new();
    for (index, (_, _, bbox)) in community_specs.iter().enumerate() {
        let n = if index % 3 == 2 { 2 } else { 3 };
        let w = (bbox[2] - bbox[0]) / n as f64;
        for g in 0..n {
            grid_specs.push((
                index,
                g + 1,
                [
                    bbox[0] + w * g as f64,
                    bbox[1],
                    bbox[0] + w * (g + 1) as f64,
                    bbox[3],
                ],
            ));
        }
    }
    let grid_rows = store
        .create_units(
            grid_specs
                .iter()
                .map(|(c, g, b)| {
                    let name = format!("{}社区第{}网格", community_specs[*c].1, g);
                    coded(
                        unit(
                            name,
                            UnitKind::Grid,
                            Some(communities[*c].0),
                            vec![],
                            Some(rect_polygon(b[0], b[1], b[2], b[3])),
                        ),
                        format!(
                            "{}{g:03}",
                            community_rows[*c].code.clone().unwrap_or_default()
                        ),
                    )
                })
                .collect(),
            now,
        )
        .await?;
    let grids: Vec<_> = grid_rows
        .iter()
        .zip(&grid_specs)
        .map(|(g, (c, _, b))| (g.id, communities[*c].0, communities[*c].1, *b))
        .collect();
    // 52 grids with 5 subgrids, 68 with 4: 532 subgrids.
    let mut subgrids = Vec::new();
    for (index, (gid, _, _, b)) in grids.iter().enumerate() {
        let n = if index < 52 { 5 } else { 4 };
        let h = (b[3] - b[1]) / n as f64;
        for k in 0..n {
            let y0 = b[1] + h * k as f64;
            let name = format!("{}-{}号楼片", grid_rows[index].name, k + 1);
            subgrids.push(coded(
                unit(
                    name,
                    UnitKind::Subgrid,
                    Some(*gid),
                    vec![],
                    Some(rect_polygon(b[0], y0, b[2], y0 + h)),
                ),
                format!(
                    "{}{:03}",
                    grid_rows[index].code.clone().unwrap_or_default(),
                    k + 1
                ),
            ));
        }
    }
    store.create_units(subgrids, now).await?;
    let department_rows = store
        .create_units(
            DEPARTMENTS
                .iter()
                .map(|d| unit((*d).into(), UnitKind::Department, Some(hub), vec![], None))
                .collect(),
            now,
        )
        .await?;
    let departments: Vec<UnitId> = department_rows.iter().map(|d| d.id).collect();
    let mut utility_units = Vec::new();
    let mut utility_kinds = Vec::new();
    for (kind_index, (company, n)) in UTILITY_KINDS.iter().enumerate() {
        for k in 0..*n {
            utility_units.push(unit(
                format!("{company}{}站", k + 1),
                UnitKind::Utility,
                Some(hub),
                vec!["utilities".into()],
                None,
            ));
            utility_kinds.push(kind_index);
        }
    }
    let utility_rows = store.create_units(utility_units, now).await?;
    let utilities: Vec<(UnitId, usize)> = utility_rows
        .iter()
        .map(|u| u.id)
        .zip(utility_kinds)
        .collect();

    let mut categories = Vec::new();
    for (code, name, line, leaves) in CATEGORIES {
        let parent = store
            .create_category(NewCategory {
                code: (*code).into(),
                name: (*name).into(),
                parent: None,
                line: Some((*line).into()),
            })
            .await?;
        for (leaf_code, leaf_name, dept, problems) in leaves.iter() {
            let row = store
                .create_category(NewCategory {
                    code: (*leaf_code).into(),
                    name: (*leaf_name).into(),
                    parent: Some(parent.id),
                    line: Some((*line).into()),
                })
                .await?;
            let handler = if *dept >= 1000 {
                utilities
                    .iter()
                    .find(|(_, k)| *k == dept - 1000)
                    .map(|(u, _)| *u)
                    .unwrap_or(departments[0])
            } else {
                departments[*dept]
            };
            let basis = if *dept >= 1000 {
                Basis::Agreement
            } else {
                Basis::Statute
            };
            store
                .create_routing_rule(NewRoutingRule {
                    category: row.id,
                    area: None,
                    unit: handler,
                    basis,
                })
                .await?;
            categories.push(DemoCategory {
                id: row.id,
                parent: Some(parent.id),
                line: (*line).to_owned(),
                name: (*leaf_name).to_owned(),
                handler,
                problems,
            });
        }
    }
    // Neighbour disputes are settled where people live: designated to each street.
    if let Some(neighbour) = categories
        .iter()
        .find(|c| c.name == "邻里纠纷")
        .map(|c| c.id)
    {
        for street in &streets {
            store
                .create_routing_rule(NewRoutingRule {
                    category: neighbour,
                    area: Some(*street),
                    unit: *street,
                    basis: Basis::Designation,
                })
                .await?;
        }
    }
    store
        .set_cancel_reasons(vec![
            CancelReason {
                code: "harassment".into(),
                label: "恶意骚扰或无理诉求".into(),
            },
            CancelReason {
                code: "duplicate_call".into(),
                label: "重复来电已并案".into(),
            },
            CancelReason {
                code: "litigation".into(),
                label: "已进入诉讼、仲裁或复议程序".into(),
            },
            CancelReason {
                code: "out_of_area".into(),
                label: "不属于本区管辖范围".into(),
            },
            CancelReason {
                code: "no_content".into(),
                label: "无实质内容或无法联系".into(),
            },
        ])
        .await?;

    let hash = civicgrid::auth::hash_password_blocking(DEMO_PASSWORD.into()).await?;
    let mut users = Vec::new();
    let mut add = |username: String, display: String, unit: UnitId, roles: &[Role]| {
        users.push(NewUser {
            username,
            display_name: display,
            // One hash shared by every demo account: hashing 900 passwords would take most
            // of the minute the demo may spend; real accounts are hashed one by one.
            password_hash: hash.clone(),
            unit,
            grants: roles
                .iter()
                .map(|r| Grant {
                    role: *r,
                    unit,
                    lines: vec![],
                })
                .collect(),
        });
    };
    add(
        "operator".into(),
        "接线员 王丽".into(),
        hub,
        &[Role::Operator],
    );
    add(
        "operator2".into(),
        "接线员 刘洋".into(),
        hub,
        &[Role::Operator],
    );
    add(
        "dispatcher".into(),
        "分拨员 陈刚".into(),
        hub,
        &[Role::Dispatcher],
    );
    add(
        "supervisor".into(),
        "督办员 赵敏".into(),
        hub,
        &[Role::Supervisor],
    );
    add(
        "leader".into(),
        "区领导 孙建华".into(),
        hub,
        &[Role::Leader],
    );
    // Who reads the personal-data audit, and nothing else.
    add(
        "privacy".into(),
        "个人信息保护员 郑洁".into(),
        hub,
        &[Role::DataProtection],
    );
    for (i, s) in streets.iter().enumerate() {
        add(
            format!("street{}", i + 1),
            format!("{}分中心", STREETS[i]),
            *s,
            &[Role::Dispatcher, Role::Handler],
        );
    }
    // A street's leader: the dashboard shows that street alone.
    if let Some(first) = streets.first() {
        add(
            "street1_leader".into(),
            format!("{}主任", STREETS[0]),
            *first,
            &[Role::Leader],
        );
    }
    for (i, (c, _)) in communities.iter().enumerate() {
        add(
            format!("community{:02}", i + 1),
            format!("{}社区工作站", COMMUNITY_STEMS[i]),
            *c,
            &[Role::Handler],
        );
    }
    for (i, (g, ..)) in grids.iter().enumerate() {
        add(
            format!("grid{:03}", i + 1),
            format!("网格员{:03}", i + 1),
            *g,
            &[Role::GridWorker],
        );
    }
    for (i, d) in departments.iter().enumerate() {
        add(
            format!("dept{:02}", i + 1),
            format!("{}办理人", DEPARTMENTS[i]),
            *d,
            &[Role::Handler],
        );
    }
    // The first department has a unit head: its replies are signed before the hub checks.
    if let Some(first) = departments.first() {
        add(
            "head01".into(),
            format!("{}负责人", DEPARTMENTS[0]),
            *first,
            &[Role::UnitHead],
        );
    }
    for (i, (u, _)) in utilities.iter().enumerate() {
        add(
            format!("utility{:02}", i + 1),
            format!("站所办理人{:02}", i + 1),
            *u,
            &[Role::Handler],
        );
    }
    store.create_users(users, now).await?;
    let mut staff = Vec::new();
    for name in [
        "operator",
        "operator2",
        "dispatcher",
        "supervisor",
        "leader",
    ] {
        if let Some(u) = store.find_user(name).await? {
            staff.push((u.id, u.grants[0].role, u.unit));
        }
    }
    Ok(District {
        hub,
        streets,
        communities,
        grids,
        departments,
        utilities,
        categories,
        staff,
    })
}

/// Deadline policies beside the default, with the typical limits of DESIGN §5: complaints
/// get ten working days, consultations and help three, urgent and emergency requests
/// hours.
pub(crate) async fn add_demo_policies(store: &Arc<dyn Store>, now: Instant) -> ApiResult<()> {
    use civicgrid_domain::deadline::{Limit, Match, Stage, Thresholds, TimeUnit};
    let limit = |amount, unit| Limit { amount, unit };
    let policies = [
        (
            "投诉类时限",
            Match {
                kind: Some(Kind::Complaint),
                ..Match::default()
            },
            vec![(Stage::Resolve, limit(10, TimeUnit::WorkingDays))],
        ),
        (
            "咨询类时限",
            Match {
                kind: Some(Kind::Consultation),
                ..Match::default()
            },
            vec![(Stage::Resolve, limit(3, TimeUnit::WorkingDays))],
        ),
        (
            "求助类时限",
            Match {
                kind: Some(Kind::Help),
                ..Match::default()
            },
            vec![(Stage::Resolve, limit(3, TimeUnit::WorkingDays))],
        ),
        (
            "加急诉求",
            Match {
                urgency: Some(Urgency::Urgent),
                ..Match::default()
            },
            vec![
                (Stage::Accept, limit(1, TimeUnit::WorkingHours)),
                (Stage::Resolve, limit(2, TimeUnit::WorkingDays)),
            ],
        ),
        (
            "紧急诉求（当日办结）",
            Match {
                urgency: Some(Urgency::Emergency),
                ..Match::default()
            },
            vec![
                (Stage::Accept, limit(30, TimeUnit::Minutes)),
                (Stage::Respond, limit(1, TimeUnit::NaturalHours)),
                (Stage::Resolve, limit(24, TimeUnit::NaturalHours)),
            ],
        ),
    ];
    for (name, matches, limits) in policies {
        store
            .create_policy(
                civicgrid_store::NewPolicy {
                    name: name.into(),
                    matches,
                    limits,
                    thresholds: Thresholds::default(),
                    accountable_after: civicgrid_domain::deadline::DEFAULT_ACCOUNTABLE_AFTER,
                    created_by: None,
                },
                now,
            )
            .await?;
    }
    Ok(())
}
