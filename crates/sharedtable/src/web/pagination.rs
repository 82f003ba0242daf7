//! The one pagination helper of the pages: parse `page` / `per_page` from a query, and give the
//! links and words of a page of a list.

use super::{link, Error};
use crate::network::report::format_number;
use crate::network::store::PageRequest;

/// Page size of page lists unless the query asks for another.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// Parse `page` (1-based, default 1) and `per_page` (default `default_per_page`, at most
/// [`PageRequest::MAX_PER_PAGE`]) from query values; empty values count as absent. Errors name
/// the parameter and say what is expected.
pub fn parse(page: Option<&str>, per_page: Option<&str>, default_per_page: u32) -> Result<PageRequest, Error> {
    let num = |name: &str, v: Option<&str>, default: u32, max: u32| -> Result<u32, Error> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(Error::BadRequest(format!("{name} '{v}' is not a whole number from 1 to {max}"))),
            },
        }
    };
    Ok(PageRequest {
        page: num("page", page, 1, 1_000_000)?,
        per_page: num("per_page", per_page, default_per_page, PageRequest::MAX_PER_PAGE)?,
    })
}

/// A page of a list, for the template: where it is, how many there are, and links to the pages
/// before and after that keep the list's other query parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub page: u32,
    pub per_page: u32,
    /// Rows matching, on all pages.
    pub total: i64,
    path: String,
    /// The list's other query parameters (filters, sort), kept in every link.
    params: Vec<(String, String)>,
}

impl Pagination {
    /// `params` are the list's query parameters other than `page` and `per_page`.
    pub fn new(req: PageRequest, total: i64, path: &str, params: &[(&str, &str)]) -> Pagination {
        Pagination {
            page: req.page,
            per_page: req.per_page,
            total,
            path: path.to_string(),
            params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }
    /// Number of pages (at least 1).
    pub fn pages(&self) -> u32 {
        ((self.total.max(0) as u64).div_ceil(self.per_page.max(1) as u64)).max(1) as u32
    }
    fn href(&self, page: u32) -> String {
        let page_s = page.to_string();
        let per_s = self.per_page.to_string();
        let mut pairs: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if page > 1 {
            pairs.push(("page", &page_s));
        }
        if self.per_page != DEFAULT_PER_PAGE {
            pairs.push(("per_page", &per_s));
        }
        link(&self.path, &pairs)
    }
    /// Link to the previous page, if there is one.
    pub fn prev_href(&self) -> Option<String> {
        (self.page > 1).then(|| self.href((self.page - 1).min(self.pages())))
    }
    /// Link to the next page, if there is one.
    pub fn next_href(&self) -> Option<String> {
        (self.page < self.pages()).then(|| self.href(self.page + 1))
    }
    /// In words: "Showing 51–100 of 2,000", "Showing 1 of 1", "None found".
    pub fn summary(&self) -> String {
        if self.total <= 0 {
            return "None found".into();
        }
        let first = (self.page as i64 - 1) * self.per_page as i64 + 1;
        if first > self.total {
            return format!("Page {} is past the end; there are {}", self.page, format_number(self.total as f64));
        }
        let last = (first + self.per_page as i64 - 1).min(self.total);
        let range = if first == last { format_number(first as f64) } else { format!("{}–{}", format_number(first as f64), format_number(last as f64)) };
        format!("Showing {range} of {}", format_number(self.total as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_defaults_and_errors() {
        let r = parse(None, Some(""), 50).unwrap();
        assert_eq!((r.page, r.per_page), (1, 50));
        let r = parse(Some("3"), Some("20"), 50).unwrap();
        assert_eq!((r.page, r.per_page), (3, 20));
        match parse(Some("0"), None, 50).unwrap_err() {
            Error::BadRequest(m) => assert_eq!(m, "page '0' is not a whole number from 1 to 1000000"),
            e => panic!("{e:?}"),
        }
        assert!(parse(None, Some("9999"), 50).is_err());
    }

    #[test]
    fn links_keep_the_filters() {
        let p = Pagination::new(PageRequest { page: 2, per_page: 50 }, 120, "/partnerships", &[("state", "AZ"), ("sort", "name")]);
        assert_eq!(p.pages(), 3);
        assert_eq!(p.prev_href().as_deref(), Some("/partnerships?state=AZ&sort=name"));
        assert_eq!(p.next_href().as_deref(), Some("/partnerships?state=AZ&sort=name&page=3"));
        assert_eq!(p.summary(), "Showing 51–100 of 120");
        let last = Pagination::new(PageRequest { page: 3, per_page: 50 }, 120, "/x", &[]);
        assert_eq!((last.next_href(), last.summary()), (None, "Showing 101–120 of 120".to_string()));
        assert_eq!(Pagination::new(PageRequest { page: 1, per_page: 50 }, 0, "/x", &[]).summary(), "None found");
        let small = Pagination::new(PageRequest { page: 1, per_page: 10 }, 2000, "/x", &[]);
        assert_eq!(small.next_href().as_deref(), Some("/x?page=2&per_page=10"));
        assert_eq!(small.summary(), "Showing 1–10 of 2,000");
    }
}
