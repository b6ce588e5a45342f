//! Schema migrations: one folder per backend with identical file names, embedded in the
//! binary, applied in name order and recorded in `schema_migrations`. sqlx's own migrator
//! needs its proc-macro to embed files, which compiles both drivers a second time for the
//! host; a dozen lines here avoid that build cost.

use sqlx::AnyPool;

use crate::{Backend, Result};

/// The migration names, shared by both backends (a test checks both folders match).
pub const MIGRATION_NAMES: &[&str] = &[
    "0001_spine",
    "0002_policies",
    "0003_clocks",
    "0004_overdue",
    "0005_notice_read",
    "0006_rollup_by_dimension",
    "0007_generations",
    "0008_dispatch_clock",
    "0009_case_marks",
    "0010_quality_verdicts",
    "0011_appeals",
    "0012_coordination",
    "0013_reply_review",
    "0014_summons",
    "0015_cancel_reasons",
    "0016_user_disabled",
    "0017_password_reset",
    "0018_confidential_callers",
    "0019_retire_units_categories",
    "0020_instructions",
    "0021_places",
    "0022_gazetteer",
];

const SQLITE: &[&str] = &[
    include_str!("../migrations/sqlite/0001_spine.sql"),
    include_str!("../migrations/sqlite/0002_policies.sql"),
    include_str!("../migrations/sqlite/0003_clocks.sql"),
    include_str!("../migrations/sqlite/0004_overdue.sql"),
    include_str!("../migrations/sqlite/0005_notice_read.sql"),
    include_str!("../migrations/sqlite/0006_rollup_by_dimension.sql"),
    include_str!("../migrations/sqlite/0007_generations.sql"),
    include_str!("../migrations/sqlite/0008_dispatch_clock.sql"),
    include_str!("../migrations/sqlite/0009_case_marks.sql"),
    include_str!("../migrations/sqlite/0010_quality_verdicts.sql"),
    include_str!("../migrations/sqlite/0011_appeals.sql"),
    include_str!("../migrations/sqlite/0012_coordination.sql"),
    include_str!("../migrations/sqlite/0013_reply_review.sql"),
    include_str!("../migrations/sqlite/0014_summons.sql"),
    include_str!("../migrations/sqlite/0015_cancel_reasons.sql"),
    include_str!("../migrations/sqlite/0016_user_disabled.sql"),
    include_str!("../migrations/sqlite/0017_password_reset.sql"),
    include_str!("../migrations/sqlite/0018_confidential_callers.sql"),
    include_str!("../migrations/sqlite/0019_retire_units_categories.sql"),
    include_str!("../migrations/sqlite/0020_instructions.sql"),
    include_str!("../migrations/sqlite/0021_places.sql"),
    include_str!("../migrations/sqlite/0022_gazetteer.sql"),
];
const POSTGRES: &[&str] = &[
    include_str!("../migrations/postgres/0001_spine.sql"),
    include_str!("../migrations/postgres/0002_policies.sql"),
    include_str!("../migrations/postgres/0003_clocks.sql"),
    include_str!("../migrations/postgres/0004_overdue.sql"),
    include_str!("../migrations/postgres/0005_notice_read.sql"),
    include_str!("../migrations/postgres/0006_rollup_by_dimension.sql"),
    include_str!("../migrations/postgres/0007_generations.sql"),
    include_str!("../migrations/postgres/0008_dispatch_clock.sql"),
    include_str!("../migrations/postgres/0009_case_marks.sql"),
    include_str!("../migrations/postgres/0010_quality_verdicts.sql"),
    include_str!("../migrations/postgres/0011_appeals.sql"),
    include_str!("../migrations/postgres/0012_coordination.sql"),
    include_str!("../migrations/postgres/0013_reply_review.sql"),
    include_str!("../migrations/postgres/0014_summons.sql"),
    include_str!("../migrations/postgres/0015_cancel_reasons.sql"),
    include_str!("../migrations/postgres/0016_user_disabled.sql"),
    include_str!("../migrations/postgres/0017_password_reset.sql"),
    include_str!("../migrations/postgres/0018_confidential_callers.sql"),
    include_str!("../migrations/postgres/0019_retire_units_categories.sql"),
    include_str!("../migrations/postgres/0020_instructions.sql"),
    include_str!("../migrations/postgres/0021_places.sql"),
    include_str!("../migrations/postgres/0022_gazetteer.sql"),
];

/// Splits a migration file into statements (files contain no `;` inside literals).
fn statements(sql: &str) -> Vec<String> {
    let code: Vec<&str> = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    code.join("\n")
        .split(';')
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
        .collect()
}

pub async fn run(pool: &AnyPool, backend: Backend, now_ms: i64) -> Result<()> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .execute(pool)
        .await?;
    let files = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    for (name, sql) in MIGRATION_NAMES.iter().zip(files) {
        let mut tx = pool.begin().await?;
        if backend == Backend::Postgres {
            // Several instances may start at once: one migrates, the others wait.
            sqlx::query("SELECT pg_advisory_xact_lock(727311)")
                .execute(&mut *tx)
                .await?;
        }
        let done: Option<(String,)> =
            sqlx::query_as("SELECT name FROM schema_migrations WHERE name = $1")
                .bind(*name)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            tx.commit().await?;
            continue;
        }
        for statement in statements(sql) {
            sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
            .bind(*name)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            migration = name,
            backend = backend.name(),
            "applied migration"
        );
    }
    Ok(())
}
