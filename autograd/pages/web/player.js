// A step player: shows step k of 0..last. Buttons #prev, #next and #play, the slider #slider,
// the arrow keys (Home and End jump to the ends), and label(k), "k / last" unless given, in #step.
// showStep(k) does the drawing; the player only decides which step to show.
function startStepPlayer(last, showStep, secondsPerStep = 1.2, label = (k) => k + " / " + last) {
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const play = document.getElementById("play");
  const slider = document.getElementById("slider");
  const counter = document.getElementById("step");
  let shown = 0;
  let timer = null;

  function go(k) {
    shown = Math.max(0, Math.min(last, k));
    showStep(shown);
    counter.textContent = label(shown);
    slider.value = shown;
    prev.disabled = shown === 0;
    next.disabled = shown === last;
    if (shown === last) {
      stop();
    }
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
  }

  function togglePlay() {
    if (timer !== null) {
      stop();
      return;
    }
    if (shown === last) {
      go(0);  // play again from the start
    }
    play.textContent = "⏸ Pause";
    timer = setInterval(() => go(shown + 1), secondsPerStep * 1000);
  }

  prev.addEventListener("click", () => { stop(); go(shown - 1); });
  next.addEventListener("click", () => { stop(); go(shown + 1); });
  play.addEventListener("click", togglePlay);
  slider.addEventListener("input", () => { stop(); go(Number(slider.value)); });
  document.addEventListener("keydown", (event) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName)) {
      return;  // the slider and a list move themselves with the arrow keys
    }
    const moves = { ArrowLeft: shown - 1, ArrowRight: shown + 1, Home: 0, End: last };
    if (event.key in moves) {
      event.preventDefault();
      stop();
      go(moves[event.key]);
    }
  });
  go(0);
  return { go: go };
}
