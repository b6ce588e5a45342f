//! civicgrid's demo and benchmarks, outside the server library: the demo district generator
//! (`district`), the benchmark drivers behind `civicgrid bench` and `civicgrid bench-sweep`
//! (`bench`), the administrator's year of changes (`trail`), and a small HTTP client for signing in to a running server (`client`).
//!
//! Everything here goes through the same store, rules and application as live traffic; it
//! must not reach into the server's internals beyond its public functions.

pub mod bench;
pub mod client;
pub mod district;
mod gazetteer;
mod history;
mod names;
pub mod places;
mod seed;
mod sim;
mod trail;

pub use district::DEMO_PASSWORD;
pub use seed::ensure_demo;
pub use trail::ensure_admin_trail;

/// A progress bar for writing history (drawn on a terminal only, so logs stay clean).
pub fn history_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "  {bar:40} {pos}/{len} requests · {per_sec} · ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}
