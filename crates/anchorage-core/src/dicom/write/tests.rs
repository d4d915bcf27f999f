//! Unit tests of the parent module.

use super::*;

#[test]
fn ds_formatting_fits_16_characters() {
    assert_eq!(format_ds(0.7).as_deref(), Some("0.7"));
    assert_eq!(format_ds(-66.5).as_deref(), Some("-66.5"));
    assert_eq!(format_ds(-0.0).as_deref(), Some("0"));
    assert_eq!(format_ds(-1.0).as_deref(), Some("-1"));
    let long = format_ds(std::f64::consts::PI * 1000.0).unwrap_or_default();
    assert!(long.len() <= 16, "{long}");
    assert!((long.parse::<f64>().unwrap_or(0.0) - std::f64::consts::PI * 1000.0).abs() < 1e-9);
    assert!(format_ds(f64::NAN).is_none());
}

#[test]
fn derived_uids_are_valid_and_distinct() {
    let a = derive_uid(7, "study");
    let b = derive_uid(7, "series");
    let c = derive_uid(8, "study");
    for uid in [&a, &b, &c] {
        assert!(is_valid_uid(uid), "{uid}");
        assert!(uid.starts_with("2.25."));
    }
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert_eq!(a, derive_uid(7, "study"));
    assert!(!is_valid_uid("1.02.3"));
    assert!(!is_valid_uid("1..3"));
    assert!(is_valid_uid("1.0.3"));
}

#[test]
fn implementation_class_uid_is_valid() {
    assert!(is_valid_uid(IMPLEMENTATION_CLASS_UID));
    assert!(IMPLEMENTATION_VERSION_NAME.len() <= 16);
}
