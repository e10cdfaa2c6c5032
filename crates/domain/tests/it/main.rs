//! The domain crate's integration tests: the workflow machine over every
//! (status, action) pair, the rules around it, and hostile input for every
//! parser. Plain data in, plain data out.

mod hostile;
mod machine;
mod story;
