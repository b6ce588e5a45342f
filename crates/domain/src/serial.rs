//! Serial numbers a citizen can read over the phone: the local date of intake and a
//! six-digit sequence of that day, `YYYYMMDDNNNNNN` (14 digits, e.g. `20261122000123`).
//! Megacity hotlines take about 60,000 contacts a day, well inside six digits.

use chrono::NaiveDate;

use crate::error::Invalid;

/// The largest sequence number one day can hold.
pub const MAX_DAILY_SEQUENCE: u32 = 999_999;

pub fn format(date: NaiveDate, sequence: u32) -> String {
    format!("{}{:06}", date.format("%Y%m%d"), sequence)
}

/// Accepts a serial as typed: digits, tolerating spaces and dashes a person may add.
pub fn parse(raw: &str) -> Result<String, Invalid> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() != 14 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new("serial", "must be 14 digits"));
    }
    if NaiveDate::parse_from_str(&digits[..8], "%Y%m%d").is_err() {
        return Err(Invalid::new("serial", "does not start with a valid date"));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_round_trip() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let serial = format(date, 123);
        assert_eq!(serial, "20261122000123");
        assert_eq!(parse("2026-1122-000123").unwrap(), serial);
        assert!(parse("20261322000123").is_err());
        assert!(parse("2026112200012").is_err());
    }
}
