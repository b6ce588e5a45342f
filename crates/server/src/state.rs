//! The application's shared state: the store, the clock, and in-memory copies of the small,
//! rarely changing tables (organisation tree, categories, routing rules) that every request
//! consults. The copies are reloaded after every change made through this instance and
//! whenever a lookup misses, so a second instance's change is seen at the latest on the
//! first reference to it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use civicgrid_domain::appraisal::Config as AppraisalConfig;
use civicgrid_domain::calendar::{Calendar, Calendars, Official};
use civicgrid_domain::org::{OrgTree, Unit, UnitKind};
use civicgrid_domain::routing::RoutingRule;
use civicgrid_domain::{CategoryId, UnitId};
use civicgrid_store::{CategoryRow, Store};
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Polygon, Rect};

use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};

/// Grid and subgrid polygons, to find the area a location falls in.
#[derive(Default)]
pub struct AreaIndex {
    shapes: Vec<(UnitId, UnitKind, Rect<f64>, MultiPolygon<f64>)>,
}

impl AreaIndex {
    pub fn build(units: &[civicgrid_store::UnitRow]) -> Self {
        let mut shapes = Vec::new();
        for unit in units {
            let Some(text) = &unit.geometry else { continue };
            let Some(shape) = parse_geometry(text) else {
                continue;
            };
            if let Some(rect) = shape.bounding_rect() {
                shapes.push((unit.id, unit.kind, rect, shape));
            }
        }
        AreaIndex { shapes }
    }

    /// Every unit with a shape, with its kind and shape.
    pub fn shapes(&self) -> impl Iterator<Item = (UnitId, UnitKind, &MultiPolygon<f64>)> {
        self.shapes
            .iter()
            .map(|(id, kind, _, shape)| (*id, *kind, shape))
    }

    /// The smallest territorial unit containing the point: a subgrid beats its grid.
    pub fn locate(&self, lat: f64, lng: f64) -> Option<UnitId> {
        let point = Point::new(lng, lat);
        let coord = Coord { x: lng, y: lat };
        let mut best: Option<(UnitId, UnitKind)> = None;
        for (id, kind, rect, shape) in &self.shapes {
            if !rect.contains(&coord) || !shape.contains(&point) {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, k)) => *kind == UnitKind::Subgrid && k != UnitKind::Subgrid,
            };
            if better {
                best = Some((*id, *kind));
            }
        }
        best.map(|(id, _)| id)
    }
}

/// Reads a GeoJSON Polygon or MultiPolygon geometry.
pub fn parse_geometry(text: &str) -> Option<MultiPolygon<f64>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let ring = |ring: &serde_json::Value| -> Option<Vec<Coord<f64>>> {
        ring.as_array()?
            .iter()
            .map(|p| {
                let p = p.as_array()?;
                Some(Coord {
                    x: p.first()?.as_f64()?,
                    y: p.get(1)?.as_f64()?,
                })
            })
            .collect()
    };
    let polygon = |rings: &serde_json::Value| -> Option<Polygon<f64>> {
        let rings = rings.as_array()?;
        let exterior = ring(rings.first()?)?;
        if exterior.len() < 4 {
            return None;
        }
        let holes = rings[1..]
            .iter()
            .map(|r| ring(r).map(geo::LineString::from))
            .collect::<Option<Vec<_>>>()?;
        Some(Polygon::new(geo::LineString::from(exterior), holes))
    };
    match value.get("type")?.as_str()? {
        "Polygon" => Some(MultiPolygon::new(vec![polygon(value.get("coordinates")?)?])),
        "MultiPolygon" => {
            let polys = value
                .get("coordinates")?
                .as_array()?
                .iter()
                .map(polygon)
                .collect::<Option<Vec<_>>>()?;
            Some(MultiPolygon::new(polys))
        }
        _ => None,
    }
}

/// The cached reference tables.
pub struct Reference {
    pub org: Arc<OrgTree>,
    pub categories: Vec<CategoryRow>,
    pub category_by_code: HashMap<String, CategoryId>,
    pub rules: Vec<RoutingRule>,
    pub areas: AreaIndex,
    /// Deadline policies in force.
    pub policies: Vec<civicgrid_store::Policy>,
    /// The district calendar: the shipped official days plus those added by administrators.
    pub calendars: Calendars,
    pub appraisal: AppraisalConfig,
    /// See `ensure_sample_salt`.
    pub sample_salt: String,
}

impl Default for Reference {
    fn default() -> Self {
        Reference {
            org: Arc::default(),
            categories: Vec::new(),
            category_by_code: HashMap::new(),
            rules: Vec::new(),
            areas: AreaIndex::default(),
            policies: Vec::new(),
            calendars: Calendars::new(Calendar::official()),
            appraisal: AppraisalConfig::default(),
            sample_salt: String::new(),
        }
    }
}

impl Reference {
    pub fn category(&self, id: CategoryId) -> Option<&CategoryRow> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// A category and its parents, nearest first (for policy matching and routing).
    pub fn category_chain(&self, category: Option<CategoryId>) -> Vec<CategoryId> {
        let mut chain = Vec::new();
        let mut cursor = category;
        while let Some(id) = cursor {
            if chain.contains(&id) {
                break;
            }
            chain.push(id);
            cursor = self.category(id).and_then(|c| c.parent);
        }
        chain
    }
}

/// The settings key of the deployment's secret salt for drawing sampled callbacks.
pub const SAMPLE_SALT_SETTING: &str = "sample_salt";

/// The deployment's sampling salt, made (random) and stored on first use.
pub async fn ensure_sample_salt(store: &dyn civicgrid_store::Store) -> ApiResult<String> {
    if let Some(salt) = store.get_setting(SAMPLE_SALT_SETTING).await? {
        return Ok(salt);
    }
    Ok(store
        .init_setting(SAMPLE_SALT_SETTING, &crate::auth::new_token())
        .await?)
}

/// The settings key of the appraisal configuration (JSON of `api::AppraisalConfig`).
pub const APPRAISAL_SETTING: &str = "appraisal";

/// The stored appraisal configuration, or the default when none was saved.
pub fn appraisal_from_setting(raw: Option<&str>) -> AppraisalConfig {
    let Some(raw) = raw else {
        return AppraisalConfig::default();
    };
    let parsed: Option<civicgrid_api::AppraisalConfig> = serde_json::from_str(raw).ok();
    parsed
        .and_then(|c| {
            AppraisalConfig::parse(
                &c.weights,
                c.min_sample,
                c.basically_satisfied_credit,
                c.accountability_penalty,
                c.sample_percent,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// The shipped calendar with the official days administrators added.
pub fn calendar_with(added: &[civicgrid_store::OfficialDayRow]) -> Calendar {
    let more = added
        .iter()
        .map(|d| {
            let day = if d.kind == "off" {
                Official::Holiday(d.name.clone())
            } else {
                Official::MakeUpWorkday(d.name.clone())
            };
            (d.day, day)
        })
        .collect();
    Calendar::official().with_official(more)
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    reference: RwLock<Arc<Reference>>,
    /// How long a login token stays valid.
    pub session_hours: i64,
    pub sessions: crate::auth::SessionCache,
    /// Limits on sign-in and public tracking attempts.
    pub throttle: crate::throttle::Throttle,
}

impl AppState {
    pub async fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> ApiResult<Arc<Self>> {
        let state = Arc::new(AppState {
            store,
            clock,
            reference: RwLock::new(Arc::default()),
            session_hours: 12,
            sessions: Default::default(),
            throttle: Default::default(),
        });
        state.reload().await?;
        Ok(state)
    }

    pub fn now(&self) -> civicgrid_domain::Instant {
        self.clock.now()
    }

    pub fn reference(&self) -> Arc<Reference> {
        self.reference.read().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn org(&self) -> Arc<OrgTree> {
        self.reference().org.clone()
    }

    /// Reloads the reference tables from the store.
    pub async fn reload(&self) -> ApiResult<()> {
        let units = self.store.list_units(true).await?;
        let areas = AreaIndex::build(&units);
        let org = OrgTree::new(units.into_iter().map(|u| Unit {
            id: u.id,
            name: u.name,
            kind: u.kind,
            parent: u.parent,
            lines: u.lines,
        }));
        let categories = self.store.list_categories().await?;
        let category_by_code = categories.iter().map(|c| (c.code.clone(), c.id)).collect();
        let rules = self.store.list_routing_rules().await?;
        let policies = self.store.list_policies().await?;
        let calendars = Calendars::new(calendar_with(&self.store.official_days().await?));
        let appraisal =
            appraisal_from_setting(self.store.get_setting(APPRAISAL_SETTING).await?.as_deref());
        let sample_salt = ensure_sample_salt(self.store.as_ref()).await?;
        let fresh = Arc::new(Reference {
            org: Arc::new(org),
            categories,
            category_by_code,
            rules,
            areas,
            policies,
            calendars,
            appraisal,
            sample_salt,
        });
        let mut slot = self
            .reference
            .write()
            .map_err(|_| ApiError::internal("reference lock poisoned"))?;
        *slot = fresh;
        Ok(())
    }

    /// Reloads only what the clock rules read (policies, calendar days, appraisal
    /// settings): cheap enough for every sweep, so another instance's edits take effect
    /// here within one sweep interval.
    pub async fn reload_rules(&self) -> ApiResult<()> {
        let policies = self.store.list_policies().await?;
        let calendars = Calendars::new(calendar_with(&self.store.official_days().await?));
        let appraisal =
            appraisal_from_setting(self.store.get_setting(APPRAISAL_SETTING).await?.as_deref());
        let current = self.reference();
        if current.policies == policies
            && current.calendars == calendars
            && current.appraisal == appraisal
        {
            return Ok(());
        }
        // Other tables changed rarely and are reloaded on a miss; take them all at once.
        self.reload().await
    }

    /// The unit, reloading once if this instance has not seen it yet.
    pub async fn unit(&self, id: UnitId, field: &str) -> ApiResult<Unit> {
        if let Some(unit) = self.org().get(id) {
            return Ok(unit.clone());
        }
        self.reload().await?;
        self.org()
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::field(field, format!("unit {id} does not exist")))
    }
}
