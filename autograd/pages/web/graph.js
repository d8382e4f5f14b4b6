// Reading and changing a graph drawn by Graphviz (draw_dot's SVG, embedded in the page).
// Graphviz writes each node as <g class="node"><title>v3</title> shapes and <text>s </g>,
// and each edge as <g class="edge"><title>v3->v5_op</title> ... </g>.

// name -> the node's <g> element
function graphNodes(svg) {
  const nodes = {};
  for (const group of svg.querySelectorAll("g.node")) {
    nodes[group.querySelector("title").textContent] = group;
  }
  return nodes;
}

// [{from, to, group}] for every edge
function graphEdges(svg) {
  const edges = [];
  for (const group of svg.querySelectorAll("g.edge")) {
    const [from, to] = group.querySelector("title").textContent.split("->");
    edges.push({ from: from, to: to, group: group });
  }
  return edges;
}

// The <text> of a value's "data" or "grad" field: the last two fields of its record
// (a label, when there is one, comes first).
function recordField(group, field) {
  const texts = group.querySelectorAll("text");
  return texts[texts.length - (field === "data" ? 2 : 1)];
}

// Scroll the pane that holds the graph, when needed, so that the given elements are all in sight.
function bringIntoView(pane, elements) {
  if (elements.length === 0) {
    return;
  }
  const boxes = elements.map((element) => element.getBoundingClientRect());
  const left = Math.min(...boxes.map((box) => box.left));
  const right = Math.max(...boxes.map((box) => box.right));
  const top = Math.min(...boxes.map((box) => box.top));
  const bottom = Math.max(...boxes.map((box) => box.bottom));
  const view = pane.getBoundingClientRect();
  if (left < view.left || right > view.right || top < view.top || bottom > view.bottom) {
    // centre the elements in the pane
    pane.scrollBy((left + right - view.left - view.right) / 2, (top + bottom - view.top - view.bottom) / 2);
  }
}

// Mark the current value, its op and its parents (CSS classes "current", "parent"), and the
// edges between them ("active"); clear the marks of the step shown before. Returns the marked nodes.
function highlight(nodes, edges, current, parents) {
  for (const group of Object.values(nodes)) {
    group.classList.remove("current", "parent");
  }
  const marked = new Set(parents);
  for (const name of parents) {
    nodes[name].classList.add("parent");
  }
  if (current !== null) {
    for (const name of [current, current + "_op"]) {
      if (nodes[name]) {  // a leaf has no op node
        nodes[name].classList.add("current");
        marked.add(name);
      }
    }
  }
  for (const edge of edges) {
    edge.group.classList.toggle("active", marked.has(edge.from) && marked.has(edge.to));
  }
  return [...marked].map((name) => nodes[name]);
}
