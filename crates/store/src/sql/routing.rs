//! `RoutingStore` on SQL: categories, routing rules and cancellation reasons.

use async_trait::async_trait;
use civicgrid_domain::lifecycle::Basis;
use civicgrid_domain::routing::RoutingRule;
use civicgrid_domain::{CategoryId, Instant, UnitId};
use sqlx::{Any, Row, Transaction};

use super::dialect::{Cached, bump};
use super::rows::{is_unique_violation, word};
use super::{SqlStore, ms};

use crate::{
    CancelReason, CategoryRow, NewCategory, NewRoutingRule, Result, RoutingStore, StoreError,
};

#[async_trait]
impl RoutingStore for SqlStore {
    async fn create_category(&self, category: NewCategory) -> Result<CategoryRow> {
        let mut tx = self.inner.write.begin().await?;
        let id: i64 =
            sqlx::query_scalar("INSERT INTO categories (code, name, parent_id, line) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(&category.code)
                .bind(&category.name)
                .bind(category.parent.map(|p| p.0))
                .bind(category.line.clone())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| if is_unique_violation(&e) { StoreError::Duplicate(category.code.clone()) } else { e.into() })?;
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(CategoryRow {
            id: CategoryId(id),
            code: category.code,
            name: category.name,
            parent: category.parent,
            line: category.line,
            retired: false,
        })
    }

    async fn list_categories(&self) -> Result<Vec<CategoryRow>> {
        let rows = sqlx::query(
            "SELECT id, code, name, parent_id, line, retired_at FROM categories ORDER BY id",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CategoryRow {
                    id: CategoryId(r.try_get("id")?),
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    parent: r.try_get::<Option<i64>, _>("parent_id")?.map(CategoryId),
                    line: r.try_get("line")?,
                    retired: r.try_get::<Option<i64>, _>("retired_at")?.is_some(),
                })
            })
            .collect()
    }

    async fn update_category(
        &self,
        id: CategoryId,
        name: &str,
        retired: bool,
        now: Instant,
    ) -> Result<CategoryRow> {
        let mut tx = self.inner.write.begin().await?;
        // Retiring keeps the first retirement's time; bringing back clears it.
        let done = sqlx::query(
            "UPDATE categories SET name = $1, \
             retired_at = CASE WHEN $2 = 0 THEN NULL ELSE COALESCE(retired_at, $3) END \
             WHERE id = $4",
        )
        .bind(name)
        .bind(i64::from(retired))
        .bind(super::rows::ms(now))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("category"));
        }
        bump(&mut tx, Cached::Reference).await?;
        let r = sqlx::query(
            "SELECT id, code, name, parent_id, line, retired_at FROM categories WHERE id = $1",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CategoryRow {
            id: CategoryId(r.try_get("id")?),
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            parent: r.try_get::<Option<i64>, _>("parent_id")?.map(CategoryId),
            line: r.try_get("line")?,
            retired: r.try_get::<Option<i64>, _>("retired_at")?.is_some(),
        })
    }

    async fn create_routing_rule(&self, rule: NewRoutingRule) -> Result<RoutingRule> {
        let mut tx = self.inner.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO routing_rules (category_id, area_id, unit_id, basis) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(rule.category.0)
        .bind(rule.area.map(|a| a.0))
        .bind(rule.unit.0)
        .bind(rule.basis.as_str())
        .fetch_one(&mut *tx)
        .await?;
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(RoutingRule {
            id,
            category: rule.category,
            area: rule.area,
            unit: rule.unit,
            basis: rule.basis,
        })
    }

    async fn update_routing_rule(&self, id: i64, rule: NewRoutingRule) -> Result<RoutingRule> {
        let mut tx = self.inner.write.begin().await?;
        let done = sqlx::query(
            "UPDATE routing_rules SET category_id = $1, area_id = $2, unit_id = $3, basis = $4 WHERE id = $5",
        )
        .bind(rule.category.0)
        .bind(rule.area.map(|a| a.0))
        .bind(rule.unit.0)
        .bind(rule.basis.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("routing rule"));
        }
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(RoutingRule {
            id,
            category: rule.category,
            area: rule.area,
            unit: rule.unit,
            basis: rule.basis,
        })
    }

    async fn delete_routing_rule(&self, id: i64) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        let done = sqlx::query("DELETE FROM routing_rules WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("routing rule"));
        }
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>> {
        let rows = sqlx::query(
            "SELECT id, category_id, area_id, unit_id, basis FROM routing_rules ORDER BY id",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                let basis: String = r.try_get("basis")?;
                Ok(RoutingRule {
                    id: r.try_get("id")?,
                    category: CategoryId(r.try_get("category_id")?),
                    area: r.try_get::<Option<i64>, _>("area_id")?.map(UnitId),
                    unit: UnitId(r.try_get("unit_id")?),
                    basis: word("basis", &basis, Basis::parse)?,
                })
            })
            .collect()
    }

    async fn set_cancel_reasons(&self, reasons: Vec<CancelReason>) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        sqlx::query("DELETE FROM cancel_reasons")
            .execute(&mut *tx)
            .await?;
        for reason in reasons {
            sqlx::query("INSERT INTO cancel_reasons (code, label) VALUES ($1, $2)")
                .bind(reason.code)
                .bind(reason.label)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn add_cancel_reason(&self, reason: CancelReason) -> Result<CancelReason> {
        let taken: Option<i64> = sqlx::query_scalar("SELECT 1 FROM cancel_reasons WHERE code = $1")
            .bind(&reason.code)
            .fetch_optional(&self.inner.write)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Duplicate(format!(
                "cancel reason {}",
                reason.code
            )));
        }
        sqlx::query("INSERT INTO cancel_reasons (code, label) VALUES ($1, $2)")
            .bind(&reason.code)
            .bind(&reason.label)
            .execute(&self.inner.write)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Duplicate(format!("cancel reason {}", reason.code))
                } else {
                    e.into()
                }
            })?;
        Ok(reason)
    }

    async fn retire_cancel_reason(&self, code: &str, now: Instant) -> Result<()> {
        let done = sqlx::query(
            "UPDATE cancel_reasons SET retired_at = $1 WHERE code = $2 AND retired_at IS NULL",
        )
        .bind(ms(now))
        .bind(code)
        .execute(&self.inner.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("cancel reason"));
        }
        Ok(())
    }

    async fn list_cancel_reasons(&self) -> Result<Vec<CancelReason>> {
        let rows = sqlx::query(
            "SELECT code, label FROM cancel_reasons WHERE retired_at IS NULL ORDER BY code",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CancelReason {
                    code: r.try_get("code")?,
                    label: r.try_get("label")?,
                })
            })
            .collect()
    }
}

/// Records a responsibility finding (designation, agreement) as the routing rule for its
/// category and area: the rule for exactly that key is replaced, or one is added. Runs in
/// the transaction of the decision that made it.
pub(super) async fn record_finding(
    tx: &mut Transaction<'_, Any>,
    finding: &civicgrid_domain::clocks::RoutingFinding,
) -> Result<()> {
    let area = finding.area.map(|a| a.0);
    let replaced = sqlx::query(
        "UPDATE routing_rules SET unit_id = $1, basis = $2 \
         WHERE category_id = $3 AND ((area_id IS NULL AND $4 IS NULL) OR area_id = $4)",
    )
    .bind(finding.unit.0)
    .bind(finding.basis.as_str())
    .bind(finding.category.0)
    .bind(area)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if replaced == 0 {
        sqlx::query(
            "INSERT INTO routing_rules (category_id, area_id, unit_id, basis) VALUES ($1, $2, $3, $4)",
        )
        .bind(finding.category.0)
        .bind(area)
        .bind(finding.unit.0)
        .bind(finding.basis.as_str())
        .execute(&mut **tx)
        .await?;
    }
    bump(tx, Cached::Reference).await
}
