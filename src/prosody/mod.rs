//! Prosody: how the synthetic speech is shaped to the original speaker.
//!
//! - timing ([`onsets`], [`timing`], [`fit`], [`phrases`]): each phrase between the speaker's pauses is
//!   spoken in its span, and with word timing on each word starts where the speaker's did;
//! - melody ([`melody`]): the speaker's F0 contour, moved into the voice's own range;
//! - loudness ([`loudness`]): the speaker's energy contour and overall loudness;
//! - voice transforms: pitch and formant shifts on top of any voice.
//!
//! The signal work is done by [`pitch`] (pYIN F0 tracking), [`psola`] (pitch-synchronous
//! overlap-add: timing and pitch changed together) and [`stretch`] (WSOLA, for plain
//! phrase-level fitting); [`shape`] puts them together for one phrase.

pub mod align;
pub mod fit;
pub mod loudness;
pub mod mel;
pub mod melody;
pub mod onsets;
pub mod phrases;
pub mod pitch;
pub mod psola;
pub mod shape;
pub mod stretch;
pub mod timing;

use serde::{Deserialize, Serialize};

/// Which parts of the speaker's prosody are carried over, and the voice transforms.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prosody {
    /// Word-level timing: each word placed where the speaker said it (else phrase-level).
    pub timing: bool,
    /// The speaker's melody (F0 contour) in the voice's range.
    pub melody: bool,
    /// The speaker's energy contour and overall loudness.
    pub loudness: bool,
    /// Pitch shift in semitones (0 = the voice's own).
    pub pitch_shift: f32,
    /// Formant shift in semitones (0 = the voice's own; negative sounds larger, deeper).
    pub formant_shift: f32,
}

impl Default for Prosody {
    /// Everything off: the plain voice, fitted phrase by phrase.
    fn default() -> Self {
        Self {
            timing: false,
            melody: false,
            loudness: false,
            pitch_shift: 0.0,
            formant_shift: 0.0,
        }
    }
}

impl Prosody {
    /// Whether the speech goes through PSOLA at all (else the plain phrase fit).
    pub fn reshapes(&self) -> bool {
        self.timing || self.melody || self.pitch_shift != 0.0 || self.formant_shift != 0.0
    }
}
