"""統計の画面, mounted at /stats/. Each view declares its function.

- ``/stats/`` (``STATS_VIEW``): population as of a date — by town block, age pyramid, charts;
- ``/stats/movements/`` (``STATS_VIEW``): one month's movements, origins, destinations, foreign
  residents by nationality × status of residence, the 12-month chart;
- ``/stats/export/<table>.<csv|xlsx>`` (``STATS_VIEW``): an aggregate table as a file;
- ``/stats/report.pdf`` (``STATS_VIEW``): the report (tables + the same SVG charts) as PDF;
- ``/stats/lists/`` (``STATS_LISTS``): operational lists, counts only;
- ``/stats/lists/export/`` (``EXPORT_REQUEST``, POST): request the person-level list of one of
  them through the bulk-output approval (:mod:`juki.exports`).

Everything shown is aggregate and suppressed below ``JUKI_STATS_MIN_CELL``; every view is
audited (7001–7005) with its criteria and no personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from juki.audit.events import EventType
from juki.audit.log import record_request
from juki.certificates.fonts import FONT_STACK
from juki.certificates.render import render_pdf
from juki.core import clock
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError
from juki.exports.actions import do_request_export
from juki.register.changes.registry import handler_for
from juki.register.models import TownBlock
from juki.register.views.common import actor, has_function
from juki.security.access import requires
from juki.security.roles import Function
from juki.web.downloads import attachment

from . import lists, svg, tables
from .export_kinds import KINDS as LIST_KINDS
from .movements import ROWS, movements
from .population import BANDS, band_label, population

SERIES = ("move_in", "move_out", "birth", "death", "move_within")


# --- parameters ------------------------------------------------------------------------------------

def _date(request: HttpRequest, name: str, default: dt.date) -> tuple[dt.date, bool]:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return default, True
    try:
        return dt.date.fromisoformat(raw), True
    except ValueError:
        return default, False


def _as_of(request: HttpRequest) -> dt.date:
    on, ok = _date(request, "on", clock.today())
    if not ok:
        messages.error(request, "基準日の形式が正しくありません。本日現在で表示します。")
    return on


def _month(request: HttpRequest) -> tuple[int, int]:
    today = clock.today()
    raw = (request.GET.get("month") or "").strip()  # "YYYY-MM" (input type=month)
    try:
        year, month = (int(x) for x in raw.split("-"))
        dt.date(year, month, 1)
        return year, month
    except (ValueError, TypeError):
        if raw:
            messages.error(request, "集計月の形式が正しくありません。今月で表示します。")
        return today.year, today.month


def _block(request: HttpRequest) -> TownBlock | None:
    raw = (request.GET.get("block") or "").strip()
    if not raw:
        return None
    if not is_ascii_digits(raw):
        return None
    return TownBlock.objects.filter(pk=int(raw)).first()


def _audit(request: HttpRequest, event: EventType, action: str, criteria: dict[str, Any],
           function: Function = Function.STATS_VIEW) -> None:
    record_request(request, event, action=action, function=function.value, criteria=criteria)


# --- building the pages (shared by screen and PDF) -------------------------------------------------

def _population_context(on: dt.date, block: TownBlock | None) -> dict[str, Any]:
    pop = population(on)
    by_block = tables.population_by_block(pop)
    by_age = tables.population_by_age(pop, block=block.pk if block else None, block_name=block.name if block else "")
    pyramid_rows = [(band_label(band), row[1], row[2]) for band, row in zip(BANDS, by_age.published(), strict=False)]
    block_bars = [(row[1], row[4]) for row in by_block.published()[:-1]]
    return {
        "pop": pop, "by_block": by_block, "by_age": by_age,
        "pyramid_svg": svg.pyramid(pyramid_rows, title=f"人口ピラミッド（{by_age.title}）"),
        "blocks_svg": svg.hbars(block_bars, title="町丁字別人口"),
    }


def _movements_context(year: int, month: int) -> dict[str, Any]:
    mv = movements(year, month)
    foreign_on = tables.foreign_on(year, month)
    # Each month's bars as that month's table publishes them (its own complementary suppression).
    series = tables.monthly_published(year, month, SERIES, 12)
    labels = {k: label for k, label, _, _ in ROWS}
    chart = svg.grouped_bars(
        [m for m, _ in series],
        [(labels[key], [values[key] for _, values in series]) for key in SERIES],
        title=f"月別の人口動態（{series[0][0]}〜{series[-1][0]}）",
    )
    return {
        "mv": mv, "movements_table": tables.movements_table(mv), "origins": tables.origins_table(mv),
        "destinations": tables.destinations_table(mv), "foreign": tables.foreign_table(foreign_on),
        "foreign_on": foreign_on, "monthly_svg": chart,
    }


def _common(request: HttpRequest) -> dict[str, Any]:
    return {"min_cell": tables.min_cell(), "suppressed": tables.SUPPRESSED, "suppression_note": tables.suppression_note()}


# --- screens ---------------------------------------------------------------------------------------

@requires(Function.STATS_VIEW)
@require_GET
def population_view(request: HttpRequest) -> HttpResponse:
    """基準日現在の人口（町丁字別・年齢別・男女別）。"""
    on = _as_of(request)
    block = _block(request)
    ctx = _population_context(on, block)
    _audit(request, EventType.STATS_POPULATION_VIEWED, "population",
           {"on": on.isoformat(), "block": block.code if block else ""})
    return render(request, "stats/population.html", {
        **ctx, **_common(request), "title": "人口統計", "on": on, "block": block,
        "blocks": TownBlock.objects.order_by("code"),
    })


@requires(Function.STATS_VIEW)
@require_GET
def movements_view(request: HttpRequest) -> HttpResponse:
    """月別の人口動態（転入・転出・出生・死亡・転居）と外国人住民。"""
    year, month = _month(request)
    ctx = _movements_context(year, month)
    _audit(request, EventType.STATS_MOVEMENTS_VIEWED, "movements", {"month": f"{year:04d}-{month:02d}"})
    return render(request, "stats/movements.html", {
        **ctx, **_common(request), "title": "人口動態統計", "month_value": f"{year:04d}-{month:02d}",
        "export_names": [("movements", "人口動態"), ("origins", "従前の住所地別"), ("destinations", "転出先別"),
                         ("foreign", "外国人住民")],
    })


def _table_for(name: str, request: HttpRequest) -> tuple[tables.Table, dict[str, Any]]:
    if name in ("population_blocks", "population_ages", "population_detail"):
        on = _as_of(request)
        block = _block(request)
        pop = population(on)
        criteria = {"on": on.isoformat(), "block": block.code if block else ""}
        if name == "population_blocks":
            return tables.population_by_block(pop), criteria
        if name == "population_ages":
            return tables.population_by_age(pop, block=block.pk if block else None,
                                            block_name=block.name if block else ""), criteria
        return tables.population_detail(pop), criteria
    if name in ("movements", "origins", "destinations", "foreign"):
        year, month = _month(request)
        criteria = {"month": f"{year:04d}-{month:02d}"}
        if name == "foreign":
            return tables.foreign_table(tables.foreign_on(year, month)), criteria
        mv = movements(year, month)
        builder = {"movements": tables.movements_table, "origins": tables.origins_table,
                   "destinations": tables.destinations_table}[name]
        return builder(mv), criteria
    raise Http404("統計表がありません。")


@requires(Function.STATS_VIEW)
@require_GET
def export_table(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """集計表のCSV・Excel出力（秘匿処理済み、個人情報を含まない）。"""
    if fmt not in ("csv", "xlsx"):
        raise Http404("出力形式がありません。")
    table, criteria = _table_for(name, request)
    if fmt == "csv":
        body, ctype = tables.to_csv(table), "text/csv; charset=utf-8"
    else:
        body, ctype = tables.to_xlsx(table), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    _audit(request, EventType.STATS_EXPORTED, "export", {**criteria, "table": name, "format": fmt})
    return attachment(body, content_type=ctype, filename=f"juki-stats-{name}.{fmt}")


def report_html(on: dt.date, year: int, month: int, *, font_stack: str | None = None) -> str:
    """The statistics report as one HTML document (tables + inline SVG charts)."""
    if font_stack:
        with svg.font(font_stack):
            pop_ctx, mv_ctx = _population_context(on, None), _movements_context(year, month)
    else:
        pop_ctx, mv_ctx = _population_context(on, None), _movements_context(year, month)
    return render_to_string("stats/report.html", {
        **pop_ctx, **mv_ctx, "on": on, "year": year, "month": month, "min_cell": tables.min_cell(),
        "suppressed": tables.SUPPRESSED, "suppression_note": tables.suppression_note(), "font_stack": font_stack or svg.SCREEN_FONT, "printed_on": clock.today(),
    })


@requires(Function.STATS_VIEW)
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    """統計報告書（PDF）: the tables and charts of the two pages, as of a date and for a month."""
    on = _as_of(request)
    year, month = _month(request)
    pdf = render_pdf(report_html(on, year, month, font_stack=FONT_STACK))
    _audit(request, EventType.STATS_REPORT_PRINTED, "report", {"on": on.isoformat(), "month": f"{year:04d}-{month:02d}"})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="juki-stats-{on.isoformat()}.pdf"'
    return response


@requires(Function.STATS_LISTS)
@require_GET
def lists_view(request: HttpRequest) -> HttpResponse:
    """業務リスト（件数のみ）。個人の一覧は大量出力の承認を経て出力する。"""
    today = clock.today()
    start, ok1 = _date(request, "start", today.replace(day=1))
    end, ok2 = _date(request, "end", today)
    raw_days = (request.GET.get("days") or "").strip()
    days = int(raw_days) if is_ascii_digits(raw_days) and 0 < int(raw_days) <= 3660 else lists.DEFAULT_STAY_DAYS
    if not (ok1 and ok2) or (raw_days and str(days) != raw_days):
        messages.error(request, "条件の形式が正しくありません。既定の条件で表示します。")
    if start > end:
        start, end = end, start
    counts = lists.counts(start=start, end=end, days=days, today=today)
    _audit(request, EventType.STATS_LISTS_VIEWED, "lists",
           {"start": start.isoformat(), "end": end.isoformat(), "days": days}, function=Function.STATS_LISTS)
    def kind_label(kind: str) -> str:
        try:
            return handler_for(kind).label
        except Exception:  # noqa: BLE001 - unknown kinds are shown by their code
            return kind

    return render(request, "stats/lists.html", {
        "title": "業務リスト", "counts": counts, "start": start, "end": end, "days": days,
        "late_by_kind": sorted((kind_label(k), n) for k, n in counts["late_by_kind"].items()),
        "may_export": has_function(request, Function.EXPORT_REQUEST), "kinds": LIST_KINDS,
    })


@requires(Function.EXPORT_REQUEST)
@require_POST
def list_export(request: HttpRequest) -> HttpResponse:
    """業務リストの個人一覧の出力申請 (goes to the 管理責任者 for prior approval)."""
    scope = request.POST.get("scope", "")
    if scope not in {k.name for k in LIST_KINDS}:
        raise Http404("出力の種類がありません。")
    params = {k: request.POST.get(k, "") for k in ("start", "end", "days") if request.POST.get(k)}
    try:
        req = do_request_export(scope=scope, purpose=request.POST.get("purpose", ""), parameters=params,
                                actor=actor(request))
    except JukiError as exc:
        messages.error(request, f"{exc.message}（エラーコード: {exc.code}）")
        return HttpResponseRedirect(reverse("stats-lists"))
    messages.success(request, f"大量出力 {req.pk} を申請しました（{req.expected_rows}件）。管理責任者の承認を待ってください。")
    return HttpResponseRedirect(reverse("exports-mine"))
