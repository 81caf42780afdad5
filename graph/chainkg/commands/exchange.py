"""``chainkg template`` and ``chainkg import``: staff spreadsheets in; ``export_tables`` backs
``chainkg export --format xlsx|csv``. The work is done in :mod:`chainkg.exchange`."""
import sys
from pathlib import Path

import click

from ..cli import cli, note, source_options, user_errors

__all__ = ["template", "import_", "export_tables"]

_DATA_HELP = "Dataset folder (default: the bundled Chaoyang data, data/chaoyang)."
_CHAINS_HELP = "Folder of reference chain templates (default: data/chains)."


@cli.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Workbook to write (.xlsx).")
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Draw the drop-down lists from this dataset folder, compiled on the fly.")
@click.option("--chains", type=click.Path(file_okay=False), default=None, help=_CHAINS_HELP)
@source_options
@user_errors
def template(output, data, chains, store, graph_path):
    """Write the data-entry workbook: one sheet per table, Chinese and English headers, drop-downs
    drawn from the current graph, an instructions sheet, and an example row (ignored on import).

    写出数据录入模板（Excel）。
    """
    from ..build import compile_folder, write_atomic
    from ..ingest.template import graph_lists, write_workbook
    from ..store import data_graph, open_store

    if data:
        graph, _ = compile_folder(data, chains)
    else:
        graph = data_graph(open_store(store, graph_path))
    write_atomic(output, write_workbook(graph_lists(graph)))
    note(f"写入 / wrote {output}")


@cli.command("import")
@click.argument("file", type=click.Path())
@click.option("--data", type=click.Path(), default=None,
              help=_DATA_HELP + " A folder that does not exist yet is created (a new dataset).")
@click.option("--chains", type=click.Path(file_okay=False), default=None, help=_CHAINS_HELP)
@click.option("--table", type=click.Choice(["sources", "zones", "enterprises", "chains", "zone_chains", "lead_roles",
                                            "projects", "placements"]), default=None,
              help="Table a CSV file holds (default: from its file name or header).")
@click.option("--dry-run", is_flag=True, help="Check and show the change as a diff; write nothing.")
@click.option("--no-validate", is_flag=True, help="Skip the SHACL shapes (the compiler's checks still run).")
@user_errors
def import_(file, data, chains, table, dry_run, no_validate):
    """Import an Excel workbook (.xlsx), a CSV file, or a folder of them into the dataset folder.

    Rows are checked against the existing data exactly as ``chainkg build`` checks them. On any problem
    every problem is listed (sheet, row and column, in Chinese and English), the exit status is 1 and
    nothing is written. Otherwise new rows are added as CSV files and edited exported rows are changed
    in place, ready to review with ``git diff``.

    导入 Excel 或 CSV：先全部检查，有任何错误则列出全部问题且不写入。
    """
    from ..exchange import apply_plan, plan_import

    plan = plan_import(file, data, chains, table, validate=not no_validate)
    for line in plan.notes:
        note(f"注意 / note: {line}")
    for line in plan.summary():
        note(line)
    if dry_run:
        sys.stdout.write(plan.diff())
        note("试运行：未写入任何文件 / dry run: nothing written")
        return
    for path in apply_plan(plan):
        note(f"写入 / wrote {path}")
    if plan.writes:
        note("请运行 chainkg build 重新生成图谱 / run chainkg build to rebuild the graph")


def export_tables(fmt, output, data, chains):
    """``chainkg export --format xlsx|csv``: the dataset's tables (and gaps, centrality) for Excel."""
    from ..build import write_atomic
    from ..exchange import export_csv, export_workbook

    if fmt == "xlsx":
        if not output:
            raise click.UsageError("--format xlsx needs -o FILE.xlsx")
        content, notes = export_workbook(data, chains)
        write_atomic(output, content)
        written = [output]
    else:
        if not output:
            raise click.UsageError("--format csv needs -o FOLDER (one CSV per table)")
        if Path(output).is_file():
            raise click.UsageError(f"-o {output}: --format csv writes a folder of CSV files, not one file")
        written, notes = export_csv(output, data, chains)
    for line in notes:
        note(f"注意 / note: {line}")
    for path in written:
        note(f"写入 / wrote {path}")
