//! Tesseract's TSV output: one row per page, block, paragraph, line and word.

/// One word tesseract read, in pixels of the image it was given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TsvWord {
    pub text: String,
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
    /// 0–100.
    pub conf: f32,
}

/// The words of one line, left to right, with the line's block and paragraph.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TsvLine {
    pub block: u32,
    pub par: u32,
    pub words: Vec<TsvWord>,
}

/// Parses `tesseract … tsv` output into lines of words, in tesseract's reading order. Rows
/// that are not words (levels 1–4), empty words and malformed rows are skipped.
pub(crate) fn parse(tsv: &str) -> Vec<TsvLine> {
    let mut lines: Vec<TsvLine> = Vec::new();
    let mut current: Option<(u32, u32, u32)> = None;
    for row in tsv.lines().skip_while(|l| l.starts_with("level")) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let int = |i: usize| cols[i].trim().parse::<u32>().ok();
        let float = |i: usize| cols[i].trim().parse::<f32>().ok();
        let (Some(block), Some(par), Some(line)) = (int(2), int(3), int(4)) else {
            continue;
        };
        let (Some(left), Some(top), Some(width), Some(height), Some(conf)) =
            (float(6), float(7), float(8), float(9), float(10))
        else {
            continue;
        };
        let text = cols[11..].join("\t").trim().to_string();
        if text.is_empty() || width <= 0.0 || height <= 0.0 {
            continue;
        }
        let key = (block, par, line);
        if current != Some(key) {
            lines.push(TsvLine {
                block,
                par,
                words: Vec::new(),
            });
            current = Some(key);
        }
        if let Some(l) = lines.last_mut() {
            l.words.push(TsvWord {
                text,
                left,
                top,
                width,
                height,
                conf,
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t1600\t1962\t-1\t
4\t1\t2\t1\t1\t0\t521\t369\t1013\t73\t-1\t
5\t1\t2\t1\t1\t1\t822\t398\t83\t29\t93.253906\twent
5\t1\t2\t1\t1\t2\t925\t395\t174\t41\t92.029663\ttip-toeing
5\t1\t2\t1\t1\t3\t925\t395\t0\t41\t92.0\tzero
5\t1\t2\t1\t2\t1\t820\t452\t55\t31\t96.945442\tthe
5\t1\t2\t1\t2\t2\t820\t452\t55\t31\t95\t 
5\t1\tx\t1\t2\t2\t820\t452\t55\t31\t95\tbad
";

    #[test]
    fn words_are_grouped_by_line_and_junk_rows_skipped() {
        let lines = parse(SAMPLE);
        assert_eq!(lines.len(), 2);
        let texts: Vec<Vec<&str>> = lines
            .iter()
            .map(|l| l.words.iter().map(|w| w.text.as_str()).collect())
            .collect();
        assert_eq!(texts, vec![vec!["went", "tip-toeing"], vec!["the"]]);
        let w = &lines[0].words[1];
        assert_eq!(
            (w.left, w.top, w.width, w.height),
            (925.0, 395.0, 174.0, 41.0)
        );
        assert!((w.conf - 92.03).abs() < 0.01);
        assert_eq!((lines[0].block, lines[0].par), (2, 1));
    }

    #[test]
    fn garbage_gives_no_lines() {
        assert!(parse("").is_empty());
        assert!(parse("not\ttsv\nat all").is_empty());
    }
}
