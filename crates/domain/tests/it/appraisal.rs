//! Appraisal as absolute numbers: each rate from its facts, the weighted score with the
//! accountability penalty, 0/0 counted as no rate (not 100 %), rankings by score whatever
//! the unit ids, and the configuration's bounds, each bad field named.

use std::collections::BTreeMap;

use civicgrid_domain::UnitId;
use civicgrid_domain::appraisal::{Config, UnitScore, score};
use civicgrid_domain::org::Tier;

fn facts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

fn rate(unit: &UnitScore, name: &str) -> Option<f64> {
    unit.rates
        .iter()
        .find(|r| r.name == name)
        .and_then(|r| r.value)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// A unit with every kind of fact, chosen so each rate and the score are exact.
fn busy_unit() -> BTreeMap<String, i64> {
    facts(&[
        ("dispatched", 25),
        ("respond_on_time", 8),
        ("respond_late", 1),
        ("respond_overdue", 1),
        ("accept_on_time", 15),
        ("accept_late", 3),
        ("accept_overdue", 2),
        ("resolve_on_time", 9),
        ("resolve_late", 2),
        ("resolve_overdue", 1),
        ("citizen_resolved", 7),
        ("citizen_unresolved", 3),
        ("rated_satisfied", 6),
        ("rated_basically_satisfied", 2),
        ("rated_unsatisfied", 2),
        ("returned", 4),
        ("return_rejected", 1),
        ("resolved", 16),
        ("redo", 2),
        ("accountable", 1),
        ("urged", 3),
    ])
}

#[test]
fn every_rate_and_the_score_are_exact() {
    let counts = BTreeMap::from([(UnitId(1), busy_unit())]);
    let scored = score(&counts, &Config::default(), &|_| Some(Tier::Department));
    let unit = &scored[0];
    assert!(close(rate(unit, "response"), 0.8));
    assert!(close(rate(unit, "on_time_acceptance"), 0.75));
    assert!(close(rate(unit, "on_time_resolution"), 0.75));
    assert!(close(rate(unit, "resolution"), 0.7));
    // Satisfied 6, basically satisfied 2 at 0.8, unsatisfied 2: (6 + 1.6) / 10.
    assert!(close(rate(unit, "satisfaction"), 0.76));
    // Lower is better for these two; the rate itself is the share.
    assert!(close(rate(unit, "return"), 4.0 / 25.0));
    assert!(close(rate(unit, "redo"), 2.0 / 16.0));
    // One of the four returns was refused by the hub.
    assert!(close(rate(unit, "improper_return"), 0.25));
    let response = unit.rates.iter().find(|r| r.name == "response").unwrap();
    assert_eq!((response.numerator, response.denominator), (8, 10));
    assert_eq!(response.metric, "respond_on_time");
    assert_eq!((unit.sample, unit.accountable, unit.urged), (25, 1, 3));
    // Weighted goodness (75.825 + 0.05 × 75) / 1.05 = 75.786, minus 2 points per
    // accountability record per 100 dispatched (1 per 25 = 4 per 100): 67.786, shown to
    // one decimal.
    assert_eq!(unit.score, Some(67.8));
    assert_eq!(unit.rank, Some(1));
}

#[test]
fn weights_multiply_and_a_zero_weight_or_a_missing_rate_drops_out() {
    let only = |name: &str| Config {
        weights: BTreeMap::from([(name.to_owned(), 3.0)]),
        accountability_penalty: 0.0,
        ..Config::default()
    };
    let counts = BTreeMap::from([(UnitId(1), busy_unit())]);
    // One weighted rate: the score is that rate's goodness, whatever the weight.
    assert_eq!(
        score(&counts, &only("response"), &|_| Some(Tier::Department))[0].score,
        Some(80.0)
    );
    // A lower-is-better rate counts as its complement: 1 - 4/25.
    assert_eq!(
        score(&counts, &only("return"), &|_| Some(Tier::Department))[0].score,
        Some(84.0)
    );
    assert_eq!(
        score(&counts, &only("redo"), &|_| Some(Tier::Department))[0].score,
        Some(87.5)
    );
    // Two rates with weights 1 and 3: (1 × 0.8 + 3 × 0.7) / 4.
    let mut config = only("response");
    config.weights = BTreeMap::from([("response".to_owned(), 1.0), ("resolution".to_owned(), 3.0)]);
    assert_eq!(
        score(&counts, &config, &|_| Some(Tier::Department))[0].score,
        Some(72.5)
    );
    // A unit without response facts: its response rate is no rate (0/0), not 100 %, and
    // its score is the other rate's alone.
    let mut no_response = busy_unit();
    for key in ["respond_on_time", "respond_late", "respond_overdue"] {
        no_response.remove(key);
    }
    let counts = BTreeMap::from([(UnitId(1), no_response)]);
    let unit = &score(&counts, &config, &|_| Some(Tier::Department))[0];
    assert_eq!(rate(unit, "response"), None);
    assert_eq!(unit.score, Some(70.0));
    // When no weighted rate has any fact, there is no score (not 0, not 100).
    let counts = BTreeMap::from([(UnitId(1), facts(&[("dispatched", 25)]))]);
    let unit = &score(&counts, &only("response"), &|_| Some(Tier::Department))[0];
    assert_eq!((unit.score, unit.rank), (None, None));
}

#[test]
fn the_penalty_is_per_hundred_dispatched_and_the_score_never_goes_below_zero() {
    let config = Config {
        weights: BTreeMap::from([("response".to_owned(), 1.0)]),
        accountability_penalty: 2.0,
        ..Config::default()
    };
    let mut unit = busy_unit();
    unit.insert("accountable".into(), 5);
    // 5 per 25 dispatched = 20 per 100, at 2 points each: 80 - 40.
    let counts = BTreeMap::from([(UnitId(1), unit.clone())]);
    assert_eq!(
        score(&counts, &config, &|_| Some(Tier::Department))[0].score,
        Some(40.0)
    );
    unit.insert("accountable".into(), 25);
    let counts = BTreeMap::from([(UnitId(1), unit)]);
    assert_eq!(
        score(&counts, &config, &|_| Some(Tier::Department))[0].score,
        Some(0.0)
    );
}

#[test]
fn rankings_follow_the_score_then_the_sample_then_the_unit() {
    let config = Config {
        weights: BTreeMap::from([("resolution".to_owned(), 1.0)]),
        accountability_penalty: 0.0,
        min_sample: 10,
        ..Config::default()
    };
    let unit = |resolved: i64, unresolved: i64, dispatched: i64| {
        facts(&[
            ("dispatched", dispatched),
            ("citizen_resolved", resolved),
            ("citizen_unresolved", unresolved),
        ])
    };
    let counts = BTreeMap::from([
        // The lowest id has the worst score: ids must not decide the order.
        (UnitId(1), unit(5, 5, 20)),
        (UnitId(2), unit(9, 1, 20)),
        // Same score as unit 4, larger sample: ahead of it.
        (UnitId(3), unit(7, 3, 30)),
        (UnitId(4), unit(7, 3, 20)),
        // Same score and sample as unit 4, higher id: behind it.
        (UnitId(5), unit(7, 3, 20)),
        // Best rate but too few requests to be ranked: listed last, unranked.
        (UnitId(6), unit(10, 0, 9)),
    ]);
    let scored = score(&counts, &config, &|_| Some(Tier::Department));
    let order: Vec<(i64, Option<u32>)> = scored.iter().map(|s| (s.unit.0, s.rank)).collect();
    assert_eq!(
        order,
        [
            (2, Some(1)),
            (3, Some(2)),
            (4, Some(3)),
            (5, Some(4)),
            (1, Some(5)),
            (6, None)
        ]
    );
    assert_eq!(scored[0].score, Some(90.0));
    assert_eq!(scored[5].score, None);
    // Exactly the minimum sample is ranked.
    let counts = BTreeMap::from([(UnitId(7), unit(5, 5, 10))]);
    assert_eq!(
        score(&counts, &config, &|_| Some(Tier::Department))[0].rank,
        Some(1)
    );
}

#[test]
fn the_configuration_names_every_bad_value() {
    let weights = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    };
    let good = weights(&[("response", 1.0)]);
    let parsed = Config::parse(&good, 10, 0.8, 2.0, 5.5).unwrap();
    assert_eq!(parsed.sample_per_mille, 55);
    assert_eq!(parsed.weights, good);
    assert_eq!(
        (
            parsed.min_sample,
            parsed.basically_satisfied_credit,
            parsed.accountability_penalty
        ),
        (10, 0.8, 2.0)
    );
    // The bounds themselves are accepted.
    assert!(
        Config::parse(
            &weights(&[("response", 100.0), ("redo", 0.0)]),
            1,
            0.0,
            0.0,
            0.0
        )
        .is_ok()
    );
    assert!(Config::parse(&good, 100_000, 1.0, 100.0, 100.0).is_ok());
    // weights, min_sample, credit, penalty, sample percent, the field named.
    type Case = (BTreeMap<String, f64>, i64, f64, f64, f64, &'static str);
    let cases: Vec<Case> = vec![
        (
            weights(&[("speed", 1.0)]),
            10,
            0.8,
            2.0,
            5.0,
            "weights.speed",
        ),
        (
            weights(&[("response", -0.1)]),
            10,
            0.8,
            2.0,
            5.0,
            "weights.response",
        ),
        (
            weights(&[("response", 100.5)]),
            10,
            0.8,
            2.0,
            5.0,
            "weights.response",
        ),
        (
            weights(&[("response", f64::NAN)]),
            10,
            0.8,
            2.0,
            5.0,
            "weights.response",
        ),
        (weights(&[("response", 0.0)]), 10, 0.8, 2.0, 5.0, "weights"),
        (good.clone(), 0, 0.8, 2.0, 5.0, "min_sample"),
        (good.clone(), 100_001, 0.8, 2.0, 5.0, "min_sample"),
        (
            good.clone(),
            10,
            1.5,
            2.0,
            5.0,
            "basically_satisfied_credit",
        ),
        (
            good.clone(),
            10,
            -0.5,
            2.0,
            5.0,
            "basically_satisfied_credit",
        ),
        (good.clone(), 10, 0.8, -1.0, 5.0, "accountability_penalty"),
        (good.clone(), 10, 0.8, 100.5, 5.0, "accountability_penalty"),
        (good.clone(), 10, 0.8, 2.0, 101.0, "sample_percent"),
        (good.clone(), 10, 0.8, 2.0, -1.0, "sample_percent"),
    ];
    for (weights, min_sample, credit, penalty, percent, field) in cases {
        let error = Config::parse(&weights, min_sample, credit, penalty, percent).unwrap_err();
        assert_eq!(error.field, field);
    }
}

#[test]
fn units_are_ranked_within_their_tier_never_across() {
    // A street with a perfect record and two departments: the street is first among
    // streets; the departments are ranked 1 and 2 among departments; the hub is not ranked.
    let facts = |satisfied: i64, unsatisfied: i64| -> BTreeMap<String, i64> {
        [
            ("dispatched", 20),
            ("rated_satisfied", satisfied),
            ("rated_unsatisfied", unsatisfied),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    let counts: BTreeMap<UnitId, BTreeMap<String, i64>> = [
        (UnitId(1), facts(20, 0)),
        (UnitId(2), facts(20, 0)),
        (UnitId(10), facts(5, 15)),
        (UnitId(11), facts(15, 5)),
    ]
    .into_iter()
    .collect();
    let tier_of = |u: UnitId| match u.0 {
        1 => None,
        2 => Some(Tier::Street),
        _ => Some(Tier::Department),
    };
    let scored = score(&counts, &Config::default(), &tier_of);
    let view: Vec<(i64, Option<Tier>, Option<u32>)> =
        scored.iter().map(|s| (s.unit.0, s.tier, s.rank)).collect();
    assert_eq!(
        view,
        [
            (2, Some(Tier::Street), Some(1)),
            (11, Some(Tier::Department), Some(1)),
            (10, Some(Tier::Department), Some(2)),
            (1, None, None),
        ]
    );
    assert!(
        scored[3].score.is_some(),
        "the hub is scored but not ranked"
    );
}

#[test]
fn excluded_categories_and_the_three_rates_preset() {
    use civicgrid_domain::CategoryId;
    let config = Config::default().excluding(vec![CategoryId(7)]);
    assert!(!config.rates_satisfaction(&[CategoryId(7)]));
    assert!(
        !config.rates_satisfaction(&[CategoryId(9), CategoryId(7)]),
        "a category covers its children"
    );
    assert!(config.rates_satisfaction(&[CategoryId(9)]));
    assert!(config.rates_satisfaction(&[]));
    let three = config.three_rates();
    let weights: Vec<(&str, f64)> = three
        .weights
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        weights,
        [
            ("resolution", 0.45),
            ("response", 0.10),
            ("satisfaction", 0.45)
        ]
    );
    assert_eq!(
        three.satisfaction_excluded,
        vec![CategoryId(7)],
        "the rest is kept"
    );
    assert_eq!(three.min_sample, config.min_sample);
    // Only the three rates weigh: a unit perfect on them scores 100 whatever its returns.
    let counts = BTreeMap::from([(
        UnitId(1),
        facts(&[
            ("dispatched", 20),
            ("respond_on_time", 20),
            ("citizen_resolved", 20),
            ("rated_satisfied", 20),
            ("returned", 10),
        ]),
    )]);
    let scored = score(&counts, &three, &|_| Some(Tier::Department));
    assert_eq!(scored[0].score, Some(100.0));
}
