//! CSV downloads of the working lists: a first line naming who exported the file and when
//! (a copy that travels says where it came from), a header line, the rows, and a byte-order
//! mark so spreadsheet programs read the Chinese as UTF-8.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::i18n::Tr;

use crate::error::ApiError;

/// The most rows a working list's export carries (the personal-data audit has its own).
pub(super) const EXPORT_ROWS: i64 = 10_000;

/// The CSV file `filename` with the exporter's watermark, `header` and `rows`, read with
/// at most `cap` rows: a file cut at the cap says so on its first line.
pub(super) fn csv_download<S: AsRef<str>>(
    t: &Tr,
    exporter: &str,
    now: &civicgrid_domain::Instant,
    (filename, cap): (&'static str, i64),
    header: &[S],
    rows: &[Vec<String>],
) -> Result<Response, ApiError> {
    let mark = format!(
        "{} {} · {}",
        t.s("audit.exported_by"),
        exporter,
        t.time(now)
    );
    let cut = format!("{} {cap}", t.s("export.capped"));
    // Flexible: the first line has the watermark (and the cut note), not the columns.
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut first = vec![mark.as_str()];
    if rows.len() as i64 >= cap {
        first.push(cut.as_str());
    }

    let mut write = || -> Result<(), csv::Error> {
        out.write_record(&first)?;
        out.write_record(header.iter().map(AsRef::as_ref))?;
        for row in rows {
            out.write_record(row)?;
        }
        out.flush().map_err(csv::Error::from)
    };
    write().map_err(ApiError::internal)?;
    let body = out.into_inner().map_err(ApiError::internal)?;
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(body);
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// A list of requests as CSV: the columns every exported request list has.
pub(super) fn requests_download(
    t: &Tr,
    exporter: &str,
    now: &civicgrid_domain::Instant,
    filename: &'static str,
    rows: &[super::lists::Row],
) -> Result<Response, ApiError> {
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| super::lists::export_line(t, r))
        .collect();
    csv_download(
        t,
        exporter,
        now,
        (filename, EXPORT_ROWS),
        &super::lists::export_header(t),
        &lines,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn first_line(rows: usize) -> String {
        let t = Tr::new(super::super::Lang::Zh);
        let rows: Vec<Vec<String>> = (0..rows).map(|i| vec![i.to_string()]).collect();
        let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let response = csv_download(&t, "dept01", &now, ("x.csv", 2), &["n"], &rows)
            .unwrap_or_else(|_| panic!("a CSV"));
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        text.trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// A file cut at its row limit says so beside the watermark; a whole one does not.
    #[tokio::test]
    async fn a_cut_export_says_so_on_its_first_line() {
        let whole = first_line(1).await;
        assert!(whole.starts_with("导出人 dept01 · "), "{whole}");
        assert!(!whole.contains("上限"), "{whole}");
        let cut = first_line(2).await;
        assert!(cut.contains("行数已达上限") && cut.ends_with(" 2"), "{cut}");
    }
}
