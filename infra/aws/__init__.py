"""AWS constructs of the foundation: network, encryption, storage, identity."""
