//! Prosody: how the synthetic speech is shaped to the original. For now timing (each phrase
//! between the speaker's pauses fits its original span); melody and loudness transfer come later.
pub mod fit;
pub mod phrases;
pub mod stretch;
