//! Standalone SVG for `choreo graph --format svg`, laid out here in pure Rust so that no
//! Graphviz is needed: a layered (Sugiyama-style) left-to-right drawing.
//!
//! The layout runs in the classic stages, one function each: break cycles by reversing DFS
//! back edges, assign layers by longest path, split edges that span several layers with
//! dummy vertices, order every layer by barycenter sweeps, place vertically by averaging
//! under separation constraints, then route each edge as Bézier curves through its dummies.
//! Dummies reserve a slot in every layer an edge crosses, which is what keeps edges from
//! running behind nodes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write;

use super::dot::{
    count, Diagram, Edge, EdgeKind, Health, Node, Paint, COMPONENT, EDGE, LOOP, MATCH,
};
use crate::report::Report;

/// Labels are monospace, so a width estimate per character is close enough to size boxes
/// without font metrics: 0.6 em at 12 px.
const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const FONT_SIZE: f64 = 12.0;
const CHAR_WIDTH: f64 = 7.2;
const TITLE_SIZE: f64 = 15.0;
const PAD_X: f64 = 12.0;
const NODE_HEIGHT: f64 = 28.0;
/// The least vertical distance between two edge ends on the same side of a node.
const PORT_STEP: f64 = 6.0;
/// Vertical space between two nodes of a layer, and between a node and an edge passing it.
const ROW_GAP: f64 = 18.0;
const DUMMY_GAP: f64 = 9.0;
/// The least horizontal space between two layers; steep edges get more.
const LAYER_GAP: f64 = 80.0;
const MARGIN: f64 = 20.0;
/// Vertical space between the bands of unconnected parts.
const PART_GAP: f64 = 30.0;
const ORDER_SWEEPS: usize = 24;
const PLACE_SWEEPS: usize = 40;

/// The report's event-flow graph as a standalone SVG document, ending in a newline.
pub fn render(report: &Report) -> String {
    let diagram = Diagram::new(report);
    let layout = layout(&diagram);
    let heading = heading(report);
    let legend = Legend::new(&diagram, layout.width.max(LEGEND_WRAP));

    let content_width = layout.width.max(legend.width).max(
        heading
            .iter()
            .map(|(text, size)| text_width(text) * size / FONT_SIZE)
            .fold(0.0, f64::max),
    );
    let width = content_width + 2.0 * MARGIN;
    let graph_top = MARGIN + heading.len() as f64 * 22.0 + 12.0;
    let legend_top = graph_top + layout.height + 28.0;
    let height = legend_top + legend.height + MARGIN;

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" font-size=\"{}\">",
        num(FONT_SIZE),
        w = num(width),
        h = num(height),
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&heading[0].0));
    out.push_str("<defs>\n");
    for (id, colour) in [
        ("arrow", EDGE),
        ("arrow-loop", LOOP),
        ("arrow-match", MATCH),
    ] {
        let _ = writeln!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerUnits=\"userSpaceOnUse\" markerWidth=\"8\" markerHeight=\"8\" \
             orient=\"auto\"><path d=\"M0,1 L10,5 L0,9 z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(width),
        num(height)
    );

    let mut baseline = MARGIN + TITLE_SIZE;
    for (i, (text, size)) in heading.iter().enumerate() {
        let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{weight} fill=\"#222222\">{}</text>",
            num(MARGIN),
            num(baseline),
            num(*size),
            escape(text)
        );
        baseline += 22.0;
    }

    let _ = writeln!(
        out,
        "<g transform=\"translate({},{})\">",
        num(MARGIN),
        num(graph_top)
    );
    draw_edges(&diagram, &layout, &mut out);
    draw_nodes(&diagram, &layout, &mut out);
    out.push_str("</g>\n");
    legend.draw(MARGIN, legend_top, &mut out);
    out.push_str("</svg>\n");
    out
}

/// The title and the summary line under it, with their font sizes.
fn heading(report: &Report) -> Vec<(String, f64)> {
    let s = &report.summary;
    vec![
        ("choreo event flow".to_owned(), TITLE_SIZE),
        (
            format!(
                "{} · {} · {} · {} — {} orphaned · {} unused · {}",
                count(s.event_types, "event type"),
                count(s.publications, "publication"),
                count(s.subscriptions, "subscription"),
                count(s.components, "component"),
                report.orphaned_events.len(),
                report.unused_subscriptions.len(),
                count(report.feedback_loops.len(), "feedback loop"),
            ),
            FONT_SIZE,
        ),
    ]
}

fn draw_edges(diagram: &Diagram, layout: &Layout, out: &mut String) {
    out.push_str("<g fill=\"none\">\n");
    // Loop edges go last so that they are drawn over the ordinary ones they cross.
    let mut order: Vec<usize> = (0..diagram.edges.len()).collect();
    order.sort_by_key(|&i| diagram.edges[i].looping);
    for i in order {
        let edge = diagram.edges[i];
        let (colour, width, marker, dash) = if edge.looping {
            (LOOP, 2.5, "arrow-loop", "")
        } else if edge.kind == EdgeKind::Matches {
            (MATCH, 1.2, "arrow-match", " stroke-dasharray=\"5 4\"")
        } else {
            (EDGE, 1.2, "arrow", "")
        };
        let _ = writeln!(
            out,
            "<path d=\"{}\" stroke=\"{colour}\" stroke-width=\"{}\"{dash} \
             marker-end=\"url(#{marker})\"><title>{}</title></path>",
            path_data(&layout.routes[i]),
            num(width),
            escape(&edge_title(diagram, edge))
        );
    }
    out.push_str("</g>\n");
}

fn edge_title(diagram: &Diagram, edge: Edge) -> String {
    let (from, to) = (diagram.label(edge.from), diagram.label(edge.to));
    let text = match edge.kind {
        EdgeKind::Publishes => format!("{from} publishes {to}"),
        EdgeKind::Subscribes => format!("{to} subscribes to {from}"),
        EdgeKind::Matches => format!("{to} matches {from}"),
    };
    if edge.looping {
        format!("{text} (feedback loop)")
    } else {
        text
    }
}

fn draw_nodes(diagram: &Diagram, layout: &Layout, out: &mut String) {
    out.push_str("<g>\n");
    for placed in &layout.nodes {
        let label = diagram.label(placed.node);
        let (shape, tooltip) = match placed.node {
            Node::Component(_) => (Shape::component(), format!("component {label}")),
            Node::Event(i) => {
                let event = diagram.events[i];
                (
                    Shape::event(diagram.health(i)),
                    format!(
                        "{label}: {}, {} publisher(s), {} subscriber(s)",
                        event.health,
                        event.publishers.len(),
                        event.subscribers.len()
                    ),
                )
            }
        };
        let r = placed.rect;
        let _ = writeln!(
            out,
            "<g><title>{}</title>{}<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" \
             fill=\"{}\">{}</text></g>",
            escape(&tooltip),
            shape.rect(r),
            num(r.x + r.w / 2.0),
            num(r.y + r.h / 2.0 + FONT_SIZE * 0.35),
            shape.paint.text,
            escape(label)
        );
    }
    out.push_str("</g>\n");
}

/// How a node is drawn: components are square-cornered boxes, events pills.
struct Shape {
    paint: Paint,
    round: bool,
    width: f64,
    dash: &'static str,
}

impl Shape {
    fn component() -> Shape {
        Shape {
            paint: COMPONENT,
            round: false,
            width: 1.2,
            dash: "",
        }
    }

    fn event(health: Health) -> Shape {
        Shape {
            paint: health.paint(),
            round: true,
            width: if health == Health::Looping { 2.5 } else { 1.2 },
            dash: match health {
                Health::Dynamic => "5 3",
                Health::External => "1.5 2.5",
                _ => "",
            },
        }
    }

    fn rect(&self, r: Rect) -> String {
        let radius = if self.round { r.h / 2.0 } else { 3.0 };
        let dash = if self.dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{}\"", self.dash)
        };
        format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{}\" \
             stroke=\"{}\" stroke-width=\"{}\"{dash}/>",
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            num(radius),
            self.paint.fill,
            self.paint.stroke,
            num(self.width)
        )
    }
}

/// The key under the graph: one swatch per kind of node and edge that occurs.
struct Legend {
    items: Vec<(Swatch, String)>,
    /// Top-left corner of each item, relative to the legend's corner.
    places: Vec<(f64, f64)>,
    width: f64,
    height: f64,
}

enum Swatch {
    Node(Shape),
    Line(&'static str, f64, &'static str, &'static str),
}

const SWATCH_WIDTH: f64 = 34.0;
const LEGEND_ROW: f64 = 24.0;
/// The legend wraps at this width unless the graph is wider.
const LEGEND_WRAP: f64 = 760.0;

impl Legend {
    fn new(diagram: &Diagram, wrap: f64) -> Legend {
        let mut items = vec![
            (Swatch::Node(Shape::component()), "component".to_owned()),
            (
                Swatch::Node(Shape::event(Health::Healthy)),
                "event".to_owned(),
            ),
        ];
        for health in diagram.flagged() {
            items.push((
                Swatch::Node(Shape::event(health)),
                health.meaning().to_owned(),
            ));
        }
        items.push((
            Swatch::Line(EDGE, 1.2, "", "arrow"),
            "component → event: publishes · event → component: subscribes".to_owned(),
        ));
        if diagram.edges.iter().any(|edge| edge.looping) {
            items.push((
                Swatch::Line(LOOP, 2.5, "", "arrow-loop"),
                "feedback loop".to_owned(),
            ));
        }
        if diagram
            .edges
            .iter()
            .any(|edge| edge.kind == EdgeKind::Matches)
        {
            items.push((
                Swatch::Line(MATCH, 1.2, "5 4", "arrow-match"),
                "wildcard subscription matches".to_owned(),
            ));
        }
        let mut places = Vec::with_capacity(items.len());
        let (mut x, mut y, mut width) = (0.0, 0.0, 0.0f64);
        for (_, text) in &items {
            let item = SWATCH_WIDTH + 6.0 + text_width(text);
            if x > 0.0 && x + item > wrap {
                x = 0.0;
                y += LEGEND_ROW;
            }
            places.push((x, y));
            width = width.max(x + item);
            x += item + 22.0;
        }
        Legend {
            items,
            places,
            width,
            height: y + LEGEND_ROW,
        }
    }

    fn draw(&self, left: f64, top: f64, out: &mut String) {
        out.push_str("<g>\n");
        for ((swatch, text), (x, y)) in self.items.iter().zip(&self.places) {
            let (x, y) = (left + x, top + y);
            match swatch {
                Swatch::Node(shape) => {
                    let rect = Rect {
                        x,
                        y: y + 2.0,
                        w: SWATCH_WIDTH,
                        h: 16.0,
                    };
                    out.push_str(&shape.rect(rect));
                }
                Swatch::Line(colour, width, dash, marker) => {
                    let dash = if dash.is_empty() {
                        String::new()
                    } else {
                        format!(" stroke-dasharray=\"{dash}\"")
                    };
                    let _ = write!(
                        out,
                        "<path d=\"M{},{} L{},{}\" fill=\"none\" stroke=\"{colour}\" \
                         stroke-width=\"{}\"{dash} marker-end=\"url(#{marker})\"/>",
                        num(x),
                        num(y + 10.0),
                        num(x + SWATCH_WIDTH),
                        num(y + 10.0),
                        num(*width)
                    );
                }
            }
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" fill=\"#333333\">{}</text>",
                num(x + SWATCH_WIDTH + 6.0),
                num(y + 14.0),
                escape(text)
            );
        }
        out.push_str("</g>\n");
    }
}

/// A rectangle: `x`, `y` its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// Whether the two share any interior point (touching edges do not count).
    #[cfg(test)]
    fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Point {
    pub x: f64,
    pub y: f64,
}

/// One piece of an edge's path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Segment {
    Line(Point, Point),
    /// A cubic Bézier: start, two control points, end.
    Curve(Point, Point, Point, Point),
}

impl Segment {
    fn reversed(self) -> Segment {
        match self {
            Segment::Line(a, b) => Segment::Line(b, a),
            Segment::Curve(a, b, c, d) => Segment::Curve(d, c, b, a),
        }
    }

    fn start(self) -> Point {
        match self {
            Segment::Line(a, _) | Segment::Curve(a, ..) => a,
        }
    }

    /// The point at parameter `t` in `0..=1`.
    #[cfg(test)]
    fn at(self, t: f64) -> Point {
        match self {
            Segment::Line(a, b) => Point {
                x: a.x + (b.x - a.x) * t,
                y: a.y + (b.y - a.y) * t,
            },
            Segment::Curve(a, b, c, d) => {
                let u = 1.0 - t;
                let (k0, k1, k2, k3) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                Point {
                    x: k0 * a.x + k1 * b.x + k2 * c.x + k3 * d.x,
                    y: k0 * a.y + k1 * b.y + k2 * c.y + k3 * d.y,
                }
            }
        }
    }
}

/// A node's place in the drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Placed {
    pub node: Node,
    pub rect: Rect,
}

/// Where everything goes, in the graph's own coordinates (origin at its top-left corner).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Layout {
    /// Components then events, in diagram order.
    pub nodes: Vec<Placed>,
    /// One path per diagram edge, in diagram order, running from the edge's source to its
    /// target (so an arrowhead at the end points the right way even for reversed edges).
    pub routes: Vec<Vec<Segment>>,
    pub width: f64,
    pub height: f64,
}

/// The layered graph the stages work on: the diagram's nodes (components first, then
/// events) followed by the dummy vertices, and segments that each join adjacent layers.
struct Layered {
    layer: Vec<usize>,
    /// Box size of each vertex; dummies are points.
    size: Vec<(f64, f64)>,
    real: usize,
    /// `(upper-layer vertex, next-layer vertex)`.
    segments: Vec<(usize, usize)>,
    /// Segment ids leaving each vertex to the right, and entering it from the left.
    right: Vec<Vec<usize>>,
    left: Vec<Vec<usize>>,
    /// Per diagram edge: its segments left to right, and whether they run against the edge.
    chains: Vec<(Vec<usize>, bool)>,
}

/// Lays the diagram out. Each weakly connected part is laid out on its own and the parts
/// are stacked, largest first: a stray publisher then sits in a band of its own instead of
/// floating between the columns of the main flow.
pub(super) fn layout(diagram: &Diagram) -> Layout {
    let components = diagram.components.len();
    let node = |v: usize| {
        if v < components {
            Node::Component(v)
        } else {
            Node::Event(v - components)
        }
    };
    let vertex = |node: Node| match node {
        Node::Component(i) => i,
        Node::Event(i) => components + i,
    };
    let real = components + diagram.events.len();
    let edges: Vec<(usize, usize)> = diagram
        .edges
        .iter()
        .map(|edge| (vertex(edge.from), vertex(edge.to)))
        .collect();
    let size: Vec<(f64, f64)> = (0..real)
        .map(|v| {
            (
                text_width(diagram.label(node(v))) + 2.0 * PAD_X,
                NODE_HEIGHT,
            )
        })
        .collect();

    let mut rects = vec![None; real];
    let mut routes = vec![Vec::new(); edges.len()];
    let (mut width, mut top) = (0.0f64, 0.0);
    for part in connected_parts(real, &edges) {
        let mut local = vec![usize::MAX; real];
        for (i, &v) in part.iter().enumerate() {
            local[v] = i;
        }
        let part_edges: Vec<usize> = (0..edges.len())
            .filter(|&e| local[edges[e].0] != usize::MAX)
            .collect();
        let drawn = layout_part(
            &part.iter().map(|&v| size[v]).collect::<Vec<_>>(),
            &part_edges
                .iter()
                .map(|&e| (local[edges[e].0], local[edges[e].1]))
                .collect::<Vec<_>>(),
        );
        let shift = |p: Point| Point {
            x: p.x,
            y: p.y + top,
        };
        for (&v, rect) in part.iter().zip(drawn.rects) {
            rects[v] = Some(Rect {
                y: rect.y + top,
                ..rect
            });
        }
        for (&e, route) in part_edges.iter().zip(drawn.routes) {
            routes[e] = route
                .into_iter()
                .map(|segment| match segment {
                    Segment::Line(a, b) => Segment::Line(shift(a), shift(b)),
                    Segment::Curve(a, b, c, d) => {
                        Segment::Curve(shift(a), shift(b), shift(c), shift(d))
                    }
                })
                .collect();
        }
        width = width.max(drawn.width);
        top += drawn.height + PART_GAP;
    }
    Layout {
        nodes: rects
            .into_iter()
            .enumerate()
            .filter_map(|(v, rect)| {
                rect.map(|rect| Placed {
                    node: node(v),
                    rect,
                })
            })
            .collect(),
        routes,
        width,
        height: (top - PART_GAP).max(0.0),
    }
}

/// The weakly connected parts of the graph, each sorted, largest part first (ties: the
/// part with the smallest vertex first).
fn connected_parts(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    for &(u, v) in edges {
        let (a, b) = (root(&mut parent, u), root(&mut parent, v));
        parent[a.max(b)] = a.min(b);
    }
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut index = vec![usize::MAX; n];
    for v in 0..n {
        let r = root(&mut parent, v);
        if index[r] == usize::MAX {
            index[r] = parts.len();
            parts.push(Vec::new());
        }
        parts[index[r]].push(v);
    }
    parts.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    parts
}

/// One connected part laid out: node boxes and edge routes in the part's own coordinates.
struct Drawn {
    rects: Vec<Rect>,
    routes: Vec<Vec<Segment>>,
    width: f64,
    height: f64,
}

/// The layered layout of one part: vertices `0..size.len()`, edges between them.
fn layout_part(size: &[(f64, f64)], edges: &[(usize, usize)]) -> Drawn {
    let real = size.len();
    let size = size.to_vec();

    let reversed = break_cycles(real, edges);
    let directed: Vec<(usize, usize)> = edges
        .iter()
        .zip(&reversed)
        .map(|(&(u, v), &rev)| if rev { (v, u) } else { (u, v) })
        .collect();
    let layer = assign_layers(real, &directed);
    let mut graph = split_long_edges(layer, size, &directed, &reversed);
    // A node with many edges on one side grows taller, so that its arrowheads stay apart.
    for v in 0..real {
        let ports = graph.right[v].len().max(graph.left[v].len());
        graph.size[v].1 = NODE_HEIGHT.max(PORT_STEP * ports as f64 + 8.0);
    }
    let layers = order_layers(&graph);
    let y = place_vertically(&graph, &layers);
    let (column_left, column_width, width) = place_columns(&graph, &layers, &y);

    let rect = |v: usize| -> Rect {
        let (w, h) = graph.size[v];
        let l = graph.layer[v];
        Rect {
            x: column_left[l] + (column_width[l] - w) / 2.0,
            y: y[v] - h / 2.0,
            w,
            h,
        }
    };
    let height = (0..graph.layer.len())
        .map(|v| y[v] + graph.size[v].1 / 2.0)
        .fold(0.0, f64::max);
    let rects = (0..real).map(rect).collect();

    // Ports: the segments at one side of a node are spread over its height in the order
    // of their other ends, so parallel edges stay apart and do not cross at the node.
    let (out_port, in_port) = ports(&graph, &y);
    let routes = graph
        .chains
        .iter()
        .map(|(chain, reversed)| {
            let mut route = Vec::new();
            for (k, &s) in chain.iter().enumerate() {
                let (a, b) = graph.segments[s];
                let (la, lb) = (graph.layer[a], graph.layer[b]);
                let start = Point {
                    x: column_left[la] + column_width[la],
                    y: out_port[s],
                };
                let end = Point {
                    x: column_left[lb],
                    y: in_port[s],
                };
                if k == 0 {
                    push_line(
                        &mut route,
                        Point {
                            x: rect(a).x + rect(a).w,
                            y: start.y,
                        },
                        start,
                    );
                }
                let bend = (end.x - start.x) / 2.0;
                route.push(Segment::Curve(
                    start,
                    Point {
                        x: start.x + bend,
                        y: start.y,
                    },
                    Point {
                        x: end.x - bend,
                        y: end.y,
                    },
                    end,
                ));
                // Through a dummy the edge runs straight across the layer, in the slot the
                // dummy reserved; into a real node it ends at the box's side.
                let through = if b >= real {
                    Point {
                        x: column_left[lb] + column_width[lb],
                        y: end.y,
                    }
                } else {
                    Point {
                        x: rect(b).x,
                        y: end.y,
                    }
                };
                push_line(&mut route, end, through);
            }
            if *reversed {
                route.reverse();
                for segment in &mut route {
                    *segment = segment.reversed();
                }
            }
            route
        })
        .collect();

    Drawn {
        rects,
        routes,
        width,
        height,
    }
}

fn push_line(route: &mut Vec<Segment>, from: Point, to: Point) {
    if (to.x - from.x).abs() > 0.05 || (to.y - from.y).abs() > 0.05 {
        route.push(Segment::Line(from, to));
    }
}

/// Marks the edges to reverse so that the graph becomes acyclic: the back edges of a DFS
/// that starts from the sources (nodes nothing points at) in sorted order, so that the flow
/// from publishers onwards reads left to right and only the edge that closes a loop turns
/// back.
fn break_cycles(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    let mut indegree = vec![0; n];
    for (e, &(u, v)) in edges.iter().enumerate() {
        out[u].push((v, e));
        indegree[v] += 1;
    }
    let roots = (0..n)
        .filter(|&v| indegree[v] == 0)
        .chain((0..n).filter(|&v| indegree[v] > 0));
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state = vec![State::New; n];
    let mut reversed = vec![false; edges.len()];
    for root in roots {
        if state[root] != State::New {
            continue;
        }
        state[root] = State::Open;
        let mut stack = vec![(root, 0)];
        while let Some(&mut (u, ref mut next)) = stack.last_mut() {
            if let Some(&(v, e)) = out[u].get(*next) {
                *next += 1;
                match state[v] {
                    State::Open => reversed[e] = true,
                    State::New => {
                        state[v] = State::Open;
                        stack.push((v, 0));
                    }
                    State::Done => {}
                }
            } else {
                state[u] = State::Done;
                stack.pop();
            }
        }
    }
    reversed
}

/// Longest-path layers of an acyclic graph, then every source moved right to just before
/// its nearest successor: an event nobody publishes belongs next to its subscribers, not
/// in the first column with a long edge.
fn assign_layers(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0; n];
    for &(u, v) in edges {
        out[u].push(v);
        indegree[v] += 1;
    }
    let mut layer = vec![0; n];
    let mut waiting = indegree.clone();
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&v| waiting[v] == 0).map(Reverse).collect();
    while let Some(Reverse(u)) = ready.pop() {
        for &v in &out[u] {
            layer[v] = layer[v].max(layer[u] + 1);
            waiting[v] -= 1;
            if waiting[v] == 0 {
                ready.push(Reverse(v));
            }
        }
    }
    for v in 0..n {
        if indegree[v] == 0 {
            if let Some(nearest) = out[v].iter().map(|&w| layer[w]).min() {
                layer[v] = nearest - 1;
            }
        }
    }
    layer
}

/// Replaces every edge that spans more than one layer with a chain of dummy vertices, one
/// per layer crossed.
fn split_long_edges(
    layer: Vec<usize>,
    size: Vec<(f64, f64)>,
    directed: &[(usize, usize)],
    reversed: &[bool],
) -> Layered {
    let real = layer.len();
    let mut graph = Layered {
        layer,
        size,
        real,
        segments: Vec::new(),
        right: vec![Vec::new(); real],
        left: vec![Vec::new(); real],
        chains: Vec::with_capacity(directed.len()),
    };
    for (&(u, v), &rev) in directed.iter().zip(reversed) {
        let mut chain = Vec::new();
        let mut from = u;
        for l in graph.layer[u] + 1..graph.layer[v] {
            let dummy = graph.layer.len();
            graph.layer.push(l);
            graph.size.push((0.0, 0.0));
            graph.right.push(Vec::new());
            graph.left.push(Vec::new());
            chain.push(graph.connect(from, dummy));
            from = dummy;
        }
        chain.push(graph.connect(from, v));
        graph.chains.push((chain, rev));
    }
    graph
}

impl Layered {
    fn connect(&mut self, from: usize, to: usize) -> usize {
        let s = self.segments.len();
        self.segments.push((from, to));
        self.right[from].push(s);
        self.left[to].push(s);
        s
    }

    fn layers(&self) -> usize {
        self.layer.iter().max().map_or(0, |l| l + 1)
    }

    /// The vertices at the other ends of `v`'s segments on one side.
    fn neighbours(&self, v: usize, rightwards: bool) -> impl Iterator<Item = usize> + '_ {
        let (ids, far) = if rightwards {
            (&self.right[v], true)
        } else {
            (&self.left[v], false)
        };
        ids.iter().map(move |&s| {
            let (a, b) = self.segments[s];
            if far {
                b
            } else {
                a
            }
        })
    }
}

/// Orders every layer to reduce crossings: alternate downward and upward barycenter
/// sweeps, each followed by adjacent swaps that help, keeping the best order seen.
fn order_layers(graph: &Layered) -> Vec<Vec<usize>> {
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); graph.layers()];
    for (v, &l) in graph.layer.iter().enumerate() {
        layers[l].push(v);
    }
    let mut position = vec![0.0; graph.layer.len()];
    let index_all = |layers: &[Vec<usize>], position: &mut Vec<f64>| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                position[v] = i as f64;
            }
        }
    };
    index_all(&layers, &mut position);
    let mut best = layers.clone();
    let mut fewest = crossings(graph, &layers);
    for sweep in 0..ORDER_SWEEPS {
        if fewest == 0 {
            break;
        }
        let downward = sweep % 2 == 0;
        let sequence: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for l in sequence {
            let barycenter = |v: usize| -> f64 {
                let (sum, count) = graph
                    .neighbours(v, !downward)
                    .fold((0.0, 0usize), |(sum, count), w| {
                        (sum + position[w], count + 1)
                    });
                if count == 0 {
                    position[v]
                } else {
                    sum / count as f64
                }
            };
            let mut keyed: Vec<(f64, usize)> =
                layers[l].iter().map(|&v| (barycenter(v), v)).collect();
            // A stable sort keeps ties in their previous order, which is what makes the
            // result deterministic.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in layers[l].iter().enumerate() {
                position[v] = i as f64;
            }
        }
        transpose(graph, &mut layers);
        index_all(&layers, &mut position);
        let count = crossings(graph, &layers);
        if count < fewest {
            fewest = count;
            best = layers.clone();
        }
    }
    best
}

/// Swaps neighbours within a layer while that lowers the crossings with both adjacent
/// layers.
fn transpose(graph: &Layered, layers: &mut [Vec<usize>]) {
    let mut position = vec![0usize; graph.layer.len()];
    for layer in layers.iter() {
        for (i, &v) in layer.iter().enumerate() {
            position[v] = i;
        }
    }
    // Crossings among the segments of `a` and `b` on one side if `a` sits above `b`.
    let pair = |a: usize, b: usize, rightwards: bool, position: &[usize]| -> usize {
        let mut count = 0;
        for x in graph.neighbours(a, rightwards) {
            for y in graph.neighbours(b, rightwards) {
                if position[x] > position[y] {
                    count += 1;
                }
            }
        }
        count
    };
    for _ in 0..4 {
        let mut improved = false;
        for layer in layers.iter_mut() {
            for i in 0..layer.len().saturating_sub(1) {
                let (a, b) = (layer[i], layer[i + 1]);
                let now = pair(a, b, true, &position) + pair(a, b, false, &position);
                let swapped = pair(b, a, true, &position) + pair(b, a, false, &position);
                if swapped < now {
                    layer.swap(i, i + 1);
                    position[a] = i + 1;
                    position[b] = i;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// The number of segment crossings between all pairs of adjacent layers: for each pair,
/// the inversions among segments sorted by their upper end, counted with a Fenwick tree.
fn crossings(graph: &Layered, layers: &[Vec<usize>]) -> usize {
    let mut position = vec![0usize; graph.layer.len()];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            position[v] = i;
        }
    }
    let mut total = 0;
    for l in 0..layers.len().saturating_sub(1) {
        let mut ends: Vec<(usize, usize)> = layers[l]
            .iter()
            .flat_map(|&v| graph.neighbours(v, true).map(move |w| (v, w)))
            .map(|(v, w)| (position[v], position[w]))
            .collect();
        ends.sort_unstable();
        let size = layers[l + 1].len();
        let mut tree = vec![0usize; size + 1];
        for (seen, &(_, b)) in ends.iter().enumerate() {
            // Segments already seen whose lower end is at or left of `b`...
            let mut at_most = 0;
            let mut i = b + 1;
            while i > 0 {
                at_most += tree[i];
                i &= i - 1;
            }
            // ...do not cross this one; all others do.
            total += seen - at_most;
            let mut i = b + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// Vertical centres: every vertex is pulled towards the mean of its neighbours' centres,
/// one layer at a time, then the layer is projected back onto its order and minimum
/// separations. Alternating directions straightens long edges through their dummies.
fn place_vertically(graph: &Layered, layers: &[Vec<usize>]) -> Vec<f64> {
    let gap = |a: usize, b: usize| -> f64 {
        let between = if a < graph.real && b < graph.real {
            ROW_GAP
        } else {
            DUMMY_GAP
        };
        (graph.size[a].1 + graph.size[b].1) / 2.0 + between
    };
    let separations: Vec<Vec<f64>> = layers
        .iter()
        .map(|layer| {
            std::iter::once(0.0)
                .chain(layer.windows(2).map(|pair| gap(pair[0], pair[1])))
                .collect()
        })
        .collect();
    let mut y = vec![0.0; graph.layer.len()];
    for (layer, separation) in layers.iter().zip(&separations) {
        let mut at = 0.0;
        for (&v, s) in layer.iter().zip(separation) {
            at += s;
            y[v] = at;
        }
    }
    let mean = |v: usize, rightwards: bool, y: &[f64]| -> Option<f64> {
        let (sum, count) = graph
            .neighbours(v, rightwards)
            .fold((0.0, 0usize), |(sum, count), w| (sum + y[w], count + 1));
        (count > 0).then(|| sum / count as f64)
    };
    for sweep in 0..PLACE_SWEEPS {
        // The last sweeps weigh both sides, so that no direction has the final word.
        let both = sweep + 4 >= PLACE_SWEEPS;
        let downward = sweep % 2 == 0;
        let sequence: Vec<usize> = if downward {
            (0..layers.len()).collect()
        } else {
            (0..layers.len()).rev().collect()
        };
        for l in sequence {
            let desired: Vec<f64> = layers[l]
                .iter()
                .map(|&v| {
                    let (near, far) = (mean(v, !downward, &y), mean(v, downward, &y));
                    match (near, far) {
                        (Some(a), Some(b)) if both => (a + b) / 2.0,
                        (Some(a), _) | (None, Some(a)) => a,
                        (None, None) => y[v],
                    }
                })
                .collect();
            let placed = project(&desired, &separations[l]);
            for (&v, at) in layers[l].iter().zip(placed) {
                y[v] = at;
            }
        }
    }
    let top = (0..y.len())
        .map(|v| y[v] - graph.size[v].1 / 2.0)
        .fold(f64::INFINITY, f64::min);
    if top.is_finite() {
        for at in &mut y {
            *at -= top;
        }
    }
    y
}

/// The positions nearest (least squares) to `desired` that keep the order and leave at
/// least `separation[i]` between vertex `i - 1` and `i`. Shifting each position by the
/// separations before it turns this into isotonic regression, which pool-adjacent-violators
/// solves exactly in one pass.
fn project(desired: &[f64], separation: &[f64]) -> Vec<f64> {
    let offsets: Vec<f64> = separation
        .iter()
        .scan(0.0, |sum, s| {
            *sum += s;
            Some(*sum)
        })
        .collect();
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (d, o) in desired.iter().zip(&offsets) {
        blocks.push((d - o, 1));
        while let [.., (s1, n1), (s2, n2)] = blocks[..] {
            if s1 / n1 as f64 > s2 / n2 as f64 {
                blocks.pop();
                blocks.pop();
                blocks.push((s1 + s2, n1 + n2));
            } else {
                break;
            }
        }
    }
    blocks
        .into_iter()
        .flat_map(|(sum, count)| std::iter::repeat_n(sum / count as f64, count))
        .zip(offsets)
        .map(|(z, o)| z + o)
        .collect()
}

/// Column left edges and widths per layer, and the total width. A column is as wide as its
/// widest label; the gap after it grows with the steepest segment crossing it, so that
/// curves stay readable.
fn place_columns(graph: &Layered, layers: &[Vec<usize>], y: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let widths: Vec<f64> = layers
        .iter()
        .map(|layer| layer.iter().map(|&v| graph.size[v].0).fold(24.0, f64::max))
        .collect();
    let mut left = Vec::with_capacity(layers.len());
    let mut x = 0.0;
    for (l, width) in widths.iter().enumerate() {
        left.push(x);
        let steepest = layers[l]
            .iter()
            .flat_map(|&v| graph.neighbours(v, true).map(move |w| (y[w] - y[v]).abs()))
            .fold(0.0, f64::max);
        x += width + LAYER_GAP.max((steepest * 0.3).min(240.0));
    }
    let total = left.last().zip(widths.last()).map_or(0.0, |(l, w)| l + w);
    (left, widths, total)
}

/// The y of every segment's two ends: spread over the node's height at a real node, the
/// dummy's own y at a dummy.
fn ports(graph: &Layered, y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut out_port = vec![0.0; graph.segments.len()];
    let mut in_port = vec![0.0; graph.segments.len()];
    for v in 0..graph.layer.len() {
        let height = graph.size[v].1;
        for rightwards in [true, false] {
            let mut ids = if rightwards {
                graph.right[v].clone()
            } else {
                graph.left[v].clone()
            };
            let other = |s: usize| {
                let (a, b) = graph.segments[s];
                if rightwards {
                    b
                } else {
                    a
                }
            };
            ids.sort_by(|&s, &t| {
                y[other(s)]
                    .total_cmp(&y[other(t)])
                    .then(other(s).cmp(&other(t)))
                    .then(s.cmp(&t))
            });
            let n = ids.len();
            let step = if n > 1 {
                ((height - 10.0) / (n - 1) as f64).min(8.0)
            } else {
                0.0
            };
            for (i, &s) in ids.iter().enumerate() {
                let at = y[v] + (i as f64 - (n as f64 - 1.0) / 2.0) * step;
                if rightwards {
                    out_port[s] = at;
                } else {
                    in_port[s] = at;
                }
            }
        }
    }
    (out_port, in_port)
}

fn path_data(route: &[Segment]) -> String {
    let mut data = String::new();
    if let Some(first) = route.first() {
        let start = first.start();
        let _ = write!(data, "M{},{}", num(start.x), num(start.y));
    }
    for segment in route {
        match segment {
            Segment::Line(_, b) => {
                let _ = write!(data, " L{},{}", num(b.x), num(b.y));
            }
            Segment::Curve(_, b, c, d) => {
                let _ = write!(
                    data,
                    " C{},{} {},{} {},{}",
                    num(b.x),
                    num(b.y),
                    num(c.x),
                    num(c.y),
                    num(d.x),
                    num(d.y)
                );
            }
        }
    }
    data
}

/// Approximate rendered width of `text` at 12 px monospace; East Asian wide characters and
/// emoji take two cells.
fn text_width(text: &str) -> f64 {
    let cells: usize = text
        .chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1FAFF
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum();
    cells as f64 * CHAR_WIDTH
}

/// A coordinate with exactly one decimal, so the bytes never depend on float formatting;
/// `-0.0` is written `0.0`.
fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0.0".to_owned()
    } else {
        format!("{rounded:.1}")
    }
}

/// Text for XML content and double-quoted attributes. Control characters are not allowed
/// in XML 1.0 at all, so they become spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::dot::tests::{fixture, report, weird};
    use super::*;

    /// Checks that `text` is well-formed XML as far as this renderer can get it wrong:
    /// tags balance and nest, attribute values are quoted, and no raw `<` or stray `&`
    /// appears in text.
    fn well_formed(text: &str) -> Result<(), String> {
        let entity = regex::Regex::new(r"^&(amp|lt|gt|quot|apos|#[0-9]+);").unwrap();
        let mut open: Vec<&str> = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find(['<', '&']) {
            if rest[i..].starts_with('&') {
                if !entity.is_match(&rest[i..]) {
                    return Err(format!("stray & at {:?}", &rest[i..rest.len().min(i + 20)]));
                }
                rest = &rest[i + 1..];
                continue;
            }
            let tail = &rest[i + 1..];
            let end = tail.find('>').ok_or("unclosed tag")?;
            let tag = &tail[..end];
            if tag.contains('<') || !tag.matches('"').count().is_multiple_of(2) {
                return Err(format!("malformed tag <{tag}>"));
            }
            if tag.starts_with('?') {
                // the XML declaration
            } else if let Some(name) = tag.strip_prefix('/') {
                match open.pop() {
                    Some(opened) if opened == name => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().ok_or("empty tag")?);
            }
            rest = &tail[end + 1..];
        }
        if open.is_empty() {
            Ok(())
        } else {
            Err(format!("unclosed {open:?}"))
        }
    }

    fn assert_no_overlap(layout: &Layout) {
        for (i, a) in layout.nodes.iter().enumerate() {
            for b in &layout.nodes[i + 1..] {
                assert!(!a.rect.overlaps(&b.rect), "{:?} overlaps {:?}", a, b);
            }
        }
    }

    /// No edge passes through a node box other than its own two ends.
    fn assert_edges_clear(diagram: &Diagram, layout: &Layout) {
        let rect_of = |node: Node| layout.nodes.iter().find(|p| p.node == node).unwrap().rect;
        for (edge, route) in diagram.edges.iter().zip(&layout.routes) {
            for placed in &layout.nodes {
                if placed.node == edge.from || placed.node == edge.to {
                    continue;
                }
                let r = placed.rect;
                for segment in route {
                    for step in 0..=40 {
                        let p = segment.at(f64::from(step) / 40.0);
                        let inside = p.x > r.x + 0.5
                            && p.x < r.x + r.w - 0.5
                            && p.y > r.y + 0.5
                            && p.y < r.y + r.h - 0.5;
                        assert!(!inside, "{edge:?} runs through {:?}", placed.node);
                    }
                }
            }
            // The route starts at its source's box and ends at its target's.
            let (first, last) = (route[0].at(0.0), route.last().unwrap().at(1.0));
            let (from, to) = (rect_of(edge.from), rect_of(edge.to));
            assert!(first.x == from.x || first.x == from.x + from.w, "{edge:?}");
            assert!(last.x == to.x || last.x == to.x + to.w, "{edge:?}");
        }
    }

    /// A tangled graph: `components` components and `events` events, each event published
    /// by one or two components and heard by up to three, from a fixed pseudo-random
    /// sequence, so cycles and long edges are certain.
    fn generated(components: usize, events: usize) -> Report {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |below: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % below
        };
        let names: Vec<String> = (0..components)
            .map(|i| format!("Component{i:02}"))
            .collect();
        let keys: Vec<String> = (0..events)
            .map(|i| format!("domain.event_{i:02}"))
            .collect();
        let mut rows: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
        for key in &keys {
            let publishers: Vec<String> = (0..1 + next(2))
                .map(|_| names[next(components)].clone())
                .collect();
            let subscribers: Vec<String> = (0..next(4))
                .map(|_| names[next(components)].clone())
                .collect();
            rows.push((key.clone(), publishers, subscribers));
        }
        let borrowed: Vec<(Vec<&str>, Vec<&str>)> = rows
            .iter()
            .map(|(_, p, s)| {
                (
                    p.iter().map(String::as_str).collect(),
                    s.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        let events: Vec<(&str, &str, &[&str], &[&str])> = rows
            .iter()
            .zip(&borrowed)
            .map(|((key, _, subscribers), (p, s))| {
                let health = if subscribers.is_empty() {
                    "orphaned"
                } else {
                    "healthy"
                };
                (key.as_str(), health, p.as_slice(), s.as_slice())
            })
            .collect();
        report(&events, &[])
    }

    #[test]
    fn choreography_is_well_formed_and_complete() {
        let report = fixture("fixtures/choreography");
        let svg = render(&report);
        well_formed(&svg).unwrap();
        for event in &report.events {
            assert!(
                svg.contains(&format!(">{}</text>", event.key)),
                "{}",
                event.key
            );
        }
        for component in &report.components {
            assert!(
                svg.contains(&format!(">{}</text>", component.name)),
                "{}",
                component.name
            );
        }
        assert!(svg.contains("marker-end=\"url(#arrow-loop)\""));
        assert_eq!(svg, render(&report), "same report, same bytes");
    }

    #[test]
    fn choreography_layout_is_clear() {
        let report = fixture("fixtures/choreography");
        let diagram = Diagram::new(&report);
        let layout = layout(&diagram);
        assert_eq!(layout.nodes.len(), 24);
        assert_no_overlap(&layout);
        assert_edges_clear(&diagram, &layout);
    }

    #[test]
    fn small_loop_layout_is_clear() {
        let report = fixture("fixtures/cases/loop_three_events");
        let diagram = Diagram::new(&report);
        let layout = layout(&diagram);
        assert_no_overlap(&layout);
        assert_edges_clear(&diagram, &layout);
        well_formed(&render(&report)).unwrap();
    }

    #[test]
    fn generated_graph_layout_is_clear() {
        let report = generated(16, 24);
        let diagram = Diagram::new(&report);
        assert_eq!(diagram.components.len() + diagram.events.len(), 40);
        let layout = layout(&diagram);
        assert_no_overlap(&layout);
        assert_edges_clear(&diagram, &layout);
        well_formed(&render(&report)).unwrap();
    }

    #[test]
    fn escapes_weird_keys() {
        let svg = render(&weird());
        well_formed(&svg).unwrap();
        assert!(
            svg.contains(">a&quot;b\\c&lt;d&gt;{e}|f;g#h&amp;i</text>"),
            "{svg}"
        );
        assert!(svg.contains(">Odd&lt;T&gt;</text>"), "{svg}");
    }

    #[test]
    fn empty_report_still_draws() {
        let svg = render(&report(&[], &[]));
        well_formed(&svg).unwrap();
        assert!(svg.contains("0 event types"));
    }

    #[test]
    fn checker_rejects_broken_xml() {
        assert!(well_formed("<a><b></a></b>").is_err());
        assert!(well_formed("<a>x < y</a>").is_err());
        assert!(well_formed("<a>fish & chips</a>").is_err());
        assert!(well_formed("<a><b/></a>").is_ok());
    }

    #[test]
    fn projection_keeps_order_and_separation() {
        let placed = project(&[10.0, 10.0, 10.0, 50.0], &[0.0, 20.0, 20.0, 20.0]);
        assert_eq!(placed, vec![-10.0, 10.0, 30.0, 50.0]);
    }

    #[test]
    fn numbers_have_one_decimal() {
        assert_eq!(num(1.0), "1.0");
        assert_eq!(num(2.25), "2.3");
        assert_eq!(num(-0.04), "0.0");
        assert_eq!(num(-12.36), "-12.4");
    }
}
