//! `InstructionStore` on SQL: the leaders' and units' lists of instructions.

use async_trait::async_trait;
use civicgrid_domain::lifecycle::InstructionState;
use civicgrid_domain::request::State;
use civicgrid_domain::{RequestId, UnitId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use super::dialect::Sql;
use super::rows::{instant, ms, word};

use crate::{InstructionFilter, InstructionRow, InstructionStore, Result};

const SELECT: &str = "SELECT i.id, i.request_id, r.serial, r.state, r.content, i.number, i.unit_id, \
    i.leader_id, l.username AS leader_name, i.text, i.working_days, i.deadline_at, i.given_at, \
    i.acknowledged_at, a.username AS acknowledger, i.report, i.reported_at, p.username AS reporter \
    FROM instructions i JOIN requests r ON r.id = i.request_id \
    LEFT JOIN users l ON l.id = i.leader_id LEFT JOIN users a ON a.id = i.acknowledged_by \
    LEFT JOIN users p ON p.id = i.reported_by";

fn row_to_instruction(row: &AnyRow) -> Result<InstructionRow> {
    let opt_time = |name: &str| -> Result<Option<civicgrid_domain::Instant>> {
        row.try_get::<Option<i64>, _>(name)?
            .map(instant)
            .transpose()
    };
    let state: String = row.try_get("state")?;
    Ok(InstructionRow {
        id: row.try_get("id")?,
        request: RequestId(row.try_get("request_id")?),
        serial: row.try_get("serial")?,
        request_state: word("state", &state, State::parse)?,
        content: row.try_get("content")?,
        number: row.try_get::<i64, _>("number")? as u32,
        unit: UnitId(row.try_get("unit_id")?),
        leader: row.try_get::<Option<i64>, _>("leader_id")?.map(UserId),
        leader_username: row.try_get("leader_name")?,
        text: row.try_get("text")?,
        working_days: row
            .try_get::<Option<i64>, _>("working_days")?
            .map(|d| d as u32),
        deadline: opt_time("deadline_at")?,
        given_at: instant(row.try_get("given_at")?)?,
        acknowledged_at: opt_time("acknowledged_at")?,
        acknowledged_by: row.try_get("acknowledger")?,
        report: row.try_get("report")?,
        reported_at: opt_time("reported_at")?,
        reported_by: row.try_get("reporter")?,
    })
}

fn filtered(sql: &mut Sql, filter: &InstructionFilter) {
    if let Some((leader, units)) = &filter.visible {
        sql.and().push("(i.leader_id = ").value(leader.map(|u| u.0));
        sql.push(" OR i.unit_id IN ")
            .list(units.iter().map(|u| u.0))
            .push(")");
    }
    if let Some(leader) = filter.leader {
        sql.and().push("i.leader_id = ").value(leader.0);
    }
    if let Some(units) = &filter.units {
        sql.and()
            .push("i.unit_id IN ")
            .list(units.iter().map(|u| u.0));
    }
    match filter.state {
        Some(InstructionState::Open) => {
            sql.and()
                .push("i.acknowledged_at IS NULL AND i.reported_at IS NULL");
        }
        Some(InstructionState::Acknowledged) => {
            sql.and()
                .push("i.acknowledged_at IS NOT NULL AND i.reported_at IS NULL");
        }
        Some(InstructionState::Reported) => {
            sql.and().push("i.reported_at IS NOT NULL");
        }
        None => {}
    }
    if filter.pending {
        sql.and().push("i.reported_at IS NULL");
    }
    if let Some(at) = filter.overdue_at {
        sql.and()
            .push("i.reported_at IS NULL AND i.deadline_at < ")
            .value(ms(at));
    }
}

#[async_trait]
impl InstructionStore for SqlStore {
    async fn instructions(&self, filter: &InstructionFilter) -> Result<(Vec<InstructionRow>, i64)> {
        let backend = self.inner.backend;
        let mut count = Sql::new(backend, "SELECT COUNT(*) FROM instructions i");
        filtered(&mut count, filter);
        let mut list = Sql::new(backend, SELECT);
        filtered(&mut list, filter);
        list.push(" ORDER BY i.given_at DESC, i.id DESC LIMIT ")
            .value(filter.limit)
            .push(" OFFSET ")
            .value(filter.offset);
        let total = count.scalar().fetch_one(&self.inner.read).await?;
        let rows = list.query().fetch_all(&self.inner.read).await?;
        let rows = rows.iter().map(row_to_instruction).collect::<Result<_>>()?;
        Ok((rows, total))
    }

    async fn instructions_of(&self, request: RequestId) -> Result<Vec<InstructionRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE i.request_id = $1 ORDER BY i.number"
        )))
        .bind(request.0)
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(row_to_instruction).collect()
    }
}
