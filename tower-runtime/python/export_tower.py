#!/usr/bin/python3
"""Exports a PyTorch two-tower model to Quiver's tower format (docs/TOWER.md).

A model directory holds model.safetensors (the state_dict, tensors named as PyTorch names them)
and model.json (features, layers and heads of both towers). `TwoTower` below is a reference
module built from a plain spec; `export(model, out_dir)` writes any such module.

A team's own module is exported from its state_dict and a hand-written model.json whose tensor
names are the state_dict's keys (docs/TOWER.md):
  export_tower.py from-state-dict --spec SPEC.json --state-dict CKPT --out DIR
      [--check MODULE:FACTORY --rows USER.jsonl,ITEM.jsonl]

Commands (run with Debian's python3-torch: /usr/bin/python3):
  export_tower.py fixtures --out DIR   small models, requests and PyTorch's outputs, for tests
  export_tower.py bench --out DIR      the benchmark model, its requests, and the user tower in ONNX
"""
import argparse
import bisect
import difflib
import importlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------- the stable hash (FeatureHash.java)

def fmix64(h):
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB93E53FCA8FF) & MASK64
    h ^= h >> 33
    return h


def feature_hash(value):
    """FNV-1a 64 of the UTF-8 bytes (a long id: of its decimal string), then MurmurHash3's fmix64."""
    data = str(value).encode("utf-8", errors="replace") if not isinstance(value, bool) else None
    if data is None:
        raise ValueError("booleans are not ids")
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return fmix64(h)


def bucket(value, buckets):
    return feature_hash(value) % buckets


# ---------------------------------------------------------------- the reference module

ACTIVATIONS = {
    "relu": lambda s: nn.ReLU(),
    "leaky_relu": lambda s: nn.LeakyReLU(s),
    "sigmoid": lambda s: nn.Sigmoid(),
    "tanh": lambda s: nn.Tanh(),
    "silu": lambda s: nn.SiLU(),
}


def dense_stack(in_dim, layers):
    """nn.Sequential of Linear [BatchNorm1d] [activation] per layer spec; returns it and the config."""
    mods, configs = [], []
    for spec in layers:
        lin = nn.Linear(in_dim, spec["units"], bias=spec.get("bias", True))
        cfg = {"linear": str(len(mods)), "units": spec["units"]}
        if not spec.get("bias", True):
            cfg["bias"] = False
        mods.append(lin)
        if spec.get("batch_norm"):
            cfg["batch_norm"] = str(len(mods))
            mods.append(nn.BatchNorm1d(spec["units"]))
        act = spec.get("activation", "none")
        if act != "none":
            slope = spec.get("negative_slope", 0.01)
            mods.append(ACTIVATIONS[act](slope))
            cfg["activation"] = act
            if act == "leaky_relu":
                cfg["negative_slope"] = slope
        configs.append(cfg)
        in_dim = spec["units"]
    return nn.Sequential(*mods), configs, in_dim


class SENet(nn.Module):
    """FiBiNET's squeeze-and-excitation over feature fields."""

    def __init__(self, fields, hidden, activation="relu", gate="sigmoid"):
        super().__init__()
        self.fc1 = nn.Linear(fields, hidden)
        self.fc2 = nn.Linear(hidden, fields)
        self.act = ACTIVATIONS[activation](0.01)
        self.gate = ACTIVATIONS[gate](0.01)
        self.activation_name, self.gate_name = activation, gate

    def forward(self, fields):  # list of [B, dim_f]
        z = torch.stack([f.mean(dim=1) for f in fields], dim=1)
        a = self.gate(self.fc2(self.act(self.fc1(z))))
        return [f * a[:, i:i + 1] for i, f in enumerate(fields)]


class Tower(nn.Module):
    """One tower from a spec: {"features": [...], "senet": {...}?, "layers": [...], "heads": [...]}."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.features = spec["features"]
        self.embeddings = nn.ModuleDict()
        width = 0
        for f in self.features:
            self.embeddings[f["name"]] = nn.Embedding(self.table_rows(f), f["dim"])
            width += f["dim"] + (1 if f.get("raw") else 0)
        self.senet = None
        if spec.get("senet"):
            s = spec["senet"]
            self.senet = SENet(len(self.features), s["hidden"], s.get("activation", "relu"),
                               s.get("gate", "sigmoid"))
        self.mlp, self.layer_configs, width = dense_stack(width, spec["layers"])
        self.heads = nn.ModuleDict()
        self.head_configs = []
        for h in spec["heads"]:
            seq, cfgs, _ = dense_stack(width, h.get("layers", []))
            self.heads[h["name"]] = seq
            self.head_configs.append((h, cfgs))

    @staticmethod
    def table_rows(f):
        return {"id": lambda: f["buckets"], "numeric": lambda: len(f["boundaries"]) + 1,
                "categorical": lambda: len(f["vocabulary"]) + 1}[f["type"]]()

    @staticmethod
    def values(f, row):
        """The table rows one raw value selects ([] when missing)."""
        v = row.get(f["name"])
        if v is None:
            return []
        if f["type"] == "id":
            vs = v if isinstance(v, list) else [v]
            return [bucket(x, f["buckets"]) for x in vs]
        if f["type"] == "numeric":
            return [bisect.bisect_right(f["boundaries"], float(v))]
        return [f["vocabulary"].index(v) + 1 if v in f["vocabulary"] else 0]

    def field(self, f, rows):
        """[B, dim] embeddings of feature f, and [B, 1] raw values when it passes them on."""
        table = self.embeddings[f["name"]].weight
        out = []
        for row in rows:
            idx = self.values(f, row)
            if not idx:
                mb = f.get("missing_bucket")
                out.append(table[mb] if mb is not None else torch.zeros(f["dim"]))
            else:
                e = table[idx].sum(dim=0)
                out.append(e / len(idx) if f.get("pooling") == "mean" else e)
        raw = None
        if f.get("raw"):
            m, s = f["raw"]["mean"], f["raw"]["std"]
            raw = torch.tensor([[0.0 if row.get(f["name"]) is None else (float(row[f["name"]]) - m) / s]
                                for row in rows], dtype=torch.float64).float()
        return torch.stack(out), raw

    def forward(self, rows):
        """[B, heads, dim] for a list of raw feature dicts."""
        fields, raws = zip(*(self.field(f, rows) for f in self.features))
        fields = list(fields)
        if self.senet is not None:
            fields = self.senet(fields)
        parts = []
        for e, r in zip(fields, raws):
            parts.append(e)
            if r is not None:
                parts.append(r)
        x = self.mlp(torch.cat(parts, dim=1))
        outs = []
        for h, _ in self.head_configs:
            y = self.heads[h["name"]](x)
            if h.get("l2_normalize", True):
                y = F.normalize(y, dim=1)
            outs.append(y / h.get("temperature", 1.0))
        return torch.stack(outs, dim=1)

    def config(self, prefix):
        def pref(cfgs, base):
            out = []
            for c in cfgs:
                c = dict(c)
                c["linear"] = f"{base}.{c['linear']}"
                if "batch_norm" in c:
                    c["batch_norm"] = f"{base}.{c['batch_norm']}"
                out.append(c)
            return out

        feats = []
        for f in self.features:
            c = {"name": f["name"], "type": f["type"], "embedding": f"{prefix}.embeddings.{f['name']}.weight",
                 "dim": f["dim"]}
            for k in ("buckets", "multi_valued", "pooling", "boundaries", "raw", "vocabulary", "missing_bucket"):
                if k in f:
                    c[k] = f[k]
            if f["type"] == "numeric":
                c["right"] = True  # values() buckets with bisect_right: torch.bucketize(right=True)
            feats.append(c)
        cfg = {"features": feats}
        if self.senet is not None:
            cfg["senet"] = {"fc1": f"{prefix}.senet.fc1", "fc2": f"{prefix}.senet.fc2",
                            "activation": self.senet.activation_name, "gate": self.senet.gate_name}
        cfg["layers"] = pref(self.layer_configs, f"{prefix}.mlp")
        cfg["heads"] = [{"name": h["name"], "layers": pref(c, f"{prefix}.heads.{h['name']}"),
                         "l2_normalize": h.get("l2_normalize", True), "temperature": h.get("temperature", 1.0)}
                        for h, c in self.head_configs]
        return cfg


class TwoTower(nn.Module):
    def __init__(self, user_spec, item_spec):
        super().__init__()
        self.user = Tower(user_spec)
        self.item = Tower(item_spec)


# ---------------------------------------------------------------- export

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def write_safetensors(path, tensors):
    """The safetensors format: 8-byte header length, JSON header, then the data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(head)))
        out.write(head)
        for b in blobs:
            out.write(b)


def export(model, out_dir, dtype="F32"):
    """Writes model.json and model.safetensors of a TwoTower; float tensors are stored as dtype
    (F32, F16, BF16).

    The module's own floats are rounded to dtype too, so that it computes what the export holds.
    Any other module is exported with from_state_dict and a model.json written for it.
    """
    if not isinstance(model, TwoTower):
        raise ExportError(f"export() takes this file's TwoTower, not {type(model).__name__}; export "
                          "your own module with from-state-dict and a model.json naming its "
                          "state_dict keys (docs/TOWER.md)")
    state = {}
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                t.copy_(t.to(DTYPES[dtype]).float())
                state[name] = t.to(DTYPES[dtype])
            else:
                state[name] = t
    config = {"format": "quiver-tower", "version": 1,
              "towers": {"user": model.user.config("user"), "item": model.item.config("item")}}
    publish(out_dir, config, state)


MODEL_FILES = {"model.json", "model.safetensors"}


def fresh_dir(path):
    """Empties a directory that a command writes whole (a fixture: model, rows, outputs)."""
    shutil.rmtree(path, ignore_errors=True)
    return path


def publish(out_dir, config, state, check=None):
    """Writes model.json and model.safetensors into out_dir, both or neither: they are written in
    a new directory beside it, checked by check(dir) when given, then swapped in by renames."""
    out_dir = os.path.abspath(out_dir)
    others = sorted(set(os.listdir(out_dir)) - MODEL_FILES) if os.path.isdir(out_dir) else []
    if others:
        raise ExportError(f"{out_dir} holds other files than a model's ({', '.join(others[:3])}...); "
                          "give a new directory or one that holds only model.json and model.safetensors")
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out_dir) + ".", dir=parent)
    try:
        write_safetensors(os.path.join(tmp, "model.safetensors"), state)
        with open(os.path.join(tmp, "model.json"), "w") as out:
            json.dump(config, out, indent=2, ensure_ascii=False)
            out.write("\n")
        if check is not None:
            check(tmp)
        if os.path.isdir(out_dir):
            old = tmp + ".old"
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ---------------------------------------------------------------- a team's own module

class ExportError(Exception):
    """A refusal with a one-line message naming the bad value; the command prints it and exits 1."""


SCALAR = "a one-element tensor, [] or [1]"


def needed_tensors(config):
    """Every tensor a model.json names, with the shape it needs: {name: (where, shape)}; a shape
    holds None for a size fixed by the tensor itself (SENet's hidden width), or is SCALAR."""
    need = {}

    def add(where, name, shape):
        if name is None:
            raise ExportError(f"{where} names no tensor")
        need.setdefault(name, []).append((where, shape))

    def layers(where, cfgs, width):
        for i, c in enumerate(cfgs):
            at, units = f"{where}[{i}]", c.get("units")
            if not isinstance(units, int) or units <= 0:
                raise ExportError(f"{at} has units {units!r}; it must be a positive integer")
            add(at, f"{c.get('linear')}.weight", [units, width])
            if c.get("bias", True):
                add(at, f"{c.get('linear')}.bias", [units])
            if c.get("batch_norm"):
                for k in ("weight", "bias", "running_mean", "running_var"):
                    add(at, f"{c['batch_norm']}.{k}", [units])
            if c.get("layer_norm"):
                for k in ("weight", "bias"):
                    add(at, f"{c['layer_norm']}.{k}", [units])
            if c.get("prelu"):
                add(at, c["prelu"], ("prelu", units))
            width = units
        return width

    for tname in ("user", "item"):
        t = config.get("towers", {}).get(tname)
        if t is None:
            raise ExportError(f"towers.{tname} is missing")
        width = 0
        for i, f in enumerate(t.get("features", [])):
            at = f"towers.{tname}.features[{i}] ({f.get('name')})"
            rows = {"id": lambda: f.get("buckets"), "numeric": lambda: len(f.get("boundaries") or []) + 1,
                    "categorical": lambda: len(f.get("vocabulary", [])) + 1}.get(f.get("type"), lambda: None)()
            if rows is None:
                raise ExportError(f"{at} has type {f.get('type')!r}; expected id, numeric or categorical")
            if f.get("embedding") is not None or f.get("type") != "numeric" or f.get("raw") is None:
                add(at, f.get("embedding"), [rows, f.get("dim")])  # a raw numeric may have none
            width += f.get("dim", 0) + (1 if f.get("raw") is not None else 0)
        if t.get("senet"):
            sn, at, n = t["senet"], f"towers.{tname}.senet", len(t.get("features", []))
            add(at, f"{sn.get('fc1')}.weight", [None, n])
            add(at, f"{sn.get('fc2')}.weight", [n, None])
            if sn.get("bias", True):
                add(at, f"{sn.get('fc1')}.bias", [None])
                add(at, f"{sn.get('fc2')}.bias", [n])
        width = layers(f"towers.{tname}.layers", t.get("layers", []), width)
        for h, head in enumerate(t.get("heads", [])):
            at = f"towers.{tname}.heads[{h}]"
            layers(at + ".layers", head.get("layers", []), width)
            for k in ("temperature_tensor", "logit_scale"):
                if head.get(k):
                    add(at, head[k], SCALAR)
    return need


def shape_fits(shape, want):
    if want == SCALAR:
        return shape in ([], [1])
    if isinstance(want, tuple):  # prelu: one slope, or one per unit
        return shape in ([1], [want[1]])
    return len(shape) == len(want) and all(w is None or w == s for s, w in zip(shape, want))


def shape_text(want):
    if want == SCALAR:
        return SCALAR
    if isinstance(want, tuple):
        return f"[1] or [{want[1]}]"
    return "[" + ", ".join("*" if w is None else str(w) for w in want) + "]"


def check_against(need, state, source):
    """Every needed tensor present, floating and of its shape; else one error naming them all."""
    errors = []
    for name, uses in need.items():
        for where, want in uses:
            t = state.get(name)
            if t is None:
                close = difflib.get_close_matches(name, list(state), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                errors.append(f"{where}: tensor '{name}' is not in {source}{hint}")
            elif not t.is_floating_point():
                errors.append(f"{where}: tensor '{name}' is {t.dtype}, not a float tensor")
            elif not shape_fits(list(t.shape), want):
                errors.append(f"{where}: tensor '{name}' has shape {list(t.shape)} but the config needs "
                              f"{shape_text(want)}")
    if errors:
        raise ExportError(f"{len(errors)} tensor(s) missing or mismatched:\n  " + "\n  ".join(errors))


def load_state_dict(path):
    """A state_dict from a torch.save'd state_dict, module or checkpoint dict, or a .safetensors."""
    if not os.path.isfile(path):
        raise ExportError(f"{path}: no such file")
    with open(path, "rb") as f:
        head = f.read(8)
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    if head[:4] != b"PK\x03\x04" and head[:1] != b"\x80":
        raise ExportError(f"{path}: neither a torch.save file nor .safetensors")
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ExportError(f"{path}: holds a {type(obj).__name__}, not a state_dict, a module or a "
                          "checkpoint with a 'state_dict'")
    return dict(obj)


SAFETENSORS_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
                      "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    if n > len(data) - 8:
        raise ExportError(f"{path}: bad safetensors header length {n}")
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] not in SAFETENSORS_DTYPES:
            continue  # a dtype no tower reads; naming it would fail the check
        b, end = e["data_offsets"]
        raw = bytearray(data[8 + n + b:8 + n + end])
        dt = SAFETENSORS_DTYPES[e["dtype"]]
        t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"])
    return out


def from_state_dict(config, state, out_dir, dtype="F32", check=None, source="the state_dict"):
    """Exports the tensors config names from state; floats (F64 too) stored as dtype. A key named
    by several layers is stored once. check(dir), when given, runs before the export is published."""
    if config.get("format") != "quiver-tower" or config.get("version") != 1:
        raise ExportError("the spec is not a model.json: it needs \"format\": \"quiver-tower\", "
                          "\"version\": 1 (docs/TOWER.md)")
    need = needed_tensors(config)
    check_against(need, state, source)
    tensors = {name: state[name].detach().to(DTYPES[dtype]) for name in need}
    publish(out_dir, config, tensors, check)


def rows_of(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def quiver_embed(quiver, model_dir, tower, rows_path, work):
    out = os.path.join(work, f"{tower}.npy")
    r = subprocess.run([quiver, "embed", "--model", model_dir, "--tower", tower, "--input", rows_path,
                        "--out", out], capture_output=True, text=True)
    if r.returncode != 0:
        raise ExportError(f"./quiver embed --tower {tower} failed: {r.stderr.strip() or r.stdout.strip()}")
    return np.load(out)


def head_widths(model_dir, tower, width):
    """Each head's (name, floats) as the exported model.json gives them: its last layer's units,
    else the shared layers'; a row of the tower's output holds the heads side by side."""
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as f:
        t = json.load(f)["towers"][tower]
    trunk = t["layers"][-1]["units"] if t.get("layers") else None
    heads = [(h["name"], h["layers"][-1]["units"] if h.get("layers") else trunk) for h in t["heads"]]
    if any(d is None for _, d in heads):  # heads straight on the input: as wide as each other
        heads = [(name, width // len(heads)) for name, _ in heads]
    return heads


def module_rows(out):
    """A module's output as [B, floats]: [B, dim], [B, heads, dim], [B, width] or a list of [B, dim_h]."""
    if isinstance(out, (list, tuple)):
        out = torch.cat([t.reshape(t.shape[0], -1) for t in out], dim=1)
    out = out.float().numpy()
    return out.reshape(out.shape[0], -1)


def checker(target, rows, quiver, state, tolerance=1e-5):
    """check(dir) for publish: the team's module (MODULE:FACTORY; the factory returns it, and its
    embed_user(rows) / embed_item(rows) give [B, dim], [B, heads, dim], or for heads of different
    sizes [B, sum of dims] or a list of [B, dim_h]) against ./quiver embed, head by head."""
    module_name, _, factory = target.partition(":")
    sys.path.insert(0, os.getcwd())
    model = getattr(importlib.import_module(module_name), factory or "model")()
    if isinstance(model, nn.Module):
        model.load_state_dict(state)
        model.eval()

    def check(model_dir):
        with tempfile.TemporaryDirectory() as work:
            for tower, path in zip(("user", "item"), rows):
                with torch.no_grad():
                    want = module_rows(getattr(model, f"embed_{tower}")(rows_of(path)))
                got = quiver_embed(quiver, model_dir, tower, path, work).reshape(want.shape[0], -1)
                if got.shape != want.shape:
                    raise ExportError(f"{tower} tower: the module gives {want.shape[1]} floats per row, "
                                      f"the exported model {got.shape[1]}")
                check_heads(tower, path, head_widths(model_dir, tower, want.shape[1]), got, want, tolerance)
    return check


def check_heads(tower, path, heads, got, want, tolerance):
    """Fails naming the head and row of the largest relative difference above the tolerance."""
    worst, at = -1.0, None
    start = 0
    for name, d in heads:
        g, w = got[:, start:start + d], want[:, start:start + d]
        err = np.linalg.norm(g - w, axis=1) / np.maximum(np.linalg.norm(w, axis=1), 1e-30)
        r = int(err.argmax())
        if err[r] > worst:
            worst, at = float(err[r]), (name, r)
        start += d
    name, r = at
    print(f"{tower}: {len(want)} rows, largest relative difference {worst:.2e} (row {r + 1}, head '{name}')")
    if worst > tolerance:
        raise ExportError(f"{tower} tower head '{name}' differs from the module on row {r + 1} of {path}: "
                          f"relative difference {worst:.2e} > {tolerance:g}")


def from_state_dict_command(a):
    with open(a.spec, encoding="utf-8") as f:
        try:
            config = json.load(f)
        except json.JSONDecodeError as e:
            raise ExportError(f"{a.spec}: not JSON: {e}")
    state = load_state_dict(a.state_dict)
    check = None
    if a.check:
        rows = a.rows.split(",") if a.rows else []
        if len(rows) != 2:
            raise ExportError("--check needs --rows USER.jsonl,ITEM.jsonl")
        check = checker(a.check, rows, a.quiver, state)
    from_state_dict(config, state, a.out, a.dtype, check, a.state_dict)
    print(f"wrote {a.out}/model.json and model.safetensors ({len(needed_tensors(config))} tensors)")


def randomize(model, seed):
    """Gives batch-norms non-trivial statistics, as a trained model has."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            elif isinstance(m, nn.Embedding):
                m.weight.mul_(0.3)
    model.eval()


# ---------------------------------------------------------------- fixtures

VOCAB = ["us", "fr", "de", "jp", "br", "in", "cn", "gb"]
GENRES = ["news", "sport", "music", "games", "food", "travel"]
ID_STRINGS = ["u-17", "ユーザー7", "emoji-😀", "Ünïcödé", "", "9223372036854775807", "-5", "0"]


def random_id(rnd):
    r = rnd.random()
    if r < 0.45:
        return rnd.randrange(-10**12, 10**15)
    if r < 0.55:
        return rnd.choice(ID_STRINGS)
    return f"id-{rnd.randrange(10**6)}"


def random_value(f, rnd, missing=True):
    """A raw value for feature f: sometimes missing (absent or null), sometimes out of vocabulary."""
    r = rnd.random()
    if missing and r < 0.06:
        return "absent"
    if missing and r < 0.12:
        return None
    if f["type"] == "id":
        if f.get("multi_valued"):
            return [random_id(rnd) for _ in range(rnd.randrange(0, 7))]
        return random_id(rnd)
    if f["type"] == "numeric":
        b = f["boundaries"]
        if rnd.random() < 0.2:
            return rnd.choice(b)
        return round(rnd.uniform(b[0] - 2, b[-1] + 2), 4)
    if rnd.random() < 0.2:
        return rnd.choice(["xx", "US", "zz-top"])
    return rnd.choice(f["vocabulary"])


def requests(spec, n, rnd, missing=True):
    rows = []
    for _ in range(n):
        row = {}
        for f in spec["features"]:
            v = random_value(f, rnd, missing)
            if v != "absent":
                row[f["name"]] = v
        rows.append(row)
    return rows


def basic_specs():
    user = {"features": [
        {"name": "user_id", "type": "id", "buckets": 997, "dim": 8},
        {"name": "age", "type": "numeric", "boundaries": [18, 25, 35, 50, 65], "dim": 4,
         "raw": {"mean": 38.0, "std": 12.5}},
        {"name": "country", "type": "categorical", "vocabulary": VOCAB, "dim": 4}],
        "layers": [{"units": 32, "batch_norm": True, "activation": "relu"}, {"units": 16, "activation": "relu"}],
        "heads": [{"name": "default", "layers": [{"units": 8}], "temperature": 0.05}]}
    item = {"features": [
        {"name": "item_id", "type": "id", "buckets": 1009, "dim": 8},
        {"name": "price", "type": "numeric", "boundaries": [1.0, 5.0, 20.0, 100.0], "dim": 4},
        {"name": "genre", "type": "categorical", "vocabulary": GENRES, "dim": 4}],
        "layers": [{"units": 24, "activation": "relu"}, {"units": 8}],
        "heads": [{"name": "default"}]}
    return user, item


def rich_specs():
    user = {"features": [
        {"name": "user_id", "type": "id", "buckets": 499, "dim": 8, "missing_bucket": 0},
        {"name": "clicks", "type": "id", "buckets": 1013, "dim": 8, "multi_valued": True, "pooling": "mean"},
        {"name": "tags", "type": "id", "buckets": 64, "dim": 8, "multi_valued": True, "pooling": "sum",
         "missing_bucket": 3},
        {"name": "age", "type": "numeric", "boundaries": [18, 25, 35, 50, 65], "dim": 8, "missing_bucket": 0,
         "raw": {"mean": 38.0, "std": 12.5}},
        {"name": "country", "type": "categorical", "vocabulary": VOCAB, "dim": 8, "missing_bucket": 0}],
        "senet": {"hidden": 3},
        "layers": [{"units": 48, "batch_norm": True, "activation": "leaky_relu", "negative_slope": 0.1},
                   {"units": 32, "activation": "tanh"}],
        "heads": [{"name": "click", "layers": [{"units": 24, "activation": "silu"}, {"units": 16}],
                   "temperature": 0.07},
                  {"name": "like", "layers": [{"units": 16, "bias": False}], "temperature": 0.5},
                  {"name": "follow", "layers": [{"units": 16}], "l2_normalize": False}]}
    item = {"features": [
        {"name": "item_id", "type": "id", "buckets": 1021, "dim": 8},
        {"name": "authors", "type": "id", "buckets": 97, "dim": 8, "multi_valued": True, "pooling": "sum"},
        {"name": "price", "type": "numeric", "boundaries": [1.0, 5.0, 20.0, 100.0], "dim": 8},
        {"name": "genre", "type": "categorical", "vocabulary": GENRES, "dim": 8}],
        "senet": {"hidden": 2, "activation": "relu", "gate": "relu"},
        "layers": [{"units": 40, "batch_norm": True, "activation": "sigmoid"}],
        "heads": [{"name": "click", "layers": [{"units": 16}]},
                  {"name": "like", "layers": [{"units": 16, "activation": "relu"}]},
                  {"name": "follow", "layers": [{"units": 16}], "temperature": 2.0}]}
    return user, item


def fixture(out_dir, specs, dtype, seed, n):
    torch.manual_seed(seed)
    rnd = random.Random(seed)
    model = TwoTower(*specs)
    randomize(model, seed)
    export(model, fresh_dir(out_dir), dtype)
    expected = {}
    with torch.no_grad():
        for name, tower, spec in (("user", model.user, specs[0]), ("item", model.item, specs[1])):
            rows = requests(spec, n, rnd)
            with open(os.path.join(out_dir, f"{name}.jsonl"), "w") as out:
                for row in rows:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
            expected[name] = tower(rows)
    write_safetensors(os.path.join(out_dir, "expected.safetensors"), expected)


def fixtures(out):
    fixture(os.path.join(out, "basic"), basic_specs(), "F32", 1, 200)
    fixture(os.path.join(out, "rich"), rich_specs(), "F32", 2, 300)
    fixture(os.path.join(out, "half"), basic_specs(), "F16", 3, 100)
    fixture(os.path.join(out, "bf16"), rich_specs(), "BF16", 4, 100)
    samples = ID_STRINGS + ["a", "abc", "Hello, World!", "\u00e9\u4e16\U0001F600"]
    ints = [0, 1, -1, 42, 10**15, -(2**63), 2**63 - 1]
    hashes = [{"value": v, "hash": str(feature_hash(v))} for v in samples + ints]
    with open(os.path.join(out, "hashes.json"), "w") as f:
        json.dump(hashes, f, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------- benchmark model

def bench_specs():
    rnd = random.Random(7)
    ids = [{"name": f"id{i}", "type": "id", "buckets": 1_000_000 if i == 0 else 50_000, "dim": 32}
           for i in range(8)]
    nums = [{"name": f"num{i}", "type": "numeric", "dim": 8,
             "boundaries": sorted(rnd.sample(range(-100, 100), 15))} for i in range(16)]
    for f in nums:
        f["boundaries"] = [float(b) for b in f["boundaries"]]
    cats = [{"name": f"cat{i}", "type": "categorical", "dim": 8,
             "vocabulary": [f"v{j}" for j in range(40)]} for i in range(4)]
    user = {"features": ids + nums + cats,
            "layers": [{"units": 512, "activation": "relu"}, {"units": 256, "activation": "relu"}],
            "heads": [{"name": "default", "layers": [{"units": 64}]}]}
    item = {"features": [{"name": "item_id", "type": "id", "buckets": 1000, "dim": 32}],
            "layers": [{"units": 64}], "heads": [{"name": "default"}]}
    return user, item


class OnnxUserTower(nn.Module):
    """The user tower on pre-resolved table rows: ids [B, 8], numerics [B, 16] raw, categories [B, 4]."""

    def __init__(self, tower):
        super().__init__()
        self.tower = tower
        feats = tower.features
        self.ids = [f["name"] for f in feats if f["type"] == "id"]
        self.nums = [f["name"] for f in feats if f["type"] == "numeric"]
        self.cats = [f["name"] for f in feats if f["type"] == "categorical"]
        self.bounds = [torch.tensor(f["boundaries"]) for f in feats if f["type"] == "numeric"]

    def forward(self, ids, numerics, categories):
        emb = self.tower.embeddings
        parts = [emb[n](ids[:, i]) for i, n in enumerate(self.ids)]
        for i, n in enumerate(self.nums):
            b = (numerics[:, i:i + 1] >= self.bounds[i]).sum(dim=1)
            parts.append(emb[n](b))
        parts += [emb[n](categories[:, i]) for i, n in enumerate(self.cats)]
        x = self.tower.mlp(torch.cat(parts, dim=1))
        y = self.tower.heads["default"](x)
        return F.normalize(y, dim=1)


def bench(out, n):
    torch.manual_seed(11)
    rnd = random.Random(11)
    specs = bench_specs()
    model = TwoTower(*specs)
    randomize(model, 11)
    export(model, fresh_dir(out))
    # No missing values: the ONNX graph, like most exported ones, has no notion of them.
    rows = requests(specs[0], n, rnd, missing=False)
    with open(os.path.join(out, "user.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    onnx_model = OnnxUserTower(model.user).eval()
    example = (torch.zeros(2, 8, dtype=torch.long), torch.zeros(2, 16), torch.zeros(2, 4, dtype=torch.long))
    with torch.no_grad():
        torch.onnx.export(onnx_model, example, os.path.join(out, "user_tower.onnx"),
                          input_names=["ids", "numerics", "categories"], output_names=["user"],
                          dynamic_axes={k: {0: "batch"} for k in ("ids", "numerics", "categories", "user")},
                          opset_version=17)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["fixtures", "bench", "from-state-dict"])
    p.add_argument("--out", required=True)
    p.add_argument("--rows", help="bench: requests to write (default 1024); from-state-dict --check: "
                                  "USER.jsonl,ITEM.jsonl")
    p.add_argument("--spec", help="from-state-dict: model.json naming the state_dict's keys")
    p.add_argument("--state-dict", help="from-state-dict: torch.save'd state_dict or module, or .safetensors")
    p.add_argument("--dtype", default="F32", choices=sorted(DTYPES), help="from-state-dict: stored float type")
    p.add_argument("--check", help="from-state-dict: MODULE:FACTORY giving the module to compare with")
    p.add_argument("--quiver", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "quiver"),
                   help="from-state-dict --check: the quiver launcher")
    a = p.parse_args()
    try:
        if a.command == "fixtures":
            fixtures(a.out)
        elif a.command == "bench":
            bench(a.out, int(a.rows or 1024))
        else:
            if not a.spec or not a.state_dict:
                raise ExportError("from-state-dict needs --spec and --state-dict")
            from_state_dict_command(a)
    except ExportError as e:
        print(f"export_tower.py: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
