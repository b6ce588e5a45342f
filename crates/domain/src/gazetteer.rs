//! The address gazetteer (地名地址库): roads with their house-number ranges, residential
//! compounds (小区) and their buildings, other buildings and landmarks, each with a point
//! and the grid it lies in; and the search an operator's typing runs against it — partial
//! Chinese text or pinyin initials (`jhj` for 锦华街), with a house number on a road
//! (`锦华街12号`) resolved against the road's range.

use crate::error::Invalid;
use crate::ids::UnitId;
use crate::request::Location;
use crate::word_enum;

word_enum! {
    /// What a gazetteer entry names.
    pub enum PlaceKind {
        /// A road or street, with the house numbers it carries.
        Road = "road",
        /// A residential compound (小区).
        Compound = "compound",
        /// A building, standing alone or in a compound.
        Building = "building",
        /// A landmark: a school, hospital, market, station, park.
        Landmark = "landmark",
    }
}

/// One entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub kind: PlaceKind,
    pub name: String,
    /// The compound a building belongs to.
    pub parent: Option<i64>,
    /// A road's house numbers, first and last.
    pub houses: Option<(u32, u32)>,
    pub location: Location,
    /// The unit whose polygon holds the point, when one does.
    pub area: Option<UnitId>,
}

/// An entry as an import reads it, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub kind: PlaceKind,
    pub name: String,
    /// The compound's name, for a building in one.
    pub parent: Option<String>,
    pub houses: Option<(u32, u32)>,
    pub location: Location,
}

/// Checks one row of a gazetteer file: its kind, a name of 1–60 characters, a house range
/// only on roads and in order, a compound only for buildings, a point in WGS84.
pub fn parse_entry(
    kind: &str,
    name: &str,
    parent: &str,
    houses: (&str, &str),
    lat: &str,
    lng: &str,
) -> Result<NewEntry, Invalid> {
    let kind = PlaceKind::parse(kind.trim()).ok_or_else(|| {
        Invalid::new(
            "kind",
            format!("must be one of {}", PlaceKind::words().join(", ")),
        )
    })?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Invalid::new("name", "must be 1–60 characters"));
    }
    let parent = Some(parent.trim()).filter(|p| !p.is_empty());
    if parent.is_some() && kind != PlaceKind::Building {
        return Err(Invalid::new("parent", "only a building lies in a compound"));
    }
    let number = |field: &str, raw: &str| -> Result<Option<u32>, Invalid> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse::<u32>()
            .ok()
            .filter(|n| (1..=99_999).contains(n))
            .map(Some)
            .ok_or_else(|| Invalid::new(field, "must be a house number from 1 to 99999"))
    };
    let houses = match (
        number("house_from", houses.0)?,
        number("house_to", houses.1)?,
    ) {
        (None, None) => None,
        (Some(from), Some(to)) if kind == PlaceKind::Road && from <= to => Some((from, to)),
        (Some(_), Some(_)) if kind == PlaceKind::Road => {
            return Err(Invalid::new("house_to", "must not be below house_from"));
        }
        (Some(_), Some(_)) => {
            return Err(Invalid::new("house_from", "only roads carry house numbers"));
        }
        (Some(_), None) => return Err(Invalid::new("house_to", "is required with house_from")),
        (None, Some(_)) => return Err(Invalid::new("house_from", "is required with house_to")),
    };
    let degrees = |field: &str, raw: &str| -> Result<f64, Invalid> {
        raw.trim()
            .parse::<f64>()
            .map_err(|_| Invalid::new(field, "must be a number of degrees"))
    };
    let location = Location::parse(degrees("lat", lat)?, degrees("lng", lng)?)
        .map_err(|e| Invalid::new(e.field.trim_start_matches("location."), e.message))?;
    Ok(NewEntry {
        kind,
        name: name.to_owned(),
        parent: parent.map(str::to_owned),
        houses,
        location,
    })
}

/// The pinyin initials of a name, lowercase (`锦华街` → `jhj`); letters and digits kept as
/// they are (lowercased), everything else dropped. Polyphonic characters take every
/// reading's initial they have, so `重庆路` is found by `cql` and by `zql`.
pub fn initials(name: &str) -> Vec<String> {
    use pinyin::ToPinyinMulti;
    let mut keys = vec![String::new()];
    for c in name.chars() {
        let readings: Vec<char> = match c.to_pinyin_multi() {
            Some(multi) => {
                let mut firsts: Vec<char> = multi
                    .into_iter()
                    .filter_map(|p| p.first_letter().chars().next())
                    .collect();
                firsts.dedup();
                firsts
            }
            None if c.is_ascii_alphanumeric() => vec![c.to_ascii_lowercase()],
            None => continue,
        };
        if readings.is_empty() {
            continue;
        }
        // Keep the number of spellings small: at most 4 variants of a name.
        let mut next = Vec::new();
        for key in &keys {
            for r in &readings {
                if next.len() < 4 {
                    next.push(format!("{key}{r}"));
                }
            }
        }
        keys = next;
    }
    keys
}

/// One search result: the entry, the house number matched on a road, and how well it
/// matched (lower is better).
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    pub entry: &'a Entry,
    pub house: Option<u32>,
    pub rank: u8,
}

/// The gazetteer, held in memory with each entry's search keys.
#[derive(Debug, Default)]
pub struct Gazetteer {
    entries: Vec<Entry>,
    /// Per entry: its name's initials spellings.
    initials: Vec<Vec<String>>,
    /// Per entry: its full name (a building's compound before it), for text matches.
    full: Vec<String>,
    /// Entry id → position, so a result's full name is found without a scan.
    by_id: std::collections::HashMap<i64, usize>,
}

/// Splits `锦华街12号` into the name part and a house number; `None` without a number.
fn house_number(query: &str) -> (String, Option<u32>) {
    let trimmed = query.trim().trim_end_matches(['号', '#']);
    let digits: String = trimmed
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if digits.is_empty() || digits.len() == trimmed.len() {
        return (query.trim().to_owned(), None);
    }
    let name = trimmed[..trimmed.len() - digits.len()].to_owned();
    (name, digits.parse().ok())
}

impl Gazetteer {
    pub fn new(entries: Vec<Entry>) -> Self {
        let names: std::collections::HashMap<i64, String> =
            entries.iter().map(|e| (e.id, e.name.clone())).collect();
        let full = entries
            .iter()
            .map(|e| match e.parent.and_then(|p| names.get(&p)) {
                Some(compound) => format!("{compound}{}", e.name),
                None => e.name.clone(),
            })
            .collect();
        let initials = entries.iter().map(|e| initials(&e.name)).collect();
        let by_id = entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        Gazetteer {
            entries,
            initials,
            full,
            by_id,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: i64) -> Option<&Entry> {
        self.by_id.get(&id).map(|i| &self.entries[*i])
    }

    /// A building's full name (its compound's name first).
    pub fn full_name<'a>(&'a self, entry: &'a Entry) -> &'a str {
        self.by_id
            .get(&entry.id)
            .map_or(entry.name.as_str(), |i| self.full[*i].as_str())
    }

    /// The entries matching what was typed, best first: a name that starts with the text,
    /// then one that contains it, then pinyin initials that start with it, then initials
    /// that contain it; shorter full names first within a rank. A trailing house number keeps
    /// roads whose range holds it (and reports the number). Fewer than one character of
    /// query finds nothing.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Found<'_>> {
        let (text, house) = house_number(query);
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() {
            return Vec::new();
        }
        let lower = text.to_lowercase();
        let latin = lower.chars().all(|c| c.is_ascii_alphanumeric());
        let mut found: Vec<(usize, Found<'_>)> = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let full = &self.full[i];
            let rank = if entry.name.starts_with(&text) || full.starts_with(&text) {
                0
            } else if full.contains(&text) {
                1
            } else if latin && self.initials[i].iter().any(|k| k.starts_with(&lower)) {
                2
            } else if latin
                && lower.len() >= 2
                && self.initials[i].iter().any(|k| k.contains(&lower))
            {
                3
            } else {
                continue;
            };
            let house = match (house, entry.houses) {
                (None, _) => None,
                (Some(n), Some((from, to))) if (from..=to).contains(&n) => Some(n),
                // A number outside the road's range, or on something that is not a road:
                // the text alone matched, the number did not.
                (Some(_), _) => continue,
            };
            found.push((self.full[i].chars().count(), Found { entry, house, rank }));
        }
        found.sort_by_key(|(length, f)| (f.rank, *length, f.entry.id));
        found.into_iter().take(limit).map(|(_, f)| f).collect()
    }

    /// The point of the one entry whose address is exactly what was written (spaces
    /// aside; a road's house number with or without 号): an address typed in full finds
    /// its place without a map. Two entries with the same address, or none, find nothing.
    pub fn locate(&self, address: &str) -> Option<Location> {
        let wanted: String = address.chars().filter(|c| !c.is_whitespace()).collect();
        let wanted = wanted.trim_end_matches('号');
        if wanted.is_empty() {
            return None;
        }
        let mut hits = self
            .search(address, usize::MAX)
            .into_iter()
            .filter(|found| {
                let full = self.full_name(found.entry);
                match found.house {
                    Some(n) => format!("{full}{n}") == wanted,
                    None => full.trim_end_matches('号') == wanted,
                }
            });
        let first = hits.next()?;
        hits.next().is_none().then_some(first.entry.location)
    }
}
