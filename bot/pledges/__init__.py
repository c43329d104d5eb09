"""Pledges and comments: what members submit, and the moderators' campaigns, exports and stats."""
