"""coach_app: private, offline live coaching for call-centre agents."""

__version__ = "0.1.0"
