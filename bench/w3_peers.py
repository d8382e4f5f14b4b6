"""W3, micrograd's two-moons step, in each engine's idiom: the runners bench/worker.py times.

Each runner takes the problem (initial weights, biases, points, labels) and a number of steps,
and returns the loss of every step; a tape runner marks where its loop starts (after recording).
"""

from __future__ import annotations

from bench.peers import loop_ended, loop_started, micrograd_engine, micrograd_nn, torch


def w3_engine(weights, biases, x, y, steps):
    from nn import MLP, SGD, hinge, l2

    model = MLP.from_arrays(weights, biases, activation="relu", output_activation="linear")
    opt = SGD(model.parameters(), lr=1.0)
    rows, labels, losses = [list(map(float, r)) for r in x], [float(v) for v in y], []
    for k in range(steps):
        loss = hinge([model(r) for r in rows], labels) + 1e-4 * l2(model.parameters())
        opt.zero_grad()
        loss.backward()
        opt.lr = 1.0 - 0.9 * k / 100
        opt.step()
        losses.append(loss.data)
    return losses


def w3_micrograd(weights, biases, x, y, steps):
    """micrograd's own demo loop, on its own MLP class with our initial weights copied in."""
    model = micrograd_nn.MLP(2, [16, 16, 1])
    for layer, w, b in zip(model.layers, weights, biases):
        for j, neuron in enumerate(layer.neurons):
            for i, wi in enumerate(neuron.w):
                wi.data = float(w[i, j])
            neuron.b.data = float(b[j])
    inputs = [list(map(micrograd_engine.Value, map(float, row))) for row in x]
    losses = []
    for k in range(steps):
        scores = list(map(model, inputs))
        data_loss = sum((1 + -float(yi) * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(y))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses


def _w3_parameters(Value, weights, biases):
    ws = [[[Value(float(w[i, j])) for i in range(w.shape[0])] for j in range(w.shape[1])] for w in weights]
    bs = [[Value(float(v)) for v in b] for b in biases]
    return ws, bs, [p for layer in ws for neuron in layer for p in neuron] + [p for b in bs for p in b]


def _w3_scalar_loss(ws, bs, params, rows, labels):
    """micrograd's demo loss written as a learner writes it: `s = s + w * x` in loops, no fused nodes."""
    scores = []
    for row in rows:
        h = row
        for li, (layer, bias) in enumerate(zip(ws, bs)):
            z = []
            for neuron, b in zip(layer, bias):
                s = b
                for wi, hi in zip(neuron, h):
                    s = s + wi * hi
                z.append(s)
            h = z if li == len(ws) - 1 else [v.relu() for v in z]
        scores.append(h[0])
    data_loss = 0
    for yi, si in zip(labels, scores):
        data_loss = data_loss + (1 + -yi * si).relu()
    reg = 0
    for p in params:
        reg = reg + p * p
    return data_loss * (1.0 / len(labels)) + 1e-4 * reg


def _sgd_step(params, k):
    lr = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= lr * p.grad
        p.grad = 0.0


def w3_scalar(weights, biases, x, y, steps, marks=None):
    """This engine running the scalar code, eagerly: the graph is built anew each step."""
    from autograd import Value

    ws, bs, params = _w3_parameters(Value, weights, biases)
    rows, labels, losses = x.tolist(), y.tolist(), []
    for k in range(steps):
        loss = _w3_scalar_loss(ws, bs, params, rows, labels)
        loss.backward()
        _sgd_step(params, k)
        losses.append(loss.data)
    return losses


def w3_tape(weights, biases, x, y, steps, marks=None):
    """The same scalar code recorded once as a Tape; each step a replay and nn.SGD's step on the tape's arrays."""
    from autograd import Tape, Value
    from nn import SGD

    ws, bs, params = _w3_parameters(Value, weights, biases)
    loss = _w3_scalar_loss(ws, bs, params, x.tolist(), y.tolist())
    tape = Tape(loss, wrt=params)
    opt = SGD(params, lr=1.0)
    loop_started(marks)
    losses = []
    with tape.training(opt):  # the parameters live in the tape's arrays: no Python loop over them per step
        for k in range(steps):
            losses.append(tape.run())
            opt.lr = 1.0 - 0.9 * k / 100
            opt.step()
            opt.zero_grad()
    loop_ended(marks)  # after the block's write-back of the parameters, before the graph is freed
    return losses


def w3_tape_batch(weights, biases, x, y, steps, marks=None):
    """One sample's hinge loss recorded once and replayed over the 100 rows (run_batch), as digits trains.

    The L2 term is the optimizer's weight decay: SGD(weight_decay=2e-4) adds 2e-4 * p to each
    gradient, the gradient of 1e-4 * sum(p * p), which then need not be built into every sample's
    graph; the step's loss adds its value from the parameters' numbers (tape.wrt_data).
    """
    import numpy as np

    from autograd import Tape, Value
    from nn import MLP, SGD, hinge

    model = MLP.from_arrays(weights, biases, activation="relu", output_activation="linear")
    point, label = [Value(0.0), Value(0.0)], Value(1.0)
    tape = Tape(hinge([model(point)], [label]), wrt=model.parameters(), inputs=[*point, label])
    rows = np.column_stack([x, y]).astype(np.float64)
    opt = SGD(model.parameters(), lr=1.0, weight_decay=2e-4)
    loop_started(marks)
    losses = []
    with tape.training(opt):
        for k in range(steps):
            data_loss = tape.run_batch(rows).mean()
            p = tape.wrt_data
            losses.append(data_loss + 1e-4 * float(p @ p))
            opt.lr = 1.0 - 0.9 * k / 100
            opt.step()
            opt.zero_grad()
    loop_ended(marks)
    return losses


def w3_numpy(weights, biases, x, y, steps):
    from nn.reference import ReferenceMLP

    net = ReferenceMLP(weights, biases, "relu", "linear")
    losses = []
    for k in range(steps):
        loss, dw, db = net.loss_and_grads(x, y.reshape(-1, 1), "hinge", l2=1e-4)
        net.sgd_step(dw, db, 1.0 - 0.9 * k / 100)
        losses.append(loss)
    return losses


def w3_torch_scalar(weights, biases, x, y, steps):
    t = torch.float64
    ws = [[[torch.tensor(float(w[i, j]), dtype=t, requires_grad=True) for i in range(w.shape[0])]
           for j in range(w.shape[1])] for w in weights]
    bs = [[torch.tensor(float(v), dtype=t, requires_grad=True) for v in b] for b in biases]
    params = [p for layer in ws for neuron in layer for p in neuron] + [p for b in bs for p in b]
    losses = []
    for k in range(steps):
        scores = []
        for row in x:
            h = [torch.tensor(float(v), dtype=t) for v in row]
            for li, (layer, bias) in enumerate(zip(ws, bs)):
                z = [sum(wi * hi for wi, hi in zip(neuron, h)) + b for neuron, b in zip(layer, bias)]
                h = z if li == len(ws) - 1 else [torch.relu(v) for v in z]
            scores.append(h[0])
        data_loss = sum(torch.relu(1 - float(yi) * s) for yi, s in zip(y, scores)) / len(y)
        loss = data_loss + 1e-4 * sum(p * p for p in params)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= (1.0 - 0.9 * k / 100) * g
        losses.append(loss.item())
    return losses


def w3_torch_vectorized(weights, biases, x, y, steps):
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    xt, yt = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    losses = []
    for k in range(steps):
        h = xt
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            h = h if i == len(ws) - 1 else torch.relu(h)
        loss = torch.relu(1 - yt * h[:, 0]).mean() + 1e-4 * sum((p * p).sum() for p in ws + bs)
        grads = torch.autograd.grad(loss, ws + bs)
        with torch.no_grad():
            for p, g in zip(ws + bs, grads):
                p -= (1.0 - 0.9 * k / 100) * g
        losses.append(loss.item())
    return losses


def two_moons_problem():
    """The W3 problem: micrograd's two-moons data and one seeded MLP(2, [16, 16, 1]) initialisation."""
    from demos.two_moons import make_moons
    from nn import MLP

    x, y = make_moons()
    weights, biases = MLP(2, [16, 16, 1], activation="relu", seed=1337).to_arrays()
    return weights, biases, x, y
