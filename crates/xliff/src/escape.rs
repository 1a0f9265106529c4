//! Escaping text for XML 1.0.

/// `c`, or U+FFFD when XML 1.0 cannot carry it, even as a character reference: control
/// characters other than tab, line feed and carriage return, U+FFFE and U+FFFF (XML 1.0 §2.2
/// `Char`). Rust's `char` already excludes surrogates.
pub(crate) fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        '\0'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
        _ => c,
    }
}

/// Appends `text` escaped as element content (`attribute: false`) or as an attribute value in
/// double quotes. `>` is escaped too, so `]]>` never appears; a carriage return is a character
/// reference, else a parser would turn it into a line feed (XML 1.0 §2.11), and so are tab and
/// line feed in attributes, else they would become spaces (§3.3.3).
pub(crate) fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            _ => out.push(xml_char(c)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn escaped(text: &str, attribute: bool) -> String {
        let mut out = String::new();
        escape_into(&mut out, text, attribute);
        out
    }

    #[test]
    fn escapes_markup_and_line_ends() {
        assert_eq!(
            escaped("a<b>&\"c\"]]>", false),
            "a&lt;b&gt;&amp;\"c\"]]&gt;"
        );
        assert_eq!(escaped("a\"b\n\tc\r", true), "a&quot;b&#10;&#9;c&#13;");
        assert_eq!(escaped("x\r\ny\t", false), "x&#13;\ny\t");
        assert_eq!(escaped("bell\u{7}", false), "bell\u{fffd}");
    }
}
