"""Copying and pickling Values: a whole graph of any depth, each node's data, grad and label kept,
a node shared in the graph (or between the things copied together) shared in the copy.

`copy.deepcopy` hands a Value its memo (what has been copied so far), so a copy walks the graph
once, iteratively, and copies the nodes oldest first: each after its parents.

`pickle` saves an object's parts before the object, depth first: a chain of 100,000 nodes would
nest 100,000 calls and overflow the stack. So the first node of a graph that a pickler meets
also lists every node behind it that the pickler has not been given, oldest first: saved in that
order, each node's parents are already saved when its turn comes, and nothing nests. Which
nodes a pickler has been given is kept per thread, by an object saved with every op node (see
`_Pickling`). Copied either way, a graph's nodes keep the order in which they were made, so
backward through a copy adds its gradients in the same order and gives the same bits.
"""

from __future__ import annotations

import threading
import weakref
from operator import attrgetter
from typing import Any

from autograd.nodes import _new_node, set_parents
from autograd.ops import Op
from autograd.value import Value

_creation_index = attrgetter("_index")
_local = threading.local()  # per thread: .pickling, the pickling under way (weakly)


def _with_parents(node: Value, parents: tuple[Value, ...]) -> Value:
    # The layout nodes.record() gives, but whatever no_grad() says: a copy of a graph is a graph.
    return set_parents(node, parents)


def _new_like(original: Value, op: Op | None, data: float) -> Value:
    """A new node of the original's class: a subclass of Value (such as nn's Parameter) stays one in a copy."""
    node = _new_node(op, data)
    if type(original) is not Value:
        node.__class__ = type(original)  # allowed: a subclass that adds no slots has Value's layout
    return node


def rebuild_leaf(data: float, grad: float, label: str, kind: type[Value] = Value) -> Value:
    """A leaf of class `kind` with these numbers and label (what a pickled leaf is loaded as)."""
    node = _with_parents(_new_node(None, data), ())
    if kind is not Value:
        node.__class__ = kind
    node.grad, node.label = grad, label
    return node


def rebuild_node(_pickling: None, _behind: None, data: float, grad: float, label: str, op: Op,
                 parents: tuple[Value, ...]) -> Value:
    """A node made by `op` from `parents` (loaded before it), with these numbers and label."""
    node = _with_parents(_new_node(op, data), parents)
    node.grad, node.label = grad, label
    return node


def _nothing(*_: Any) -> None:
    """What `_Pickling` and `_NodesBehind` are loaded as: they only steer the saving."""
    return None


class _Pickling:
    """One pickling in one thread: the nodes its pickler has been given. Saved with every op node.

    A pickler asks how to save an object only the first time it meets it: then a new pickling has
    begun, and nothing has been given yet. Only the pickler's memo keeps it alive (the thread holds it
    weakly), so its set of nodes goes when the pickling ends.
    """

    def __init__(self) -> None:
        self.given: set[int] = set()

    def __reduce__(self) -> tuple:
        self.given = set()
        return (_nothing, ())


def _pickling() -> _Pickling:
    """This thread's pickling under way, or a new one."""
    ref = getattr(_local, "pickling", None)
    pickling = ref() if ref is not None else None
    if pickling is None:
        pickling = _Pickling()
        _local.pickling = weakref.ref(pickling)
    return pickling


class _NodesBehind:
    """Saved with a node, before its parents: the nodes behind it that the pickler has not been given, oldest first."""

    __slots__ = ("node", "pickling")

    def __init__(self, node: Value, pickling: _Pickling) -> None:
        self.node, self.pickling = node, pickling

    def __reduce__(self) -> tuple:
        given = self.pickling.given
        given.add(id(self.node))
        behind = [self.node]
        for node in behind:  # a list that grows as parents are found: no recursion
            for parent in node.parents:
                if id(parent) not in given:
                    given.add(id(parent))
                    behind.append(parent)
        del behind[0]
        # Oldest first: every node after its parents, and loaded in the order the original was made, so
        # the copy's nodes keep their order (topological_order, drawings, and backward's order of adding).
        behind.sort(key=_creation_index)
        return (_nothing, tuple(behind))


def reduce_value(v: Value) -> tuple:
    """How pickle saves `v`: a leaf as its numbers and label; an op node also with its op and parents (see above)."""
    if v._made_by is None:  # no parents: nothing nests
        kind = () if type(v) is Value else (type(v),)  # a subclass (nn's Parameter) is saved by its name
        return (rebuild_leaf, (v.data, v.grad, v.label, *kind))
    pickling = _pickling()
    given = pickling.given
    given.add(id(v))
    parents = v.parents
    # A node listed by another is saved after its parents, and needs no list of its own: looking at
    # the parents first spares most nodes a Python call.
    behind = None
    for parent in parents:
        if id(parent) not in given:
            behind = _NodesBehind(v, pickling)
            break
    return (rebuild_node, (pickling, behind, v.data, v.grad, v.label, v._made_by, parents))


def deepcopy_value(v: Value, memo: dict[int, Any]) -> Value:
    """A copy of `v` and of every node behind it not copied yet (`memo`, as copy.deepcopy keeps it)."""
    todo = [v]
    found = {v}
    for node in todo:  # a list that grows as parents are found: no recursion
        for parent in node.parents:
            if parent not in found and id(parent) not in memo:
                found.add(parent)
                todo.append(parent)
    todo.sort(key=_creation_index)  # oldest first: every node after its parents
    originals = memo.setdefault(id(memo), [])  # as copy.deepcopy does: alive while the memo holds their ids
    for node in todo:
        copy = _new_like(node, node._made_by, node.data)
        left, right, many = node._left, node._right, node._many  # the layout of nodes.py, slot for slot
        if many is None:
            copy._left, copy._many = memo[id(left)], None
            copy._right = memo[id(right)] if right is not None else None
        else:
            copy._left = copy._right = None
            copy._many = tuple([memo[id(p)] for p in many])
        copy.grad, copy.label = node.grad, node.label
        memo[id(node)] = copy
        originals.append(node)
    return memo[id(v)]


def copy_value(v: Value) -> Value:
    """A new node like `v` (its numbers, label, op) on the same parents."""
    copy = _with_parents(_new_like(v, v._made_by, v.data), v.parents)
    copy.grad, copy.label = v.grad, v.label
    return copy
