//! `NextToken` / `MaxResults` paging for Glue's and Athena's catalog listings.
//!
//! A token is the offset of the next item in the listing, as text. The catalog sorts
//! every listing, so an offset names the same place on the next call unless the listing
//! changed in between. The last page carries no token: botocore's paginators stop on a
//! missing token and fail on a repeated one.

use crate::serve::protocol::ApiError;

/// Which part of a listing one call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    start: usize,
    size: usize,
}

impl Page {
    /// The page `token` and `max_results` ask for. `limit` is the operation's largest
    /// `MaxResults` (also the default); errors use the service's `code`.
    pub fn of(
        token: Option<&str>,
        max_results: Option<i64>,
        limit: usize,
        code: &'static str,
    ) -> Result<Page, ApiError> {
        let size = match max_results {
            None => limit,
            Some(n) if n >= 1 && n as u64 <= limit as u64 => n as usize,
            Some(n) => {
                return Err(ApiError::client(
                    code,
                    format!("MaxResults is {n}; it must be between 1 and {limit}"),
                ));
            }
        };
        let start = match token.map(str::trim) {
            None | Some("") => 0,
            Some(t) => t
                .parse()
                .map_err(|_| ApiError::client(code, format!("NextToken {t} is not valid")))?,
        };
        Ok(Page { start, size })
    }

    /// This page of `items` and the token of the next page, if there is one.
    pub fn slice<'a, T>(&self, items: &'a [T]) -> (&'a [T], Option<String>) {
        let (range, next) = self.range(items.len());
        (&items[range], next)
    }

    /// The positions of this page in a listing of `len` items, and the next page's token.
    pub fn range(&self, len: usize) -> (std::ops::Range<usize>, Option<String>) {
        let start = self.start.min(len);
        let end = start.saturating_add(self.size).min(len);
        (start..end, (end < len).then(|| end.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(items: &[u32], max: i64) -> Vec<Vec<u32>> {
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = Page::of(token.as_deref(), Some(max), 100, "X").unwrap();
            let (items, next) = page.slice(items);
            pages.push(items.to_vec());
            match next {
                Some(t) => {
                    assert_ne!(Some(&t), token.as_ref(), "a token must never repeat");
                    token = Some(t);
                }
                None => return pages,
            }
        }
    }

    #[test]
    fn pages_cover_the_listing_once_and_end_without_a_token() {
        let items: Vec<u32> = (0..7).collect();
        assert_eq!(walk(&items, 3), vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
        assert_eq!(walk(&items, 7), vec![items.clone()]);
        assert_eq!(walk(&[], 3), vec![Vec::<u32>::new()]);
    }

    #[test]
    fn bad_sizes_and_tokens_are_refused() {
        assert!(Page::of(None, Some(0), 100, "X").is_err());
        assert!(Page::of(None, Some(101), 100, "X").is_err());
        let e = Page::of(Some("abc"), None, 100, "InvalidInputException").unwrap_err();
        assert_eq!(e.code, "InvalidInputException");
        let page = Page::of(Some(""), None, 100, "X").unwrap();
        assert_eq!(page.slice(&[1, 2]).0, &[1, 2]);
        // A token past the end gives an empty last page.
        let page = Page::of(Some("9"), None, 100, "X").unwrap();
        assert_eq!(page.slice(&[1, 2]), (&[][..], None));
    }
}
