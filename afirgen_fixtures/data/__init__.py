"""Deterministic, production-shaped data at scale: vocabularies, a streaming generator and a
loader that seeds each (scale, schema version, generator version) database once."""

from afirgen_fixtures.data.generator import GENERATOR_VERSION, DatasetGenerator, dataset_checksum
from afirgen_fixtures.data.loader import (
    DEFAULT_SCALE,
    DEFAULT_SEED,
    SCALES,
    Dataset,
    DatasetError,
    DatasetMarker,
    DatasetMismatchError,
    ForeignDatabaseError,
    UnsupportedScaleError,
    database_name,
    drop_dataset,
    list_datasets,
    load_dataset,
    reset_dataset,
)

__all__ = [
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "SCALES",
    "Dataset",
    "DatasetError",
    "DatasetGenerator",
    "DatasetMarker",
    "DatasetMismatchError",
    "ForeignDatabaseError",
    "UnsupportedScaleError",
    "database_name",
    "dataset_checksum",
    "drop_dataset",
    "list_datasets",
    "load_dataset",
    "reset_dataset",
]
