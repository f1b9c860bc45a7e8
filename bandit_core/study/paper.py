"""The paper's study: its scenarios, its sixteen strategies and its published tables.

Table II is the online architecture (Bern_M and Bern_V at low, high and very high traffic),
Table III the batch architecture (Bern_M and Bern_V at low and high traffic), Table IV the best
strategy of each column. The published means and standard deviations are transcribed below
from the paper (realized regret of the authors' simulator, 1,000 repetitions).

Every reading the paper leaves open is a ``PaperOptions`` field; the defaults are the most
faithful ones (reference notes §2, §6 and §9):

- ``decisions``: the horizon. Default: the paper's stated 50,000 ("1000 simulations of
  T = 50,000 trials"; the authors' batch script stops there), except the online Bern_V columns,
  which the text gives "for 120,000 trials". Table III's caption also says 120,000, but the
  authors' batch code stores 50,000 decisions.
- ``start_hour``: 00:00 (the public code's clock starts at 0); None draws a random hour per
  repetition.
- ``reading`` / ``reading_mean``: the Bern_V reading time, capped at 480 s with mean 150 s as
  in the code (the text says "truncated", and 1/180 in the batch section).
- ``bern_v_factors``: 1 (Table III's variance level fits one reading factor, not the code's
  two).
- ``arrivals``: ``"poisson"``, the NH-Poisson process the paper describes (``"frozen-rate"``
  is the code's approximation).
- ``dmed_tie``: ``"last"`` pending arm (the public code); ``"random"`` is the alternative.
- ``delivery_order``: rewards that reach the policy at the same instant (00:00) in ``"reward"``
  order (zeros first), as the code's event tuples sort them; ``"pull"`` is pull-time order.
- ``besa_tournament``: ``"sort"`` as in the code; ``"tree"`` is Baransi et al.'s tournament.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bandit_core.policies import BESA, DMED, KLUCB, PR1, PR2, PR3, UCB, BlackBox, KLUCBPlus, Policy
from bandit_core.study.delays import ExponentialDelay, ReadingDelay
from bandit_core.study.rewards import BernoulliArms, ReadingTimeArms
from bandit_core.study.runner import Cell
from bandit_core.study.scenario import DeliveryOrder, Scenario
from bandit_core.study.traffic import HIGH, LOW, VERY_HIGH, ArrivalMethod, Intensity

__all__ = [
    "BEST_PUBLISHED",
    "PUBLISHED",
    "ROWS",
    "Column",
    "PaperOptions",
    "paper_columns",
    "row_label",
]

BERN_M = (0.5,) + (0.45,) * 9

# Row keys (config names) in the paper's order, and their labels in the tables.
ROWS: tuple[str, ...] = (
    "ucb", "bb_ucb", "dmed", "bb_dmed", "kl_ucb", "bb_kl_ucb", "kl_ucb_plus", "bb_kl_ucb_plus",
    "besa", "bb_besa", "pr1", "bb_pr1", "pr2", "bb_pr2", "pr3", "bb_pr3",
)  # fmt: skip
_LABELS = {
    "ucb": "UCB", "dmed": "DMED", "kl_ucb": "KL-UCB", "kl_ucb_plus": "KL-UCB+", "besa": "BESA",
    "pr1": "PR1", "pr2": "PR2 (TS)", "pr3": "PR3",
}  # fmt: skip


def row_label(key: str) -> str:
    """The paper's name of a row (``bb_kl_ucb`` -> ``BB-KL-UCB``)."""
    if key.startswith("bb_"):
        return "BB-" + _LABELS[key[3:]]
    return _LABELS[key]


# Published mean (sd) of the realized regret, row by row; "-" where the paper has none.
_T2_TEXT = """
ucb               742.84(150.95)   744.23(169.99)    780.8(151.75)   1155.66(90.58)  1187.47(111.35)  1213.45(109.57)
bb_ucb            715.41(159.65)    725.3(155.49)   753.36(159.42)   1153.47(90.06)  1180.69(130.58)  1131.56(110.77)
dmed               403.0(163.28)   417.76(177.24)    460.53(182.7)   570.33(181.24)    577.84(167.8)    659.01(176.5)
bb_dmed            378.86(163.0)   403.12(175.27)   426.64(171.06)    554.7(151.38)   574.32(158.79)   526.98(198.09)
kl_ucb            736.52(150.33)   725.76(157.51)   776.59(155.89)   909.56(109.66)   923.44(122.98)   949.47(114.16)
bb_kl_ucb          718.9(158.24)   727.74(150.06)    744.6(151.67)   906.81(108.16)    920.09(120.6)    699.26(126.9)
kl_ucb_plus       456.51(139.73)   456.24(144.95)   508.34(144.58)   624.65(127.73)   627.52(117.47)   644.45(120.14)
bb_kl_ucb_plus    453.29(139.26)    440.38(144.0)   465.53(126.22)   617.63(112.37)   609.73(123.61)    494.98(167.5)
besa              401.83(575.82)   430.49(586.63)   430.14(574.81)    376.86(489.9)   358.56(487.99)   305.72(350.99)
bb_besa           438.64(602.83)   457.85(594.14)   498.72(637.67)  1007.88(756.96)    487.9(608.52)  1087.91(808.51)
pr1               361.93(160.66)    337.84(142.9)   366.11(147.56)   708.87(130.97)   715.52(132.34)   738.45(132.06)
bb_pr1            346.51(152.91)   352.23(222.63)    357.8(156.98)   692.21(119.06)   701.49(120.05)   741.08(130.38)
pr2               338.63(148.39)    349.8(156.31)    341.4(146.07)   448.18(115.41)    462.3(127.19)   506.55(120.86)
bb_pr2            342.84(157.49)   347.96(144.64)   359.79(167.94)     432.4(98.41)   442.82(120.97)   470.29(158.54)
pr3                            -                -                -    345.86(115.2)   353.91(106.18)   396.41(113.98)
bb_pr3                         -                -                -   335.58(102.12)    349.21(99.72)   349.97(120.68)
"""  # noqa: E501
_T3_TEXT = """
ucb               874.81(167.24)  1589.23(118.42)    599.41(58.81)     618.01(55.6)
bb_ucb           1249.5(1122.55)   1737.9(438.82)   400.76(317.49)   532.92(138.96)
dmed             1828.35(348.07)  2350.95(116.23)    698.75(55.66)    704.97(50.16)
bb_dmed         1109.94(1075.93)   1736.9(422.98)    343.4(310.11)   608.65(127.26)
kl_ucb            872.93(168.15)  1589.32(118.38)    541.98(68.51)    584.41(60.32)
bb_kl_ucb        1249.5(1122.55)   1737.9(438.82)   377.41(336.54)   531.55(128.41)
kl_ucb_plus       606.47(149.87)  1517.61(154.81)    446.31(72.74)      536.1(62.3)
bb_kl_ucb_plus   1249.5(1122.55)   1737.9(438.82)   414.84(333.58)   509.77(133.38)
besa              390.69(436.57)    427.38(251.0)   205.18(180.23)    229.4(152.62)
bb_besa         1369.22(1108.85)  1730.14(438.33)   360.19(335.46)    529.49(132.0)
pr1                349.1(140.21)   405.93(147.98)    452.57(78.48)    464.19(77.12)
bb_pr1          1362.33(1112.65)  1804.48(442.98)   499.37(321.03)   561.61(143.12)
pr2                351.06(155.5)   391.92(145.55)    347.52(88.38)     352.61(90.7)
bb_pr2          1413.95(1131.51)  1752.21(431.29)   410.44(337.29)    531.98(143.3)
pr3                            -                -    288.15(86.72)    297.76(88.83)
bb_pr3                         -                -   471.88(338.07)   538.77(143.96)
"""

_T2_COLUMNS = (
    "Bern_M/low",
    "Bern_M/high",
    "Bern_M/very_high",
    "Bern_V/low",
    "Bern_V/high",
    "Bern_V/very_high",
)
_T3_COLUMNS = ("Bern_M/low", "Bern_M/high", "Bern_V/low", "Bern_V/high")


def _parse(text: str) -> tuple[float, float] | None:
    if text == "-":
        return None
    mean, sd = text.rstrip(")").split("(")
    return float(mean), float(sd)


def _table(
    text: str, table: int, columns: tuple[str, ...]
) -> dict[tuple[int, str], dict[str, tuple[float, float] | None]]:
    out: dict[tuple[int, str], dict[str, tuple[float, float] | None]] = {
        (table, c): {} for c in columns
    }
    for line in text.strip().splitlines():
        row, *values = line.split()
        for column, value in zip(columns, values, strict=True):
            out[(table, column)][row] = _parse(value)
    return out


PUBLISHED = {**_table(_T2_TEXT, 2, _T2_COLUMNS), **_table(_T3_TEXT, 3, _T3_COLUMNS)}

# Table IV: the best strategies the paper names for each (table, column)
BEST_PUBLISHED: dict[tuple[int, str], str] = {
    (2, "Bern_M/low"): "PR2",
    (2, "Bern_M/high"): "PR1",
    (2, "Bern_M/very_high"): "PR2",
    (2, "Bern_V/low"): "BESA/BB-PR3",
    (2, "Bern_V/high"): "BB-PR3",
    (2, "Bern_V/very_high"): "BB-PR3",
    (3, "Bern_M/low"): "PR1/PR2",
    (3, "Bern_M/high"): "PR2",
    (3, "Bern_V/low"): "BESA",
    (3, "Bern_V/high"): "BESA",
}

_TRAFFIC: dict[str, Intensity] = {"low": LOW, "high": HIGH, "very_high": VERY_HIGH}
_SYMBOL = {"low": "λ1", "high": "λ2", "very_high": "λ3"}


@dataclass(frozen=True, slots=True, kw_only=True)
class PaperOptions:
    """The readings of the paper's ambiguous parameters (see the module docstring)."""

    decisions: int | None = None
    start_hour: float | None = 0.0
    reading: Literal["capped", "truncated"] = "capped"
    reading_mean: float = 150.0
    bern_v_factors: int = 1
    arrivals: ArrivalMethod = "poisson"
    dmed_tie: Literal["last", "random"] = "last"
    delivery_order: DeliveryOrder = "reward"
    besa_tournament: Literal["sort", "tree"] = "sort"
    record_every: int | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a paper table: its scenario and the rows it has."""

    table: int
    key: str  # e.g. "Bern_M/low"
    scenario: Scenario
    rows: tuple[str, ...] = field(default=ROWS)

    @property
    def title(self) -> str:
        reward, traffic = self.key.split("/")
        return f"{reward}, {_SYMBOL[traffic]} ({traffic.replace('_', ' ')} traffic)"

    def published(self, row: str) -> tuple[float, float] | None:
        return PUBLISHED[(self.table, self.key)].get(row)

    def cells(self, options: PaperOptions) -> list[Cell]:
        return [
            Cell(f"table{self.table}/{self.key}", self.scenario, paper_policy(row, options))
            for row in self.rows
        ]


def paper_policy(row: str, options: PaperOptions) -> Policy:
    """The policy behind a row, with the paper code's constants."""
    base_key = row[3:] if row.startswith("bb_") else row
    base: Policy
    if base_key == "ucb":
        base = UCB(c=1.0)
    elif base_key == "dmed":
        base = DMED(tie_rule=options.dmed_tie)
    elif base_key == "kl_ucb":
        base = KLUCB(c=1.0)
    elif base_key == "kl_ucb_plus":
        base = KLUCBPlus(c=1.0)
    elif base_key == "besa":
        base = BESA(tournament=options.besa_tournament)
    elif base_key == "pr1":
        base = PR1()
    elif base_key == "pr2":
        base = PR2()
    elif base_key == "pr3":
        base = PR3(confidence=0.1)
    else:
        raise ValueError(f"unknown paper row {row!r}; expected one of {', '.join(ROWS)}")
    return BlackBox(base) if row.startswith("bb_") else base


def _scenario(table: int, key: str, options: PaperOptions) -> Scenario:
    reward, traffic = key.split("/")
    online = table == 2
    delay: ExponentialDelay | ReadingDelay | None
    if reward == "Bern_M":
        arms: BernoulliArms | ReadingTimeArms = BernoulliArms(BERN_M, name="Bern_M")
        delay = (
            ExponentialDelay(80.0, 300.0, truncated=options.reading == "truncated")
            if online
            else None
        )
        default_n = 50_000
    else:
        arms = ReadingTimeArms(
            BERN_M,
            reading_mean=options.reading_mean,
            reading=options.reading,
            factors=options.bern_v_factors,
            name="Bern_V",
        )
        delay = ReadingDelay() if online else None
        default_n = 120_000 if online else 50_000
    return Scenario(
        name=reward,
        arms=arms,
        traffic=_TRAFFIC[traffic],
        architecture="online" if online else "batch",
        delay=delay,
        decisions=options.decisions or default_n,
        start_hour=options.start_hour,
        arrivals=options.arrivals,
        delivery_order=options.delivery_order,
        record_every=options.record_every,
    )


def paper_columns(
    table: int, options: PaperOptions | None = None, rows: tuple[str, ...] | None = None
) -> list[Column]:
    """The columns of Table II (2) or III (3) under ``options``, with the requested rows.

    PR3 rows are left out of the Bern_M columns, as in the paper (for 0/1 rewards PR3 is PR2).
    """
    options = options or PaperOptions()
    if table not in (2, 3):
        raise ValueError(f"expected table 2 or 3, found {table!r}")
    keys = _T2_COLUMNS if table == 2 else _T3_COLUMNS
    wanted = rows or ROWS
    out = []
    for key in keys:
        kept = tuple(r for r in wanted if not (key.startswith("Bern_M") and r in ("pr3", "bb_pr3")))
        out.append(Column(table, key, _scenario(table, key, options), kept))
    return out
