//! `SettingsStore` on SQL: settings and the audit log.

use async_trait::async_trait;
use civicgrid_domain::UserId;
use sqlx::Row;
use tokio::sync::oneshot;

use super::SqlStore;
use super::dialect::{Cached, Sql, bump};
use super::rows::{instant, ms};

use crate::writer::Job;
use crate::{AuditEntry, AuditFilter, AuditRow, Generations, Result, SettingsStore, StoreError};

#[async_trait]
impl SettingsStore for SqlStore {
    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.inner.read)
                .await?,
        )
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn generations(&self) -> Result<Generations> {
        let rows = sqlx::query("SELECT name, n FROM generations")
            .fetch_all(&self.inner.read)
            .await?;
        let mut generations = Generations::default();
        for row in rows {
            let name: String = row.try_get("name")?;
            let n: i64 = row.try_get("n")?;
            match name.as_str() {
                "reference" => generations.reference = n,
                "sessions" => generations.sessions = n,
                _ => {}
            }
        }
        Ok(generations)
    }

    async fn init_setting(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.inner.write)
        .await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.inner.write)
                .await?;
        stored.ok_or_else(|| StoreError::Corrupt(format!("setting {key} vanished")))
    }

    async fn audit(&self, entries: Vec<AuditEntry>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(Job::Audit(entries, tx))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn audit_log(&self, offset: i64, limit: i64) -> Result<(Vec<AuditEntry>, i64)> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.inner.read)
            .await?;
        let rows = sqlx::query("SELECT at, user_id, action, target, detail FROM audit_log ORDER BY id DESC LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.inner.read)
            .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: instant(r.try_get("at")?)?,
                    user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((entries, total))
    }

    async fn audit_search(&self, filter: &AuditFilter) -> Result<(Vec<AuditRow>, i64)> {
        let backend = self.inner.backend;
        let narrow = |sql: &mut Sql| {
            if let Some(action) = &filter.action {
                sql.and().push("a.action = ").value(action.clone());
            }
            if let Some(prefix) = &filter.action_prefix {
                sql.and().push("a.action LIKE ").value(format!("{prefix}%"));
            }
            if let Some(target) = &filter.target {
                sql.and().push("a.target = ").value(target.clone());
            }
            if let Some(user) = filter.user {
                sql.and().push("a.user_id = ").value(user.0);
            }
            if let Some(from) = filter.from {
                sql.and().push("a.at >= ").value(ms(from));
            }
            if let Some(until) = filter.until {
                sql.and().push("a.at < ").value(ms(until));
            }
        };
        let mut count = Sql::new(backend, "SELECT COUNT(*) FROM audit_log a");
        narrow(&mut count);
        let mut list = Sql::new(
            backend,
            "SELECT a.at, a.user_id, u.username, a.action, a.target, a.detail \
             FROM audit_log a LEFT JOIN users u ON u.id = a.user_id",
        );
        narrow(&mut list);
        list.push(" ORDER BY a.id DESC LIMIT ")
            .value(filter.limit)
            .push(" OFFSET ")
            .value(filter.offset);
        let total = count
            .scalar::<i64>()
            .persistent(false)
            .fetch_one(&self.inner.read)
            .await?;
        let rows = list
            .query()
            .persistent(false)
            .fetch_all(&self.inner.read)
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(AuditRow {
                    entry: AuditEntry {
                        at: instant(r.try_get("at")?)?,
                        user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        detail: r.try_get("detail")?,
                    },
                    username: r.try_get("username")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, total))
    }
}
