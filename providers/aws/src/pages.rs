//! Reads the pages of an account-authorization dump from one file.
//!
//! `get-account-authorization-details` pages by `Marker`. Exports arrive as one merged object
//! (the CLI follows the markers itself), as one object per page written back to back, or as
//! a JSON array of page objects. All three become a list of pages here.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::detect::strip_bom;
use crate::error::ImportError;
use crate::raw::Page;

/// The pages of one dump file.
#[derive(Debug)]
pub(crate) struct DumpFile {
    pub path: PathBuf,
    pub pages: Vec<Page>,
    /// Reason the file is incomplete, set when its last page has `IsTruncated` true.
    pub truncation: Option<String>,
}

/// Parses the pages of a dump and checks their markers.
pub(crate) fn parse_dump(path: &Path, bytes: &[u8]) -> Result<DumpFile, ImportError> {
    let pages = read_pages(path, bytes)?;

    check_pages(path, &pages)?;

    let truncation = truncation(path, &pages);
    Ok(DumpFile {
        path: path.to_path_buf(),
        pages,
        truncation,
    })
}

fn read_pages(path: &Path, bytes: &[u8]) -> Result<Vec<Page>, ImportError> {
    let bytes = strip_bom(bytes);
    if let Some(page) = read_merged_page(bytes) {
        return Ok(vec![page]);
    }

    let mut pages = Vec::new();
    for value in serde_json::Deserializer::from_slice(bytes).into_iter::<PageOrPages>() {
        let value =
            value.map_err(|error| ImportError::json(path, "account-authorization dump", &error))?;
        match value {
            PageOrPages::Page(page) => pages.push(*page),
            PageOrPages::Pages(list) => pages.extend(list),
        }
    }
    Ok(pages)
}

/// Reads a dump that is one merged page, the common export, on every core: the lists'
/// entries are found first, then parsed side by side. Returns `None` for any other shape and
/// for any error, so that the sequential reader, which names the line and column, handles
/// the file.
fn read_merged_page(bytes: &[u8]) -> Option<Page> {
    let starts_with_object = bytes
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'{');
    if !starts_with_object {
        return None;
    }
    let raw: RawPage<'_> = serde_json::from_slice(bytes).ok()?;
    Some(Page {
        user_detail_list: parse_entries(raw.user_detail_list)?,
        group_detail_list: parse_entries(raw.group_detail_list)?,
        role_detail_list: parse_entries(raw.role_detail_list)?,
        policies: parse_entries(raw.policies)?,
        is_truncated: raw.is_truncated,
        marker: raw.marker,
        next_token: raw.next_token,
    })
}

/// Parses the entries of one list side by side. Returns `None` when any of them is invalid.
fn parse_entries<T: DeserializeOwned + Send>(
    entries: Option<Vec<&RawValue>>,
) -> Option<Option<Vec<T>>> {
    let Some(entries) = entries else {
        return Some(None);
    };
    entries
        .par_iter()
        .map(|entry| serde_json::from_str(entry.get()).ok())
        .collect::<Option<Vec<T>>>()
        .map(Some)
}

/// A merged page whose list entries are kept as unparsed JSON text. Its fields mirror
/// [`Page`].
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPage<'a> {
    #[serde(default, borrow)]
    user_detail_list: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    group_detail_list: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    role_detail_list: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    policies: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    is_truncated: Option<bool>,
    #[serde(default)]
    marker: Option<String>,
    #[serde(default)]
    next_token: Option<String>,
}

/// Rejects a page that contains none of the four lists and a `Marker` seen on an earlier page.
fn check_pages(path: &Path, pages: &[Page]) -> Result<(), ImportError> {
    let mut markers = BTreeSet::new();
    for (index, page) in pages.iter().enumerate() {
        let number = index + 1;
        let has_list = page.user_detail_list.is_some()
            || page.group_detail_list.is_some()
            || page.role_detail_list.is_some()
            || page.policies.is_some();
        if !has_list {
            return Err(ImportError::NotAPage {
                path: path.to_path_buf(),
                page: number,
            });
        }

        let Some(marker) = &page.marker else {
            continue;
        };
        if !markers.insert(marker.as_str()) {
            return Err(ImportError::RepeatedMarker {
                path: path.to_path_buf(),
                page: number,
                marker: marker.clone(),
            });
        }
    }
    Ok(())
}

/// Describes the missing pages when the last page has `IsTruncated` true or a `NextToken`.
fn truncation(path: &Path, pages: &[Page]) -> Option<String> {
    let last = pages.last()?;
    if let Some(token) = last.next_token.as_deref().filter(|token| !token.is_empty()) {
        return Some(format!(
            "page {} of `{}` has the NextToken `{token}`, so the AWS CLI stopped before the last page (as `--max-items` makes it): the pages after it are missing; export the dump again without `--max-items`",
            pages.len(),
            path.display()
        ));
    }
    if last.is_truncated != Some(true) {
        return None;
    }
    let marker = last
        .marker
        .as_deref()
        .map_or_else(String::new, |marker| format!(" and Marker `{marker}`"));
    Some(format!(
        "page {} of `{}` has IsTruncated true{marker}, but the file ends there: the pages after it are missing",
        pages.len(),
        path.display()
    ))
}

/// One top-level JSON value of a dump file: a page, or an array of pages.
enum PageOrPages {
    Page(Box<Page>),
    Pages(Vec<Page>),
}

impl<'de> Deserialize<'de> for PageOrPages {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PageOrPagesVisitor)
    }
}

struct PageOrPagesVisitor;

impl<'de> Visitor<'de> for PageOrPagesVisitor {
    type Value = PageOrPages;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a page object or an array of page objects")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PageOrPages, A::Error> {
        let page = Page::deserialize(MapAccessDeserializer::new(map))?;
        Ok(PageOrPages::Page(Box::new(page)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PageOrPages, A::Error> {
        let pages = Vec::<Page>::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(PageOrPages::Pages(pages))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const PAGE_ONE: &str = r#"{"UserDetailList":[{"Path":"/","UserName":"a","UserId":"AIDAEXAMPLEUSERAAAAA","Arn":"arn:aws:iam::111122223333:user/a","CreateDate":"2024-01-01T00:00:00Z"}],"RoleDetailList":[],"GroupDetailList":[],"Policies":[],"IsTruncated":true,"Marker":"m1"}"#;
    const PAGE_TWO: &str = r#"{"UserDetailList":[],"RoleDetailList":[],"GroupDetailList":[],"Policies":[],"IsTruncated":false}"#;

    fn parse(text: &str) -> Result<DumpFile, ImportError> {
        parse_dump(Path::new("dump.json"), text.as_bytes())
    }

    #[test]
    fn merged_object_is_one_page() {
        let dump = parse(PAGE_TWO).unwrap();
        assert_eq!(dump.pages.len(), 1);
        assert_eq!(dump.truncation, None);
    }

    #[test]
    fn concatenated_pages_are_read_in_order() {
        let dump = parse(&format!("{PAGE_ONE}\n{PAGE_TWO}\n")).unwrap();
        assert_eq!(dump.pages.len(), 2);
        assert_eq!(dump.pages[0].marker.as_deref(), Some("m1"));
        assert_eq!(dump.truncation, None);
    }

    #[test]
    fn array_of_pages_is_read() {
        let dump = parse(&format!("[{PAGE_ONE}, {PAGE_TWO}]")).unwrap();
        assert_eq!(dump.pages.len(), 2);
        assert_eq!(dump.truncation, None);
    }

    #[test]
    fn truncated_last_page_is_reported() {
        let dump = parse(PAGE_ONE).unwrap();
        let reason = dump.truncation.unwrap();
        assert!(reason.contains("page 1 of `dump.json`"), "{reason}");
        assert!(reason.contains("Marker `m1`"), "{reason}");
    }

    #[test]
    fn next_token_of_last_page_is_truncation() {
        let text = r#"{"UserDetailList": [], "NextToken": "eyJNYXJrZXIiOiAibTEifQ=="}"#;
        let reason = parse(text).unwrap().truncation.unwrap();
        assert!(
            reason.contains("NextToken `eyJNYXJrZXIiOiAibTEifQ==`"),
            "{reason}"
        );
        assert!(reason.contains("without `--max-items`"), "{reason}");
    }

    #[test]
    fn empty_next_token_is_no_truncation() {
        let text = r#"{"UserDetailList": [], "NextToken": ""}"#;
        assert_eq!(parse(text).unwrap().truncation, None);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let dump = parse(&format!("\u{feff}{PAGE_TWO}")).unwrap();
        assert_eq!(dump.pages.len(), 1);
    }

    #[test]
    fn repeated_marker_is_an_error() {
        let error = parse(&format!("{PAGE_ONE}{PAGE_ONE}{PAGE_TWO}")).unwrap_err();
        assert!(matches!(
            &error,
            ImportError::RepeatedMarker { page: 2, marker, .. } if marker == "m1"
        ));
        assert!(error.to_string().contains("repeats the Marker `m1`"));
    }

    #[test]
    fn object_without_lists_is_not_a_page() {
        let error = parse(&format!("[{PAGE_TWO}, {{\"AccountID\": \"1\"}}]")).unwrap_err();
        assert!(matches!(error, ImportError::NotAPage { page: 2, .. }));
    }

    #[test]
    fn missing_required_field_names_position() {
        let text = "{\"RoleDetailList\": [\n  {\"RoleName\": \"r\"}\n]}";
        let error = parse(text).unwrap_err();
        let ImportError::Json { line, message, .. } = &error else {
            panic!("expected a JSON error, got {error:?}");
        };
        assert_eq!(*line, 2);
        assert!(message.contains("missing field"), "{message}");
        assert!(error.to_string().starts_with("dump.json:2:"), "{error}");
    }

    #[test]
    fn extra_fields_are_ignored() {
        let text = r#"{"Policies": [], "SomethingNew": {"a": 1}}"#;
        assert_eq!(parse(text).unwrap().pages.len(), 1);
    }
}
