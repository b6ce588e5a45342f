//! A citizen request's values: channel, kind, urgency, state, outcome, rating, the caller's
//! personal data with its masking, and the parsing of a new request at the edge.

use crate::error::Invalid;
use crate::ids::{CategoryId, UnitId};
use crate::word_enum;

word_enum! {
    /// How the request reached the platform.
    pub enum Channel {
        Hotline = "hotline",
        Transfer12345 = "transfer_12345",
        Transfer110 = "transfer_110",
        Web = "web",
        App = "app",
        Wechat = "wechat",
        GridReport = "grid_report",
        Window = "window",
        RepresentativeOffice = "representative_office",
        ResidentCouncil = "resident_council",
        Letter = "letter",
        Email = "email",
        Open311 = "open311",
    }
}

word_enum! {
    /// What the citizen wants.
    pub enum Kind {
        Consultation = "consultation",
        Complaint = "complaint",
        Help = "help",
        Suggestion = "suggestion",
        Report = "report",
        Praise = "praise",
    }
}

word_enum! {
    pub enum Urgency {
        Normal = "normal",
        Urgent = "urgent",
        Emergency = "emergency",
    }
}

word_enum! {
    /// Where a request is in its life. See `lifecycle` for the moves between states.
    pub enum State {
        Received = "received",
        Returned = "returned",
        Coordinating = "coordinating",
        Dispatched = "dispatched",
        Accepted = "accepted",
        InProgress = "in_progress",
        Suspended = "suspended",
        /// The unit's reply awaits its review: the unit head's signature, then the hub's check.
        Reviewing = "reviewing",
        Resolved = "resolved",
        Reopened = "reopened",
        Closed = "closed",
        Cancelled = "cancelled",
        Merged = "merged",
        TransferredOut = "transferred_out",
    }
}

impl State {
    /// No further work happens on a request in a final state (reopen aside, for closed).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Closed | State::Cancelled | State::Merged | State::TransferredOut
        )
    }

    /// A unit is working on it (its clocks run).
    pub fn is_with_unit(self) -> bool {
        matches!(
            self,
            State::Dispatched | State::Accepted | State::InProgress | State::Reopened
        )
    }
}

word_enum! {
    /// What the unit says came of it; kept apart from the state.
    pub enum Outcome {
        Resolved = "resolved",
        PartlyResolved = "partly_resolved",
        ExplainedNotResolvable = "explained_not_resolvable",
        NotOurDuty = "not_our_duty",
        Duplicate = "duplicate",
    }
}

word_enum! {
    /// The citizen's satisfaction at callback.
    pub enum Rating {
        Satisfied = "satisfied",
        BasicallySatisfied = "basically_satisfied",
        Unsatisfied = "unsatisfied",
    }
}

word_enum! {
    /// Platforms a request can be transferred out to.
    pub enum Platform {
        Police110 = "110",
        City12345 = "12345",
        Other = "other",
    }
}

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

// `parse` admits finite degrees only, so equality is total.
impl Eq for Location {}

impl Location {
    pub fn parse(lat: f64, lng: f64) -> Result<Self, Invalid> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(Invalid::new(
                "location.lat",
                "must be a latitude between -90 and 90",
            ));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(Invalid::new(
                "location.lng",
                "must be a longitude between -180 and 180",
            ));
        }
        Ok(Location { lat, lng })
    }
}

/// A mainland phone number: 11-digit mobile (1xx…) or a landline of 7–12 digits with an
/// optional area code and dash. Kept as digits and dashes only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let compact = compact.strip_prefix("+86").unwrap_or(&compact).to_owned();
        let digits = compact.chars().filter(|c| c.is_ascii_digit()).count();
        let well_formed = compact.chars().all(|c| c.is_ascii_digit() || c == '-')
            && !compact.starts_with('-')
            && !compact.ends_with('-');
        if !well_formed || !(7..=12).contains(&digits) {
            return Err(Invalid::new(
                "caller.phone",
                "must be a phone number of 7 to 12 digits",
            ));
        }
        Ok(Phone(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: keeps the first three and last four digits of a mobile, the last four
    /// of a landline.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let is_mobile =
            chars.len() == 11 && chars[0] == '1' && chars.iter().all(char::is_ascii_digit);
        if is_mobile {
            let head: String = chars[..3].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("{head}****{tail}")
        } else {
            let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
            format!("****{tail}")
        }
    }
}

/// Masks a person's name: the family name stays, the rest becomes `*` (张三丰 → 张**).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

/// The person who raised the request. Personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: Option<String>,
    pub phone: Option<Phone>,
    /// The caller asked that the units not learn who they are (保密): name and phone are
    /// read in clear only by the hub's operators and supervisors.
    pub confidential: bool,
}

impl Caller {
    pub fn parse(
        name: Option<&str>,
        phone: Option<&str>,
        confidential: bool,
    ) -> Result<Self, Invalid> {
        let name = match name.map(str::trim) {
            None | Some("") => None,
            Some(n) if n.chars().count() > 50 => {
                return Err(Invalid::new("caller.name", "must be at most 50 characters"));
            }
            Some(n) => Some(n.to_owned()),
        };
        let phone = match phone.map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(Phone::parse(p)?),
        };
        Ok(Caller {
            name,
            phone,
            confidential,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none()
    }
}

/// Free text limits shared by content, replies and reasons.
pub fn parse_text(field: &str, raw: &str, max_chars: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if text.chars().count() > max_chars {
        return Err(Invalid::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Like `parse_text`, but absent or blank input is `None`.
pub fn parse_optional_text(
    field: &str,
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, Invalid> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse_text(field, text, max_chars).map(Some),
    }
}

/// Parses one of a word enum's values, naming the field and the accepted words on failure.
pub fn parse_word<T>(
    field: &str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
    words: fn() -> Vec<&'static str>,
) -> Result<T, Invalid> {
    parse(raw).ok_or_else(|| Invalid::new(field, format!("must be one of: {}", words().join(", "))))
}

pub const MAX_CONTENT_CHARS: usize = 5000;
pub const MAX_REASON_CHARS: usize = 1000;
pub const MAX_ADDRESS_CHARS: usize = 200;

/// A request as registered at intake, already validated. The category is resolved by the
/// caller (it needs the store); everything else is checked here.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub channel: Channel,
    pub kind: Kind,
    pub urgency: Urgency,
    pub category: Option<CategoryId>,
    pub content: String,
    pub address: Option<String>,
    pub location: Option<Location>,
    pub caller: Caller,
    /// The territorial unit the location or the reporter falls in (grid, community …).
    pub area: Option<UnitId>,
}

/// The raw fields of an intake, as strings straight from the edge.
#[derive(Debug, Clone, Default)]
pub struct RawIntake<'a> {
    pub channel: &'a str,
    pub kind: &'a str,
    pub urgency: Option<&'a str>,
    pub content: &'a str,
    pub address: Option<&'a str>,
    pub location: Option<(f64, f64)>,
    pub caller_name: Option<&'a str>,
    pub caller_phone: Option<&'a str>,
    pub caller_confidential: bool,
}

impl NewRequest {
    /// Parses everything except the category and the area, which need lookups.
    pub fn parse(raw: &RawIntake<'_>) -> Result<Self, Invalid> {
        let channel = parse_word("channel", raw.channel, Channel::parse, Channel::words)?;
        let kind = parse_word("kind", raw.kind, Kind::parse, Kind::words)?;
        let urgency = match raw.urgency {
            None => Urgency::Normal,
            Some(u) => parse_word("urgency", u, Urgency::parse, Urgency::words)?,
        };
        let content = parse_text("content", raw.content, MAX_CONTENT_CHARS)?;
        let address = parse_optional_text("address", raw.address, MAX_ADDRESS_CHARS)?;
        let location = raw
            .location
            .map(|(lat, lng)| Location::parse(lat, lng))
            .transpose()?;
        let caller = Caller::parse(raw.caller_name, raw.caller_phone, raw.caller_confidential)?;
        Ok(NewRequest {
            channel,
            kind,
            urgency,
            category: None,
            content,
            address,
            location,
            caller,
            area: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_mask_keeping_head_and_tail() {
        assert_eq!(
            Phone::parse("138 0013 8000").unwrap().masked(),
            "138****8000"
        );
        assert_eq!(
            Phone::parse("+8613800138000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(Phone::parse("0411-8765432").unwrap().masked(), "****5432");
        assert!(Phone::parse("12ab").is_err());
        assert!(Phone::parse("123").is_err());
        assert!(Phone::parse("-12345678").is_err());
    }

    #[test]
    fn names_mask_all_but_the_family_name() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn intake_names_the_bad_field() {
        let mut raw = RawIntake {
            channel: "hotline",
            kind: "complaint",
            content: "路灯不亮",
            ..Default::default()
        };
        assert!(NewRequest::parse(&raw).is_ok());
        raw.channel = "fax";
        assert_eq!(NewRequest::parse(&raw).unwrap_err().field, "channel");
        raw.channel = "web";
        raw.content = "   ";
        assert_eq!(NewRequest::parse(&raw).unwrap_err().field, "content");
        raw.content = "x";
        raw.location = Some((91.0, 0.0));
        assert_eq!(NewRequest::parse(&raw).unwrap_err().field, "location.lat");
    }
}
