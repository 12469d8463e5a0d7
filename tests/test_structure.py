"""The code's shape, read from its source: no import cycle, data flowing one way, and no unit too big to read.

The limits are the project's (STYLE.md and issue 13): a class of at most ~250 lines, a function of at most ~60.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "digest"
MAX_CLASS, MAX_FUNCTION = 250, 60
# The stages in the order data flows (DESIGN.md): a module may import its own stage and earlier ones only.
# A module is placed by its longest listed name (digest.sources.registry before digest.sources).
STAGES = [
    {"errors", "clean", "i18n", "files", "urls", "sources.registry", "preview"},
    {"config"},
    {"sources"},
    {"papers", "radar"},
    {"archive", "lock", "verify"},
    {"collect", "probe"},
    {"llm", "gate", "briefing", "summarize", "batch", "redo", "vectoriser", "vectors", "embeddings"},
    {"site"},
]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Return the digest modules a file imports, TYPE_CHECKING imports included (a cycle is a cycle)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            found |= {n for n in [target, *names] if n.startswith("digest")}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("digest")}
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(nxt):], nxt]))
            if not state.get(nxt):
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(edges):
        if not state.get(start):
            visit(start, [start])


def stage_of(module: str) -> int:
    """Return the stage of digest.<name>[.<sub>], by the longest listed prefix of its name."""
    rel = module.removeprefix("digest.")
    for name in (rel, rel.split(".")[0]):
        for i, stage in enumerate(STAGES):
            if name in stage:
                return i
    raise AssertionError(f"{module} belongs to no stage of STAGES: place it")


def test_data_flows_one_way():
    problems = []
    for module, targets in graph().items():
        if module == "digest":
            continue
        for target in targets:
            if target != "digest" and stage_of(target) > stage_of(module):
                problems.append(f"{module} imports {target}, a later stage")
    assert not problems, "\n".join(problems)


def test_every_module_has_a_stage():
    for module in graph():
        if module != "digest":
            stage_of(module)   # StopIteration names a module missing from STAGES


def test_no_unit_too_big_to_read():
    problems = []
    for path in [*PACKAGE.rglob("*.py"), ROOT / "build.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
            if isinstance(node, ast.ClassDef) and size > MAX_CLASS:
                problems.append(f"{where}: class of {size} lines (at most {MAX_CLASS})")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and size > MAX_FUNCTION:
                problems.append(f"{where}: function of {size} lines (at most {MAX_FUNCTION})")
    assert not problems, "\n".join(problems)
