//! The pages' two languages: Chinese (default) and English. One table of keys; templates
//! ask `t.s("key")` for interface text and `t.w("state", value)` for the words of the
//! domain (states, kinds, bands …). A test checks that every key a template uses is here.
//!
//! A table in code rather than Fluent or gettext files: two languages and a few hundred
//! short strings do not need plural rules or a translator's toolchain, and a missing key
//! is caught by a test instead of at run time.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::FixedOffset;
use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(raw: &str) -> Option<Lang> {
        match raw {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// The translator a template holds.
#[derive(Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
    /// The district's time zone, for times shown on a page.
    pub zone: FixedOffset,
}

impl Tr {
    /// A translator showing times in China Standard Time (the default district zone).
    pub fn new(lang: Lang) -> Tr {
        Tr {
            lang,
            zone: civicgrid_domain::calendar::china_standard_time(),
        }
    }

    /// The same translator showing times in `zone`.
    pub fn in_zone(self, zone: FixedOffset) -> Tr {
        Tr { zone, ..self }
    }

    /// The `lang` attribute of `<html>`.
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other_name(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "English",
            Lang::En => "中文",
        }
    }

    /// Interface text for `key` (the key itself when missing, which the tidy test forbids).
    pub fn s<'a>(&self, key: &'a str) -> &'a str {
        match table().get(key) {
            Some((zh, en)) => match self.lang {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => key,
        }
    }

    /// A domain word (`group.value`, e.g. `state.received`), or the value itself.
    pub fn w<'a>(&self, group: &str, value: &'a str) -> &'a str {
        let key = format!("{group}.{value}");
        match table().get(key.as_str()) {
            Some((zh, en)) => match self.lang {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => value,
        }
    }

    /// The same for an optional word ("—" when absent).
    pub fn wo<'a>(&self, group: &str, value: &'a Option<String>) -> &'a str {
        match value {
            Some(v) => self.w(group, v),
            None => "—",
        }
    }

    /// A time in the district's local time.
    pub fn time(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn time_opt(&self, at: &Option<DateTime<Utc>>) -> String {
        at.as_ref().map_or_else(|| "—".into(), |a| self.time(a))
    }

    /// Time left (or, negative, overdue) as days, hours and minutes.
    pub fn remaining(&self, seconds: &Option<i64>) -> String {
        let Some(seconds) = *seconds else {
            return "—".into();
        };
        let late = seconds < 0;
        let s = seconds.unsigned_abs();
        let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
        let text = match self.lang {
            Lang::Zh if d > 0 => format!("{d}天{h}小时"),
            Lang::Zh if h > 0 => format!("{h}小时{m}分"),
            Lang::Zh => format!("{m}分"),
            Lang::En if d > 0 => format!("{d}d {h}h"),
            Lang::En if h > 0 => format!("{h}h {m}m"),
            Lang::En => format!("{m}m"),
        };
        match (late, self.lang) {
            (true, Lang::Zh) => format!("超时 {text}"),
            (true, Lang::En) => format!("{text} overdue"),
            (false, _) => text,
        }
    }

    /// A rate as a percentage with one decimal, or "—".
    pub fn pct(&self, rate: &Option<f64>) -> String {
        rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
    }
}

type Table = HashMap<&'static str, (&'static str, &'static str)>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| ENTRIES.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect())
}

/// Whether `key` has a translation (the tidy test checks the templates' keys with it).
pub fn has_key(key: &str) -> bool {
    table().contains_key(key)
}

const ENTRIES: &[(&str, &str, &str)] = &[
    // Layout and navigation
    (
        "app.name",
        "civicgrid 市民服务平台",
        "civicgrid citizen service",
    ),
    ("app.public", "市民服务", "Citizen services"),
    ("app.skip", "跳到正文", "Skip to content"),
    ("nav.main", "主导航", "Main navigation"),
    ("nav.portal", "我要反映", "Report"),
    ("nav.track", "查询进度", "Track"),
    ("nav.rankings", "部门排行", "Rankings"),
    ("nav.login", "工作人员登录", "Staff sign-in"),
    ("nav.console", "受理台", "Console"),
    ("nav.dispatch", "派遣台", "Dispatch"),
    ("nav.inbox", "待办", "Inbox"),
    ("nav.cases", "工单", "Cases"),
    ("nav.supervision", "督办池", "Supervision"),
    ("nav.dashboard", "驾驶舱", "Dashboard"),
    ("nav.admin", "系统管理", "Administration"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.signed_in_as", "当前用户", "Signed in as"),
    // Common words
    ("common.serial", "工单编号", "Serial"),
    ("common.state", "状态", "State"),
    ("common.kind", "类型", "Kind"),
    ("common.channel", "渠道", "Channel"),
    ("common.urgency", "紧急程度", "Urgency"),
    ("common.category", "分类", "Category"),
    ("common.content", "诉求内容", "Content"),
    ("common.address", "地址", "Address"),
    ("common.unit", "单位", "Unit"),
    ("common.band", "时限", "Deadline band"),
    ("common.due", "到期", "Due"),
    ("common.created", "登记时间", "Registered"),
    ("common.time", "时间", "Time"),
    ("common.actor", "操作人", "By"),
    ("common.reason", "理由", "Reason"),
    ("common.note", "备注", "Note"),
    ("common.submit", "提交", "Submit"),
    ("common.search", "查询", "Search"),
    ("common.none", "暂无", "None"),
    ("common.total", "共", "Total"),
    ("common.prev", "上一页", "Previous"),
    ("common.next", "下一页", "Next"),
    ("common.page", "页", "Page"),
    ("common.all", "全部", "All"),
    ("common.open", "打开", "Open"),
    ("common.error", "出错了", "Something went wrong"),
    (
        "common.form_errors",
        "请更正以下内容",
        "Please correct the fields below",
    ),
    ("common.done", "已完成", "Done"),
    ("common.summary", "摘要", "Summary"),
    ("common.back", "返回", "Back"),
    ("common.name", "名称", "Name"),
    ("common.code", "编码", "Code"),
    ("common.parent", "上级", "Parent"),
    ("common.lines", "业务条线", "Business lines"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("common.count", "数量", "Count"),
    ("common.rank", "名次", "Rank"),
    ("common.score", "综合得分", "Score"),
    ("common.sample", "样本", "Sample"),
    ("common.from", "起", "From"),
    (
        "console.merged_callbacks",
        "合并来电待回访(所并入的工单已办结)",
        "Merged callers to call back (their request is resolved)",
    ),
    (
        "common.demand",
        "诉求人数(含合并的重复来电)",
        "Callers (merged duplicates included)",
    ),
    ("common.to", "止", "To"),
    ("common.period", "统计期间", "Period"),
    // Errors
    ("error.title", "无法完成", "Could not be done"),
    ("error.code", "错误代码", "Error code"),
    ("error.home", "回到首页", "Back to the start"),
    (
        "error.not_found",
        "没有这个页面。",
        "There is no such page.",
    ),
    // Login
    ("login.title", "工作人员登录", "Staff sign-in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.failed",
        "用户名或密码不正确",
        "Wrong username or password",
    ),
    (
        "login.expired",
        "登录已过期,请重新登录",
        "Your session ended; please sign in again",
    ),
    // Portal
    ("portal.title", "我要反映", "Tell us"),
    (
        "portal.lead",
        "一个号码、一个网页,反映问题、咨询、求助、投诉、建议,全部在这里提交,限时办理,办结回访。",
        "One place for every problem, question, complaint and suggestion: handled within a deadline, and we call you back.",
    ),
    ("portal.name", "您的称呼(选填)", "Your name (optional)"),
    (
        "portal.phone",
        "联系电话(用于回访)",
        "Phone (for the callback)",
    ),
    (
        "portal.photo",
        "照片(选填,JPEG/PNG,5MB以内)",
        "Photo (optional, JPEG/PNG, up to 5 MB)",
    ),
    ("portal.submit", "提交诉求", "Submit"),
    (
        "portal.privacy",
        "您的姓名和电话只用于办理和回访,不会公开。",
        "Your name and phone are used only to handle and call back; they are never published.",
    ),
    ("portal.thanks", "已收到您的诉求", "We have your request"),
    (
        "portal.keep",
        "请记下工单编号和查询码,用于查询进度和评价:",
        "Keep the serial and code to track and rate it:",
    ),
    ("portal.code", "查询码", "Verification code"),
    ("portal.track_it", "查看进度", "Track it"),
    ("track.title", "查询办理进度", "Track a request"),
    (
        "track.lead",
        "输入工单编号和查询码。",
        "Enter the serial and the verification code.",
    ),
    (
        "track.not_found",
        "没有找到:编号或查询码不正确。",
        "Not found: the serial or code is wrong.",
    ),
    ("track.handling_unit", "承办单位", "Handling unit"),
    ("track.outcome", "办理结果", "Outcome"),
    ("track.reply", "答复", "Reply"),
    ("track.timeline", "办理过程", "Progress"),
    ("track.rating", "您的评价", "Your rating"),
    ("track.rate", "评价办理结果", "Rate the result"),
    (
        "track.rate_lead",
        "问题办好了吗?您的评价计入承办单位的考核。",
        "Was it solved? Your rating counts in the unit's appraisal.",
    ),
    ("track.resolved_q", "问题是否解决", "Is the problem solved"),
    ("track.rate_submit", "提交评价", "Send rating"),
    ("track.rated", "感谢评价", "Thank you for rating"),
    ("track.merged_into", "已并入工单", "Merged into"),
    ("rankings.title", "承办单位排行", "Unit rankings"),
    (
        "rankings.lead",
        "按配置的考核指标计算的综合得分(样本不足的单位不参与排名)。",
        "Composite score by the configured appraisal rates (units below the minimum sample are not ranked).",
    ),
    // Console
    ("console.title", "受理台", "Intake console"),
    ("console.caller", "来电人", "Caller"),
    ("console.caller_name", "姓名", "Name"),
    ("console.caller_phone", "电话", "Phone"),
    (
        "console.category_search",
        "输入关键词筛选分类",
        "Type to filter categories",
    ),
    (
        "console.answer",
        "当场答复(咨询类直接办结)",
        "Answered on the spot (closes the request)",
    ),
    ("console.answer_reply", "答复内容", "Answer given"),
    ("console.register", "登记", "Register"),
    (
        "console.registered",
        "已登记,请向来电人读出编号和查询码",
        "Registered: read the serial and code back to the caller",
    ),
    (
        "console.history",
        "该来电人以往诉求",
        "This caller's previous requests",
    ),
    (
        "console.history_lookup",
        "查询以往诉求",
        "Look up previous requests",
    ),
    (
        "console.keys",
        "快捷键:Alt+S 登记,Alt+P 查来电人",
        "Keys: Alt+S register, Alt+P look up caller",
    ),
    ("console.lat", "纬度", "Latitude"),
    ("console.lng", "经度", "Longitude"),
    ("console.proposal", "建议派往", "Proposed unit"),
    ("console.callbacks", "待回访", "Callbacks due"),
    // Dispatch
    ("dispatch.title", "派遣台", "Dispatch board"),
    ("dispatch.queue", "待派遣", "Awaiting dispatch"),
    ("dispatch.proposed", "建议单位", "Proposed unit"),
    ("dispatch.why", "依据", "Why"),
    ("dispatch.to", "派往", "Dispatch to"),
    (
        "dispatch.bulk",
        "按建议批量派遣所选",
        "Dispatch the selected as proposed",
    ),
    ("dispatch.select", "选择", "Select"),
    (
        "dispatch.returned",
        "退回待重派",
        "Returned for re-dispatch",
    ),
    ("dispatch.return_reason", "退回理由", "Reason given"),
    ("dispatch.coordinating", "协调中", "Coordination cases"),
    ("dispatch.extensions", "待审批延期", "Extension requests"),
    ("dispatch.days", "申请天数", "Days asked"),
    ("dispatch.approve", "批准", "Approve"),
    ("dispatch.refuse", "不批准", "Refuse"),
    ("dispatch.dispatched_n", "已派遣", "Dispatched"),
    (
        "dispatch.no_proposal",
        "无建议,请选择单位",
        "No proposal: choose a unit",
    ),
    // Inbox
    ("inbox.title", "本单位待办", "Unit inbox"),
    ("inbox.notices", "催办通知", "Notices"),
    ("inbox.ack", "已阅", "Acknowledge"),
    ("inbox.acked", "已阅", "Read"),
    // Cases
    ("cases.title", "工单查询", "Cases"),
    ("cases.find", "按编号打开", "Open by serial"),
    // Detail
    ("detail.title", "工单详情", "Request"),
    ("detail.caller", "来电人", "Caller"),
    ("detail.masked", "(已脱敏)", "(masked)"),
    ("detail.area", "所属网格", "Area"),
    ("detail.lead", "主办单位", "Lead unit"),
    ("detail.assisting", "协办单位", "Assisting units"),
    ("detail.clocks", "时限", "Deadlines"),
    ("detail.stage", "环节", "Stage"),
    ("detail.deadline", "截止", "Deadline"),
    ("detail.remaining", "剩余", "Remaining"),
    ("detail.step", "督办", "Ladder"),
    ("detail.timeline", "全过程记录", "Timeline"),
    ("detail.actions", "可执行操作", "Actions"),
    (
        "detail.no_actions",
        "您对该工单没有可执行的操作。",
        "You have no action on this request.",
    ),
    ("detail.children", "已并入的重复诉求", "Merged duplicates"),
    ("detail.parent", "已并入", "Merged into"),
    ("detail.attachments", "附件", "Attachments"),
    ("detail.supervision", "督办", "Supervision"),
    ("detail.notices", "通知", "Notices"),
    ("detail.outcome", "办理结果", "Outcome"),
    ("detail.reply", "答复", "Reply"),
    ("detail.rating", "评价", "Rating"),
    (
        "detail.units",
        "单位(逗号分隔编号)",
        "Units (ids, comma separated)",
    ),
    ("detail.working_days", "工作日", "Working days"),
    (
        "detail.resolved",
        "诉求人认为已解决",
        "Citizen says resolved",
    ),
    (
        "detail.proper_owner",
        "应由何单位办理",
        "Who should handle it",
    ),
    ("detail.parent_serial", "主工单编号", "Parent serial"),
    ("detail.platform", "转出平台", "Platform"),
    ("detail.proposal", "建议派往", "Proposed unit"),
    (
        "detail.pending_extension",
        "待审批延期天数",
        "Extension awaiting approval (days)",
    ),
    // Supervision
    ("supervision.title", "督办池", "Supervision pool"),
    ("supervision.pool", "红黄牌工单", "Red and orange cases"),
    ("supervision.owner", "督办人", "Supervisor"),
    ("supervision.since", "入池时间", "In the pool since"),
    ("supervision.times", "入池次数", "Times"),
    ("supervision.samples", "抽样回访", "Sampled callbacks"),
    ("supervision.drawn", "抽取时间", "Drawn"),
    ("supervision.mine", "只看我的", "Mine only"),
    ("supervision.orange", "橙色预警", "Orange (urging due)"),
    // Dashboard
    ("dash.title", "领导驾驶舱", "Leader dashboard"),
    ("dash.today", "今日", "Today"),
    ("dash.month", "本月", "This month"),
    ("dash.received", "受理", "Received"),
    ("dash.dispatched", "派遣", "Dispatched"),
    ("dash.resolved", "办结", "Resolved"),
    ("dash.closed", "结案", "Closed"),
    ("dash.backlog", "在办", "Open"),
    ("dash.in_pool", "督办中", "In supervision"),
    ("dash.map", "诉求分布", "Where requests come from"),
    (
        "dash.map_lead",
        "近 90 天受理量,点击区域下钻。",
        "Requests in the last 90 days; click an area to drill down.",
    ),
    ("dash.map_up", "返回上一级", "Up one level"),
    (
        "dash.pressure",
        "压力曲线(近 90 天)",
        "Pressure (last 90 days)",
    ),
    (
        "dash.pressure_lead",
        "每日受理、每日办结与在办存量。",
        "Daily intake, daily resolutions and the open backlog.",
    ),
    (
        "dash.rankings",
        "单位考核排行(本月)",
        "Unit rankings (this month)",
    ),
    (
        "dash.no_geometry",
        "尚未导入网格边界。",
        "No grid boundaries loaded yet.",
    ),
    ("dash.drill", "明细", "Cases"),
    ("dash.legend_low", "少", "Few"),
    ("dash.legend_high", "多", "Many"),
    // Admin
    ("admin.title", "系统管理", "Administration"),
    ("admin.units", "单位", "Units"),
    ("admin.users", "用户与角色", "Users and roles"),
    (
        "admin.categories",
        "分类与派遣规则",
        "Categories and routing",
    ),
    ("admin.policies", "时限规则", "Deadline policies"),
    ("admin.calendar", "工作日历", "Calendar"),
    ("admin.new_unit", "新增单位", "New unit"),
    ("admin.new_user", "新增用户", "New user"),
    ("admin.display_name", "显示名", "Display name"),
    ("admin.role", "角色", "Role"),
    ("admin.roles", "角色", "Roles"),
    ("admin.routing", "派遣规则", "Routing table"),
    ("admin.basis", "依据", "Basis"),
    ("admin.target", "派往", "Routed to"),
    ("admin.limits", "时限", "Limits"),
    ("admin.thresholds", "黄/橙阈值", "Yellow/orange at"),
    (
        "admin.accountable",
        "超时追责(工作日)",
        "Accountable after (working days)",
    ),
    ("admin.year", "年份", "Year"),
    (
        "admin.add_days",
        "新增法定节假日/调休(每行:YYYY-MM-DD off|work 名称)",
        "Add official days (one per line: YYYY-MM-DD off|work NAME)",
    ),
    ("admin.source", "来源", "Source"),
    ("admin.added", "已添加", "Added"),
    ("admin.new_category", "新增分类", "New category"),
    ("admin.new_rule", "新增派遣规则", "New routing rule"),
    (
        "admin.edit_policy",
        "修改(生成新版本)",
        "Edit (makes a new version)",
    ),
    ("admin.appraisal", "考核权重", "Appraisal weights"),
    ("admin.new_policy", "新增时限规则", "New deadline policy"),
    (
        "admin.policy_hint",
        "按类型、紧急程度、渠道或分类匹配,条件越多越优先;留空的环节沿用更宽泛的规则。时限写作“数量 单位”,单位:minutes、working_minutes、natural_hours、working_hours、working_days。",
        "Matches by kind, urgency, channel or category; more conditions win. Stages left empty fall back to broader policies. Write a limit as `amount unit`; units: minutes, working_minutes, natural_hours, working_hours, working_days.",
    ),
    ("admin.create_policy", "新增", "Create"),
    ("admin.rules", "办理规则", "Handling rules"),
    (
        "admin.rules_hint",
        "承办单位在收到工单后几个工作日内可以退回(疑难件另计);回访未接通满几天(每天计一次)后可按“无法回访”结案。",
        "How many working days after receiving a request a unit may return it (complex requests separately); after failed callbacks on how many different days a request may close as “callback not possible”.",
    ),
    (
        "admin.return_window_days",
        "退回时限(工作日)",
        "Return window (working days)",
    ),
    (
        "admin.return_window_days_complex",
        "疑难件退回时限(工作日)",
        "Return window, complex (working days)",
    ),
    (
        "admin.callback_attempts",
        "回访未接通天数",
        "Failed callback days",
    ),
    ("admin.save", "保存", "Save"),
    (
        "admin.target_response_days",
        "首次响应目标(工作日,自受理起)",
        "First response target (working days from intake)",
    ),
    (
        "admin.target_resolution_days",
        "办结目标(工作日,自受理起)",
        "Resolution target (working days from intake)",
    ),
    ("targets.title", "12345 目标达成情况", "12345 targets met"),
    (
        "targets.lead",
        "自受理起计:首次响应与办结是否在目标工作日内。",
        "Counted from intake: whether the first response and the resolution came within their target working days.",
    ),
    ("targets.month", "月份", "Month"),
    ("targets.response", "首次响应", "First response"),
    ("targets.resolution", "办结", "Resolution"),
    ("targets.met", "达成", "Met"),
    ("targets.missed", "未达成", "Missed"),
    (
        "admin.satisfaction_excluded",
        "不计入满意率的分类(如调解、执法)",
        "Categories kept out of the satisfaction rate (e.g. mediation, law enforcement)",
    ),
    (
        "admin.three_rates",
        "采用“三率”预设(响应率10%、解决率45%、满意率45%,可再调整)",
        "Use the three-rates preset (response 10%, resolution 45%, satisfaction 45%; editable)",
    ),
    (
        "admin.designate_after",
        "派遣几次无人认领后指定",
        "Designate after (dispatches)",
    ),
    // Domain words: states
    ("state.received", "已受理", "Received"),
    ("state.returned", "已退回", "Returned"),
    ("state.coordinating", "协调中", "Coordinating"),
    ("state.dispatched", "已派遣", "Dispatched"),
    ("state.accepted", "已签收", "Accepted"),
    ("state.in_progress", "办理中", "In progress"),
    ("state.suspended", "已挂起", "Suspended"),
    (
        "state.resolved",
        "已办结待回访",
        "Resolved, awaiting callback",
    ),
    ("state.reopened", "重办", "Reopened"),
    ("state.closed", "已结案", "Closed"),
    ("state.cancelled", "已撤销", "Cancelled"),
    ("state.merged", "已合并", "Merged"),
    ("state.transferred_out", "已转出", "Transferred out"),
    // Kinds
    ("kind.consultation", "咨询", "Consultation"),
    ("kind.complaint", "投诉", "Complaint"),
    ("kind.help", "求助", "Help"),
    ("kind.suggestion", "建议", "Suggestion"),
    ("kind.report", "举报", "Report"),
    ("kind.praise", "表扬", "Praise"),
    // Channels
    ("channel.hotline", "热线电话", "Hotline"),
    ("channel.transfer_12345", "12345转办", "From 12345"),
    ("channel.transfer_110", "110转办", "From 110"),
    ("channel.web", "网站", "Web"),
    ("channel.app", "手机应用", "App"),
    ("channel.wechat", "微信", "WeChat"),
    ("channel.grid_report", "网格上报", "Grid report"),
    ("channel.window", "窗口", "Service window"),
    (
        "channel.representative_office",
        "代表工作站",
        "Representatives' office",
    ),
    ("channel.resident_council", "议事厅", "Resident council"),
    ("channel.letter", "来信", "Letter"),
    ("channel.email", "电子邮件", "Email"),
    ("channel.open311", "Open311", "Open311"),
    // Urgency
    ("urgency.normal", "一般", "Normal"),
    ("urgency.urgent", "紧急", "Urgent"),
    ("urgency.emergency", "特急", "Emergency"),
    // Bands
    ("band.blue", "正常", "On time"),
    ("band.yellow", "黄", "Yellow"),
    ("band.orange", "橙", "Orange"),
    ("band.red", "红", "Red"),
    ("band.overdue", "超时", "Overdue"),
    // Clock stages and statuses
    ("stage.dispatch", "派单", "Dispatch"),
    ("tier.street", "街道", "Streets"),
    ("tier.department", "职能部门", "Departments"),
    ("tier.utility", "公用事业单位", "Utility companies"),
    ("tier.community", "社区", "Communities"),
    ("tier.grid", "网格", "Grids"),
    ("dispatch.waited", "已等待", "Waiting"),
    ("dispatch.joint", "协办与标记", "Assisting units and marks"),
    (
        "detail.assist_reports",
        "协办单位反馈",
        "Assisting units' reports",
    ),
    (
        "supervision.appeals",
        "待审核的核减申请",
        "Appeals awaiting a decision",
    ),
    ("detail.appeal", "核减申请", "Appeal"),
    ("detail.ground", "申请理由类别", "Ground"),
    ("ground.malicious_caller", "恶意诉求", "Malicious caller"),
    (
        "ground.outside_duty",
        "不属于任何单位职责",
        "Outside any duty",
    ),
    (
        "ground.wrong_rating",
        "评价经核实有误",
        "Rating verified wrong",
    ),
    ("appeal_state.pending", "待审核", "Pending"),
    ("appeal_state.approved", "已核减", "Approved"),
    ("appeal_state.refused", "不予核减", "Refused"),
    ("action.appeal", "申请核减", "Appeal the count"),
    ("action.approve_appeal", "同意核减", "Approve the appeal"),
    ("action.refuse_appeal", "不予核减", "Refuse the appeal"),
    (
        "supervision.checked",
        "已完成的质量回访",
        "Finished quality checks",
    ),
    ("supervision.checked_at", "回访时间", "Checked at"),
    ("supervision.verdict", "结论", "Verdict"),
    ("supervision.verdict_confirmed", "确认办结", "Confirmed"),
    (
        "supervision.verdict_redo",
        "不满意/未解决,已重办",
        "Reopened as a redo",
    ),
    (
        "supervision.verdict_falsified",
        "回访不实,已追责",
        "Callback falsified: accountability",
    ),
    (
        "detail.falsified",
        "市民称未接到回访(回访不实)",
        "The citizen says nobody called",
    ),
    (
        "dispatch.review_hint",
        "退回需经中心审核:同意则改派(派往其他单位),不同意则退还原单位并计为不当退回。",
        "Every return is reviewed: accept it by dispatching elsewhere, or reject it and the request goes back to the unit, counted as an improper return.",
    ),
    ("dispatch.returned_by", "退回单位", "Returned by"),
    ("dispatch.review", "审核", "Review"),
    (
        "dispatch.reject_reason",
        "不同意退回的理由",
        "Why the return is rejected",
    ),
    (
        "dispatch.must_designate",
        "已多次派遣无人认领,须指定承办单位(指定后形成派遣规则)。",
        "Dispatched repeatedly without an owner: designate one (the designation becomes a routing rule).",
    ),
    ("action.reject_return", "不同意退回", "Reject the return"),
    ("action.designate", "指定承办", "Designate the owner"),
    ("stage.accept", "签收", "Accept"),
    ("stage.respond", "响应", "Respond"),
    ("stage.resolve", "办结", "Resolve"),
    ("stage.callback", "回访", "Callback"),
    ("stage.coordinate", "协调", "Coordinate"),
    ("status.running", "计时中", "Running"),
    ("status.paused", "暂停", "Paused"),
    ("status.met", "按时完成", "Met"),
    ("status.late", "超时完成", "Late"),
    ("status.closed", "已终止", "Ended"),
    ("step.none", "—", "—"),
    ("step.remind", "已提醒", "Reminded"),
    ("step.urge", "已催办", "Urged"),
    ("step.supervise", "已督办", "Supervised"),
    ("step.hold_accountable", "已问责", "Held accountable"),
    // Actions (buttons and timeline events)
    ("action.received", "受理", "Received"),
    (
        "action.child_merged",
        "合并重复诉求",
        "Absorbed a duplicate",
    ),
    ("action.answer", "当场答复", "Answer on the spot"),
    ("action.dispatch", "派遣", "Dispatch"),
    ("action.accept", "签收", "Accept"),
    ("action.contact", "联系诉求人", "Contacted the citizen"),
    ("action.return", "退回", "Return"),
    ("action.transfer", "改派", "Transfer"),
    ("action.assign_down", "下派", "Assign down"),
    ("action.assist_report", "协办反馈", "Assistance report"),
    ("action.coordinate", "多部门协调", "Coordinate"),
    ("action.request_extension", "申请延期", "Request extension"),
    ("action.approve_extension", "批准延期", "Approve extension"),
    ("action.refuse_extension", "不批准延期", "Refuse extension"),
    ("action.suspend", "挂起", "Suspend"),
    ("action.resume", "恢复", "Resume"),
    ("action.resolve", "办结", "Resolve"),
    ("action.callback", "回访", "Callback"),
    ("action.reopen", "重办", "Reopen"),
    ("action.close", "结案(已停用)", "Close (retired)"),
    (
        "action.callback_failed",
        "回访未接通",
        "Callback not answered",
    ),
    (
        "action.callback_impossible",
        "无法回访结案",
        "Close: callback not possible",
    ),
    (
        "mark.complex",
        "疑难件(退回时限延长)",
        "Complex (longer return window)",
    ),
    (
        "mark.important",
        "重要件(回复需单位负责人审签)",
        "Important (reply signed by the unit head)",
    ),
    ("cause.no_contact", "未留联系方式", "No contact left"),
    (
        "cause.unreachable",
        "多日多次联系不上",
        "Not reached on several days",
    ),
    ("detail.cause", "无法回访的原因", "Why no callback"),
    ("detail.first_responder", "首办单位", "First responder"),
    ("detail.dispatch_count", "派遣次数", "dispatches"),
    ("detail.marks", "标记", "Marks"),
    ("detail.return_until", "可退回至", "May be returned until"),
    (
        "detail.callback_attempts",
        "回访未接通(天数)",
        "Callback attempts (days)",
    ),
    ("action.cancel", "撤销", "Cancel"),
    ("action.merge", "合并重复", "Merge as duplicate"),
    ("action.repeat", "重复诉求无新情况", "Repeat, no new facts"),
    (
        "detail.repeats",
        "重复来电(无新情况)",
        "Repeat calls (no new facts)",
    ),
    ("action.repeat_linked", "有重复来电", "Repeated by a caller"),
    ("action.transfer_out", "转出", "Transfer out"),
    ("action.remind", "提醒", "Remind"),
    ("action.urge", "催办", "Urge"),
    ("action.supervise", "督办", "Supervise"),
    ("action.hold_accountable", "问责", "Hold accountable"),
    ("action.quality_callback", "质量回访", "Quality callback"),
    // Outcomes and ratings
    ("outcome.resolved", "已解决", "Resolved"),
    ("outcome.partly_resolved", "部分解决", "Partly resolved"),
    (
        "outcome.explained_not_resolvable",
        "已解释,暂无法解决",
        "Explained, cannot be resolved",
    ),
    ("outcome.not_our_duty", "非本单位职责", "Not our duty"),
    ("outcome.duplicate", "重复诉求", "Duplicate"),
    ("rating.satisfied", "满意", "Satisfied"),
    (
        "rating.basically_satisfied",
        "基本满意",
        "Basically satisfied",
    ),
    ("rating.unsatisfied", "不满意", "Unsatisfied"),
    // Routing basis
    ("basis.statute", "法定职责", "Statute"),
    ("basis.agreement", "协议约定", "Agreement"),
    ("basis.designation", "指定", "Designation"),
    ("basis.territorial", "属地兜底", "Territorial fallback"),
    ("basis.manual", "人工指定", "Dispatcher's choice"),
    // Unit kinds and roles
    ("unit_kind.hub", "指挥中心", "Hub"),
    ("unit_kind.centre", "街道指挥分中心", "Street centre"),
    ("unit_kind.street", "街道", "Street"),
    ("unit_kind.community", "社区", "Community"),
    ("unit_kind.grid", "网格", "Grid"),
    ("unit_kind.subgrid", "微网格", "Subgrid"),
    ("unit_kind.department", "职能部门", "Department"),
    ("unit_kind.utility", "公共服务企业", "Utility"),
    ("role.admin", "管理员", "Administrator"),
    ("role.operator", "话务员", "Operator"),
    ("role.dispatcher", "派遣员", "Dispatcher"),
    ("role.handler", "承办人", "Handler"),
    ("role.supervisor", "督办员", "Supervisor"),
    ("role.grid_worker", "网格员", "Grid worker"),
    ("role.leader", "领导", "Leader"),
    // Appraisal metrics
    ("metric.response", "响应率", "Response"),
    (
        "metric.on_time_acceptance",
        "按时签收率",
        "On-time acceptance",
    ),
    (
        "metric.on_time_resolution",
        "按时办结率",
        "On-time resolution",
    ),
    ("metric.resolution", "解决率", "Resolution"),
    ("metric.satisfaction", "满意率", "Satisfaction"),
    ("metric.return", "退单率", "Returns"),
    ("metric.improper_return", "不当退回率", "Improper returns"),
    ("metric.redo", "重办率", "Redo"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t.s("…")` key in the templates and page code has both languages.
    #[test]
    fn every_key_the_pages_use_is_translated() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["templates", "src/pages"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
        let mut missing = Vec::new();
        let mut seen = 0;
        for (path, text) in &sources {
            // Keys are asked for with `s("…")` (templates, `Tr::s`), and the navigation
            // and dashboard figures name theirs in tuples (`("nav.console", …)`).
            for pattern in ["s(\"", "(\"nav.", "(\"dash."] {
                let key_from = pattern.find('"').unwrap_or(0) + 1;
                for (at, _) in text.match_indices(pattern) {
                    let rest = &text[at + key_from..];
                    let Some(end) = rest.find('"') else { continue };
                    let key = &rest[..end];
                    if !key.contains('.') || key.contains(' ') || key.contains('{') {
                        continue;
                    }
                    seen += 1;
                    if !has_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(seen > 100, "the scan found the keys ({seen})");
        assert_eq!(missing, Vec::<String>::new());
    }

    /// Every word of the domain the pages show has both languages.
    #[test]
    fn every_domain_word_is_translated() {
        use civicgrid_domain::{deadline, lifecycle, org, request};
        let groups: Vec<(&str, Vec<&str>)> = vec![
            ("state", request::State::words()),
            ("kind", request::Kind::words()),
            ("channel", request::Channel::words()),
            ("urgency", request::Urgency::words()),
            ("outcome", request::Outcome::words()),
            ("rating", request::Rating::words()),
            ("band", deadline::Band::words()),
            ("stage", deadline::Stage::words()),
            ("action", lifecycle::Action::words()),
            ("action", lifecycle::EventKind::words()),
            ("mark", vec!["complex", "important"]),
            ("tier", org::Tier::words()),
            ("ground", lifecycle::AppealGround::words()),
            ("appeal_state", lifecycle::AppealState::words()),
            ("cause", lifecycle::NoCallback::words()),
            ("basis", lifecycle::Basis::words()),
            ("unit_kind", org::UnitKind::words()),
            ("role", org::Role::words()),
            ("step", civicgrid_domain::clocks::Step::words()),
            ("status", civicgrid_domain::clocks::ClockEnd::words()),
            (
                "metric",
                civicgrid_domain::appraisal::RATES
                    .iter()
                    .map(|r| r.name)
                    .collect(),
            ),
        ];
        let mut missing = Vec::new();
        for (group, words) in groups {
            for word in words {
                let key = format!("{group}.{word}");
                if !has_key(&key) {
                    missing.push(key);
                }
            }
        }
        assert_eq!(missing, Vec::<String>::new());
        assert_eq!(Tr::new(Lang::En).w("state", "closed"), "Closed");
        assert_eq!(Tr::new(Lang::Zh).w("state", "closed"), "已结案");
    }

    #[test]
    fn remaining_time_reads_in_both_languages() {
        assert_eq!(Tr::new(Lang::Zh).remaining(&Some(90_000)), "1天1小时");
        assert_eq!(Tr::new(Lang::En).remaining(&Some(-3_660)), "1h 1m overdue");
        assert_eq!(Tr::new(Lang::Zh).remaining(&None), "—");
    }
}
