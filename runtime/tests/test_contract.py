"""Contracts: the shipped one, the YAML round trip, the leanops keys, and the reading rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _frames import customers, write
from _package import lib

contract_mod = lib("contract")
config = lib("settings")
data = lib("data")


def _contract_and_data(project: Path):
    settings = config.load_settings(project)
    dataset = settings.data.dataset
    return contract_mod.load_contract(dataset, project), data.load_embedded(dataset)


def _tiny(**columns: dict) -> dict:
    """A contract mapping: an id, one feature, a target, plus ``columns``."""
    return {
        "version": 1,
        "strict": True,
        "columns": {
            "key": {"role": "id", "dtype": "str", "unique": True},
            "size": {"role": "feature_numeric", "dtype": "float64", "nullable": True},
            "label": {"role": "target", "dtype": "str", "isin": ["a", "b"]},
            **columns,
        },
    }


def test_shipped_contract_accepts_the_embedded_data(project: Path) -> None:
    contract, frame = _contract_and_data(project)
    assert contract.version >= 1
    assert contract.target in frame.columns
    assert len(contract.ids) == 1
    assert contract_mod.validate(contract, frame) == []


def test_round_trip_keeps_every_rule_and_still_rejects_values(project: Path) -> None:
    contract, frame = _contract_and_data(project)
    column = contract.columns("feature_numeric")[0]
    raw = contract_mod.to_mapping(contract)
    raw["columns"][column]["isin"] = sorted({float(v) for v in frame[column].head(3)})
    with_isin = contract_mod.from_mapping(raw, contract.name)
    text = contract_mod.dump_contract(with_isin)
    again = contract_mod.from_mapping(yaml.safe_load(text), contract.name)
    assert contract_mod.to_mapping(again) == contract_mod.to_mapping(with_isin)
    assert again.roles == with_isin.roles
    failures = contract_mod.validate(again, frame)
    assert failures
    assert {f["check"].split("(")[0] for f in failures} == {"isin"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw.pop("version"), "needs an integer 'version'"),
        (lambda raw: raw["columns"]["size"].pop("role"), "needs a role"),
        (lambda raw: raw["columns"]["size"].update(dtype="category"), "use an isin check"),
        (lambda raw: raw["columns"]["label"].update(nullable=True), "missing_target: drop"),
        (lambda raw: raw.update(missing_target="maybe"), "'refuse' or 'drop'"),
        (lambda raw: raw.update(reading={"delimiter": ";;"}), "one character"),
        (lambda raw: raw.update(reading={"sep": ";"}), "unknown key 'sep' in 'reading'"),
        (lambda raw: raw.update(reading={"decimal": ";", "delimiter": ";"}), "must differ"),
        (lambda raw: raw.update(reading={"decimal": ",", "thousands": ","}), "must differ"),
        (lambda raw: raw.update(reading={"encoding": "klingon"}), "not a text encoding"),
        (lambda raw: raw.update(reading={"encoding": "hex"}), "not a text encoding"),
        (lambda raw: raw["columns"]["size"].update(encoding="target"), "feature_categorical"),
        (
            lambda raw: raw["columns"]["size"].update(role="feature_datetime"),
            "dtype must be datetime64",
        ),
        (lambda raw: raw["columns"]["size"].update(role="ignore"), "no feature column"),
    ],
)
def test_malformed_contract_is_one_line(change, message: str) -> None:
    raw = _tiny()
    change(raw)
    with pytest.raises(contract_mod.ContractError, match=message) as caught:
        contract_mod.from_mapping(raw, "tiny")
    assert "\n" not in str(caught.value)


def test_missing_contract_file_names_the_fix(project: Path) -> None:
    with pytest.raises(contract_mod.ContractError, match="contract infer"):
        contract_mod.load_contract("nothing_here", project)


def test_roles_keep_columns_out_of_the_features() -> None:
    contract = contract_mod.from_mapping(
        _tiny(
            note={"role": "passthrough", "dtype": "str", "nullable": True},
            row={"role": "ignore", "dtype": "int64"},
            seen={"role": "feature_datetime", "dtype": "datetime64[ns]", "format": "%d/%m/%Y"},
        ),
        "tiny",
    )
    assert contract.features == ["size", "seen"]
    assert contract.carried == ["key", "note"]
    assert contract.formats == {"seen": "%d/%m/%Y"}
    batch = contract.without_target()
    assert "label" not in batch.schema.columns
    assert "label" not in batch.roles


def _read(tmp_path: Path, text: str, raw: dict) -> tuple:
    path = tmp_path / "batch.csv"
    path.write_text(text, encoding="utf-8")
    contract = contract_mod.from_mapping(raw, "tiny")
    table = contract_mod.read_data(path, contract)
    return contract, table.frame, contract_mod.validate(contract, table.frame, table.failures)


def test_na_marker_in_a_numeric_column_is_a_failure_with_its_row(tmp_path: Path) -> None:
    text = "key,size,label\nk1,1.5,a\nk2,n/a,b\nk3,,a\n"
    contract, _, failures = _read(tmp_path, text, _tiny())
    assert [(f["column"], f["value"], f["row"]) for f in failures] == [("size", "n/a", 1)]
    assert "reading.na_values" in contract_mod.hints(contract, failures)[0]
    listed = {**_tiny(), "reading": {"na_values": ["", "n/a"]}}
    _, frame, failures = _read(tmp_path, text, listed)
    assert failures == []
    assert frame["size"].isna().tolist() == [False, True, True]


def test_a_control_character_in_a_text_cell_is_a_failure_with_its_row(tmp_path: Path) -> None:
    """NUL bytes inside one field of an otherwise readable export (a damaged copy) are that
    row's failure, as a bad value is, not text carried into the predictions."""
    text = "key,size,label\nk1,1.5,a\n\x00\x00k2,2.0,b\nk3,,a\n"
    _, _, failures = _read(tmp_path, text, _tiny())
    assert [(f["column"], f["check"], f["row"]) for f in failures] == [("key", "printable", 1)]
    assert contract_mod.summary(failures) == "control character 'key'"


def test_wrong_delimiter_gets_a_hint(tmp_path: Path) -> None:
    text = "key;size;label\nk1;1.5;a\n"
    contract, _, failures = _read(tmp_path, text, _tiny())
    hint = contract_mod.hints(contract, failures)[0]
    assert "';'-delimited" in hint
    assert "delimiter" in hint
    _, _, failures = _read(tmp_path, text, {**_tiny(), "reading": {"delimiter": ";"}})
    assert failures == []


def test_an_empty_text_column_in_a_small_batch_stays_text(tmp_path: Path) -> None:
    raw = _tiny(note={"role": "passthrough", "dtype": "str", "nullable": True})
    _, frame, failures = _read(tmp_path, "key,size,label,note\nk1,1.0,a,\nk2,2.0,b,\n", raw)
    assert failures == []
    assert frame["note"].isna().all()
    # Codes that look like numbers stay text when the contract says so.
    _, frame, _ = _read(tmp_path, "key,size,label,note\n007,1.0,a,x\n", raw)
    assert frame["key"].tolist() == ["007"]


def test_a_column_that_cannot_take_its_dtype_keeps_no_other_from_its_own(tmp_path: Path) -> None:
    """Whole numbers in a float column are widened even when another column of the batch cannot
    take its declared dtype (no value at all, declared int64): only that one is a failure."""
    raw = _tiny(count={"role": "feature_numeric", "dtype": "int64", "nullable": True})
    _, frame, failures = _read(tmp_path, "key,size,count,label\nk1,1,,a\nk2,2,,b\n", raw)
    assert str(frame["size"].dtype) == "float64"
    assert {failure["column"] for failure in failures} == {"count"}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_dates_are_parsed_by_the_contract_from_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    seen = {"role": "feature_datetime", "dtype": "datetime64[ns]", "format": "%d/%m/%Y"}
    contract = contract_mod.from_mapping(_tiny(seen={**seen, "nullable": True}), "tiny")
    frame = pd.DataFrame(
        {"key": ["k1", "k2"], "size": [1.0, 2.0], "label": ["a", "b"], "seen": ["31/01/2024", ""]}
    )
    path = write(frame, tmp_path / f"batch{suffix}")
    table = contract_mod.read_data(path, contract)
    assert table.failures == []
    assert contract_mod.validate(contract, table.frame) == []
    assert table.frame["seen"].iloc[0] == pd.Timestamp("2024-01-31")
    assert pd.isna(table.frame["seen"].iloc[1])
    # Real datetimes in Parquet are taken as they are.
    typed = frame.assign(seen=pd.to_datetime(["2024-01-31", None]))
    typed_table = contract_mod.read_data(write(typed, tmp_path / "typed.parquet"), contract)
    assert contract_mod.validate(contract, typed_table.frame) == []


def test_a_date_that_does_not_parse_is_a_failure_with_its_row(tmp_path: Path) -> None:
    raw = _tiny(seen={"role": "feature_datetime", "dtype": "datetime64[ns]"})
    text = "key,size,label,seen\nk1,1.0,a,2024-01-31\nk2,2.0,b,2024-13-45\n"
    _, _, failures = _read(tmp_path, text, raw)
    assert [(f["column"], f["value"], f["row"]) for f in failures] == [("seen", "2024-13-45", 1)]
    assert contract_mod.kind(failures[0]["check"]) == "unparseable date"


def test_failure_lines_name_their_column_never_none(project: Path) -> None:
    contract, frame = _contract_and_data(project)
    broken = frame.drop(columns=[contract.target]).assign(extra=1)
    failures = contract_mod.validate(contract, broken)
    lines = [contract_mod.describe(f) for f in failures]
    assert f"missing column {contract.target!r}" in lines
    assert "unexpected column 'extra'" in lines
    assert not any(line.startswith("None") for line in lines)


def test_embedded_data_and_a_csv_of_it_read_the_same(project: Path, tmp_path: Path) -> None:
    contract, frame = _contract_and_data(project)
    path = write(frame, tmp_path / "copy.csv")
    table = contract_mod.read_data(path, contract)
    assert contract_mod.validate(contract, table.frame, table.failures) == []
    np.testing.assert_allclose(
        table.frame[contract.features].to_numpy(), frame[contract.features].to_numpy()
    )


def test_a_customer_table_passes_its_inferred_contract(tmp_path: Path) -> None:
    inference = lib("contract.inference")
    writing = lib("contract.writing")
    path = write(customers(), tmp_path / "churn.csv")
    inferred = inference.infer(path, "churn", target="churned")
    contract = contract_mod.from_mapping(yaml.safe_load(writing.render(inferred)), "churn")
    table = contract_mod.read_data(path, contract)
    assert contract_mod.validate(contract, table.frame, table.failures) == []


@pytest.mark.parametrize(
    ("change", "key", "where", "guess"),
    [
        (
            lambda raw: raw["columns"]["size"].update(inrange={"min_value": 0}),
            "inrange",
            "for column 'size'",
            "in_range",
        ),
        (
            lambda raw: raw["columns"]["size"].update(nullabel=True),
            "nullabel",
            "for column 'size'",
            "nullable",
        ),
        (
            lambda raw: raw.update(missing_targets="drop"),
            "missing_targets",
            "at the top level",
            "missing_target",
        ),
        (lambda raw: raw.update(reading={"decimals": ","}), "decimals", "in 'reading'", "decimal"),
    ],
)
def test_a_misspelt_key_is_refused_with_the_closest_valid_one(
    change, key: str, where: str, guess: str
) -> None:
    """pandera skips keys it does not know: ``inrange`` would check nothing, silently."""
    raw = _tiny()
    change(raw)
    with pytest.raises(contract_mod.ContractError) as caught:
        contract_mod.from_mapping(raw, "tiny")
    message = str(caught.value)
    assert f"unknown key {key!r} {where} (did you mean {guess!r}?); valid keys: " in message
    assert "\n" not in message


def test_a_misspelt_role_is_named_as_such() -> None:
    raw = _tiny()
    raw["columns"]["size"]["role"] = "featur_numeric"
    with pytest.raises(contract_mod.ContractError) as caught:
        contract_mod.from_mapping(raw, "tiny")
    message = str(caught.value)
    assert "unknown role 'featur_numeric' for column 'size'" in message
    assert "'feature_numeric'" in message and "(roles: id, " in message


def test_flat_checks_beside_a_checks_list_are_refused() -> None:
    raw = _tiny()
    raw["columns"]["size"].update(checks=[], in_range={"min_value": 0, "max_value": 1})
    with pytest.raises(contract_mod.ContractError, match="both 'checks' and 'in_range'"):
        contract_mod.from_mapping(raw, "tiny")


def _european(path: Path, encoding: str = "cp1252") -> Path:
    """A ``;``-delimited export from a French Excel: decimal commas, 1.234,5, dates 31.01.2024."""
    text = (
        "key;size;label;seen;note\n"
        "k1;3,14;a;31.01.2024;réseau\n"
        "k2;1.234,5;b;01.02.2024;\n"
        "k3;-0,5;a;;sécurité\n"
    )
    path.write_bytes(text.encode(encoding))
    return path


def _european_contract(**reading: object) -> object:
    raw = _tiny(
        seen={
            "role": "feature_datetime",
            "dtype": "datetime64[ns]",
            "format": "%d.%m.%Y",
            "nullable": True,
        },
        note={"role": "passthrough", "dtype": "str", "nullable": True},
    )
    return contract_mod.from_mapping(
        {**raw, "reading": {"delimiter": ";", "encoding": "cp1252", **reading}}, "tiny"
    )


def test_decimal_commas_and_thousands_marks_are_read_by_the_contract(tmp_path: Path) -> None:
    contract = _european_contract(decimal=",", thousands=".")
    table = contract_mod.read_data(_european(tmp_path / "export.csv"), contract)
    assert contract_mod.validate(contract, table.frame, table.failures) == []
    assert table.frame["size"].tolist() == [3.14, 1234.5, -0.5]
    # Dates keep their dots: the thousands mark is for numbers only.
    assert table.frame["seen"].iloc[0] == pd.Timestamp("2024-01-31")
    assert table.frame["note"].iloc[0] == "réseau"


def test_one_value_that_is_not_a_number_refuses_its_row_alone(tmp_path: Path) -> None:
    """pandas reads the whole column as text then; the other values are still numbers."""
    contract = _european_contract(decimal=",", thousands=".")
    path = _european(tmp_path / "export.csv")
    path.write_bytes(path.read_bytes().replace(b"k3;-0,5;", b"k3;abc;") + b"k4;2,5;b;;\n")
    table = contract_mod.read_data(path, contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    assert {(f["column"], f["value"]) for f in failures} == {("size", "abc")}
    assert table.frame["size"].tolist()[:2] == [3.14, 1234.5]
    assert table.frame["size"].tolist()[3] == 2.5


def test_a_number_with_a_decimal_point_in_a_decimal_comma_file_refuses_its_row_alone(
    tmp_path: Path,
) -> None:
    """Rows appended from another export (``62.0`` among ``3,14``): each is named with its row
    and the hint says what it is; pandera alone refused the whole column, with no row."""
    contract = _european_contract(decimal=",")
    path = _european(tmp_path / "export.csv")
    path.write_bytes(path.read_bytes().replace(b"k2;1.234,5;", b"k2;62.0;"))
    table = contract_mod.read_data(path, contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    assert [(f["column"], f["value"], f["row"]) for f in failures] == [("size", "62.0", 1)]
    (hint,) = contract_mod.hints(contract, failures)
    assert hint.startswith("numbers with a decimal point ('62.0') in column(s) size, where the")
    assert table.frame["size"].tolist()[::2] == [3.14, -0.5]


def test_a_thousands_point_in_a_decimal_comma_file_gets_the_thousands_hint(tmp_path: Path) -> None:
    """``1.234`` in a file of ``3,14``: a German thousands mark, not a row from another export."""
    contract = _european_contract(decimal=",")
    path = _european(tmp_path / "export.csv")
    path.write_bytes(path.read_bytes().replace(b"k2;1.234,5;", b"k2;1.234;"))
    table = contract_mod.read_data(path, contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    (hint,) = contract_mod.hints(contract, failures)
    assert hint.startswith("numbers with a thousands mark ('1.234') in column(s) size")
    assert "reading.thousands: '.'" in hint


@pytest.mark.parametrize(
    ("written", "kind"),
    [("1.234", "grouped"), ("12.345.678", "grouped"), ("0.125", "point"), ("-0.250", "point")],
)
def test_a_point_in_a_decimal_comma_file_is_a_thousands_mark_only_in_groups_of_three(
    written: str, kind: str
) -> None:
    """``0.125`` is a decimal written with a point; read with ``thousands: '.'`` it would be
    125."""
    reading = contract_mod.ReadingRules(delimiter=";", decimal=",")
    assert lib("contract.checks").notation(written, reading) == kind


def test_a_renamed_column_is_named_as_one(tmp_path: Path) -> None:
    """``size`` exported as ``sz``: one column missing and one unexpected, a rename most likely;
    the hint says so first, not the date or number hints the other failures bring."""
    contract = _european_contract(decimal=",", thousands=".")
    path = _european(tmp_path / "export.csv")
    path.write_bytes(path.read_bytes().replace(b"key;size;", b"key;sz;", 1))
    table = contract_mod.read_data(path, contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    first = contract_mod.hints(contract, failures)[0]
    assert first.startswith("the file has 'sz' where the contract wants 'size': renamed?")


def test_a_decimal_comma_without_the_rule_gets_the_decimal_hint(tmp_path: Path) -> None:
    contract = _european_contract()
    table = contract_mod.read_data(_european(tmp_path / "export.csv"), contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    assert {(f["column"], f["value"]) for f in failures} >= {("size", "3,14")}
    hint = contract_mod.hints(contract, failures)[0]
    assert "decimal comma ('3,14') in column(s) size" in hint
    assert 'reading.decimal: ","' in hint
    assert "na_values" not in hint


def test_a_file_not_in_the_contract_encoding_is_one_line_naming_reading_encoding(
    tmp_path: Path,
) -> None:
    raw = _tiny(note={"role": "passthrough", "dtype": "str", "nullable": True})
    contract = contract_mod.from_mapping(raw, "tiny")  # utf-8, the default
    path = tmp_path / "latin1.csv"
    path.write_bytes("key,size,label,note\nk1,1.5,a,Référence\n".encode("latin-1"))
    with pytest.raises(contract_mod.ReadError) as caught:
        contract_mod.read_data(path, contract)
    message = str(caught.value)
    assert "not utf-8 text (byte 0xe9)" in message
    assert "reading.encoding" in message
    assert "\n" not in message
    latin = contract_mod.from_mapping({**raw, "reading": {"encoding": "latin-1"}}, "tiny")
    assert contract_mod.read_data(path, latin).frame["note"].tolist() == ["Référence"]


def _with_gaps(tmp_path: Path, suffix: str) -> Path:
    """Integer labels 0/1 with gaps: Parquet keeps pandas' Int64, CSV has empty cells."""
    frame = pd.DataFrame(
        {
            "key": [f"k{i}" for i in range(6)],
            "size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "label": pd.array([0, 1, None, 1, 0, None], dtype="Int64"),
        }
    )
    return write(frame, tmp_path / f"labels{suffix}")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_an_integer_target_with_gaps_is_integers_once_they_are_dropped(
    tmp_path: Path, suffix: str
) -> None:
    reading_mod = lib("contract.reading")
    raw = _tiny()
    raw["columns"]["label"] = {"role": "target", "dtype": "int64", "isin": [0, 1]}
    refuse = contract_mod.from_mapping(raw, "tiny")
    table = contract_mod.read_data(_with_gaps(tmp_path, suffix), refuse)
    # Refused: the two rows without a target are reported as such, and only as such.
    failures = contract_mod.validate(refuse, table.frame, table.failures)
    assert [(f["check"], f["row"]) for f in failures] == [("not_nullable", 2), ("not_nullable", 5)]
    drop = contract_mod.from_mapping({**raw, "missing_target": "drop"}, "tiny")
    frame, dropped = reading_mod.drop_missing_target(drop, table.frame)
    assert dropped == 2
    assert frame["label"].dtype == np.dtype("int64")
    assert frame["label"].tolist() == [0, 1, 1, 0]
    assert contract_mod.validate(drop, frame) == []


def test_a_nullable_integer_target_without_gaps_is_plain_integers(tmp_path: Path) -> None:
    raw = _tiny()
    raw["columns"]["label"] = {"role": "target", "dtype": "int64", "isin": [0, 1]}
    contract = contract_mod.from_mapping(raw, "tiny")
    frame = pd.DataFrame(
        {"key": ["k1", "k2"], "size": [1.0, 2.0], "label": pd.array([0, 1], dtype="Int64")}
    )
    table = contract_mod.read_data(write(frame, tmp_path / "labels.parquet"), contract)
    assert table.frame["label"].dtype == np.dtype("int64")


def test_a_new_batch_without_its_target_is_checked_as_a_batch_to_predict(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``contract check`` of a batch to predict: every rule but the target's; training still
    needs the target column."""
    contract, frame = _contract_and_data(project)
    batch = frame.drop(columns=[contract.target]).head(50)
    write(batch, project / "batch.csv")
    cli = lib("cli")
    assert cli.main(["contract", "check", "batch.csv", "--contract", str(_path(project))]) == 0
    assert f"no target column {contract.target!r}" in capsys.readouterr().err
    broken = batch.assign(**{contract.features[0]: "not a number"})
    write(broken, project / "broken.csv")
    assert cli.main(["contract", "check", "broken.csv", "--contract", str(_path(project))]) == 1
    write(batch, project / "data" / "raw" / f"{contract.name}.csv")
    assert cli.main(["ingest"]) == 1  # a training table without its target is refused


def _path(project: Path) -> Path:
    settings = config.load_settings(project)
    return contract_mod.contract_path(settings.data.dataset, project)


def test_failures_of_one_column_and_check_are_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """25 unreadable values in one column: one line naming the first three rows and how many
    more, not 20 lines saying the same thing; every one is in the report."""
    contract, frame = _contract_and_data(project)
    column = contract.columns("feature_numeric")[0]
    bad = frame.astype({column: object})
    bad.loc[:24, column] = "abc"
    bad.to_csv(project / "batch.csv", index=False)
    capsys.readouterr()
    assert lib("cli").main(["contract", "check", "batch.csv"]) == 1
    err = capsys.readouterr().err.splitlines()
    lines = [line for line in err if line.startswith(f"error:   {column}:")]
    assert len(lines) == 1, lines
    assert "'abc' row 1, 'abc' row 2, 'abc' row 3 and 22 more row(s)" in lines[0]
    report = contract_mod.report_path(contract.name, project, "_batch")
    assert len(json.loads(report.read_text("utf-8"))["failures"]) == 25


def test_a_malformed_contract_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "contracts" / "broken.yaml"
    path.parent.mkdir()
    path.write_text("version: 1\ncolumns:\n  a: {role: target\n  b: 1\n")
    with pytest.raises(contract_mod.ContractError, match=r"broken.yaml is not valid YAML \(line"):
        contract_mod.load_contract("broken", tmp_path)


def test_numbers_in_another_notation_get_their_rule_never_na_values(tmp_path: Path) -> None:
    """A thousands mark the contract lacks, a decimal number in an integer column: adding them
    to ``na_values``, as a missing-value marker's hint says, would turn numbers into gaps."""
    contract = _european_contract(decimal=",")
    table = contract_mod.read_data(_european(tmp_path / "export.csv"), contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    (hint,) = contract_mod.hints(contract, failures)
    assert hint.startswith("numbers with a thousands mark ('1.234,5') in column(s) size")
    assert "reading.thousands: '.'" in hint
    counts = _tiny(size={"role": "feature_numeric", "dtype": "int64"})
    text = "key,size,label\nk1,3,a\nk2,-3.0,b\nk3,n/a,a\n"
    contract, _, failures = _read(tmp_path, text, counts)
    first, second = contract_mod.hints(contract, failures)
    assert first.startswith("numbers an integer column cannot read ('-3.0') in column(s) size")
    assert "'-3.0'" not in second and "'n/a'" in second and "na_values" in second


def test_a_number_with_a_unit_or_stored_as_text_is_not_called_missing(tmp_path: Path) -> None:
    """``35 yrs`` is a number with a unit, not a missing-value marker to add to ``na_values``;
    a float column of a Parquet file stored as text is read as text, which no dtype change
    fixes: each hint says what it is."""
    _, _, failures = _read(tmp_path, "key,size,label\nk1,35 yrs,a\nk2,2.0,b\n", _tiny())
    (hint,) = contract_mod.hints(contract_mod.from_mapping(_tiny(), "tiny"), failures)
    assert hint.startswith("numbers written with a unit or a symbol ('35 yrs') in column(s) size")
    contract = contract_mod.from_mapping(_tiny(), "tiny")
    path = write(
        pd.DataFrame({"key": ["k1", "k2"], "size": ["46", "3.5"], "label": ["a", "b"]}),
        tmp_path / "batch.parquet",
    )
    table = contract_mod.read_data(path, contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    (hint,) = contract_mod.hints(contract, failures)
    assert hint.startswith("numbers stored as text ('46') in column(s) size: write the column")
