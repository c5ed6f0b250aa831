"""The synthetic dataset: deterministic, dirty in every documented way, and true to its truth file."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.__main__ import main
from analysis.analyse.staffing import compute_staffing_by_month
from analysis.demo import dirt, params
from analysis.demo.generate import build_dataset, generate_demo_data
from analysis.reference.units import CommuneResolver, units_2021
from analysis.text import fold

SCALE = 0.05


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "raw"
    return out, generate_demo_data(out, scale=SCALE)


@pytest.fixture(scope="session")
def demo_again(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo_again") / "raw"
    return out, generate_demo_data(out, scale=SCALE)


@pytest.fixture(scope="session")
def demo_other_seed(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo_other") / "raw"
    return out, generate_demo_data(out, seed=7, scale=SCALE)


def read_grid(path: Path) -> pd.DataFrame:
    """Every cell of an export as written, no header guessing (object dtype, None for empty)."""
    if path.suffix == ".xlsx":
        grid = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    else:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
        grid = pd.read_csv(
            path, header=None, dtype=str, sep=sep, encoding="utf-8-sig", keep_default_na=False
        )
        grid = grid.replace("", None)
    return grid.astype(object).where(grid.notna(), None)


def wording_key(header: str) -> str | None:
    for key, options in dirt.HEADER_WORDINGS.items():
        if header in options:
            return key
    return None


def read_export(path: Path, header_row: int) -> pd.DataFrame:
    """Data rows of one export with canonical column keys and the row number a person sees."""
    grid = read_grid(path)
    header = grid.iloc[header_row - 1].tolist()
    body = grid.iloc[header_row:].copy()
    body.columns = [wording_key(h) for h in header]
    body["source_row"] = np.arange(header_row + 1, header_row + 1 + len(body))
    first = body["stt"].astype(str)
    return body[body["stt"].notna() & first.str.fullmatch(r"\d+")].reset_index(drop=True)


@pytest.fixture(scope="session")
def exports(demo) -> dict[str, pd.DataFrame]:
    out, truth = demo
    return {
        name: read_export(out / name, counts["header_row"])
        for name, counts in truth["planted"]["files"].items()
    }


def parse_written_dates(values: pd.Series) -> pd.Series:
    """Test-side reading of the generator's date encodings (cells, serials, day-first text)."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    cells = values.map(
        lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat")
    )
    out[cells] = pd.to_datetime(values[cells].astype(object))
    text = values[~cells & values.notna()].astype(str)
    serial = text.str.fullmatch(r"\d{5}(\.\d+)?")
    numeric = values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    as_serial = pd.concat([text[serial].astype(float), values[numeric & ~cells].astype(float)])
    out[as_serial.index] = dirt.EXCEL_EPOCH + pd.to_timedelta(as_serial * 86400, unit="s").round(
        "s"
    )
    rest = text[~serial & ~numeric.reindex(text.index, fill_value=False)]
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        parsed = pd.to_datetime(rest, format=fmt, errors="coerce")
        fill = out.loc[parsed.index].isna() & parsed.notna()
        out.loc[fill[fill].index] = parsed[fill]
    return out


class TestDeterminism:
    def test_same_seed_gives_identical_csv_bytes(self, demo, demo_again):
        (a, _), (b, _) = demo, demo_again
        csvs = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
        assert csvs, "no csv written"
        for rel in csvs:
            assert (
                hashlib.sha256((a / rel).read_bytes()).digest()
                == hashlib.sha256((b / rel).read_bytes()).digest()
            ), rel

    def test_same_seed_gives_identical_xlsx_cell_values(self, demo, demo_again):
        (a, _), (b, _) = demo, demo_again
        books = sorted(p.relative_to(a) for p in a.rglob("*.xlsx"))
        assert len(books) >= 3
        for rel in books:
            pd.testing.assert_frame_equal(read_grid(a / rel), read_grid(b / rel))

    def test_same_seed_gives_the_same_truth(self, demo, demo_again):
        assert demo[1] == demo_again[1]

    def test_another_seed_gives_other_data(self, demo, demo_other_seed):
        (a, truth_a), (b, truth_b) = demo, demo_other_seed
        assert truth_a["effects"] == truth_b["effects"]
        assert truth_a["communes"] != truth_b["communes"]
        first = sorted(a.glob("dossiers/*.csv"))[0]
        assert first.read_bytes() != (b / first.relative_to(a)).read_bytes()


class TestTruthFile:
    def test_has_the_three_effects_under_the_analysis_names(self, demo):
        assert set(demo[1]["effects"]) == {
            "online_share",
            "dossiers_per_officer_day",
            "concurrent_share",
        }

    def test_has_a_latent_for_each_of_the_31_units(self, demo):
        communes = demo[1]["communes"]
        assert set(communes) == set(units_2021()["code"])
        assert all(isinstance(c["latent_late_propensity"], float) for c in communes.values())

    def test_planted_rows_reconcile(self, demo):
        planted = demo[1]["planted"]
        parts = (
            planted["valid_dossiers"]
            + planted["duplicate_reexports"]
            + planted["conflicting_duplicates"]
            + sum(planted["impossible_rows"].values())
            + planted["unknown_unit"]
        )
        assert parts == planted["rows_total"]
        assert all(v > 0 for v in planted["impossible_rows"].values())
        assert planted["unknown_unit_by_kind"]["unit_outside_district"] > 0
        assert planted["unknown_unit_by_kind"]["district_as_unit"] > 0

    def test_written_truth_equals_returned_truth(self, demo):
        out, truth = demo
        assert json.loads((out / "truth.json").read_text(encoding="utf-8")) == truth

    def test_covariates_are_what_the_rows_and_roster_measure(self, demo):
        """Recompute online share and workload from the per-dossier truth and the roster file."""
        out, truth = demo
        rows = pd.read_csv(
            out / truth["dossier_truth_file"],
            dtype={"commune_code": str},
            parse_dates=["received_at"],
        )
        month = rows["received_at"].dt.strftime("%Y-%m")
        measured = rows.assign(month=month, online=rows["channel"].eq("online")).groupby(
            ["commune_code", "month"]
        )
        measured = measured.agg(
            received=("online", "size"), online_share=("online", "mean")
        ).reset_index()
        stated = pd.DataFrame(truth["commune_months"])
        both = stated.merge(measured, on=["commune_code", "month"], suffixes=("", "_measured"))
        assert len(both) == (stated["received"] > 0).sum()
        assert (both["received"] == both["received_measured"]).all()
        np.testing.assert_allclose(both["online_share"], both["online_share_measured"])
        np.testing.assert_allclose(
            both["dossiers_per_officer_day"], both["received"] / both["officer_days"]
        )

    def test_every_listed_dossier_is_where_the_truth_says(self, demo, exports):
        out, truth = demo
        rows = pd.read_csv(out / truth["dossier_truth_file"], dtype=str)
        sample = rows.sample(200, random_state=1)
        for _, row in sample.iterrows():
            export = exports[row["source_file"]]
            found = export[export["source_row"] == int(row["source_row"])]
            assert found["dossier_id"].tolist() == [row["dossier_id"]]


class TestExportsAreDirtyAsDocumented:
    def test_csv_and_xlsx_exports_both_exist(self, demo):
        names = demo[1]["planted"]["files"]
        assert (
            any(n.endswith(".csv") for n in names) and sum(n.endswith(".xlsx") for n in names) >= 2
        )

    def test_every_export_has_a_title_block_with_the_period(self, demo):
        out, truth = demo
        for name, counts in truth["planted"]["files"].items():
            grid = read_grid(out / name)
            top = " ".join(str(v) for v in grid.iloc[: counts["header_row"] - 1, 0] if v)
            assert "ỦY BAN NHÂN DÂN HUYỆN BA VÌ" in top
            assert re.search(r"Từ ngày \d\d/\d\d/\d{4} đến ngày \d\d/\d\d/\d{4}", top)

    def test_total_row_counts_the_data_rows(self, demo, exports):
        out, truth = demo
        for name, counts in truth["planted"]["files"].items():
            grid = read_grid(out / name)
            cells = (
                grid.astype(str)
                .apply(lambda c: c.str.extract(r"Tổng cộng: (\d+) hồ sơ")[0])
                .stack()
            )
            assert cells.astype(int).tolist() == [len(exports[name])] == [counts["data_rows"]]

    def test_blank_rows_lie_among_the_data_rows(self, demo):
        out, truth = demo
        for name, counts in truth["planted"]["files"].items():
            grid = read_grid(out / name)
            body = grid.iloc[counts["header_row"] :]
            assert body.isna().all(axis=1).sum() == counts["blank_rows"] >= 1

    def test_header_wording_varies_between_files(self, demo):
        out, truth = demo
        headers = {
            tuple(read_grid(out / n).iloc[c["header_row"] - 1])
            for n, c in truth["planted"]["files"].items()
        }
        received = {h for header in headers for h in header if wording_key(h) == "received"}
        assert len(received) >= 2

    def test_some_exports_lack_the_appointment_column(self, exports):
        assert any("due" not in e.columns for e in exports.values())
        assert any("due" in e.columns for e in exports.values())

    def test_channel_is_written_as_text_in_some_files_and_as_code_in_others(self, exports):
        assert any("channel_code" in e.columns for e in exports.values())
        assert any("channel" in e.columns for e in exports.values())

    def test_csv_files_come_with_and_without_bom_and_with_semicolons(self, demo):
        csvs = list(demo[0].glob("dossiers/*.csv"))
        starts = [p.read_bytes()[:3] == b"\xef\xbb\xbf" for p in csvs]
        assert any(starts) and not all(starts)
        assert any(p.read_text(encoding="utf-8-sig").splitlines()[0].count(";") > 3 for p in csvs)

    def test_some_workbook_has_a_notes_sheet(self, demo):
        from openpyxl import load_workbook

        sheets = [
            load_workbook(p, read_only=True).sheetnames for p in demo[0].glob("dossiers/*.xlsx")
        ]
        assert any("Ghi chú" in s for s in sheets)

    def test_dates_come_in_every_encoding(self, exports):
        values = pd.concat(
            [e["received"] for e in exports.values()] + [e["completed"] for e in exports.values()]
        )
        values = values.dropna()
        as_text = values[values.map(lambda v: isinstance(v, str))]
        assert values.map(lambda v: hasattr(v, "isoformat")).any(), "no date cells"
        assert (
            values.map(lambda v: isinstance(v, float)).any()
            or as_text.str.fullmatch(r"4\d{4}\.\d+").any()
        )
        assert as_text.str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").any()
        assert as_text.str.fullmatch(r"\d\d/\d\d/\d{4}").any()

    def test_unit_names_come_in_every_spelling_variant(self, exports):
        units = pd.concat([e["unit"] for e in exports.values()]).dropna().astype(str)
        assert units.str.startswith("UBND xã ").any()
        assert units.str.startswith("X. ").any()
        assert units.str.startswith("TT ").any()
        assert (units == units.str.upper()).any()
        assert (units != units.map(lambda u: unicodedata.normalize("NFC", u))).any(), "no NFD text"
        assert units.str.contains("Thuỵ|Hoà").any(), "no old tone placement"
        assert units.str.contains("  ").any()
        ascii_only = units[units.map(lambda u: u.isascii())]
        assert ascii_only.str.contains(r"[a-z]").any(), "no name without diacritics"

    def test_every_valid_spelling_resolves_to_the_unit_that_numbered_the_dossier(
        self, demo, exports
    ):
        resolver = CommuneResolver("2021-12-31")
        rows = pd.concat(exports.values(), ignore_index=True)
        resolved = resolver.resolve_series(rows["unit"])
        unknown = rows["unit"].isin(dirt.OUTSIDE_UNITS + dirt.district_as_unit())
        assert unknown.sum() == demo[1]["planted"]["unknown_unit"]
        assert resolved.loc[unknown, "commune_code"].isna().all()
        known = resolved.loc[~unknown]
        assert (known["commune_code"] == rows.loc[~unknown, "dossier_id"].str[:5]).all()

    def test_all_31_units_appear_in_the_exports(self, exports):
        ids = pd.concat([e["dossier_id"] for e in exports.values()])
        assert set(ids.str[:5]) == set(units_2021()["code"])

    def test_reexport_repeats_rows_identically_and_a_few_with_other_content(self, demo, exports):
        planted = demo[1]["planted"]
        reexport = next(e for n, e in exports.items() if "xuat_lai" in n)
        others = pd.concat(
            [e for n, e in exports.items() if "xuat_lai" not in n], ignore_index=True
        )
        compare = [c for c in reexport.columns if c not in ("stt", "source_row", None)]
        merged = reexport.merge(others, on="dossier_id", suffixes=("", "_first"))
        assert len(merged) == len(reexport)  # every re-exported number was listed before
        same = np.all(
            [
                merged[c].astype(str).to_numpy() == merged[c + "_first"].astype(str).to_numpy()
                for c in compare
                if c != "dossier_id"
            ],
            axis=0,
        )
        assert same.sum() == planted["duplicate_reexports"] > 0
        assert (~same).sum() == planted["conflicting_duplicates"] > 0

    def test_impossible_rows_are_planted(self, exports):
        rows = pd.concat(exports.values(), ignore_index=True)
        received = parse_written_dates(rows["received"])
        assert rows["received"].isin(dirt.UNPARSEABLE_DATES).any()
        assert (rows["received"].isna()).any()
        completed = parse_written_dates(rows["completed"])
        assert (completed.dt.normalize() < received.dt.normalize()).any()
        due = parse_written_dates(rows["due"])
        assert (due < received).any()

    def test_valid_rows_parse_back_to_the_true_dates(self, demo, exports):
        out, truth = demo
        rows = pd.concat(exports.values(), ignore_index=True).drop_duplicates("dossier_id")
        true = pd.read_csv(out / truth["dossier_truth_file"], dtype=str)
        for column in ("received_at", "completed_at"):
            true[column] = pd.to_datetime(true[column])
        both = true.merge(rows, on="dossier_id")
        assert len(both) == len(true)
        received = parse_written_dates(both["received"])
        assert (received.dt.normalize() == both["received_at"].dt.normalize()).all()
        completed = parse_written_dates(both["completed"])
        assert (
            completed.dt.normalize().fillna(0) == both["completed_at"].dt.normalize().fillna(0)
        ).all()


class TestPersonalData:
    def test_id_numbers_are_cccd_with_the_hanoi_prefix_or_old_cmnd(self, exports):
        ids = pd.concat([e["id_number"] for e in exports.values()]).dropna().astype(str)
        assert ids.str.fullmatch(r"001[0-3]\d{8}|\d{9}").all()
        assert ids.str.fullmatch(r"001\d{9}").mean() > 0.8

    def test_phone_numbers_are_mobiles_or_024_landlines(self, exports):
        phones = pd.concat([e["phone"] for e in exports.values()]).dropna().astype(str)
        assert phones.str.fullmatch(r"(0|\+84)[35789]\d{8}|024\d{8}").all()
        assert phones.str.startswith("+84").any() and phones.str.startswith("024").any()

    def test_planted_sample_values_appear_in_the_raw_files(self, demo):
        out, truth = demo
        raw = "".join(p.read_text(encoding="utf-8-sig") for p in out.glob("dossiers/*.csv"))
        found = [v for v in truth["personal_values_sample"] if v in raw]
        assert len(truth["personal_values_sample"]) >= 6 and found


@pytest.fixture(scope="module")
def roster(demo) -> pd.DataFrame:
    out, truth = demo
    path = next(out.glob("officers/*.xlsx"))
    table = pd.read_excel(path, header=truth["planted"]["roster_header_row"] - 1, dtype=object)
    for column in ("Ngày bắt đầu", "Ngày kết thúc"):
        table[column] = parse_written_dates(table[column])
    return table


class TestRoster:
    def test_each_unit_has_two_to_four_desk_posts(self, roster):
        resolver = CommuneResolver()
        roster = roster.assign(code=resolver.resolve_series(roster["Đơn vị"])["commune_code"])
        assert roster["code"].notna().all() and roster["code"].nunique() == 31
        present_at_start = roster[roster["Ngày bắt đầu"] <= "2021-01-01"].groupby("code").size()
        assert present_at_start.between(2, 4).all()

    def test_officers_are_dedicated_or_concurrent_with_real_titles(self, roster):
        assert set(roster["Hình thức bố trí"]) == {"Chuyên trách", "Kiêm nhiệm"}
        assert roster["Chức danh"].isin(params.TITLES).all()

    def test_vacancies_and_rotations_occur_in_the_period(self, demo):
        summary = demo[1]["roster"]
        assert summary["rotations"] > 0 and summary["vacancies"] > 0

    def test_vacant_posts_leave_fewer_officer_days(self, roster):
        resolver = CommuneResolver()
        frame = pd.DataFrame(
            {
                "commune_code": resolver.resolve_series(roster["Đơn vị"])["commune_code"],
                "officer_id": roster["Họ và tên"],
                "is_concurrent": roster["Hình thức bố trí"].eq("Kiêm nhiệm"),
                "start_date": roster["Ngày bắt đầu"],
                "end_date": roster["Ngày kết thúc"],
            }
        )
        staffing = compute_staffing_by_month(frame, "2021-01-01", "2021-12-31")
        assert (staffing["vacancy_officer_days"] > 0).any()
        assert staffing.groupby("commune_code")["concurrent_share"].nunique().gt(1).any(), (
            "no rotation changed the mix"
        )
        assert (staffing["officer_days"] > 0).all()

    def test_officer_names_match_the_exports(self, roster, exports):
        handled = set(pd.concat([e["officer"] for e in exports.values()]).dropna())
        assert handled <= set(roster["Họ và tên"])


class TestMeetingRegister:
    def test_lists_the_seed_meeting_of_12_october_2021(self, demo):
        register = pd.read_csv(demo[0] / "meetings" / "meeting_register.csv", dtype=str)
        seed = register[register["Ngày họp"] == "12/10/2021"].iloc[0]
        assert seed["Hình thức"] == "Trực tuyến"
        assert (seed["Số điểm cầu"], seed["Số ý kiến phát biểu"]) == ("31", "17")
        assert fold(seed["Chủ trì"]) == fold("Phó Chủ tịch UBND huyện")
        assert len(register) >= 4

    def test_marker_says_the_data_are_synthetic(self, demo):
        assert "synthetic" in (demo[0] / "DEMO_DATA.md").read_text(encoding="utf-8").lower()


@pytest.fixture(scope="module")
def rates() -> pd.DataFrame:
    """Late rate and online share per commune from generated rows at half the default volume."""
    data = build_dataset(params.DEFAULT_SEED, params.DEFAULT_START, params.DEFAULT_END, 0.5)
    rows = data["dossiers"]
    resolved = rows[rows["completed_at"].notna()]
    return pd.DataFrame(
        {
            "late_rate": resolved["outcome"].eq("late").groupby(resolved["commune_name"]).mean(),
            "online_share": rows["channel"].eq("online").groupby(rows["commune_name"]).mean(),
        }
    )


class TestSeedCalibration:
    """The meeting's named communes come out as named through staffing and adoption, computed
    from the generated rows (not from the truth's parameters)."""

    def test_named_late_communes_are_above_the_median_late_rate(self, rates):
        median = rates["late_rate"].median()
        assert (rates.loc[list(params.SEED_LATE_COMMUNES), "late_rate"] > median).all()

    def test_named_low_online_communes_are_below_the_median_online_share(self, rates):
        median = rates["online_share"].median()
        assert (rates.loc[list(params.SEED_LOW_ONLINE_COMMUNES), "online_share"] < median).all()


class TestCommandLine:
    def test_writes_the_dataset_and_says_so(self, tmp_path, capsys):
        assert (
            main(
                [
                    "demo-data",
                    "--out",
                    str(tmp_path / "d"),
                    "--scale",
                    "0.02",
                    "--truth",
                    str(tmp_path / "t.json"),
                ]
            )
            == 0
        )
        assert (tmp_path / "t.json").exists() and (tmp_path / "d" / "DEMO_DATA.md").exists()
        assert "dossiers" in capsys.readouterr().out

    def test_a_reversed_period_is_one_line_and_exit_2(self, tmp_path, capsys):
        assert (
            main(
                [
                    "demo-data",
                    "--out",
                    str(tmp_path / "d"),
                    "--start",
                    "2021-12-31",
                    "--end",
                    "2021-01-01",
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "before" in err

    def test_refuses_a_folder_holding_other_data(self, tmp_path, capsys):
        (tmp_path / "real.xlsx").write_text("x")
        assert main(["demo-data", "--out", str(tmp_path), "--scale", "0.02"]) == 2
        assert (tmp_path / "real.xlsx").read_text() == "x"

    def test_regenerating_a_demo_folder_replaces_it(self, tmp_path):
        generate_demo_data(tmp_path / "d", scale=0.02, end="2021-03-31")
        generate_demo_data(tmp_path / "d", scale=0.02, end="2021-03-31", seed=3)
        assert json.loads((tmp_path / "d" / "truth.json").read_text(encoding="utf-8"))["seed"] == 3
