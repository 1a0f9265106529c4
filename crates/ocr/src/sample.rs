//! Colours sampled from the page image: the paper around a line, the ink of its words.

use folio_doc::Rgb;
use image::RgbaImage;

/// A rectangle in pixels: left, top, right, bottom (exclusive), clamped to the image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PxRect {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl PxRect {
    pub fn new(image: &RgbaImage, x0: f32, y0: f32, x1: f32, y1: f32) -> Self {
        let clamp = |v: f32, max: u32| v.round().clamp(0.0, max as f32) as u32;
        Self {
            x0: clamp(x0, image.width()),
            y0: clamp(y0, image.height()),
            x1: clamp(x1, image.width()),
            y1: clamp(y1, image.height()),
        }
    }

    fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// The background around `inner`: the per-channel median of the ring of `margin` pixels just
/// outside it. The median, not the mean: the ring may cross the next line's letters or a rule,
/// which are few of its pixels. White when the ring is empty (the box fills the image).
pub(crate) fn background(image: &RgbaImage, inner: PxRect, margin: u32) -> Rgb {
    let outer = PxRect {
        x0: inner.x0.saturating_sub(margin),
        y0: inner.y0.saturating_sub(margin),
        x1: (inner.x1 + margin).min(image.width()),
        y1: (inner.y1 + margin).min(image.height()),
    };
    let mut channels: [Vec<u8>; 3] = Default::default();
    for y in outer.y0..outer.y1 {
        for x in outer.x0..outer.x1 {
            if inner.contains(x, y) {
                continue;
            }
            let p = image.get_pixel(x, y).0;
            for c in 0..3 {
                channels[c].push(p[c]);
            }
        }
    }
    if channels[0].is_empty() {
        return Rgb([255, 255, 255]);
    }
    let mut out = [0u8; 3];
    for (c, values) in channels.iter_mut().enumerate() {
        let mid = values.len() / 2;
        out[c] = *values.select_nth_unstable(mid).1;
    }
    Rgb(out)
}

/// The ink of the words in `boxes` on `paper`: the mean colour of their pixels darker than
/// halfway between the paper and the darkest pixel. Black when nothing is darker.
pub(crate) fn ink(image: &RgbaImage, boxes: &[PxRect], paper: Rgb) -> Rgb {
    let lum = |p: [u8; 3]| (p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000;
    let pixels = || {
        boxes.iter().flat_map(move |b| {
            (b.y0..b.y1).flat_map(move |y| (b.x0..b.x1).map(move |x| image.get_pixel(x, y).0))
        })
    };
    let Some(darkest) = pixels().map(|p| lum([p[0], p[1], p[2]])).min() else {
        return Rgb([0, 0, 0]);
    };
    let threshold = (lum(paper.0) + darkest) / 2;
    let (mut sum, mut n) = ([0u64; 3], 0u64);
    for p in pixels() {
        if lum([p[0], p[1], p[2]]) < threshold {
            for c in 0..3 {
                sum[c] += p[c] as u64;
            }
            n += 1;
        }
    }
    if n == 0 {
        return Rgb([0, 0, 0]);
    }
    Rgb(sum.map(|s| (s / n) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    #[test]
    fn the_paper_is_the_ring_median_and_the_ink_the_dark_pixels() {
        // Grey paper, a black "word" in the middle, a red speck in the ring.
        let mut image = RgbaImage::from_pixel(40, 20, Rgba([200, 190, 180, 255]));
        for y in 8..12 {
            for x in 10..30 {
                image.put_pixel(x, y, Rgba([10, 10, 10, 255]));
            }
        }
        image.put_pixel(5, 5, Rgba([255, 0, 0, 255]));
        let word = PxRect::new(&image, 8.0, 6.0, 32.0, 14.0);
        let paper = background(&image, word, 4);
        assert_eq!(paper, Rgb([200, 190, 180]));
        assert_eq!(ink(&image, &[word], paper), Rgb([10, 10, 10]));
    }
}
