"""Local storage (spec 5.9): the SD_DISK, recordings of the cameras in Matroska, the index.

``service.StorageService`` is what the storage CGIs and the event engine call;
``recorder`` starts and stops recordings (each written by its own thread, ``writer``, into
segment files, ``matroska``); ``maintenance`` keeps continuous recordings going and applies
the cleanup rules; ``recovery`` reconciles the index with the files when the disk is mounted;
``export`` makes one Matroska file of a recording. See docs/storage.md.
"""
