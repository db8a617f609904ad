"""The app Containerfile (what GitHub runners build) ships the same code as the local image
build (images/build.sh copies every tracked Python file outside tests, bench, scripts)."""

import re

from tests.deploy.manifests import P5

NOT_SHIPPED = {"tests", "bench", "scripts", "images", "cluster", "charts", "terraform", "web"}


def test_app_containerfile_copies_every_python_package() -> None:
    packages = {
        path.parent.name for path in P5.glob("*/__init__.py") if path.parent.name not in NOT_SHIPPED
    } | {"migrations"}
    copied = set(
        re.findall(r"^COPY (\w+) /opt/app/\1$", (P5 / "images/app/Containerfile").read_text(), re.M)
    )
    assert packages - copied == set(), "packages the Containerfile leaves out"
    assert copied - packages == set(), "copies of packages that no longer exist"
