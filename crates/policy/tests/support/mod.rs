pub mod gaad;
