"""HTML fragments for the Snakemake report: a table in the project's style and an embedded
figure. The study's α* table (`study.report`) and the paper's theorem table
(`paper.experiments`) are made with them."""

import base64
import html

TABLE_STYLE = """<style>
table.modelcollapse { border-collapse: collapse; font-size: 0.8rem; font-variant-numeric: tabular-nums; margin: 0.5em 0; }
table.modelcollapse caption { caption-side: top; text-align: left; font-size: 0.8rem; padding-bottom: 0.3em; }
table.modelcollapse th, table.modelcollapse td { border-bottom: 1px solid #ddd; padding: 0.15em 0.5em; text-align: right; }
table.modelcollapse th { background: #f2f2f2; }
table.modelcollapse.numbers td, table.modelcollapse.numbers th { white-space: nowrap; }
table.modelcollapse:not(.numbers) td { text-align: left; }
table.modelcollapse td.strictest { background: #e8e8e8; }
table.modelcollapse td.fail { color: #b00020; font-weight: bold; }
</style>
"""


def html_table(header, rows, caption="", numbers=False):
    """An HTML table fragment. A cell is text (escaped here) or (html, css class); `numbers`: cells
    never wrap."""

    def cell(value):
        text, css = value if isinstance(value, tuple) else (html.escape(str(value)), "")
        return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"

    lines = [TABLE_STYLE, f'<table class="modelcollapse{" numbers" if numbers else ""}">']
    if caption:
        lines.append(f"<caption>{caption}</caption>")
    lines.append("<thead><tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr></thead>")
    lines.append("<tbody>")
    lines += ["<tr>" + "".join(map(cell, row)) + "</tr>" for row in rows]
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines) + "\n"


def embedded_image_html(path, alt):
    """An <img> carrying the PNG at `path` as a data URI: shown by any page that includes it."""
    data = base64.b64encode(open(path, "rb").read()).decode("ascii")
    return f'<img class="modelcollapse" src="data:image/png;base64,{data}" alt="{html.escape(alt)}" style="width: 100%;">\n'
