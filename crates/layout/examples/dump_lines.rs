//! Prints a page's lines with their fonts, for tuning the layout heuristics.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("read");
    let doc = folio_pdf::read(bytes, &Default::default()).expect("pdf");
    let p: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let page = &doc.pages[p];
    println!(
        "page {} {}x{} links {} paths {} images {}",
        p,
        page.width,
        page.height,
        page.links.len(),
        page.paths.len(),
        page.images.len()
    );
    for (i, f) in doc.fonts.iter().enumerate() {
        println!("font {i} {} {:?}", f.name, f.style);
    }
    for (li, l) in page.lines.iter().enumerate() {
        let text: Vec<&str> = l
            .words
            .iter()
            .map(|&w| page.words[w as usize].text.as_str())
            .collect();
        let g0 = &page.glyphs[page.words[l.words[0] as usize].glyphs[0] as usize];
        println!(
            "{li:3} [{:6.1} {:6.1} {:6.1} {:6.1}] f{} {:.1} by{:.1} | {}",
            l.bbox.x0,
            l.bbox.y0,
            l.bbox.x1,
            l.bbox.y1,
            g0.font.0,
            g0.size,
            g0.origin.y,
            text.join(" ")
        );
    }
}
