"""Credit commitments (信用承诺): templates by type, signed commitments with their codes, publication and fulfilment."""
