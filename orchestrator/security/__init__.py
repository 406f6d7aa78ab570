"""Personal data protection: field encryption at rest, blind indexes, Temporal payload encryption, log masking."""
