//! Prints the blocks of some pages: `dump_blocks FILE [FIRST [LAST]]`, for tuning heuristics.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("read");
    let doc = folio_pdf::read(bytes, &Default::default()).expect("pdf");
    let first: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let last: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(first);
    let settings = folio_layout::LayoutSettings::default();
    for p in first..=last.min(doc.pages.len().saturating_sub(1)) {
        let page = &doc.pages[p];
        println!("=== page {p} {}x{}", page.width, page.height);
        for b in folio_layout::layout_page(&doc, page, &settings) {
            let act = match &b.action {
                folio_doc::Action::Translate => "T".to_string(),
                folio_doc::Action::Keep(r) => format!("K:{r:?}"),
            };
            let font = &doc.fonts[b.style.font.0 as usize].name;
            println!(
                "#{:<3} {:?} {} [{:.0} {:.0} {:.0} {:.0}] {:.1}pt {} {:?} ind{:.1} lh{:.1} | {}",
                b.id.index,
                b.role,
                act,
                b.bbox.x0,
                b.bbox.y0,
                b.bbox.x1,
                b.bbox.y1,
                b.style.size,
                font,
                b.style.align,
                b.style.first_indent,
                b.style.line_height,
                b.source.chars().take(160).collect::<String>()
            );
            for s in &b.spans {
                if !matches!(s.kind, folio_doc::SpanKind::Kept { .. }) || args.len() > 4 {
                    println!("      span {} {:?}", s.id, s.kind);
                }
            }
        }
    }
}
