"""The digits demo's pictures: test digits and the model's guesses, the confusion matrix, the hidden weights."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from nn import MLP

PER_ROW = 10  # digits per row of the predictions picture
RIGHT, WRONG = "#1a7f37", "#d1242f"  # green and red: a guess that is right, one that is wrong


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def draw_predictions(pixels: np.ndarray, classes: np.ndarray, guesses: np.ndarray, path: Path, count: int = 40) -> Path:
    """Test digits titled with the model's guess, the mistakes first (in red, with the true digit)."""
    plt = _pyplot()
    from matplotlib.patches import Patch

    wrong = np.flatnonzero(guesses != classes)
    shown = np.concatenate([wrong, np.flatnonzero(guesses == classes)])[:count]
    rows = math.ceil(len(shown) / PER_ROW)
    fig, axes = plt.subplots(rows, PER_ROW, figsize=(11, 1.5 * rows + 1.2), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, i in zip(axes.flat, shown):
        image = ax.imshow(pixels[i].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
        mistaken = guesses[i] != classes[i]
        color = WRONG if mistaken else RIGHT
        ax.set_axis_on()
        ax.set(xticks=[], yticks=[])
        for spine in ax.spines.values():  # a frame in the guess's colour: red stands out among the green
            spine.set(color=color, linewidth=3 if mistaken else 1)
        title = f"guess {guesses[i]}\ntrue {classes[i]}" if mistaken else f"guess {guesses[i]}"
        ax.set_title(title, color=color, fontsize=9, fontweight="bold" if mistaken else None)
    fig.suptitle(f"Test digits and the model's guesses: {len(wrong)} of {len(classes)} wrong, shown first", fontsize=13)
    fig.legend(handles=[Patch(color=WRONG, label="wrong (the guess, then the true digit)"),
                        Patch(color=RIGHT, label="right")], loc="lower center", ncol=2, frameon=False)
    fig.colorbar(image, ax=axes, label="ink (pixel value / 16)", shrink=0.8, pad=0.02)
    return _save(fig, path)


def draw_confusion(classes: np.ndarray, guesses: np.ndarray, path: Path) -> Path:
    """How often each true digit (row) got each guess (column): the diagonal is right, the rest are mistakes."""
    plt = _pyplot()

    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (classes, guesses), 1)
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(counts, cmap="Blues")
    for (true, guess), n in np.ndenumerate(counts):
        if n:
            on_dark = n > counts.max() / 2
            color = "white" if on_dark else (WRONG if true != guess else "black")
            ax.text(guess, true, str(n), ha="center", va="center", color=color, fontsize=10,
                    fontweight="bold" if true != guess else None)
    right = np.trace(counts)
    ax.set(xticks=range(10), yticks=range(10), xlabel="the model's guess", ylabel="the true digit",
           title=f"Confusion matrix of the {len(classes)} test digits\n{right} right (the diagonal),"
                 f" {len(classes) - right} wrong (in red off the diagonal)")
    fig.colorbar(image, ax=ax, label="test digits in the cell", shrink=0.85)
    return _save(fig, path)


def draw_hidden_weights(weights: np.ndarray, blank: np.ndarray, path: Path) -> Path:
    """Each hidden neuron's 64 weights as an 8x8 image; `blank` pixels (no ink in any training digit) in grey."""
    plt = _pyplot()

    hidden = weights.shape[1]
    learned = np.ma.masked_array(weights, mask=np.repeat(blank[:, None], hidden, axis=1))
    limit = float(np.abs(learned).max())
    colors = plt.get_cmap("RdBu_r").with_extremes(bad="0.75")  # masked pixels: a grey of their own
    columns = 8
    fig, axes = plt.subplots(math.ceil(hidden / columns), columns, figsize=(11, 6.4), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for j, ax in enumerate(axes.flat[:hidden]):
        image = ax.imshow(learned[:, j].reshape(8, 8), cmap=colors, vmin=-limit, vmax=limit)
        ax.set_axis_on()  # a thin frame: where the 8x8 image ends, even when its edge is near 0 (white)
        ax.set(xticks=[], yticks=[])
        ax.set_title(f"neuron {j}", fontsize=9)
    fig.suptitle(f"What the {hidden} hidden neurons look for: each one's 64 weights, one per pixel, laid out as the"
                 f" digit\nred: ink there raises the neuron's sum; blue: lowers it; grey: a pixel blank in every"
                 f" training digit (its weight never moves)", fontsize=11)
    fig.colorbar(image, ax=axes, label="weight", shrink=0.8, pad=0.02)
    return _save(fig, path)


def draw_all(model: MLP, pixels: np.ndarray, classes: np.ndarray, guesses: np.ndarray, blank: np.ndarray,
             folder: Path) -> list[Path]:
    """The three pictures of a trained model, written to `folder`; returns their paths."""
    weights, _ = model.to_arrays()
    return [
        draw_predictions(pixels, classes, guesses, folder / "digits_predictions.png"),
        draw_confusion(classes, guesses, folder / "digits_confusion.png"),
        draw_hidden_weights(weights[0], blank, folder / "digits_hidden_weights.png"),
    ]


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return Path(path)
