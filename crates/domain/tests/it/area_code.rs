//! Place codes (GB/T 30428 on GB/T 2260): what parses, what is refused and why, the
//! hierarchy the digits carry; and every code of the real Suzhou Industrial Park layers.

use civicgrid_domain::area_code::{AreaCode, CodeLevel};

fn code(raw: &str) -> AreaCode {
    AreaCode::parse("code", raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"))
}

fn refused(raw: &str) -> String {
    AreaCode::parse("grid_code", raw).unwrap_err().message
}

#[test]
fn codes_of_every_level_parse_and_know_their_parents() {
    let grid = code(" 320505006023001 ");
    assert_eq!(grid.as_str(), "320505006023001");
    assert_eq!(grid.to_string(), "320505006023001");
    assert_eq!(grid.level(), CodeLevel::Grid);
    let community = grid.parent().unwrap();
    assert_eq!(community, code("320505006023"));
    assert_eq!(community.level(), CodeLevel::Community);
    let street = community.parent().unwrap();
    assert_eq!(
        (street.as_str(), street.level()),
        ("320505006", CodeLevel::Street)
    );
    let county = street.parent().unwrap();
    assert_eq!(
        (county.as_str(), county.level()),
        ("320505", CodeLevel::County)
    );
    assert_eq!(county.parent(), None);
    assert!(grid.is_within(&county) && grid.is_within(&grid));
    assert!(!grid.is_within(&code("320505006024")));
    assert!(!county.is_within(&grid));
    // Full-width digits, as typed on a Chinese keyboard, are the same code.
    assert_eq!(code("３２０５０５００６"), street);
    assert_eq!(
        CodeLevel::ALL
            .iter()
            .map(|l| l.digits())
            .collect::<Vec<_>>(),
        [6, 9, 12, 15, 18]
    );
    // A subgrid (civicgrid's extension) hangs under its grid.
    let subgrid = code("320505006023001002");
    assert_eq!(subgrid.level(), CodeLevel::Subgrid);
    assert_eq!(subgrid.parent(), Some(grid.clone()));
    assert_eq!(grid.child(2).unwrap(), subgrid);
}

#[test]
fn a_code_must_name_a_real_province_and_count_from_001() {
    assert!(refused("32050500602300").contains("not 14"));
    assert!(refused("3205050060075010").contains("not 16"));
    assert!(refused("32050500602300x").contains("digits only"));
    assert!(refused("").contains("digits only"));
    assert!(refused("990505006023001").contains("province"));
    assert!(refused("100505").contains("province"));
    assert!(refused("320000006023001").contains("county"));
    assert!(refused("320505000023001").contains("street part (digits 7–9)"));
    assert!(refused("320505006000001").contains("community part (digits 10–12)"));
    assert!(refused("320505006023000").contains("grid part (digits 13–15)"));
    assert!(refused("320505006023001000").contains("subgrid part (digits 16–18)"));
    assert!(refused("3205050060230010011").contains("18 (subgrid) digits, not 19"));
    assert_eq!(
        AreaCode::parse("grid_code", "1").unwrap_err().field,
        "grid_code"
    );
    // Every province of GB/T 2260, and nothing between them.
    for province in [
        "11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82",
    ] {
        assert!(
            AreaCode::parse("c", &format!("{province}0101")).is_ok(),
            "{province}"
        );
    }
    for nowhere in [
        "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70", "72", "80",
        "83", "99",
    ] {
        assert!(
            AreaCode::parse("c", &format!("{nowhere}0101")).is_err(),
            "{nowhere}"
        );
    }
}

#[test]
fn children_are_numbered_one_level_down() {
    let street = code("320505006");
    assert_eq!(street.child(23).unwrap(), code("320505006023"));
    assert_eq!(street.child(999).unwrap().as_str(), "320505006999");
    assert_eq!(street.child(0).unwrap_err().field, "sequence");
    assert_eq!(street.child(1000).unwrap_err().field, "sequence");
    assert!(code("320505006023001002").child(1).is_err());
    assert_eq!(code("320505").child(1).unwrap().level(), CodeLevel::Street);
}

/// The codes in one property of a GeoJSON file, read without a JSON library (the rules
/// crate has none): every `"KEY": "…"` or `"KEY": 123…` value.
fn codes_in(text: &str, key: &str) -> Vec<String> {
    let needle = format!("\"{key}\":");
    text.match_indices(&needle)
        .map(|(at, _)| {
            text[at + needle.len()..]
                .trim_start()
                .trim_start_matches('"')
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect()
        })
        .collect()
}

#[test]
fn the_real_suzhou_industrial_park_codes_parse_under_their_parents() {
    let layers = [
        ("sip_streets.geojson", "street_code", CodeLevel::Street, 5),
        (
            "sip_communities.geojson",
            "community_code",
            CodeLevel::Community,
            179,
        ),
        (
            "sip_grids_comprehensive.geojson",
            "grid_code",
            CodeLevel::Grid,
            826,
        ),
        (
            "sip_grids_exclusive.geojson",
            "grid_code",
            CodeLevel::Grid,
            475,
        ),
    ];
    let mut bad = Vec::new();
    for (file, key, level, count) in layers {
        let Some(path) = crate::shared_data(&format!("grids-suzhou-sip/{file}")) else {
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let codes = codes_in(&text, key);
        assert_eq!(codes.len(), count, "{file}");
        // Each feature also names its parents' codes: its own code must lie under them.
        let parents = match level {
            CodeLevel::Grid => codes_in(&text, "community_code"),
            CodeLevel::Community => codes_in(&text, "street_code"),
            _ => Vec::new(),
        };
        for (i, raw) in codes.iter().enumerate() {
            match AreaCode::parse(key, raw) {
                Ok(parsed) => {
                    assert_eq!(parsed.level(), level, "{raw}");
                    if let Some(parent) = parents.get(i) {
                        assert!(parsed.is_within(&code(parent)), "{raw} under {parent}");
                        assert_eq!(parsed.parent().unwrap(), code(parent));
                    }
                }
                Err(e) => bad.push((raw.clone(), e.message)),
            }
        }
    }
    // The one malformed code of the real data: 16 digits, an exclusive grid's "10" run on.
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].0, "3205050060075010");
    assert!(bad[0].1.contains("not 16"));
}
