"""All storage I/O: the Objects protocol, the filesystem, any Django storage, S3."""
