//! The state an operator walk keeps: graphics state, text state, the current path.

use folio_doc::{Matrix, Point, Rect, Rgb};

/// Graphics state that `q`/`Q` save and restore.
#[derive(Clone)]
pub(crate) struct GState {
    pub(crate) ctm: Matrix,
    pub(crate) fill: Rgb,
    pub(crate) fill_components: u8,
    pub(crate) text: TextState,
    /// The clipping region, in display space: the bounding box of the intersection of the
    /// clipping paths so far (exact for rectangles, a bound for other shapes); `None` for
    /// no clip. An empty intersection is a rectangle without area.
    pub(crate) clip: Option<Rect>,
}

impl GState {
    /// Intersects the clipping region with `region` (display space).
    pub(crate) fn clip_to(&mut self, region: Rect) {
        self.clip = Some(match self.clip {
            None => region,
            Some(clip) => clip
                .intersection(&region)
                .unwrap_or(Rect::new(region.x0, region.y0, region.x0, region.y0)),
        });
    }
}

impl Default for GState {
    fn default() -> Self {
        Self {
            ctm: Matrix::IDENTITY,
            fill: Rgb([0, 0, 0]),
            fill_components: 1,
            text: TextState::default(),
            clip: None,
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
    /// A `W` or `W*` was met: the current path clips once it is painted or ended (`n`).
    pub(crate) clip_pending: bool,
}

impl State {
    /// Ends the current path: it becomes part of the clip when `W`/`W*` asked so, and is
    /// cleared.
    pub(crate) fn end_path(&mut self) {
        if std::mem::take(&mut self.clip_pending) {
            let region =
                Rect::bounding(self.path.iter().copied()).unwrap_or(Rect::new(0.0, 0.0, 0.0, 0.0));
            self.g.clip_to(region);
        }
        self.path.clear();
        self.subpaths.clear();
    }
}
