"""GX's validation-result table with each expectation's Vietnamese title, dimension and severity.

GX 1.24.1 renders an expectation's ``notes`` on the suite's page but neither ``notes``
nor ``meta`` on a validation-result page, where a steward reads what failed. This
renderer is GX's own table renderer (``ValidationResultsTableContentBlockRenderer``) with
one line added under GX's sentence in the Expectation cell: the title from
``meta.title_vi``, the dimension and the severity in Vietnamese (English second). GX
HTML-escapes the values (a template with ``styling`` has its params escaped by
``DefaultJinjaView``), so nothing here builds markup from them.

``SECTION_BUILDERS`` is the Data Docs site configuration that selects it; ``data_docs.build``
applies it to the in-memory project config for the build, so the committed
``great_expectations.yml`` stays stock (a plain ``build_data_docs()`` renders GX's table).
"""

from __future__ import annotations

from great_expectations.render import RenderedStringTemplateContent
from great_expectations.render.renderer.content_block import ValidationResultsTableContentBlockRenderer

from ddss.rules.catalog import DIMENSIONS, SEVERITIES

__all__ = ["SECTION_BUILDERS", "VietnameseValidationResultsTable", "meta_line"]

SECTION_BUILDERS = {
    "validations": {
        "renderer": {
            "class_name": "ValidationResultsPageRenderer",
            "column_section_renderer": {
                "class_name": "ValidationResultsColumnSectionRenderer",
                "table_renderer": {"module_name": __name__, "class_name": "VietnameseValidationResultsTable"},
            },
        }
    }
}


def meta_line(meta: dict) -> RenderedStringTemplateContent | None:
    """The block shown under GX's sentence, or None for an expectation ddss did not write."""
    if not meta or not meta.get("title_vi"):
        return None
    dimension, severity = meta.get("dimension", ""), meta.get("severity", "")
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": "$title ($check_id) · Chiều / dimension: $dimension · Mức / severity: $severity",
            "params": {
                "title": meta["title_vi"],
                "check_id": meta.get("check_id", ""),
                "dimension": f"{DIMENSIONS.get(dimension, dimension)} ({dimension})",
                "severity": f"{SEVERITIES.get(severity, severity)} ({severity})",
            },
            "tag": "div",
            "styling": {
                "classes": ["ddss-meta", "small", "text-muted", "mt-1"],
                "params": {"title": {"classes": ["font-weight-bold", "ddss-title"]}},
            },
        },
    )


class VietnameseValidationResultsTable(ValidationResultsTableContentBlockRenderer):
    @classmethod
    def _get_content_block_fn(cls, expectation_type, expectation_config=None):  # noqa: ANN206 - GX's signature
        row_fn = super()._get_content_block_fn(expectation_type=expectation_type, expectation_config=expectation_config)

        def with_meta(*args, **kwargs):  # noqa: ANN202
            rows = row_fn(*args, **kwargs)
            result = kwargs.get("result")
            line = meta_line(result.expectation_config.meta if result is not None and result.expectation_config else {})
            if line is not None and rows and len(rows[0]) > 1:
                # GX's row: [status, expectation cell (one block or a list), observed value, ...]
                cell = rows[0][1]
                rows[0][1] = [*(cell if isinstance(cell, list) else [cell]), line]
            return rows

        return with_meta
