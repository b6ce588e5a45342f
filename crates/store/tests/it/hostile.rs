//! Values are always bound: strings built to break SQL text (quotes, backslashes, comment
//! markers, statement separators, placeholders, LIKE wildcards, very long words, NUL where
//! the engine stores it) go into every text a user can set and come back unchanged, and
//! the same strings used as filters (a business line, a caller's phone) select exactly the
//! rows they name, on both backends.

use civicgrid_domain::Instant;
use civicgrid_domain::lifecycle::Command;
use civicgrid_domain::org::{Grant, Role, UnitKind};
use civicgrid_store::{
    AuditEntry, Backend, CancelReason, ListFilter, NewCategory, NewUnit, NewUser, OfficialDayRow,
    Visibility, testing,
};

use crate::{World, act, at, new_case, world};

/// Strings meant to end a literal, comment out the rest, start a statement or be taken for
/// a placeholder. A comma is left out of the business lines only, which are stored as a
/// comma-separated list and checked to be snake_case words at the edge.
fn hostile(backend: Backend) -> Vec<String> {
    let mut words = vec![
        "'".to_owned(),
        "''".to_owned(),
        "\"".to_owned(),
        "\\".to_owned(),
        "\\'".to_owned(),
        "x' OR '1'='1".to_owned(),
        "'); DROP TABLE requests; --".to_owned(),
        "-- comment".to_owned(),
        "/* open comment".to_owned(),
        "; SELECT 1;".to_owned(),
        "$1 ? :name @p $$ dollar $$".to_owned(),
        "100% _under_ [bracket]".to_owned(),
        "E'\\x41' U&'\\0041'".to_owned(),
        "路灯'不亮\";--".to_owned(),
        "长".repeat(5000),
        "w".repeat(20_000),
    ];
    // PostgreSQL text cannot hold NUL at all (the edge refuses it on every backend);
    // SQLite stores it, so it is tried there.
    if backend == Backend::Sqlite {
        words.push("nul\u{0}inside".to_owned());
    }
    words
}

fn line_of(word: &str) -> String {
    word.replace(',', "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_strings_are_stored_and_read_back_unchanged() {
    for (backend, url) in testing::backends().await {
        eprintln!("hostile strings on {}", backend.name());
        let w = world(&url).await;
        for (i, word) in hostile(backend).iter().enumerate() {
            round_trip(&w, i as i64, word).await;
        }
    }
}

async fn round_trip(w: &World, i: i64, word: &str) {
    let now: Instant = at(10 + i);
    let line = line_of(word);
    // A unit, with the word as its name and business line.
    let unit = w
        .store
        .create_unit(
            NewUnit {
                name: format!("{word}{i}"),
                kind: UnitKind::Department,
                parent: Some(w.street),
                lines: vec![line.clone()],
                geometry: Some(format!("{{\"type\":\"Point\",\"note\":{word:?}}}")),
                code: None,
            },
            now,
        )
        .await
        .unwrap();
    let units = w.store.list_units(true).await.unwrap();
    let stored = units.iter().find(|u| u.id == unit.id).unwrap();
    assert_eq!(stored.name, format!("{word}{i}"));
    assert_eq!(stored.lines, vec![line.clone()]);
    assert_eq!(stored.geometry, unit.geometry);

    // A user with the word as display name and in a grant's lines.
    let username = format!("u{i}_{}", word.len());
    let user = w
        .store
        .create_user(
            NewUser {
                username: username.clone(),
                display_name: word.to_owned(),
                password_hash: word.to_owned(),
                unit: unit.id,
                grants: vec![Grant {
                    role: Role::Handler,
                    unit: unit.id,
                    lines: vec![line.clone()],
                }],
            },
            now,
        )
        .await
        .unwrap();
    let found = w.store.find_user(&username).await.unwrap().unwrap();
    assert_eq!(found.display_name, word);
    assert_eq!(found.password_hash, word);
    assert_eq!(found.grants[0].lines, vec![line.clone()]);
    assert!(w.store.find_user(word).await.unwrap().is_none());
    let token = format!("{word}{i}");
    w.store
        .create_session(&token, user.id, now, at(10_000))
        .await
        .unwrap();
    let (session_user, _) = w.store.session_user(&token, now).await.unwrap().unwrap();
    assert_eq!(session_user.id, user.id);

    // A category with the word as code, name and line.
    let category = w
        .store
        .create_category(NewCategory {
            code: format!("{word}{i}"),
            name: word.to_owned(),
            parent: None,
            line: Some(word.to_owned()),
        })
        .await
        .unwrap();
    let categories = w.store.list_categories().await.unwrap();
    let stored = categories.iter().find(|c| c.id == category.id).unwrap();
    assert_eq!(stored.code, format!("{word}{i}"));
    assert_eq!(stored.name, word);
    assert_eq!(stored.line.as_deref(), Some(word));

    // A request whose every text is the word, and a return whose reason is the word.
    let mut case = new_case(word, Some(w.grid), 10 + i);
    case.address = Some(word.to_owned());
    case.caller_name = Some(word.to_owned());
    case.caller_phone = Some(word.to_owned());
    case.raw_intake = word.to_owned();
    case.line = Some(line.clone());
    let created = w.store.create_request(case).await.unwrap();
    let loaded = w.store.get_request(&created.serial).await.unwrap().unwrap();
    assert_eq!(loaded.row.content, word);
    assert_eq!(loaded.row.address.as_deref(), Some(word));
    assert_eq!(loaded.row.caller_name.as_deref(), Some(word));
    assert_eq!(loaded.row.caller_phone.as_deref(), Some(word));
    assert_eq!(loaded.row.line.as_deref(), Some(line.as_str()));
    act(
        w,
        &created.serial,
        10 + i,
        Command::Dispatch {
            unit: w.dept,
            assisting: vec![],
            basis: civicgrid_domain::lifecycle::Basis::Statute,
            complex: false,
            important: false,
        },
    )
    .await
    .unwrap();
    act(
        w,
        &created.serial,
        10 + i,
        Command::Return {
            reason: word.to_owned(),
            proper_owner: None,
        },
    )
    .await
    .unwrap();
    let events = w.store.events(loaded.row.id).await.unwrap();
    assert_eq!(events.last().unwrap().reason.as_deref(), Some(word));
    let check = w.store.verify_chains().await.unwrap();
    assert!(check.broken.is_empty(), "{:?}", check.broken);

    // The word as a filter selects exactly its own request: by caller phone, and as the
    // business line a reader is limited to.
    let by_phone = ListFilter {
        caller_phone: Some(word.to_owned()),
        limit: 10,
        ..Default::default()
    };
    let (rows, total) = w
        .store
        .list_requests(&by_phone, &Visibility::All)
        .await
        .unwrap();
    assert_eq!(total, 1, "by phone {word:.40}");
    assert_eq!(rows[0].serial, created.serial);
    let everything = ListFilter {
        limit: 1000,
        ..Default::default()
    };
    let limited = |lines: Vec<String>| Visibility::Units {
        any: vec![w.grid],
        handling: vec![],
        lines,
    };
    let (rows, _) = w
        .store
        .list_requests(&everything, &limited(vec![line.clone()]))
        .await
        .unwrap();
    assert!(
        rows.iter().any(|r| r.serial == created.serial),
        "its own line sees it"
    );
    assert!(
        rows.iter()
            .all(|r| r.line.is_none() || r.line.as_deref() == Some(line.as_str())),
        "and no other line"
    );
    let (rows, _) = w
        .store
        .list_requests(
            &everything,
            &limited(vec![format!("{line}-other"), "' OR 1=1 --".into()]),
        )
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.serial != created.serial));

    // Settings, audit records, official days, cancellation reasons.
    let key = format!("k{i}:{word}");
    w.store.set_setting(&key, word).await.unwrap();
    assert_eq!(
        w.store.get_setting(&key).await.unwrap().as_deref(),
        Some(word)
    );
    w.store
        .audit(vec![AuditEntry {
            at: now,
            user: Some(user.id),
            action: word.to_owned(),
            target: word.to_owned(),
            detail: word.to_owned(),
        }])
        .await
        .unwrap();
    let (log, _) = w.store.audit_log(0, 1).await.unwrap();
    assert_eq!(log[0].detail, word);
    assert_eq!(log[0].action, word);
    let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap() + chrono::Days::new(i as u64);
    w.store
        .add_official_days(
            vec![OfficialDayRow {
                day,
                kind: "off".into(),
                name: word.to_owned(),
            }],
            Some(user.id),
            now,
        )
        .await
        .unwrap();
    let days = w.store.official_days().await.unwrap();
    assert_eq!(days.iter().find(|d| d.day == day).unwrap().name, word);
    w.store
        .set_cancel_reasons(vec![CancelReason {
            code: format!("c{i}"),
            label: word.to_owned(),
        }])
        .await
        .unwrap();
    let reasons = w.store.list_cancel_reasons().await.unwrap();
    assert!(reasons.iter().any(|r| r.label == word));
}
