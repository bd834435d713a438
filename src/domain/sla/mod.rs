//! Service levels: how long a target is (`duration`), when a business-hours clock runs
//! (`hours`), how a clock counts (`calendar`: around the clock or business hours), a policy's
//! targets per priority (`policy`), an incident's clocks read at an instant (`clock`), and
//! where it stands as a whole (`standing`).

mod calendar;
pub mod clock;
mod duration;
mod hours;
pub mod notice;
pub mod policy;
pub mod standing;

pub use calendar::Calendar;
pub use duration::SlaDuration;
pub use hours::BusinessHours;
