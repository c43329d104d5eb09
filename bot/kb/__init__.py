"""The knowledge base: reviewed topic files in data/topics, and the search over them."""
