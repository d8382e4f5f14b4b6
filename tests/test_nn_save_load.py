"""nn save/load and load_state_dict: bad numbers change nothing; save writes through links and keeps modes."""

from __future__ import annotations

import json
import os
import re
import stat

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Neuron, load, save
from nn.serialize import FORMAT, VERSION

BAD_TOKEN = '"__bad_number__"'  # stands for the raw JSON text of a bad number in a hand-made file


def make_model(seed=0):
    return MLP(2, [2, 1], activation="tanh", seed=seed)  # 9 parameters


def snapshot(model):
    """Every parameter object with its number: 'unchanged' means the same objects holding the same bits."""
    return [(name, p, p.data) for name, p in model.named_parameters()]


def assert_unchanged(model, before):
    after = snapshot(model)
    assert [(n, id(p)) for n, p, _ in after] == [(n, id(p)) for n, p, _ in before]
    assert [d for _, _, d in after] == [d for _, _, d in before]


def state_with_last_entry(model, value):
    state = make_model(seed=1).state_dict()
    last = list(state)[-1]  # the last entry: every other one would be assigned first if the check came late
    state[last] = value
    return state, last


# -- load_state_dict: check every entry before assigning any ---------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**400, "must be a finite number, got an int of 401 digits, too large for a float"),
        (-(10**400), "must be a finite number, got an int of 401 digits"),
        (float("nan"), "must be a finite number, got nan"),
        (float("inf"), "must be a finite number, got inf"),
        (float("-inf"), "must be a finite number, got -inf"),
        (np.float64("nan"), "must be a finite number, got nan"),
    ],
    ids=["huge_int", "huge_negative_int", "nan", "inf", "minus_inf", "numpy_nan"],
)
def test_load_state_dict_refuses_a_number_that_is_not_finite_and_leaves_the_model_unchanged(value, message):
    model = make_model()
    before = snapshot(model)
    state, last = state_with_last_entry(model, value)
    with pytest.raises(ValueError, match=rf"load_state_dict: state\['{last}'\] {message}"):
        model.load_state_dict(state)
    assert_unchanged(model, before)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a number, not a bool; got True"),
        (np.bool_(False), "must be a number, not a bool; got np.False_"),
        ("0.5", "needs a real number, got str '0.5'"),
        (None, "needs a real number, got NoneType None"),
        (1 + 2j, "needs a real number, got complex"),
        ([0.5], "needs a real number, got list"),
    ],
    ids=["bool", "numpy_bool", "str", "none", "complex", "list"],
)
def test_load_state_dict_refuses_a_non_number_and_leaves_the_model_unchanged(value, message):
    model = make_model()
    before = snapshot(model)
    state, last = state_with_last_entry(model, value)
    with pytest.raises(TypeError, match=rf"load_state_dict: state\['{last}'\] {message}"):
        model.load_state_dict(state)
    assert_unchanged(model, before)


def test_load_state_dict_takes_ints_and_numpy_numbers_as_python_floats():
    model = make_model()
    state = {name: 0.0 for name in model.state_dict()}
    names = list(state)
    state[names[0]], state[names[1]], state[names[2]] = 3, np.int64(-2), np.float32(0.5)
    model.load_state_dict(state)
    loaded = model.state_dict()
    assert [loaded[n] for n in names[:3]] == [3.0, -2.0, 0.5]  # 0.5 is exact in float32
    assert all(type(p.data) is float for p in model.parameters())  # never a NumPy float32 in the graph


# -- nn.load: a file holding a number that is not finite ---------------------------------------------


def write_model_file(path, bad_text):
    """A model file as save writes it, with the last parameter's number replaced by the raw text `bad_text`."""
    state = make_model(seed=1).state_dict()
    last = list(state)[-1]
    state[last] = "__bad_number__"
    document = {"format": FORMAT, "version": VERSION, "model": repr(make_model()), "parameters": state}
    path.write_text(json.dumps(document, indent=1).replace(BAD_TOKEN, bad_text))
    return last


@pytest.mark.parametrize(
    ("bad_text", "message"),
    [
        ("NaN", "must be a finite number, got nan"),
        ("Infinity", "must be a finite number, got inf"),
        ("-Infinity", "must be a finite number, got -inf"),
        ("1e400", "must be a finite number, got inf"),  # json reads a float past range as inf
        ("9" * 400, "must be a finite number, got an int of 400 digits, too large for a float"),
        ("true", "must be a number, not a bool"),
        ('"0.5"', "needs a real number, got str"),
    ],
    ids=["NaN", "Infinity", "minus_Infinity", "1e400", "400_digit_int", "true", "string"],
)
def test_load_of_a_file_with_a_bad_number_names_the_parameter_and_leaves_the_model_unchanged(
    tmp_path, bad_text, message
):
    path = tmp_path / "model.json"
    last = write_model_file(path, bad_text)
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=rf"load: .*state\['{last}'\] {message}"):
        load(model, path)
    assert_unchanged(model, before)


def test_load_of_deeply_nested_json_raises_value_error_not_recursion_error(tmp_path):
    path = tmp_path / "model.json"
    depth = 100_000  # far past the recursion limit (1000) of json's parser
    path.write_text("[" * depth + "]" * depth)
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match="nested too deeply"):
        load(model, path)
    assert_unchanged(model, before)


def test_load_of_deep_nesting_inside_the_parameters_raises_value_error(tmp_path):
    path = tmp_path / "model.json"
    write_model_file(path, "[" * 100_000 + "]" * 100_000)
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match="nested too deeply"):
        load(model, path)
    assert_unchanged(model, before)


def test_load_of_an_int_beyond_pythons_digit_limit_raises_value_error(tmp_path):
    path = tmp_path / "model.json"
    write_model_file(path, "9" * 5000)  # Python refuses to parse ints of more than 4300 digits
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match="not a valid model file"):
        load(model, path)
    assert_unchanged(model, before)


def test_load_of_a_file_naming_a_parameter_twice_raises_instead_of_keeping_the_last(tmp_path):
    path = tmp_path / "model.json"
    save(make_model(seed=1), path)
    first = next(iter(make_model().state_dict()))
    text = path.read_text()
    path.write_text(text.replace(f'"{first}": ', f'"{first}": 0.25, "{first}": ', 1))
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=f"the key '{first}' appears more than once"):
        load(model, path)
    assert_unchanged(model, before)


@pytest.mark.parametrize("path", [None, 3.5, b"model.json", ["model.json"]])
def test_save_and_load_refuse_a_path_that_is_not_a_str_or_path(path):
    for function in (save, load):
        with pytest.raises(TypeError, match=rf"{function.__name__}: path must be a str or pathlib.Path"):
            function(make_model(), path)


def test_save_and_load_refuse_an_empty_path():
    for function in (save, load):
        with pytest.raises(ValueError, match=f"{function.__name__}: path is empty"):
            function(make_model(), "")


def test_save_and_load_refuse_something_that_is_not_a_model(tmp_path):
    for function in (save, load):
        with pytest.raises(TypeError, match=f"{function.__name__}: model must be an nn Module"):
            function({"w": 1.0}, tmp_path / "model.json")


# -- save: symbolic links, folders, permissions -------------------------------------------------------


def weights_in(path):
    return json.loads(path.read_text())["parameters"]


def test_save_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    save(make_model(seed=1), real)
    link = tmp_path / "model.json"
    link.symlink_to("real.json")
    save(make_model(seed=2), link)
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert weights_in(real) == make_model(seed=2).state_dict()
    assert sorted(os.listdir(tmp_path)) == ["model.json", "real.json"]  # no temporary file left


def test_save_through_a_chain_of_links_into_another_folder_writes_the_final_file_atomically(tmp_path, monkeypatch):
    (tmp_path / "store").mkdir()
    (tmp_path / "work").mkdir()
    real = tmp_path / "store" / "weights.json"
    save(make_model(seed=1), real)
    (tmp_path / "work" / "middle.json").symlink_to(real)
    link = tmp_path / "work" / "model.json"
    link.symlink_to("middle.json")
    renames = []
    original_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (renames.append((src, dst)), original_replace(src, dst)))
    save(make_model(seed=2), link)
    [(src, dst)] = renames
    # The temporary file sits beside the real file (one file system, so the rename is atomic) and
    # the rename lands on the real file, not on a link.
    assert os.path.dirname(src) == str(tmp_path / "store") and os.fspath(dst) == str(real.resolve())
    assert link.is_symlink() and (tmp_path / "work" / "middle.json").is_symlink()
    assert weights_in(real) == make_model(seed=2).state_dict()


def test_save_through_a_dangling_symlink_creates_the_file_it_points_to(tmp_path):
    link = tmp_path / "model.json"
    link.symlink_to("missing.json")
    save(make_model(seed=2), link)
    assert link.is_symlink() and weights_in(tmp_path / "missing.json") == make_model(seed=2).state_dict()


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o604])
def test_save_over_an_existing_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "model.json"
    save(make_model(seed=1), path)
    os.chmod(path, mode)
    save(make_model(seed=2), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert weights_in(path) == make_model(seed=2).state_dict()


def test_save_through_a_symlink_keeps_the_target_files_mode(tmp_path):
    real = tmp_path / "real.json"
    save(make_model(seed=1), real)
    os.chmod(real, 0o640)
    link = tmp_path / "model.json"
    link.symlink_to(real)
    save(make_model(seed=2), link)
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640 and link.is_symlink()


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002, 0o077])
def test_save_gives_a_new_file_the_mode_the_umask_allows(tmp_path, umask):
    path = tmp_path / "model.json"
    old = os.umask(umask)
    try:
        save(make_model(), path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask  # what open(path, "w") would give


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write any file")
def test_save_refuses_to_replace_a_read_only_file(tmp_path):
    path = tmp_path / "model.json"
    save(make_model(seed=1), path)
    os.chmod(path, 0o444)
    old = path.read_text()
    with pytest.raises(PermissionError, match=r"save: .* is read-only"):
        save(make_model(seed=2), path)
    assert path.read_text() == old and stat.S_IMODE(os.stat(path).st_mode) == 0o444


def test_save_to_a_folder_raises_is_a_directory_error_and_writes_nothing(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save(make_model(), tmp_path)
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(f"the folder '{tmp_path / 'nope'}' does not exist")):
        save(make_model(), tmp_path / "nope" / "model.json")


def test_save_refuses_a_file_this_user_may_not_write_as_reported_by_os_access(tmp_path, monkeypatch):
    # The test above cannot run as root (root may write anything); this one stands in for it by
    # having os.access report the file as not writable, as it does for a 0o444 file of another user.
    path = tmp_path / "model.json"
    save(make_model(seed=1), path)
    old = path.read_text()
    monkeypatch.setattr(os, "access", lambda p, mode: not (mode == os.W_OK and os.fspath(p) == str(path)))
    with pytest.raises(PermissionError, match=r"save: .* is read-only"):
        save(make_model(seed=2), path)
    assert path.read_text() == old and os.listdir(tmp_path) == ["model.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_save_refuses_to_replace_something_that_is_not_a_regular_file(tmp_path):
    # A device such as /dev/null (as root) or a named pipe would have been replaced by a file.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(ValueError, match=r"save: .* is not a regular file"):
        save(make_model(), pipe)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode) and os.listdir(tmp_path) == ["pipe"]
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"load: .* is not a regular file"):
        load(model, pipe)  # reading a pipe nobody writes to would wait forever
    assert_unchanged(model, before)


# -- activations: a file's weights load only into a model with the same activations --------------------


def test_load_of_a_tanh_models_file_into_a_relu_model_of_the_same_shape_refuses_naming_both(tmp_path):
    # The case: the relu model took the tanh model's weights and predicted [0, 0].
    path = tmp_path / "tanh.json"
    save(MLP(2, [3, 2], activation="tanh", seed=0), path)
    relu = MLP(2, [3, 2], activation="relu", seed=1)
    before = snapshot(relu)
    expected = r"learned with activation 'tanh' \(layer 0\), but the model is MLP\(2, \[3, 2\], activation='relu'"
    with pytest.raises(ValueError, match=expected + ".*which uses 'relu' there"):
        load(relu, path)
    assert_unchanged(relu, before)


def test_load_into_a_model_with_the_files_activations_gives_the_saved_models_outputs(tmp_path):
    path = tmp_path / "tanh.json"
    saved = MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    save(saved, path)
    assert json.loads(path.read_text())["activations"] == ["tanh", "sigmoid"]
    model = MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=1)
    load(model, path)
    assert [y.data for y in model([0.3, -0.7])] == [y.data for y in saved([0.3, -0.7])]


@pytest.mark.parametrize(
    ("saved", "loaded", "where"),
    [
        (MLP(2, [2], output_activation="sigmoid", seed=0), MLP(2, [2], seed=0), "the activation"),
        (MLP(2, [2, 1], seed=0), MLP(2, [2, 1], output_activation="tanh", seed=0), r"layer 1"),
        (Layer(2, 3, activation="tanh", seed=0), Layer(2, 3, activation="sigmoid", seed=0), "the activation"),
        (Neuron(2, activation="linear", seed=0), Neuron(2, activation="relu", seed=0), "the activation"),
    ],
    ids=["output", "last_layer", "Layer", "Neuron"],
)
def test_load_refuses_a_file_saved_with_another_activation_for_every_kind_of_model(tmp_path, saved, loaded, where):
    path = tmp_path / "model.json"
    save(saved, path)
    before = snapshot(loaded)
    with pytest.raises(ValueError, match=rf"learned with activation .* \({where}\)"):
        load(loaded, path)
    assert_unchanged(loaded, before)


def test_hidden_activation_of_a_one_layer_mlp_is_never_used_so_it_does_not_matter(tmp_path):
    path = tmp_path / "model.json"
    save(MLP(2, [2], activation="tanh", seed=0), path)  # one layer: only output_activation is applied
    load(MLP(2, [2], activation="relu", seed=1), path)


def test_load_of_a_file_written_before_activations_were_recorded_reads_them_from_its_description(tmp_path):
    path = tmp_path / "old.json"
    save(MLP(2, [2, 1], activation="tanh", seed=0), path)
    document = json.loads(path.read_text())
    del document["activations"]  # as files were written before: the description holds them
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="learned with activation 'tanh' \\(layer 0\\)"):
        load(MLP(2, [2, 1], activation="relu", seed=0), path)
    load(MLP(2, [2, 1], activation="tanh", seed=0), path)


def test_an_activation_given_as_a_function_is_compared_by_its_name(tmp_path):
    path = tmp_path / "model.json"
    save(MLP(2, [2, 1], activation="tanh", seed=0), path)
    load(MLP(2, [2, 1], activation=Value.tanh, seed=0), path)  # Value.tanh is named 'tanh'
    load(MLP(2, [2, 1], activation=lambda z: z.tanh(), seed=0), path)  # a lambda has no name: nothing to compare
    with pytest.raises(ValueError, match=r"learned with activation 'tanh'.* which uses 'sigmoid' there"):
        load(MLP(2, [2, 1], activation=Value.sigmoid, seed=0), path)


@pytest.mark.parametrize("entry", ["tanh", ["tanh"], ["tanh", 3], {"0": "tanh"}])
def test_load_of_a_file_with_a_malformed_activations_entry_says_so(tmp_path, entry):
    path = tmp_path / "model.json"
    save(MLP(2, [2, 1], activation="tanh", seed=0), path)
    document = json.loads(path.read_text())
    document["activations"] = entry
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="is not a valid model file: its 'activations' entry is"):
        load(MLP(2, [2, 1], activation="tanh", seed=0), path)
