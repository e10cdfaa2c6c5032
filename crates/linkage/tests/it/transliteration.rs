//! Folding of names in the scripts of the caseload, through the public API.

use safepath_linkage::normalize::{fold, tokens};

#[test]
fn names_fold_to_their_usual_latin_spelling() {
    for (input, expected) in [
        ("ÇELA", "cela"),
        ("Gëzim Hoxha", "gezim hoxha"),
        ("José María", "jose maria"),
        ("Đorđe Łukasz Søren", "dorde lukasz soren"),
        ("Müller-Straße", "muller strasse"),
        ("Александр Пушкин", "aleksandr pushkin"),
        ("Γιώργος Παπαδόπουλος", "giorgos papadopoulos"),
        ("लक्ष्मी थापा", "lakshmi thapa"),
        ("রহিম", "rahim"),
        ("محمد علي", "mhmd ali"),
        ("สมชาย", "smchay"),
        ("សុខា", "sokha"),
        ("김민준", "gimminjun"),
        ("ሰላም", "selam"),
    ] {
        assert_eq!(fold(input), expected, "{input}");
    }
}

#[test]
fn tokens_split_on_any_non_letter() {
    assert_eq!(tokens("Anna-Maria  O'Neil,3"), ["anna", "maria", "oneil"]);
    assert!(tokens("").is_empty());
}
