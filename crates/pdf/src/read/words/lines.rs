//! Step 2: glyphs of one baseline into lines, cut at wide gaps, and runs of nearby baselines
//! that share a line (super- and subscripts) joined.

use super::place::Placed;

/// A gap wider than this × the font size splits a baseline into separate lines (columns,
/// table cells).
const LINE_GAP: f32 = 1.0;

/// Baselines closer than this (points) are the same baseline.
pub(super) const SAME_BASELINE: f32 = 0.5;

/// A line (or, while building, a run of one baseline) and its extent.
#[derive(Debug, Clone)]
pub(super) struct FrameLine<'p, 'a> {
    pub(super) glyphs: Vec<&'p Placed<'a>>,
    pub(super) u0: f32,
    pub(super) u1: f32,
    pub(super) top: f32,
    pub(super) bottom: f32,
    /// Baseline of its main (largest) run, for ordering.
    pub(super) v: f32,
    pub(super) size: f32,
}

impl<'p, 'a> FrameLine<'p, 'a> {
    fn new(p: &'p Placed<'a>) -> Self {
        FrameLine {
            glyphs: vec![p],
            u0: p.u0,
            u1: p.u1,
            top: p.top,
            bottom: p.bottom,
            v: p.v,
            size: p.size,
        }
    }

    fn push(&mut self, p: &'p Placed<'a>) {
        self.glyphs.push(p);
        self.u0 = self.u0.min(p.u0);
        self.u1 = self.u1.max(p.u1);
        self.top = self.top.min(p.top);
        self.bottom = self.bottom.max(p.bottom);
        self.size = self.size.max(p.size);
    }
}

/// Groups the glyphs of one direction into lines: baselines clustered, cut along them at
/// wide gaps, and runs of nearby baselines that share a line joined (see [`join_segments`]).
pub(super) fn frame_lines<'p, 'a>(placed: &[&'p Placed<'a>]) -> Vec<FrameLine<'p, 'a>> {
    // 1. Baselines: sort across, cluster nearby baselines.
    let mut order: Vec<&Placed<'_>> = placed.to_vec();
    order.sort_by(|a, b| a.v.total_cmp(&b.v).then(a.index.cmp(&b.index)));
    let mut baselines: Vec<Vec<&Placed<'_>>> = Vec::new();
    for p in order {
        let tol = SAME_BASELINE.max(0.04 * p.size);
        // Measured from the run's first baseline, not its last glyph: a chain of big glyphs
        // at staggered heights (Arabic with its marks) must not bridge two lines of small
        // text beside it. A slightly skewed line that this splits is joined again below.
        match baselines.last_mut() {
            Some(run) if run.first().is_some_and(|q| p.v - q.v <= tol) => run.push(p),
            _ => baselines.push(vec![p]),
        }
    }

    // 2. Runs of glyphs close enough to be on one line; then runs of nearby baselines that
    //    overlap and touch are joined.
    let mut segments: Vec<FrameLine<'_, '_>> = Vec::new();
    for mut run in baselines {
        // Stable: glyphs at the same spot stay in content order.
        run.sort_by(|a, b| a.u0.total_cmp(&b.u0));
        let mut segment: Option<FrameLine<'_, '_>> = None;
        for p in run {
            match segment.as_mut() {
                Some(s) if p.u0 - s.u1 <= LINE_GAP * p.size.max(s.size) => s.push(p),
                _ => {
                    segments.extend(segment.take());
                    segment = Some(FrameLine::new(p));
                }
            }
        }
        segments.extend(segment);
    }
    join_segments(segments)
}

/// Joins baseline runs that share a line: their vertical extents overlap by at least half
/// of the smaller one, and they touch or nearly touch along the baseline.
fn join_segments<'p, 'a>(mut segs: Vec<FrameLine<'p, 'a>>) -> Vec<FrameLine<'p, 'a>> {
    let n = segs.len();
    if n < 2 {
        return segs;
    }
    let mut by_top: Vec<usize> = (0..n).collect();
    by_top.sort_by(|&a, &b| segs[a].top.total_cmp(&segs[b].top));
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (k, &a) in by_top.iter().enumerate() {
        for &b in &by_top[k + 1..] {
            if segs[b].top >= segs[a].bottom {
                break;
            }
            let (sa, sb) = (&segs[a], &segs[b]);
            let overlap = sa.bottom.min(sb.bottom) - sa.top.max(sb.top);
            let smaller = (sa.bottom - sa.top).min(sb.bottom - sb.top).max(0.01);
            if overlap < 0.5 * smaller {
                continue;
            }
            // Runs of the same baseline were split on purpose.
            if (sa.v - sb.v).abs() < 0.01 {
                continue;
            }
            let gap = sa.u0.max(sb.u0) - sa.u1.min(sb.u1);
            if gap <= LINE_GAP * 0.5 * sa.size.min(sb.size) {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[rb] = ra;
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let r = find(&mut parent, i);
        groups[r].push(i);
    }
    let mut out = Vec::new();
    for group in groups.into_iter().filter(|g| !g.is_empty()) {
        // The main baseline is that of the run with the largest font, then most glyphs.
        let main = group
            .iter()
            .copied()
            .max_by(|&a, &b| {
                segs[a]
                    .size
                    .total_cmp(&segs[b].size)
                    .then(segs[a].glyphs.len().cmp(&segs[b].glyphs.len()))
            })
            .unwrap_or(group[0]);
        let mut line = segs[main].clone();
        for &i in &group {
            if i == main {
                continue;
            }
            for p in std::mem::take(&mut segs[i].glyphs) {
                line.push(p);
            }
        }
        // A line of spaces alone has no words.
        if line.glyphs.iter().any(|p| !p.space) {
            out.push(line);
        }
    }
    out
}
