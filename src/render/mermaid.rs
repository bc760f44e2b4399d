//! Mermaid for `choreo graph --format mermaid`: a `flowchart LR` that GitHub renders, for
//! pull-request comments and `$GITHUB_STEP_SUMMARY`.

use std::fmt::Write;

use super::dot::{count, Diagram, EdgeKind, Health, Node, Paint, COMPONENT, LOOP, MATCH};
use crate::report::Report;

/// The report's event-flow graph as Mermaid flowchart text (no code fence), ending in a
/// newline.
pub fn render(report: &Report) -> String {
    let diagram = Diagram::new(report);
    let mut out = String::from("flowchart LR\n");

    for (i, name) in diagram.components.iter().enumerate() {
        let _ = writeln!(out, "    {}[\"{}\"]", Node::Component(i).id(), label(name));
    }
    // Events are stadiums, Mermaid's nearest shape to DOT's ellipse that still fits a long
    // key on one line.
    for (i, event) in diagram.events.iter().enumerate() {
        let _ = writeln!(
            out,
            "    {}([\"{}\"])",
            Node::Event(i).id(),
            label(&event.key)
        );
    }

    // `linkStyle` addresses edges by the order they were declared in, so that order is the
    // diagram's sorted edge order and the indices below are positions in it.
    for edge in &diagram.edges {
        let arrow = match (edge.looping, edge.kind) {
            (true, _) => "==>",
            (false, EdgeKind::Matches) => "-.->",
            (false, _) => "-->",
        };
        let _ = writeln!(out, "    {} {arrow} {}", edge.from.id(), edge.to.id());
    }

    let _ = writeln!(out, "    classDef component {}", style(COMPONENT, ""));
    // Only the classes some node uses, so the text stays short for big graphs.
    let healths: Vec<Health> = std::iter::once(Health::Healthy)
        .chain(Health::FLAGGED)
        .filter(|&health| (0..diagram.events.len()).any(|i| diagram.health(i) == health))
        .collect();
    for &health in &healths {
        let extra = match health {
            Health::Looping => ",stroke-width:3px",
            Health::Dynamic => ",stroke-dasharray:6 4",
            Health::External => ",stroke-dasharray:2 3",
            _ => "",
        };
        let _ = writeln!(
            out,
            "    classDef {} {}",
            health.as_str(),
            style(health.paint(), extra)
        );
    }

    let components: Vec<String> = (0..diagram.components.len())
        .map(|i| Node::Component(i).id())
        .collect();
    class_line(&mut out, &components, "component");
    for health in healths {
        let ids: Vec<String> = (0..diagram.events.len())
            .filter(|&i| diagram.health(i) == health)
            .map(|i| Node::Event(i).id())
            .collect();
        class_line(&mut out, &ids, health.as_str());
    }

    let indices = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        (0..diagram.edges.len())
            .filter(|&i| keep(i))
            .map(|i| i.to_string())
            .collect()
    };
    let loops = indices(&|i| diagram.edges[i].looping);
    if !loops.is_empty() {
        let _ = writeln!(
            out,
            "    linkStyle {} stroke:{LOOP},stroke-width:3px",
            loops.join(",")
        );
    }
    let matches = indices(&|i| {
        let edge = &diagram.edges[i];
        !edge.looping && edge.kind == EdgeKind::Matches
    });
    if !matches.is_empty() {
        let _ = writeln!(out, "    linkStyle {} stroke:{MATCH}", matches.join(","));
    }
    out
}

/// The diagram in a ```` ```mermaid ```` fence under a one-line heading, ready for
/// `$GITHUB_STEP_SUMMARY` or a pull-request comment.
pub fn markdown(report: &Report) -> String {
    let s = &report.summary;
    format!(
        "### choreo event flow: {}, {}, {} orphaned, {} unused, {}\n\n```mermaid\n{}```\n",
        count(s.event_types, "event type"),
        count(s.components, "component"),
        report.orphaned_events.len(),
        report.unused_subscriptions.len(),
        count(report.feedback_loops.len(), "feedback loop"),
        render(report)
    )
}

fn style(paint: Paint, extra: &str) -> String {
    format!(
        "fill:{},stroke:{},color:{}{extra}",
        paint.fill, paint.stroke, paint.text
    )
}

fn class_line(out: &mut String, ids: &[String], class: &str) {
    if !ids.is_empty() {
        let _ = writeln!(out, "    class {} {class}", ids.join(","));
    }
}

/// Text for inside `["…"]`. Mermaid has no backslash escapes; it reads `#name;` and `#123;`
/// as entity codes, so `"` becomes `#quot;` and every other character that could end the
/// string, start an entity or markdown string, or be taken for HTML is written as a numeric
/// code. Brackets, braces, pipes and semicolons are safe inside the quotes, but are coded as
/// well so that the label never depends on how a given Mermaid version scans them.
pub(super) fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' | '&' | '<' | '>' | '`' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | ';' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::dot::tests::{fixture, weird};
    use super::*;

    #[test]
    fn choreography() {
        insta::assert_snapshot!(render(&fixture("fixtures/choreography")));
    }

    #[test]
    fn markdown_fences_the_diagram() {
        let report = fixture("fixtures/cases/loop_three_events");
        let text = markdown(&report);
        insta::assert_snapshot!(text);
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("### "));
        assert_eq!(lines.next(), Some(""));
        assert_eq!(lines.next(), Some("```mermaid"));
        assert_eq!(text.lines().last(), Some("```"));
    }

    #[test]
    fn escapes_weird_keys() {
        let text = render(&weird());
        assert!(
            text.contains(r##"e0(["a#quot;b\c#60;d#62;#123;e#125;#124;f#59;g#35;h#38;i"])"##),
            "{text}"
        );
        assert!(
            text.contains(r##"e1(["x#40;y#41;#91;z#93;#96;w"])"##),
            "{text}"
        );
        assert!(text.contains(r##"c0["Odd#60;T#62;"]"##), "{text}");
        // Inside each label, once the entity codes are taken out, nothing Mermaid could read
        // as syntax is left.
        let entity = regex::Regex::new("#[A-Za-z0-9]+;").unwrap();
        for line in text.lines() {
            if let Some((_, rest)) = line.split_once("[\"") {
                let (inner, _) = rest.rsplit_once('"').unwrap();
                let bare = entity.replace_all(inner, "");
                let special = [
                    '"', '#', '<', '>', '(', ')', '[', ']', '{', '}', '|', ';', '`',
                ];
                assert!(!bare.contains(special.as_slice()), "{line}");
            }
        }
    }

    #[test]
    fn loop_edges_are_thick_and_styled() {
        let text = render(&fixture("fixtures/cases/loop_three_events"));
        let thick = text.lines().filter(|line| line.contains("==>")).count();
        assert_eq!(thick, 6, "{text}");
        assert!(
            text.contains("linkStyle 0,1,2,3,4,5 stroke:#7b2cbf"),
            "{text}"
        );
    }
}
