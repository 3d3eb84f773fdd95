//! Prosody: how the synthetic speech is shaped to the original. For now timing (each segment
//! fits its original span); melody and loudness transfer come later.
pub mod fit;
pub mod stretch;
