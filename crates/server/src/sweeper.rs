//! The deadline sweeper: a background job that takes every clock whose next ladder step is
//! due and fires it through the same store path as an HTTP action (the rules in
//! `domain::clocks::escalate`, the transaction in `Store::escalate_due`). It holds no SQL
//! and no rules of its own.
//!
//! Exactly once: the store re-reads a request's clocks under its row lock before firing,
//! and each clock remembers the highest step taken, so two instances, a restart or a
//! repeated sweep never fire a step twice. Catch-up: a step that fell due while the server
//! was down fires on the first sweep after start, dated then and naming when it was due.

use std::sync::Arc;
use std::time::Duration;

use civicgrid_domain::clocks;
use civicgrid_store::{Escalate, SweepReport};

use crate::error::ApiResult;
use crate::state::AppState;

/// How many requests one sweep transaction handles.
pub const BATCH: i64 = 500;

/// Runs one sweep at the state's `now`; tests call it directly to step time by hand.
pub async fn sweep_once(state: &AppState) -> ApiResult<SweepReport> {
    let now = state.now();
    let started = std::time::Instant::now();
    let decide: Escalate = Box::new(move |loaded, due, supervisors| {
        Ok(clocks::escalate(
            &loaded.row.case,
            due,
            now,
            false,
            supervisors,
        ))
    });
    let report = state.store.escalate_due(now, BATCH, decide).await?;
    metrics::histogram!("civicgrid_sweep_seconds").record(started.elapsed().as_secs_f64());
    // What is still due after the sweep: above zero only while another instance holds
    // rows or the sweeps fall behind.
    metrics::gauge!("civicgrid_clocks_due").set(state.store.count_due(now).await? as f64);
    if report.events > 0 {
        metrics::counter!("civicgrid_ladder_steps_total").increment(report.events as u64);
        tracing::info!(
            requests = report.requests,
            steps = report.events,
            skipped = report.skipped,
            "deadline sweep"
        );
    }
    Ok(report)
}

/// Sweeps every `every` until the process ends. Each round first refreshes the policies,
/// calendar days and appraisal settings, so what another instance changed is in force here
/// within one round.
pub fn spawn(state: Arc<AppState>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = state.refresh().await {
                tracing::warn!(code = error.code.code(), message = %error.message, "reference reload failed");
            }
            if let Err(error) = sweep_once(&state).await {
                tracing::error!(code = error.code.code(), message = %error.message, "deadline sweep failed");
            }
        }
    })
}
