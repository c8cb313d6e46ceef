//! Roster's developer tasks, as a library so that benchmarks can generate estates in
//! process: synthetic AWS estates ([`estate`]) and the JSON parse floor ([`floor`]).

pub mod estate;
pub mod floor;
pub mod rng;
