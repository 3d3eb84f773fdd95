#!/usr/bin/env python3
"""Export Silero's Russian stress model (the `silero-stress` wheel) without torch.

`accentor.pt` is a torch.package zip: pickled Python objects, two TorchScript modules
(the n-gram accentor and the BERT homograph solver) whose tensors are plain
little-endian storages under `.data/`. This script reads the pickles with a plain
Unpickler that builds stand-ins for every class, rebuilds the tensors with numpy and
writes what Revoice loads:

  ru-stress.json             n-gram vocabulary, exceptions dictionary, homographs,
                             phrase rules and the BERT vocabulary
  ru-stress-accentor.onnx    n-gram embedding bag + stress/yo classifiers
  ru-stress-homosolver.onnx  3-layer BERT + homograph classifier

Usage: export_silero_stress.py ACCENTOR_PT PART OUT, PART one of json|accentor|homosolver.
Needs numpy and onnx only. The output is byte-for-byte reproducible for pinned versions.
"""
import io
import json
import re
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Stub:
    """Stand-in for any class the pickles name; keeps constructor args and state."""

    def __init__(self, *args):
        self.args = args
        self.state = None

    def __setstate__(self, state):
        self.state = state


def stub_class(module, name):
    return type(name, (Stub,), {"module": module})


STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "LongStorage": np.int64,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
}


class Reader(pickle_Unpickler := __import__("pickle").Unpickler):
    def __init__(self, data, zf, root):
        super().__init__(io.BytesIO(data))
        self.zf, self.root = zf, root

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        if module == "builtins":
            return getattr(__import__("builtins"), name)
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return rebuild_tensor
        return stub_class(module, name)

    def persistent_load(self, pid):
        if pid[0] == "storage":
            kind, key = pid[1].__name__, pid[2]
            raw = self.zf.read(f"{self.root}/.data/{key}")
            return np.frombuffer(raw, dtype=STORAGE_DTYPES[kind])
        return pid  # a TorchScript module reference: resolved by the caller


def rebuild_tensor(storage, offset, size, stride, *_):
    count = int(np.prod(size)) if size else 1
    flat = storage[offset : offset + count]
    expected = tuple(int(np.prod(size[i + 1 :])) for i in range(len(size)))
    if tuple(stride) != expected:
        raise ValueError(f"non-contiguous tensor {size} {stride}")
    return flat.reshape(size).copy()


def state(obj):
    return obj.state if isinstance(obj, Stub) else obj


def get(obj, path):
    for part in path.split("."):
        obj = state(obj)[part]
    return obj


def load(path):
    zf = zipfile.ZipFile(path)
    root = zf.namelist()[0].split("/")[0]
    top = Reader(zf.read(f"{root}/accentor_models/accentor"), zf, root).load()
    modules = [Reader(zf.read(f"{root}/.data/ts_code/{k}/data.pkl"), zf, root).load() for k in "01"]
    return top, modules[0], modules[1]


# ---------------------------------------------------------------- json


def phrase_rules(compiled):
    """Takes the phrase regexes apart again: {word: [[variant, [phrases...]], ...]}.

    The package builds each word's regex from phrases.json as
    (?P<GROUP>(?<![а-яА-ЯёЁ\\-])(?:p1|p2)(?![а-яА-ЯёЁ\\-])) joined by '|', with each phrase
    re.escape'd and GROUP the variant with its stressed vowel upper-cased. Rebuilding the
    pattern from the parts must give the same text back, so nothing is lost.
    """
    guard_l, guard_r = r"(?<![а-яА-ЯёЁ\-])", r"(?![а-яА-ЯёЁ\-])"
    out = {}
    for word, regex in compiled.items():
        pattern = regex.args[0]
        variants = []
        for m in re.finditer(r"\(\?P<([^>]+)>" + re.escape(guard_l) + r"\(\?:((?:\\.|[^\\)])*)\)" + re.escape(guard_r) + r"\)", pattern):
            group, body = m.group(1), m.group(2)
            phrases = [re.sub(r"\\(.)", r"\1", p) for p in re.split(r"(?<!\\)\|", body)]
            upper = [i for i, c in enumerate(group) if c.isupper()]
            variant = group[: upper[0]] + "+" + group[upper[0]:].lower()
            variants.append([variant, phrases])
        rebuilt = "|".join(
            rf"(?P<{v[: v.index('+')] + v[v.index('+') + 1].upper() + v[v.index('+') + 2:]}>{guard_l}(?:{'|'.join(map(re.escape, ps))}){guard_r})"
            for v, ps in variants
        )
        if rebuilt != pattern:
            raise ValueError(f"phrase rules of {word!r} did not round-trip")
        out[word] = variants
    return out


def export_json(top, accentor, out):
    acc = get(top, "accentor")
    homo = get(top, "homosolver")
    tok = get(homo, "tokenizer")
    ngram_dict = get(accentor, "embedding.ngram_dict").args[0]
    ngrams = [None] * len(ngram_dict)
    for gram, idx in ngram_dict.items():
        ngrams[idx] = gram
    vocab = [None] * len(state(tok)["vocab"])
    for token, idx in state(tok)["vocab"].items():
        vocab[idx] = token
    if None in ngrams or None in vocab:
        raise ValueError("vocabulary indices are not contiguous")
    t = state(tok)
    data = {
        "format": 1,
        "source": "silero-stress 1.5 (MIT), silero_stress/data/accentor.pt",
        "vowels": state(acc)["vowels"],
        "ngrams": ngrams,
        "exceptions": {w: list(v) for w, v in sorted(state(acc)["exceptions"].items())},
        "homographs": {w: v for w, v in sorted(state(homo)["homodict"].items())},
        "phrases": dict(sorted(phrase_rules(state(homo)["compiled_phrases"]).items())),
        "window_chars": state(homo)["window_size"],
        "bert": {
            "vocab": vocab,
            "unk": t["unk_token_id"],
            "cls": t["cls_token_id"],
            "sep": t["sep_token_id"],
            "pad": t["pad_token_id"],
            "homo_start": t["homo_start_id"],
            "homo_end": t["homo_end_id"],
            "max_input_chars_per_word": state(t["wordpiece_tokenizer"])["max_input_chars_per_word"],
        },
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- onnx


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = f"{op_type.lower()}_{self.n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def linear(self, x, prefix, weight, bias):
        w = self.const(prefix + ".weight_t", weight.T.astype(np.float32))
        b = self.const(prefix + ".bias", bias.astype(np.float32))
        return self.op("Add", [self.op("MatMul", [x, w]), b])

    def model(self, name, inputs, outputs, out_path):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="revoice")
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, out_path)


def mlp(g, x, module, prefix, layers):
    for i, idx in enumerate(layers):
        x = g.linear(x, f"{prefix}.{idx}", get(module, f"{idx}.weight"), get(module, f"{idx}.bias"))
        if i + 1 < len(layers):
            x = g.op("Relu", [x])
    return x


def export_accentor(accentor, out):
    """ngram_ids [words, k] (padded with the extra zero row), ngram_counts [words, 1]."""
    weight = get(accentor, "embedding.weight").astype(np.float32)
    table = np.vstack([weight, np.zeros((1, weight.shape[1]), np.float32)])
    g = Graph()
    rows = g.op("Gather", [g.const("ngram_embedding", table), "ngram_ids"], axis=0)
    summed = g.op("ReduceSum", [rows, g.const("axis1", np.array([1], np.int64))], keepdims=0)
    mean = g.op("Div", [summed, "ngram_counts"])
    stress = mlp(g, mean, get(accentor, "stress_clf"), "stress", [0, 2, 4, 6])
    yo = mlp(g, mean, get(accentor, "yo_clf"), "yo", [0, 2, 4, 6])
    g.nodes.append(helper.make_node("Identity", [stress], ["stress_logits"]))
    g.nodes.append(helper.make_node("Identity", [yo], ["yo_logits"]))
    g.model(
        "silero_stress_accentor",
        [
            helper.make_tensor_value_info("ngram_ids", TensorProto.INT64, ["words", "grams"]),
            helper.make_tensor_value_info("ngram_counts", TensorProto.FLOAT, ["words", 1]),
        ],
        [
            helper.make_tensor_value_info("stress_logits", TensorProto.FLOAT, ["words", 10]),
            helper.make_tensor_value_info("yo_logits", TensorProto.FLOAT, ["words", 7]),
        ],
        out,
    )
    return len(table) - 1


def layer_norm(g, x, module, prefix):
    return g.op(
        "LayerNormalization",
        [x, g.const(prefix + ".gamma", get(module, "weight")), g.const(prefix + ".beta", get(module, "bias"))],
        axis=-1,
        epsilon=1e-12,
    )


def export_homosolver(solver, out):
    """input_ids [1, tokens]; homo_start, homo_end: [1] positions of the markers."""
    bert = get(solver, "bert")
    heads = 12
    g = Graph()
    # Word embeddings stay int8 in the file: restored as scale * (w - zero_point) after the
    # lookup, exactly as the package restores the whole table at load time.
    words_q = get(bert, "embeddings.word_embeddings.weight")
    scale = np.float32(get(bert, "scale").reshape(()))
    zero = np.float32(get(bert, "zero_point").reshape(()))
    picked = g.op("Gather", [g.const("word_embeddings_q", words_q), "input_ids"], axis=0)
    words = g.op("Mul", [g.op("Sub", [g.op("Cast", [picked], to=TensorProto.FLOAT), g.const("wq_zero", zero)]), g.const("wq_scale", scale)])
    shape = g.op("Shape", ["input_ids"])
    length = g.op("Gather", [shape, g.const("one", np.array(1, np.int64))], axis=0)
    positions = g.op("Range", [g.const("zero_i", np.array(0, np.int64)), length, g.const("step", np.array(1, np.int64))])
    pos = g.op("Gather", [g.const("position_embeddings", get(bert, "embeddings.position_embeddings.weight")), positions], axis=0)
    token_type = g.const("token_type0", get(bert, "embeddings.token_type_embeddings.weight")[0])
    x = g.op("Add", [g.op("Add", [words, token_type]), pos])
    x = layer_norm(g, x, get(bert, "embeddings.LayerNorm"), "emb.ln")
    hidden = get(bert, "embeddings.word_embeddings.weight").shape[1]
    size = hidden // heads
    split_shape = g.const("split_shape", np.array([1, -1, heads, size], np.int64))
    merge_shape = g.const("merge_shape", np.array([1, -1, hidden], np.int64))
    inv_sqrt = g.const("inv_sqrt", np.float32(1.0 / np.sqrt(size)))
    for i in range(state(bert)["num_hidden_layers"]):
        layer = get(bert, f"encoder.layer.{i}")
        p = f"l{i}"

        def proj(name, x=x, layer=layer, p=p):
            return g.linear(x, f"{p}.{name}", get(layer, f"attention.self.{name}.weight"), get(layer, f"attention.self.{name}.bias"))

        q = g.op("Transpose", [g.op("Reshape", [proj("query"), split_shape])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [proj("key"), split_shape])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [proj("value"), split_shape])], perm=[0, 2, 1, 3])
        scores = g.op("Mul", [g.op("MatMul", [q, k]), inv_sqrt])
        ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), merge_shape])
        att = g.linear(ctx, f"{p}.att_out", get(layer, "attention.output.dense.weight"), get(layer, "attention.output.dense.bias"))
        x = layer_norm(g, g.op("Add", [att, x]), get(layer, "attention.output.LayerNorm"), f"{p}.att_ln")
        inner = g.linear(x, f"{p}.inter", get(layer, "intermediate.dense.weight"), get(layer, "intermediate.dense.bias"))
        # exact GELU: 0.5 * x * (1 + erf(x / sqrt 2))
        erf = g.op("Erf", [g.op("Div", [inner, g.const(f"{p}.sqrt2", np.float32(np.sqrt(2.0)))])])
        inner = g.op("Mul", [g.op("Mul", [inner, g.op("Add", [erf, g.const(f"{p}.one", np.float32(1.0))])]), g.const(f"{p}.half", np.float32(0.5))])
        ffn = g.linear(inner, f"{p}.out", get(layer, "output.dense.weight"), get(layer, "output.dense.bias"))
        x = layer_norm(g, g.op("Add", [ffn, x]), get(layer, "output.LayerNorm"), f"{p}.out_ln")
    seq = g.op("Squeeze", [x, g.const("axis0", np.array([0], np.int64))])  # [tokens, hidden]
    marker = g.op("Gather", [seq, "homo_start"], axis=0)  # [1, hidden]
    # Mean of the word's pieces, between the markers: a mask over positions rather than a
    # Slice (ONNX Runtime's optimiser breaks a Slice with computed bounds here).
    after_start = g.op("Greater", [positions, "homo_start"])
    before_end = g.op("Less", [positions, "homo_end"])
    mask = g.op("Cast", [g.op("And", [after_start, before_end])], to=TensorProto.FLOAT)
    mask = g.op("Unsqueeze", [mask, g.const("axis1b", np.array([1], np.int64))])  # [tokens, 1]
    total = g.op("ReduceSum", [g.op("Mul", [seq, mask]), g.const("axis0c", np.array([0], np.int64))], keepdims=1)
    count = g.op("ReduceSum", [mask, g.const("axis0d", np.array([0], np.int64))], keepdims=1)
    word = g.op("Div", [total, count])  # [1, hidden]
    joined = g.op("Concat", [marker, word], axis=1)  # [1, 2 * hidden]
    logit = mlp(g, joined, get(solver, "homo_clf"), "homo_clf", [0, 3])
    g.nodes.append(helper.make_node("Identity", [logit], ["logit"]))
    g.model(
        "silero_stress_homosolver",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "tokens"]),
            helper.make_tensor_value_info("homo_start", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("homo_end", TensorProto.INT64, [1]),
        ],
        [helper.make_tensor_value_info("logit", TensorProto.FLOAT, [1, 1])],
        out,
    )


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("json", "accentor", "homosolver"):
        sys.exit(__doc__.strip().splitlines()[-2])
    top, accentor, solver = load(sys.argv[1])
    part, out = sys.argv[2], sys.argv[3]
    if part == "json":
        export_json(top, accentor, out)
    elif part == "accentor":
        export_accentor(accentor, out)
    else:
        export_homosolver(solver, out)


if __name__ == "__main__":
    main()
