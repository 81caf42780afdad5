"""``chainkg query`` and ``chainkg serve``: thin commands over :mod:`chainkg.query` and :mod:`chainkg.serve`.

Only click is imported at module level; rdflib and pyoxigraph load inside the commands (and mostly in
the query worker processes).
"""
import sys
from pathlib import Path

import click

from ..cli import cli, note, source_options, user_errors

__all__ = ["query", "serve"]

_FORMATS = ("table", "csv", "json", "xlsx", "ttl")


def _params(pairs):
    from ..errors import DataError, Problem

    values, problems = {}, []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            problems.append(Problem("--param", None, None, f"参数应写作 名称=值，而不是“{pair}”",
                                    f"a parameter reads NAME=VALUE, not '{pair}'"))
            continue
        values[key.strip()] = value
    if problems:
        raise DataError(problems)
    return values


def _list_queries():
    from ..query import named_queries

    for q in named_queries().values():
        click.echo(f"{q.name}  {q.signature()}".rstrip())
        click.echo(f"    {q.description}")
        for p in q.params:
            kind = p.type + (", optional" if p.optional else "")
            click.echo(f"    --param {p.name}=…  ({kind}) {p.description}")


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("-e", "--expression", "expression", metavar="SPARQL", help="The query, given inline.")
@click.option("-n", "--name", metavar="NAME", help="A named query of the library (see --list).")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the named query; repeat for several. Bound as an RDF term, never pasted in.")
@click.option("--list", "list_", is_flag=True, help="List the named queries with their parameters and exit.")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="table", show_default=True,
              help="table (aligned text), csv (UTF-8 with BOM, for Excel), json (SPARQL JSON results; JSON-LD "
                   "for graphs), xlsx (needs -o), ttl (CONSTRUCT/DESCRIBE).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="File to write (default: stdout).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds before the query is stopped.")
@click.option("--limit", type=click.IntRange(min=0), default=10_000, show_default=True,
              help="Rows kept at most (0: no limit); a cut result is reported on stderr.")
@source_options
@user_errors
def query(file, expression, name, params, list_, fmt, output, timeout, limit, store, graph_path):
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query: inline (-e), from FILE, or by --name.

    Every query is parsed first; updates, SERVICE and FROM / FROM NAMED are refused. It then runs in a
    separate process that is stopped after --timeout seconds.

    \b
    chainkg query --list
    chainkg query --name lead-enterprises --param zone=喀左经济开发区
    chainkg query --name projects -p status=在建 -p year=2022 --format csv -o projects.csv
    chainkg query -e 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    chainkg query my-question.rq --store http://127.0.0.1:7878/query

    运行 SPARQL 查询；更新、SERVICE、FROM 一律拒绝；超时即终止。
    """
    from ..build import write_atomic
    from ..errors import DataError, Problem
    from ..query import bind_parameters, named_query, result_bytes, run_query

    if list_:
        return _list_queries()
    given = [x for x in (file, expression, name) if x]
    if len(given) != 1:
        raise click.UsageError("give exactly one of FILE, -e/--expression or --name (or --list)")
    if params and not name:
        raise click.UsageError("--param goes with --name")
    if fmt == "xlsx" and not output and sys.stdout.isatty():
        raise click.UsageError("--format xlsx writes a workbook: give -o FILE.xlsx")
    if name:
        named = named_query(name)
        text, where = bind_parameters(named, _params(params)), f"queries/{named.name}.rq"
    elif file:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise DataError([Problem(str(path), None, None, "文件不存在", "file does not exist")]) from None
        except UnicodeDecodeError:
            raise DataError([Problem(str(path), None, None, "文件不是 UTF-8 编码", "file is not UTF-8")]) from None
        where = str(path)
    else:
        text, where = expression, "-e"
    result = run_query(text, store, graph_path=graph_path, timeout=timeout, limit=limit, where=where)
    if fmt == "ttl" and not result.is_graph:
        raise DataError([Problem("--format", None, None, "ttl 只适用于 CONSTRUCT / DESCRIBE 查询",
                                 "ttl is for CONSTRUCT / DESCRIBE queries only")])
    data = result_bytes(result, fmt)
    if output:
        write_atomic(output, data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    if result.form == "ASK":
        note(f"ASK: {'true' if result.boolean else 'false'} ({result.elapsed:.2f} s)")
    else:
        note(f"{len(result.rows)} 行 / rows ({result.elapsed:.2f} s)" + (f"，写入 / wrote {output}" if output else ""))
    if result.truncated:
        note(f"注意：结果已截断为前 {limit} 行（--limit） / note: the result was cut at {limit} rows (--limit)")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address exposes the graph to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True, help="Port (0: any free port).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a query may run before it is stopped (HTTP 503).")
@click.option("--limit", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows returned at most per query (header Chainkg-Truncated when cut).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Queries that run at once, each in its own process.")
@click.option("--wait", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="Seconds a request may wait for a free worker before HTTP 503 (busy).")
@click.option("--max-waiting", type=click.IntRange(min=0), default=None,
              help="Requests that may wait for a worker at once; more get 503 at once [default: 16 per worker].")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A name clients use for this server (Host header) besides 127.0.0.1, localhost and [::1]; "
                   "repeatable. Needed with --host other than loopback to refuse foreign names.")
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="Allow browser pages from ORIGIN (e.g. http://localhost:8888) to read results; repeatable. Off by default.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request on stderr.")
@source_options
@user_errors
def serve(host, port, timeout, limit, workers, wait, max_waiting, allowed_hosts, cors, verbose, store, graph_path):
    """Serve the graph as a read-only SPARQL 1.1 endpoint with a query page that works offline.

    \b
    GET|POST /sparql        SPARQL 1.1 Protocol (JSON, XML, CSV, TSV; Turtle, N-Triples for graphs)
    GET /queries[/NAME]     the named queries, and running one with ?param=value
    GET /                   the query page

    Every query goes through the same guard, timeout and row limit as `chainkg query`. Each worker
    opens the store itself: for a large graph use an on-disk store (`chainkg load`, then
    `--store build/store`), which every worker opens read-only instead of loading its own copy.

    以只读 SPARQL 端点提供图谱（默认仅本机 127.0.0.1 可访问），附离线查询页面。
    """
    from ..serve import make_server

    if host not in ("127.0.0.1", "localhost", "::1"):
        note(f"警告：监听 {host}，局域网内的其他机器也能查询图谱 / warning: listening on {host}; other machines can query the graph")
    note("启动查询进程 / starting query workers …")
    server = make_server(store, graph_path, host=host, port=port, timeout=timeout, limit=limit, workers=workers,
                         cors=cors, verbose=verbose, allowed_hosts=allowed_hosts, wait=wait, max_waiting=max_waiting)
    if server.engine.local and not server.engine.isolated:
        note("注意：本系统不支持为查询进程隔离网络，仅靠查询检查拒绝 SERVICE / note: query workers could not be cut off "
             "from the network here; the guard alone refuses SERVICE")
    note(f"SPARQL endpoint: {server.url}/sparql")
    note(f"查询页面 / query page: {server.url}/")
    note("按 Ctrl+C 停止 / press Ctrl+C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        note("停止 / stopping")
    finally:
        server.close()
