//! The pages' two languages: Chinese (default) and English. One table of keys (interface
//! text in `entries`, the domain's words in `words`); templates
//! ask `t.s("key")` for interface text and `t.w("state", value)` for the words of the
//! domain (states, kinds, bands …). A test checks that every key a template uses is here.
//!
//! A table in code rather than Fluent or gettext files: two languages and a few hundred
//! short strings do not need plural rules or a translator's toolchain, and a missing key
//! is caught by a test instead of at run time.

mod entries;
mod words;

use std::collections::HashMap;

use entries::ENTRIES;
use std::sync::OnceLock;
use words::WORDS;

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
    TABLE.get_or_init(|| {
        ENTRIES
            .iter()
            .chain(WORDS)
            .map(|(k, zh, en)| (*k, (*zh, *en)))
            .collect()
    })
}

/// Whether `key` has a translation (the tidy test checks the templates' keys with it).
pub fn has_key(key: &str) -> bool {
    table().contains_key(key)
}

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
                if !path.is_file() {
                    continue;
                }
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
            ("review", lifecycle::ReviewStep::words()),
            ("reply_review", lifecycle::ReplyReview::words()),
            ("conclusion", vec!["agreed", "settled"]),
            ("tier", org::Tier::words()),
            ("ground", lifecycle::AppealGround::words()),
            ("appeal_state", lifecycle::AppealState::words()),
            ("instruction_state", lifecycle::InstructionState::words()),
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
