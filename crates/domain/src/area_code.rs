//! The national codes of places (GB/T 30428 unit grid codes, built on the administrative
//! division codes of GB/T 2260): a county's 6 digits, then 3 digits for the street (街道,
//! 9 in all), 3 for the community (社区, 12) and 3 for the grid (网格, 15); civicgrid adds
//! 3 more for a subgrid (18), which the standard leaves to local practice. A code names
//! its parents by its prefixes, so "is this grid under that community" is a comparison of
//! digits, and a grid layer's import can say which features do not sit under their parent.

use crate::error::Invalid;
use crate::word_enum;

word_enum! {
    /// How deep a code goes, by its length.
    pub enum CodeLevel {
        /// 6 digits: the county-level division (区、县).
        County = "county",
        /// 9 digits.
        Street = "street",
        /// 12 digits.
        Community = "community",
        /// 15 digits: the unit grid.
        Grid = "grid",
        /// 18 digits: a subgrid of a unit grid (a local extension of GB/T 30428).
        Subgrid = "subgrid",
    }
}

impl CodeLevel {
    /// The number of digits a code of this level has.
    pub fn digits(self) -> usize {
        match self {
            CodeLevel::County => 6,
            CodeLevel::Street => 9,
            CodeLevel::Community => 12,
            CodeLevel::Grid => 15,
            CodeLevel::Subgrid => 18,
        }
    }

    fn of_length(len: usize) -> Option<CodeLevel> {
        CodeLevel::ALL.iter().copied().find(|l| l.digits() == len)
    }

    /// The level below, if any.
    pub fn below(self) -> Option<CodeLevel> {
        match self {
            CodeLevel::County => Some(CodeLevel::Street),
            CodeLevel::Street => Some(CodeLevel::Community),
            CodeLevel::Community => Some(CodeLevel::Grid),
            CodeLevel::Grid => Some(CodeLevel::Subgrid),
            CodeLevel::Subgrid => None,
        }
    }
}

/// The province-level divisions' first two digits (GB/T 2260): a code starting otherwise
/// names no place in China.
const PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// A validated place code of 6, 9, 12, 15 or 18 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaCode(String);

impl AreaCode {
    /// Parses a code as typed or imported: ASCII or full-width digits, surrounding spaces
    /// ignored. Refuses any other length, a province that does not exist, a county of
    /// `0000`, and a street, community or grid sequence of `000` (they count from 001).
    pub fn parse(field: &str, raw: &str) -> Result<AreaCode, Invalid> {
        let digits: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                other => other,
            })
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::new(field, "must be digits only"));
        }
        let level = CodeLevel::of_length(digits.len()).ok_or_else(|| {
            Invalid::new(
                field,
                format!(
                    "must have 6 (county), 9 (street), 12 (community), 15 (grid) or 18 (subgrid) digits, not {}",
                    digits.len()
                ),
            )
        })?;
        if !PROVINCES.contains(&&digits[..2]) {
            return Err(Invalid::new(
                field,
                format!("`{}` is no province's code (GB/T 2260)", &digits[..2]),
            ));
        }
        if &digits[2..6] == "0000" {
            return Err(Invalid::new(
                field,
                "the county part (digits 3–6) must name a county, not 0000",
            ));
        }
        let mut start = 6;
        let mut below = CodeLevel::County.below();
        while let Some(next) = below.filter(|l| l.digits() <= level.digits()) {
            if &digits[start..next.digits()] == "000" {
                return Err(Invalid::new(
                    field,
                    format!(
                        "the {next} part (digits {}–{}) counts from 001, not 000",
                        start + 1,
                        next.digits()
                    ),
                ));
            }
            start = next.digits();
            below = next.below();
        }
        Ok(AreaCode(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> CodeLevel {
        CodeLevel::of_length(self.0.len()).unwrap_or(CodeLevel::Subgrid)
    }

    /// The code one level up; none for a county.
    pub fn parent(&self) -> Option<AreaCode> {
        let up = match self.level() {
            CodeLevel::County => return None,
            CodeLevel::Street => CodeLevel::County,
            CodeLevel::Community => CodeLevel::Street,
            CodeLevel::Grid => CodeLevel::Community,
            CodeLevel::Subgrid => CodeLevel::Grid,
        };
        Some(AreaCode(self.0[..up.digits()].to_owned()))
    }

    /// Whether this code lies within `other` (is it, or under it).
    pub fn is_within(&self, other: &AreaCode) -> bool {
        self.0.starts_with(&other.0)
    }

    /// The code of the `sequence`-th place one level down (1–999).
    pub fn child(&self, sequence: u32) -> Result<AreaCode, Invalid> {
        if self.level() == CodeLevel::Subgrid {
            return Err(Invalid::new(
                "code",
                "a subgrid's code has no level below it",
            ));
        }
        if !(1..=999).contains(&sequence) {
            return Err(Invalid::new("sequence", "must be between 1 and 999"));
        }
        Ok(AreaCode(format!("{}{sequence:03}", self.0)))
    }
}

impl std::fmt::Display for AreaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
