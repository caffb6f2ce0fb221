"""The umbrella as a picture: its included sources in include order, an edge from each provider
of a registry key to each consumer that looks it up at start-up (labelled with the keys), and
the hazards (the consumer runs first) in red. Rendered as Graphviz dot or Mermaid; pure."""

from __future__ import annotations

from dataclasses import dataclass

from amalint.analysis.startup import Startup
from amalint.engine.rule import display
from amalint.model import Umbrella
from amalint.scan.directives import is_source


@dataclass(frozen=True)
class Node:
    id: str
    label: str


@dataclass(frozen=True)
class Edge:
    provider: str
    consumer: str
    keys: tuple[str, ...]
    hazard: bool


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def _id(unit: int | None) -> str:
    return "umbrella" if unit is None else f"n{unit}"


def build(umbrella: Umbrella, startup: Startup) -> Graph:
    """The picture of ``umbrella`` with the start-up order ``startup`` of its unit."""
    entry_units = {e.unit for e in startup.entries}
    nodes = [
        Node(_id(index), f"{inc.line}: {display(inc.resolved)}")
        for index, inc in enumerate(umbrella.includes)
        if inc.resolved is not None and (is_source(inc.resolved) or index in entry_units)
    ]
    keys: dict[tuple[str, str, bool], list[str]] = {}
    for link in startup.links:
        edge = (_id(link.provider), _id(link.consumer), link.hazard)
        names = keys.setdefault(edge, [])
        if link.key not in names:
            names.append(link.key)
    known = {n.id for n in nodes}
    if any("umbrella" in (p, c) for p, c, _ in keys):
        nodes.insert(0, Node("umbrella", f"{display(umbrella.path)} (own code)"))
        known.add("umbrella")
    edges = tuple(Edge(p, c, tuple(k), hazard) for (p, c, hazard), k in keys.items()
                  if p in known and c in known)
    return Graph(tuple(nodes), edges)


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(graph: Graph, title: str) -> str:
    lines = [
        "digraph amalint {",
        f"  label={_dot_text(title)}; labelloc=t;",
        '  node [shape=box, fontname="monospace"];',
        '  edge [fontname="monospace", fontsize=10];',
    ]
    lines += [f"  {n.id} [label={_dot_text(n.label)}];" for n in graph.nodes]
    lines += [f"  {a.id} -> {b.id} [style=dotted, color=gray, arrowhead=none, weight=10];"
              for a, b in zip(graph.nodes, graph.nodes[1:], strict=False)]
    for e in graph.edges:
        style = ", color=red, fontcolor=red, penwidth=2" if e.hazard else ""
        lines.append(f"  {e.provider} -> {e.consumer} "
                     f"[label={_dot_text(', '.join(e.keys))}, constraint=false{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def mermaid(graph: Graph, title: str) -> str:
    lines = ["---", f"title: {_mermaid_text(title)}", "---", "flowchart TD"]
    lines += [f"  {n.id}[{_mermaid_text(n.label)}]" for n in graph.nodes]
    lines += [f"  {a.id} ~~~ {b.id}" for a, b in zip(graph.nodes, graph.nodes[1:], strict=False)]
    link = len(graph.nodes) - 1 if graph.nodes else 0  # the invisible links come first
    red = []
    for e in graph.edges:
        lines.append(f"  {e.provider} -- {_mermaid_text(', '.join(e.keys))} --> {e.consumer}")
        if e.hazard:
            red.append(str(link))
        link += 1
    if red:
        lines.append(f"  linkStyle {','.join(red)} stroke:red,color:red,stroke-width:2px")
    return "\n".join(lines) + "\n"
