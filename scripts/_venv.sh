# Sourced by scripts/demo and scripts/test: make .venv match requirements.txt.
# Creates .venv with python3 when it is missing, and reinstalls requirements.txt whenever that
# file has changed since the last install (its checksum is kept in .venv/.requirements.sha256).

ensure_venv() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "casework needs Python 3.11 or newer as '$python' (set PYTHON=... to choose another)." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $("$python" --version 2>&1) ..."
    if ! "$python" -m venv .venv; then
      rm -rf .venv
      echo "Could not create .venv. On Debian or Ubuntu: apt-get install python3-venv" >&2
      exit 1
    fi
  fi
  local wanted
  wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"
  if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$wanted" ]; then
    echo "Installing requirements.txt into .venv ..."
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    echo "$wanted" > .venv/.requirements.sha256
  fi
}
