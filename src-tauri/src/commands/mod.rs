//! The commands the UI calls, one file per area. Each is thin: it checks and converts its
//! arguments, calls the engine (or presets, the player, a dialog), and converts the result.
//! No pipeline logic lives here.

pub mod app;
pub mod files;
pub mod jobs;
pub mod player;
pub mod presets;
