//! Greedy line breaking at UAX #14 opportunities, hyphenating only words longer than a line.
//!
//! Widths come from the shaped text (see [`Measure`]), so a break never changes what was
//! measured: opportunities fall after spaces and hyphens, where no ligature or kerning spans
//! the cut. A word wider than a whole line is cut at the last cluster boundary that leaves room
//! for a hyphen: no dictionary, so the cut is not at a syllable, but it only happens to words
//! that could not be set otherwise (German compounds in a narrow column).
//!
//! Thai, Lao, Khmer and Burmese put no spaces between words, and UAX #14 leaves their breaks
//! to a dictionary (class SA): inside a run of them, ICU4X's dictionary line segmenter gives
//! the word boundaries, so a line ends between words there too.

use icu_segmenter::LineSegmenter;
use icu_segmenter::options::LineBreakOptions;
use unicode_linebreak::{BreakOpportunity, linebreaks};

/// How much longer than its box a kept original line may come out before the block shrinks:
/// our advances lack the original's kerning (the LaTeX logo alone is 0.5 em), so identical
/// lines measure up to a few percent longer; their spaces are squeezed back into the box.
pub(crate) const FORCED_SLACK: f32 = 1.05;

/// Widths of the shaped text: `cum[i]` is the advance, in em of the block's size, of every
/// glyph whose cluster starts before byte `i`.
#[derive(Debug, Clone)]
pub(crate) struct Measure {
    pub cum: Vec<f32>,
    /// Whether a cluster starts at byte `i` (a place the text may be cut).
    pub cluster_start: Vec<bool>,
    /// Break opportunities: byte offset where the next line may start, and whether it must.
    pub opportunities: Vec<(usize, bool)>,
}

impl Measure {
    /// Builds the measure from glyph `(cluster, advance in em)` pairs.
    pub fn new(text: &str, glyphs: impl IntoIterator<Item = (u32, f32)>) -> Self {
        let n = text.len();
        let mut at = vec![0.0f32; n + 1];
        let mut cluster_start = vec![false; n + 1];
        for (cluster, advance) in glyphs {
            let c = (cluster as usize).min(n);
            at[c] += advance;
            cluster_start[c] = true;
        }
        cluster_start[n] = true;
        let mut cum = Vec::with_capacity(n + 1);
        let mut sum = 0.0f32;
        for w in &at {
            cum.push(sum);
            sum += w;
        }
        let mut opportunities: Vec<(usize, bool)> = linebreaks(text)
            .map(|(i, op)| (i, op == BreakOpportunity::Mandatory))
            .collect();
        if text.chars().any(needs_dictionary) {
            opportunities.extend(dictionary_breaks(text).into_iter().map(|i| (i, false)));
            opportunities.sort_unstable();
            opportunities.dedup_by_key(|(i, _)| *i);
        }
        Self {
            cum,
            cluster_start,
            opportunities,
        }
    }

    /// Advance of `text[a..b]` in em.
    pub fn width(&self, a: usize, b: usize) -> f32 {
        self.cum[b] - self.cum[a]
    }
}

/// Whether `c` is of a script written without spaces between words, whose breaks UAX #14
/// leaves to a dictionary (line break class SA): Thai, Lao, Burmese, Khmer, Tai Tham, Tai Viet,
/// Myanmar extensions.
fn needs_dictionary(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'
        | '\u{1000}'..='\u{109F}'
        | '\u{1780}'..='\u{17FF}'
        | '\u{19E0}'..='\u{19FF}'
        | '\u{1A20}'..='\u{1AAF}'
        | '\u{A9E0}'..='\u{A9FF}'
        | '\u{AA60}'..='\u{AADF}')
}

/// Word boundaries inside runs of [`needs_dictionary`] scripts (between two of their
/// characters), from ICU4X's dictionary line segmenter; unicode-linebreak gives the rest.
fn dictionary_breaks(text: &str) -> Vec<usize> {
    let segmenter = LineSegmenter::new_dictionary(LineBreakOptions::default());
    segmenter
        .segment_str(text)
        .filter(|&i| {
            let before = text[..i].chars().next_back();
            let after = text[i..].chars().next();
            before.is_some_and(needs_dictionary) && after.is_some_and(needs_dictionary)
        })
        .collect()
}

/// One line as byte offsets into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineSpan {
    /// First byte shown.
    pub start: usize,
    /// End of the shown text (trailing spaces left out).
    pub end: usize,
    /// Where the next line starts.
    pub next: usize,
    /// A hyphen is to be added after `end`.
    pub hyphen: bool,
    /// The line ends at a hard break or at the end of the text (never justified).
    pub last: bool,
}

/// Result of breaking: the lines, and whether some piece could not be made to fit at all
/// (a single cluster wider than the line).
#[derive(Debug, Clone)]
pub(crate) struct Broken {
    pub lines: Vec<LineSpan>,
    pub too_wide: bool,
}

/// Lines that start at the given byte offsets (the original's line starts); `too_wide` when
/// one of them does not fit its width.
pub(crate) fn forced_lines(
    text: &str,
    m: &Measure,
    starts: &[usize],
    avail: impl Fn(usize) -> f32,
) -> Broken {
    const EPS: f32 = 1e-4;
    let mut bounds: Vec<usize> = std::iter::once(0)
        .chain(
            starts
                .iter()
                .copied()
                .filter(|&b| b > 0 && b < text.len() && text.is_char_boundary(b)),
        )
        .collect();
    bounds.dedup();
    bounds.push(text.len());
    let mut lines = Vec::new();
    let mut too_wide = false;
    for (i, w) in bounds.windows(2).enumerate() {
        let (start, next) = (w[0], w[1]);
        let end = start + text[start..next].trim_end().len();
        if m.width(start, end) > avail(i) * FORCED_SLACK + EPS {
            too_wide = true;
        }
        // A line the original ended inside a word gets its hyphen back.
        let hyphen = next < text.len()
            && !text[..next].ends_with(char::is_whitespace)
            && !text[..end].ends_with('-');
        lines.push(LineSpan {
            start,
            end,
            next,
            hyphen,
            last: next == text.len(),
        });
    }
    Broken { lines, too_wide }
}

/// Breaks `text` into lines. `avail(i)` is line `i`'s width in em; `hyphen` is the hyphen's
/// width in em.
pub(crate) fn break_lines(
    text: &str,
    m: &Measure,
    avail: impl Fn(usize) -> f32,
    hyphen: f32,
) -> Broken {
    // Slack for float noise, so a line that fits exactly is not pushed down.
    const EPS: f32 = 1e-4;
    let trim = |a: usize, b: usize| a + text[a..b].trim_end().len();
    let mut lines = Vec::new();
    let mut too_wide = false;
    let mut start = 0usize;
    let mut fit: Option<(usize, usize)> = None; // (next, end) of the last opportunity that fit
    let mut k = 0usize;
    let ops = &m.opportunities;
    // Each pass either advances `k` or emits a line that advances `start`, so this ends.
    while k < ops.len() {
        let (pos, mandatory) = ops[k];
        if pos <= start {
            k += 1;
            continue;
        }
        let end = trim(start, pos);
        let shy = if text[..end].ends_with('\u{AD}') {
            hyphen
        } else {
            0.0
        };
        let width = m.width(start, end) + shy;
        let room = avail(lines.len());
        if width <= room + EPS {
            if mandatory {
                lines.push(LineSpan {
                    start,
                    end,
                    next: pos,
                    hyphen: false,
                    last: true,
                });
                start = pos;
                fit = None;
            } else {
                fit = Some((pos, end));
            }
            k += 1;
            continue;
        }
        if let Some((next, end)) = fit.take() {
            // The last opportunity that fit ends this line; look at `k` again from the new start.
            // A soft hyphen (U+00AD) chosen as the break shows as a hyphen.
            let hyphen = text[..end].ends_with('\u{AD}');
            lines.push(LineSpan {
                start,
                end,
                next,
                hyphen,
                last: false,
            });
            start = next;
            continue;
        }
        // One word is wider than the whole line: cut it.
        let (cut, hyphenate) = cut_word(text, m, start, end, room, hyphen);
        if m.width(start, cut) > room + EPS {
            too_wide = true;
        }
        lines.push(LineSpan {
            start,
            end: cut,
            next: cut,
            hyphen: hyphenate,
            last: false,
        });
        start = cut;
    }
    if let Some(last) = lines.last_mut() {
        last.last = true;
    }
    Broken { lines, too_wide }
}

/// Where to cut the overlong word `text[start..end]` so that its head plus a hyphen fits
/// `room`. Among the last few cluster boundaries that fit (keeping two characters before and
/// three after when the line allows), the one that looks most like a syllable boundary wins
/// (see [`cut_quality`]); at least one cluster always goes on the line, so breaking progresses.
fn cut_word(
    text: &str,
    m: &Measure,
    start: usize,
    end: usize,
    room: f32,
    hyphen: f32,
) -> (usize, bool) {
    // How far back from the fullest cut we look for a nicer one, in characters: a line a few
    // characters short looks better than a hyphen inside "sch".
    const LOOK_BACK: usize = 6;
    let boundaries: Vec<usize> = text[start..end]
        .char_indices()
        .map(|(i, _)| start + i)
        .skip(1)
        .filter(|&i| m.cluster_start[i])
        .collect();
    let Some(&first) = boundaries.first() else {
        return (end, false);
    };
    let needs_hyphen = |cut: usize| {
        let before = text[..cut].chars().next_back();
        let after = text[cut..].chars().next();
        before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric)
    };
    let fits = |cut: usize| {
        let h = if needs_hyphen(cut) { hyphen } else { 0.0 };
        m.width(start, cut) + h <= room + 1e-4
    };
    let chars_between = |a: usize, b: usize| text[a..b].chars().count();
    let fitting: Vec<usize> = boundaries.iter().copied().filter(|&b| fits(b)).collect();
    let roomy: Vec<usize> = fitting
        .iter()
        .copied()
        .filter(|&b| chars_between(start, b) >= 2 && chars_between(b, end) >= 3)
        .collect();
    let best = match roomy.last() {
        Some(&last) => roomy
            .iter()
            .rev()
            .take(LOOK_BACK)
            .copied()
            // `max_by_key` keeps the last maximum: iterating from the right, prefer the rightmost.
            .rev()
            .max_by_key(|&b| cut_quality(text, b))
            .unwrap_or(last),
        None => fitting.last().copied().unwrap_or(first),
    };
    (best, needs_hyphen(best))
}

/// How much a cut before byte `at` looks like a syllable boundary, without a dictionary:
/// 2 for vowel | consonant-vowel ("Do-nau"), 1 for consonant | consonant unless that splits a
/// digraph ("dampf-schiff", never "s-ch" or "c-k"), 0 otherwise. Vowels of Latin, Greek and
/// Cyrillic are known.
fn cut_quality(text: &str, at: usize) -> u8 {
    fn vowel(c: char) -> bool {
        let c = c.to_lowercase().next().unwrap_or(c);
        "aeiouyäöüàáâãåæèéêëìíîïòóôõøùúûýÿœαεηιουωάέήίόύώϊϋΐΰаеёиоуыэюяієїў".contains(c)
    }
    let mut before = text[..at].chars().rev();
    let mut after = text[at..].chars();
    let (Some(p), Some(n)) = (before.next(), after.next()) else {
        return 0;
    };
    let nn = after.next();
    let pp = before.next();
    if !p.is_alphabetic() || !n.is_alphabetic() {
        return 0;
    }
    let pair = |a: char, b: char| {
        matches!(
            (a.to_ascii_lowercase(), b.to_ascii_lowercase()),
            ('c', 'h')
                | ('c', 'k')
                | ('p', 'h')
                | ('t', 'h')
                | ('s', 'h')
                | ('q', 'u')
                | ('g', 'h')
        )
    };
    let splits_digraph = pair(p, n)
        || (p.eq_ignore_ascii_case(&'s')
            && n.eq_ignore_ascii_case(&'c')
            && nn.is_some_and(|c| c.eq_ignore_ascii_case(&'h')))
        || (pp.is_some_and(|c| c.eq_ignore_ascii_case(&'s'))
            && p.eq_ignore_ascii_case(&'c')
            && n.eq_ignore_ascii_case(&'h'));
    match (vowel(p), vowel(n)) {
        _ if splits_digraph => 0,
        (true, false) if nn.is_some_and(vowel) => 2,
        (false, false) => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one em wide.
    fn mono(text: &str) -> Measure {
        Measure::new(text, text.char_indices().map(|(i, _)| (i as u32, 1.0)))
    }

    #[test]
    fn breaks_at_spaces_only() {
        let text = "aaa bbb ccc ddd";
        let b = break_lines(text, &mono(text), |_| 7.5, 1.0);
        let lines: Vec<&str> = b.lines.iter().map(|l| &text[l.start..l.end]).collect();
        assert_eq!(lines, ["aaa bbb", "ccc ddd"]);
        assert!(!b.too_wide);
    }

    #[test]
    fn hard_breaks_end_lines() {
        let text = "aa\nbb cc";
        let b = break_lines(text, &mono(text), |_| 100.0, 1.0);
        let lines: Vec<&str> = b.lines.iter().map(|l| &text[l.start..l.end]).collect();
        assert_eq!(lines, ["aa", "bb cc"]);
        assert!(b.lines[0].last);
    }

    #[test]
    fn overlong_word_is_hyphenated() {
        let text = "abcdefghij kl";
        let b = break_lines(text, &mono(text), |_| 4.0, 1.0);
        let lines: Vec<(&str, bool)> = b
            .lines
            .iter()
            .map(|l| (&text[l.start..l.end], l.hyphen))
            .collect();
        assert_eq!(
            lines,
            [("abc", true), ("def", true), ("ghij", false), ("kl", false)]
        );
    }

    #[test]
    fn cuts_prefer_syllable_boundaries() {
        let word = "Donaudampfschifffahrt";
        assert_eq!(cut_quality(word, 2), 2); // Do-naudampf…
        assert_eq!(cut_quality(word, 10), 1); // …dampf-schiff…
        assert_eq!(cut_quality(word, 11), 0); // never s-ch
        assert_eq!(cut_quality(word, 12), 0); // never sc-h
        let text = "Donaudampfschifffahrt";
        let b = break_lines(text, &mono(text), |_| 12.0, 1.0);
        assert_eq!(&text[b.lines[0].start..b.lines[0].end], "Donaudampf");
    }

    #[test]
    fn soft_hyphen_breaks_show_a_hyphen() {
        let text = "aaa bbb\u{AD}ccc";
        let b = break_lines(text, &mono(text), |_| 9.0, 1.0);
        let lines: Vec<(&str, bool)> = b
            .lines
            .iter()
            .map(|l| (&text[l.start..l.end], l.hyphen))
            .collect();
        assert_eq!(lines, [("aaa bbb\u{AD}", true), ("ccc", false)]);
    }

    /// Japanese and Chinese line-start prohibitions (kinsoku shori, JIS X 4051): closing
    /// brackets and quotes, commas and stops, middle dots, colons, marks of question and
    /// exclamation, the prolonged sound mark, small kana, iteration marks.
    const NO_START: &str = "）〕］｝〉》」』】〙〗〟’”｠»、。，．・：；？！‼⁇⁈⁉ー‐〜゠ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々〻ゝゞヽヾ";
    /// Line-end prohibitions: opening brackets and quotes.
    const NO_END: &str = "（〔［｛〈《「『【〘〖〝‘“｟«";

    #[test]
    fn japanese_and_chinese_lines_keep_kinsoku() {
        let japanese = "「ちょっと待って！」と彼女は言った。東京（とうきょう）の夏は暑く、\
            ショッピングモールのエスカレーターは混雑していた。『キャッシュ』と『メモリー』、\
            どちらが大切か？――それは状況による。ゆっくり、ゆっくりと歩いた……。人々は\
            「ヴァイオリン」の音色に耳を傾け、ジャズ・フェスティバルを楽しんだ。\
            私たちはいろいろな国の料理を食べた：フランス料理、イタリア料理、タイ料理など。";
        let chinese = "他说：“我们明天去北京（首都）吧！”她回答：“好的，我们一起去。”\
            《红楼梦》是中国古典小说之一；它讲述了贾宝玉、林黛玉等人的故事。你读过吗？\
            【注意】请勿吸烟，谢谢合作。";
        for text in [japanese, chinese] {
            for width in [5.0, 6.0, 7.0, 9.0, 11.0, 13.0] {
                let b = break_lines(text, &mono(text), |_| width, 1.0);
                assert!(!b.too_wide, "{width}");
                let lines: Vec<&str> = b.lines.iter().map(|l| &text[l.start..l.end]).collect();
                assert_eq!(lines.concat(), text, "no character is added or lost");
                for (i, line) in lines.iter().enumerate() {
                    let first = line.chars().next().unwrap();
                    let last = line.chars().next_back().unwrap();
                    assert!(
                        i == 0 || !NO_START.contains(first),
                        "line {i} at width {width} starts with {first}: {lines:#?}"
                    );
                    assert!(
                        i + 1 == lines.len() || !NO_END.contains(last),
                        "line {i} at width {width} ends with {last}: {lines:#?}"
                    );
                    assert!(!b.lines[i].hyphen, "no hyphen in Chinese or Japanese");
                }
            }
        }
    }

    #[test]
    fn thai_lines_end_between_words() {
        // Sentences of Thai, written as Thai is, without spaces between words; the words
        // listed are each one entry of a Thai dictionary (no compounds).
        let sentences: [&[&str]; 4] = [
            &[
                "ภาษา",
                "ไทย",
                "ไม่",
                "มี",
                "การ",
                "เว้น",
                "วรรค",
                "ระหว่าง",
                "คำ",
            ],
            &["เด็ก", "คน", "นั้น", "กำลัง", "อ่าน", "หนังสือ", "อยู่", "ที่", "บ้าน"],
            &["เรา", "จะ", "ไป", "ตลาด", "เพื่อ", "ซื้อ", "ปลา", "และ", "ผัก"],
            &["แมว", "ตัว", "นี้", "ชอบ", "นอน", "บน", "โต๊ะ", "ทุก", "วัน"],
        ];
        let mut text = String::new();
        let mut boundaries = vec![0];
        for (i, words) in sentences.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            for word in *words {
                text.push_str(word);
                boundaries.push(text.len());
            }
            boundaries.push(text.len() + 1);
        }
        // Every letter one em wide, the marks above and below none.
        let mark =
            |c: char| matches!(c, '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}');
        let measure = Measure::new(
            &text,
            text.char_indices()
                .map(|(i, c)| (i as u32, if mark(c) { 0.0 } else { 1.0 })),
        );
        for width in [7.0, 9.0, 12.0, 18.0] {
            let b = break_lines(&text, &measure, |_| width, 1.0);
            assert!(!b.too_wide, "{width}");
            let lines: Vec<&str> = b.lines.iter().map(|l| &text[l.start..l.end]).collect();
            assert!(lines.len() > 3, "{lines:?}");
            for line in &b.lines {
                assert!(!line.hyphen, "no word is cut at width {width}: {lines:#?}");
                assert!(
                    boundaries.contains(&line.start) && boundaries.contains(&line.end),
                    "line {:?} at width {width} starts or ends inside a word: {lines:#?}",
                    &text[line.start..line.end]
                );
            }
        }
    }

    #[test]
    fn empty_text_has_no_lines() {
        let b = break_lines("", &mono(""), |_| 10.0, 1.0);
        assert!(b.lines.is_empty());
    }
}
