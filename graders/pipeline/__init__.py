"""The grading commands and their scale: the pipeline stage by stage, shards, Dask, progress."""
