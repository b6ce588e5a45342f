//! The demo district: a synthetic district the size of Dalian Xigang (a hub, 7 streets,
//! 45 communities, 120 grids with polygons and 532 subgrids, 46 departments, 71 utility
//! stations, about 40 categories, staff for every unit) and a year of requests with daily,
//! weekly and seasonal rhythm, written in natural Chinese from our own phrase bank. Every
//! case's history is produced by the real transition function, so the demo data obeys the
//! same rules as live data. Deterministic for a given seed; idempotent per database.

use std::sync::Arc;

use chrono::{Datelike, Duration};
use civicgrid_domain::calendar::{Calendar, Calendars};
use civicgrid_domain::clocks::{self, Clock, Effects};
use civicgrid_domain::lifecycle::{self, Basis, Case, Command, Ctx, Event};
use civicgrid_domain::org::{Actor, Grant, OrgTree, Role, UnitKind};
use civicgrid_domain::request::{Channel, Kind, Outcome, Platform, Rating, State, Urgency};
use civicgrid_domain::{CategoryId, Instant, UnitId, UserId};
use civicgrid_store::{
    CancelReason, HistoricCase, NewCase, NewCategory, NewRoutingRule, NewUnit, NewUser, Store,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use civicgrid::error::{ApiError, ApiResult};
use civicgrid::services::district_offset;

/// The password of every demo staff account (documented in the README).
pub const DEMO_PASSWORD: &str = "civicgrid";

const STREETS: [&str; 7] = [
    "白云街道",
    "北京街道",
    "人民广场街道",
    "八一路街道",
    "香炉礁街道",
    "日新街道",
    "站北街道",
];
const COMMUNITY_STEMS: [&str; 45] = [
    "锦华", "东关", "长春", "滨海", "新开", "向阳", "海达", "春柳", "兴华", "胜利", "和平", "友好",
    "民主", "健康", "石道", "沿海", "顺山", "唐山", "黄河", "五四", "大同", "菜市", "香炉", "西岗",
    "富国", "新华", "团结", "英华", "仁和", "宏济", "鞍山", "北岗", "桃源", "绿波", "丹东", "宏业",
    "吉庆", "长江", "明泽", "东北", "宁海", "景山", "永和", "花园", "青云",
];
const DEPARTMENTS: [&str; 46] = [
    "城市管理局",
    "住房和城乡建设局",
    "公安分局",
    "教育局",
    "卫生健康局",
    "民政局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "生态环境分局",
    "交通运输局",
    "应急管理局",
    "自然资源分局",
    "财政局",
    "文化和旅游局",
    "退役军人事务局",
    "司法局",
    "信访局",
    "医疗保障局",
    "税务局",
    "消防救援大队",
    "交警大队",
    "房屋征收办",
    "物业管理办公室",
    "园林绿化处",
    "市政设施管理处",
    "环境卫生处",
    "综合行政执法局",
    "商务局",
    "科技和工业信息化局",
    "统计局",
    "审计局",
    "农业农村局",
    "水务局",
    "体育局",
    "残疾人联合会",
    "妇女联合会",
    "共青团区委",
    "总工会",
    "红十字会",
    "老龄工作委员会办公室",
    "营商环境建设局",
    "数据资源管理局",
    "机关事务服务中心",
    "国有资产管理中心",
    "城市更新中心",
    "人民防空办公室",
];
const UTILITY_KINDS: [(&str, usize); 5] = [
    ("自来水公司", 18),
    ("供电公司", 16),
    ("热电集团供热", 17),
    ("燃气集团", 12),
    ("通信运营商", 8),
];
const ROADS: [&str; 20] = [
    "八一路",
    "长江路",
    "黄河路",
    "民主广场",
    "北京街",
    "五四路",
    "新开路",
    "胜利路",
    "唐山街",
    "沿海街",
    "友好路",
    "香炉礁路",
    "西安路",
    "大同街",
    "宏济街",
    "锦华街",
    "东北路",
    "英华街",
    "顺山路",
    "春柳街",
];
const CALLER_FAMILY: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const CALLER_GIVEN: [&str; 16] = [
    "建国", "秀英", "桂兰", "志强", "丽华", "海燕", "明", "静", "军", "红梅", "立新", "玉兰",
    "国庆", "晓东", "淑珍", "宝山",
];

/// Category tree: (code, name, line, [(code, name, department index, problems)]).
type Leaf = (&'static str, &'static str, usize, &'static [&'static str]);
const CATEGORIES: &[(&str, &str, &str, &[Leaf])] = &[
    (
        "urban",
        "城乡建设",
        "urban",
        &[
            (
                "urban.illegal_building",
                "违章建筑",
                26,
                &[
                    "有人在楼顶私搭乱建",
                    "一楼住户私自扩建院落",
                    "小区绿地被圈占盖房",
                ],
            ),
            (
                "urban.road",
                "道路设施",
                24,
                &["人行道地砖松动破损", "路面出现大坑", "井盖缺失存在安全隐患"],
            ),
            (
                "urban.streetlight",
                "路灯照明",
                24,
                &["路灯连续多天不亮", "路灯白天一直亮着", "新修道路没有路灯"],
            ),
            (
                "urban.old_housing",
                "老旧小区改造",
                1,
                &[
                    "楼道墙皮大面积脱落",
                    "屋顶漏雨多年未修",
                    "单元门损坏无法关闭",
                ],
            ),
            (
                "urban.elevator",
                "电梯安全",
                7,
                &["电梯频繁困人", "电梯运行有异响", "加装电梯进度缓慢"],
            ),
        ],
    ),
    (
        "environment",
        "环境保护",
        "environment",
        &[
            (
                "environment.noise",
                "噪声扰民",
                8,
                &["夜间施工噪音很大", "广场舞音响声音过大", "商铺外放音乐扰民"],
            ),
            (
                "environment.garbage",
                "垃圾清运",
                25,
                &[
                    "垃圾桶满溢无人清运",
                    "建筑垃圾随意堆放",
                    "垃圾分类点异味严重",
                ],
            ),
            (
                "environment.smoke",
                "油烟废气",
                8,
                &["饭店油烟直排居民楼", "露天烧烤烟雾大", "工地扬尘严重"],
            ),
            (
                "environment.greening",
                "绿化养护",
                23,
                &["行道树枯死无人处理", "树枝遮挡窗户需修剪", "绿化带杂草丛生"],
            ),
        ],
    ),
    (
        "traffic",
        "交通出行",
        "traffic",
        &[
            (
                "traffic.parking",
                "违章停车",
                20,
                &[
                    "车辆长期占用消防通道",
                    "人行道被违停车辆占满",
                    "小区门口乱停车堵路",
                ],
            ),
            (
                "traffic.bus",
                "公交线路",
                9,
                &["公交车班次太少", "公交站牌信息错误", "希望增设公交线路"],
            ),
            (
                "traffic.signal",
                "交通信号",
                20,
                &["红绿灯故障", "路口缺少斑马线", "信号灯时间设置不合理"],
            ),
        ],
    ),
    (
        "utilities",
        "公用事业",
        "utilities",
        &[
            (
                "utilities.water",
                "供水",
                1000,
                &["家里突然停水", "自来水发黄有异味", "水压太低高层用不上水"],
            ),
            (
                "utilities.heating",
                "供暖",
                1002,
                &["暖气不热室温不达标", "暖气管道漏水", "供暖费缴纳后仍未供热"],
            ),
            (
                "utilities.power",
                "供电",
                1001,
                &["小区频繁停电", "电线老化存在隐患", "电表箱损坏"],
            ),
            (
                "utilities.gas",
                "燃气",
                1003,
                &["楼道有燃气异味", "燃气表故障", "燃气管道需要改造"],
            ),
        ],
    ),
    (
        "community",
        "社区服务",
        "civil_affairs",
        &[
            (
                "community.property",
                "物业管理",
                22,
                &[
                    "物业不作为服务差",
                    "物业费收取不合理",
                    "小区门禁损坏物业不修",
                ],
            ),
            (
                "community.elderly",
                "养老服务",
                39,
                &[
                    "独居老人需要上门照料",
                    "社区食堂饭菜价格高",
                    "希望增加养老服务站",
                ],
            ),
            (
                "community.disability",
                "助残服务",
                34,
                &["残疾人补贴迟迟未到账", "无障碍通道被占用", "需要办理残疾证"],
            ),
            (
                "community.neighbour",
                "邻里纠纷",
                15,
                &[
                    "楼上漏水到我家不处理",
                    "邻居占用公共楼道",
                    "邻居饲养宠物扰民",
                ],
            ),
        ],
    ),
    (
        "social",
        "社会保障",
        "civil_affairs",
        &[
            (
                "social.pension",
                "养老保险",
                6,
                &[
                    "养老金发放有误",
                    "养老保险转移接续办理慢",
                    "咨询退休手续办理",
                ],
            ),
            (
                "social.medical",
                "医疗保险",
                17,
                &["医保报销比例咨询", "异地就医备案", "医保卡无法使用"],
            ),
            (
                "social.assistance",
                "社会救助",
                5,
                &["申请低保需要什么材料", "临时救助申请", "困难家庭需要帮扶"],
            ),
            (
                "social.employment",
                "就业创业",
                6,
                &["咨询失业金领取", "创业补贴申请", "希望提供技能培训"],
            ),
        ],
    ),
    (
        "market",
        "市场监管",
        "market",
        &[
            (
                "market.food",
                "食品安全",
                7,
                &["买到过期食品", "餐馆卫生条件差", "无证流动摊贩卖熟食"],
            ),
            (
                "market.price",
                "价格收费",
                7,
                &["商家乱收费", "停车场收费不明码标价", "预付卡商家跑路"],
            ),
            (
                "market.wage",
                "拖欠工资",
                6,
                &[
                    "工地拖欠农民工工资",
                    "公司拖欠工资不发",
                    "离职后工资迟迟不结",
                ],
            ),
        ],
    ),
    (
        "education",
        "教育卫生",
        "education",
        &[
            (
                "education.school",
                "入学入园",
                3,
                &["咨询小学入学划片", "幼儿园学位紧张", "转学手续办理"],
            ),
            (
                "education.training",
                "校外培训",
                3,
                &["培训机构退费难", "无资质培训机构招生", "培训班占用居民楼"],
            ),
            (
                "education.clinic",
                "医疗服务",
                4,
                &["社区医院排队时间长", "疫苗接种预约困难", "诊所收费不规范"],
            ),
        ],
    ),
    (
        "safety",
        "公共安全",
        "safety",
        &[
            (
                "safety.fire",
                "消防隐患",
                19,
                &["楼道堆放杂物堵塞通道", "电动车在楼道充电", "消防栓损坏"],
            ),
            (
                "safety.security",
                "治安秩序",
                2,
                &["小区夜间有可疑人员", "电动车被盗", "商铺门前聚众喧哗"],
            ),
        ],
    ),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn rect_polygon(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
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

fn unit(
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
    }
}

/// Builds the organisation, categories, routing table and staff accounts.
pub async fn build_district(
    store: &Arc<dyn Store>,
    now: Instant,
    hub: Option<UnitId>,
) -> ApiResult<District> {
    let hub = match hub {
        Some(hub) => hub,
        None => {
            store
                .create_unit(
                    unit(
                        "西岗区365市民服务中心".into(),
                        UnitKind::Hub,
                        None,
                        vec![],
                        None,
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
                .map(|s| unit((*s).into(), UnitKind::Street, Some(hub), vec![], None))
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
                .map(|(s, name, _)| {
                    unit(
                        format!("{name}社区"),
                        UnitKind::Community,
                        Some(streets[*s]),
                        vec![],
                        None,
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
                    unit(
                        name,
                        UnitKind::Grid,
                        Some(communities[*c].0),
                        vec![],
                        Some(rect_polygon(b[0], b[1], b[2], b[3])),
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
            subgrids.push(unit(
                name,
                UnitKind::Subgrid,
                Some(*gid),
                vec![],
                Some(rect_polygon(b[0], y0, b[2], y0 + h)),
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
    for (i, s) in streets.iter().enumerate() {
        add(
            format!("street{}", i + 1),
            format!("{}分中心", STREETS[i]),
            *s,
            &[Role::Dispatcher, Role::Handler],
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
    for name in ["operator", "operator2", "dispatcher", "supervisor"] {
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

/// How many requests a day of the year sees, relative to the mean: fewer at weekends and
/// during Spring Festival, more in summer and in the heating season.
fn day_factor(day: chrono::NaiveDate) -> f64 {
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

/// What every simulated case shares: the policies, calendar and organisation its clocks
/// run under, and the supervisors' pool loads.
struct SimEnv<'a> {
    org: &'a OrgTree,
    policies: &'a [civicgrid_store::Policy],
    calendars: &'a Calendars,
    supervisors: Vec<(UserId, i64)>,
    sample_per_mille: u32,
    sample_salt: String,
}

/// One case being lived through; it stops at `limit` (now), so nothing happens in the future.
/// Its clocks run as they would live: before each move, the ladder steps that fell due are
/// taken (dated when due), and each move's clock effects are planned by the same rules.
struct Sim<'a, 'e> {
    env: &'e mut SimEnv<'a>,
    serial: String,
    kind: Kind,
    urgency: Urgency,
    categories: Vec<CategoryId>,
    case: Case,
    events: Vec<Event>,
    /// Every clock so far (running and stopped), with provisional ids for matching updates.
    clocks: Vec<Clock>,
    effects: Effects,
    at: Instant,
    limit: Instant,
    stopped: bool,
}

impl Sim<'_, '_> {
    /// Folds effects in: new clocks get provisional ids, changed ones replace theirs.
    fn absorb(&mut self, mut effects: Effects) {
        for clock in &mut effects.clocks {
            if clock.id == 0 {
                clock.id = self.clocks.len() as i64 + 1;
                self.clocks.push(clock.clone());
            } else if let Some(slot) = self.clocks.iter_mut().find(|c| c.id == clock.id) {
                *slot = clock.clone();
            }
        }
        self.effects.absorb(effects);
    }

    fn running(&self) -> Vec<Clock> {
        self.clocks
            .iter()
            .filter(|c| c.is_running())
            .cloned()
            .collect()
    }

    /// Takes the ladder steps due by `until`, each dated when it fell due.
    fn ladder(&mut self, until: Instant) {
        let running = self.running();
        let decision =
            clocks::escalate(&self.case, &running, until, true, &mut self.env.supervisors);
        if decision.events.is_empty() {
            return;
        }
        let mut events = decision.events;
        events.sort_by_key(|e| e.at);
        self.events.extend(events);
        self.absorb(decision.effects);
    }

    fn step(
        &mut self,
        rng: &mut StdRng,
        actor: Actor,
        minutes: std::ops::Range<i64>,
        command: Command,
    ) -> bool {
        let at = self.at + Duration::minutes(rng.random_range(minutes));
        if self.stopped || at > self.limit {
            self.stopped = true;
            return false;
        }
        self.ladder(at);
        self.at = at;
        let ctx = Ctx {
            org: self.env.org,
            actor,
            now: self.at,
        };
        match lifecycle::decide(&self.case, &command, &ctx) {
            Ok(mut decision) => {
                let env = clocks::Env {
                    policies: self.env.policies,
                    calendars: self.env.calendars,
                    org: self.env.org,
                    kind: self.kind,
                    categories: &self.categories,
                    urgency: self.urgency,
                    sample_per_mille: self.env.sample_per_mille,
                    sample_salt: &self.env.sample_salt,
                    serial: &self.serial,
                };
                let running = self.running();
                clocks::plan(&self.case, &mut decision, &running, &env);
                self.case = decision.case;
                self.events.extend(decision.events);
                self.absorb(decision.effects);
                true
            }
            Err(_) => false,
        }
    }

    /// Ends the simulation at `limit`: the steps due by now are taken, as the sweeper would.
    fn finish(mut self) -> (Case, Vec<Event>, Effects) {
        let limit = self.limit;
        self.ladder(limit);
        let mut effects = self.effects;
        effects.clocks = self.clocks;
        (self.case, self.events, effects)
    }
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
    let offset = district_offset();
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
    };
    let mut written = 0;
    let mut batch = Vec::with_capacity(2000);
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
                categories: std::iter::once(category.id)
                    .chain(parent_category)
                    .collect(),
                case,
                events: vec![received],
                clocks: Vec::new(),
                effects: Effects::default(),
                at: received_at,
                limit: now,
                stopped: false,
            };
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
            } else if progress_limit > 0 {
                let assisting = if roll % 17 == 0 { vec![street] } else { vec![] };
                let assisting = assisting.into_iter().filter(|u| *u != lead).collect();
                sim.step(
                    &mut rng,
                    actor(dispatcher),
                    5..90,
                    Command::Dispatch {
                        unit: lead,
                        assisting,
                        basis: Basis::Statute,
                    },
                );
                if roll % 23 == 0 && progress_limit > 1 {
                    sim.step(
                        &mut rng,
                        handler,
                        30..240,
                        Command::Return {
                            reason: "经核实不属于本单位职责范围".into(),
                        },
                    );
                    // Recent returns still wait for the dispatcher.
                    if age_days > 2 {
                        sim.step(
                            &mut rng,
                            actor(dispatcher),
                            10..120,
                            Command::Dispatch {
                                unit: street,
                                assisting: vec![],
                                basis: Basis::Territorial,
                            },
                        );
                    }
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
                        },
                    );
                }
                if progress_limit > 5 {
                    let rating = match rng.random_range(0..100) {
                        0..=79 => Rating::Satisfied,
                        80..=91 => Rating::BasicallySatisfied,
                        _ => Rating::Unsatisfied,
                    };
                    let resolved = rating != Rating::Unsatisfied;
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
                            },
                        );
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
            // Older cases drawn for sampling have had their quality callback.
            if sim.effects.sample_drawn.is_some() && age_days > 7 {
                let rating = if roll % 10 == 0 {
                    Rating::BasicallySatisfied
                } else {
                    Rating::Satisfied
                };
                sim.step(
                    &mut rng,
                    actor(supervisor),
                    1440..4320,
                    Command::QualityCallback {
                        rating,
                        resolved: true,
                        note: Some("抽查回访：市民认可办理结果".into()),
                    },
                );
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
                area: Some(grid),
                intake_unit: Some(district.hub),
                created_by: operator.map(|o| o.0),
                verify_code: format!("{:06}", rng.random_range(0..1_000_000)),
                raw_intake: String::new(),
                local_date,
                now: received_at,
                case: case.clone(),
                events: Vec::new(),
            };
            let raw = serde_json::json!({
                "channel": channel.as_str(), "kind": kind.as_str(), "content": new.content, "category": category.id.0,
                "address": new.address, "location": {"lat": lat, "lng": lng},
                "caller": {"name": new.caller_name, "phone": new.caller_phone},
            });
            let new = NewCase {
                raw_intake: raw.to_string(),
                ..new
            };
            batch.push(HistoricCase {
                new,
                serial,
                case,
                events,
                effects,
                updated_at,
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
    merge_duplicates(store, org, now, actor(dispatcher)).await?;
    Ok(written)
}

/// Repeat callers: merges some requests still awaiting dispatch into an earlier one of the
/// same category, through the same store call the API uses.
async fn merge_duplicates(
    store: &Arc<dyn Store>,
    org: &OrgTree,
    now: Instant,
    dispatcher: Actor,
) -> ApiResult<()> {
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
    let mut merged = 0;
    for child in &waiting {
        let Some(parent) = open
            .iter()
            .find(|p| p.category == child.category && p.area == child.area)
        else {
            continue;
        };
        if merged >= 12 {
            break;
        }
        let org = org.clone();
        let at = child.created_at.max(parent.created_at) + Duration::minutes(5);
        let at = at.min(now);
        let decide: civicgrid_store::DecideMerge = Box::new(move |c, p| {
            let ctx = Ctx {
                org: &org,
                actor: dispatcher,
                now: at,
            };
            // Only requests awaiting dispatch are merged here: they have no clocks yet.
            lifecycle::decide_merge(c.row.id, &c.row.case, p.row.id, &p.row.case, &ctx)
        });
        store
            .merge(&child.serial, &parent.serial, at, decide)
            .await?;
        merged += 1;
    }
    Ok(())
}

/// Deadline policies beside the default, with the typical limits of DESIGN §5: complaints
/// get ten working days, consultations and help three, urgent and emergency requests
/// hours.
async fn add_demo_policies(store: &Arc<dyn Store>, now: Instant) -> ApiResult<()> {
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

/// Builds the whole demo once per database: district, staff and history.
pub async fn ensure_demo(
    store: &Arc<dyn Store>,
    now: Instant,
    requests: usize,
    seed: u64,
    progress: &dyn Fn(usize),
) -> ApiResult<bool> {
    if store.get_setting("demo_generated").await?.is_some() {
        return Ok(false);
    }
    let units = store.list_units(false).await?;
    let existing_hub = units.iter().find(|u| u.parent.is_none()).map(|u| u.id);
    if units.len() > 1 {
        return Err(ApiError::with_message(
            civicgrid_api::ErrorCode::Conflict,
            "this database already has an organisation; the demo needs a fresh database",
        ));
    }
    let district = build_district(store, now, existing_hub).await?;
    add_demo_policies(store, now).await?;
    let all = store.list_units(false).await?;
    let org = OrgTree::new(all.into_iter().map(|u| civicgrid_domain::org::Unit {
        id: u.id,
        name: u.name,
        kind: u.kind,
        parent: u.parent,
        lines: u.lines,
    }));
    generate_history(store, &district, &org, now, requests, seed, progress).await?;
    store.optimize().await?;
    store
        .set_setting("demo_generated", &now.to_rfc3339())
        .await?;
    Ok(true)
}
