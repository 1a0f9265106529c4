//! A scan's direction: how far its lines are skewed (measured from tesseract's words), which
//! quarter turn stands it upright (tesseract's orientation detection), and the page image
//! turned so its lines run level: tesseract reads level lines best, and the words read on it
//! become IR text in an upright frame that [`Frame`] maps back onto the page.

use folio_doc::Matrix;
use image::{Rgba, RgbaImage};
use serde::{Deserialize, Serialize};

use crate::tsv::TsvLine;

/// Below this skew (degrees) a page is read as it is: the words sit within a pixel or two of
/// level lines over a text column, and turning the image would only soften its letters.
pub(crate) const MIN_SKEW: f32 = 0.2;
/// Above this skew (degrees) a measure is not believed: tesseract reads lines turned that far
/// poorly, so their words are no guide.
const MAX_SKEW: f32 = 20.0;

/// The skew of a page's lines in degrees, clockwise on the image (lines that fall to the
/// right are positive): the median over lines of three words or more of the slope through
/// their centres (centres, not bottoms: a turned word's box grows at both ends). `None` with
/// fewer than two such lines, or a skew beyond belief.
pub(crate) fn measure(lines: &[TsvLine]) -> Option<f32> {
    let mut angles: Vec<f32> = lines
        .iter()
        .filter(|l| l.words.len() >= 3)
        .filter_map(|l| {
            let pts: Vec<(f32, f32)> = l
                .words
                .iter()
                .map(|w| (w.left + w.width / 2.0, w.top + w.height / 2.0))
                .collect();
            let n = pts.len() as f32;
            let mx = pts.iter().map(|p| p.0).sum::<f32>() / n;
            let my = pts.iter().map(|p| p.1).sum::<f32>() / n;
            let sxx: f32 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
            let sxy: f32 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            (sxx > 0.0).then(|| (sxy / sxx).atan().to_degrees())
        })
        .collect();
    if angles.len() < 2 {
        return None;
    }
    angles.sort_by(f32::total_cmp);
    let median = angles[angles.len() / 2];
    (median.abs() <= MAX_SKEW).then_some(median)
}

/// How the image tesseract read was made from the page's render, so the words read on it
/// can be put back: first `quarter_turns` turns clockwise, then a turn of `skew` degrees
/// counter-clockwise about the centre that levels lines falling by `skew`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// Quarter turns clockwise (0–3) that stood the page upright (tesseract's orientation
    /// detection).
    pub quarter_turns: u8,
    /// The lines' skew after those turns, in degrees, clockwise on the page (falling to the
    /// right); 0 when below [`MIN_SKEW`].
    pub skew: f32,
}

impl Frame {
    /// Whether the page was read as it is.
    pub fn is_identity(&self) -> bool {
        self.quarter_turns == 0 && self.skew == 0.0
    }

    /// The upright image's size for a render of `width` × `height`.
    pub(crate) fn upright_size(&self, width: f32, height: f32) -> (f32, f32) {
        if self.quarter_turns % 2 == 1 {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// The map from the upright frame to the page, both in display coordinates (y down), for
    /// a page of `width` × `height` points: what the writer sets the page's new text and covers
    /// under, so they follow the scan's lines.
    pub fn to_page(&self, width: f32, height: f32) -> Matrix {
        let (w, h) = (width as f64, height as f64);
        let (uw, uh) = self.upright_size(width, height);
        let (uw, uh) = (uw as f64, uh as f64);
        // Level → skewed, about the upright page's centre: direction (1, 0) becomes
        // (cos θ, sin θ), a line falling to the right.
        let (sin, cos) = (self.skew as f64).to_radians().sin_cos();
        let skew = Matrix::translate(-uw / 2.0, -uh / 2.0)
            .then(&Matrix([cos, sin, -sin, cos, 0.0, 0.0]))
            .then(&Matrix::translate(uw / 2.0, uh / 2.0));
        // Undo the quarter turns (clockwise each: (x, y) → (H − y, x) on an image W × H).
        let unturn = match self.quarter_turns % 4 {
            0 => Matrix::IDENTITY,
            // The upright frame is h × w; a point (u, v) of it was (v, h − u) on the page.
            1 => Matrix([0.0, -1.0, 1.0, 0.0, 0.0, h]),
            2 => Matrix([-1.0, 0.0, 0.0, -1.0, w, h]),
            // (u, v) was (w − v, u).
            _ => Matrix([0.0, 1.0, -1.0, 0.0, w, 0.0]),
        };
        skew.then(&unturn)
    }

    /// The page's render as tesseract reads it: turned upright, then levelled, on `paper`
    /// where the turn brings in pixels from outside the render.
    pub(crate) fn apply(&self, image: &RgbaImage, paper: Rgba<u8>) -> RgbaImage {
        let turned = match self.quarter_turns % 4 {
            0 => image.clone(),
            1 => image::imageops::rotate90(image),
            2 => image::imageops::rotate180(image),
            _ => image::imageops::rotate270(image),
        };
        if self.skew == 0.0 {
            return turned;
        }
        level(&turned, self.skew, paper)
    }
}

/// `image` turned counter-clockwise by `skew` degrees about its centre, on the same canvas:
/// each pixel takes the bilinear blend of where it was (letters keep their soft edges, which
/// tesseract reads better than jagged ones).
fn level(image: &RgbaImage, skew: f32, paper: Rgba<u8>) -> RgbaImage {
    let (w, h) = image.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sin, cos) = skew.to_radians().sin_cos();
    let mut out = RgbaImage::from_pixel(w, h, paper);
    let at = |x: i64, y: i64| -> [f32; 4] {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            paper.0.map(f32::from)
        } else {
            image.get_pixel(x as u32, y as u32).0.map(f32::from)
        }
    };
    for (u, v, px) in out.enumerate_pixels_mut() {
        // The pixel's centre, in the skewed image: level (1, 0) is (cos, sin) there.
        let (du, dv) = (u as f32 + 0.5 - cx, v as f32 + 0.5 - cy);
        let x = cx + du * cos - dv * sin - 0.5;
        let y = cy + du * sin + dv * cos - 0.5;
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let (a, b, c, d) = (
            at(x0, y0),
            at(x0 + 1, y0),
            at(x0, y0 + 1),
            at(x0 + 1, y0 + 1),
        );
        for ch in 0..4 {
            let top = a[ch] + (b[ch] - a[ch]) * fx;
            let bottom = c[ch] + (d[ch] - c[ch]) * fx;
            px.0[ch] = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// Tesseract's orientation detection (`--psm 0`) output: the clockwise quarter turns that
/// stand the page upright, when it is sure enough (confidence ≥ 2, tesseract's own bar for
/// trusting it). `None` when it says nothing usable.
pub(crate) fn parse_osd(out: &str) -> Option<u8> {
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<f32>().ok())
    };
    let rotate = field("Rotate:")?;
    let confidence = field("Orientation confidence:").unwrap_or(0.0);
    if confidence < 2.0 {
        return Some(0);
    }
    Some(((rotate.round() as i64).rem_euclid(360) / 90) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsv::TsvWord;

    fn line(words: &[(f32, f32)]) -> TsvLine {
        TsvLine {
            block: 1,
            par: 1,
            words: words
                .iter()
                .map(|&(left, top)| TsvWord {
                    text: "word".into(),
                    left,
                    top,
                    width: 100.0,
                    height: 30.0,
                    conf: 90.0,
                })
                .collect(),
        }
    }

    #[test]
    fn the_skew_is_the_median_slope_of_the_lines() {
        // Lines falling 5 px every 100 px (2.86°), one odd line rising.
        let fall = |y: f32| line(&[(0.0, y), (200.0, y + 10.0), (400.0, y + 20.0)]);
        let lines = vec![
            fall(100.0),
            fall(200.0),
            line(&[(0.0, 300.0), (200.0, 290.0), (400.0, 280.0)]),
            fall(400.0),
        ];
        let skew = measure(&lines).unwrap();
        assert!((skew - 2.862).abs() < 0.01, "{skew}");
        // Short lines say nothing.
        assert_eq!(measure(&[line(&[(0.0, 0.0), (200.0, 10.0)])]), None);
    }

    #[test]
    fn the_frame_maps_the_upright_page_back() {
        let close = |a: folio_doc::Point, b: (f32, f32)| {
            assert!(
                (a.x - b.0).abs() < 1e-3 && (a.y - b.1).abs() < 1e-3,
                "{a:?} {b:?}"
            );
        };
        // A 100 × 200 page turned a quarter clockwise: its upright frame is 200 × 100, and
        // the upright top-left corner was the page's bottom-left.
        let turned = Frame {
            quarter_turns: 1,
            skew: 0.0,
        };
        let m = turned.to_page(100.0, 200.0);
        close(m.apply(0.0, 0.0), (0.0, 200.0));
        close(m.apply(200.0, 0.0), (0.0, 0.0));
        close(m.apply(200.0, 100.0), (100.0, 0.0));
        let three = Frame {
            quarter_turns: 3,
            skew: 0.0,
        };
        close(three.to_page(100.0, 200.0).apply(0.0, 0.0), (100.0, 0.0));
        // A skew of 90° turns (1, 0) into (0, 1) about the centre (50, 100).
        let skewed = Frame {
            quarter_turns: 0,
            skew: 90.0,
        };
        close(
            skewed.to_page(100.0, 200.0).apply(60.0, 100.0),
            (50.0, 110.0),
        );
    }

    #[test]
    fn levelling_undoes_a_skew() {
        // A dark bar falling to the right by 3°, levelled, is level.
        let (w, h) = (400u32, 200u32);
        let mut image = RgbaImage::from_pixel(w, h, Rgba([255; 4]));
        let slope = 3f32.to_radians().tan();
        for x in 50..350 {
            let y = 100.0 + (x as f32 - 200.0) * slope;
            for dy in -3..=3 {
                image.put_pixel(x, (y as i32 + dy) as u32, Rgba([0, 0, 0, 255]));
            }
        }
        let level = Frame {
            quarter_turns: 0,
            skew: 3.0,
        }
        .apply(&image, Rgba([255; 4]));
        let dark_rows = |x: u32| {
            (0..h)
                .filter(|&y| level.get_pixel(x, y).0[0] < 128)
                .collect::<Vec<_>>()
        };
        let (left, right) = (dark_rows(80), dark_rows(320));
        assert!(!left.is_empty() && !right.is_empty());
        let mid = |v: &[u32]| v.iter().sum::<u32>() as f32 / v.len() as f32;
        assert!(
            (mid(&left) - mid(&right)).abs() <= 1.0,
            "{left:?} {right:?}"
        );
    }

    #[test]
    fn orientation_is_read_when_tesseract_is_sure() {
        let sure = "Page number: 0\nOrientation in degrees: 270\nRotate: 90\nOrientation confidence: 11.2\nScript: Latin\n";
        assert_eq!(parse_osd(sure), Some(1));
        let unsure = sure.replace("11.2", "0.4");
        assert_eq!(parse_osd(&unsure), Some(0));
        assert_eq!(parse_osd("Too few characters. Skipping this page"), None);
    }
}
