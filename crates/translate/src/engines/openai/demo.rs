//! A demonstration of the target language, for a request sent again because its reply came
//! back in the wrong language (or left in the source's).
//!
//! Small models copy long English paragraphs instead of translating them, and at temperature
//! 0 the same request alone gets the same copy. One worked example before the request (an
//! English sentence and its translation, as a user turn and the assistant's reply) is enough
//! for them to answer in the target language: on the 0.5B model of `scripts/llm-server.sh`,
//! three Federal Register paragraphs copied in English both in a batch and alone came back in
//! Portuguese with it. It costs about 60 prompt tokens, so it is sent only on such a retry.

use serde_json::{Value, json};

/// The sentence shown translated: plain, without placeholders (a model copies what it is
/// shown, and a marker of the example would end up in the reply).
const SOURCE: &str = "The committee will review all comments received before May 3.";

/// `SOURCE` in each target language the demonstration covers, by primary language code.
const TRANSLATIONS: &[(&str, &str)] = &[
    ("ar", "ستراجع اللجنة جميع التعليقات الواردة قبل 3 مايو."),
    (
        "de",
        "Der Ausschuss wird alle vor dem 3. Mai eingegangenen Kommentare prüfen.",
    ),
    (
        "es",
        "El comité revisará todos los comentarios recibidos antes del 3 de mayo.",
    ),
    (
        "fr",
        "Le comité examinera tous les commentaires reçus avant le 3 mai.",
    ),
    ("hi", "समिति 3 मई से पहले प्राप्त सभी टिप्पणियों की समीक्षा करेगी।"),
    (
        "it",
        "Il comitato esaminerà tutti i commenti ricevuti prima del 3 maggio.",
    ),
    (
        "ja",
        "委員会は5月3日までに受け取ったすべてのコメントを検討します。",
    ),
    (
        "ko",
        "위원회는 5월 3일 이전에 접수된 모든 의견을 검토할 것입니다.",
    ),
    (
        "nl",
        "De commissie beoordeelt alle opmerkingen die vóór 3 mei zijn ontvangen.",
    ),
    (
        "pl",
        "Komisja rozpatrzy wszystkie uwagi otrzymane przed 3 maja.",
    ),
    (
        "pt",
        "O comitê analisará todos os comentários recebidos antes de 3 de maio.",
    ),
    (
        "ru",
        "Комитет рассмотрит все комментарии, полученные до 3 мая.",
    ),
    (
        "sv",
        "Kommittén kommer att granska alla synpunkter som inkommit före den 3 maj.",
    ),
    (
        "tr",
        "Komite, 3 Mayıs'tan önce alınan tüm yorumları inceleyecek.",
    ),
    ("zh", "委员会将审查5月3日之前收到的所有意见。"),
];

/// The demonstration for translating English into `to` (a primary language code), as the two
/// chat messages to put before the request: `None` for another source language or a target
/// the table lacks.
pub(super) fn demonstration(from: &str, to: &str) -> Option<[Value; 2]> {
    if from != "en" {
        return None;
    }
    let (_, translated) = TRANSLATIONS.iter().find(|(code, _)| *code == to)?;
    let user = json!({"0": SOURCE}).to_string();
    let assistant = json!({"items": [{"id": 0, "text": translated}]}).to_string();
    Some([
        json!({"role": "user", "content": user}),
        json!({"role": "assistant", "content": assistant}),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_sources_get_the_target_shown_in_the_reply_format() {
        let [user, assistant] = demonstration("en", "pt").unwrap();
        assert_eq!(user["role"], "user");
        assert!(user["content"].as_str().unwrap().contains("May 3"));
        let reply: Value = serde_json::from_str(assistant["content"].as_str().unwrap()).unwrap();
        assert_eq!(reply["items"][0]["id"], 0);
        assert!(reply["items"][0]["text"].as_str().unwrap().contains("maio"));
        assert!(demonstration("de", "pt").is_none());
        assert!(demonstration("en", "xx").is_none());
    }

    #[test]
    fn the_table_is_sorted_and_unique() {
        assert!(TRANSLATIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
