"""The weekly digest for moderators: what happened in their server, posted once a week."""
