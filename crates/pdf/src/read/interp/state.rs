//! The state an operator walk keeps: graphics state, text state, the current path.

use folio_doc::{Matrix, Point, Rgb};

/// Graphics state that `q`/`Q` save and restore.
#[derive(Clone)]
pub(crate) struct GState {
    pub(crate) ctm: Matrix,
    pub(crate) fill: Rgb,
    pub(crate) fill_components: u8,
    pub(crate) text: TextState,
}

impl Default for GState {
    fn default() -> Self {
        Self {
            ctm: Matrix::IDENTITY,
            fill: Rgb([0, 0, 0]),
            fill_components: 1,
            text: TextState::default(),
        }
    }
}

/// Text state parameters (ISO 32000-2, 9.3), part of the graphics state.
#[derive(Clone)]
pub(crate) struct TextState {
    pub(crate) font: Option<usize>,
    pub(crate) size: f64,
    pub(crate) char_space: f64,
    pub(crate) word_space: f64,
    /// `Tz` / 100.
    pub(crate) h_scale: f64,
    pub(crate) leading: f64,
    pub(crate) rise: f64,
    pub(crate) render_mode: u8,
}

impl Default for TextState {
    fn default() -> Self {
        Self {
            font: None,
            size: 0.0,
            char_space: 0.0,
            word_space: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            render_mode: 0,
        }
    }
}

/// All interpreter state of one content stream walk.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) g: GState,
    pub(crate) stack: Vec<GState>,
    pub(crate) tm: Matrix,
    pub(crate) tlm: Matrix,
    /// The current path's points, already in display space.
    pub(crate) path: Vec<Point>,
    /// Where each subpath of `path` starts (`m`, `re`): the rules of a table drawn as one
    /// path are apart, and each is content of its own.
    pub(crate) subpaths: Vec<usize>,
}
