//! Why pairs of a labelled dedupe file are missed or falsely linked: reads
//! a CSV with `id,given_name,family_name,date_of_birth,place,citizenship`
//! (and `id_number,address,postcode` when present) and
//! a truth column (`entity`, as `bench/linkage/compare_peers.py` writes FEBRL3),
//! deduplicates it and classifies every true pair that is not in one cluster
//! (not a candidate / hard conflict / scored below the threshold / kept apart
//! by clustering) and every false pair that is:
//! `cargo run --release -p safepath-linkage --example febrl_misses -- febrl3.csv [examples]`.

use std::collections::{HashMap, HashSet};

use safepath_linkage::engine::block::dedupe_candidates;
use safepath_linkage::engine::compare::{compare, hard_conflict};
use safepath_linkage::engine::record::{PartialDate, Prepared, Record};
use safepath_linkage::engine::{dedupe, explain, Settings};

fn field(row: &[&str], header: &[&str], name: &str) -> Option<String> {
    let i = header.iter().position(|h| *h == name)?;
    row.get(i).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a CSV file");
    let show: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let text = std::fs::read_to_string(&path).expect("readable file");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let mut records = Vec::new();
    let mut entity = Vec::new();
    for line in lines {
        let row: Vec<&str> = line.split(',').collect();
        records.push(Record {
            id: field(&row, &header, "id").unwrap_or_default(),
            given_name: field(&row, &header, "given_name"),
            family_name: field(&row, &header, "family_name"),
            date_of_birth: field(&row, &header, "date_of_birth").and_then(|d| PartialDate::parse(&d)),
            place: field(&row, &header, "place"),
            citizenship: field(&row, &header, "citizenship"),
            id_number: field(&row, &header, "id_number"),
            address: field(&row, &header, "address"),
            postcode: field(&row, &header, "postcode"),
            ..Record::default()
        });
        entity.push(field(&row, &header, "entity").unwrap_or_default());
    }
    let settings = Settings::default();
    let result = dedupe(&records, &settings);
    let prepared: Vec<Prepared> = records.iter().map(|r| Prepared::new(r, settings.variants)).collect();
    let candidates: HashSet<(u32, u32)> =
        dedupe_candidates(&prepared, &settings.rules, settings.max_pairs_per_block).pairs.into_iter().collect();
    let cluster: Vec<usize> = result.clusters.iter().map(|c| c.1).collect();
    let mut by_entity: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, e) in entity.iter().enumerate() {
        by_entity.entry(e).or_default().push(i as u32);
    }
    let mut classes: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    let (mut truth, mut found) = (0, 0);
    for members in by_entity.values() {
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                let (i, j) = (i.min(j), i.max(j));
                truth += 1;
                if cluster[i as usize] == cluster[j as usize] {
                    found += 1;
                    continue;
                }
                let (a, b) = (&prepared[i as usize], &prepared[j as usize]);
                let e = explain(&result.scorer, a, b);
                let class = if !candidates.contains(&(i, j)) {
                    let same_dob = a.dob.is_some() && a.dob == b.dob;
                    format!("not a candidate (same date of birth: {same_dob})")
                } else if let Some(c) = hard_conflict(a, b, &compare(a, b)) {
                    format!("hard conflict: {c}")
                } else if e.probability < settings.threshold {
                    "below the threshold".to_string()
                } else {
                    "linked but clustered apart".to_string()
                };
                classes.entry(class).or_default().push((i, j));
            }
        }
    }
    println!("true pairs {truth}, found {found}");
    let mut classes: Vec<_> = classes.into_iter().collect();
    classes.sort_by_key(|c| std::cmp::Reverse(c.1.len()));
    for (class, pairs) in &classes {
        println!("\n{class}: {}", pairs.len());
        for &(i, j) in pairs.iter().take(show) {
            let (a, b) = (&prepared[i as usize], &prepared[j as usize]);
            let e = explain(&result.scorer, a, b);
            let levels: Vec<String> = e.contributions.iter().map(|c| format!("{}={:.1}", c.level, c.bits)).collect();
            println!(
                "  {:?} / {:?}  p={:.3} {}",
                describe(&records[i as usize]),
                describe(&records[j as usize]),
                e.probability,
                levels.join(" ")
            );
        }
    }
    let mut false_pairs = 0;
    for p in &result.pairs {
        let i = records.iter().position(|r| r.id == p.left_id).unwrap_or(0);
        let j = records.iter().position(|r| r.id == p.right_id).unwrap_or(0);
        if entity[i] != entity[j] {
            false_pairs += 1;
            if false_pairs <= show {
                println!("false: {:?} / {:?} p={:.3}", describe(&records[i]), describe(&records[j]), p.probability);
            }
        }
    }
    println!("false linked pairs: {false_pairs}");
}

fn describe(r: &Record) -> String {
    format!(
        "{} {} {} {}",
        r.given_name.as_deref().unwrap_or("-"),
        r.family_name.as_deref().unwrap_or("-"),
        r.date_of_birth.map(|d| format!("{}-{:?}-{:?}", d.year, d.month, d.day)).unwrap_or_default(),
        r.place.as_deref().unwrap_or("-")
    )
}
