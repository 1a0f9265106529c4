//! How much of a glyph a clipping region shows: the one rule the reader (which notes the clip
//! of a glyph it cuts), the word builder (which leaves out a glyph it hides) and layout share.

use serde::{Deserialize, Serialize};

use crate::Rect;

/// What a clip leaves visible of a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    /// All of it, or all but an edge a glyph box has to spare (the font's ascent and descent
    /// reach past a tight cell clip without the letters being cut).
    All,
    /// Part of it: the clip cuts through it.
    Part,
    /// Nothing, or a sliver too thin to read.
    Nothing,
}

/// Along the baseline (the box's width), less than this share visible is a sliver, at least
/// [`WHOLE_ALONG`] is whole.
const SLIVER_ALONG: f32 = 0.25;
const WHOLE_ALONG: f32 = 0.9;
/// Across the baseline (ascent to descent), the same two shares: a box's height runs past its
/// letters, so more of it may go before they are cut.
const SLIVER_ACROSS: f32 = 0.3;
const WHOLE_ACROSS: f32 = 0.75;

/// How much of `bbox` (display coordinates) the clip `clip` shows. A box with no width or
/// height (a zero-advance mark) is shown when its centre is inside the clip.
pub fn shown(bbox: &Rect, clip: &Rect) -> Shown {
    if bbox.width() <= 0.0 || bbox.height() <= 0.0 {
        let c = bbox.center();
        let inside = clip.x0 <= c.x && c.x <= clip.x1 && clip.y0 <= c.y && c.y <= clip.y1;
        return if inside { Shown::All } else { Shown::Nothing };
    }
    let Some(seen) = bbox.intersection(clip) else {
        return Shown::Nothing;
    };
    let along = seen.width() / bbox.width();
    let across = seen.height() / bbox.height();
    if along < SLIVER_ALONG || across < SLIVER_ACROSS {
        Shown::Nothing
    } else if along >= WHOLE_ALONG && across >= WHOLE_ACROSS {
        Shown::All
    } else {
        Shown::Part
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_inside_cut_and_outside() {
        let clip = Rect::new(0.0, 0.0, 100.0, 20.0);
        assert_eq!(shown(&Rect::new(10.0, 5.0, 16.0, 15.0), &clip), Shown::All);
        // Ascent reaching 2 pt above a tight clip: still whole.
        assert_eq!(shown(&Rect::new(10.0, -2.0, 16.0, 10.0), &clip), Shown::All);
        assert_eq!(
            shown(&Rect::new(97.0, 5.0, 103.0, 15.0), &clip),
            Shown::Part
        );
        assert_eq!(
            shown(&Rect::new(99.5, 5.0, 105.5, 15.0), &clip),
            Shown::Nothing
        );
        assert_eq!(
            shown(&Rect::new(10.0, 40.0, 16.0, 50.0), &clip),
            Shown::Nothing
        );
        let mark = Rect::new(50.0, 10.0, 50.0, 10.0);
        assert_eq!(shown(&mark, &clip), Shown::All);
    }
}
