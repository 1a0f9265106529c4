//! Comparing two page images: SSIM, mean absolute difference, and a diff image for people.

use image::{GrayImage, Luma, Rgba, RgbaImage};

/// How two page images differ, in numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelStats {
    /// Mean structural similarity of the grey images, 1.0 for identical pages.
    pub ssim: f64,
    /// Mean absolute difference of the grey levels (0–255), 0.0 for identical pages.
    pub mad: f64,
    /// Share of pixels whose grey level differs by more than [`CHANGED_LEVEL`].
    pub changed: f64,
    /// Bounding box of those pixels, in pixels `[x0, y0, x1, y1]`, if any.
    pub changed_box: Option<[u32; 4]>,
}

/// A grey-level difference above this counts as a changed pixel (anti-aliasing noise stays
/// below it when the same renderer draws the same shapes a hair apart).
pub const CHANGED_LEVEL: u8 = 32;

/// Grey level per ITU-R BT.601 luma, the weighting SSIM is usually computed on.
pub fn to_gray(image: &RgbaImage) -> GrayImage {
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        let Rgba([r, g, b, _]) = *image.get_pixel(x, y);
        let l = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000;
        Luma([l as u8])
    })
}

/// Pads both images with white to the larger width and height, so pages of different size
/// can still be compared (the padding then counts as a difference).
fn same_size(a: &GrayImage, b: &GrayImage) -> (GrayImage, GrayImage) {
    let (w, h) = (a.width().max(b.width()), a.height().max(b.height()));
    let pad = |img: &GrayImage| {
        GrayImage::from_fn(w, h, |x, y| {
            if x < img.width() && y < img.height() {
                *img.get_pixel(x, y)
            } else {
                Luma([255])
            }
        })
    };
    (pad(a), pad(b))
}

/// Compares two grey images.
pub fn compare_gray(a: &GrayImage, b: &GrayImage) -> PixelStats {
    let (a, b) = same_size(a, b);
    let n = (a.width() as usize * a.height() as usize).max(1);
    let mut sum = 0u64;
    let mut changed = 0usize;
    let mut bbox: Option<[u32; 4]> = None;
    for (x, y, pa) in a.enumerate_pixels() {
        let d = pa.0[0].abs_diff(b.get_pixel(x, y).0[0]);
        sum += u64::from(d);
        if d > CHANGED_LEVEL {
            changed += 1;
            let r = bbox.get_or_insert([x, y, x + 1, y + 1]);
            r[0] = r[0].min(x);
            r[1] = r[1].min(y);
            r[2] = r[2].max(x + 1);
            r[3] = r[3].max(y + 1);
        }
    }
    PixelStats {
        ssim: ssim(&a, &b),
        mad: sum as f64 / n as f64,
        changed: changed as f64 / n as f64,
        changed_box: bbox,
    }
}

/// Mean SSIM (Wang, Bovik, Sheikh and Simoncelli 2004) of two grey images of equal size, with
/// the paper's 11×11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03, over the windows that
/// fit inside the image. Images smaller than one window are compared as one window.
pub fn ssim(a: &GrayImage, b: &GrayImage) -> f64 {
    const C1: f64 = (0.01 * 255.0) * (0.01 * 255.0);
    const C2: f64 = (0.03 * 255.0) * (0.03 * 255.0);
    if a.dimensions() != b.dimensions() {
        let (a, b) = same_size(a, b);
        return ssim(&a, &b);
    }
    if a.as_raw() == b.as_raw() {
        return 1.0;
    }
    let (w, h) = (a.width() as usize, a.height() as usize);
    let xs: Vec<f64> = a.as_raw().iter().map(|&v| f64::from(v)).collect();
    let ys: Vec<f64> = b.as_raw().iter().map(|&v| f64::from(v)).collect();
    let ssim_of = |mx: f64, my: f64, vx: f64, vy: f64, cxy: f64| {
        ((2.0 * mx * my + C1) * (2.0 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2))
    };
    let kernel = gaussian_kernel();
    let k = kernel.len();
    if w < k || h < k {
        let n = xs.len().max(1) as f64;
        let mx = xs.iter().sum::<f64>() / n;
        let my = ys.iter().sum::<f64>() / n;
        let vx = xs.iter().map(|v| (v - mx).powi(2)).sum::<f64>() / n;
        let vy = ys.iter().map(|v| (v - my).powi(2)).sum::<f64>() / n;
        let cxy = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum::<f64>()
            / n;
        return ssim_of(mx, my, vx, vy, cxy);
    }
    let xx: Vec<f64> = xs.iter().map(|v| v * v).collect();
    let yy: Vec<f64> = ys.iter().map(|v| v * v).collect();
    let xy: Vec<f64> = xs.iter().zip(&ys).map(|(x, y)| x * y).collect();
    let blur = |src: &[f64]| blur_valid(src, w, h, &kernel);
    let (mx, my, sxx, syy, sxy) = (blur(&xs), blur(&ys), blur(&xx), blur(&yy), blur(&xy));
    let mut total = 0.0;
    for i in 0..mx.len() {
        let (ux, uy) = (mx[i], my[i]);
        total += ssim_of(ux, uy, sxx[i] - ux * ux, syy[i] - uy * uy, sxy[i] - ux * uy);
    }
    total / mx.len() as f64
}

/// The normalised 11-tap Gaussian, σ = 1.5.
fn gaussian_kernel() -> Vec<f64> {
    let sigma: f64 = 1.5;
    let taps: Vec<f64> = (-5..=5)
        .map(|i: i32| (-(f64::from(i * i)) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = taps.iter().sum();
    taps.into_iter().map(|t| t / sum).collect()
}

/// Separable convolution keeping only the positions where the whole window fits:
/// the result is `(w - k + 1) × (h - k + 1)`.
fn blur_valid(src: &[f64], w: usize, h: usize, kernel: &[f64]) -> Vec<f64> {
    let k = kernel.len();
    let ow = w - k + 1;
    let oh = h - k + 1;
    let mut rows = vec![0.0; ow * h];
    for y in 0..h {
        let line = &src[y * w..(y + 1) * w];
        for x in 0..ow {
            rows[y * ow + x] = kernel.iter().zip(&line[x..x + k]).map(|(a, b)| a * b).sum();
        }
    }
    let mut out = vec![0.0; ow * oh];
    for y in 0..oh {
        for x in 0..ow {
            out[y * ow + x] = kernel
                .iter()
                .enumerate()
                .map(|(i, c)| c * rows[(y + i) * ow + x])
                .sum();
        }
    }
    out
}

/// A picture of the differences: page A faded to a light grey, ink found only in A in red,
/// ink found only in B in blue. Identical pages give a faded page with no colour.
pub fn diff_image(a: &GrayImage, b: &GrayImage) -> RgbaImage {
    let (a, b) = same_size(a, b);
    RgbaImage::from_fn(a.width(), a.height(), |x, y| {
        let (va, vb) = (a.get_pixel(x, y).0[0], b.get_pixel(x, y).0[0]);
        let d = va.abs_diff(vb);
        if d <= CHANGED_LEVEL / 2 {
            // Fade to 25 % contrast so the colours stand out.
            let g = 255 - (255 - va) / 4;
            Rgba([g, g, g, 255])
        } else {
            let s = 255 - d;
            if va < vb {
                Rgba([255, s, s, 255])
            } else {
                Rgba([s, s, 255, 255])
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(offset: u32) -> GrayImage {
        GrayImage::from_fn(80, 60, |x, y| {
            let ink = (20 + offset..40 + offset).contains(&x) && (10..20).contains(&y);
            Luma([if ink { 0 } else { 255 }])
        })
    }

    #[test]
    fn identical_images_have_ssim_one() {
        let s = compare_gray(&page(0), &page(0));
        assert_eq!(s.ssim, 1.0);
        assert_eq!(s.mad, 0.0);
        assert_eq!(s.changed_box, None);
    }

    #[test]
    fn moved_block_lowers_ssim_and_is_located() {
        let s = compare_gray(&page(0), &page(10));
        assert!(s.ssim < 0.95, "ssim {}", s.ssim);
        assert!(s.mad > 0.0);
        assert_eq!(s.changed_box, Some([20, 10, 50, 20]));
    }

    #[test]
    fn ssim_is_symmetric_and_bounded() {
        let (a, b) = (page(0), page(3));
        let (s1, s2) = (ssim(&a, &b), ssim(&b, &a));
        assert!((s1 - s2).abs() < 1e-12);
        assert!((-1.0..1.0).contains(&s1));
    }

    #[test]
    fn tiny_and_unequal_images_do_not_panic() {
        let a = GrayImage::from_pixel(3, 2, Luma([0]));
        let b = GrayImage::from_pixel(5, 1, Luma([255]));
        let s = compare_gray(&a, &b);
        assert!(s.ssim < 0.5);
        assert_eq!(diff_image(&a, &b).dimensions(), (5, 2));
        let empty = GrayImage::new(0, 0);
        assert_eq!(compare_gray(&empty, &empty).ssim, 1.0);
    }
}
