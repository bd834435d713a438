//! Domain enums stored as their names in text columns: one way to read them back, so every
//! row conversion says `column::<EventKind>(&m.kind)?` and a value the code does not know
//! (a newer version's, or a hand edit) is a `DbErr` naming the kind and the value.

use sea_orm::DbErr;

use crate::domain::alert::{AlertFormat, AlertStatus, Grouping, Severity};
use crate::domain::event::EventKind;
use crate::domain::incident::Source;
use crate::domain::lifecycle::Status;
use crate::domain::team::{Audience, IncidentRole, UpdateStatus};
use crate::domain::webhook::{DeliveryKind, DeliveryState, WebhookFormat};

/// An enum kept in a text column under the names its `parse` reads.
pub trait TextColumn: Sized {
    /// What it is, for the error: "event kind".
    const KIND: &'static str;
    fn from_text(text: &str) -> Option<Self>;
}

macro_rules! text_columns {
    ($($ty:ty => $kind:literal),* $(,)?) => {$(
        impl TextColumn for $ty {
            const KIND: &'static str = $kind;
            fn from_text(text: &str) -> Option<Self> {
                <$ty>::parse(text)
            }
        }
    )*};
}

text_columns! {
    EventKind => "event kind",
    Audience => "audience",
    UpdateStatus => "update status",
    IncidentRole => "incident role",
    Status => "incident status",
    Source => "incident source",
    WebhookFormat => "webhook format",
    DeliveryState => "delivery state",
    DeliveryKind => "delivery event kind",
    AlertFormat => "alert format",
    Grouping => "alert grouping",
    AlertStatus => "alert state",
    Severity => "alert severity",
}

/// The value of a text column.
pub fn column<T: TextColumn>(text: &str) -> Result<T, DbErr> {
    T::from_text(text).ok_or_else(|| DbErr::Type(format!("unknown {} `{text}`", T::KIND)))
}

/// The value of a nullable text column.
pub fn nullable<T: TextColumn>(text: Option<&str>) -> Result<Option<T>, DbErr> {
    text.map(column).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_read_back_and_unknown_ones_name_the_kind_and_value() {
        assert_eq!(column::<Audience>("PUBLIC").ok(), Some(Audience::Public));
        assert_eq!(nullable::<UpdateStatus>(None).ok(), Some(None));
        let error = column::<EventKind>("EXPLODED").unwrap_err().to_string();
        assert!(error.contains("event kind `EXPLODED`"), "{error}");
    }
}
