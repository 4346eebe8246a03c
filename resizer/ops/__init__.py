"""What operators run: warming and purging renditions, CDN invalidation."""
