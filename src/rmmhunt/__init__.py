"""rmmhunt: run Sentinel KQL hunting rules for RMM abuse on your own Defender telemetry."""

from rmmhunt.api import HuntResult, Workspace
from rmmhunt.errors import RmmhuntError

__all__ = ["HuntResult", "RmmhuntError", "Workspace"]
__version__ = "0.1.0"
