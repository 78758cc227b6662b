//! Draws `results/chart.svg` from `results/<backend>.json`: for each backend,
//! one group of bars per workload and size, the median time of orm and of
//! Diesel relative to raw (raw = 1). Plain SVG, generic font families only.
//!
//! ```text
//! chart RESULTS_DIR OUT.svg [NOTE]
//! ```
//!
//! NOTE (how the numbers were taken) is printed under the title.

use std::fmt::Write as _;

struct Rec {
    workload: String,
    n: u64,
    contestant: String,
    median_ns: f64,
}

/// The value of `"key": ...` in one JSON object written by orm-bench.
fn field<'a>(obj: &'a str, key: &str) -> Option<&'a str> {
    let at = obj.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = obj[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"'))
}

fn load(path: &std::path::Path) -> Option<Vec<Rec>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut out = Vec::new();
    for obj in text.split('{').skip(1) {
        out.push(Rec {
            workload: field(obj, "workload")?.to_owned(),
            n: field(obj, "n")?.parse().ok()?,
            contestant: field(obj, "contestant")?.to_owned(),
            median_ns: field(obj, "median_ns")?.parse().ok()?,
        });
    }
    Some(out)
}

const BAR: f64 = 9.0;
const ROW: f64 = 26.0;
const LABEL_W: f64 = 110.0;
const PLOT_W: f64 = 300.0;
const PANEL_W: f64 = LABEL_W + PLOT_W + 40.0;
const CAP: f64 = 3.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 && args.len() != 4 {
        eprintln!("usage: chart RESULTS_DIR OUT.svg [NOTE]");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&args[1]);
    let panels: Vec<(&str, Vec<Rec>)> = ["sqlite", "postgres", "mysql"]
        .into_iter()
        .filter_map(|b| load(&dir.join(format!("{b}.json"))).map(|r| (b, r)))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    if panels.is_empty() {
        eprintln!("no results in {}", dir.display());
        std::process::exit(1);
    }
    let rows = panels
        .iter()
        .map(|(_, r)| r.iter().filter(|r| r.contestant == "raw").count())
        .max()
        .unwrap_or(0);
    let note = args.get(3).map(|n| escape(n)).unwrap_or_default();
    let top = 86.0;
    let height = top + rows as f64 * ROW + 60.0;
    let width = PANEL_W * panels.len() as f64 + 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">Median time per operation relative to the raw driver (raw = 1; shorter is faster)</text>"#
    );
    let _ = writeln!(s, r##"<text x="10" y="36" fill="#555">{note}</text>"##);
    let _ = writeln!(
        s,
        r##"<rect x="10" y="46" width="12" height="{BAR}" fill="#d9480f"/><text x="26" y="54">orm</text><rect x="70" y="46" width="12" height="{BAR}" fill="#1c7ed6"/><text x="86" y="54">Diesel 2.3</text><text x="170" y="54" fill="#555">bars past {CAP}× are cut; the number is the ratio</text>"##
    );
    let scale = PLOT_W / CAP;
    for (p, (backend, recs)) in panels.iter().enumerate() {
        let x0 = 10.0 + p as f64 * PANEL_W;
        let px = x0 + LABEL_W;
        let _ = writeln!(
            s,
            r#"<text x="{px}" y="{}" font-size="13" font-weight="bold">{}</text>"#,
            top - 10.0,
            match *backend {
                "sqlite" => "SQLite (in memory)",
                "postgres" => "PostgreSQL 15",
                _ => "MariaDB 10.11",
            }
        );
        // Grid lines at 0.5, 1, 1.5, ...
        let mut g = 0.5;
        while g <= CAP + 1e-9 {
            let x = px + g * scale;
            let (color, w) = if (g - 1.0).abs() < 1e-9 {
                ("#000", 1.2)
            } else {
                ("#ddd", 0.8)
            };
            let _ = writeln!(
                s,
                r##"<line x1="{x}" y1="{top}" x2="{x}" y2="{}" stroke="{color}" stroke-width="{w}"/><text x="{x}" y="{}" text-anchor="middle" fill="#555">{g}</text>"##,
                top + rows as f64 * ROW,
                top + rows as f64 * ROW + 14.0
            );
            g += 0.5;
        }
        let cases: Vec<&Rec> = recs.iter().filter(|r| r.contestant == "raw").collect();
        for (i, raw) in cases.iter().enumerate() {
            let y = top + i as f64 * ROW + 3.0;
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="end">{} n={}</text>"#,
                px - 6.0,
                y + BAR + 3.0,
                raw.workload,
                raw.n
            );
            for (j, (who, color)) in [("orm", "#d9480f"), ("diesel", "#1c7ed6")]
                .into_iter()
                .enumerate()
            {
                let Some(r) = recs
                    .iter()
                    .find(|r| r.contestant == who && r.workload == raw.workload && r.n == raw.n)
                else {
                    continue;
                };
                let ratio = r.median_ns / raw.median_ns;
                let w = ratio.min(CAP) * scale;
                let by = y + j as f64 * (BAR + 1.0);
                let _ = writeln!(
                    s,
                    r##"<rect x="{px}" y="{by}" width="{w:.1}" height="{BAR}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="9" fill="#333">{ratio:.2}</text>"##,
                    px + w + 3.0,
                    by + BAR - 1.0
                );
            }
        }
    }
    s.push_str("</svg>\n");
    std::fs::write(&args[2], s).unwrap_or_else(|e| panic!("cannot write {}: {e}", args[2]));
    eprintln!("wrote {}", args[2]);
}
