"""``contract infer``: what a messy sample holds, as a commented contract a person reviews."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _frames import customers, iris, write
from _package import lib

cli = lib("cli")
contract_mod = lib("contract")
inference = lib("contract.inference")
writing = lib("contract.writing")


def _infer(tmp_path: Path, frame: pd.DataFrame, target: str, **kwargs: object):
    path = write(frame, tmp_path / "sample.csv", **kwargs.pop("csv", {}))  # type: ignore[arg-type]
    inferred = inference.infer(path, "sample", target=target, **kwargs)
    text = writing.render(inferred)
    contract = contract_mod.from_mapping(yaml.safe_load(text), "sample")
    return inferred, contract, text


def test_infer_detects_every_kind_of_column(tmp_path: Path) -> None:
    frame = customers().assign(constant="same", empty=np.nan)
    inferred, contract, text = _infer(tmp_path, frame, "churned")
    assert contract.roles == {
        "Unnamed: 0": "ignore",  # a row number
        "customer_key": "id",  # unique, named like an id
        "tenure_months": "feature_numeric",
        "monthly_spend": "feature_numeric",
        "plan": "feature_categorical",
        "region_code": "feature_categorical",
        "signup_date": "feature_datetime",
        "churned": "target",
        "constant": "ignore",
        "empty": "ignore",
    }
    assert contract.encodings == {"region_code": "target"}
    assert contract.formats == {"signup_date": "%Y-%m-%d"}
    assert inferred.task == "classification"
    detected = {c.name: c.detected for c in inferred.columns}
    assert detected["Unnamed: 0"] == "row_number"
    assert detected["constant"] == "constant"
    assert detected["region_code"] == "high_cardinality"
    # Every column says why, in a comment right above it.
    for name in ("Unnamed: 0", "region_code", "signup_date", "constant"):
        block = text.split(f"\n  {name!r}:" if " " in name else f"\n  {name}:")[0]
        assert block.rstrip().splitlines()[-1].lstrip().startswith("#"), name
    assert "row number" in text and "high cardinality" in text and "dates (format" in text
    assert "every later batch past the training dates" in text  # why a date drifts each time


def test_features_are_nullable_and_the_target_never(tmp_path: Path) -> None:
    frame = customers()
    frame.loc[[3, 9], "churned"] = None
    inferred, contract, text = _infer(tmp_path, frame, "churned")
    assert inferred.missing_target == 2
    assert contract.missing_target == "refuse"
    assert "2 row(s) have no target" in text
    columns = contract.schema.columns
    assert not columns["churned"].nullable
    assert all(columns[name].nullable for name in contract.features)
    assert "# Features are nullable: the pipeline imputes a missing value" in text  # and says so
    # A range says what the sample held and how it was widened, right above the column.
    low, high = frame["tenure_months"].min(), frame["tenure_months"].max()
    block = text.split("\n  tenure_months:")[0]
    assert f"in_range: {low} to {high} in the sample, " in block
    assert "for new data (widened by 10% of the span, not" in block
    # A flag's range is widened to whole numbers, and the comment says the bounds it wrote.
    frame["is_plus"] = (frame["plan"] == "plus").astype(int)
    (tmp_path / "flag").mkdir()
    _, _, text = _infer(tmp_path / "flag", frame, "churned")
    comments = " ".join(line.strip(" #") for line in text.splitlines())  # unwrapped
    assert (
        "in_range: 0 to 1 in the sample, 0 to 2 for new data (widened by 10% of the span "
        "and to whole numbers, not below 0 if nothing was)" in comments
    )


def test_a_long_tailed_column_takes_later_batches_reaching_further(tmp_path: Path) -> None:
    """Incomes from one sample, then 50 later batches of 500: 10% of the span refused a row in
    about 4 batches of 10; the tail's bound passes them, and still catches a unit 100x off."""
    rng = np.random.default_rng(7)
    frame = customers()
    frame["income"] = rng.lognormal(10, 1, len(frame)).round(2)
    _, contract, text = _infer(tmp_path, frame, "churned")
    high = frame["income"].max()
    bounds = contract.schema.columns["income"].checks[0].statistics
    assert bounds["max_value"] >= 10 * high * 0.999
    assert "a long right tail: up to 10 times the largest" in " ".join(
        line.strip(" #") for line in text.splitlines()
    )
    batches = [rng.lognormal(10, 1, 500) for _ in range(50)]
    assert sum(batch.max() > bounds["max_value"] for batch in batches) <= 2
    # A unit off is still caught: cents for euros refuse a good part of the rows, grams for
    # kilograms nearly all.
    assert np.mean(batches[0] * 100 > bounds["max_value"]) > 0.3
    assert np.mean(batches[0] * 1000 > bounds["max_value"]) > 0.9
    # A column without such a tail keeps 10% of its span.
    block = text.split("\n  tenure_months:")[0]
    assert "for new data (widened by 10% of the span, not" in block


def test_a_column_of_fractions_is_bounded_at_1(tmp_path: Path) -> None:
    """A ratio whose sample reached 0.8 takes a later 0.92: its range goes up to 1, not to the
    sample's largest plus 10% of its span; a 0/1 flag keeps the whole-number rule."""
    frame = customers()
    frame["debt_ratio"] = np.random.default_rng(3).beta(2, 5, len(frame)).round(3)
    assert frame["debt_ratio"].max() < 0.9
    _, contract, text = _infer(tmp_path, frame, "churned")
    bounds = contract.schema.columns["debt_ratio"].checks[0].statistics
    assert (bounds["min_value"], bounds["max_value"]) == (0.0, 1.0)
    comments = " ".join(line.strip(" #") for line in text.splitlines())
    assert "0.0 to 1.0 for new data (fractions: up to 1, not below 0 if nothing was)" in comments
    # Skewed fractions, or ones that reached 0.97, are fractions all the same: up to 1 exactly.
    rng = np.random.default_rng(4)
    frame["skewed_share"] = rng.beta(0.5, 10, len(frame)).round(4)
    frame["high_share"] = np.append(rng.uniform(0, 0.9, len(frame) - 1), 0.97).round(3)
    (tmp_path / "more").mkdir()
    _, contract, _ = _infer(tmp_path / "more", frame, "churned")
    for name in ("skewed_share", "high_share"):
        assert contract.schema.columns[name].checks[0].statistics["max_value"] == 1.0, name


def test_a_regression_targets_range_says_how_it_was_set(tmp_path: Path) -> None:
    frame = customers()
    frame["price"] = np.random.default_rng(5).lognormal(5, 1, len(frame)).round(2)
    frame = frame.drop(columns=["churned"])
    _, contract, text = _infer(tmp_path, frame, "price")
    assert (
        contract.schema.columns["price"].checks[0].statistics["max_value"]
        >= 9 * frame["price"].max()
    )
    block = text.split("\n  price:")[0]
    assert "(a long right tail: up to 10 times the largest)" in " ".join(
        line.strip(" #") for line in block.splitlines()
    )


def test_a_whole_number_feature_without_gaps_takes_one_in_a_later_batch(tmp_path: Path) -> None:
    """Whole numbers in every row of the sample are declared float64: a later batch with a gap
    there is read and passes (the pipeline imputes it), where int64 would refuse the row. An
    int64 contract gives the fix for such a gap."""
    frame = customers()
    frame["tenure_months"] = frame["tenure_months"].fillna(12).astype("int64")  # no gap
    _, contract, text = _infer(tmp_path, frame, "churned")
    assert contract.dtype("tenure_months") == "float64"
    assert "whole numbers, declared float64: an int64 column holds no gap" in text
    batch = frame.head(20).astype({"tenure_months": "float64"})
    batch.loc[3, "tenure_months"] = None
    path = write(batch, tmp_path / "batch.csv")
    table = contract_mod.read_data(path, contract)
    assert contract_mod.validate(contract, table.frame, table.failures) == []
    strict = yaml.safe_load(text)
    strict["columns"]["tenure_months"]["dtype"] = "int64"
    by_hand = contract_mod.from_mapping(strict, "sample")
    table = contract_mod.read_data(path, by_hand)
    failures = contract_mod.validate(by_hand, table.frame, table.failures)
    assert [f["column"] for f in failures] == ["tenure_months"]
    (hint,) = contract_mod.hints(by_hand, failures)
    assert hint.startswith("'tenure_months' has missing values, which an integer dtype cannot")


def test_an_id_named_on_the_command_line_and_a_task_given(tmp_path: Path) -> None:
    frame = iris()
    _, contract, _ = _infer(tmp_path, frame, "species", id_column="flower_id")
    assert contract.ids == ["flower_id"]
    raw = contract_mod.to_mapping(contract)
    assert raw["columns"]["species"]["isin"] == ["setosa", "versicolor", "virginica"]
    numbers = customers().assign(score=np.arange(240) % 7)
    inferred, _, _ = _infer(tmp_path, numbers, "score", task="regression")
    assert inferred.task == "regression"


def test_an_id_named_that_repeats_gets_a_contract_its_sample_passes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--id`` naming a column whose values repeat (and miss): the contract does not require
    what the sample breaks, its comment and the command say so, and the sample passes it."""
    frame = customers()
    frame.loc[[0, 5], "region_code"] = None
    path = write(frame, project / "churn.csv")
    out = project / "churn.yaml"
    args = ["contract", "infer", str(path), "--target", "churned", "--id", "region_code"]
    assert cli.main([*args, "-o", str(out)]) == 0
    warning = [line for line in capsys.readouterr().err.splitlines() if "--id region_code" in line]
    assert len(warning) == 1 and "repeats): not required unique" in warning[0]
    assert "2 missing in the sample: allowed (nullable)" in warning[0]
    contract = contract_mod.from_mapping(yaml.safe_load(out.read_text("utf-8")), "churn")
    assert contract.ids == ["region_code"]
    table = contract_mod.read_data(path, contract)
    assert contract_mod.validate(contract, table.frame, table.failures) == []


def test_markers_and_delimiter_are_detected(tmp_path: Path) -> None:
    frame = customers().astype({"monthly_spend": object, "tenure_months": object})
    frame.loc[[1, 2], "monthly_spend"] = "n/a"
    frame.loc[5, "tenure_months"] = "?"
    frame.loc[7, "plan"] = "NA"  # a text column: NA could be a real value there
    _, contract, text = _infer(tmp_path, frame, "churned", csv={"sep": ";"})
    assert contract.reading.delimiter == ";"
    assert set(contract.reading.na_values) == {"", "n/a", "?"}
    assert "'n/a' read as missing" in text
    assert contract.roles["monthly_spend"] == "feature_numeric"


def test_the_sample_must_have_the_named_columns(tmp_path: Path) -> None:
    path = write(customers(), tmp_path / "sample.csv")
    with pytest.raises(contract_mod.ContractError, match=r"no column 'target'.*its columns:"):
        inference.infer(path, "sample", target="target")
    with pytest.raises(contract_mod.ContractError, match="--id"):
        inference.infer(path, "sample", target="churned", id_column="nope")


def test_infer_never_overwrites_without_force(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(customers(), project / "data" / "raw" / "churn.csv")
    out = project / "contracts" / "churn.yaml"
    args = ["contract", "infer", str(sample), "--target", "churned", "-o", str(out)]
    assert cli.main(args) == 0
    reviewed = out.read_text(encoding="utf-8") + "# reviewed by me\n"
    out.write_text(reviewed, encoding="utf-8")
    assert cli.main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == reviewed
    assert cli.main([*args, "--force"]) == 0
    assert "reviewed by me" not in out.read_text(encoding="utf-8")
    # Other kept places stay off limits.
    assert cli.main([*args[:-1], "params.yaml"]) == 2
    assert cli.main([*args[:-1], "contracts/sub/x.yaml"]) == 2


def test_the_next_step_names_where_the_pipeline_reads_the_contract(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(customers(), project / "data" / "raw" / "churn.csv")
    args = ["contract", "infer", str(sample), "--target", "churned", "-o"]
    assert cli.main([*args, "contracts/churn.yaml"]) == 0
    assert "review it, then set data.dataset: churn and task: " in capsys.readouterr().err
    assert cli.main([*args, "scratch/draft.yaml"]) == 0
    err = capsys.readouterr().err
    assert "data.dataset: churn reads contracts/churn.yaml: move it there, or pass --name" in err
    assert "set data.dataset" not in err


def test_infer_prints_to_stdout_by_default(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(iris(), project / "iris.parquet")
    assert cli.main(["contract", "infer", str(sample), "--target", "species"]) == 0
    out = capsys.readouterr().out
    assert contract_mod.from_mapping(yaml.safe_load(out), "iris").target == "species"


def _tickets(rows: int = 60, seed: int = 0) -> pd.DataFrame:
    """A helpdesk export from a French Excel: accents in names and values, decimal commas."""
    rng = np.random.default_rng(seed)
    hours = rng.gamma(2.0, 3.0, rows).round(2)
    return pd.DataFrame(
        {
            "Référence": [f"T-{i:05d}" for i in rng.permutation(rows)],
            "Durée (h)": hours,
            "Montant": (hours * 812.5).round(2),
            "Catégorie": rng.choice(["réseau", "matériel", "sécurité"], rows),
            "Ouvert le": (
                pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, rows), unit="D")
            ).strftime("%d.%m.%Y"),
            "Priorité": np.where(hours > 6, "élevée", "basse"),
        }
    )


def _excel_csv(frame: pd.DataFrame, path: Path, encoding: str = "cp1252") -> Path:
    """As Excel saves it in France: ``;``, decimal comma, thousands mark ``.`` (1.234,5)."""
    text = frame.assign(
        Montant=[
            f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
            for v in frame["Montant"]
        ]
    )
    text.to_csv(path, index=False, sep=";", decimal=",", encoding=encoding)
    return path


def test_infer_reads_a_european_latin1_export(tmp_path: Path) -> None:
    path = _excel_csv(_tickets(), tmp_path / "tickets.csv")
    inferred = inference.infer(path, "tickets", target="Priorité")
    contract = contract_mod.from_mapping(yaml.safe_load(writing.render(inferred)), "tickets")
    assert contract.reading.encoding == "cp1252"
    assert (contract.reading.delimiter, contract.reading.decimal) == (";", ",")
    assert contract.reading.thousands == "."
    assert contract.roles["Durée (h)"] == contract.roles["Montant"] == "feature_numeric"
    assert contract.dtype("Montant") == "float64"
    assert contract.formats == {"Ouvert le": "%d.%m.%Y"}  # dates keep their dots
    assert contract.ids == ["Référence"]  # accented, no --id
    raw = contract_mod.to_mapping(contract)
    assert raw["columns"]["Catégorie"]["isin"] == ["matériel", "réseau", "sécurité"]
    table = contract_mod.read_data(path, contract)
    assert contract_mod.validate(contract, table.frame, table.failures) == []
    assert table.frame["Montant"].max() > 1000


def test_a_decimal_comma_needs_another_delimiter(tmp_path: Path) -> None:
    """With ``,`` as delimiter, a quoted "3,14" is text the team must look at, not a number."""
    frame = iris().assign(
        sepal_length=lambda f: f["sepal_length"].map(lambda v: f"{v:.1f}".replace(".", ","))
    )
    _, contract, _ = _infer(tmp_path, frame, "species")
    assert contract.reading.decimal == "."
    assert contract_mod.to_mapping(contract)["columns"]["sepal_length"]["dtype"] == "str"


def test_classes_written_alike_but_for_case_and_spaces_are_named(tmp_path: Path) -> None:
    frame = iris()
    frame.loc[7, "species"] = "Setosa "  # a typo in one row
    inferred, _, text = _infer(tmp_path, frame, "species")
    line = (
        "classes 'Setosa ' and 'setosa' differ only in case or spaces: one class written two ways?"
    )
    assert line in text
    assert any(warning.startswith(f"species: {line}") for warning in inferred.warnings)
    _, _, clean = _infer(tmp_path, iris(), "species")
    assert "differ only" not in clean


def _prices(frame: pd.DataFrame) -> pd.DataFrame:
    """``price`` written as a US export writes it: a thousands comma (3,030, 1,234,567.5)."""
    prices = [3030.0, 990.0, 1234567.5, 15.25] * (len(frame) // 4 + 1)
    return frame.assign(price=[f"{v:,}".removesuffix(".0") for v in prices[: len(frame)]])


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_thousands_comma_beside_decimal_points_is_a_thousands_mark(
    tmp_path: Path, delimiter: str
) -> None:
    """ "3,030" in a file whose other numbers have a decimal point (13.2) is three thousand and
    thirty: the comma is the thousands mark, and the other columns stay numbers."""
    frame = _prices(iris())
    _, contract, text = _infer(tmp_path, frame, "species", csv={"sep": delimiter})
    assert (contract.reading.decimal, contract.reading.thousands) == (".", ",")
    assert "numbers with a thousands comma (3,030) in: price (reading.thousands)" in text
    assert contract.roles["price"] == contract.roles["sepal_length"] == "feature_numeric"
    table = contract_mod.read_data(tmp_path / "sample.csv", contract)
    assert contract_mod.validate(contract, table.frame, table.failures) == []
    assert table.frame["price"].tolist()[:4] == [3030.0, 990.0, 1234567.5, 15.25]
    assert table.frame["sepal_length"].tolist() == iris()["sepal_length"].tolist()


def test_whole_numbers_grouped_by_points_beside_a_decimal_comma_are_thousands(
    tmp_path: Path,
) -> None:
    """A European export: ``5,1`` in one column, ``3.030`` (three thousand and thirty) in
    another; with a decimal comma, a point can only group thousands."""
    frame = iris()
    for column in ("sepal_length", "sepal_width", "petal_length", "petal_width"):
        frame[column] = frame[column].map(lambda v: f"{v:.1f}".replace(".", ","))
    frame["price"] = [f"{v:,}".replace(",", ".") for v in range(990, 990 + 150 * 17, 17)]
    _, contract, _ = _infer(tmp_path, frame, "species", csv={"sep": ";"})
    assert (contract.reading.decimal, contract.reading.thousands) == (",", ".")
    table = contract_mod.read_data(tmp_path / "sample.csv", contract)
    assert table.frame["price"].tolist()[:3] == [990.0, 1007.0, 1024.0]
    assert table.frame["price"].max() == 990 + 149 * 17
    assert table.frame["sepal_length"].iloc[0] == 5.1


def test_a_comma_that_may_be_either_mark_beside_decimal_points_is_left_to_a_person(
    tmp_path: Path,
) -> None:
    """``2,250`` in a ``;`` file beside ``17.00`` is 2.25 kg in a European export or 2250 in
    another: neither is guessed (a wrong guess is a thousandfold error); the column is text,
    named in a warning."""
    frame = iris().assign(
        weight_kg=[f"{w:.3f}".replace(".", ",") for w in np.linspace(1.337, 3.288, 150)],
        pickup=["17.00", "9.30", "12.15"] * 50,
    )
    inferred, contract, text = _infer(tmp_path, frame, "species", csv={"sep": ";"})
    assert (contract.reading.decimal, contract.reading.thousands) == (".", None)
    assert contract.roles["sepal_length"] == "feature_numeric"
    (warning,) = [w for w in inferred.warnings if "numbers with a comma in weight_kg" in w]
    assert "is '1,337' 1337 (a thousands mark) or 1.337 (a decimal comma)?" in warning
    assert "numbers with a comma in weight_kg" in text


def test_the_ambiguous_comma_warning_quotes_a_value_that_is_truly_either() -> None:
    text = pd.DataFrame({"a": ["3,5", "2,250", "1,5"]})
    warning = inference.ambiguous_commas(contract_mod.ReadingRules(), ["a"], text)
    assert warning is not None and "is '2,250' 2250 (a thousands mark) or 2.250" in warning


def test_a_decimal_comma_no_thousands_grouping_fits_is_named_as_one() -> None:
    """``1876,33`` beside ``41.3``: two digits after the comma group no thousands."""
    text = pd.DataFrame({"spend": ["1876,33", "1248,19", "12,5"], "age": ["41.3", "38.7", "50"]})
    warning = inference.ambiguous_commas(contract_mod.ReadingRules(), ["spend"], text)
    assert warning is not None
    assert warning.startswith("spend writes decimals with a comma ('1876,33' is 1876.33)")
    assert "thousands mark) or" not in warning
    # Beside a column whose comma may group thousands (2,250), the question stands for both.
    text["price"] = ["2,250", "3,5", "1,5"]
    warning = inference.ambiguous_commas(contract_mod.ReadingRules(), ["spend", "price"], text)
    assert warning is not None and "(a thousands mark) or" in warning


def test_a_thousands_comma_a_contract_does_not_set_is_hinted_as_one(tmp_path: Path) -> None:
    frame = iris().assign(price=1.0)
    _, contract, _ = _infer(tmp_path, frame, "species")
    batch = write(_prices(frame), tmp_path / "batch.csv")
    table = contract_mod.read_data(batch, contract)
    failures = contract_mod.validate(contract, table.frame, table.failures)
    assert contract_mod.hints(contract, failures)[0] == (
        "numbers with a thousands mark ('3,030') in column(s) price: "
        "set reading.thousands: ',' in the contract"
    )


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("latin-1", "cp1252"),
        ("utf-16", "utf-16"),  # with a byte order mark, as Excel's "Unicode text" saves
        ("utf-16-le", "utf-16-le"),  # without one
    ],
)
def test_infer_detects_the_encoding(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "tickets.csv"
    _tickets().to_csv(path, index=False, encoding=encoding)
    inferred = inference.infer(path, "tickets", target="Priorité")
    assert inferred.reading.encoding == expected
    assert inferred.columns[0].name == "Référence"  # no byte order mark in it


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_read_as_utf8_is_named_as_utf16(
    project: Path, encoding: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "tickets.csv"
    _tickets().to_csv(path, index=False, encoding=encoding)
    assert cli.main(["contract", "check", str(path)]) == 2
    err = capsys.readouterr().err
    codec = "utf-16" if encoding == "utf-16" else encoding
    assert err == (
        f"error: cannot read {path}: it is UTF-16 text (as Excel's 'Unicode text' saves); set "
        f"reading.encoding: {codec} in the contract, or save the file as UTF-8\n"
    )


def test_infer_takes_the_encoding_and_delimiter_given(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _excel_csv(_tickets(), project / "tickets.csv", encoding="latin-1")
    out = project / "contracts" / "tickets.yaml"
    args = ["contract", "infer", str(path), "--target", "Priorité", "-o", str(out)]
    assert cli.main([*args, "--encoding", "latin-1", "--delimiter", ";"]) == 0
    contract = contract_mod.load_contract("tickets", project)
    assert (contract.reading.encoding, contract.reading.delimiter) == ("latin-1", ";")
    capsys.readouterr()
    assert cli.main([*args, "--force", "--encoding", "utf-8"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not utf-8 text: pass another --encoding" in err
    assert cli.main(["contract", "check", str(path)]) == 0


@pytest.mark.parametrize(
    "name",
    [
        "Référence",
        "REFERENCE",
        "ref",
        "N° client",
        "Nº dossier",
        "numéro_ticket",
        "ticketRef",
        "customer_id",
        "ID",
        "CustomerId",
        "code_client",
        "Identifiant",
    ],
)
def test_unique_codes_named_like_an_id_in_any_language_are_the_id(
    tmp_path: Path, name: str
) -> None:
    frame = customers().rename(columns={"customer_key": name})
    _, contract, _ = _infer(tmp_path, frame, "churned")
    assert contract.ids == [name]


@pytest.mark.parametrize("name", ["idle_time", "identity", "reach", "codes_postaux_vus"])
def test_other_unique_codes_are_not_the_id(tmp_path: Path, name: str) -> None:
    assert not inference.id_like(name)


def test_integer_labels_with_gaps_stay_integer_classes(tmp_path: Path) -> None:
    frame = customers(labels="ints").astype({"churned": "Int64"})
    frame.loc[[4, 8, 15], "churned"] = None
    for suffix in (".csv", ".parquet"):
        path = write(frame, tmp_path / f"churn{suffix}")
        inferred = inference.infer(path, "churn", target="churned")
        target = next(c for c in inferred.columns if c.name == "churned")
        assert inferred.task == "classification", suffix
        assert target.spec["dtype"] == "int64"
        assert target.spec["isin"] == [0, 1]
        assert inferred.missing_target == 3


def test_infer_refuses_a_folder_as_output_at_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(customers(), project / "data" / "raw" / "churn.csv")
    folder = project / "reports" / "somedir"
    folder.mkdir(parents=True)
    args = ["contract", "infer", str(sample), "--target", "churned", "-o", str(folder)]
    for extra in ([], ["--force"]):
        capsys.readouterr()
        assert cli.main([*args, *extra]) == 2
        err = capsys.readouterr().err
        assert "it is a folder" in err and "--force" not in err


def test_infer_refuses_a_project_file_as_output_without_suggesting_force(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(customers(), project / "data" / "raw" / "churn.csv")
    before = (project / "params.yaml").read_bytes()
    args = ["contract", "infer", str(sample), "--target", "churned", "-o", "params.yaml"]
    for extra in ([], ["--force"]):
        capsys.readouterr()
        assert cli.main([*args, *extra]) == 2
        err = capsys.readouterr().err
        assert "refusing to write output to params.yaml: params.yaml is kept" in err
        assert "(write it to contracts/<dataset>.yaml, or outside the project)" in err
        assert "--force" not in err
    assert (project / "params.yaml").read_bytes() == before


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_dates_that_all_differ_are_a_date_feature_not_an_identifier(
    tmp_path: Path, suffix: str
) -> None:
    """A sale's time to the minute is unique in every row, and still a feature."""
    rows = 300
    frame = pd.DataFrame(
        {
            "sold": pd.date_range("2024-01-01 08:00", periods=rows, freq="37min"),
            "area": np.linspace(30, 200, rows),
            "price": np.arange(rows) * 100.0,
        }
    )
    if suffix == ".csv":
        frame["sold"] = frame["sold"].dt.strftime("%Y-%m-%d %H:%M")
    path = tmp_path / f"sales{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    text = writing.render(inference.infer(path, "sales", target="price"))
    contract = contract_mod.from_mapping(yaml.safe_load(text), "sales")
    assert contract.roles["sold"] == "feature_datetime"


def test_dates_in_several_formats_are_left_out_with_the_formats_found(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=120, freq="D")
    written = [
        day.strftime(("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d")[index % 3])
        for index, day in enumerate(days)
    ]
    frame = pd.DataFrame(
        {"signed": written, "amount": rng.normal(size=120), "label": rng.choice(["a", "b"], 120)}
    )
    inferred, contract, text = _infer(tmp_path, frame, "label")
    assert contract.roles["signed"] == "ignore"
    (column,) = [c for c in inferred.columns if c.name == "signed"]
    assert column.detected == "mixed_dates"
    assert "dates in 3 formats: %Y-%m-%d (40 rows), %d.%m.%Y (40 rows), %Y/%m/%d (40 rows)" in text


def test_free_text_with_repeats_is_left_out_and_a_multi_word_category_is_not(
    tmp_path: Path,
) -> None:
    """Notes of several words, 60% of them distinct, a third of the rows empty: free text, not
    a high-cardinality code to target-encode; product names of four words, as many distinct,
    are still categories."""
    words = ["late", "bill", "called", "twice", "happy", "router", "refund", "asked", "again"]
    notes = [" ".join(words[(j * k) % 9] for k in range(1, 5)) + f" {j}" for j in range(200)]
    notes = [None if i % 3 == 0 else notes[i % 80] for i in range(200)]
    products = [f"Acme Cordless Drill {j}" for j in range(200)]
    products = [products[i % 120] for i in range(200)]
    frame = customers(200).assign(notes=notes, product=products)
    inferred, contract, text = _infer(tmp_path, frame, "churned")
    detected = {c.name: c.detected for c in inferred.columns}
    assert (detected["notes"], contract.roles["notes"]) == ("free_text", "ignore")
    assert "free text (80 distinct values in 133 filled rows, 5 words in the middle one)" in text
    assert (detected["product"], contract.roles["product"]) == (
        "high_cardinality",
        "feature_categorical",
    )


def test_near_unique_text_is_left_out_and_its_advice_applies_as_written(tmp_path: Path) -> None:
    """Free text (a title, a comment) is no feature; switching a target-encoded column to
    ``ignore``, as its comment suggests, needs no other edit."""
    frame = customers(200).assign(comment=[f"called on day {i} about {i % 7}" for i in range(200)])
    frame.loc[::20, "comment"] = "no answer"  # near-unique, not unique
    inferred, contract, text = _infer(tmp_path, frame, "churned")
    assert contract.roles["comment"] == "ignore"
    assert {c.name: c.detected for c in inferred.columns}["comment"] == "near_unique"
    assert "free text or an identifier" in text
    assert contract.roles["region_code"] == "feature_categorical"  # 60 codes: still learnt from

    edited = yaml.safe_load(text)
    edited["columns"]["region_code"]["role"] = "ignore"  # as its comment says, and nothing else
    switched = contract_mod.from_mapping(edited, "sample")
    assert switched.roles["region_code"] == "ignore"
    assert "region_code" not in switched.encodings
    edited["columns"]["tenure_months"]["encoding"] = "target"  # a number cannot take one
    with pytest.raises(contract_mod.ContractError, match="delete its line 'encoding: target'"):
        contract_mod.from_mapping(edited, "sample")
