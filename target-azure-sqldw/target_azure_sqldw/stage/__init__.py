"""Stage: write encoded lines into gzip part files and upload them to the blob stage."""
