//! A year of demo requests with daily, weekly and seasonal rhythm, every case's history
//! decided by the real transition function and its clocks by the real ladder, and the
//! duplicate calls merged.

use std::sync::Arc;

use chrono::{Datelike, Duration};
use civicgrid::error::ApiResult;

use civicgrid_domain::calendar::{Calendar, Calendars};
use civicgrid_domain::clocks::{self, Effects};
use civicgrid_domain::deadline::Subject;
use civicgrid_domain::lifecycle::{self, Basis, Command, Ctx};
use civicgrid_domain::org::{Actor, OrgTree, Role};
use civicgrid_domain::request::{Channel, Kind, Outcome, Platform, Rating, State, Urgency};
use civicgrid_domain::{CategoryId, Instant, UnitId, UserId};
use civicgrid_store::{HistoricCase, NewCase, Store};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::district::District;
use crate::district::pick;
use crate::names::CALLER_FAMILY;
use crate::names::CALLER_GIVEN;
use crate::names::ROADS;
use crate::sim::{Sim, SimEnv};

/// How many requests a day of the year sees, relative to the mean: fewer at weekends and
/// during Spring Festival, more in summer and in the heating season.
pub(crate) fn day_factor(day: chrono::NaiveDate) -> f64 {
    let weekday = match day.weekday() {
        chrono::Weekday::Sat => 0.62,
        chrono::Weekday::Sun => 0.55,
        chrono::Weekday::Mon => 1.18,
        _ => 1.05,
    };
    let month = match day.month() {
        1 | 2 => 0.82,
        6..=8 => 1.18,
        11 | 12 => 1.12,
        _ => 1.0,
    };
    weekday * month
}

/// Generates `total` requests over the year before `now` and imports them.
pub async fn generate_history(
    store: &Arc<dyn Store>,
    district: &District,
    org: &OrgTree,
    now: Instant,
    total: usize,
    seed: u64,
    progress: &dyn Fn(usize),
) -> ApiResult<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    // The demo district lies in China Standard Time, like the official calendar it uses.
    let offset = civicgrid_domain::calendar::china_standard_time();
    let today = now.with_timezone(&offset).date_naive();
    let days: Vec<chrono::NaiveDate> = (1..=365).rev().map(|d| today - Duration::days(d)).collect();
    let weights: Vec<f64> = days.iter().map(|d| day_factor(*d)).collect();
    let weight_sum: f64 = weights.iter().sum();
    let hours = [
        1, 1, 0, 0, 0, 1, 2, 5, 9, 11, 10, 8, 6, 8, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1,
    ];
    let hour_sum: i32 = hours.iter().sum();
    let operator = district
        .staff
        .iter()
        .find(|s| s.1 == Role::Operator)
        .map(|s| (s.0, s.2));
    let dispatcher = district
        .staff
        .iter()
        .find(|s| s.1 == Role::Dispatcher)
        .map(|s| (s.0, s.2));
    let supervisor = district
        .staff
        .iter()
        .find(|s| s.1 == Role::Supervisor)
        .map(|s| (s.0, s.2));
    let leader = district
        .staff
        .iter()
        .find(|s| s.1 == Role::Leader)
        .map(|s| (s.0, s.2));
    let actor = |who: Option<(UserId, UnitId)>| {
        who.map_or(Actor::SYSTEM, |(u, unit)| Actor {
            user: Some(u),
            unit: Some(unit),
        })
    };
    let unit_actor = |unit: UnitId| Actor {
        user: None,
        unit: Some(unit),
    };
    let policies = store.list_policies().await?;
    let calendars = Calendars::new(Calendar::official());
    let supervisors = district
        .staff
        .iter()
        .filter(|s| s.1 == Role::Supervisor)
        .map(|s| (s.0, 0))
        .collect();
    let mut sim_env = SimEnv {
        org,
        policies: &policies,
        calendars: &calendars,
        supervisors,
        sample_per_mille: civicgrid_domain::appraisal::Config::default().sample_per_mille,
        sample_salt: civicgrid::state::ensure_sample_salt(store.as_ref()).await?,
        headed: district.departments.first().copied(),
    };
    let mut written = 0;
    let mut batch: Vec<HistoricCase> = Vec::with_capacity(2000);
    for (day_index, day) in days.iter().enumerate() {
        let expected = total as f64 * weights[day_index] / weight_sum;
        let count = (expected * rng.random_range(0.9..1.1)).round() as usize;
        let count = if day_index == days.len() - 1 {
            total.saturating_sub(written + batch.len()).min(count * 2)
        } else {
            count
        };
        let mut stamps: Vec<Instant> = (0..count)
            .map(|_| {
                let mut pick = rng.random_range(0..hour_sum);
                let mut hour = 0;
                while pick >= hours[hour] {
                    pick -= hours[hour];
                    hour += 1;
                }
                let local = day
                    .and_hms_opt(
                        hour as u32,
                        rng.random_range(0..60),
                        rng.random_range(0..60),
                    )
                    .unwrap_or_default();
                local
                    .and_local_timezone(offset)
                    .single()
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .unwrap_or(now)
            })
            .collect();
        stamps.sort();
        for (seq, received_at) in stamps.into_iter().enumerate() {
            let age_days = (now - received_at).num_days();
            let category = pick(&mut rng, &district.categories);
            let (grid, community, street, bbox) = *pick(&mut rng, &district.grids);
            let lat = rng.random_range(bbox[1]..bbox[3]);
            let lng = rng.random_range(bbox[0]..bbox[2]);
            let kind = match rng.random_range(0..100) {
                0..=29 => Kind::Consultation,
                30..=64 => Kind::Complaint,
                65..=79 => Kind::Help,
                80..=89 => Kind::Suggestion,
                90..=97 => Kind::Report,
                _ => Kind::Praise,
            };
            let channel = match rng.random_range(0..100) {
                0..=54 => Channel::Hotline,
                55..=64 => Channel::Transfer12345,
                65..=74 => Channel::Web,
                75..=82 => Channel::Wechat,
                83..=88 => Channel::App,
                89..=95 => Channel::GridReport,
                96..=97 => Channel::Window,
                _ => Channel::Letter,
            };
            let urgency = match rng.random_range(0..100) {
                0..=89 => Urgency::Normal,
                90..=97 => Urgency::Urgent,
                _ => Urgency::Emergency,
            };
            let road = pick(&mut rng, &ROADS);
            let number = rng.random_range(1..300);
            let problem = pick(&mut rng, category.problems);
            let community_name = org
                .get(community)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            let address = format!("{road}{number}号（{community_name}）");
            let content = match kind {
                Kind::Consultation => format!(
                    "我想咨询一下，{problem}的问题应该找哪个部门，需要准备什么材料？我住在{address}。"
                ),
                Kind::Praise => format!(
                    "感谢{}的工作人员，之前反映的{}问题很快就解决了，特此表扬。",
                    category.name, problem
                ),
                Kind::Suggestion => format!(
                    "建议有关部门重视{address}附近{problem}的情况，统一规划解决，方便居民生活。"
                ),
                _ => format!(
                    "{address}{problem}，{}，希望有关部门尽快处理。",
                    pick(
                        &mut rng,
                        &[
                            "已经持续一周多了",
                            "反映过好几次都没人管",
                            "严重影响居民正常生活",
                            "老人孩子出行很不安全",
                            "昨天晚上开始出现的"
                        ]
                    )
                ),
            };
            let caller_name = format!(
                "{}{}",
                pick(&mut rng, &CALLER_FAMILY),
                pick(&mut rng, &CALLER_GIVEN)
            );
            let caller_phone = format!(
                "1{}{:09}",
                rng.random_range(3..10),
                rng.random_range(0..1_000_000_000u64)
            );
            let intake_actor = actor(operator);
            let (case, received) = lifecycle::receive(
                kind,
                intake_actor,
                received_at,
                vec![("channel".into(), channel.as_str().into())],
            );
            let local_date = received_at.with_timezone(&offset).date_naive();
            let serial = civicgrid_domain::serial::format(local_date, seq as u32 + 1);
            let parent_category = category.parent;
            let mut sim = Sim {
                env: &mut sim_env,
                serial: serial.clone(),
                kind,
                urgency,
                channel,
                categories: std::iter::once(category.id)
                    .chain(parent_category)
                    .collect(),
                case,
                events: Vec::new(),
                clocks: Vec::new(),
                effects: Effects::default(),
                at: received_at,
                limit: now,
                stopped: false,
            };
            sim.receive(received);
            let lead = if category.name == "邻里纠纷" {
                street
            } else {
                category.handler
            };
            let handler = unit_actor(lead);
            let roll = rng.random_range(0..1000);
            // How far a case has come depends on its age: old cases are mostly closed.
            let progress_limit = match age_days {
                0 => rng.random_range(0..4),
                1..=3 => rng.random_range(1..7),
                4..=10 => rng.random_range(3..9),
                _ => 9,
            };
            if kind == Kind::Consultation && roll < 700 {
                sim.step(
                    &mut rng,
                    intake_actor,
                    2..9,
                    Command::Answer {
                        reply: format!("已告知市民{}相关办理流程和所需材料。", category.name),
                    },
                );
            } else if roll < 15 {
                sim.step(
                    &mut rng,
                    actor(dispatcher),
                    5..60,
                    Command::Cancel {
                        reason: "harassment: 恶意骚扰或无理诉求".into(),
                    },
                );
            } else if roll < 25 {
                sim.step(
                    &mut rng,
                    actor(dispatcher),
                    5..30,
                    Command::TransferOut {
                        platform: Platform::Police110,
                        reason: "涉及治安警情，转110处置".into(),
                    },
                );
            } else if age_days <= 3 && roll < 40 {
                // Ownership unclear: the hub coordinates the units involved.
                sim.step(
                    &mut rng,
                    actor(dispatcher),
                    10..120,
                    Command::Coordinate {
                        units: vec![lead, street],
                        reason: "权属不清，由中心牵头协调".into(),
                    },
                );
            } else if roll < 40 && lead != street {
                // Ownership was unclear: the hub convened the unit and the street, both
                // answered, and the meeting either agreed who leads or the hub resolved it
                // first and found the owner (a few findings became agreement rules).
                sim.step(
                    &mut rng,
                    actor(dispatcher),
                    10..120,
                    Command::Coordinate {
                        units: vec![lead, street],
                        reason: "权属不清，由中心牵头协调".into(),
                    },
                );
                sim.step(
                    &mut rng,
                    unit_actor(lead),
                    60..900,
                    Command::AnswerCoordination {
                        unit: lead,
                        opinion: "经核实不属本单位职责，可配合提供资料".into(),
                        capacity: Some("提供执法记录和现场照片".into()),
                        owns: false,
                    },
                );
                sim.step(
                    &mut rng,
                    unit_actor(street),
                    60..900,
                    Command::AnswerCoordination {
                        unit: street,
                        opinion: "属地管理，街道可牵头处置".into(),
                        capacity: None,
                        owns: true,
                    },
                );
                if progress_limit > 4 && roll % 2 == 0 {
                    sim.step(
                        &mut rng,
                        actor(dispatcher),
                        240..1440,
                        Command::Settle {
                            reply: "经中心协调，已由属地街道先行处置完毕".into(),
                            owner: street,
                            minutes: "协调会认定：此类问题由属地街道负责".into(),
                            make_rule: roll % 4 == 0,
                            rule: Some((category.id, Some(street))),
                        },
                    );
                    sim.step(
                        &mut rng,
                        actor(operator),
                        60..1200,
                        Command::Callback {
                            rating: Rating::Satisfied,
                            resolved: true,
                            note: None,
                        },
                    );
                } else if progress_limit > 4 {
                    sim.step(
                        &mut rng,
                        actor(dispatcher),
                        240..1440,
                        Command::Agree {
                            unit: street,
                            assisting: vec![lead],
                            minutes: "协调会商定：街道牵头，相关部门配合".into(),
                            make_rule: false,
                            rule: None,
                        },
                    );
                    let holder = unit_actor(street);
                    sim.step(&mut rng, holder, 10..100, Command::Accept);
                    sim.step(
                        &mut rng,
                        holder,
                        240..4000,
                        Command::Resolve {
                            outcome: Outcome::Resolved,
                            reply: "街道牵头会同相关部门已处置完毕".into(),
                            proper_owner: None,
                            cites: None,
                            unit_head: false,
                        },
                    );
                    sim.reviewed(&mut rng, roll, actor(dispatcher), holder);
                    sim.step(
                        &mut rng,
                        actor(operator),
                        60..1200,
                        Command::Callback {
                            rating: Rating::Satisfied,
                            resolved: true,
                            note: None,
                        },
                    );
                }
            } else if progress_limit > 0 {
                let assisting = if roll % 17 == 0 { vec![street] } else { vec![] };
                let assisting = assisting.into_iter().filter(|u| *u != lead).collect();
                // The hub dispatches most calls within its half hour; some wait longer.
                let wait = if roll % 11 == 0 { 20..120 } else { 3..25 };
                sim.step(
                    &mut rng,
                    actor(dispatcher),
                    wait,
                    Command::Dispatch {
                        unit: lead,
                        assisting,
                        basis: Basis::Statute,
                        complex: false,
                        important: false,
                    },
                );
                if roll % 23 == 0 && progress_limit > 1 {
                    sim.step(
                        &mut rng,
                        handler,
                        30..240,
                        Command::Return {
                            reason: "经核实不属于本单位职责范围".into(),
                            proper_owner: (roll % 2 == 0).then(|| "属地街道".to_string()),
                        },
                    );
                    // Recent returns still wait for the hub's review; older ones were
                    // either accepted (re-dispatched to the street) or rejected.
                    if age_days > 2 && roll % 3 == 0 {
                        sim.step(
                            &mut rng,
                            actor(dispatcher),
                            10..25,
                            Command::RejectReturn {
                                reason: "经审核属于本单位职责，退回不成立".into(),
                            },
                        );
                    } else if age_days > 2 {
                        sim.step(
                            &mut rng,
                            actor(dispatcher),
                            10..25,
                            Command::Dispatch {
                                unit: street,
                                assisting: vec![],
                                basis: Basis::Territorial,
                                complex: false,
                                important: false,
                            },
                        );
                    }
                } else if roll % 199 == 5 && age_days > 5 && progress_limit > 1 && lead != street {
                    // A hot potato: returned by each unit in turn, then designated.
                    for next in [street, lead] {
                        let holder = unit_actor(sim.case.lead.unwrap_or(lead));
                        sim.step(
                            &mut rng,
                            holder,
                            30..120,
                            Command::Return {
                                reason: "不属于本单位职责".into(),
                                proper_owner: None,
                            },
                        );
                        sim.step(
                            &mut rng,
                            actor(dispatcher),
                            5..25,
                            Command::Dispatch {
                                unit: next,
                                assisting: vec![],
                                basis: Basis::Manual,
                                complex: true,
                                important: false,
                            },
                        );
                    }
                    let holder = unit_actor(sim.case.lead.unwrap_or(lead));
                    sim.step(
                        &mut rng,
                        holder,
                        30..120,
                        Command::Return {
                            reason: "仍不属于本单位职责".into(),
                            proper_owner: None,
                        },
                    );
                    sim.step(
                        &mut rng,
                        actor(dispatcher),
                        5..25,
                        Command::Designate {
                            unit: street,
                            reason: "三次派遣无人认领，经研究指定属地街道承办".into(),
                            rule: Some((category.id, Some(street))),
                        },
                    );
                }
                let handler = unit_actor(sim.case.lead.unwrap_or(lead));
                if progress_limit > 1 {
                    // Most units accept within the two working hours; some are slow.
                    let delay = if roll % 7 == 0 { 60..480 } else { 10..100 };
                    sim.step(&mut rng, handler, delay, Command::Accept);
                }
                if progress_limit > 2 {
                    sim.step(
                        &mut rng,
                        handler,
                        30..600,
                        Command::Contact {
                            note: Some("已电话联系市民了解情况".into()),
                        },
                    );
                }
                // Now and then the district's leader writes an instruction on the case
                // (批示) with a deadline; the unit acknowledges it at once, and reports
                // back once it has replied (the newest stay waiting).
                let instructed = roll % 53 == 5 && progress_limit > 2 && leader.is_some();
                if instructed {
                    sim.step(
                        &mut rng,
                        actor(leader),
                        60..900,
                        Command::Instruct {
                            unit: None,
                            text: format!("请高度重视{problem}问题,三个工作日内办结并报结果"),
                            working_days: Some(3),
                        },
                    );
                    if age_days > 1 {
                        sim.step(
                            &mut rng,
                            handler,
                            10..240,
                            Command::AcknowledgeInstruction {
                                number: None,
                                note: None,
                            },
                        );
                    }
                }
                if sim.case.lead == Some(street) && roll % 3 == 0 && progress_limit > 2 {
                    // The street cannot settle it alone: it summons two departments, who
                    // report on site (one of them, now and then, late), and rates them.
                    let n = district.departments.len();
                    let called = [
                        district.departments[roll as usize % n],
                        district.departments[(roll as usize + 7) % n],
                    ];
                    sim.step(
                        &mut rng,
                        handler,
                        20..240,
                        Command::Summon {
                            units: called.to_vec(),
                            reason: "矛盾激化，需执法和职能部门到场联合处置".into(),
                        },
                    );
                    for (i, unit) in called.iter().enumerate() {
                        let late = i == 1 && roll % 2 == 0;
                        sim.step(
                            &mut rng,
                            unit_actor(*unit),
                            if late { 40..120 } else { 5..28 },
                            Command::ReportOnSite {
                                unit: *unit,
                                note: "已到场".into(),
                            },
                        );
                    }
                    for (i, unit) in called.iter().enumerate() {
                        let rating = if i == 1 && roll % 2 == 0 {
                            Rating::Unsatisfied
                        } else {
                            Rating::Satisfied
                        };
                        sim.step(
                            &mut rng,
                            handler,
                            30..240,
                            Command::RateResponse {
                                unit: *unit,
                                rating,
                                note: None,
                            },
                        );
                    }
                }
                if age_days <= 10 && roll % 41 == 0 {
                    // Waiting for a court ruling: the clock is paused.
                    sim.step(
                        &mut rng,
                        actor(dispatcher),
                        60..600,
                        Command::Suspend {
                            reason: "涉及诉讼，待法院判决后继续办理".into(),
                        },
                    );
                }
                if progress_limit > 3 && roll % 31 == 0 {
                    sim.step(
                        &mut rng,
                        handler,
                        60..600,
                        Command::RequestExtension {
                            working_days: 5,
                            reason: "需协调相关单位，申请延期".into(),
                        },
                    );
                    sim.step(
                        &mut rng,
                        actor(dispatcher),
                        30..300,
                        Command::ApproveExtension,
                    );
                }
                if progress_limit > 4 {
                    let outcome = match roll % 20 {
                        0 => Outcome::PartlyResolved,
                        1 => Outcome::ExplainedNotResolvable,
                        _ => Outcome::Resolved,
                    };
                    let reply = format!(
                        "经现场核查，{problem}问题已安排处理，{}。",
                        pick(
                            &mut rng,
                            &[
                                "现已整改完毕",
                                "已联系责任单位限期整改",
                                "已向市民做好解释说明"
                            ]
                        )
                    );
                    sim.step(
                        &mut rng,
                        handler,
                        240..4000,
                        Command::Resolve {
                            outcome,
                            reply,
                            proper_owner: None,
                            cites: None,
                            unit_head: sim.case.lead == sim.env.headed,
                        },
                    );
                    let holder = unit_actor(sim.case.lead.unwrap_or(lead));
                    sim.reviewed(&mut rng, roll, actor(dispatcher), holder);
                    if instructed {
                        sim.step(
                            &mut rng,
                            holder,
                            30..2000,
                            Command::ReportInstruction {
                                number: None,
                                report: format!("{problem}问题已按批示要求办结,已答复市民。"),
                            },
                        );
                    }
                }
                if progress_limit > 5 {
                    let rating = match rng.random_range(0..100) {
                        0..=79 => Rating::Satisfied,
                        80..=91 => Rating::BasicallySatisfied,
                        _ => Rating::Unsatisfied,
                    };
                    let resolved = rating != Rating::Unsatisfied;
                    if roll % 37 == 4 {
                        // Nobody answers on three different days: "callback not possible".
                        for _ in 0..3 {
                            sim.step(
                                &mut rng,
                                actor(operator),
                                1440..1600,
                                Command::CallbackFailed {
                                    note: Some("无人接听".into()),
                                },
                            );
                        }
                        sim.step(
                            &mut rng,
                            actor(operator),
                            30..120,
                            Command::CallbackImpossible {
                                cause: civicgrid_domain::lifecycle::NoCallback::Unreachable,
                                note: Some("三天三次回访均未接通".into()),
                            },
                        );
                    } else {
                        sim.step(
                            &mut rng,
                            actor(operator),
                            if roll % 9 == 0 { 600..2880 } else { 60..1200 },
                            Command::Callback {
                                rating,
                                resolved,
                                note: None,
                            },
                        );
                    }
                    if sim.case.state == State::Reopened && progress_limit > 6 {
                        sim.step(&mut rng, handler, 60..600, Command::Accept);
                        sim.step(
                            &mut rng,
                            handler,
                            600..4000,
                            Command::Resolve {
                                outcome: Outcome::Resolved,
                                reply: "已重新办理，问题已解决。".into(),
                                proper_owner: None,
                                cites: None,
                                unit_head: sim.case.lead == sim.env.headed,
                            },
                        );
                        sim.reviewed(&mut rng, roll + 1, actor(dispatcher), handler);
                        if progress_limit > 7 {
                            sim.step(
                                &mut rng,
                                actor(operator),
                                600..2880,
                                Command::Callback {
                                    rating: Rating::BasicallySatisfied,
                                    resolved: true,
                                    note: None,
                                },
                            );
                        }
                    }
                }
            }
            // Older cases drawn for sampling have had their quality callback; now and then
            // the citizen says the problem is back, or that nobody called.
            if sim.effects.sample_drawn.is_some() && age_days > 7 {
                let (rating, resolved, note) = match roll % 10 {
                    0 => (Rating::BasicallySatisfied, true, "抽查回访：市民基本认可"),
                    3 => (
                        Rating::Unsatisfied,
                        false,
                        "抽查回访：问题仍未解决，退回重办",
                    ),
                    _ => (Rating::Satisfied, true, "抽查回访：市民认可办理结果"),
                };
                let falsified_by = (roll % 50 == 7).then(|| actor(operator));
                sim.step(
                    &mut rng,
                    actor(supervisor),
                    1440..4320,
                    Command::QualityCallback {
                        rating,
                        resolved,
                        note: Some(note.into()),
                        falsified_by,
                    },
                );
            }
            // Units appeal some counts; the hub has decided the older ones.
            if sim.case.lead.is_some() && roll % 29 == 11 && progress_limit > 5 {
                let ground = if roll % 2 == 0 {
                    civicgrid_domain::lifecycle::AppealGround::WrongRating
                } else {
                    civicgrid_domain::lifecycle::AppealGround::MaliciousCaller
                };
                let holder = unit_actor(sim.case.lead.unwrap_or(lead));
                sim.step(
                    &mut rng,
                    holder,
                    600..2880,
                    Command::Appeal {
                        ground,
                        reason: "经核实评价与本单位办理无关，申请核减".into(),
                    },
                );
                if age_days > 10 {
                    let decision = if roll % 3 == 0 {
                        Command::RefuseAppeal {
                            reason: "理由不充分，不予核减".into(),
                        }
                    } else {
                        Command::ApproveAppeal {
                            note: Some("经核实同意核减".into()),
                        }
                    };
                    sim.step(&mut rng, actor(supervisor), 1440..4320, decision);
                }
            }
            let (case, events, effects) = sim.finish();
            let updated_at = events.last().map_or(received_at, |e| e.at);
            let new = NewCase {
                channel,
                kind,
                urgency,
                category: Some(category.id),
                line: Some(category.line.clone()),
                content,
                address: Some(address),
                location: Some(civicgrid_domain::request::Location { lat, lng }),
                caller_name: Some(caller_name),
                caller_phone: Some(caller_phone),
                // Some complainants ask that the units not learn who they are.
                caller_confidential: kind == Kind::Complaint && roll % 17 == 5,
                area: Some(grid),
                intake_unit: Some(district.hub),
                created_by: operator.map(|o| o.0),
                verify_code: format!("{:06}", rng.random_range(0..1_000_000)),
                raw_intake: String::new(),
                local_date,
                now: received_at,
                case: case.clone(),
                events: Vec::new(),
                effects: Effects::default(),
            };
            let raw = serde_json::json!({
                "channel": channel.as_str(), "kind": kind.as_str(), "content": new.content, "category": category.id.0,
                "address": new.address, "location": {"lat": lat, "lng": lng},
                "caller": {"name": new.caller_name, "phone": new.caller_phone, "confidential": new.caller_confidential},
            });
            let mut new = NewCase {
                raw_intake: raw.to_string(),
                ..new
            };
            // Now and then a caller raises a second problem in the same call: it is split
            // from that call's intake and shares its caller and raw record.
            let mut intake_of = None;
            if let Some(head) = batch.last_mut().filter(|h| {
                roll % 31 == 7
                    && h.intake_of.is_none()
                    && h.new.channel == Channel::Hotline
                    && channel == Channel::Hotline
                    && h.new.local_date == local_date
            }) {
                new.caller_name = head.new.caller_name.clone();
                new.caller_phone = head.new.caller_phone.clone();
                new.caller_confidential = head.new.caller_confidential;
                head.new.raw_intake = serde_json::json!({
                    "channel": "hotline",
                    "caller": {"name": head.new.caller_name, "phone": head.new.caller_phone,
                               "confidential": head.new.caller_confidential},
                    "raw": format!("{}\n{}", head.new.content, new.content),
                    "requests": [{"content": head.new.content}, {"content": new.content}],
                })
                .to_string();
                intake_of = Some(head.serial.clone());
            }
            batch.push(HistoricCase {
                new,
                serial,
                case,
                events,
                effects,
                updated_at,
                intake_of,
            });
            if batch.len() >= 2000 {
                written += store.import_history(std::mem::take(&mut batch)).await?;
                progress(written);
            }
        }
    }
    if !batch.is_empty() {
        written += store.import_history(batch).await?;
        progress(written);
    }
    merge_duplicates(store, &sim_env, now, actor(dispatcher)).await?;
    Ok(written)
}

/// Repeat callers: merges some requests still awaiting dispatch into an open one of the
/// same category and place, and closes others as repeats of an answered one, through the
/// same store call the API uses.
pub(crate) async fn merge_duplicates(
    store: &Arc<dyn Store>,
    env: &SimEnv<'_>,
    now: Instant,
    dispatcher: Actor,
) -> ApiResult<()> {
    let categories = store.list_categories().await?;
    let list = |state: State, limit: i64| civicgrid_store::ListFilter {
        state: Some(state),
        limit,
        ..Default::default()
    };
    let (waiting, _) = store
        .list_requests(
            &list(State::Received, 200),
            &civicgrid_store::Visibility::All,
        )
        .await?;
    let mut open = store
        .list_requests(
            &list(State::InProgress, 2000),
            &civicgrid_store::Visibility::All,
        )
        .await?
        .0;
    open.extend(
        store
            .list_requests(
                &list(State::Accepted, 2000),
                &civicgrid_store::Visibility::All,
            )
            .await?
            .0,
    );
    // Callers who bring back a matter already answered, with no new facts.
    let (answered, _) = store
        .list_requests(
            &list(State::Closed, 2000),
            &civicgrid_store::Visibility::All,
        )
        .await?;
    let mut merged = 0;
    let mut repeated = 0;
    for child in &waiting {
        let open_parent = open
            .iter()
            .find(|p| p.category == child.category && p.area == child.area);
        let answered_parent = answered.iter().find(|p| {
            p.category == child.category
                && p.area == child.area
                && p.case.reply.is_some()
                && p.created_at < child.created_at
        });
        let (parent, decide_pair): (_, lifecycle::DecidePair) = match (open_parent, answered_parent)
        {
            (Some(parent), _) if merged < 12 => {
                merged += 1;
                (parent, lifecycle::decide_merge)
            }
            (None, Some(parent)) if repeated < 12 => {
                repeated += 1;
                (parent, lifecycle::decide_repeat)
            }
            _ => continue,
        };
        let org = env.org.clone();
        let calendars = env.calendars.clone();
        let policies = env.policies.to_vec();
        let salt = env.sample_salt.clone();
        let chain = |category: Option<CategoryId>| -> Vec<CategoryId> {
            let mut chain = Vec::new();
            let mut cursor = category;
            while let Some(id) = cursor.filter(|id| !chain.contains(id)) {
                chain.push(id);
                cursor = categories
                    .iter()
                    .find(|c| c.id == id)
                    .and_then(|c| c.parent);
            }
            chain
        };
        let (child_chain, parent_chain) = (chain(child.category), chain(parent.category));
        let at = child.created_at.max(parent.created_at) + Duration::minutes(5);
        let at = at.min(now);
        let decide: civicgrid_store::DecideMerge = Box::new(move |c, p| {
            let rules = lifecycle::Rules::default();
            let ctx = Ctx {
                org: &org,
                calendars: &calendars,
                rules: &rules,
                actor: dispatcher,
                now: at,
            };
            let (mut on_child, mut on_parent) =
                decide_pair(c.row.id, &c.row.case, p.row.id, &p.row.case, &ctx)?;
            // The child's dispatch clock stops with the merge, as it would live.
            for (loaded, decision, chain) in [
                (c, &mut on_child, &child_chain),
                (p, &mut on_parent, &parent_chain),
            ] {
                let env = clocks::Env {
                    policies: &policies,
                    calendars: &calendars,
                    org: &org,
                    subject: Subject {
                        kind: loaded.row.kind,
                        categories: chain,
                        urgency: loaded.row.urgency,
                        channel: loaded.row.channel,
                    },
                    sample_per_mille: 0,
                    sample_salt: &salt,
                    serial: &loaded.row.serial,
                    rated: true,
                    targets: None,
                };
                clocks::plan(&loaded.row.case, decision, &loaded.running_clocks(), &env);
            }
            Ok((on_child, on_parent))
        });
        store
            .merge(&child.serial, &parent.serial, at, decide)
            .await?;
    }
    Ok(())
}
