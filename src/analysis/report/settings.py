"""The document frame a district edits: issuing office, issue date, "Nơi nhận", time zone.

One TOML file (`config/report_settings.toml`, or the file named by $CCHC_REPORT_SETTINGS);
every key missing from it falls back to DEFAULTS (huyện Ba Vì, 2021 organisation). From
1/7/2025 the district level no longer exists: pages about later periods take their issuer and
recipients from the `after_district` section (configurable; the default, the city's Sở Nội vụ
following the area of the former district, is a plausible choice, not a documented one).
"""

from __future__ import annotations

import copy
import os
import tomllib
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from analysis.paths import ROOT

SETTINGS_ENV = "CCHC_REPORT_SETTINGS"
SETTINGS_FILE = ROOT / "config" / "report_settings.toml"

DEFAULTS: dict = {
    "issuer": {
        "parent": "UBND HUYỆN BA VÌ",
        "office": "PHÒNG NỘI VỤ",
        "place": "Ba Vì",
        "prepared_by": "Phòng Nội vụ huyện Ba Vì (bộ phận theo dõi CCHC)",
    },
    "dates": {"issue_date": "", "timezone": "Asia/Ho_Chi_Minh"},
    "recipients": {
        "commune": [
            "Chủ tịch UBND {unit} (để thực hiện)",
            "Chủ tịch, các Phó Chủ tịch UBND huyện (để báo cáo)",
            "Văn phòng HĐND và UBND huyện",
            "Lưu: VT, NV",
        ],
        "district": [
            "Thường trực Huyện ủy, HĐND huyện (để báo cáo)",
            "Chủ tịch, các Phó Chủ tịch UBND huyện",
            "UBND các xã, thị trấn (để thực hiện)",
            "Lưu: VT, NV",
        ],
    },
    # Pages about periods after the district's last day (reference.units.LAST_DAY_OF_DISTRICT).
    "after_district": {
        "issuer": {
            "parent": "UBND THÀNH PHỐ HÀ NỘI",
            "office": "SỞ NỘI VỤ",
            "place": "Hà Nội",
            "prepared_by": "Sở Nội vụ Hà Nội (theo dõi CCHC trên địa bàn huyện Ba Vì cũ)",
        },
        "recipients": {
            "commune": [
                "Chủ tịch UBND {unit} (để thực hiện)",
                "Lãnh đạo Sở Nội vụ (để báo cáo)",
                "Lưu: VT",
            ],
            "district": [
                "UBND Thành phố (để báo cáo)",
                "Lãnh đạo Sở Nội vụ",
                "UBND các xã trên địa bàn huyện Ba Vì cũ (để thực hiện)",
                "Lưu: VT",
            ],
        },
    },
}


def merge_settings(defaults: dict, overrides: dict) -> dict:
    """Defaults updated section by section with what the file sets (unknown keys are kept)."""
    merged = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_settings(merged[key], value)
        else:
            merged[key] = value
    return merged


def settings_path() -> Path:
    """The settings file in use: $CCHC_REPORT_SETTINGS, else config/report_settings.toml."""
    env = os.environ.get(SETTINGS_ENV)
    return Path(env) if env else SETTINGS_FILE


def load_report_settings(path: str | Path | None = None) -> dict:
    """The frame settings: the TOML file merged over DEFAULTS (no file = the defaults)."""
    source = Path(path) if path is not None else settings_path()
    if not source.exists():
        return copy.deepcopy(DEFAULTS)
    with source.open("rb") as handle:
        return merge_settings(DEFAULTS, tomllib.load(handle))


def settings_for_period(settings: dict, period: str | None) -> dict:
    """The frame for a period: `after_district` replaces issuer and recipients once the district is gone."""
    from analysis.report.scope import district_stands

    if district_stands(period):
        return settings
    return merge_settings(settings, settings.get("after_district", {}))


def local_zone(settings: dict | None = None) -> ZoneInfo:
    """The time zone every shown time uses (Asia/Ho_Chi_Minh unless the settings say otherwise)."""
    settings = settings or DEFAULTS
    return ZoneInfo(str(settings["dates"].get("timezone") or "Asia/Ho_Chi_Minh"))


def local_now(settings: dict | None = None) -> datetime:
    """Now, in the settings' time zone (not the build machine's)."""
    return datetime.now(local_zone(settings))


def issue_date(settings: dict | None = None) -> date:
    """The date in the heading: the configured one, else today in local time."""
    settings = settings or DEFAULTS
    configured = str(settings["dates"].get("issue_date") or "").strip()
    return date.fromisoformat(configured) if configured else local_now(settings).date()


def format_issue_line(settings: dict | None = None) -> str:
    """'Ba Vì, ngày 29 tháng 11 năm 2026' (the place-and-date line of a Vietnamese document)."""
    settings = settings or DEFAULTS
    day = issue_date(settings)
    place = settings["issuer"].get("place", "")
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def recipients_for(settings: dict, unit: str | None = None) -> list[str]:
    """'Nơi nhận' lines: the commune list with {unit} filled in, or the district list."""
    if unit is None:
        return [str(line) for line in settings["recipients"]["district"]]
    return [str(line).replace("{unit}", unit) for line in settings["recipients"]["commune"]]
