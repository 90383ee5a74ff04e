"""Audio devices through PortAudio (sounddevice). The only module that imports sounddevice.

Importing sounddevice fails when the PortAudio library is missing; that is reported, never raised,
so the app still opens (demo and review work with no headset).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate: float


@dataclass(frozen=True)
class DeviceStatus:
    devices: tuple[InputDevice, ...]
    problem: str = ""  # plain words for the agent when nothing can be captured

    @property
    def ok(self) -> bool:
        return bool(self.devices) and not self.problem


def input_devices(sd_module=None) -> DeviceStatus:
    """Input devices PortAudio can see. `sd_module` lets tests inject a fake sounddevice."""
    try:
        sd = sd_module or _import_sounddevice()
        found = sd.query_devices()
    except OSError as exc:
        return DeviceStatus((), f"The audio system (PortAudio) is not available: {exc}. "
                                "Install it with: sudo apt-get install libportaudio2")
    except Exception as exc:  # PortAudioError and friends: report, never crash the app
        return DeviceStatus((), f"Could not list audio devices: {exc}")
    devices = tuple(
        InputDevice(i, d["name"], int(d["max_input_channels"]), float(d["default_samplerate"]))
        for i, d in enumerate(found) if int(d["max_input_channels"]) > 0
    )
    if not devices:
        return DeviceStatus((), "No microphone or headset found. Plug in a headset, or try the demo call "
                                "and the review of saved calls.")
    return DeviceStatus(devices)


def _import_sounddevice():
    import sounddevice

    return sounddevice
