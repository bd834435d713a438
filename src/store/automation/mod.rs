//! Automation storage: the rules (`rules`), their firings (`runs`), and how far the timeline
//! has been read for triggers (`cursor`).

pub mod cursor;
pub mod rules;
pub mod runs;
