"""Logistics: parcels, carriers' tracking scans, consumer delivery feedback and courier firms' figures (source app)."""
