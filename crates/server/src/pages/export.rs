//! CSV downloads of the working lists: a first line naming who exported the file and when
//! (a copy that travels says where it came from), a header line, the rows, and a byte-order
//! mark so spreadsheet programs read the Chinese as UTF-8.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::i18n::Tr;

use crate::error::ApiError;

/// The CSV file `filename` with the exporter's watermark, `header` and `rows`.
pub(super) fn csv_download<S: AsRef<str>>(
    t: &Tr,
    exporter: &str,
    now: &civicgrid_domain::Instant,
    filename: &'static str,
    header: &[S],
    rows: &[Vec<String>],
) -> Result<Response, ApiError> {
    let mark = format!(
        "{} {} · {}",
        t.s("audit.exported_by"),
        exporter,
        t.time(now)
    );
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut first = vec![mark.as_str()];
    first.resize(header.len().max(1), "");
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
        filename,
        &super::lists::export_header(t),
        &lines,
    )
}
