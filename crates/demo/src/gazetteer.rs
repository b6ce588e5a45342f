//! The demo district's gazetteer: a road, a residential compound with its buildings and a
//! few landmarks in every community, each at a point inside the community's grids and
//! placed in the polygon that holds it — what the console's and portal's address
//! completion search.

use std::sync::Arc;

use civicgrid::error::ApiResult;
use civicgrid_domain::Instant;
use civicgrid_domain::gazetteer::{NewEntry, PlaceKind};
use civicgrid_domain::request::Location;
use civicgrid_store::{GazetteerImport, Store};

use crate::district::District;

/// Compound names' endings, in turn.
const COMPOUND: &[&str] = &["小区", "花园", "家园", "新村", "公寓"];
/// Landmarks, one or two per community in turn.
const LANDMARKS: &[&str] = &["小学", "幼儿园", "菜市场", "卫生服务站", "公园", "派出所"];

/// Writes the demo gazetteer (replacing any) and returns how many entries it holds.
pub async fn build_gazetteer(
    store: &Arc<dyn Store>,
    district: &District,
    now: Instant,
) -> ApiResult<usize> {
    let units = store.list_units(true).await?;
    let places = civicgrid::state::place_index(&units, store.list_layers().await?);
    let name_of = |id| {
        units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.trim_end_matches("社区").to_owned())
            .unwrap_or_default()
    };
    let mut entries = Vec::new();
    let mut add = |kind, name: String, parent: Option<String>, houses, lng: f64, lat: f64| {
        let location = Location { lat, lng };
        entries.push(GazetteerImport {
            area: places.place(lat, lng),
            entry: NewEntry {
                kind,
                name,
                parent,
                houses,
                location,
            },
        });
    };
    for (index, (community, _street)) in district.communities.iter().enumerate() {
        let stem = name_of(*community);
        let boxes: Vec<[f64; 4]> = district
            .grids
            .iter()
            .filter(|g| g.1 == *community)
            .map(|g| g.3)
            .collect();
        let Some(first) = boxes.first() else { continue };
        let at =
            |b: &[f64; 4], fx: f64, fy: f64| (b[0] + (b[2] - b[0]) * fx, b[1] + (b[3] - b[1]) * fy);
        let (x, y) = at(first, 0.5, 0.1);
        let last_house = 40 + (index as u32 * 37) % 260;
        add(
            PlaceKind::Road,
            format!("{stem}路"),
            None,
            Some((1, last_house)),
            x,
            y,
        );
        let compound = format!("{stem}{}", COMPOUND[index % COMPOUND.len()]);
        let home = boxes.get(1).unwrap_or(first);
        let (x, y) = at(home, 0.5, 0.5);
        add(PlaceKind::Compound, compound.clone(), None, None, x, y);
        let buildings = 4 + index % 5;
        for b in 0..buildings {
            let (x, y) = at(
                home,
                0.2 + 0.6 * (b % 3) as f64 / 2.0,
                0.2 + 0.6 * (b / 3) as f64 / 2.0,
            );
            add(
                PlaceKind::Building,
                format!("{}号楼", b + 1),
                Some(compound.clone()),
                None,
                x,
                y,
            );
        }
        for k in 0..(1 + index % 2) {
            let landmark = LANDMARKS[(index + k * 3) % LANDMARKS.len()];
            let spot = boxes.last().unwrap_or(first);
            let (x, y) = at(spot, 0.3 + 0.4 * k as f64, 0.8);
            add(
                PlaceKind::Landmark,
                format!("{stem}{landmark}"),
                None,
                None,
                x,
                y,
            );
        }
    }
    Ok(store.replace_gazetteer(entries, now).await?)
}
