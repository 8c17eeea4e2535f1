"""The product never imports the demo app; only tests, bench and seed_demo itself do."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_PRODUCT = {"demo", "tests", "bench"}


def product_files() -> list[Path]:
    packages = [
        path.parent
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_PRODUCT and not path.parent.name.startswith(".")
    ]
    return [ROOT / "manage.py"] + [file for package in packages for file in package.rglob("*.py")]


def imported_modules(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
    return modules


def test_no_product_module_imports_the_demo_app():
    files = product_files()
    assert any(file.parts[-2:] == ("federation", "models.py") for file in files)
    offenders = [
        f"{file.relative_to(ROOT)} imports {module}"
        for file in files
        for module in imported_modules(file)
        if module == "demo" or module.startswith("demo.")
    ]
    assert offenders == []
