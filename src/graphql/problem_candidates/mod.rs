//! Problem candidates: groups of alike resolved incidents without a problem, proposed to
//! managers, and turning one into a problem.

mod inputs;
mod mutation;
mod query;

pub use mutation::ProblemCandidateMutation;
pub use query::ProblemCandidateQuery;
