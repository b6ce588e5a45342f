//! `CalendarStore` on SQL: deadline policies and official days.

use async_trait::async_trait;
use civicgrid_domain::deadline::Policy;
use civicgrid_domain::{Instant, UserId};
use sqlx::{Any, Row, Transaction};

use super::SqlStore;
use super::dialect::{Cached, bump};
use super::rows::{ms, policy_from_row};

use crate::{CalendarStore, NewPolicy, OfficialDayRow, Result, StoreError};

pub(super) async fn insert_policy(
    tx: &mut Transaction<'_, Any>,
    policy: NewPolicy,
    now: Instant,
) -> Result<Policy> {
    let limits: Vec<serde_json::Value> = policy
        .limits
        .iter()
        .map(|(stage, limit)| {
            serde_json::json!([stage.as_str(), limit.amount, limit.unit.as_str()])
        })
        .collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (name, match_kind, match_category, match_urgency, match_channel, limits, yellow, orange, accountable_days, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&policy.name)
    .bind(policy.matches.kind.map(|k| k.as_str()))
    .bind(policy.matches.category.map(|c| c.0))
    .bind(policy.matches.urgency.map(|u| u.as_str()))
    .bind(policy.matches.channel.map(|c| c.as_str()))
    .bind(serde_json::Value::Array(limits).to_string())
    .bind(policy.thresholds.yellow)
    .bind(policy.thresholds.orange)
    .bind(i64::from(policy.accountable_after))
    .bind(policy.created_by.map(|u| u.0))
    .bind(ms(now))
    .fetch_one(&mut **tx)
    .await?;
    Ok(Policy {
        id,
        name: policy.name,
        matches: policy.matches,
        limits: policy.limits,
        thresholds: policy.thresholds,
        accountable_after: policy.accountable_after,
    })
}

#[async_trait]
impl CalendarStore for SqlStore {
    async fn create_policy(&self, policy: NewPolicy, now: Instant) -> Result<Policy> {
        let mut tx = self.inner.write.begin().await?;
        let created = insert_policy(&mut tx, policy, now).await?;
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn supersede_policy(&self, id: i64, policy: NewPolicy, now: Instant) -> Result<Policy> {
        let mut tx = self.inner.write.begin().await?;
        let current: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM policies WHERE id = $1 AND superseded_by IS NULL{}",
            self.inner.lock_suffix()
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if current.is_none() {
            return Err(StoreError::NotFound("policy in force"));
        }
        let created = insert_policy(&mut tx, policy, now).await?;
        sqlx::query("UPDATE policies SET superseded_by = $1 WHERE id = $2")
            .bind(created.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn list_policies(&self) -> Result<Vec<Policy>> {
        let rows = sqlx::query(
            "SELECT id, name, match_kind, match_category, match_urgency, match_channel, limits, yellow, orange, accountable_days FROM policies \
             WHERE superseded_by IS NULL ORDER BY id",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(policy_from_row).collect()
    }

    async fn official_days(&self) -> Result<Vec<OfficialDayRow>> {
        let rows = sqlx::query("SELECT day, kind, name FROM official_days ORDER BY day")
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                let day: String = r.try_get("day")?;
                Ok(OfficialDayRow {
                    day: chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt(format!("official day `{day}`")))?,
                    kind: r.try_get("kind")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    async fn add_official_days(
        &self,
        days: Vec<OfficialDayRow>,
        by: Option<UserId>,
        now: Instant,
    ) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        for day in days {
            sqlx::query(
                "INSERT INTO official_days (day, kind, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                 created_by = excluded.created_by, created_at = excluded.created_at",
            )
            .bind(day.day.format("%Y-%m-%d").to_string())
            .bind(day.kind)
            .bind(day.name)
            .bind(by.map(|u| u.0))
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
        }
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(())
    }
}
