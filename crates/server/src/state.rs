//! The application's shared state: the store, the clock, and in-memory copies of the small,
//! rarely changing tables (organisation tree, categories, routing rules, policies, the
//! calendar, settings; and signed-in sessions) that every request consults.
//!
//! The copies are coherent across instances: every write to such a table bumps a change
//! counter in the database in the same transaction (`Store::generations`), and `refresh`,
//! which runs before every request is handled, compares the counters with the ones the
//! copies were loaded at and reloads what changed. So a change made through one instance
//! holds on every other from the next request on, at the cost of one small read per request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::FixedOffset;
use civicgrid_domain::appraisal::Config as AppraisalConfig;
use civicgrid_domain::calendar::{Calendar, Calendars, Official};
use civicgrid_domain::geography::{Layer, PlaceIndex, Placed};
use civicgrid_domain::lifecycle::Rules as CaseRules;
use civicgrid_domain::org::{OrgTree, Unit};
use civicgrid_domain::routing::RoutingRule;
use civicgrid_domain::{CategoryId, UnitId};
use civicgrid_store::{CategoryRow, Generations, Store};

use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};

/// The place index of the units' polygons: units in a known layer, not disabled (no new
/// work is placed in a dissolved grid).
pub fn place_index(units: &[civicgrid_store::UnitRow], layers: Vec<Layer>) -> PlaceIndex {
    let shapes = units
        .iter()
        .filter(|u| !u.disabled)
        .filter_map(|u| {
            Some(Placed {
                unit: u.id,
                layer: u.layer.clone()?,
                shape: crate::geojson::parse_geometry(u.geometry.as_deref()?)?,
            })
        })
        .collect();
    PlaceIndex::new(layers, shapes)
}

/// Units' national place codes, by unit and by code.
#[derive(Default)]
pub struct Codes {
    by_unit: HashMap<UnitId, String>,
    by_code: HashMap<String, UnitId>,
}

impl Codes {
    pub fn of(units: &[civicgrid_store::UnitRow]) -> Self {
        let mut codes = Codes::default();
        for unit in units {
            if let Some(code) = &unit.code {
                codes.by_unit.insert(unit.id, code.clone());
                codes.by_code.insert(code.clone(), unit.id);
            }
        }
        codes
    }

    pub fn code(&self, unit: UnitId) -> Option<&str> {
        self.by_unit.get(&unit).map(String::as_str)
    }

    pub fn unit(&self, code: &str) -> Option<UnitId> {
        self.by_code.get(code).copied()
    }
}

/// The cached reference tables.
pub struct Reference {
    pub org: Arc<OrgTree>,
    pub categories: Vec<CategoryRow>,
    pub category_by_code: HashMap<String, CategoryId>,
    pub rules: Vec<RoutingRule>,
    /// Every layer's polygons, indexed for "which grids contain this point".
    pub places: PlaceIndex,
    /// Units' national place codes, both ways.
    pub codes: Codes,
    /// The address gazetteer, searched as operators and citizens type.
    pub gazetteer: Arc<civicgrid_domain::gazetteer::Gazetteer>,
    /// Deadline policies in force.
    pub policies: Vec<civicgrid_store::Policy>,
    /// The district calendar: the shipped official days plus those added by administrators.
    pub calendars: Calendars,
    pub appraisal: AppraisalConfig,
    /// The hub's rules that are numbers (return windows, callback attempts).
    pub case_rules: CaseRules,
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
            places: PlaceIndex::default(),
            codes: Codes::default(),
            gazetteer: Arc::default(),
            policies: Vec::new(),
            calendars: Calendars::new(Calendar::official()),
            appraisal: AppraisalConfig::default(),
            case_rules: CaseRules::default(),
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
        .init_setting(SAMPLE_SALT_SETTING, &crate::session::new_token())
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
            .map(|config| {
                config.excluding(
                    c.satisfaction_excluded
                        .iter()
                        .copied()
                        .map(CategoryId)
                        .collect(),
                )
            })
        })
        .unwrap_or_default()
}

/// The appraisal configuration in the shape it is stored in (and shown on the wire).
pub fn appraisal_record(config: &AppraisalConfig) -> civicgrid_api::AppraisalConfig {
    civicgrid_api::AppraisalConfig {
        weights: config.weights.clone(),
        min_sample: config.min_sample,
        basically_satisfied_credit: config.basically_satisfied_credit,
        accountability_penalty: config.accountability_penalty,
        sample_percent: f64::from(config.sample_per_mille) / 10.0,
        satisfaction_excluded: config.satisfaction_excluded.iter().map(|c| c.0).collect(),
    }
}

/// The stored text of an appraisal configuration (`appraisal_from_setting` reads it).
pub fn appraisal_to_setting(config: &AppraisalConfig) -> crate::error::ApiResult<String> {
    serde_json::to_string(&appraisal_record(config)).map_err(crate::error::ApiError::internal)
}

/// The settings key of the hub's rules (JSON of `api::RulesConfig`).
pub const RULES_SETTING: &str = "rules";

/// The stored rules, or the defaults when none were saved.
pub fn rules_from_setting(raw: Option<&str>) -> CaseRules {
    raw.and_then(|raw| serde_json::from_str::<civicgrid_api::RulesConfig>(raw).ok())
        .and_then(|c| rules_from_record(&c).ok())
        .unwrap_or_default()
}

/// The rules a stored or submitted record says, every bad field named: the one parse of
/// the setting, the API's body and the admin page's form.
pub fn rules_from_record(
    c: &civicgrid_api::RulesConfig,
) -> Result<CaseRules, civicgrid_domain::Invalid> {
    CaseRules::parse(
        c.return_window_days,
        c.return_window_days_complex,
        c.callback_attempts,
        c.designate_after,
    )?
    .with_targets(c.target_response_days, c.target_resolution_days)?
    .with_reply_review(&c.reply_review)?
    .with_frequent_callers(c.frequent_caller_calls, c.frequent_caller_days)
}

/// The rules in the shape they are stored in (and shown on the wire).
pub fn rules_record(rules: &CaseRules) -> civicgrid_api::RulesConfig {
    civicgrid_api::RulesConfig {
        return_window_days: i64::from(rules.return_window_days),
        return_window_days_complex: i64::from(rules.return_window_days_complex),
        callback_attempts: i64::from(rules.callback_attempts),
        designate_after: i64::from(rules.designate_after),
        target_response_days: i64::from(rules.target_response_days),
        target_resolution_days: i64::from(rules.target_resolution_days),
        reply_review: rules.reply_review.as_str().into(),
        frequent_caller_calls: i64::from(rules.frequent_caller_calls),
        frequent_caller_days: i64::from(rules.frequent_caller_days),
    }
}

/// The shipped calendar with the official days administrators added.
pub fn calendar_with(zone: FixedOffset, added: &[civicgrid_store::OfficialDayRow]) -> Calendar {
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
    Calendar::official_in(zone).with_official(more)
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    reference: RwLock<Arc<Reference>>,
    /// The change counters the copies were loaded at.
    loaded: std::sync::Mutex<Generations>,
    /// Generation reads begun so far, and (behind the gate) the last one finished: see
    /// `refresh`.
    reads_started: std::sync::atomic::AtomicU64,
    read_gate: tokio::sync::Mutex<u64>,
    /// How long a login token stays valid.
    pub session_hours: i64,
    /// The district's UTC offset (`Config::time_zone`).
    pub time_zone: FixedOffset,
    pub sessions: crate::session::SessionCache,
    /// Limits on sign-in and public tracking attempts.
    pub throttle: crate::throttle::Throttle,
}

impl AppState {
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: crate::config::AppSettings,
    ) -> ApiResult<Arc<Self>> {
        let state = Arc::new(AppState {
            store,
            clock,
            reference: RwLock::new(Arc::default()),
            loaded: std::sync::Mutex::new(Generations::default()),
            reads_started: std::sync::atomic::AtomicU64::new(0),
            read_gate: tokio::sync::Mutex::new(0),
            session_hours: settings.session_hours,
            time_zone: settings.time_zone,
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

    /// Brings the in-memory copies up to date with the database: reloads the reference
    /// tables if another instance (or this one) changed them, and forgets cached sessions
    /// if any session, user or grant changed.
    ///
    /// Concurrent callers share reads: a caller waits for the first read that *started
    /// after it arrived* and is served by it, so a change committed before the caller
    /// arrived is always seen, while a busy instance makes one read per wave of requests
    /// rather than one per request.
    pub async fn refresh(&self) -> ApiResult<()> {
        use std::sync::atomic::Ordering;
        let arrived = self.reads_started.load(Ordering::Acquire);
        let mut finished = self.read_gate.lock().await;
        if *finished > arrived {
            return Ok(());
        }
        let this_read = self.reads_started.fetch_add(1, Ordering::AcqRel) + 1;
        self.refresh_now().await?;
        *finished = this_read;
        Ok(())
    }

    /// `refresh` where several instances may share the database (PostgreSQL). SQLite serves
    /// one instance, which reloads after its own writes; what another process writes to the
    /// file (the `civicgrid calendar` command) is picked up by the sweeper's `refresh`
    /// within one sweep. Checking before every request cost SQLite intake up to a fifth of
    /// its rate (docs/PERFORMANCE.md).
    pub async fn refresh_before_request(&self) -> ApiResult<()> {
        if self.store.backend() == civicgrid_store::Backend::Sqlite {
            return Ok(());
        }
        self.refresh().await
    }

    async fn refresh_now(&self) -> ApiResult<()> {
        let current = self.store.generations().await?;
        let loaded = self.loaded_generations()?;
        if current.sessions != loaded.sessions {
            self.sessions.clear();
            self.set_loaded(|g| g.sessions = current.sessions)?;
        }
        if current.reference != loaded.reference {
            self.reload().await?;
        }
        Ok(())
    }

    fn loaded_generations(&self) -> ApiResult<Generations> {
        self.loaded
            .lock()
            .map(|g| *g)
            .map_err(|_| ApiError::internal("generation lock poisoned"))
    }

    fn set_loaded(&self, change: impl FnOnce(&mut Generations)) -> ApiResult<()> {
        let mut loaded = self
            .loaded
            .lock()
            .map_err(|_| ApiError::internal("generation lock poisoned"))?;
        change(&mut loaded);
        Ok(())
    }

    /// Reloads the reference tables from the store.
    pub async fn reload(&self) -> ApiResult<()> {
        // The counter is read before the tables: a change committed meanwhile leaves the
        // copy marked older than it is, and the next `refresh` loads it again.
        let generation = self.store.generations().await?.reference;
        let units = self.store.list_units(true).await?;
        let places = place_index(&units, self.store.list_layers().await?);
        let codes = Codes::of(&units);
        let gazetteer = Arc::new(civicgrid_domain::gazetteer::Gazetteer::new(
            self.store.gazetteer().await?,
        ));
        let org = OrgTree::new(units.iter().map(civicgrid_store::UnitRow::unit));
        let categories = self.store.list_categories().await?;
        let category_by_code = categories.iter().map(|c| (c.code.clone(), c.id)).collect();
        let rules = self.store.list_routing_rules().await?;
        let policies = self.store.list_policies().await?;
        let calendars = Calendars::new(calendar_with(
            self.time_zone,
            &self.store.official_days().await?,
        ));
        let appraisal =
            appraisal_from_setting(self.store.get_setting(APPRAISAL_SETTING).await?.as_deref());
        let case_rules =
            rules_from_setting(self.store.get_setting(RULES_SETTING).await?.as_deref());
        let sample_salt = ensure_sample_salt(self.store.as_ref()).await?;
        let fresh = Arc::new(Reference {
            org: Arc::new(org),
            categories,
            category_by_code,
            rules,
            places,
            codes,
            gazetteer,
            policies,
            calendars,
            appraisal,
            case_rules,
            sample_salt,
        });
        let mut slot = self
            .reference
            .write()
            .map_err(|_| ApiError::internal("reference lock poisoned"))?;
        *slot = fresh;
        drop(slot);
        self.set_loaded(|g| g.reference = generation)
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
