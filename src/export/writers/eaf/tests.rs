use super::*;

fn date() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2024-05-02T13:45:00+02:00").unwrap()
}

fn ann(start_ms: u64, end_ms: u64, value: &str) -> EafAnnotation {
    EafAnnotation { start_ms, end_ms, value: value.to_owned() }
}

fn tier(id: &str, kind: EafTierKind, annotations: Vec<EafAnnotation>) -> EafTier {
    EafTier { id: id.to_owned(), participant: Some(id.to_owned()), kind, annotations }
}

fn doc(tiers: Vec<EafTier>) -> EafDocument {
    EafDocument {
        date: date(),
        author: "verbatim".to_owned(),
        media: Some(EafMedia {
            url: "file:///tmp/intervju%201.wav".to_owned(),
            mime_type: "audio/x-wav".to_owned(),
            relative_url: Some("./intervju%201.wav".to_owned()),
        }),
        tiers,
    }
}

fn rendered(doc: &EafDocument) -> String {
    String::from_utf8(render(doc).unwrap().to_vec()).unwrap()
}

/// Every value of `attribute="..."` in document order.
fn attribute_values(xml: &str, attribute: &str) -> Vec<String> {
    let needle = format!(" {attribute}=\"");
    xml.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &xml[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

fn sample() -> EafDocument {
    doc(vec![
        tier("I", EafTierKind::Speech, vec![ann(0, 2500, "Hvordan har du det?"), ann(9000, 9800, "Mm.")]),
        tier("B", EafTierKind::Speech, vec![ann(2600, 8000, "Bra, takk. Blåbærsyltetøy!")]),
        tier("Markers", EafTierKind::Marker, vec![ann(4000, 4000, "viktig")]),
    ])
}

#[test]
fn elements_come_in_schema_order() {
    let xml = rendered(&sample());
    let header = xml.find("<HEADER").unwrap();
    let media = xml.find("<MEDIA_DESCRIPTOR").unwrap();
    let property = xml.find("<PROPERTY NAME=\"lastUsedAnnotationId\">").unwrap();
    let time_order = xml.find("<TIME_ORDER>").unwrap();
    let first_tier = xml.find("<TIER ").unwrap();
    let last_tier_end = xml.rfind("</TIER>").unwrap();
    let first_type = xml.find("<LINGUISTIC_TYPE ").unwrap();
    assert!(header < media && media < property && property < time_order, "{xml}");
    assert!(time_order < first_tier && last_tier_end < first_type, "{xml}");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ANNOTATION_DOCUMENT "));
    assert!(xml.ends_with("</ANNOTATION_DOCUMENT>\n"));
}

#[test]
fn date_is_an_xsd_datetime_with_offset() {
    assert_eq!(attribute_values(&rendered(&sample()), "DATE"), ["2024-05-02T13:45:00+02:00"]);
}

#[test]
fn ids_are_unique_and_start_with_a_letter() {
    let xml = rendered(&sample());
    let slots = attribute_values(&xml, "TIME_SLOT_ID");
    let annotations = attribute_values(&xml, "ANNOTATION_ID");
    assert_eq!(slots, ["ts1", "ts2", "ts3", "ts4", "ts5", "ts6", "ts7", "ts8"]);
    assert_eq!(annotations, ["a1", "a2", "a3", "a4"]);
    assert!(xml.contains("<PROPERTY NAME=\"lastUsedAnnotationId\">4</PROPERTY>"));
}

#[test]
fn time_slots_are_in_time_order_and_in_milliseconds() {
    let xml = rendered(&sample());
    let values: Vec<u32> = attribute_values(&xml, "TIME_VALUE").iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(values, [0, 2500, 2600, 4000, 4001, 8000, 9000, 9800]);
    // Each annotation points at the slots holding its own times.
    let refs1 = attribute_values(&xml, "TIME_SLOT_REF1");
    let refs2 = attribute_values(&xml, "TIME_SLOT_REF2");
    assert_eq!(refs1, ["ts1", "ts7", "ts3", "ts4"]);
    assert_eq!(refs2, ["ts2", "ts8", "ts6", "ts5"]);
}

#[test]
fn point_annotation_is_widened_to_one_millisecond() {
    let xml = rendered(&doc(vec![tier("M", EafTierKind::Marker, vec![ann(1234, 1234, "her")])]));
    assert_eq!(attribute_values(&xml, "TIME_VALUE"), ["1234", "1235"]);
}

#[test]
fn annotation_ending_before_it_starts_is_refused() {
    let err =
        render(&doc(vec![tier("A", EafTierKind::Speech, vec![ann(0, 10, "ok"), ann(500, 400, "bad")])])).unwrap_err();
    assert_eq!(err, EafError::EndsBeforeStart { tier: 0, annotation: 1, start_ms: 500, end_ms: 400 });
    assert!(err.to_string().contains("fix its times"), "{err}");
}

#[test]
fn times_past_u32_milliseconds_are_refused() {
    let too_late = u64::from(u32::MAX) + 1;
    let err = render(&doc(vec![tier("A", EafTierKind::Speech, vec![ann(0, too_late, "lang")])])).unwrap_err();
    assert_eq!(err, EafError::TimeOutOfRange { ms: too_late });
}

#[test]
fn annotations_within_a_tier_are_written_in_time_order() {
    let xml =
        rendered(&doc(vec![tier("A", EafTierKind::Speech, vec![ann(5000, 6000, "second"), ann(0, 100, "first")])]));
    assert!(xml.find(">first<").unwrap() < xml.find(">second<").unwrap());
    assert_eq!(attribute_values(&xml, "TIME_SLOT_REF1"), ["ts1", "ts3"]);
}

#[test]
fn text_and_attributes_are_escaped_and_control_characters_dropped() {
    let mut d = doc(vec![tier(
        "Ola \"O'Neill\" <&>",
        EafTierKind::Speech,
        vec![ann(0, 1000, "a < b && c > \"d\" 'e'\u{0}\u{1b}[31m\u{7}")],
    )]);
    d.author = "R&D <team>".to_owned();
    let xml = rendered(&d);
    assert!(
        xml.contains("<ANNOTATION_VALUE>a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;[31m</ANNOTATION_VALUE>")
    );
    assert_eq!(attribute_values(&xml, "TIER_ID"), ["Ola &quot;O&apos;Neill&quot; &lt;&amp;&gt;"]);
    assert_eq!(attribute_values(&xml, "AUTHOR"), ["R&amp;D &lt;team&gt;"]);
    assert!(!xml.bytes().any(|b| b < 0x20 && b != b'\n'), "no control characters may remain");
}

#[test]
fn norwegian_letters_survive() {
    let xml = rendered(&doc(vec![tier("Bjørn", EafTierKind::Speech, vec![ann(0, 1, "Æ, ø og å – «sånn»")])]));
    assert!(xml.contains("<ANNOTATION_VALUE>Æ, ø og å – «sånn»</ANNOTATION_VALUE>"));
    assert!(xml.contains("TIER_ID=\"Bjørn\""));
}

#[test]
fn colliding_and_empty_tier_ids_are_made_unique() {
    let xml = rendered(&doc(vec![
        tier("B", EafTierKind::Speech, vec![]),
        tier("B", EafTierKind::Speech, vec![]),
        tier("B (2)", EafTierKind::Speech, vec![]),
        tier("B\u{0}", EafTierKind::Speech, vec![]),
        tier("", EafTierKind::Pause, vec![]),
        tier(" ", EafTierKind::Pause, vec![]),
    ]));
    assert_eq!(attribute_values(&xml, "TIER_ID"), ["B", "B (2)", "B (2) (2)", "B (3)", "tier", "tier (2)"]);
}

#[test]
fn only_used_linguistic_types_are_written_and_every_tier_refers_to_one() {
    let xml = rendered(&sample());
    let defined = attribute_values(&xml, "LINGUISTIC_TYPE_ID");
    assert_eq!(defined, ["speech", "marker"]);
    for used in attribute_values(&xml, "LINGUISTIC_TYPE_REF") {
        assert!(defined.contains(&used), "{used} is not defined");
    }
    let all = rendered(&doc(vec![
        tier("P", EafTierKind::Pause, vec![]),
        tier("Q", EafTierKind::Question, vec![]),
        tier("S", EafTierKind::Speech, vec![]),
        tier("M", EafTierKind::Marker, vec![]),
    ]));
    assert_eq!(attribute_values(&all, "LINGUISTIC_TYPE_ID"), ["speech", "guide-question", "marker", "pause"]);
}

#[test]
fn media_is_optional() {
    let mut d = sample();
    d.media = None;
    let xml = rendered(&d);
    assert!(!xml.contains("MEDIA_DESCRIPTOR"));
    d.media = Some(EafMedia { url: "file:///a.wav".into(), mime_type: "audio/x-wav".into(), relative_url: None });
    let xml = rendered(&d);
    assert!(xml.contains("<MEDIA_DESCRIPTOR MEDIA_URL=\"file:///a.wav\" MIME_TYPE=\"audio/x-wav\"/>"));
}

#[test]
fn empty_document_is_still_complete() {
    let xml = rendered(&doc(vec![]));
    assert!(xml.contains("<TIME_ORDER>\n    </TIME_ORDER>"));
    assert!(xml.contains("<PROPERTY NAME=\"lastUsedAnnotationId\">0</PROPERTY>"));
    assert!(!xml.contains("<LINGUISTIC_TYPE "));
}

#[test]
fn buffer_is_allocated_at_its_exact_size() {
    let bytes = render(&sample()).unwrap();
    assert_eq!(bytes.len(), bytes.capacity());
}
