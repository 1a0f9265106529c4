//! What needs no translation: formulas, code, numbers, URLs, e-mail addresses, symbols, page
//! numbers, text without letters and (for now) rotated text.

use folio_doc::{Action, KeepReason, Role, SpanKind};

use crate::LayoutSettings;
use crate::inline::Inline;
use crate::text::is_numeric;

/// Decides whether a block is translated, from its role, direction and text.
pub(crate) fn decide(role: Role, angle: f32, inline: &Inline, settings: &LayoutSettings) -> Action {
    if angle != 0.0 {
        return Action::Keep(KeepReason::Rotated);
    }
    match role {
        Role::PageNumber => return Action::Keep(KeepReason::PageNumber),
        Role::Formula => return Action::Keep(KeepReason::Formula),
        Role::Code if settings.keep.code => return Action::Keep(KeepReason::Code),
        _ => {}
    }
    if is_equation_number(inline.plain.trim()) {
        return Action::Keep(KeepReason::Number);
    }
    if inline.translatable.chars().any(char::is_alphabetic) {
        return Action::Translate;
    }
    // No letters left once kept items are set aside.
    let mut kept = inline.spans.iter().filter_map(|s| match &s.kind {
        SpanKind::Kept { reason, .. } => Some(*reason),
        _ => None,
    });
    let rest_is_bare = !inline.translatable.chars().any(char::is_alphanumeric);
    if let Some(first) = kept.next()
        && rest_is_bare
        && kept.all(|r| r == first)
    {
        return Action::Keep(first);
    }
    let plain = inline.plain.trim();
    Action::Keep(if plain.is_empty() {
        KeepReason::Empty
    } else if is_numeric(plain) {
        KeepReason::Number
    } else if !plain.chars().any(char::is_alphanumeric) {
        KeepReason::Symbols
    } else if inline.plain.chars().any(char::is_alphabetic) {
        // Letters only inside kept items of several kinds: a formula with a citation, say.
        KeepReason::Formula
    } else {
        KeepReason::Empty
    })
}

/// An equation number such as `(6a)` or `(12)`.
fn is_equation_number(t: &str) -> bool {
    let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return false;
    };
    let digits = inner.trim_end_matches(|c: char| c.is_ascii_lowercase());
    !digits.is_empty()
        && inner.len() - digits.len() <= 1
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
}
