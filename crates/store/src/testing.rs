//! Test support shared by every crate's tests: fresh databases on each backend. SQLite gets
//! a new file in the temp folder; PostgreSQL a new database on the server named by
//! `CIVICGRID_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`). Where no
//! PostgreSQL answers, the PostgreSQL cases are skipped with a printed notice, unless
//! `CIVICGRID_REQUIRE_PG=1` (set by `.ci/run`) makes that a failure.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

use crate::Backend;

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A fresh SQLite database URL in the temp folder.
pub fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("{}.db", unique("civicgrid_test")));
    format!("sqlite:{}", path.display())
}

/// A fresh PostgreSQL database URL, or `None` (with a notice) when no server answers.
///
/// # Panics
/// When `CIVICGRID_REQUIRE_PG=1` and PostgreSQL cannot be reached: CI must not skip.
pub async fn postgres_url() -> Option<String> {
    sqlx::any::install_default_drivers();
    let admin = std::env::var("CIVICGRID_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let required = std::env::var("CIVICGRID_REQUIRE_PG").is_ok_and(|v| v == "1");
    let mut conn = match sqlx::AnyConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(error) => {
            assert!(
                !required,
                "PostgreSQL is required (CIVICGRID_REQUIRE_PG=1) but {admin} failed: {error}"
            );
            eprintln!("NOTICE: skipping PostgreSQL cases: cannot connect to {admin}: {error}");
            return None;
        }
    };
    let name = unique("cg_test");
    let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await;
    if let Err(error) = created {
        assert!(
            !required,
            "cannot create a PostgreSQL test database: {error}"
        );
        eprintln!("NOTICE: skipping PostgreSQL cases: {error}");
        return None;
    }
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base)
        .to_owned();
    Some(format!("{base}/{name}"))
}

/// Every backend available here: SQLite always, PostgreSQL when reachable.
pub async fn backends() -> Vec<(Backend, String)> {
    let mut out = vec![(Backend::Sqlite, sqlite_url())];
    if let Some(url) = postgres_url().await {
        out.push((Backend::Postgres, url));
    }
    out
}

/// A file of the shared real data beside the clone (`../shared/data/<relative>`, or under
/// `$CIVICGRID_SHARED_DATA`), which
/// is read in place and never copied into the repository. Where it is absent (a user's own
/// clone) the caller's test prints a notice and skips, unless `CIVICGRID_REQUIRE_SHARED=1`
/// (set by `.ci/run`) makes that a failure.
///
/// # Panics
/// When `CIVICGRID_REQUIRE_SHARED=1` and the file is missing.
pub fn shared_data(relative: &str) -> Option<std::path::PathBuf> {
    // `CIVICGRID_SHARED_DATA` names the folder absolutely; `.ci/run` and
    // `scripts/mutants-diff` set it, because cargo-mutants runs the tests in a copy of the
    // tree where the relative path leads nowhere.
    let root = std::env::var_os("CIVICGRID_SHARED_DATA").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        std::path::PathBuf::from,
    );
    let path = root.join(relative);
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("CIVICGRID_REQUIRE_SHARED").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CIVICGRID_REQUIRE_SHARED=1 but {} is missing",
        path.display()
    );
    eprintln!("NOTICE: skipping: {} is absent", path.display());
    None
}
