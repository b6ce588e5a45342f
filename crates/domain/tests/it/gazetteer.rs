//! The gazetteer: rows checked as an import reads them, pinyin initials, and the search
//! an operator's typing runs (Chinese text, initials, a house number on a road).

use civicgrid_domain::UnitId;
use civicgrid_domain::gazetteer::{Entry, Gazetteer, PlaceKind, initials, parse_entry};
use civicgrid_domain::request::Location;

fn entry(id: i64, kind: PlaceKind, name: &str, parent: Option<i64>) -> Entry {
    Entry {
        id,
        kind,
        name: name.into(),
        parent,
        houses: (kind == PlaceKind::Road).then_some((1, 200)),
        location: Location::parse(38.91, 121.62).unwrap(),
        area: Some(UnitId(id * 10)),
    }
}

fn district() -> Gazetteer {
    Gazetteer::new(vec![
        entry(1, PlaceKind::Road, "锦华街", None),
        entry(2, PlaceKind::Road, "锦华北路", None),
        entry(3, PlaceKind::Compound, "锦华小区", None),
        entry(4, PlaceKind::Building, "3号楼", Some(3)),
        entry(5, PlaceKind::Landmark, "西岗区人民医院", None),
        entry(6, PlaceKind::Road, "重庆路", None),
        entry(7, PlaceKind::Landmark, "北京街小学", None),
    ])
}

fn names(found: &[civicgrid_domain::gazetteer::Found<'_>]) -> Vec<i64> {
    found.iter().map(|f| f.entry.id).collect()
}

#[test]
fn chinese_text_finds_prefixes_first_then_contained_names() {
    let g = district();
    assert_eq!(g.len(), 7);
    assert!(!g.is_empty());
    assert!(Gazetteer::default().is_empty());
    // Starting with the text (shorter first), then containing it.
    assert_eq!(names(&g.search("锦华", 10)), [1, 2, 3, 4]);
    assert_eq!(names(&g.search("医院", 10)), [5]);
    // A building is found by its full name, its compound's first.
    assert_eq!(names(&g.search("锦华小区3号楼", 10)), [4]);
    assert_eq!(g.full_name(g.get(4).unwrap()), "锦华小区3号楼");
    assert_eq!(g.full_name(g.get(1).unwrap()), "锦华街");
    // Spaces typed in between do not matter; nothing typed finds nothing.
    assert_eq!(names(&g.search("人民 医院", 10)), [5]);
    assert!(g.search("  ", 10).is_empty());
    assert!(g.search("天津", 10).is_empty());
    assert_eq!(g.search("锦华", 2).len(), 2, "the limit holds");
}

#[test]
fn pinyin_initials_find_names_and_polyphones_take_every_reading() {
    assert_eq!(initials("锦华街"), ["jhj"]);
    assert_eq!(initials("3号楼")[0], "3hl");
    assert!(initials("重庆路").contains(&"cql".to_owned()));
    assert!(initials("重庆路").contains(&"zql".to_owned()));
    // Punctuation drops out; many polyphones make at most four spellings.
    assert_eq!(initials("锦华街(北段)")[0], "jhjbd");
    assert_eq!(initials("重长行").len(), 4);
    let g = district();
    assert_eq!(names(&g.search("jhj", 10)), [1]);
    assert_eq!(names(&g.search("JH", 10)), [1, 2, 3]);
    assert_eq!(names(&g.search("cql", 10)), [6]);
    // Initials inside a name, from two letters on.
    assert_eq!(names(&g.search("yy", 10)), [5]);
    assert!(
        g.search("y", 10).iter().all(|f| f.rank == 2),
        "one letter: prefixes only"
    );
    assert_eq!(g.search("jhj", 10)[0].rank, 2);
    assert_eq!(g.search("锦华街", 10)[0].rank, 0);
    assert_eq!(g.search("华街", 10)[0].rank, 1);
    assert_eq!(g.search("yy", 10)[0].rank, 3);
}

#[test]
fn a_house_number_keeps_the_roads_whose_range_holds_it() {
    let g = district();
    let found = g.search("锦华街12号", 10);
    assert_eq!(names(&found), [1]);
    assert_eq!(found[0].house, Some(12));
    assert_eq!(g.search("锦华街12", 10)[0].house, Some(12));
    // Beyond the road's last number, or on a compound: no match.
    assert!(g.search("锦华街201号", 10).is_empty());
    assert!(g.search("锦华小区5号", 10).is_empty());
    // Without a number, no house is reported.
    assert_eq!(g.search("锦华街", 10)[0].house, None);
    // A query of digits alone is text.
    assert!(g.search("12", 10).is_empty());
    assert_eq!(names(&g.search("3", 10)), [4]);
    assert_eq!(
        g.search("3", 10)[0].rank,
        0,
        "a building's own name starts with it"
    );
}

#[test]
fn rows_are_checked_field_by_field() {
    assert!(parse_entry("road", &"路".repeat(60), "", ("", ""), "38.9", "121.6").is_ok());
    let ok = parse_entry("road", " 锦华街 ", "", ("1", "200"), "38.91", "121.62").unwrap();
    assert_eq!(ok.kind, PlaceKind::Road);
    assert_eq!(ok.name, "锦华街");
    assert_eq!(ok.houses, Some((1, 200)));
    assert_eq!(ok.location, Location::parse(38.91, 121.62).unwrap());
    let building = parse_entry("building", "3号楼", "锦华小区", ("", ""), "38.9", "121.6").unwrap();
    assert_eq!(building.parent.as_deref(), Some("锦华小区"));
    assert_eq!(building.houses, None);
    let field = |r: Result<_, civicgrid_domain::Invalid>| r.unwrap_err().field;
    assert_eq!(
        field(parse_entry("river", "河", "", ("", ""), "38.9", "121.6")),
        "kind"
    );
    assert_eq!(
        field(parse_entry("road", "", "", ("", ""), "38.9", "121.6")),
        "name"
    );
    assert_eq!(
        field(parse_entry(
            "road",
            &"路".repeat(61),
            "",
            ("", ""),
            "38.9",
            "121.6"
        )),
        "name"
    );
    assert_eq!(
        field(parse_entry("road", "路", "小区", ("", ""), "38.9", "121.6")),
        "parent"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("9", "2"), "38.9", "121.6")),
        "house_to"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("2", ""), "38.9", "121.6")),
        "house_to"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("", "2"), "38.9", "121.6")),
        "house_from"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("0", "2"), "38.9", "121.6")),
        "house_from"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("1", "x"), "38.9", "121.6")),
        "house_to"
    );
    assert_eq!(
        field(parse_entry(
            "landmark",
            "学校",
            "",
            ("1", "2"),
            "38.9",
            "121.6"
        )),
        "house_from"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("", ""), "north", "121.6")),
        "lat"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("", ""), "95", "121.6")),
        "lat"
    );
    assert_eq!(
        field(parse_entry("road", "路", "", ("", ""), "38.9", "190")),
        "lng"
    );
    // The same number on both ends is a road of one house.
    assert_eq!(
        parse_entry("road", "路", "", ("7", "7"), "38.9", "121.6")
            .unwrap()
            .houses,
        Some((7, 7))
    );
}

#[test]
fn an_address_written_in_full_locates_its_one_entry() {
    let mut entries = vec![
        entry(1, PlaceKind::Road, "锦华街", None),
        entry(3, PlaceKind::Compound, "锦华小区", None),
        entry(4, PlaceKind::Building, "3号楼", Some(3)),
        entry(5, PlaceKind::Landmark, "西岗区人民医院", None),
    ];
    entries[2].location = Location::parse(38.95, 121.65).unwrap();
    let mut twin = entry(8, PlaceKind::Landmark, "同名公园", None);
    twin.location = Location::parse(38.8, 121.5).unwrap();
    entries.push(twin.clone());
    twin.id = 9;
    entries.push(twin);
    let g = Gazetteer::new(entries);
    let here = Location::parse(38.91, 121.62).unwrap();
    assert_eq!(g.locate("锦华街12号"), Some(here));
    assert_eq!(g.locate("锦华街 12"), Some(here));
    assert_eq!(
        g.locate("锦华小区3号楼"),
        Some(Location::parse(38.95, 121.65).unwrap())
    );
    assert_eq!(g.locate("西岗区人民医院"), Some(here));
    // Part of a name, a number beyond the road, an unknown place, two entries alike.
    assert_eq!(g.locate("锦华"), None);
    assert_eq!(g.locate("锦华街999号"), None);
    assert_eq!(g.locate("天津路1号"), None);
    assert_eq!(g.locate("同名公园"), None);
    assert_eq!(g.locate("  "), None);
}
