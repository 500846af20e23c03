"""Operations: backup and restore of a deployment (database, keys, uploaded files)."""
