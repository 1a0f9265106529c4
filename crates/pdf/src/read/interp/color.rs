//! Fill colours as RGB: device gray, RGB and CMYK, and the component count of a named
//! colour space (ISO 32000-2, 8.6).

use folio_doc::Rgb;
use hayro_syntax::object::{Name, Object, Stream};
use hayro_syntax::page::Resources;

/// How many components a named fill colour space takes, to read `sc`/`scn` operands.
pub(crate) fn color_space_components(name: &Name<'_>, res: &Resources<'_>) -> u8 {
    match name.as_str() {
        "DeviceGray" | "G" | "CalGray" => 1,
        "DeviceRGB" | "RGB" | "CalRGB" => 3,
        "DeviceCMYK" | "CMYK" => 4,
        "Pattern" => 0,
        _ => match res.get_color_space(name) {
            Some(Object::Array(a)) => {
                let mut it = a.flex_iter();
                match it.next::<Name<'_>>().as_ref().map(|n| n.as_str()) {
                    Some("ICCBased") => it
                        .next::<Stream<'_>>()
                        .and_then(|s| s.dict().get::<u8>(b"N".as_slice()))
                        .unwrap_or(3),
                    Some("CalRGB") | Some("Lab") => 3,
                    Some("CalGray") => 1,
                    // Separation, DeviceN, Indexed: tints, not colours; treat as gray-ish.
                    _ => 0,
                }
            }
            Some(Object::Name(n)) => match n.as_str() {
                "DeviceRGB" => 3,
                "DeviceCMYK" => 4,
                _ => 1,
            },
            _ => 0,
        },
    }
}

fn channel(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

pub(crate) fn gray(v: f64) -> Rgb {
    let c = channel(v);
    Rgb([c, c, c])
}

pub(crate) fn rgb(r: f64, g: f64, b: f64) -> Rgb {
    Rgb([channel(r), channel(g), channel(b)])
}

pub(crate) fn cmyk(c: f64, m: f64, y: f64, k: f64) -> Rgb {
    let k = k.clamp(0.0, 1.0);
    rgb(
        (1.0 - c) * (1.0 - k),
        (1.0 - m) * (1.0 - k),
        (1.0 - y) * (1.0 - k),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmyk_black_and_white() {
        assert_eq!(cmyk(0.0, 0.0, 0.0, 1.0), Rgb([0, 0, 0]));
        assert_eq!(cmyk(0.0, 0.0, 0.0, 0.0), Rgb([255, 255, 255]));
    }
}
