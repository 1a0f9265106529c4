//! Geometry in the displayed page's coordinate system: points, origin top-left, y down.

use serde::{Deserialize, Serialize};

/// A length in PDF points (1/72 inch).
pub type Pt = f32;

/// A point on the displayed page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Distance from the left edge.
    pub x: Pt,
    /// Distance from the top edge.
    pub y: Pt,
}

/// An axis-aligned rectangle on the displayed page (`x0 <= x1`, `y0 <= y1`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x0: Pt,
    /// Top edge.
    pub y0: Pt,
    /// Right edge.
    pub x1: Pt,
    /// Bottom edge.
    pub y1: Pt,
}

impl Rect {
    /// A rectangle from its edges, normalised so that `x0 <= x1` and `y0 <= y1`.
    pub fn new(x0: Pt, y0: Pt, x1: Pt, y1: Pt) -> Self {
        Self {
            x0: x0.min(x1),
            y0: y0.min(y1),
            x1: x0.max(x1),
            y1: y0.max(y1),
        }
    }

    /// The smallest rectangle holding every point given, or `None` for no points.
    pub fn bounding(points: impl IntoIterator<Item = Point>) -> Option<Self> {
        let mut it = points.into_iter();
        let first = it.next()?;
        let mut r = Self {
            x0: first.x,
            y0: first.y,
            x1: first.x,
            y1: first.y,
        };
        for p in it {
            r.x0 = r.x0.min(p.x);
            r.y0 = r.y0.min(p.y);
            r.x1 = r.x1.max(p.x);
            r.y1 = r.y1.max(p.y);
        }
        Some(r)
    }

    /// Width of the rectangle.
    pub fn width(&self) -> Pt {
        self.x1 - self.x0
    }

    /// Height of the rectangle.
    pub fn height(&self) -> Pt {
        self.y1 - self.y0
    }

    /// Area of the rectangle.
    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }

    /// The centre point.
    pub fn center(&self) -> Point {
        Point {
            x: (self.x0 + self.x1) / 2.0,
            y: (self.y0 + self.y1) / 2.0,
        }
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    /// The overlap of both, or `None` when they do not overlap.
    pub fn intersection(&self, other: &Rect) -> Option<Rect> {
        let r = Rect {
            x0: self.x0.max(other.x0),
            y0: self.y0.max(other.y0),
            x1: self.x1.min(other.x1),
            y1: self.y1.min(other.y1),
        };
        (r.x0 < r.x1 && r.y0 < r.y1).then_some(r)
    }
}

/// A 2D affine transform `[a b c d e f]`, as PDF writes matrices: a point `(x, y)`
/// maps to `(a·x + c·y + e, b·x + d·y + f)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Matrix(pub [f64; 6]);

impl Default for Matrix {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Matrix {
    /// The transform that changes nothing.
    pub const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// A translation by `(x, y)`.
    pub fn translate(x: f64, y: f64) -> Self {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    /// `self` applied first, then `then` (PDF's `self × then`).
    pub fn then(&self, then: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = then.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    /// Map a point.
    pub fn apply(&self, x: f64, y: f64) -> Point {
        let [a, b, c, d, e, f] = self.0;
        Point {
            x: (a * x + c * y + e) as f32,
            y: (b * x + d * y + f) as f32,
        }
    }

    /// Map a vector (no translation).
    pub fn apply_vector(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, ..] = self.0;
        (a * x + c * y, b * x + d * y)
    }

    /// The inverse transform, or `None` when the matrix is singular.
    pub fn invert(&self) -> Option<Matrix> {
        let [a, b, c, d, e, f] = self.0;
        let det = a * d - b * c;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det);
        Some(Matrix([
            ia,
            ib,
            ic,
            id,
            -(e * ia + f * ic),
            -(e * ib + f * id),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_then_applies_left_first() {
        let scale = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let shift = Matrix::translate(10.0, 0.0);
        assert_eq!(
            scale.then(&shift).apply(1.0, 1.0),
            Point { x: 12.0, y: 2.0 }
        );
        assert_eq!(
            shift.then(&scale).apply(1.0, 1.0),
            Point { x: 22.0, y: 2.0 }
        );
    }

    #[test]
    fn invert_round_trips() {
        let m = Matrix([0.0, 1.0, -1.0, 0.0, 5.0, 7.0]);
        let p = m.then(&m.invert().unwrap()).apply(3.0, 4.0);
        assert!((p.x - 3.0).abs() < 1e-5 && (p.y - 4.0).abs() < 1e-5);
    }

    #[test]
    fn rect_union_and_intersection() {
        let a = Rect::new(0.0, 0.0, 10.0, 10.0);
        let b = Rect::new(5.0, 5.0, 20.0, 8.0);
        assert_eq!(a.union(&b), Rect::new(0.0, 0.0, 20.0, 10.0));
        assert_eq!(a.intersection(&b), Some(Rect::new(5.0, 5.0, 10.0, 8.0)));
        assert_eq!(a.intersection(&Rect::new(11.0, 0.0, 12.0, 1.0)), None);
    }
}
