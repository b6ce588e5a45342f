//! Unit appraisal (绩效考评): the rates of each unit over a period, computed from counted
//! facts (see `clocks::Fact`), a weighted composite score and a ranking that ignores units
//! below a minimum sample. The formulas' inputs are named facts; the weights, the minimum
//! sample, the credit given to "basically satisfied" and the penalty per accountability
//! record (per 100 dispatched requests) are configuration.
//!
//! The resolution rate comes from the citizen's word at callback (`citizen_resolved`),
//! never from the outcome the unit reported.

use std::collections::BTreeMap;

use crate::error::Invalid;
use crate::ids::{CategoryId, UnitId};
use crate::org::Tier;

/// How one rate is formed from facts: numerator facts over numerator plus complement facts
/// (or over `base` facts when the rate is a share of another count). The on-time rates
/// count as late both the clocks that stopped late and those still overdue at the end of
/// the period (`{stage}_overdue`), so sitting on an overdue case never helps a unit.
pub struct RateDef {
    pub name: &'static str,
    /// The facts that count for the numerator.
    pub numerator: &'static str,
    /// The facts that make up the rest of the denominator (numerator + complements);
    /// empty when the denominator is `base`.
    pub complements: &'static [&'static str],
    pub base: Option<&'static str>,
    /// Whether a higher value is better (return and redo rates are better low).
    pub higher_is_better: bool,
    /// The "basically satisfied" facts, counted in the denominator and credited in the
    /// numerator at `Config::basically_satisfied_credit` (the satisfaction rates).
    pub basically: Option<&'static str>,
}

/// Every rate, in display order.
pub const RATES: &[RateDef] = &[
    RateDef {
        name: "response",
        numerator: "respond_on_time",
        complements: &["respond_late", "respond_overdue"],
        base: None,
        higher_is_better: true,
        basically: None,
    },
    RateDef {
        name: "on_time_acceptance",
        numerator: "accept_on_time",
        complements: &["accept_late", "accept_overdue"],
        base: None,
        higher_is_better: true,
        basically: None,
    },
    RateDef {
        name: "on_time_resolution",
        numerator: "resolve_on_time",
        complements: &["resolve_late", "resolve_overdue"],
        base: None,
        higher_is_better: true,
        basically: None,
    },
    RateDef {
        name: "resolution",
        numerator: "citizen_resolved",
        complements: &["citizen_unresolved"],
        base: None,
        higher_is_better: true,
        basically: None,
    },
    RateDef {
        name: "satisfaction",
        numerator: "rated_satisfied",
        complements: &["rated_unsatisfied"],
        base: None,
        higher_is_better: true,
        basically: Some("rated_basically_satisfied"),
    },
    RateDef {
        name: "return",
        numerator: "returned",
        complements: &[],
        base: Some("dispatched"),
        higher_is_better: false,
        basically: None,
    },
    RateDef {
        name: "improper_return",
        numerator: "return_rejected",
        complements: &[],
        base: Some("returned"),
        higher_is_better: false,
        basically: None,
    },
    RateDef {
        name: "redo",
        numerator: "redo",
        complements: &[],
        base: Some("resolved"),
        higher_is_better: false,
        basically: None,
    },
    // A street's summons (吹哨报到): arriving on site in time, and the street's rating of
    // the response.
    RateDef {
        name: "summons_arrival",
        numerator: "report_on_time",
        complements: &["report_late", "report_overdue"],
        base: None,
        higher_is_better: true,
        basically: None,
    },
    RateDef {
        name: "summons_rating",
        numerator: "summons_satisfied",
        complements: &["summons_unsatisfied"],
        base: None,
        higher_is_better: true,
        basically: Some("summons_basically_satisfied"),
    },
];

/// Appraisal configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Weight of each rate in the composite score (rate name → weight).
    pub weights: BTreeMap<String, f64>,
    /// Units with fewer dispatched requests in the period are not ranked.
    pub min_sample: i64,
    /// How much a "basically satisfied" rating counts towards satisfaction (0–1).
    pub basically_satisfied_credit: f64,
    /// Points taken off the composite score per accountability record per 100 requests
    /// dispatched to the unit (so a large unit is not punished for its size).
    pub accountability_penalty: f64,
    /// Share of closed cases drawn for a quality callback, in per mille.
    pub sample_per_mille: u32,
    /// Categories whose callbacks do not count in the satisfaction rate (mediation, law
    /// enforcement: a citizen fined is rarely satisfied); a category covers its children.
    pub satisfaction_excluded: Vec<CategoryId>,
}

impl Default for Config {
    fn default() -> Self {
        let weights = [
            ("response", 0.10),
            ("on_time_acceptance", 0.15),
            ("on_time_resolution", 0.20),
            ("resolution", 0.20),
            ("satisfaction", 0.25),
            ("return", 0.05),
            ("improper_return", 0.05),
            ("redo", 0.05),
            // Weighs only for units a street has summoned (a rate with no facts adds
            // nothing to the score).
            ("summons_arrival", 0.05),
            ("summons_rating", 0.05),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Config {
            weights,
            min_sample: 10,
            basically_satisfied_credit: 0.8,
            accountability_penalty: 2.0,
            sample_per_mille: 50,
            satisfaction_excluded: Vec::new(),
        }
    }
}

impl Config {
    /// Checks values from the edge; every bad field is named.
    pub fn parse(
        weights: &BTreeMap<String, f64>,
        min_sample: i64,
        basically_satisfied_credit: f64,
        accountability_penalty: f64,
        sample_percent: f64,
    ) -> Result<Config, Invalid> {
        for (name, weight) in weights {
            if !RATES.iter().any(|r| r.name == name) {
                let names: Vec<&str> = RATES.iter().map(|r| r.name).collect();
                return Err(Invalid::new(
                    format!("weights.{name}"),
                    format!("unknown rate; use: {}", names.join(", ")),
                ));
            }
            if !(weight.is_finite() && *weight >= 0.0 && *weight <= 100.0) {
                return Err(Invalid::new(
                    format!("weights.{name}"),
                    "must be between 0 and 100",
                ));
            }
        }
        if weights.values().sum::<f64>() <= 0.0 {
            return Err(Invalid::new("weights", "give at least one positive weight"));
        }
        if !(1..=100_000).contains(&min_sample) {
            return Err(Invalid::new("min_sample", "must be between 1 and 100000"));
        }
        if !(0.0..=1.0).contains(&basically_satisfied_credit) {
            return Err(Invalid::new(
                "basically_satisfied_credit",
                "must be between 0 and 1",
            ));
        }
        if !(0.0..=100.0).contains(&accountability_penalty) {
            return Err(Invalid::new(
                "accountability_penalty",
                "must be between 0 and 100",
            ));
        }
        if !(0.0..=100.0).contains(&sample_percent) {
            return Err(Invalid::new("sample_percent", "must be between 0 and 100"));
        }
        Ok(Config {
            weights: weights.clone(),
            min_sample,
            basically_satisfied_credit,
            accountability_penalty,
            sample_per_mille: (sample_percent * 10.0).round() as u32,
            satisfaction_excluded: Vec::new(),
        })
    }

    /// The same configuration with these categories kept out of the satisfaction rate.
    pub fn excluding(mut self, categories: Vec<CategoryId>) -> Config {
        self.satisfaction_excluded = categories;
        self
    }

    /// Whether a request of this category (and its parents, nearest first) counts in the
    /// satisfaction rate.
    pub fn rates_satisfaction(&self, categories: &[CategoryId]) -> bool {
        !categories
            .iter()
            .any(|c| self.satisfaction_excluded.contains(c))
    }

    /// Beijing's 接诉即办 three rates (三率) as a preset: response, resolution and
    /// satisfaction alone, weighted 10 / 45 / 45. The weights are configuration like any
    /// other; the preset only fills them in.
    pub fn three_rates(&self) -> Config {
        let weights = [
            ("response", 0.10),
            ("resolution", 0.45),
            ("satisfaction", 0.45),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Config {
            weights,
            ..self.clone()
        }
    }
}

/// One computed rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub name: &'static str,
    pub numerator: i64,
    pub denominator: i64,
    pub value: Option<f64>,
    /// The fact to drill into for the cases behind the numerator.
    pub metric: &'static str,
}

/// A unit's appraisal for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitScore {
    pub unit: UnitId,
    /// The tier it is ranked in; none for units never ranked (the hub, centres).
    pub tier: Option<Tier>,
    pub sample: i64,
    pub rates: Vec<Rate>,
    pub accountable: i64,
    pub urged: i64,
    pub score: Option<f64>,
    pub rank: Option<u32>,
}

/// Scores every unit that has any fact, from per-unit fact counts over the period, and
/// ranks those with at least `min_sample` dispatched requests within their tier, never
/// across tiers (best first; ties go to the larger sample, then the lower unit id). The
/// result is grouped by tier in the tier's order (untiered units last), ranked units
/// first within each.
pub fn score(
    counts: &BTreeMap<UnitId, BTreeMap<String, i64>>,
    config: &Config,
    tier_of: &dyn Fn(UnitId) -> Option<Tier>,
) -> Vec<UnitScore> {
    let mut out: Vec<UnitScore> = counts
        .iter()
        .map(|(unit, facts)| {
            let n = |metric: &str| facts.get(metric).copied().unwrap_or(0);
            let rates: Vec<Rate> = RATES
                .iter()
                .map(|def| {
                    let numerator = n(def.numerator);
                    let (denominator, credited) = if let Some(basically) = def.basically {
                        let basically = n(basically);
                        let rest: i64 = def.complements.iter().map(|c| n(c)).sum();
                        (
                            numerator + basically + rest,
                            numerator as f64 + basically as f64 * config.basically_satisfied_credit,
                        )
                    } else if !def.complements.is_empty() {
                        let rest: i64 = def.complements.iter().map(|c| n(c)).sum();
                        (numerator + rest, numerator as f64)
                    } else {
                        (def.base.map_or(0, n), numerator as f64)
                    };
                    let value = (denominator > 0).then(|| (credited / denominator as f64).min(1.0));
                    Rate {
                        name: def.name,
                        numerator,
                        denominator,
                        value,
                        metric: def.numerator,
                    }
                })
                .collect();
            let sample = n("dispatched");
            let accountable = n("accountable");
            let mut weighted = 0.0;
            let mut weight_sum = 0.0;
            for (rate, def) in rates.iter().zip(RATES) {
                let weight = config.weights.get(def.name).copied().unwrap_or(0.0);
                // Weights are finite and never negative (`Config::parse`): a rate of weight
                // 0 adds nothing to either sum.
                if let Some(value) = rate.value {
                    let goodness = if def.higher_is_better {
                        value
                    } else {
                        1.0 - value
                    };
                    weighted += weight * goodness;
                    weight_sum += weight;
                }
            }
            let score = (sample >= config.min_sample && weight_sum > 0.0).then(|| {
                let per_hundred = accountable as f64 * 100.0 / sample.max(1) as f64;
                let raw =
                    100.0 * weighted / weight_sum - config.accountability_penalty * per_hundred;
                (raw.max(0.0) * 10.0).round() / 10.0
            });
            UnitScore {
                unit: *unit,
                tier: tier_of(*unit),
                sample,
                rates,
                accountable,
                urged: n("urged"),
                score,
                rank: None,
            }
        })
        .collect();
    let tier_order = |s: &UnitScore| s.tier.map_or(usize::MAX, |t| t as usize);
    out.sort_by(|a, b| {
        let key = |s: &UnitScore| (s.score.is_none(), std::cmp::Reverse(s.sample), s.unit.0);
        tier_order(a)
            .cmp(&tier_order(b))
            .then_with(|| match (a.score, b.score) {
                (Some(x), Some(y)) => y.total_cmp(&x).then(key(a).cmp(&key(b))),
                _ => key(a).cmp(&key(b)),
            })
    });
    let mut rank = 0;
    let mut tier = None;
    for unit in &mut out {
        if unit.tier != tier {
            tier = unit.tier;
            rank = 0;
        }
        if unit.score.is_some() && unit.tier.is_some() {
            rank += 1;
            unit.rank = Some(rank);
        }
    }
    out
}
