//! Service levels: how long a target is (`duration`), when a business-hours clock runs
//! (`hours`), how a clock counts (`calendar`: around the clock or business hours), a policy's
//! targets per priority (`policy`), and an incident's clocks read at an instant (`clock`).

mod calendar;
pub mod clock;
mod duration;
mod hours;
pub mod notice;
pub mod policy;

pub use calendar::Calendar;
pub use duration::SlaDuration;
pub use hours::BusinessHours;
