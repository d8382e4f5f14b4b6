// The training explorer page. Python computed everything (the JSON in #page-data): at each recorded
// step the boundary grid and lines, the loss, each point's prediction, and the numbers of every
// point's graph. This script only shows the step, the point and the path chosen.
const page = JSON.parse(document.getElementById("page-data").textContent);
const pane = document.getElementById("graph");
const pathBoxes = [...pane.querySelectorAll(".path")];
const pathNodes = pathBoxes.map((box) => graphNodes(box.querySelector("svg")));
const pointList = document.getElementById("point");
const choiceLists = [...document.querySelectorAll(".choice")];
const markers = [...document.querySelectorAll("#points .point")];
const ring = document.getElementById("chosen-ring");
const field = document.getElementById("field");
const lastStep = page.steps[page.steps.length - 1];
// The op texts as drawn (for the first point); another point may show another (xent[2] for class 2).
const drawnOps = pathNodes.map((nodes) => {
  const ops = {};
  for (const [name, group] of Object.entries(nodes)) {
    if (name.endsWith("_op")) {
      ops[name] = group.querySelector("text").textContent;
    }
  }
  return ops;
});
let step = 0;
let point = page.start;
let path = page.graph.startPath;

// The (data, grad) texts of each drawn box for one point at one recorded step: parameters' data is
// shared by all points at a step, inputs' and constants' data by all steps (box_texts in explorer.py).
function boxTexts(p, s) {
  const sources = {
    parameter: page.parameters[s].split(" "),
    constant: page.constants[p].split(" "),
    result: page.moving[p][s].split(" "),
  };
  const taken = { parameter: 0, constant: 0, result: 0 };
  return page.graph.kinds.map((kind) => {
    const data = sources[kind][taken[kind]++];
    const grad = sources.result[taken.result++];
    return [data, grad];
  });
}

// Paint the boundary grid: one canvas pixel per cell, its class's colour, stronger where the network
// is surer; the browser smooths the picture as it stretches it over the plot.
function paintField(cells) {
  const bytes = atob(cells);
  const context = field.getContext("2d");
  const image = context.createImageData(page.field.columns, page.field.rows);
  for (let k = 0; k < page.field.columns * page.field.rows; k++) {
    const [r, g, b] = page.colours[bytes.charCodeAt(2 * k)];
    const strength = 0.12 + 0.5 * bytes.charCodeAt(2 * k + 1) / 255;  // a tint even at the boundary
    const mix = (channel) => 255 + (channel - 255) * strength;  // from white towards the class's colour
    image.data.set([mix(r), mix(g), mix(b), 255], 4 * k);
  }
  context.putImageData(image, 0, 0);
}

function escapeHtml(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span.innerHTML;
}

function showGraph() {
  const texts = boxTexts(point, step);
  const nodes = pathNodes[path];
  // Box v<p> of this path's drawing is the kept value page.graph.paths[path].values[p].
  page.graph.paths[path].values.forEach((k, p) => {
    const [data, grad] = texts[k];
    const group = nodes["v" + p];
    recordField(group, "data").textContent = "data " + data;
    const gradText = recordField(group, "grad");
    gradText.textContent = "grad " + grad;
    gradText.classList.toggle("zero", grad === "0");  // no gradient reaches this value from this point
  });
  const ops = page.ops[point];
  for (const [name, text] of Object.entries(drawnOps[path])) {
    const k = page.graph.paths[path].values[Number(name.slice(1, -3))];  // "v12_op" -> the kept value of v12
    nodes[name].querySelector("text").textContent = k in ops ? ops[k] : text;
  }
  const about = page.points[point];
  const predicted = Number(page.predicted[step][point]);
  const outputs = page.graph.outputs.map((k) => texts[k][0]);
  const output = outputs.length === 1 ? "score " + outputs[0] : "logits z = (" + outputs.join(", ") + ")";
  const verdict = predicted === about.class ? "<span class='right'>right</span>" : "<span class='wrong'>wrong</span>";
  const split = about.split === "train" ? "" : " (" + about.split + ")";
  document.getElementById("point-info").innerHTML =
    `class <b>${escapeHtml(page.classNames[about.class])}</b>${split} · at step ${page.steps[step]}: ${output},` +
    ` predicted ${escapeHtml(page.classNames[predicted])} (${verdict})` +
    ` · loss term <b>${texts[page.graph.root][0]}</b> · grads: this point's share`;
}

function showPoints() {
  const predicted = page.predicted[step];
  markers.forEach((marker, i) => {
    marker.classList.toggle("wrong", Number(predicted[i]) !== page.points[i].class);
  });
  const box = markers[point].getBBox();
  ring.setAttribute("cx", box.x + box.width / 2);
  ring.setAttribute("cy", box.y + box.height / 2);
}

function showLoss() {
  const upTo = page.steps[step];
  const curve = page.curve.slice(0, upTo + 1);
  document.getElementById("loss-so-far").setAttribute("points", curve.map((xy) => xy.join(",")).join(" "));
  const [x, y] = page.curve[upTo];
  const now = document.getElementById("now");
  now.setAttribute("x1", x);
  now.setAttribute("x2", x);
  const dot = document.getElementById("loss-dot");
  dot.setAttribute("cx", x);
  dot.setAttribute("cy", y);
  const checked = Object.entries(page.checked).filter(([k]) => Number(k) <= upTo);
  document.getElementById("checked").innerHTML = checked
    .map(([, [cx, cy]]) => `<circle class="checked" cx="${cx}" cy="${cy}" r="3"/>`).join("");
}

function showStep(k) {
  step = k;
  const shown = page.field.steps[step];
  paintField(shown.cells);
  document.getElementById("boundary").setAttribute("d", shown.boundary);
  document.getElementById("margins").setAttribute("d", shown.margins);
  document.getElementById("status").innerHTML = page.status[step];
  showPoints();
  showLoss();
  showGraph();
}

function choose(p) {
  point = p;
  pointList.value = String(p);
  showPoints();
  showGraph();
}

// The path shown: one drawing of several (one neuron per layer); the choice lists pick it.
function choosePath(p) {
  path = p;
  pathBoxes.forEach((box, i) => { box.hidden = i !== p; });
  page.graph.paths[p].key.forEach((j, n) => { choiceLists[n].value = String(j); });
  setZoom(zoom);
  showGraph();
}

choiceLists.forEach((list) => list.addEventListener("change", () => {
  const key = choiceLists.map((choice) => Number(choice.value));
  choosePath(page.graph.paths.findIndex((p) => p.key.every((j, n) => j === key[n])));
}));

// Zoom: the drawing's own size (Graphviz's points, in CSS pixels) times a factor; "fit" shows it whole.
const ZOOMS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.85, 1, 1.25, 1.5];
// Graphviz's 11 pt text is 14.7 CSS px at zoom 1: 0.75 keeps it at 11 px, as small as reads comfortably.
const READABLE_ZOOM = 0.75;
let zoom = 1;

function shownSvg() {
  return pathBoxes[path].querySelector("svg");
}

function naturalSize(svg) {
  return [svg.viewBox.baseVal.width * 4 / 3, svg.viewBox.baseVal.height * 4 / 3];
}

function setZoom(factor) {
  zoom = factor;
  const svg = shownSvg();
  const [width, height] = naturalSize(svg);
  svg.style.minWidth = "0";  // graph_svg's limits are for pages without a zoom
  svg.style.maxWidth = "none";
  svg.style.width = width * zoom + "px";
  svg.style.height = height * zoom + "px";  // not left to the height attribute (Graphviz's own size)
  document.getElementById("zoom").textContent = Math.round(zoom * 100) + "%";
}

function fitZoom() {
  const room = pane.getBoundingClientRect();
  const [width, height] = naturalSize(shownSvg());
  return Math.min((room.width - 16) / width, (room.height - 16) / height, 1);
}

// The next level up or down (1e-9: "fit" may have left the zoom between two levels, or on one).
document.getElementById("zoom-in").addEventListener("click", () => {
  setZoom(ZOOMS.find((z) => z > zoom + 1e-9) ?? zoom);
});
document.getElementById("zoom-out").addEventListener("click", () => {
  setZoom([...ZOOMS].reverse().find((z) => z < zoom - 1e-9) ?? zoom);
});
document.getElementById("zoom-fit").addEventListener("click", () => {
  setZoom(fitZoom());
  pane.scrollTo(0, 0);
});

// A click on the plot chooses the point whose centre is nearest (markers overlap where points crowd).
const plot = document.getElementById("plot");
const centres = markers.map((marker) => {
  const box = marker.getBBox();
  return [box.x + box.width / 2, box.y + box.height / 2];
});
plot.addEventListener("click", (event) => {
  const at = new DOMPoint(event.clientX, event.clientY).matrixTransform(plot.getScreenCTM().inverse());
  const distances = centres.map(([x, y]) => Math.hypot(x - at.x, y - at.y));
  const nearest = distances.indexOf(Math.min(...distances));
  if (distances[nearest] <= 12) {  // SVG units: about two marker radii
    choose(nearest);
  }
});
pointList.addEventListener("change", () => choose(Number(pointList.value)));
pointList.value = String(point);
choosePath(path);
startStepPlayer(page.steps.length - 1, showStep, 0.7, (k) => "step " + page.steps[k] + " / " + lastStep);
// Open with the whole path in sight if it fits at a readable size, else readable, from its top left
// (the inputs: a path reads from them down to the loss). Measured once the texts above it are in.
setZoom(Math.max(fitZoom(), READABLE_ZOOM));
pane.scrollTo(0, 0);
