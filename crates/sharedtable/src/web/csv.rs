//! The one CSV writer of the web layer: rows of text to a `text/csv` download.
//!
//! Cells that a spreadsheet would run as a formula (text starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) get a leading apostrophe, after OWASP's "CSV injection" advice; numbers such
//! as `-3.5` are left as they are.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::Error;

/// Neutralize a cell a spreadsheet would treat as a formula (see the module docs).
pub fn safe_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Write a header row and data rows as CSV (RFC 4180 quoting, `\n` line ends, UTF-8).
pub fn write<I, R, S>(header: &[&str], rows: I) -> Result<Vec<u8>, Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let ie = |e: ::csv::Error| Error::Internal(anyhow::anyhow!("writing CSV: {e}"));
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record(header).map_err(ie)?;
    for row in rows {
        let cells: Vec<String> = row.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()).collect();
        w.write_record(&cells).map_err(ie)?;
    }
    w.into_inner().map_err(|e| Error::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

/// A CSV download named `filename` (letters, digits, `-`, `_` and `.` only).
pub fn response<I, R, S>(filename: &str, header: &[&str], rows: I) -> Result<Response, Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let body = write(header, rows)?;
    let name: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| Error::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralizes_formulas() {
        let out = write(&["name", "value"], vec![vec!["Acme, Inc.", "-3.5"], vec!["=HYPERLINK(\"x\")", "say \"hi\""]]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "name,value\n\"Acme, Inc.\",-3.5\n\"'=HYPERLINK(\"\"x\"\")\",\"say \"\"hi\"\"\"\n");
    }
}
