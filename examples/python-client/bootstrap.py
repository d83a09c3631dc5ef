#!/usr/bin/env python3
"""Prepares the example: a virtualenv in .venv with protobuf and grpcio-tools, and
dsdb_pb2.py generated from the repository's dsdb.proto into generated/.

Idempotent: does nothing that is already done. Prints the venv's python path last.
"""
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, ".venv")
PROTO_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
GENERATED = os.path.join(HERE, "generated")


def venv_python() -> str:
    return os.path.join(VENV, "Scripts" if os.name == "nt" else "bin", "python")


def make_python() -> tuple[str, list[str]]:
    """The interpreter to use and the extra pip flags it needs: the venv's, or (where
    venv/ensurepip is missing, e.g. Debian without python3-venv) this one with --user."""
    python = venv_python()
    if os.path.exists(python):
        return python, []
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
        return python, []
    except Exception as err:  # noqa: BLE001 - any failure means: no usable venv here
        print(f"bootstrap: no venv ({err}); installing for the current user", file=sys.stderr)
        return sys.executable, ["--user"]


def main() -> None:
    python, pip_flags = make_python()
    probe = subprocess.run([python, "-c", "import google.protobuf, grpc_tools"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pip_flags, "-r", os.path.join(HERE, "requirements.txt")],
            check=True,
            stdout=sys.stderr,
        )
    proto = os.path.join(PROTO_DIR, "dsdb.proto")
    target = os.path.join(GENERATED, "dsdb_pb2.py")
    if not os.path.exists(target) or os.path.getmtime(target) < os.path.getmtime(proto):
        os.makedirs(GENERATED, exist_ok=True)
        subprocess.run(
            [python, "-m", "grpc_tools.protoc", f"--proto_path={PROTO_DIR}", f"--python_out={GENERATED}", proto],
            check=True,
            stdout=sys.stderr,
        )
    print(python)


if __name__ == "__main__":
    main()
