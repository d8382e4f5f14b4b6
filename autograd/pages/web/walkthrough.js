// The walkthrough page. Python computed every step (the JSON in #page-data): the texts each
// step changes, which nodes to highlight, and the explanation. This script only shows step k.
const page = JSON.parse(document.getElementById("page-data").textContent);
const pane = document.getElementById("graph");
const svg = pane.querySelector("svg");
const nodes = graphNodes(svg);
const edges = graphEdges(svg);
const explain = document.getElementById("explain");
const phase = document.getElementById("phase");
const PHASE_NAMES = { start: "start", forward: "forward pass", backward: "backward pass" };
let shown = 0;

function setField(name, field, text, partial) {
  const element = recordField(nodes[name], field);
  element.textContent = text;
  element.classList.toggle("partial", partial);
  element.classList.remove("changed");
}

function showStep(k) {
  shown = k;
  // Start from the texts of step 0 and apply the changes of steps 1..k in order.
  for (const [name, [dataText, gradText]] of Object.entries(page.initial)) {
    setField(name, "data", dataText, false);
    setField(name, "grad", gradText, false);
  }
  for (let i = 1; i <= k; i++) {
    for (const [name, field, text, partial] of page.steps[i].changes) {
      setField(name, field, text, partial);
    }
  }
  const step = page.steps[k];
  for (const [name, field] of step.changes) {
    recordField(nodes[name], field).classList.add("changed");  // what this step just wrote
  }
  const marked = highlight(nodes, edges, step.current, step.parents);
  explain.innerHTML = step.explain;
  phase.textContent = PHASE_NAMES[step.phase];
  document.body.dataset.phase = step.phase;
  bringIntoView(pane, marked);  // a graph larger than its pane scrolls to the step's nodes
}

// The explanation gets the height of the tallest step's, so that the graph below it stays in
// place as you step (measured in this window: a narrow one wraps more lines).
function reserveExplainHeight() {
  explain.style.minHeight = "";
  let tallest = 0;
  for (const step of page.steps) {
    explain.innerHTML = step.explain;
    tallest = Math.max(tallest, explain.getBoundingClientRect().height);
  }
  explain.style.minHeight = Math.ceil(tallest) + "px";
}

reserveExplainHeight();
const player = startStepPlayer(page.steps.length - 1, showStep);
window.addEventListener("resize", () => {
  reserveExplainHeight();
  player.go(shown);
});
