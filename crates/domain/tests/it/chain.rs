//! The hash chain detects an edited or dropped event.

use civicgrid_domain::chain::{canonical, first_break, link};
use civicgrid_domain::lifecycle::receive;
use civicgrid_domain::org::Actor;
use civicgrid_domain::request::Kind;

use crate::at;

#[test]
fn tampering_breaks_the_chain_where_it_happened() {
    let events: Vec<_> = (0..4)
        .map(|i| receive(Kind::Complaint, Actor::SYSTEM, at(i), vec![]).1)
        .collect();
    let texts: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(i, e)| canonical("20261122000007", i as i64, e))
        .collect();
    let mut hashes = Vec::new();
    let mut previous = String::new();
    for text in &texts {
        previous = link(&previous, text);
        hashes.push(previous.clone());
    }
    let pairs = |texts: &[String]| -> Vec<(String, String)> {
        texts.iter().cloned().zip(hashes.iter().cloned()).collect()
    };
    let intact = pairs(&texts);
    assert_eq!(
        first_break(intact.iter().map(|(t, h)| (t.clone(), h.as_str()))),
        None
    );
    let mut edited = texts.clone();
    edited[2] = edited[2].replace("received", "closed");
    let broken = pairs(&edited);
    assert_eq!(
        first_break(broken.iter().map(|(t, h)| (t.clone(), h.as_str()))),
        Some(2)
    );
}
