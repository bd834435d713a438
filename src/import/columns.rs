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
    Resolution,
    Resolved,
    Service,
    Category,
}

impl Field {
    pub const ALL: [Field; 10] = [
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
        }
    }

    /// A ticket without these cannot be imported.
    pub fn required(self) -> bool {
        matches!(self, Self::Title | Self::ExternalId | Self::Created)
    }

    /// The column of Jira's CSV export that holds the field.
    fn jira_column(self) -> Option<&'static str> {
        match self {
            Self::Title => Some("Summary"),
            Self::ExternalId => Some("Issue id"),
            Self::Created => Some("Created"),
            Self::Description => Some("Description"),
            Self::Status => Some("Status"),
            Self::Priority => Some("Priority"),
            Self::Resolution => Some("Resolution"),
            Self::Resolved => Some("Resolved"),
            Self::Service | Self::Category => None,
        }
    }

    /// What a ticket gets when the file has no column for the field.
    fn when_absent(self) -> &'static str {
        match self {
            Self::Description => "descriptions stay empty",
            Self::Status => "every ticket imports as NEW",
            Self::Priority => "tickets import without a priority",
            Self::Resolution => "resolved tickets get a placeholder resolution summary",
            Self::Resolved => "resolved tickets count as resolved when they were created",
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

/// Column names per field, before the header is known.
#[derive(Debug, Clone, Default)]
pub struct ColumnSpec {
    /// Columns the operator named (`--map`): an absent one is an error.
    explicit: BTreeMap<Field, String>,
    /// Jira's defaults: an absent optional one only leaves the field empty.
    defaults: BTreeMap<Field, String>,
}

impl ColumnSpec {
    /// Jira's CSV export columns.
    pub fn jira() -> Self {
        Self {
            explicit: BTreeMap::new(),
            defaults: Field::ALL
                .into_iter()
                .filter_map(|f| f.jira_column().map(|c| (f, c.to_owned())))
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
            .filter(|f| f.required() && self.column_name(*f).is_none())
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

    fn column_name(&self, field: Field) -> Option<&str> {
        self.explicit
            .get(&field)
            .or_else(|| self.defaults.get(&field))
            .map(String::as_str)
    }

    /// Finds each field's column in `header`: an exact match first, else one that differs
    /// only in case or surrounding spaces. Fails, naming the column, when a required or an
    /// explicitly mapped one is missing; an absent optional Jira column gives a note.
    pub fn resolve(&self, header: &[String]) -> Result<Columns, HeaderError> {
        let mut found = BTreeMap::new();
        let mut notes = Vec::new();
        for field in Field::ALL {
            let Some(name) = self.column_name(field) else {
                continue;
            };
            let index = header.iter().position(|h| h == name).or_else(|| {
                header
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
            });
            match index {
                Some(i) => {
                    found.insert(field, (i, header[i].trim().to_owned()));
                }
                None if field.required() || self.explicit.contains_key(&field) => {
                    return Err(HeaderError {
                        field,
                        column: name.to_owned(),
                        found: header.to_vec(),
                    });
                }
                None => notes.push(format!(
                    "the file has no `{name}` column, so {}",
                    field.when_absent()
                )),
            }
        }
        Ok(Columns {
            found,
            width: header.len(),
            notes,
        })
    }
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
    found: BTreeMap<Field, (usize, String)>,
    width: usize,
    notes: Vec<String>,
}

impl Columns {
    /// The field's column index and its name as the header spells it.
    pub fn get(&self, field: Field) -> Option<(usize, &str)> {
        self.found.get(&field).map(|(i, n)| (*i, n.as_str()))
    }

    /// How many fields the header has: every row must have as many.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The column indexes the import reads.
    pub fn indexes(&self) -> Vec<usize> {
        self.found.values().map(|(i, _)| *i).collect()
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
