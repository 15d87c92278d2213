#!/usr/bin/python3
"""Seven two-tower models written as a recommendation team writes them: plain nn.Modules with their
own names, featurisation and ops (nn.EmbeddingBag, torch.bucketize, LayerNorm, GELU, PReLU, ...),
not export_tower.TwoTower. Each is exported with export_tower's from-state-dict and a model.json
naming its state_dict keys, and its outputs on awkward rows (values on bucket boundaries, empty
bags, unknown categories, missing features, non-ASCII ids) are kept for PyTorchParityTest.

  /usr/bin/python3 tower-runtime/src/test/python/team_models.py --out tower-runtime/src/test/resources/tower/team

Each module also has embed_user(rows) / embed_item(rows), the form export_tower.py's --check
takes (e.g. --check team_models:SenetModel with this directory on PYTHONPATH).
"""
import argparse
import json
import math
import os
import random
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import export_tower as ex  # noqa: E402

COUNTRIES = ["us", "fr", "de", "jp", "br"]
GENRES = ["news", "sport", "music", "games"]


# ---------------------------------------------------------------- featurisation, as the team does it

def id_bags(rows, name, buckets):
    """Hashed ids (export_tower.bucket, Quiver's FeatureHash) and offsets for nn.EmbeddingBag;
    a missing value or an empty list is an empty bag."""
    idx, offsets = [], []
    for r in rows:
        offsets.append(len(idx))
        v = r.get(name)
        for x in [] if v is None else v if isinstance(v, list) else [v]:
            idx.append(ex.bucket(x, buckets))
    return torch.tensor(idx, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)


def bag_sizes(rows, name):
    return torch.tensor([float(len(r.get(name) or [])) for r in rows])


def numbers(rows, name):
    """float32 values (0 where missing) and whether each is present."""
    vals = [r.get(name) for r in rows]
    x = torch.tensor([0.0 if v is None else float(v) for v in vals], dtype=torch.float32)
    return x, torch.tensor([v is not None for v in vals])


def categories(rows, name, vocabulary):
    """Row i + 1 for vocabulary[i], 0 for an unknown value; and whether each is present."""
    vals = [r.get(name) for r in rows]
    idx = torch.tensor([vocabulary.index(v) + 1 if v in vocabulary else 0 for v in vals])
    return idx, torch.tensor([v is not None for v in vals])


def masked(e, present):
    """Zeros where the value is missing (a feature without missing_bucket)."""
    return e * present.unsqueeze(1).to(e.dtype)


class TeamModel(nn.Module):
    """Gives [B, heads, dim] per tower, whatever form the forward pass takes."""

    def embed_user(self, rows):
        return self.heads3(self.user_vectors(rows))

    def embed_item(self, rows):
        return self.heads3(self.item_vectors(rows))

    @staticmethod
    def heads3(out):
        """[B, heads, dim]; heads of different dimensions side by side, [B, sum of dims]."""
        if isinstance(out, (list, tuple)):
            if len({t.shape[1] for t in out}) > 1:
                return torch.cat(list(out), dim=1)
            return torch.stack(list(out), dim=1)
        return out.unsqueeze(1)


# ---------------------------------------------------------------- 1. classic DSSM

class ClassicDssm(TeamModel):
    AGE = [18.0, 25.0, 35.0, 50.0, 65.0]
    PRICE = [1.0, 5.0, 20.0, 100.0]

    def __init__(self):
        super().__init__()
        self.user_id_emb = nn.EmbeddingBag(101, 8, mode="sum")
        self.clicks_emb = nn.EmbeddingBag(211, 8, mode="mean")
        self.age_emb = nn.Embedding(len(self.AGE) + 1, 8)
        self.country_emb = nn.Embedding(len(COUNTRIES) + 1, 8)
        self.user_mlp = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 16))
        self.item_id_emb = nn.EmbeddingBag(307, 8, mode="sum")
        self.genre_emb = nn.Embedding(len(GENRES) + 1, 8)
        self.price_emb = nn.Embedding(len(self.PRICE) + 1, 8)
        self.item_mlp = nn.Sequential(nn.Linear(25, 32), nn.ReLU(), nn.Linear(32, 16))
        self.register_buffer("age_bounds", torch.tensor(self.AGE))
        self.register_buffer("price_bounds", torch.tensor(self.PRICE))

    def user_vectors(self, rows):
        age, has_age = numbers(rows, "age")
        age_idx = torch.where(has_age, torch.bucketize(age, self.age_bounds), torch.zeros_like(has_age, dtype=torch.long))
        country, has_country = categories(rows, "country", COUNTRIES)
        x = torch.cat([self.user_id_emb(*id_bags(rows, "user_id", 101)),
                       self.clicks_emb(*id_bags(rows, "clicks", 211)),
                       self.age_emb(age_idx),
                       masked(self.country_emb(country), has_country)], dim=1)
        return F.normalize(self.user_mlp(x), dim=1) / 0.05

    def item_vectors(self, rows):
        price, has_price = numbers(rows, "price")
        genre, _ = categories(rows, "genre", GENRES)  # missing is unknown: row 0, missing_bucket 0
        raw = torch.where(has_price, (price - 20.0) / 30.0, torch.zeros_like(price))
        x = torch.cat([self.item_id_emb(*id_bags(rows, "item_id", 307)),
                       self.genre_emb(genre),
                       masked(self.price_emb(torch.bucketize(price, self.price_bounds)), has_price),
                       raw.unsqueeze(1)], dim=1)
        return F.normalize(self.item_mlp(x), dim=1)

    spec = {"format": "quiver-tower", "version": 1, "towers": {
        "user": {
            "features": [
                {"name": "user_id", "type": "id", "embedding": "user_id_emb.weight", "dim": 8, "buckets": 101},
                {"name": "clicks", "type": "id", "embedding": "clicks_emb.weight", "dim": 8, "buckets": 211,
                 "multi_valued": True, "pooling": "mean"},
                {"name": "age", "type": "numeric", "embedding": "age_emb.weight", "dim": 8,
                 "boundaries": AGE, "missing_bucket": 0},
                {"name": "country", "type": "categorical", "embedding": "country_emb.weight", "dim": 8,
                 "vocabulary": COUNTRIES}],
            "layers": [{"linear": "user_mlp.0", "units": 32, "activation": "relu"},
                       {"linear": "user_mlp.2", "units": 16}],
            "heads": [{"name": "default", "temperature": 0.05}]},
        "item": {
            "features": [
                {"name": "item_id", "type": "id", "embedding": "item_id_emb.weight", "dim": 8, "buckets": 307},
                {"name": "genre", "type": "categorical", "embedding": "genre_emb.weight", "dim": 8,
                 "vocabulary": GENRES, "missing_bucket": 0},
                {"name": "price", "type": "numeric", "embedding": "price_emb.weight", "dim": 8,
                 "boundaries": PRICE, "raw": {"mean": 20.0, "std": 30.0}}],
            "layers": [{"linear": "item_mlp.0", "units": 32, "activation": "relu"},
                       {"linear": "item_mlp.2", "units": 16}],
            "heads": [{"name": "default"}]}}}


# ---------------------------------------------------------------- 2. share-bottom, per-objective tops

class ShareBottom(TeamModel):
    INCOME = [0.0, 2.0, 4.0, 6.0, 8.0]  # of log1p(income)

    def __init__(self):
        super().__init__()
        self.u_id = nn.EmbeddingBag(97, 8, mode="sum")
        self.u_tags = nn.EmbeddingBag(53, 8, mode="sum")  # divided by sqrt(n): TF's sqrtn combiner
        self.u_income = nn.Embedding(len(self.INCOME) + 1, 8)
        self.user_bottom = nn.Sequential(nn.Linear(25, 32), nn.LayerNorm(32), nn.GELU(),
                                         nn.Linear(32, 24), nn.ReLU())
        self.user_tops = nn.ModuleDict({
            "click": nn.Sequential(nn.Linear(24, 16), nn.PReLU(16), nn.Linear(16, 8)),
            "like": nn.Sequential(nn.Linear(24, 8), nn.PReLU())})
        self.click_temperature = nn.Parameter(torch.tensor(0.1))
        self.i_id = nn.EmbeddingBag(131, 8, mode="sum")
        self.i_country = nn.Embedding(len(COUNTRIES) + 1, 8)
        self.item_bottom = nn.Sequential(nn.Linear(16, 24), nn.LayerNorm(24, eps=1e-6), nn.GELU())
        self.item_tops = nn.ModuleDict({"click": nn.Linear(24, 8), "like": nn.Linear(24, 8)})
        self.register_buffer("income_bounds", torch.tensor(self.INCOME))

    def user_vectors(self, rows):
        income, has = numbers(rows, "income")
        income = torch.log1p(income)
        n = bag_sizes(rows, "tags")
        tags = self.u_tags(*id_bags(rows, "tags", 53)) / n.clamp(min=1).sqrt().unsqueeze(1)
        x = torch.cat([self.u_id(*id_bags(rows, "user_id", 97)), tags,
                       masked(self.u_income(torch.bucketize(income, self.income_bounds)), has),
                       torch.where(has, income, torch.zeros_like(income)).unsqueeze(1)], dim=1)
        h = self.user_bottom(x)
        click = F.normalize(self.user_tops["click"](h), dim=1) / self.click_temperature
        like = F.normalize(self.user_tops["like"](h), dim=1) / 0.2
        return [click, like]

    def item_vectors(self, rows):
        country, has = categories(rows, "country", COUNTRIES)
        h = self.item_bottom(torch.cat([self.i_id(*id_bags(rows, "item_id", 131)),
                                        masked(self.i_country(country), has)], dim=1))
        return [F.normalize(self.item_tops[k](h), dim=1) for k in ("click", "like")]

    spec = {"format": "quiver-tower", "version": 1, "towers": {
        "user": {
            "features": [
                {"name": "user_id", "type": "id", "embedding": "u_id.weight", "dim": 8, "buckets": 97},
                {"name": "tags", "type": "id", "embedding": "u_tags.weight", "dim": 8, "buckets": 53,
                 "multi_valued": True, "pooling": "sqrtn"},
                {"name": "income", "type": "numeric", "embedding": "u_income.weight", "dim": 8,
                 "transform": [{"op": "log1p"}], "boundaries": INCOME, "raw": {}}],
            "layers": [{"linear": "user_bottom.0", "units": 32, "layer_norm": "user_bottom.1",
                        "activation": "gelu"},
                       {"linear": "user_bottom.3", "units": 24, "activation": "relu"}],
            "heads": [
                {"name": "click", "layers": [
                    {"linear": "user_tops.click.0", "units": 16, "activation": "prelu",
                     "prelu": "user_tops.click.1.weight"},
                    {"linear": "user_tops.click.2", "units": 8}],
                 "temperature_tensor": "click_temperature"},
                {"name": "like", "layers": [
                    {"linear": "user_tops.like.0", "units": 8, "activation": "prelu",
                     "prelu": "user_tops.like.1.weight"}],
                 "temperature": 0.2}]},
        "item": {
            "features": [
                {"name": "item_id", "type": "id", "embedding": "i_id.weight", "dim": 8, "buckets": 131},
                {"name": "country", "type": "categorical", "embedding": "i_country.weight", "dim": 8,
                 "vocabulary": COUNTRIES}],
            "layers": [{"linear": "item_bottom.0", "units": 24, "layer_norm": "item_bottom.1",
                        "layer_norm_eps": 1e-6, "activation": "gelu"}],
            "heads": [{"name": "click", "layers": [{"linear": "item_tops.click", "units": 8}]},
                      {"name": "like", "layers": [{"linear": "item_tops.like", "units": 8}]}]}}}


# ---------------------------------------------------------------- 3. share-bottom and a DNN shared by both towers

class SharedDnn(TeamModel):
    AGE = [18.0, 30.0, 45.0, 60.0]  # of age clipped to [0, 80]
    PRICE = [-1.0, 0.0, 1.0, 2.0]  # of (price - 10) / 4

    def __init__(self):
        super().__init__()
        self.user_id = nn.EmbeddingBag(89, 8, mode="sum")
        self.history = nn.EmbeddingBag(149, 8, mode="max")
        self.age = nn.Embedding(len(self.AGE) + 1, 8)
        self.user_bottom = nn.Sequential(nn.Linear(24, 16), nn.ELU(alpha=0.5))
        self.item_id = nn.EmbeddingBag(173, 8, mode="sum")
        self.price = nn.Embedding(len(self.PRICE) + 1, 8)
        self.item_bottom = nn.Sequential(nn.Linear(17, 16), nn.ELU(alpha=0.5))
        self.shared = nn.Sequential(nn.Linear(16, 16), nn.Hardswish(), nn.Linear(16, 8))
        self.register_buffer("age_bounds", torch.tensor(self.AGE))
        self.register_buffer("price_bounds", torch.tensor(self.PRICE))

    def user_vectors(self, rows):
        age, has = numbers(rows, "age")
        bucket = torch.bucketize(age.clamp(0.0, 80.0), self.age_bounds, right=True)
        x = torch.cat([self.user_id(*id_bags(rows, "user_id", 89)),
                       self.history(*id_bags(rows, "history", 149)),
                       masked(self.age(bucket), has)], dim=1)
        return F.normalize(self.shared(self.user_bottom(x)), dim=1) / 0.1

    def item_vectors(self, rows):
        price, has = numbers(rows, "price")
        z = (price - 10.0) / 4.0
        x = torch.cat([self.item_id(*id_bags(rows, "item_id", 173)),
                       masked(self.price(torch.bucketize(z, self.price_bounds)), has),
                       torch.where(has, z, torch.zeros_like(z)).unsqueeze(1)], dim=1)
        return F.normalize(self.shared(self.item_bottom(x)), dim=1)

    SHARED = [{"linear": "shared.0", "units": 16, "activation": "hardswish"}, {"linear": "shared.2", "units": 8}]
    spec = {"format": "quiver-tower", "version": 1, "towers": {
        "user": {
            "features": [
                {"name": "user_id", "type": "id", "embedding": "user_id.weight", "dim": 8, "buckets": 89},
                {"name": "history", "type": "id", "embedding": "history.weight", "dim": 8, "buckets": 149,
                 "multi_valued": True, "pooling": "max"},
                {"name": "age", "type": "numeric", "embedding": "age.weight", "dim": 8,
                 "transform": [{"op": "clip", "min": 0, "max": 80}], "boundaries": AGE, "right": True}],
            "layers": [{"linear": "user_bottom.0", "units": 16, "activation": "elu", "alpha": 0.5}] + SHARED,
            "heads": [{"name": "default", "temperature": 0.1}]},
        "item": {
            "features": [
                {"name": "item_id", "type": "id", "embedding": "item_id.weight", "dim": 8, "buckets": 173},
                {"name": "price", "type": "numeric", "embedding": "price.weight", "dim": 8,
                 "transform": [{"op": "standardize", "mean": 10, "std": 4}], "boundaries": PRICE, "raw": {}}],
            "layers": [{"linear": "item_bottom.0", "units": 16, "activation": "elu", "alpha": 0.5}] + SHARED,
            "heads": [{"name": "default"}]}}}


# ---------------------------------------------------------------- 4. user multi-head, one item head

class UserMultiHead(TeamModel):
    AGE = [18.0, 25.0, 35.0, 50.0]

    def __init__(self):
        super().__init__()
        self.emb = nn.ModuleDict({"user_id": nn.EmbeddingBag(113, 8, mode="sum"),
                                  "clicks": nn.EmbeddingBag(199, 8, mode="sum"),
                                  "age": nn.Embedding(len(self.AGE) + 1, 4),
                                  "item_id": nn.EmbeddingBag(211, 8, mode="sum"),
                                  "genre": nn.Embedding(len(GENRES) + 1, 4)})
        self.user_net = nn.Sequential(nn.Linear(20, 32), nn.GELU(approximate="tanh"))
        self.user_heads = nn.ModuleList([nn.Linear(32, 8) for _ in range(3)])
        self.item_net = nn.Sequential(nn.Linear(12, 32), nn.GELU(approximate="tanh"), nn.Linear(32, 8))
        self.register_buffer("age_bounds", torch.tensor(self.AGE))

    def user_vectors(self, rows):
        age, has = numbers(rows, "age")
        idx = torch.where(has, torch.bucketize(age, self.age_bounds), torch.full_like(age, 2, dtype=torch.long))
        x = torch.cat([self.emb["user_id"](*id_bags(rows, "user_id", 113)),
                       self.emb["clicks"](*id_bags(rows, "clicks", 199)),
                       self.emb["age"](idx)], dim=1)
        h = self.user_net(x)
        return [F.normalize(head(h), dim=1) for head in self.user_heads]

    def item_vectors(self, rows):
        genre, has = categories(rows, "genre", GENRES)
        x = torch.cat([self.emb["item_id"](*id_bags(rows, "item_id", 211)),
                       masked(self.emb["genre"](genre), has)], dim=1)
        return F.normalize(self.item_net(x), dim=1)

    spec = {"format": "quiver-tower", "version": 1, "towers": {
        "user": {
            "features": [
                {"name": "user_id", "type": "id", "embedding": "emb.user_id.weight", "dim": 8, "buckets": 113},
                {"name": "clicks", "type": "id", "embedding": "emb.clicks.weight", "dim": 8, "buckets": 199,
                 "multi_valued": True},
                {"name": "age", "type": "numeric", "embedding": "emb.age.weight", "dim": 4,
                 "boundaries": AGE, "missing_bucket": 2}],
            "layers": [{"linear": "user_net.0", "units": 32, "activation": "gelu_tanh"}],
            "heads": [{"name": name, "layers": [{"linear": f"user_heads.{i}", "units": 8}]}
                      for i, name in enumerate(["click", "like", "follow"])]},
        "item": {
            "features": [
                {"name": "item_id", "type": "id", "embedding": "emb.item_id.weight", "dim": 8, "buckets": 211},
                {"name": "genre", "type": "categorical", "embedding": "emb.genre.weight", "dim": 4,
                 "vocabulary": GENRES}],
            "layers": [{"linear": "item_net.0", "units": 32, "activation": "gelu_tanh"},
                       {"linear": "item_net.2", "units": 8}],
            "heads": [{"name": "default"}]}}}


# ---------------------------------------------------------------- 5. one user head, item multi-head

class ItemMultiHead(TeamModel):
    def __init__(self):
        super().__init__()
        self.user_id = nn.EmbeddingBag(127, 8, mode="sum")
        self.country = nn.Embedding(len(COUNTRIES) + 1, 8)
        self.user_tower = nn.Sequential(nn.Linear(16, 24), nn.SiLU(), nn.Linear(24, 8))
        self.logit_scale = nn.Parameter(torch.tensor([math.log(1 / 0.07)]))
        self.item_id = nn.EmbeddingBag(251, 8, mode="sum")
        self.authors = nn.EmbeddingBag(61, 8, mode="mean")
        self.item_trunk = nn.Sequential(nn.Linear(17, 24), nn.ReLU())
        self.item_heads = nn.ModuleDict({"click": nn.Linear(24, 8), "buy": nn.Linear(24, 8)})

    def user_vectors(self, rows):
        country, has = categories(rows, "country", COUNTRIES)
        x = torch.cat([self.user_id(*id_bags(rows, "user_id", 127)), masked(self.country(country), has)], dim=1)
        return F.normalize(self.user_tower(x), dim=1) * self.logit_scale.exp()

    def item_vectors(self, rows):
        popularity, has = numbers(rows, "popularity")  # a raw input only: log1p of the clipped count
        popularity = torch.where(has, torch.log1p(popularity.clamp(0.0, 1000.0)), torch.zeros_like(popularity))
        x = torch.cat([self.item_id(*id_bags(rows, "item_id", 251)),
                       self.authors(*id_bags(rows, "authors", 61)), popularity.unsqueeze(1)], dim=1)
        h = self.item_trunk(x)
        return [F.normalize(self.item_heads[k](h), dim=1) for k in ("click", "buy")]

    spec = {"format": "quiver-tower", "version": 1, "towers": {
        "user": {
            "features": [
                {"name": "user_id", "type": "id", "embedding": "user_id.weight", "dim": 8, "buckets": 127},
                {"name": "country", "type": "categorical", "embedding": "country.weight", "dim": 8,
                 "vocabulary": COUNTRIES}],
            "layers": [{"linear": "user_tower.0", "units": 24, "activation": "silu"},
                       {"linear": "user_tower.2", "units": 8}],
            "heads": [{"name": "default", "logit_scale": "logit_scale"}]},
        "item": {
            "features": [
                {"name": "item_id", "type": "id", "embedding": "item_id.weight", "dim": 8, "buckets": 251},
                {"name": "authors", "type": "id", "embedding": "authors.weight", "dim": 8, "buckets": 61,
                 "multi_valued": True, "pooling": "mean"},
                {"name": "popularity", "type": "numeric", "dim": 0, "raw": {},
                 "transform": [{"op": "clip", "min": 0, "max": 1000}, {"op": "log1p"}]}],
            "layers": [{"linear": "item_trunk.0", "units": 24, "activation": "relu"}],
            "heads": [{"name": "click", "layers": [{"linear": "item_heads.click", "units": 8}]},
                      {"name": "buy", "layers": [{"linear": "item_heads.buy", "units": 8}]}]}}}


# ---------------------------------------------------------------- 6. SENet on the field embeddings

class FieldSenet(nn.Module):
    def __init__(self, fields, hidden):
        super().__init__()
        self.squeeze = nn.Linear(fields, hidden)
        self.excite = nn.Linear(hidden, fields)

    def forward(self, fields):  # [B, F, dim]
        a = torch.sigmoid(self.excite(torch.relu(self.squeeze(fields.mean(dim=2)))))
        return fields * a.unsqueeze(2)


class SenetModel(TeamModel):
    HOUR = [6.0, 12.0, 18.0]

    def __init__(self):
        super().__init__()
        self.u_fields = nn.ModuleList([nn.EmbeddingBag(103, 8, mode="sum"), nn.EmbeddingBag(59, 8, mode="sum"),
                                       nn.Embedding(len(self.HOUR) + 1, 8)])
        self.u_senet = FieldSenet(3, 2)
        self.u_dnn = nn.Sequential(nn.Linear(24, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 8))
        self.i_fields = nn.ModuleList([nn.EmbeddingBag(199, 8, mode="sum"), nn.Embedding(len(GENRES) + 1, 8)])
        self.i_senet = FieldSenet(2, 2)
        self.i_dnn = nn.Sequential(nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 8))
        self.register_buffer("hour_bounds", torch.tensor(self.HOUR, dtype=torch.float64))

    def user_vectors(self, rows):
        hour, has = numbers(rows, "hour")
        e = torch.stack([self.u_fields[0](*id_bags(rows, "user_id", 103)),
                         self.u_fields[1](*id_bags(rows, "topics", 59)),
                         masked(self.u_fields[2](torch.bucketize(hour.double(), self.hour_bounds)), has)], dim=1)
        return F.normalize(self.u_dnn(self.u_senet(e).flatten(1)), dim=1)

    def item_vectors(self, rows):
        genre, _ = categories(rows, "genre", GENRES)
        e = torch.stack([self.i_fields[0](*id_bags(rows, "item_id", 199)), self.i_fields[1](genre)], dim=1)
        return F.normalize(self.i_dnn(self.i_senet(e).flatten(1)), dim=1)

    spec = {"format": "quiver-tower", "version": 1, "towers": {
        "user": {
            "features": [
                {"name": "user_id", "type": "id", "embedding": "u_fields.0.weight", "dim": 8, "buckets": 103},
                {"name": "topics", "type": "id", "embedding": "u_fields.1.weight", "dim": 8, "buckets": 59,
                 "multi_valued": True},
                {"name": "hour", "type": "numeric", "embedding": "u_fields.2.weight", "dim": 8, "boundaries": HOUR}],
            "senet": {"fc1": "u_senet.squeeze", "fc2": "u_senet.excite"},
            "layers": [{"linear": "u_dnn.0", "units": 16, "batch_norm": "u_dnn.1", "activation": "relu"},
                       {"linear": "u_dnn.3", "units": 8}],
            "heads": [{"name": "default"}]},
        "item": {
            "features": [
                {"name": "item_id", "type": "id", "embedding": "i_fields.0.weight", "dim": 8, "buckets": 199},
                {"name": "genre", "type": "categorical", "embedding": "i_fields.1.weight", "dim": 8,
                 "vocabulary": GENRES, "missing_bucket": 0}],
            "senet": {"fc1": "i_senet.squeeze", "fc2": "i_senet.excite"},
            "layers": [{"linear": "i_dnn.0", "units": 16, "activation": "tanh"}, {"linear": "i_dnn.2", "units": 8}],
            "heads": [{"name": "default"}]}}}


# ---------------------------------------------------------------- 7. per-objective heads of different sizes

class MixedDims(TeamModel):
    """A 16-d click objective and an 8-d like objective in both towers, paired by position."""

    def __init__(self):
        super().__init__()
        self.user_id = nn.EmbeddingBag(131, 8, mode="sum")
        self.age = nn.Embedding(4, 4)
        self.user_trunk = nn.Sequential(nn.Linear(12, 32), nn.ReLU())
        self.user_heads = nn.ModuleDict({"click": nn.Linear(32, 16), "like": nn.Linear(32, 8)})
        self.item_id = nn.EmbeddingBag(223, 8, mode="sum")
        self.genre = nn.Embedding(len(GENRES) + 1, 4)
        self.item_trunk = nn.Sequential(nn.Linear(12, 32), nn.ReLU())
        self.item_heads = nn.ModuleDict({"click": nn.Linear(32, 16), "like": nn.Linear(32, 8)})
        self.register_buffer("age_bounds", torch.tensor([25.0, 40.0, 60.0]))

    def user_vectors(self, rows):
        age, has = numbers(rows, "age")
        x = torch.cat([self.user_id(*id_bags(rows, "user_id", 131)),
                       masked(self.age(torch.bucketize(age, self.age_bounds)), has)], dim=1)
        h = self.user_trunk(x)
        return [F.normalize(self.user_heads[k](h), dim=1) for k in ("click", "like")]

    def item_vectors(self, rows):
        genre, _ = categories(rows, "genre", GENRES)
        x = torch.cat([self.item_id(*id_bags(rows, "item_id", 223)), self.genre(genre)], dim=1)
        h = self.item_trunk(x)
        return [F.normalize(self.item_heads[k](h), dim=1) for k in ("click", "like")]

    spec = {"format": "quiver-tower", "version": 1, "towers": {
        "user": {
            "features": [
                {"name": "user_id", "type": "id", "embedding": "user_id.weight", "dim": 8, "buckets": 131},
                {"name": "age", "type": "numeric", "embedding": "age.weight", "dim": 4,
                 "boundaries": [25.0, 40.0, 60.0]}],
            "layers": [{"linear": "user_trunk.0", "units": 32, "activation": "relu"}],
            "heads": [{"name": k, "layers": [{"linear": f"user_heads.{k}", "units": d}]}
                      for k, d in (("click", 16), ("like", 8))]},
        "item": {
            "features": [
                {"name": "item_id", "type": "id", "embedding": "item_id.weight", "dim": 8, "buckets": 223},
                {"name": "genre", "type": "categorical", "embedding": "genre.weight", "dim": 4,
                 "vocabulary": GENRES, "missing_bucket": 0}],
            "layers": [{"linear": "item_trunk.0", "units": 32, "activation": "relu"}],
            "heads": [{"name": k, "layers": [{"linear": f"item_heads.{k}", "units": d}]}
                      for k, d in (("click", 16), ("like", 8))]}}}


# ---------------------------------------------------------------- rows and fixtures

def awkward_value(f, rnd):
    """A value of feature spec f, often awkward: missing, on a boundary, an empty bag, unknown."""
    r = rnd.random()
    if r < 0.08:
        return "absent"
    if r < 0.14:
        return None
    if f["type"] == "id":
        if f.get("multi_valued"):
            return [ex.random_id(rnd) for _ in range(rnd.choice([0, 0, 1, 2, 3, 5]))]
        return ex.random_id(rnd)
    if f["type"] == "categorical":
        return rnd.choice(["xx", "US", "ünknown"]) if rnd.random() < 0.25 else rnd.choice(f["vocabulary"])
    on = f.get("on_boundary") or f["boundaries"]
    if rnd.random() < 0.3:
        return rnd.choice(on)
    lo, hi = f.get("range") or (f["boundaries"][0] - 3, f["boundaries"][-1] + 3)
    return round(rnd.uniform(lo, hi), 3)


# Raw values that land exactly on a boundary once transformed, and the range to draw others from.
AWKWARD = {("ShareBottom", "income"): {"on_boundary": [0.0], "range": (0.0, 5000.0)},
           ("SharedDnn", "age"): {"range": (-10.0, 95.0)},
           ("SharedDnn", "price"): {"on_boundary": [6.0, 10.0, 14.0, 18.0], "range": (0.0, 25.0)},
           ("ItemMultiHead", "popularity"): {"on_boundary": [0.0, 1000.0], "range": (-5.0, 3000.0)}}


def rows_for(cls, tower, n, rnd):
    rows = []
    for _ in range(n):
        row = {}
        for f in cls.spec["towers"][tower]["features"]:
            v = awkward_value({**f, **AWKWARD.get((cls.__name__, f["name"]), {})}, rnd)
            if v != "absent":
                row[f["name"]] = v
        rows.append(row)
    return rows


def trained(model, seed):
    """Gives the module weights away from their initialisation, as training does."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "temperature" in name or "logit_scale" in name:
                continue
            p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.2)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    return model.eval()


def save_checkpoint(model, how, path):
    """The forms a team's checkpoint takes: a state_dict, a whole module, safetensors, float64."""
    if how == "module":
        torch.save(model, path)
    elif how == "safetensors":
        ex.write_safetensors(path, {k: v for k, v in model.state_dict().items()})
    else:
        torch.save(model.state_dict(), path)


MODELS = [("dssm", ClassicDssm, "state_dict"), ("share_bottom", ShareBottom, "module"),
          ("shared_dnn", SharedDnn, "safetensors"), ("user_multi_head", UserMultiHead, "state_dict"),
          ("item_multi_head", ItemMultiHead, "state_dict"), ("senet", SenetModel, "float64"),
          ("mixed_dims", MixedDims, "state_dict")]


def fixture(out, name, cls, how, seed, n=80):
    torch.manual_seed(seed)
    rnd = random.Random(seed)
    model = trained(cls(), seed)
    if how == "float64":
        model = model.double()
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = os.path.join(tmp, "model.safetensors" if how == "safetensors" else "model.pt")
        save_checkpoint(model, how, ckpt)
        ex.from_state_dict(cls.spec, ex.load_state_dict(ckpt), ex.fresh_dir(os.path.join(out, name)))
    expected = {}
    with torch.no_grad():
        for tower in ("user", "item"):
            rows = rows_for(cls, tower, n, rnd)
            with open(os.path.join(out, name, f"{tower}.jsonl"), "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
            expected[tower] = getattr(model, f"embed_{tower}")(rows).float()
    ex.write_safetensors(os.path.join(out, name, "expected.safetensors"), expected)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--only", help="write this fixture alone (e.g. mixed_dims)")
    a = p.parse_args()
    for i, (name, cls, how) in enumerate(MODELS):
        if a.only in (None, name):
            fixture(a.out, name, cls, how, 100 + i)


if __name__ == "__main__":
    main()
