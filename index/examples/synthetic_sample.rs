//! Prints a few synthetic incidents and probes, to see what the generator makes:
//! `cargo run -p hindsight-index --example synthetic_sample -- [seed] [count]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let count = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut g = hindsight_index::synthetic::Generator::new(seed);
    for _ in 0..count {
        println!("{:#?}\n", g.incident());
    }
    println!("probe: {:#?}", g.probe());
    println!("search: {}", g.search_text());
}
