"""Everything qbsync prints: Rich views for people on stdout, the JSON envelope for machines, messages on stderr."""
