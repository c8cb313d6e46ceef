//! Roster's developer tasks, as a library so that benchmarks can generate estates in
//! process: synthetic AWS estates ([`estate`]), the JSON parse floor ([`floor`]) and the
//! stages of an import scan, to time one by one ([`pipeline`]).

pub mod estate;
pub mod floor;
pub mod pipeline;
pub mod rng;
