"""The one build step pyproject.toml cannot declare: ship the shared site files.

mkdocs.yml and theme/ stay at the top of the repository (the design card keeps them there);
every wheel carries them inside ``site_builder/bundled/``, copied from those same files at
build time, so ``pingan build`` works from an installed wheel. An editable install reads
them from the checkout instead (``site_builder.commands.DEFAULT_CONFIG``).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Top-level files and folders the wheel carries, and where (site_builder.commands looks there).
SHARED = ("mkdocs.yml", "theme")
BUNDLED = Path("site_builder", "bundled")


class build_py_with_site_files(build_py):
    """build_py, plus mkdocs.yml and theme/ copied into site_builder/bundled/."""

    def run(self) -> None:
        super().run()
        for source, target in self._site_files():
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        site_files = [str(target) for _, target in self._site_files()]
        return super().get_outputs(include_bytecode) + site_files

    def _site_files(self) -> list[tuple[Path, Path]]:
        if self.editable_mode:  # the checkout's own files are used
            return []
        files = []
        for name in SHARED:
            top = Path(name)
            for source in [top] if top.is_file() else sorted(top.rglob("*")):
                if source.is_file() and "__pycache__" not in source.parts:
                    files.append((source, Path(self.build_lib, BUNDLED, source)))
        return files


setup(cmdclass={"build_py": build_py_with_site_files})
