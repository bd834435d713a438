//! Which CSV column holds each incident field: Jira's export columns by default, or the
//! operator's `--map title=Summary,...`. Resolved against the file's header before anything is
//! imported, so a missing column is one clear error naming it and listing the columns found.

use std::collections::BTreeMap;
use std::fmt;

/// The incident fields an import can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Title,
    ExternalId,
    Created,
    Description,
    Status,
    Priority,
    /// The resolution's kind (Jira's Done, Fixed, Won't Do, Duplicate, ...), never its text.
    Resolution,
    Resolved,
    Service,
    Category,
    /// The resolution's text: what restored service.
    Summary,
    RootCause,
    Fix,
    /// Comments, into the timeline (Jira repeats the column, one comment per cell).
    Comment,
    /// Labels, kept in the IMPORTED event (Jira repeats the column).
    Labels,
    /// The original a duplicate duplicates (Jira's `Outward issue link (Duplicate)`).
    DuplicateOf,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Self::Title,
        Self::ExternalId,
        Self::Created,
        Self::Description,
        Self::Status,
        Self::Priority,
        Self::Resolution,
        Self::Resolved,
        Self::Service,
        Self::Category,
        Self::Summary,
        Self::RootCause,
        Self::Fix,
        Self::Comment,
        Self::Labels,
        Self::DuplicateOf,
    ];

    /// The name `--map` uses.
    pub fn key(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::ExternalId => "external_id",
            Self::Created => "created",
            Self::Description => "description",
            Self::Status => "status",
            Self::Priority => "priority",
            Self::Resolution => "resolution",
            Self::Resolved => "resolved",
            Self::Service => "service",
            Self::Category => "category",
            Self::Summary => "summary",
            Self::RootCause => "root_cause",
            Self::Fix => "fix",
            Self::Comment => "comment",
            Self::Labels => "labels",
            Self::DuplicateOf => "duplicate_of",
        }
    }

    /// A ticket without these cannot be imported.
    pub fn required(self) -> bool {
        matches!(self, Self::Title | Self::ExternalId | Self::Created)
    }

    /// Fields whose column may repeat, every copy read (Jira writes one column per comment,
    /// label, component and link).
    pub fn repeats(self) -> bool {
        matches!(
            self,
            Self::Service | Self::Comment | Self::Labels | Self::DuplicateOf
        )
    }

    /// The columns of Jira's CSV export that may hold the field, the preferred first: the
    /// `Issue key` (OPS-1000) is the id people know; exports without it have `Issue id`.
    fn jira_columns(self) -> &'static [&'static str] {
        match self {
            Self::Title => &["Summary"],
            Self::ExternalId => &["Issue key", "Issue id"],
            Self::Created => &["Created"],
            Self::Description => &["Description"],
            Self::Status => &["Status"],
            Self::Priority => &["Priority"],
            Self::Resolution => &["Resolution"],
            Self::Resolved => &["Resolved"],
            Self::Service => &["Component/s"],
            Self::Comment => &["Comment"],
            Self::Labels => &["Labels"],
            Self::DuplicateOf => &["Outward issue link (Duplicate)"],
            Self::Category | Self::Summary | Self::RootCause | Self::Fix => &[],
        }
    }

    /// What a ticket gets when the file has no column for the field; empty: nothing worth
    /// a note.
    fn when_absent(self) -> &'static str {
        match self {
            Self::Description => "descriptions stay empty",
            Self::Status => "every ticket imports as NEW",
            Self::Priority => "tickets import without a priority",
            Self::Resolved => "resolved tickets count as resolved when they were created",
            Self::Service => "tickets get the --service default",
            _ => "",
        }
    }

    fn parse_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Columns that identify a ticket in any export of Jira, read whatever `--map` says: an
/// import is deduplicated on all of them, so mapping `external_id` differently the second
/// time duplicates nothing.
pub const IDENTITY_COLUMNS: [&str; 2] = ["Issue key", "Issue id"];

/// Column names per field, before the header is known.
#[derive(Debug, Clone, Default)]
pub struct ColumnSpec {
    /// Columns the operator named (`--map`): an absent one is an error.
    explicit: BTreeMap<Field, String>,
    /// Jira's defaults, preferred first: an absent optional one only leaves the field empty.
    defaults: BTreeMap<Field, Vec<String>>,
}

impl ColumnSpec {
    /// Jira's CSV export columns.
    pub fn jira() -> Self {
        Self {
            explicit: BTreeMap::new(),
            defaults: Field::ALL
                .into_iter()
                .filter(|f| !f.jira_columns().is_empty())
                .map(|f| (f, f.jira_columns().iter().map(|c| c.to_string()).collect()))
                .collect(),
        }
    }

    /// Only what `--map` names.
    pub fn mapped() -> Self {
        Self::default()
    }

    /// Adds `--map` entries (`FIELD=COLUMN`); they override Jira's defaults.
    pub fn with_map(mut self, entries: &[String]) -> Result<Self, String> {
        for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let Some((key, column)) = entry.split_once('=') else {
                return Err(format!(
                    "--map: `{entry}` must look like FIELD=COLUMN, e.g. title=Summary"
                ));
            };
            let (key, column) = (key.trim(), column.trim());
            let field = Field::parse_key(key).ok_or_else(|| {
                format!(
                    "--map: unknown field `{key}`; the fields are {}",
                    Field::ALL.map(Field::key).join(", ")
                )
            })?;
            if column.is_empty() {
                return Err(format!("--map: `{entry}` names no column"));
            }
            if self.explicit.insert(field, column.to_owned()).is_some() {
                return Err(format!("--map: `{key}` is mapped twice"));
            }
        }
        let unmapped: Vec<&str> = Field::ALL
            .into_iter()
            .filter(|f| f.required() && self.candidates(*f).is_empty())
            .map(Field::key)
            .collect();
        if !unmapped.is_empty() {
            return Err(format!(
                "--map must name the column of {}; e.g. --map title=Summary,external_id=Key,created=Created",
                unmapped.join(", ")
            ));
        }
        Ok(self)
    }

    /// The column names that may hold `field`, the preferred first.
    fn candidates(&self, field: Field) -> Vec<&str> {
        match self.explicit.get(&field) {
            Some(name) => vec![name.as_str()],
            None => self
                .defaults
                .get(&field)
                .map(|names| names.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// Finds each field's column in `header`: exact matches first, else ones that differ
    /// only in case or surrounding spaces. Fails, naming the column, when a required or an
    /// explicitly mapped one is missing; an absent optional Jira column gives a note.
    pub fn resolve(&self, header: &[String]) -> Result<Columns, HeaderError> {
        let mut found = BTreeMap::new();
        let mut notes = Vec::new();
        for field in Field::ALL {
            let names = self.candidates(field);
            if names.is_empty() {
                continue;
            }
            let located = names
                .iter()
                .map(|name| (*name, positions(header, name)))
                .find(|(_, at)| !at.is_empty());
            match located {
                Some((_, mut at)) => {
                    if !field.repeats() {
                        at.truncate(1);
                    }
                    let name = header[at[0]].trim().to_owned();
                    found.insert(field, (at, name));
                }
                None if field.required() || self.explicit.contains_key(&field) => {
                    return Err(HeaderError {
                        field,
                        column: names.join("` or `"),
                        found: header.to_vec(),
                    });
                }
                None if field.when_absent().is_empty() => {}
                None => notes.push(format!(
                    "the file has no `{}` column, so {}",
                    names.join("` or `"),
                    field.when_absent()
                )),
            }
        }
        let identity = IDENTITY_COLUMNS
            .iter()
            .filter_map(|name| positions(header, name).first().copied())
            .collect();
        Ok(Columns {
            found,
            identity,
            width: header.len(),
            notes,
        })
    }
}

/// Where `name` is in the header: every exact match, else every case-insensitive one.
fn positions(header: &[String], name: &str) -> Vec<usize> {
    let exact: Vec<usize> = (0..header.len()).filter(|&i| header[i] == name).collect();
    if !exact.is_empty() {
        return exact;
    }
    (0..header.len())
        .filter(|&i| header[i].trim().eq_ignore_ascii_case(name.trim()))
        .collect()
}

/// A required or mapped column the header does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub field: Field,
    pub column: String,
    pub found: Vec<String>,
}

/// At most this many header names are listed in an error.
const LISTED_COLUMNS: usize = 60;

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the header has no `{}` column (for {}); columns found: ",
            self.column, self.field
        )?;
        let names: Vec<String> = self
            .found
            .iter()
            .take(LISTED_COLUMNS)
            .map(|n| format!("`{n}`"))
            .collect();
        f.write_str(&names.join(", "))?;
        if self.found.len() > LISTED_COLUMNS {
            write!(f, " and {} more", self.found.len() - LISTED_COLUMNS)?;
        }
        Ok(())
    }
}

impl std::error::Error for HeaderError {}

/// Where each field is in the file.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Each field's column indexes (several for a repeated column) and its header name.
    found: BTreeMap<Field, (Vec<usize>, String)>,
    /// The identity columns the header has (see `IDENTITY_COLUMNS`).
    identity: Vec<usize>,
    width: usize,
    notes: Vec<String>,
}

impl Columns {
    /// The field's (first) column index and its name as the header spells it.
    pub fn get(&self, field: Field) -> Option<(usize, &str)> {
        self.found
            .get(&field)
            .and_then(|(at, n)| at.first().map(|i| (*i, n.as_str())))
    }

    /// Every column of a repeated field, in header order.
    pub fn all(&self, field: Field) -> &[usize] {
        self.found.get(&field).map_or(&[], |(at, _)| at.as_slice())
    }

    /// The identity columns the header has, whatever the mapping.
    pub fn identity(&self) -> &[usize] {
        &self.identity
    }

    /// How many fields the header has: every row must have as many.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The column indexes the import reads.
    pub fn indexes(&self) -> Vec<usize> {
        let mut all: Vec<usize> = self
            .found
            .values()
            .flat_map(|(at, _)| at.iter().copied())
            .chain(self.identity.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// What the missing optional columns mean for the import.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn jira_defaults_match_case_insensitively_and_note_missing_optional_columns() {
        let columns = ColumnSpec::jira()
            .resolve(&header(&["summary", "Issue id", "Created ", "Status"]))
            .expect("required columns present");
        assert_eq!(columns.get(Field::Title), Some((0, "summary")));
        assert_eq!(columns.get(Field::Created), Some((2, "Created")));
        assert_eq!(columns.get(Field::Priority), None);
        assert!(
            columns
                .notes()
                .iter()
                .any(|n| n.contains("`Priority`") && n.contains("without a priority")),
            "{:?}",
            columns.notes()
        );
    }

    #[test]
    fn a_missing_required_column_is_named_with_the_columns_found() {
        let err = ColumnSpec::jira()
            .resolve(&header(&["Summary", "Issue id"]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the header has no `Created` column (for created); columns found: `Summary`, `Issue id`"
        );
    }

    #[test]
    fn map_overrides_and_explicit_columns_must_exist() {
        let spec = ColumnSpec::mapped()
            .with_map(&[
                "title=Name".into(),
                "external_id=Key".into(),
                "created=Opened".into(),
                "service=Team".into(),
            ])
            .expect("valid map");
        let err = spec
            .resolve(&header(&["Name", "Key", "Opened"]))
            .unwrap_err();
        assert_eq!(err.field, Field::Service);
        assert!(err.to_string().contains("`Team`"));

        let jira = ColumnSpec::jira()
            .with_map(&["external_id=Issue key".into()])
            .expect("valid map");
        let columns = jira
            .resolve(&header(&["Summary", "Issue id", "Issue key", "Created"]))
            .expect("resolves");
        assert_eq!(columns.get(Field::ExternalId), Some((2, "Issue key")));
    }

    #[test]
    fn jira_prefers_the_issue_key_and_reads_repeated_columns() {
        let columns = ColumnSpec::jira()
            .resolve(&header(&[
                "Summary",
                "Issue key",
                "Issue id",
                "Created",
                "Comment",
                "Component/s",
                "Comment",
                "Component/s",
            ]))
            .expect("resolves");
        assert_eq!(columns.get(Field::ExternalId), Some((1, "Issue key")));
        assert_eq!(columns.all(Field::Comment), [4, 6]);
        assert_eq!(columns.all(Field::Service), [5, 7]);
        assert_eq!(columns.identity(), [1, 2]);
        let only_id = ColumnSpec::jira()
            .resolve(&header(&["Summary", "Issue id", "Created"]))
            .expect("resolves");
        assert_eq!(only_id.get(Field::ExternalId), Some((1, "Issue id")));
    }

    #[test]
    fn bad_map_entries_are_explained() {
        let bad = |entries: &[&str]| {
            ColumnSpec::mapped()
                .with_map(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>())
                .unwrap_err()
        };
        assert!(bad(&["title"]).contains("FIELD=COLUMN"));
        assert!(bad(&["colour=Red"]).contains("unknown field `colour`"));
        assert!(bad(&["title=A", "title=B"]).contains("mapped twice"));
        assert!(bad(&["title=A"]).contains("external_id, created"));
    }
}
