//! The `pseudo` engine into targets that are not written in Latin letters: each word becomes
//! a word of the target's script, at the script's typical length, so line breaking, fonts,
//! shaping and right-to-left text are tested without a model.
//!
//! - Chinese and Japanese: about one character for two or three letters, no spaces between
//!   words, `。` and `、` for sentence stops and commas (Japanese mixes kanji and kana).
//! - Korean: Hangul syllables, words kept apart by spaces.
//! - Arabic, Persian, Hebrew: letters of the script (joining forms for Arabic and Persian come
//!   from shaping), `،` and `؟` in Arabic and Persian.
//! - Hindi: Devanagari consonants with vowel signs (one, `ि`, drawn before its consonant) and
//!   a conjunct (`क्ष`), so shaping must reorder and join.
//! - Thai: consonants with vowel marks, no spaces inside a sentence.
//! - Russian and other Cyrillic targets, Greek: the script's letters.
//!
//! Digits, placeholders and acronyms (`FAA`, `NPRM`: names that a translation keeps) stay as
//! they are, so numbers and Latin names sit inside right-to-left text as in a real
//! translation.

use crate::placeholders::{self, Piece};

/// A script the pseudo engine writes into, chosen by the target language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Chinese,
    Japanese,
    Korean,
    Arabic,
    Persian,
    Hebrew,
    Devanagari,
    Thai,
    Cyrillic,
    Greek,
}

impl Script {
    /// The script of target language `lang` (BCP 47; its primary subtag decides), or `None`
    /// for a Latin-script target.
    pub(crate) fn of(lang: &str) -> Option<Self> {
        let primary = lang.split(['-', '_']).next().unwrap_or(lang);
        Some(match primary.to_ascii_lowercase().as_str() {
            "zh" => Script::Chinese,
            "ja" => Script::Japanese,
            "ko" => Script::Korean,
            "ar" | "ur" => Script::Arabic,
            "fa" => Script::Persian,
            "he" | "yi" => Script::Hebrew,
            "hi" | "mr" | "ne" => Script::Devanagari,
            "th" => Script::Thai,
            "ru" | "uk" | "bg" | "sr" | "be" | "kk" | "mk" => Script::Cyrillic,
            "el" => Script::Greek,
            _ => return None,
        })
    }

    /// Whether words are written without spaces between them.
    fn joins_words(self) -> bool {
        matches!(self, Script::Chinese | Script::Japanese | Script::Thai)
    }

    /// Characters of the script for a word of `letters` Latin letters.
    fn length(self, letters: usize) -> usize {
        let per = match self {
            Script::Chinese => 3.0,
            Script::Japanese => 2.0,
            Script::Korean => 2.5,
            Script::Thai => 1.2,
            _ => 1.0,
        };
        ((letters as f64 / per).round() as usize).max(1)
    }
}

/// `text` pseudo-translated into `script` (see the module docs).
pub(crate) fn pseudolocalize_into(text: &str, script: Script) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for piece in placeholders::parse(text) {
        match piece {
            Piece::Text(t) => push_text(&mut out, t, script),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// Writes a run of text: words replaced, spaces between words dropped where the script joins
/// them, sentence punctuation of the script.
fn push_text(out: &mut String, text: &str, script: Script) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    // Whether the last thing written was a word of the script.
    let mut after_word = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if is_acronym(&word) {
                out.push_str(&word);
                after_word = false;
            } else {
                push_word(out, &word, script);
                after_word = true;
            }
            continue;
        }
        let next = chars.get(i + 1).copied();
        let next_is_word = next.is_some_and(char::is_alphabetic);
        let ends_clause = next.is_none_or(char::is_whitespace);
        match c {
            ' ' if after_word && script.joins_words() && next_is_word => {}
            '.' if after_word && ends_clause => match script {
                Script::Chinese | Script::Japanese => {
                    out.push('。');
                    // The full stop carries its own space.
                    if next.is_some_and(char::is_whitespace) {
                        i += 1;
                    }
                }
                Script::Thai => {}
                _ => out.push('.'),
            },
            ',' if after_word && ends_clause => match script {
                Script::Chinese | Script::Japanese => {
                    out.push('、');
                    if next.is_some_and(char::is_whitespace) {
                        i += 1;
                    }
                }
                Script::Arabic | Script::Persian => out.push('،'),
                _ => out.push(','),
            },
            '?' if after_word => match script {
                Script::Arabic | Script::Persian => out.push('؟'),
                Script::Chinese | Script::Japanese => out.push('？'),
                _ => out.push('?'),
            },
            _ => out.push(c),
        }
        after_word = false;
        i += 1;
    }
}

/// A word a translation keeps as it is: two or more capitals and nothing else (`FAA`).
fn is_acronym(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().all(|c| c.is_ascii_uppercase())
}

/// Writes `word` in `script`: letters mapped through the script's table by their position in
/// the alphabet, at the script's length.
fn push_word(out: &mut String, word: &str, script: Script) {
    let letters: Vec<usize> = word.chars().map(alphabet_index).collect();
    let n = script.length(letters.len());
    // The letter standing for the k-th character of the output.
    let pick = |k: usize| letters[(k * letters.len() / n).min(letters.len() - 1)];
    match script {
        Script::Chinese => (0..n).for_each(|k| out.push(HANZI[(pick(k) + k) % HANZI.len()])),
        Script::Japanese => {
            for k in 0..n {
                let l = pick(k);
                out.push(if k == 0 {
                    KANJI[l]
                } else {
                    KANA[(l + k) % KANA.len()]
                });
            }
        }
        Script::Korean => (0..n).for_each(|k| {
            let syllable = 0xAC00 + ((pick(k) * 588 + k * 28 + 4) % 11_172) as u32;
            out.push(char::from_u32(syllable).unwrap_or('가'));
        }),
        Script::Arabic => (0..n).for_each(|k| out.push(ARABIC[pick(k)])),
        Script::Persian => (0..n).for_each(|k| out.push(PERSIAN[pick(k)])),
        Script::Hebrew => {
            for k in 0..n {
                let c = HEBREW[pick(k)];
                out.push(if k == n - 1 { hebrew_final(c) } else { c });
            }
        }
        Script::Devanagari => push_devanagari(out, word),
        Script::Thai => {
            for k in 0..n {
                let l = pick(k);
                out.push(THAI[l]);
                if k % 2 == 1 {
                    out.push(THAI_MARKS[l % THAI_MARKS.len()]);
                }
            }
        }
        Script::Cyrillic => push_cased(out, word, &CYRILLIC),
        Script::Greek => push_cased(out, word, &GREEK),
    }
}

/// Where a letter stands in the Latin alphabet (0 for `a` or `A`), the index into a script's
/// table; any other character gets a fixed index of its own.
fn alphabet_index(c: char) -> usize {
    let l = c.to_ascii_lowercase();
    if l.is_ascii_lowercase() {
        (l as u8 - b'a') as usize
    } else {
        c as usize % 26
    }
}

/// Letters mapped one for one, capitals kept capital (alphabets with case).
fn push_cased(out: &mut String, word: &str, table: &[char; 26]) {
    for c in word.chars() {
        let mapped = table[alphabet_index(c)];
        if c.is_uppercase() {
            out.extend(mapped.to_uppercase());
        } else {
            out.push(mapped);
        }
    }
}

/// Consonants for consonants, vowel signs for vowels after one (`ि` is drawn before its
/// consonant), independent vowels at the start, `x` as the conjunct `क्ष`.
fn push_devanagari(out: &mut String, word: &str) {
    let mut after_consonant = false;
    for c in word.chars().map(|c| c.to_ascii_lowercase()) {
        let vowel = match c {
            'a' => Some(('अ', 'ा')),
            'e' => Some(('ए', 'े')),
            'i' | 'y' => Some(('इ', 'ि')),
            'o' => Some(('ओ', 'ो')),
            'u' => Some(('उ', 'ु')),
            _ => None,
        };
        match vowel {
            Some((_, sign)) if after_consonant => {
                out.push(sign);
                after_consonant = false;
            }
            Some((independent, _)) => {
                out.push(independent);
                after_consonant = false;
            }
            None if c == 'x' => {
                out.push_str("क्ष");
                after_consonant = true;
            }
            None => {
                out.push(DEVANAGARI[alphabet_index(c)]);
                after_consonant = true;
            }
        }
    }
}

fn hebrew_final(c: char) -> char {
    match c {
        'כ' => 'ך',
        'מ' => 'ם',
        'נ' => 'ן',
        'פ' => 'ף',
        'צ' => 'ץ',
        other => other,
    }
}

const HANZI: [char; 32] = [
    '的', '一', '是', '在', '不', '了', '有', '和', '人', '这', '中', '大', '为', '上', '个', '国',
    '我', '以', '要', '他', '时', '来', '用', '们', '生', '到', '作', '地', '于', '出', '就', '分',
];
const KANJI: [char; 26] = [
    '日', '本', '語', '文', '書', '会', '社', '年', '月', '時', '間', '人', '国', '大', '学', '生',
    '新', '情', '報', '法', '規', '則', '航', '空', '機', '安',
];
const KANA: [char; 24] = [
    'の', 'に', 'を', 'は', 'が', 'と', 'で', 'て', 'し', 'た', 'る', 'な', 'い', 'か', 'す', 'ま',
    'れ', 'ら', 'こ', 'そ', 'シ', 'ス', 'テ', 'ム',
];
const ARABIC: [char; 26] = [
    'ا', 'ب', 'ت', 'د', 'ع', 'ف', 'ج', 'ه', 'ي', 'ج', 'ك', 'ل', 'م', 'ن', 'و', 'ب', 'ق', 'ر', 'س',
    'ط', 'و', 'ف', 'و', 'خ', 'ي', 'ز',
];
const PERSIAN: [char; 26] = [
    'ا', 'ب', 'چ', 'د', 'ی', 'ف', 'گ', 'ه', 'ی', 'ژ', 'ک', 'ل', 'م', 'ن', 'و', 'پ', 'ق', 'ر', 'س',
    'ت', 'و', 'و', 'و', 'خ', 'ی', 'ز',
];
const HEBREW: [char; 26] = [
    'א', 'ב', 'כ', 'ד', 'ע', 'פ', 'ג', 'ה', 'י', 'ז', 'ק', 'ל', 'מ', 'נ', 'ו', 'פ', 'ק', 'ר', 'ס',
    'ת', 'ו', 'ו', 'ש', 'צ', 'י', 'ז',
];
const DEVANAGARI: [char; 26] = [
    'अ', 'ब', 'क', 'द', 'ए', 'फ', 'ग', 'ह', 'इ', 'ज', 'क', 'ल', 'म', 'न', 'ओ', 'प', 'क', 'र', 'स',
    'त', 'उ', 'व', 'व', 'ख', 'य', 'ज',
];
const THAI: [char; 26] = [
    'อ', 'บ', 'ค', 'ด', 'เ', 'ฟ', 'ก', 'ห', 'ไ', 'จ', 'ข', 'ล', 'ม', 'น', 'โ', 'พ', 'ค', 'ร', 'ส',
    'ท', 'ว', 'ว', 'ว', 'ซ', 'ย', 'ช',
];
/// Vowel and tone marks drawn above or below the consonant before them.
const THAI_MARKS: [char; 6] = ['ิ', 'ี', 'ุ', 'ู', '่', '้'];
const CYRILLIC: [char; 26] = [
    'а', 'б', 'ц', 'д', 'е', 'ф', 'г', 'х', 'и', 'й', 'к', 'л', 'м', 'н', 'о', 'п', 'я', 'р', 'с',
    'т', 'у', 'в', 'ш', 'ж', 'ы', 'з',
];
const GREEK: [char; 26] = [
    'α', 'β', 'ψ', 'δ', 'ε', 'φ', 'γ', 'η', 'ι', 'ξ', 'κ', 'λ', 'μ', 'ν', 'ο', 'π', 'θ', 'ρ', 'σ',
    'τ', 'υ', 'ω', 'ς', 'χ', 'υ', 'ζ',
];

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "The [1]Federal Aviation Administration[/1] (FAA) proposes a new rule. \
        It applies to 737 airplanes, from May 2020 [2].";

    fn script_chars(text: &str, range: std::ops::RangeInclusive<char>) -> usize {
        text.chars().filter(|c| range.contains(c)).count()
    }

    #[test]
    fn each_target_gets_its_script_with_placeholders_digits_and_acronyms_kept() {
        let cases = [
            ("ja", '\u{3040}'..='\u{9FFF}'),
            ("zh-CN", '\u{4E00}'..='\u{9FFF}'),
            ("ko", '\u{AC00}'..='\u{D7A3}'),
            ("ar", '\u{0600}'..='\u{06FF}'),
            ("fa", '\u{0600}'..='\u{06FF}'),
            ("he", '\u{0590}'..='\u{05FF}'),
            ("hi", '\u{0900}'..='\u{097F}'),
            ("th", '\u{0E00}'..='\u{0E7F}'),
            ("ru", '\u{0400}'..='\u{04FF}'),
            ("el", '\u{0370}'..='\u{03FF}'),
        ];
        for (lang, range) in cases {
            let script = Script::of(lang).unwrap();
            let out = pseudolocalize_into(SOURCE, script);
            assert!(script_chars(&out, range.clone()) >= 10, "{lang}: {out}");
            assert_eq!(
                placeholders::validate(SOURCE, &out),
                Ok(()),
                "{lang}: {out}"
            );
            for kept in ["737", "2020", "FAA", "[2]"] {
                assert!(out.contains(kept), "{lang}: {kept} missing from {out}");
            }
            let latin_words = out
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1 && w.chars().any(|c| c.is_ascii_lowercase()))
                .count();
            assert_eq!(latin_words, 0, "{lang}: {out}");
            assert_eq!(out, pseudolocalize_into(SOURCE, script), "deterministic");
        }
        assert_eq!(Script::of("pt-BR"), None);
        assert_eq!(Script::of("en"), None);
    }

    #[test]
    fn cjk_joins_words_and_ends_sentences_with_its_own_stop() {
        let out = pseudolocalize_into(
            "The new rule applies. It is final, as written.",
            Script::Japanese,
        );
        assert!(!out.contains(' '), "{out}");
        assert_eq!(out.matches('。').count(), 2, "{out}");
        assert!(out.contains('、'), "{out}");
        // About half as many characters as the English has letters.
        let letters = "Thenewruleapplies.Itisfinal,aswritten".len() as f64;
        let ratio = out.chars().count() as f64 / letters;
        assert!((0.35..0.75).contains(&ratio), "{ratio}: {out}");
        // Korean keeps its spaces.
        assert!(pseudolocalize_into("The new rule", Script::Korean).contains(' '));
    }

    #[test]
    fn hindi_has_reordered_signs_and_a_conjunct() {
        let out = pseudolocalize_into("It is the next rule", Script::Devanagari);
        assert!(out.contains('ि') || out.contains("इ"), "{out}");
        assert!(out.contains("क्ष"), "{out}");
    }
}
